"""End to end, as packaged: the forecast, the TPM-reservation advice, the dashboard link and the
graphs and CSV attached to the support case (issue 12)."""
from __future__ import annotations

import sys
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from tests.functional.processor_world import ProcessorWorld, fire, run, utc_now

DASHBOARD = ("https://console.aws.amazon.com/cloudwatch/home?region=us-east-1"
             "#dashboards/dashboard/Acme-Bedrock-Ops-Alert-G-Opus-4-6")
FILES = ["rpm-14-days.png", "tpm-14-days.png", "daily-usage.csv"]


def growing_usage(world: ProcessorWorld, *, rpm0: float, rpm_step: float, tpm0: float, tpm_step: float,
                  days: int = 14) -> None:
    """One busy minute a day for ``days`` days, its RPM and TPM growing by a step each day."""
    end = utc_now().replace(second=0, microsecond=0)
    inv, inp, out = {}, {}, {}
    for d in range(days):
        at = end - timedelta(days=days - d) + timedelta(hours=1)
        inv[at] = rpm0 + rpm_step * d
        tokens = tpm0 + tpm_step * d
        inp[at], out[at] = tokens * 0.8, tokens * 0.2
    m = world.aws.metrics
    m.put_series("Invocations", world.model_id, inv)
    m.put_series("InputTokenCount", world.model_id, inp)
    m.put_series("OutputTokenCount", world.model_id, out)
    m.put_series("EstimatedTPMQuotaUsage", world.model_id, {t: inp[t] + out[t] for t in inv})


def test_throttling_at_low_usage_opens_a_case_with_forecast_advice_graphs_and_data(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    # Peaks grow 6,000 → 7,300 RPM (+100/day) and 1.0M → 1.65M TPM: both below their thresholds.
    growing_usage(world, rpm0=6_000, rpm_step=100, tpm0=1_000_000, tpm_step=50_000)
    result = fire(world, processor, "Throttles")

    assert result["scenario"] == "low_usage"
    assert world.aws.service_quotas.requests == []  # the increase stays reference-only
    [case] = world.our_cases()
    body = " ".join(case.body.split())
    # Forecast: RPM threshold 8,000 in ~7 days and quota 10,000 in ~27 days at +100/day.
    assert "CAPACITY FORECAST" in body
    assert "Peak RPM 7,300 +100 (+1.4%) rising 100% in ~7 days in ~27 days" in body
    assert "Bedrock reserves tokens when a request starts - input tokens + cache tokens + maxTokens" in body
    assert DASHBOARD in body
    assert "Attached: rpm-14-days.png, tpm-14-days.png, daily-usage.csv" in body
    files = case.communications[0].attachments
    assert [f.file_name for f in files] == FILES
    assert all(f.data.startswith(b"\x89PNG") for f in files[:2])
    rows = files[2].data.decode().splitlines()
    assert rows[0] == "day_ending_utc,peak_rpm,average_rpm,requests,peak_tpm,average_tpm,tokens,resolution"
    assert len(rows) == 15 and rows[-1].split(",")[1] == "7300"
    # The graphs show 14 days of usage against the threshold and quota lines.
    [rpm_graph, tpm_graph] = world.aws.metrics.widget_images
    assert rpm_graph["start"] == "-P14D"
    assert [m[0]["label"] for m in rpm_graph["metrics"][2:]] == ["RPM alarm threshold", "RPM quota"]
    assert "FILL(m0, 0)*0 + 6250000" in tpm_graph["metrics"][-1][0]["expression"]

    [email] = world.emails()
    text = " ".join(email["body"].split())
    assert "CAPACITY FORECAST" in text and DASHBOARD in text
    assert "Set maxTokens near the real output size" in text
    assert result["forecast"][0]["measure"] == "Peak RPM"
    assert result["forecast"][0]["threshold"] == {"target": 8000, "outlook": "in_days", "days": 7}
    assert result["attachments"] == {"attached": FILES, "missing": []}
    # Cost: the two quotas were read for the request already; the attachments take three calls.
    assert (aws_calls["service-quotas:GetServiceQuota"], aws_calls["cloudwatch:GetMetricWidgetImage"],
            aws_calls["support:AddAttachmentsToSet"]) == (2, 2, 1)


def test_the_forecast_reaches_back_63_days_with_calibrated_5_minute_data(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    # 63 days of one busy minute a day, +100 RPM a day: CloudWatch serves the last 15 days per
    # minute and all 63 at 5 minutes, where the busy minute's 5-minute average is a fifth of it.
    growing_usage(world, rpm0=1_000, rpm_step=100, tpm0=500_000, tpm_step=10_000, days=63)
    result = fire(world, processor, "Throttles")

    assert aws_calls["cloudwatch:GetMetricData"] == 2  # the 1-minute window, then the 63 days
    history_call = world.aws.metrics.params("GetMetricData")[-1]
    assert {q["MetricStat"]["Period"] for q in history_call["MetricDataQueries"] if "MetricStat" in q} == {300}
    said = ("History: 63 days: 14 at 1-minute, 49 at 5-minute, calibrated (5-minute peaks x5.00 RPM and x5.00 "
            "TPM, the median 1-minute / 5-minute peak ratio of the 14 days read at both; daily token totals "
            "need no calibration).")
    [case] = world.our_cases()
    [email] = world.emails()
    for text in (case.body, email["body"]):
        assert said in " ".join(text.split())
    rpm = result["forecast"][0]
    assert (rpm["days_of_history"], rpm["one_minute_days"], rpm["five_minute_days"]) == (63, 14, 49)
    # Calibrated, the older days continue the recent trend: +100/day, every day pair agreeing.
    assert rpm["trend"] == {"direction": "rising", "slope_per_day": 100.0, "agreement": 1.0, "kendall_tau": 1.0}
    [event] = world.decision_events()
    assert [(f["one_minute_days"], f["five_minute_days"]) for f in event["detail"]["forecast"]] == [(14, 49)] * 3
    rows = case.communications[0].attachments[2].data.decode().splitlines()
    assert len(rows) == 64 and rows[1].split(",")[1] == "1000" and rows[1].endswith("5-minute (peaks calibrated)")


def test_history_that_cannot_be_read_leaves_the_forecast_to_the_1_minute_window(
    world: ProcessorWorld, processor: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.fakes.core import AwsError

    original = world.aws.metrics.GetMetricData

    def five_minutes_fail(params: dict[str, Any]) -> dict[str, Any]:
        if any(q.get("MetricStat", {}).get("Period") == 300 for q in params["MetricDataQueries"]):
            raise AwsError("InternalServiceError", "try again")
        return original(params)

    monkeypatch.setattr(world.aws.metrics, "GetMetricData", five_minutes_fail)
    growing_usage(world, rpm0=1_000, rpm_step=100, tpm0=500_000, tpm_step=10_000, days=63)
    result = fire(world, processor, "Throttles")

    assert result["forecast"][0]["days_of_history"] == 14 and result["forecast"][0]["five_minute_days"] == 0
    [email] = world.emails()
    assert ("History: 14 days at 1-minute (5-minute history not used: it could not be read)."
            in " ".join(email["body"].split()))
    assert "Reading 63 days of 5-minute usage (GetMetricData)" in caplog.text


@pytest.mark.parametrize(
    ("service", "operation", "attached", "missing"),
    [
        ("cloudwatch", "GetMetricWidgetImage", FILES[1:], FILES[:1]),
        ("support", "AddAttachmentsToSet", [], FILES),
    ],
    ids=["graph-not-rendered", "upload-failed"],
)
def test_a_failed_attachment_never_blocks_the_case_or_the_email(
    world: ProcessorWorld, processor: Any, fault: Any, service: str, operation: str,
    attached: list[str], missing: list[str]
) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    fault.fail(service, operation, "InternalFailure", status=500)
    result = fire(world, processor, "InvocationAnomaly")

    [case] = world.our_cases()
    assert [f.file_name for f in case.communications[0].attachments] == attached
    assert f"Missing: {', '.join(missing)} could not be attached" in " ".join(case.body.split())
    assert result["case"]["status"] == "NEW" and result["attachments"] == {"attached": attached, "missing": missing}
    assert len(world.emails()) == 1


def test_an_escalation_appended_to_an_open_case_carries_fresh_graphs(world: ProcessorWorld, processor: Any) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    fire(world, processor, "InvocationAnomaly")
    later = utc_now() + timedelta(minutes=5)
    world.set_child("InputTokenAnomaly")
    run(processor, world.child_event("InputTokenAnomaly", at=later))

    [case] = world.our_cases()
    assert len(case.communications) == 2
    assert [f.file_name for f in case.communications[1].attachments] == FILES
    assert "ESCALATION" in case.communications[1].body


def test_server_errors_need_no_forecast_and_no_attachments(world: ProcessorWorld, processor: Any,
                                                           aws_calls: Counter[str]) -> None:
    result = fire(world, processor, "ServerErrors")
    [case] = world.our_cases()
    assert "CAPACITY FORECAST" not in case.body and case.communications[0].attachments == []
    assert aws_calls["cloudwatch:GetMetricWidgetImage"] == aws_calls["support:AddAttachmentsToSet"] == 0
    assert result["forecast"] == [] and DASHBOARD in world.emails()[0]["body"]


def test_forecast_reads_a_quota_the_request_did_not_need(world: ProcessorWorld, processor: Any,
                                                         aws_calls: Counter[str]) -> None:
    # HighInvocationRate routes RPM only; the TPM forecast still needs the TPM quota: one more call.
    world.load_usage(rpm=9_000, tpm=1_000_000)
    result = fire(world, processor, "HighInvocationRate")
    assert aws_calls["service-quotas:GetServiceQuota"] == 2
    tpm = result["forecast"][1]
    assert (tpm["measure"], tpm["quota"]["target"]) == ("Peak TPM", 6_250_000.0)


def test_the_context_on_the_case_service_quotas_opened_carries_graphs_and_data(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    world.load_usage(rpm=9_500, tpm=3_000_000)
    fire(world, processor, "Throttles")
    assert aws_calls["support:AddAttachmentsToSet"] == 0  # nothing is made before a text goes out
    events = world.follow_ups()
    assert events  # one per quota request
    assert run(processor, events[0])["results"][0]["status"] == "appended"
    request = world.aws.service_quotas.requests[0]
    communication = world.aws.support.case(request.case_id).communications[1]
    assert [f.file_name for f in communication.attachments] == FILES
    # Just above the marker block, which stays last so that the communication is sealed as ours.
    assert ("\n\nAttached: rpm-14-days.png, tpm-14-days.png, daily-usage.csv (14-day usage against threshold and quota; "
            "daily peaks).\n\n[bedrock-ops-alert:") in communication.body
    assert "CAPACITY FORECAST" in communication.body


def test_a_follow_up_whose_graphs_fail_still_appends(world: ProcessorWorld, processor: Any, fault: Any) -> None:
    world.load_usage(rpm=9_500, tpm=3_000_000)
    fire(world, processor, "Throttles")
    event = world.follow_ups()[0]
    fault.fail("support", "AddAttachmentsToSet", "InternalServerError", status=500)
    assert run(processor, event)["results"][0]["status"] == "appended"
    request = world.aws.service_quotas.requests[0]
    communication = world.aws.support.case(request.case_id).communications[1]
    assert communication.attachments == []
    assert ("Missing: rpm-14-days.png, tpm-14-days.png, daily-usage.csv could not be attached this time; the figures "
            "in this text are complete without them.\n\n[bedrock-ops-alert:") in communication.body


def test_a_failing_forecast_never_blocks_the_case_or_the_email(world: ProcessorWorld, processor: Any,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    # The forecast is advice: an unexpected error in it leaves the alert as it would be without it.
    def broken(*_: Any, **__: Any) -> Any:
        raise ValueError("no forecast today")

    monkeypatch.setattr(sys.modules["processor_capacity"], "assess", broken)
    world.load_usage(rpm=2_000, tpm=1_000_000)
    result = fire(world, processor, "InvocationAnomaly")
    [case] = world.our_cases()
    assert result["case"]["status"] == "NEW" and len(world.emails()) == 1
    assert "CAPACITY FORECAST" not in case.body and "no forecast today" in caplog.text


PER_DAY_CODE = "L-9C972E3A"  # "Model invocation max tokens per day for Anthropic Claude Opus 4.6 V1": 2,250,000,000


@pytest.mark.parametrize(
    ("env", "quota", "threshold"),
    [
        pytest.param({"DAILY_TOKEN_QUOTA_CODE": PER_DAY_CODE, "TPM_THRESHOLD_PERCENT": "80"},
                     2_250_000_000.0, 1_800_000_000, id="per-day-quota-and-threshold"),
        pytest.param({"DAILY_TOKEN_QUOTA_CODE": PER_DAY_CODE, "TPM_THRESHOLD_PERCENT": None}, 2_250_000_000.0, None,
                     id="no-threshold-percent"),
        pytest.param({"DAILY_TOKEN_QUOTA_CODE": "NA", "TPM_THRESHOLD_PERCENT": "80"}, None, None, id="no-per-day-quota"),
    ],
)
def test_rolling_24_hour_tokens_against_the_per_day_quota(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str], monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str | None], quota: float | None, threshold: int | None
) -> None:
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    world.aws.service_quotas.add_quota(PER_DAY_CODE, "Model invocation max tokens per day for Anthropic Claude "
                                       "Opus 4.6 V1", 2_250_000_000)
    growing_usage(world, rpm0=6_000, rpm_step=100, tpm0=1_000_000, tpm_step=50_000)
    result = fire(world, processor, "Throttles")
    daily = result["forecast"][2]
    assert daily["measure"] == "Tokens / 24 h"
    assert (daily["quota"]["target"], daily["threshold"]["target"]) == (quota, threshold)
    # Throttles read the RPM and TPM quotas for the request; the per-day quota is one more call.
    assert aws_calls["service-quotas:GetServiceQuota"] == 2 + (quota is not None)
    body = " ".join(world.our_cases()[0].body.split())
    if quota:
        # One busy minute a day: the latest 24 hours hold 1,650,000 tokens, 0 % of 2.25 billion.
        assert "Rolling 24-hour tokens: 1,650,000 (0 % of the per-day quota 2,250,000,000)." in body
    else:
        assert "Rolling 24-hour tokens: 1,650,000 (per-day token quota not known)." in body
