"""Usage statistics from per-minute series: same-minute peaks, quota-usage TPM, profile combining."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from ops_alert.usage import (
    TPM_FROM_QUOTA_USAGE,
    TPM_FROM_TOKEN_COUNTS,
    MinuteSeries,
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


# --- MinuteSeries: the lists the adapter hands over read like the {datetime: value} mappings ------

def _epoch(minute: int) -> int:
    return int(m(minute).timestamp())


def test_minute_series_reads_as_a_mapping_of_utc_minutes() -> None:
    s = MinuteSeries.from_epoch([_epoch(0), _epoch(2)], [1, 2.5])
    assert s == {m(0): 1.0, m(2): 2.5} and {m(0): 1.0, m(2): 2.5} == s
    assert s != {m(0): 1.0} and s != {m(0): 1.0, m(1): 2.5}
    assert list(s) == [m(0), m(2)] and list(s.items()) == [(m(0), 1.0), (m(2), 2.5)]
    assert list(s.values()) == [1.0, 2.5] and len(s) == 2 and bool(s) and not MinuteSeries.from_epoch([], [])
    assert s[m(2)] == 2.5 and s[m(2).replace(tzinfo=None)] == 2.5 and m(0) in s and m(1) not in s
    assert all(type(v) is float for v in s.values())
    with pytest.raises(KeyError):
        s[m(1)]
    with pytest.raises(KeyError):
        s["2026-11-20T09:00:00Z"]  # type: ignore[index]
    assert s == MinuteSeries.of({m(2): 2.5, m(0): 1}) and s != MinuteSeries.of({m(0): 1.0})
    assert repr(s) == "MinuteSeries(2 minutes)"


def test_minute_series_needs_a_value_per_timestamp() -> None:
    with pytest.raises(ValueError, match="2 timestamps but 1 values"):
        MinuteSeries.from_epoch([_epoch(0), _epoch(1)], [1.0])


FROM_EPOCH = [
    ("ascending-minutes", [0, 1, 3], [1, 2, 3], {m(0): 1.0, m(1): 2.0, m(3): 3.0}),
    ("descending-sorted", [3, 1, 0], [3, 2, 1], {m(0): 1.0, m(1): 2.0, m(3): 3.0}),
    ("repeated-timestamp-keeps-the-last", [0, 0, 1], [5, 6, 7], {m(0): 6.0, m(1): 7.0}),
    ("seconds-inside-a-minute-add-up", [0, 0.5, 1], [1, 2, 4], {m(0): 3.0, m(1): 4.0}),
    ("first-datapoint-mid-minute", [0.5, 1], [2, 4], {m(0): 2.0, m(1): 4.0}),
]


@pytest.mark.parametrize(("minutes", "values", "expected"), [c[1:] for c in FROM_EPOCH], ids=[c[0] for c in FROM_EPOCH])
def test_minute_series_from_epoch(minutes: list[float], values: list[float], expected: dict[datetime, float]) -> None:
    s = MinuteSeries.from_epoch([_epoch(0) + 60 * x for x in minutes], values)
    assert s == expected
    assert list(s) == sorted(expected)


@pytest.mark.parametrize(("value", "error"), [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES])
def test_bad_datapoints_from_cloudwatch_are_rejected_with_their_minute(value: object, error: str) -> None:
    with pytest.raises(ValueError, match=error) as info:
        MinuteSeries.from_epoch([_epoch(2), _epoch(3)], [1.0, value])
    assert "2026-11-20T09:03:00" in str(info.value)


# --- identical results: the list arithmetic against the per-minute dicts it replaced --------------

def _reference(group: list[ModelSeries]) -> UsageStats:
    """The dict-per-minute implementation summarize had before the lists (kept as the oracle)."""
    def comb(series_list: list) -> dict[datetime, float]:
        total: dict[datetime, float] = {}
        for series in series_list:
            for moment, value in series.items():
                key = moment.replace(second=0, microsecond=0)
                total[key] = total.get(key, 0.0) + float(value)
        return dict(sorted(total.items()))

    def peak(series: dict[datetime, float]) -> tuple[float, datetime | None]:
        best: tuple[float, datetime | None] = (0.0, None)
        for moment in sorted(series):
            if best[1] is None or series[moment] > best[0]:
                best = (series[moment], moment)
        return best

    def mean(series: dict[datetime, float]) -> float:
        return sum(series.values()) / len(series) if series else 0.0

    inv, inp, out = (comb([getattr(p, f) for p in group]) for f in ("invocations", "input_tokens", "output_tokens"))
    est = comb([p.estimated_tpm for p in group])
    covered = all(p.estimated_tpm or not (p.input_tokens or p.output_tokens) for p in group)
    tpm, source = (est, TPM_FROM_QUOTA_USAGE) if est and covered else (comb([inp, out]), TPM_FROM_TOKEN_COUNTS)
    requests = sum(inv.values())
    return UsageStats(mean(inv), *peak(inv)[:1], mean(tpm), peak(tpm)[0],
                      sum(inp.values()) / requests if requests else 0.0,
                      sum(out.values()) / requests if requests else 0.0,
                      peak(inv)[1], peak(tpm)[1], len(set(inv) | set(inp) | set(out) | set(est)), source, 14)


def _random_group(seed: int) -> list[dict[str, dict[datetime, float]]]:
    rng = random.Random(seed)
    group = []
    for _ in range(rng.choice([1, 2, 3, 10])):
        dense = rng.random() < 0.5  # every minute (the bench's worst case) or gaps
        fields = {}
        for name in ("invocations", "input_tokens", "output_tokens", "estimated_tpm"):
            if rng.random() < 0.15:
                fields[name] = {}
                continue
            fields[name] = {m(i): rng.choice([0.0, 1.0, 3.0, 3.0, rng.uniform(0, 1e6), float(rng.randrange(10**7))])
                            for i in range(300) if dense or rng.random() < 0.4}
        group.append(fields)
    return group


@pytest.mark.parametrize("seed", range(40), ids=[f"seed{s}" for s in range(40)])
def test_summaries_are_identical_to_the_per_minute_dicts(seed: int) -> None:
    group = _random_group(seed)
    expected = _reference([ModelSeries(**g) for g in group])
    as_dicts = summarize([ModelSeries(**g) for g in group])
    as_lists = summarize([ModelSeries(**{k: MinuteSeries.from_epoch([t.timestamp() for t in v], list(v.values()))
                                         for k, v in g.items()}) for g in group])
    assert as_dicts == as_lists == expected
    assert as_lists.peak_rpm_at == expected.peak_rpm_at and as_lists.peak_tpm_at == expected.peak_tpm_at


DAY_S = 86_400
DAY_T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return DAY_T0 + timedelta(minutes=minutes)


PEAK_WINDOWS = [
    # (id, {minute offset: tokens}, largest rolling 24-hour total, its last minute as an offset)
    ("empty", {}, 0.0, None),
    ("one-minute", {5: 100.0}, 100.0, 5),
    # 1,440 minutes apart: never inside one 24-hour window (minutes 0..1,439 are one day).
    ("a-day-apart-never-add-up", {0: 100.0, 1440: 100.0}, 100.0, 0),
    ("one-minute-less-than-a-day-adds-up", {0: 100.0, 1439: 100.0}, 200.0, 1439),
    # The busiest 24 hours straddle two calendar days: a rolling window finds them, days would not.
    ("straddles-midnight", {1000: 50.0, 1700: 60.0, 2000: 70.0, 3000: 10.0}, 180.0, 2000),
    ("earliest-window-wins-a-tie", {0: 30.0, 2000: 30.0}, 30.0, 0),
]


@pytest.mark.parametrize(("points", "total", "last"), [p[1:] for p in PEAK_WINDOWS], ids=[p[0] for p in PEAK_WINDOWS])
def test_peak_rolling_24_hour_total(points: dict[float, float], total: float, last: float | None) -> None:
    series = MinuteSeries.of({at(m): v for m, v in points.items()})
    assert series.peak_window_total(DAY_S) == (total, None if last is None else at(last))


def test_peak_rolling_total_agrees_with_a_brute_force_sum() -> None:
    rng = random.Random(12)
    minutes = {rng.randrange(0, 14 * 1440): float(rng.randrange(0, 1000)) for _ in range(3000)}
    series = MinuteSeries.of({at(m): v for m, v in minutes.items()})
    # Every window ending at a point, summed point by point (a list per window, not a generator: under
    # the coverage tracer each generator step is a traced call, 9 million of them).
    brute = max(sum([v for m, v in minutes.items() if end - 1440 < m <= end]) for end in minutes)
    assert series.peak_window_total(DAY_S)[0] == brute
