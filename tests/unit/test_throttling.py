"""Throttling at low measured usage: when the TPM reservation is explained, and what it suggests."""
from __future__ import annotations

import pytest

from ops_alert.alarms import BY_KEY, AlarmKind
from ops_alert.throttling import reservation_advice
from ops_alert.usage import TPM_FROM_QUOTA_USAGE, UsageStats


def usage(peak_tpm: float, avg_in: float = 1200.0, avg_out: float = 300.0) -> UsageStats:
    return UsageStats(steady_rpm=10, peak_rpm=40, steady_tpm=peak_tpm / 4, peak_tpm=peak_tpm,
                      avg_input_tokens_per_request=avg_in, avg_output_tokens_per_request=avg_out,
                      peak_rpm_at=None, peak_tpm_at=None, minutes_with_data=100,
                      tpm_source=TPM_FROM_QUOTA_USAGE, lookback_days=14)


T, C, H, S = BY_KEY["Throttles"], BY_KEY["ClientErrors"], BY_KEY["HighTPMQuotaUsage"], BY_KEY["ServerErrors"]


@pytest.mark.parametrize(
    ("kinds", "peak", "quota", "explained"),
    [
        pytest.param((T,), 100_000, 1_000_000, True, id="throttles-at-10-percent"),
        pytest.param((C, S), 499_999, 1_000_000, True, id="client-errors-just-under-half"),
        pytest.param((T,), 500_000, 1_000_000, False, id="half-the-quota-is-not-low"),
        pytest.param((H,), 100_000, 1_000_000, False, id="usage-alarm-is-not-a-reservation-signal"),
        pytest.param((S,), 100_000, 1_000_000, False, id="server-errors"),
        pytest.param((T,), 100_000, None, False, id="no-tpm-quota"),
        pytest.param((T,), 100_000, 0.0, False, id="zero-quota"),
    ],
)
def test_when_the_reservation_is_explained(kinds: tuple[AlarmKind, ...], peak: float, quota: float | None,
                                           explained: bool) -> None:
    assert (reservation_advice(kinds, usage(peak), quota) is not None) is explained


def test_unreadable_usage_explains_nothing() -> None:
    assert reservation_advice((T,), None, 1_000_000) is None


@pytest.mark.parametrize(
    ("avg_out", "suggested"),
    [(300.0, 768), (0.0, 256), (100.0, 256), (1000.0, 2048), (1024.0, 2048)],
    ids=["twice-rounded-up", "no-output", "floor-256", "2000-to-2048", "exact-multiple"],
)
def test_suggested_max_tokens_is_twice_the_measured_output_rounded_up(avg_out: float, suggested: int) -> None:
    advice = reservation_advice((T,), usage(100_000, avg_out=avg_out), 1_000_000)
    assert advice is not None
    assert advice.suggested_max_tokens == suggested
    assert advice.peak_share == 0.1
    assert (advice.avg_input_tokens, advice.avg_output_tokens) == (1200.0, avg_out)
