"""Up to 63 days of forecast history: 5-minute data before the 1-minute window, calibrated.

Each workload is made once per minute over 63 days; the processor's two inputs are cut from it as
CloudWatch would serve them: the last ``lookback`` days per minute, and the whole 63 days as sums
per 5 minutes (periods aligned to the epoch).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from ops_alert.forecast import TrendDirection, daily_csv, describe_history, summary
from ops_alert.forecast_history import (
    HISTORY_DAYS,
    MIN_OVERLAP_DAYS,
    FiveMinuteUsage,
    calibrate,
    extended_outlook,
    five_minute_days,
)
from ops_alert.usage import EMPTY, TPM_FROM_QUOTA_USAGE, TPM_FROM_TOKEN_COUNTS, CombinedSeries, MinuteSeries

END = datetime(2026, 12, 1, 9, 15, tzinfo=timezone.utc)  # on a 5-minute boundary: see test_periods_across_a_day_boundary
END_S = int(END.timestamp())
DAY_S = 86_400
THRESHOLDS = (8_000, 5_000_000, None)
QUOTAS = (10_000.0, 6_250_000.0, None)


@dataclass(frozen=True)
class Workload:
    level: Callable[[int], float]  # the day's busy-hours RPM, day 0 = the oldest of the 63
    burst: Callable[[int], float] = lambda day: 1.6  # the day's busiest minute, times the level
    active: Callable[[int], bool] = lambda day: True  # False: no traffic that day (a gap)


def minutes(w: Workload) -> tuple[list[int], list[float]]:
    """Every minute with traffic over the 63 days ending at END: 8 busy hours a day at the level,
    a fifth of it otherwise, a little ripple, and one burst minute."""
    seconds, values = [], []
    first = END_S - HISTORY_DAYS * DAY_S
    for day in range(HISTORY_DAYS):
        if not w.active(day):
            continue
        level, burst = w.level(day), w.burst(day)
        for m in range(1440):
            value = level * (1.0 if 480 <= m < 960 else 0.2) * (1 + (m * 7919 % 13) / 130)
            if m == 600:
                value = level * burst
            seconds.append(first + day * DAY_S + m * 60)
            values.append(value)
    return seconds, values


def inputs(w: Workload, lookback: int = 14, older: bool = True) -> tuple[CombinedSeries, FiveMinuteUsage]:
    seconds, values = minutes(w)
    cut = END_S - lookback * DAY_S
    recent = [(s, v) for s, v in zip(seconds, values) if s >= cut]
    rpm = MinuteSeries([s for s, _ in recent], [v for _, v in recent])
    tpm = MinuteSeries(rpm.seconds, [v * 1000 for v in rpm.values_list])
    series = CombinedSeries(rpm, EMPTY, EMPTY, tpm, tpm, TPM_FROM_QUOTA_USAGE)
    sums: dict[int, float] = {}
    for s, v in zip(seconds, values):
        if older or s >= cut:
            sums[s - s % 300] = sums.get(s - s % 300, 0.0) + v
    keys = sorted(sums)
    inv5 = MinuteSeries(keys, [sums[k] for k in keys])
    tpm5 = MinuteSeries(keys, [sums[k] * 1000 for k in keys])
    return series, FiveMinuteUsage(inv5, tpm5, EMPTY)


FLAT = Workload(lambda d: 4_000.0)
RISING = Workload(lambda d: 2_000.0 * 1.02 ** d)
FALLING = Workload(lambda d: 6_000.0 * 0.98 ** d)
BURSTY = Workload(lambda d: 2_000.0, burst=lambda d: (1.0, 8.0, 2.0, 12.0, 1.2, 6.0, 3.0)[d % 7])
GAPS = Workload(lambda d: 2_000.0 * 1.02 ** d, active=lambda d: not 20 <= d < 26)
NEW_MODEL = Workload(lambda d: 3_000.0, active=lambda d: d >= HISTORY_DAYS - 10)


@pytest.mark.parametrize(
    ("workload", "lookback", "older", "direction", "days", "five_minute", "history"),
    [
        pytest.param(FLAT, 14, True, TrendDirection.FLAT, 63, 49,
                     "63 days: 14 at 1-minute, 49 at 5-minute, calibrated (5-minute peaks x", id="flat"),
        pytest.param(RISING, 14, True, TrendDirection.RISING, 63, 49,
                     "63 days: 14 at 1-minute, 49 at 5-minute, calibrated", id="rising"),
        pytest.param(FALLING, 14, True, TrendDirection.FALLING, 63, 49,
                     "63 days: 14 at 1-minute, 49 at 5-minute, calibrated", id="falling"),
        pytest.param(BURSTY, 14, True, None, 14, 0,
                     "14 days at 1-minute (5-minute history not used: RPM: the 1-minute / 5-minute peak ratio "
                     "varies too much from day to day", id="bursty-ratio-unstable"),
        pytest.param(GAPS, 14, True, TrendDirection.RISING, 63, 49,
                     "63 days: 14 at 1-minute, 49 at 5-minute, calibrated", id="gaps-in-older-days"),
        pytest.param(RISING, 14, False, TrendDirection.RISING, 14, 0,
                     "14 days at 1-minute (5-minute history not used: no usage older than the 1-minute data)",
                     id="missing-older-data"),
        pytest.param(NEW_MODEL, 14, True, TrendDirection.FLAT, 10, 0,
                     "10 days at 1-minute (5-minute history not used: no usage older than the 1-minute data)",
                     id="new-model-under-15-days"),
        pytest.param(RISING, 5, True, None, 5, 0,
                     f"5 days at 1-minute (5-minute history not used: RPM: only 5 day(s) read at both "
                     f"resolutions to calibrate with, {MIN_OVERLAP_DAYS} needed", id="too-few-overlap-days"),
    ],
)
def test_history_of_each_workload(workload: Workload, lookback: int, older: bool,
                                  direction: TrendDirection | None, days: int, five_minute: int, history: str) -> None:
    series, sums = inputs(workload, lookback, older)
    outlook = extended_outlook(series, sums, END, lookback, THRESHOLDS, QUOTAS)
    for fc in (outlook.rpm, outlook.tpm):
        assert (fc.days_of_history, fc.five_minute_days) == (days, five_minute)
        if direction is not None:
            assert fc.trend is not None and fc.trend.direction is direction
    assert outlook.daily_tokens.days_of_history == days
    assert describe_history(outlook).startswith(history)
    assert summary(outlook.tpm)["one_minute_days"] == days - five_minute
    assert summary(outlook.tpm)["five_minute_days"] == five_minute


def test_calibration_removes_the_upward_bias_of_raw_five_minute_peaks() -> None:
    # Flat usage: raw 5-minute peaks of the older days are lower than the 1-minute peaks of the
    # recent ones, so mixing them unscaled would show growth that is not there.
    series, sums = inputs(FLAT)
    outlook = extended_outlook(series, sums, END, 14, THRESHOLDS, QUOTAS)
    older = five_minute_days(sums.invocations, END, HISTORY_DAYS)
    assert max(d.peak for d in older[:49]) < min(d.peak for d in outlook.rpm_days[-14:])  # raw: biased low
    assert outlook.source.rpm_ratio == pytest.approx(4_000 * 1.6 / older[-1].peak, rel=0.02)
    assert {round(d.peak) for d in outlook.rpm_days} == {6_400}  # calibrated: one level, as it is
    assert outlook.rpm.trend is not None and outlook.rpm.trend.direction is TrendDirection.FLAT
    assert outlook.rpm.threshold.outlook.value == "reached" or outlook.rpm.latest < 8_000


def test_rising_usage_gets_its_real_growth_and_a_date() -> None:
    series, sums = inputs(RISING)
    outlook = extended_outlook(series, sums, END, 14, THRESHOLDS, QUOTAS)
    trend = outlook.rpm.trend
    assert trend is not None
    # 2 %/day on a peak of ~3,200 at day 0 up to ~11,000: Theil–Sen's slope is within that range
    # and, above all, the older days do not make the growth look steeper than the recent days'.
    recent_slope = (outlook.rpm_days[-1].peak - outlook.rpm_days[-14].peak) / 13
    assert 0 < trend.slope_per_day < recent_slope
    assert outlook.rpm.threshold.outlook.value in ("in_days", "reached")


def test_daily_totals_are_not_scaled() -> None:
    series, sums = inputs(RISING)
    outlook = extended_outlook(series, sums, END, 14, THRESHOLDS, QUOTAS)
    seconds, values = minutes(RISING)
    first_day = sum(v for s, v in zip(seconds, values) if s < END_S - 62 * DAY_S) * 1000
    assert outlook.tpm_days[0].total == pytest.approx(first_day)
    assert outlook.tpm_days[0].period_seconds == 300 and outlook.tpm_days[-1].period_seconds == 60


def test_gap_days_stay_zero_and_count_as_history() -> None:
    series, sums = inputs(GAPS)
    outlook = extended_outlook(series, sums, END, 14, THRESHOLDS, QUOTAS)
    assert [d.peak for d in outlook.rpm_days[20:26]] == [0.0] * 6
    assert outlook.rpm_days[19].peak > 0 and outlook.rpm_days[26].peak > 0


def test_history_that_could_not_be_read_keeps_to_the_one_minute_window() -> None:
    series, _ = inputs(RISING)
    outlook = extended_outlook(series, "it could not be read", END, 14, THRESHOLDS, QUOTAS)
    assert len(outlook.rpm_days) == 14 and outlook.rpm.five_minute_days == 0
    assert describe_history(outlook) == "14 days at 1-minute (5-minute history not used: it could not be read)"


def test_token_counts_are_the_tpm_of_the_older_days_when_the_recent_ones_use_them() -> None:
    series, sums = inputs(RISING)
    counted = CombinedSeries(series.invocations, series.tpm, EMPTY, EMPTY, series.tpm, TPM_FROM_TOKEN_COUNTS)
    swapped = FiveMinuteUsage(sums.invocations, EMPTY, sums.estimated_tpm)  # only the token sums have data
    outlook = extended_outlook(counted, swapped, END, 14, THRESHOLDS, QUOTAS)
    assert outlook.tpm.five_minute_days == 49


def test_the_csv_says_which_days_are_five_minute_estimates() -> None:
    series, sums = inputs(FLAT)
    outlook = extended_outlook(series, sums, END, 14, THRESHOLDS, QUOTAS)
    rows = daily_csv(outlook.rpm_days, outlook.tpm_days).splitlines()
    assert len(rows) == 1 + 63
    assert rows[1].endswith(",5-minute (peaks calibrated)") and rows[-1].endswith(",1-minute")


@pytest.mark.parametrize(
    ("ratios", "expected"),
    [
        pytest.param([1.5] * 14, 1.5, id="steady"),
        pytest.param([1.4, 1.5, 1.6] * 3, 1.5, id="small-spread"),
        pytest.param([1.0, 3.0, 1.2, 4.0, 1.1, 3.5, 2.0, 1.0], None, id="unstable"),
        pytest.param([1.5] * (MIN_OVERLAP_DAYS - 1), None, id="too-few-days"),
        pytest.param([0.9] * 10, 1.0, id="below-one-is-noise"),
    ],
)
def test_calibration_ratio(ratios: list[float], expected: float | None) -> None:
    from ops_alert.forecast import DailyUsage

    one = tuple(DailyUsage(END, r * 100, 0.0, 0.0, 1) for r in ratios)
    five = tuple(DailyUsage(END, 100.0, 0.0, 0.0, 5, 300) for _ in ratios)
    assert calibrate(one, five, "RPM").ratio == (None if expected is None else pytest.approx(expected))


def test_days_without_traffic_at_either_resolution_do_not_calibrate() -> None:
    from ops_alert.forecast import DailyUsage

    one = tuple(DailyUsage(END, 150.0 if i % 2 else 0.0, 0.0, 0.0, 1) for i in range(14))
    five = tuple(DailyUsage(END, 100.0, 0.0, 0.0, 5, 300) for _ in range(14))
    result = calibrate(one, five, "TPM")
    assert (result.ratio, result.overlap_days) == (pytest.approx(1.5), 7)


def test_periods_across_a_day_boundary_count_where_they_start() -> None:
    # The window ends at the last complete minute, 5-minute periods at multiples of 5 minutes: a
    # period that straddles a day boundary counts in the earlier day (at most 4 minutes moved).
    end = END.replace(minute=17)
    start = int(end.timestamp()) - DAY_S  # 09:17 the day before: inside the period from 09:15
    sums = MinuteSeries([start - 120, start + 180], [10.0, 20.0])
    days = five_minute_days(sums, end, 2)
    assert [d.total for d in days] == [10.0, 20.0]
    assert [d.peak for d in days] == [2.0, 4.0]  # sums per 5 minutes, per minute


def test_a_model_without_tokens_still_gets_its_63_days_of_requests() -> None:
    # Image models report invocations but no tokens: the TPM measure has nothing to calibrate.
    series, sums = inputs(RISING)
    no_tokens = CombinedSeries(series.invocations, EMPTY, EMPTY, EMPTY, EMPTY, TPM_FROM_TOKEN_COUNTS)
    outlook = extended_outlook(no_tokens, FiveMinuteUsage(sums.invocations, EMPTY, EMPTY), END, 14, THRESHOLDS, QUOTAS)
    assert (outlook.rpm.days_of_history, outlook.rpm.five_minute_days) == (63, 49)
    assert outlook.tpm.days_of_history == 0
    assert describe_history(outlook).startswith("63 days: 14 at 1-minute, 49 at 5-minute, calibrated")
