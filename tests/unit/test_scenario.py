"""The usage-validation decision tree of SPEC §4.4 step 4."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from ops_alert.alarms import ALARM_KINDS, BY_KEY, AlarmKind
from ops_alert.scenario import PerDayUsage, Scenario, decide_scenario
from ops_alert.usage import TPM_FROM_QUOTA_USAGE, UsageStats


@dataclass(frozen=True)
class Th:
    rpm: int | None
    tpm: int | None


def usage(peak_rpm: float, peak_tpm: float) -> UsageStats:
    return UsageStats(
        steady_rpm=peak_rpm / 2,
        peak_rpm=peak_rpm,
        steady_tpm=peak_tpm / 2,
        peak_tpm=peak_tpm,
        avg_input_tokens_per_request=0,
        avg_output_tokens_per_request=0,
        peak_rpm_at=None,
        peak_tpm_at=None,
        minutes_with_data=1,
        tpm_source=TPM_FROM_QUOTA_USAGE,
        lookback_days=14,
    )


def kinds(*keys: str) -> tuple[AlarmKind, ...]:
    return tuple(BY_KEY[k] for k in keys)


TH = Th(rpm=8_000, tpm=5_000_000)
CASES = [
    # SPEC worked example: RPM peak 9,500 ≥ 8,000 while TPM 3,000,000 < 5,000,000.
    ("spec-worked-example", kinds("Throttles"), usage(9_500, 3_000_000), TH, Scenario.HIGH_USAGE),
    ("server-errors-only", kinds("ServerErrors"), usage(9_500, 0), TH, Scenario.NON_QUOTA),
    ("latency-only", kinds("HighLatency"), None, None, Scenario.NON_QUOTA),
    ("all-three-investigation", kinds("ServerErrors", "HighLatency", "LatencyAnomaly"), usage(0, 0), TH, Scenario.NON_QUOTA),
    # One quota-type alarm among investigation ones: usage is evaluated.
    ("mixed-with-throttles", kinds("ServerErrors", "Throttles"), usage(1, 1), TH, Scenario.LOW_USAGE),
    ("no-traffic", kinds("Throttles"), usage(0, 0), TH, Scenario.NEW_MODEL),
    ("usage-unreadable", kinds("HighInvocationRate"), None, TH, Scenario.NEW_MODEL),
    ("thresholds-unreadable", kinds("HighInvocationRate"), usage(9_500, 0), None, Scenario.NEW_MODEL),
    ("rpm-exactly-at-threshold", kinds("HighInvocationRate"), usage(8_000, 0), TH, Scenario.HIGH_USAGE),
    ("rpm-just-below", kinds("HighInvocationRate"), usage(7_999, 4_999_999), TH, Scenario.LOW_USAGE),
    ("tpm-exactly-at-threshold", kinds("HighTPMQuotaUsage"), usage(1, 5_000_000), TH, Scenario.HIGH_USAGE),
    ("only-tpm-traffic", kinds("InputTokenAnomaly"), usage(0, 6_000_000), TH, Scenario.HIGH_USAGE),
    ("anomaly-at-low-usage", kinds("InvocationAnomaly"), usage(100, 10_000), TH, Scenario.LOW_USAGE),
    # No RPM quota (code NA): the missing threshold never counts as reached.
    ("no-rpm-quota-low", kinds("Throttles"), usage(1_000_000, 10), Th(None, 5_000_000), Scenario.LOW_USAGE),
    ("no-rpm-quota-tpm-high", kinds("Throttles"), usage(1, 5_000_000), Th(None, 5_000_000), Scenario.HIGH_USAGE),
    ("no-quota-at-all", kinds("Throttles"), usage(5, 5), Th(None, None), Scenario.LOW_USAGE),
    # A threshold of 0 (tiny quota × percent) is reached by any traffic.
    ("zero-threshold", kinds("Throttles"), usage(1, 0), Th(0, 0), Scenario.HIGH_USAGE),
]


@pytest.mark.parametrize(("triggered", "stats", "thresholds", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decide_scenario(triggered: tuple[AlarmKind, ...], stats: UsageStats | None, thresholds: Th | None, expected: Scenario) -> None:
    assert decide_scenario(triggered, stats, thresholds) is expected


DAY = 1_800_000_000  # 80 % of a 2,250,000,000 per-day token quota
PER_DAY = [
    # (id, triggered, usage, per-day usage, expected): the per-day quota counts like RPM and TPM.
    ("per-day-reached", kinds("HighDailyTokenUsage"), usage(100, 10_000), PerDayUsage(1_900_000_000, DAY),
     Scenario.HIGH_USAGE),
    ("per-day-exactly-at-threshold", kinds("HighDailyTokenUsage"), usage(100, 10_000), PerDayUsage(DAY, DAY),
     Scenario.HIGH_USAGE),
    ("per-day-below", kinds("HighDailyTokenUsage"), usage(100, 10_000), PerDayUsage(DAY - 1, DAY), Scenario.LOW_USAGE),
    # No per-day quota (NA), or it could not be read: only the per-minute peaks decide.
    ("no-per-day-quota", kinds("HighDailyTokenUsage"), usage(100, 10_000), PerDayUsage(9e12, None),
     Scenario.LOW_USAGE),
    ("per-day-unknown-tpm-high", kinds("HighDailyTokenUsage"), usage(1, 5_000_000), None, Scenario.HIGH_USAGE),
    # Any quota-type alarm: a per-day peak at its threshold is high usage, as a TPM peak would be.
    ("throttles-with-per-day-reached", kinds("Throttles"), usage(100, 10_000), PerDayUsage(DAY, DAY),
     Scenario.HIGH_USAGE),
    ("per-day-no-traffic", kinds("HighDailyTokenUsage"), usage(0, 0), PerDayUsage(0, DAY), Scenario.NEW_MODEL),
    ("per-day-usage-unreadable", kinds("HighDailyTokenUsage"), None, None, Scenario.NEW_MODEL),
    ("server-errors-ignore-per-day", kinds("ServerErrors"), usage(100, 10_000), PerDayUsage(DAY, DAY),
     Scenario.NON_QUOTA),
]


@pytest.mark.parametrize(("triggered", "stats", "per_day", "expected"), [c[1:] for c in PER_DAY],
                         ids=[c[0] for c in PER_DAY])
def test_decide_scenario_with_the_per_day_quota(triggered: tuple[AlarmKind, ...], stats: UsageStats | None,
                                                per_day: PerDayUsage | None, expected: Scenario) -> None:
    assert decide_scenario(triggered, stats, TH, per_day) is expected


@pytest.mark.parametrize("kind", ALARM_KINDS, ids=[k.key for k in ALARM_KINDS])
def test_each_alarm_alone_is_non_quota_exactly_when_it_is_investigation_type(kind: AlarmKind) -> None:
    result = decide_scenario((kind,), usage(0, 0), TH)
    expected = {"ServerErrors", "HighLatency", "LatencyAnomaly"}
    assert (result is Scenario.NON_QUOTA) is (kind.key in expected)


def test_no_triggered_alarm_is_refused() -> None:
    with pytest.raises(ValueError, match="no triggered alarm"):
        decide_scenario((), usage(9_500, 0), TH)
