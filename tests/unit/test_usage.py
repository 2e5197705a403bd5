"""Usage statistics from per-minute series: same-minute peaks, quota-usage TPM, profile combining."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ops_alert.usage import (
    TPM_FROM_QUOTA_USAGE,
    TPM_FROM_TOKEN_COUNTS,
    ModelSeries,
    UsageStats,
    combine,
    summarize,
)

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def m(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def series(*values: float, start: int = 0) -> dict[datetime, float]:
    return {m(start + i): v for i, v in enumerate(values)}


def test_empty_data_gives_all_zeros() -> None:
    stats = summarize(ModelSeries({}, {}, {}))
    assert stats == UsageStats(
        steady_rpm=0.0,
        peak_rpm=0.0,
        steady_tpm=0.0,
        peak_tpm=0.0,
        avg_input_tokens_per_request=0.0,
        avg_output_tokens_per_request=0.0,
        peak_rpm_at=None,
        peak_tpm_at=None,
        minutes_with_data=0,
        tpm_source=TPM_FROM_TOKEN_COUNTS,
        lookback_days=14,
    )
    assert not stats.has_traffic


def test_no_profiles_at_all_gives_all_zeros() -> None:
    stats = summarize([], lookback_days=7)
    assert (stats.peak_rpm, stats.peak_tpm, stats.minutes_with_data, stats.lookback_days) == (0.0, 0.0, 0, 7)


def test_peak_tpm_is_the_largest_same_minute_total_not_the_sum_of_maxima() -> None:
    # Defect §8.2: input peaks at minute 0, output at minute 1. max+max would say 1,500.
    stats = summarize(ModelSeries(series(1, 1), input_tokens=series(1000, 100), output_tokens=series(100, 500)))
    assert stats.peak_tpm == 1100
    assert stats.peak_tpm_at == m(0)
    assert stats.tpm_source == TPM_FROM_TOKEN_COUNTS


def test_estimated_tpm_quota_usage_is_used_when_it_has_data() -> None:
    # Quota usage weighs output tokens (burndown), so it differs from the raw token sum.
    stats = summarize(
        ModelSeries(
            series(10, 20),
            series(1000, 1000),
            series(100, 300),
            estimated_tpm=series(1500, 2200),
        )
    )
    assert stats.tpm_source == TPM_FROM_QUOTA_USAGE
    assert (stats.peak_tpm, stats.peak_tpm_at, stats.steady_tpm) == (2200, m(1), 1850)


def test_profiles_are_combined_minute_by_minute_before_peaks() -> None:
    # Profile A peaks at minute 0, B at minute 1; together minute 1 is the busiest.
    a = ModelSeries(series(100, 60), series(10_000, 6_000), series(1_000, 600))
    b = ModelSeries(series(10, 80), series(1_000, 8_000), series(100, 800))
    stats = summarize([a, b])
    assert (stats.peak_rpm, stats.peak_rpm_at) == (140, m(1))
    assert (stats.peak_tpm, stats.peak_tpm_at) == (15_400, m(1))
    # max over profiles would have said 100 RPM: combining first is what the alarm sees.


def test_quota_usage_is_not_mixed_with_a_profile_that_lacks_it() -> None:
    a = ModelSeries(series(1), series(100), series(10), estimated_tpm=series(200))
    b = ModelSeries(series(1), series(5_000), series(500))  # tokens but no quota usage series
    stats = summarize([a, b])
    assert stats.tpm_source == TPM_FROM_TOKEN_COUNTS
    assert stats.peak_tpm == 5_610


def test_quota_usage_kept_when_the_profile_without_it_had_no_tokens() -> None:
    a = ModelSeries(series(1), series(100), series(10), estimated_tpm=series(200))
    idle = ModelSeries({}, {}, {})
    stats = summarize([a, idle])
    assert (stats.tpm_source, stats.peak_tpm) == (TPM_FROM_QUOTA_USAGE, 200)


def test_steady_is_the_mean_over_minutes_with_data() -> None:
    # Two active minutes inside a 14-day window: steady is 150, not 300 / 20,160.
    stats = summarize(ModelSeries({m(0): 100, m(600): 200}, {m(0): 1_000, m(600): 3_000}, {}))
    assert stats.steady_rpm == 150
    assert stats.steady_tpm == 2_000
    assert stats.minutes_with_data == 2


def test_minutes_with_data_counts_the_union_of_all_series() -> None:
    stats = summarize(ModelSeries(series(1, 1), series(5, 5, start=1), series(1, start=5), estimated_tpm=series(9, start=9)))
    assert stats.minutes_with_data == 5  # minutes 0, 1, 2, 5, 9


def test_average_tokens_per_request_is_total_tokens_over_total_requests() -> None:
    stats = summarize(ModelSeries(series(1, 3), series(100, 700), series(40, 0)))
    assert stats.avg_input_tokens_per_request == 200
    assert stats.avg_output_tokens_per_request == 10


def test_average_tokens_is_zero_without_invocations() -> None:
    stats = summarize(ModelSeries({}, series(100), series(50)))
    assert (stats.avg_input_tokens_per_request, stats.avg_output_tokens_per_request) == (0, 0)
    assert stats.peak_tpm == 150 and stats.has_traffic


def test_a_tie_is_reported_at_the_earliest_minute() -> None:
    stats = summarize(ModelSeries({m(5): 7, m(2): 7, m(3): 1}, {}, {}))
    assert (stats.peak_rpm, stats.peak_rpm_at) == (7, m(2))


def test_zero_valued_datapoints_count_as_minutes_with_data() -> None:
    stats = summarize(ModelSeries(series(0, 0, 30), {}, {}))
    assert stats.steady_rpm == 10
    assert stats.peak_rpm_at == m(2)


COMBINE = [
    ("empty", [], {}),
    ("one-series", [{m(0): 1.0}], {m(0): 1.0}),
    ("same-minute-summed", [{m(0): 1.0, m(1): 2.0}, {m(1): 3.0}], {m(0): 1.0, m(1): 5.0}),
    ("disjoint-minutes-kept", [{m(0): 1.0}, {m(2): 4.0}], {m(0): 1.0, m(2): 4.0}),
    # Datapoints stamped inside a minute (seconds) still land on that minute.
    ("aligned-to-the-minute", [{m(0) + timedelta(seconds=30): 2.0}, {m(0): 1.0}], {m(0): 3.0}),
    ("integers-accepted", [{m(0): 3}], {m(0): 3.0}),
]


@pytest.mark.parametrize(("series_list", "expected"), [c[1:] for c in COMBINE], ids=[c[0] for c in COMBINE])
def test_combine(series_list: list[dict[datetime, float]], expected: dict[datetime, float]) -> None:
    result = combine(series_list)
    assert result == expected
    assert list(result) == sorted(result)


BAD_VALUES = [
    ("negative", -1.0, "must be a finite number >= 0"),
    ("nan", float("nan"), "must be a finite number >= 0"),
    ("infinite", float("inf"), "must be a finite number >= 0"),
    ("string", "12", "is not a number"),
    ("none", None, "is not a number"),
    ("bool", True, "is not a number"),
]


@pytest.mark.parametrize(("value", "error"), [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES])
def test_bad_datapoints_are_rejected_with_their_minute(value: object, error: str) -> None:
    with pytest.raises(ValueError, match=error) as info:
        summarize(ModelSeries({m(3): value}, {}, {}))  # type: ignore[dict-item]
    assert "2026-11-20T09:03:00" in str(info.value)
