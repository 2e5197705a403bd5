"""The usage-validation decision tree of SPEC §4.4 step 4."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from ops_alert.alarms import ALARM_KINDS, BY_KEY, AlarmKind
from ops_alert.scenario import Scenario, decide_scenario
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


@pytest.mark.parametrize("kind", ALARM_KINDS, ids=[k.key for k in ALARM_KINDS])
def test_each_alarm_alone_is_non_quota_exactly_when_it_is_investigation_type(kind: AlarmKind) -> None:
    result = decide_scenario((kind,), usage(0, 0), TH)
    expected = {"ServerErrors", "HighLatency", "LatencyAnomaly"}
    assert (result is Scenario.NON_QUOTA) is (kind.key in expected)


def test_no_triggered_alarm_is_refused() -> None:
    with pytest.raises(ValueError, match="no triggered alarm"):
        decide_scenario((), usage(9_500, 0), TH)
