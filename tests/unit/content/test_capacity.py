"""Capacity forecast, TPM-reservation advice, dashboard link and attachments in the case and e-mail."""
from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from ops_alert.alarms import BY_KEY
from ops_alert.content.case import case_body, communication_body
from ops_alert.content.email import email_body, email_subject
from ops_alert.content.model import AttachmentNote
from ops_alert.forecast_history import FiveMinuteUsage, extended_outlook
from ops_alert.scenario import PerDayUsage, Scenario
from ops_alert.throttling import reservation_advice
from ops_alert.usage import EMPTY, MinuteSeries, ModelSeries, combined_series
from tests.unit.content.contexts import HIGH, NEW_CASE, TIME, USAGE, golden

DASHBOARD = "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/Acme-Bedrock-Ops-Alert-G-Opus-4-6"
DAY = timedelta(days=1)


HISTORY = 60  # the model started 60 days ago: 14 days at 1 minute, 46 at 5 minutes


def growth_minutes(days: int = 14) -> tuple[dict, dict]:
    # Daily peak RPM 8,200 at 14 days ago, +100/day, to 9,500 (3,600 sixty days ago), and peak TPM
    # 2,350,000, +50,000/day, to 3,000,000 (50,000): one peak minute a day in ten busy hours whose
    # load grows with it (RPM half the peak, TPM 40 % of it).
    minute = TIME.replace(second=0, microsecond=0)
    inv, tpm = {}, {}
    for d in range(14 - days, 14):
        day = minute - (14 - d) * DAY
        peak_rpm, peak_tpm = 8_200.0 + 100 * d, 2_350_000.0 + 50_000 * d
        for m in range(600):
            inv[day + timedelta(hours=2, minutes=m)] = peak_rpm * 0.5
            tpm[day + timedelta(hours=2, minutes=m)] = peak_tpm * 0.4
        inv[day + timedelta(hours=3)] = peak_rpm  # the daily peak minute
        tpm[day + timedelta(hours=3)] = peak_tpm
    return inv, tpm


def growth_series():
    inv, tpm = growth_minutes()
    return combined_series(ModelSeries(inv, {}, {}, tpm))


def growth_history() -> FiveMinuteUsage:
    """The 60 days as CloudWatch serves them at 5 minutes: sums per period."""
    def sums(points: dict) -> MinuteSeries:
        out: dict[int, float] = {}
        for moment, value in points.items():
            start = int(moment.timestamp()) // 300 * 300
            out[start] = out.get(start, 0.0) + value
        return MinuteSeries(sorted(out), [out[k] for k in sorted(out)])
    inv, tpm = growth_minutes(HISTORY)
    return FiveMinuteUsage(sums(inv), sums(tpm), EMPTY)


def outlook_of_growth():
    return extended_outlook(growth_series(), growth_history(), TIME.replace(second=0, microsecond=0), 14,
                            (8_000, 5_000_000, 7_200_000_000), (10_000.0, 6_250_000.0, 9_000_000_000.0))


# The per-day quota of 9,000,000,000 tokens, its threshold 80 %: the busiest 24 hours against it.
PER_DAY = PerDayUsage(growth_series().tpm.peak_window_total()[0], 7_200_000_000)
FORECAST = dataclasses.replace(HIGH, outlook=outlook_of_growth(), dashboard_url=DASHBOARD, per_day=PER_DAY)
THROTTLED_LOW = dataclasses.replace(
    HIGH, scenario=Scenario.LOW_USAGE, quota_requests=HIGH.quota_requests,
    usage=dataclasses.replace(USAGE, peak_rpm=900, peak_tpm=400_000),
    reservation=reservation_advice((BY_KEY["Throttles"],), dataclasses.replace(USAGE, peak_tpm=400_000), 6_250_000.0),
)


def test_golden_email_with_the_forecast() -> None:
    # Also the README's sample e-mail.
    golden("email_forecast.txt", f"Subject: {email_subject(FORECAST)}\n\n{email_body(FORECAST, NEW_CASE)}")


@pytest.mark.parametrize("render", [case_body, communication_body, lambda c: email_body(c, NEW_CASE)],
                         ids=["case", "communication", "email"])
def test_every_text_carries_the_forecast_and_the_dashboard(render) -> None:
    text = render(FORECAST)
    assert "CAPACITY FORECAST" in text
    rows = {line.split()[1]: line for line in text.splitlines() if line.startswith("  Peak ")}
    # RPM latest 9,500, +100/day: threshold 8,000 already reached, quota 10,000 in ~5 days.
    assert rows["RPM"].split()[2:] == ["9,500", "+100", "(+1.1%)", "rising", "100%", "reached", "in", "~5", "days"]
    # TPM latest 3,000,000, +50,000/day: threshold 5,000,000 in ~40 days, quota 6,250,000 in ~65 days.
    assert rows["TPM"].split()[-6:] == ["in", "~40", "days", "in", "~65", "days"]
    assert "Rolling 24-hour tokens: 721,800,000 (8 % of the per-day quota 9,000,000,000)." in text
    # How far back, at what resolution: older days are 5-minute data, peaks calibrated.
    assert "History: 60 days: 14 at 1-minute, 46 at 5-minute, calibrated" in " ".join(text.split())
    assert DASHBOARD in text


def test_no_forecast_section_without_an_outlook() -> None:
    assert "CAPACITY FORECAST" not in email_body(HIGH, NEW_CASE)


def test_flat_usage_says_not_at_the_current_trend() -> None:
    minute = TIME.replace(second=0, microsecond=0)
    flat = {minute - (14 - d) * DAY: 500.0 for d in range(14)}
    outlook = extended_outlook(combined_series(ModelSeries(flat, {}, {}, flat)), "", minute, 14,
                               (8_000, 5_000_000, None), (10_000.0, 6_250_000.0, None))
    text = case_body(dataclasses.replace(HIGH, outlook=outlook))
    assert "not at current trend" in text and "per-day token quota not known" in text


def test_a_short_history_says_so() -> None:
    minute = TIME.replace(second=0, microsecond=0)
    recent = {minute - d * DAY - timedelta(hours=1): 500.0 for d in range(3)}
    outlook = extended_outlook(combined_series(ModelSeries(recent, {}, {})), "", minute, 14, (8_000, None, None),
                               (10_000.0, None, None))
    text = email_body(dataclasses.replace(HIGH, outlook=outlook), NEW_CASE)
    assert "too little history" in text and "(3 day(s) of data)" in text


def test_throttling_at_low_usage_explains_the_reservation_in_both_texts() -> None:
    email = email_body(THROTTLED_LOW, NEW_CASE)
    case = case_body(THROTTLED_LOW)
    for text in (" ".join(email.split()), " ".join(case.split())):
        assert "THROTTLING AT LOW MEASURED USAGE: THE TPM RESERVATION" in text
        assert "input tokens + cache tokens + maxTokens" in text
        assert "2,346 input and 512 output tokens on average" in text
    email, case = " ".join(email.split()), " ".join(case.split())
    assert "Set maxTokens near the real output size (for example 1,024" in email
    assert "before asking for more quota" in case
    assert "QUOTA INCREASE (REFERENCE ONLY, NOT SUBMITTED)" in email


@pytest.mark.parametrize(
    ("note", "expected", "absent"),
    [
        pytest.param(AttachmentNote(("rpm-14-days.png", "tpm-14-days.png", "daily-usage.csv")),
                     "Attached: rpm-14-days.png, tpm-14-days.png, daily-usage.csv", "Missing", id="all"),
        pytest.param(AttachmentNote(("daily-usage.csv",), ("rpm-14-days.png", "tpm-14-days.png")),
                     "Missing: rpm-14-days.png, tpm-14-days.png could not be", None, id="graphs-missing"),
        pytest.param(AttachmentNote(), None, "ATTACHMENTS", id="nothing-to-say"),
    ],
)
def test_the_case_says_what_is_attached_and_what_is_missing(note: AttachmentNote, expected: str | None,
                                                            absent: str | None) -> None:
    for text in (case_body(FORECAST, attachments=note), communication_body(FORECAST, attachments=note)):
        if expected:
            assert expected in text
        if absent:
            assert absent not in text


def test_forecast_texts_fit_the_support_limit() -> None:
    long = dataclasses.replace(FORECAST, reservation=THROTTLED_LOW.reservation, use_case="x " * 6000,
                               alarm_reason="r" * 3000)
    note = AttachmentNote(("daily-usage.csv",), ("rpm-14-days.png",))
    for text in (case_body(long, attachments=note), communication_body(long, attachments=note)):
        assert len(text) <= 8000
        assert "CAPACITY FORECAST" in text and "Missing:" in text


def test_the_readme_sample_email_is_the_golden_one() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    sample = (Path(__file__).parent / "golden" / "email_forecast.txt").read_text(encoding="utf-8")
    assert sample.rstrip("\n") in readme
