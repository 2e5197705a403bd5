"""Capacity forecast: daily buckets, Theil–Sen trend, days until threshold and quota, wording."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ops_alert.forecast import (
    DAY,
    HORIZON_DAYS,
    MIN_HISTORY_DAYS,
    DailyUsage,
    Outlook,
    Projection,
    Trend,
    TrendDirection,
    daily_csv,
    daily_usage,
    describe,
    describe_projection,
    forecast,
    history,
    median,
    project,
    summary,
    theil_sen,
)
from ops_alert.forecast_history import extended_outlook
from ops_alert.thresholds import NEVER_FIRES_THRESHOLD
from ops_alert.usage import MinuteSeries, ModelSeries, combined_series

END = datetime(2026, 11, 30, 9, 17, tzinfo=timezone.utc)


def days_of(*peaks: float) -> tuple[DailyUsage, ...]:
    """Daily buckets with the given peaks (0 = a day without traffic), oldest first, ending at END."""
    n = len(peaks)
    return tuple(
        DailyUsage(end=END - (n - 1 - i) * DAY, peak=p, average=p / 2, total=p * 100, minutes_with_data=100 if p else 0)
        for i, p in enumerate(peaks)
    )


# --- daily buckets --------------------------------------------------------------------------------


def test_buckets_are_whole_24_hours_counted_back_from_the_window_end() -> None:
    # A minute just after the start and one just before the end; the window end itself is excluded.
    series = {
        END - 3 * DAY: 5.0,
        END - 3 * DAY + timedelta(minutes=1): 7.0,
        END - DAY - timedelta(minutes=1): 2.0,
        END - timedelta(minutes=1): 9.0,
        END: 1000.0,
        END - 4 * DAY: 1000.0,
    }
    days = daily_usage(series, END, 3)
    assert [d.end for d in days] == [END - 2 * DAY, END - DAY, END]
    assert [d.peak for d in days] == [7.0, 2.0, 9.0]
    assert [d.total for d in days] == [12.0, 2.0, 9.0]
    assert [d.average for d in days] == [6.0, 2.0, 9.0]
    assert [d.minutes_with_data for d in days] == [2, 1, 1]


def test_a_day_without_datapoints_is_zero_usage() -> None:
    days = daily_usage({END - timedelta(hours=1): 4.0}, END, 2)
    assert days[0] == DailyUsage(END - DAY, 0.0, 0.0, 0.0, 0)


def test_bucket_count_must_be_positive() -> None:
    with pytest.raises(ValueError, match="days must be >= 1"):
        daily_usage({}, END, 0)


@pytest.mark.parametrize(
    ("peaks", "kept"),
    [
        pytest.param((0, 0, 3, 0, 4), 3, id="days-before-first-traffic-dropped-gaps-kept"),
        pytest.param((1, 2), 2, id="all-days-with-traffic"),
        pytest.param((0, 0), 0, id="never-used"),
    ],
)
def test_history_starts_at_the_first_day_with_traffic(peaks: tuple[float, ...], kept: int) -> None:
    assert len(history(days_of(*peaks))) == kept


# --- trend --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "direction", "slope", "agreement"),
    [
        pytest.param([100 + 10 * i for i in range(10)], TrendDirection.RISING, 10.0, 1.0, id="steady-growth"),
        pytest.param([200 - 5 * i for i in range(10)], TrendDirection.FALLING, -5.0, 1.0, id="steady-decline"),
        pytest.param([500.0] * 10, TrendDirection.FLAT, 0.0, 1.0, id="constant"),
        pytest.param([1000 + (i % 2) for i in range(10)], TrendDirection.FLAT, 0.0, None, id="tiny-wobble-is-flat"),
        # One incident day (a load test at 10x) does not tilt the fit.
        pytest.param([100 + 10 * i if i != 4 else 5000 for i in range(10)], TrendDirection.RISING, 10.0, 0.9,
                     id="outlier-ignored"),
        # Rising slope, but only 60 % of day pairs rise: not a trend to put a date on.
        pytest.param([300, 100, 310, 120, 290, 140, 330, 150, 320, 170], TrendDirection.UNCLEAR, 5.0, 0.6,
                     id="seesaw-is-unclear"),
    ],
)
def test_theil_sen_direction_and_slope(values: list[float], direction: TrendDirection, slope: float | None,
                                       agreement: float | None) -> None:
    trend = theil_sen(values)
    assert trend.direction is direction
    if slope is not None:
        assert trend.slope_per_day == pytest.approx(slope)
    if agreement is not None:
        assert trend.agreement == pytest.approx(agreement, abs=0.05)
    assert trend.days == len(values)


def test_kendall_tau_and_intercept_of_a_perfect_line() -> None:
    trend = theil_sen([3.0, 5.0, 7.0, 9.0])
    assert (trend.kendall_tau, trend.intercept, trend.latest_fitted) == (1.0, 3.0, 9.0)


@pytest.mark.parametrize("values", [
    [4.0], [2.0, 1.0], [3.0, 1.0, 2.0], [1.0, 4.0, 2.0, 3.0], [0.1, 0.2], [-5.0, 5.0, 0.0, 1e12],
    [2.5] * 6, [float(v % 97) / 7 for v in range(0, 4000, 13)],
], ids=["one", "two", "odd", "even", "inexact-mean", "signs-and-magnitudes", "ties", "many"])
def test_median_is_statistics_median(values: list[float]) -> None:
    # forecast.median replaces statistics.median (not imported at cold start): same value, bit for bit.
    import statistics

    assert median(iter(values)) == statistics.median(values)


def test_median_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no median"):
        median([])


def test_a_trend_needs_two_days() -> None:
    with pytest.raises(ValueError, match="at least two days"):
        theil_sen([1.0])


# --- projection ---------------------------------------------------------------------------------

RISING = Trend(slope_per_day=100.0, intercept=1000.0, agreement=0.9, kendall_tau=0.8, days=11,
               direction=TrendDirection.RISING)  # fitted latest = 2,000


@pytest.mark.parametrize(
    ("trend", "latest", "target", "expected"),
    [
        pytest.param(RISING, 2000.0, None, Projection(None, Outlook.NO_TARGET), id="no-quota"),
        pytest.param(RISING, 2500.0, 2500.0, Projection(2500.0, Outlook.REACHED, 0), id="already-at-target"),
        pytest.param(None, 900.0, 2500.0, Projection(2500.0, Outlook.TOO_LITTLE_HISTORY), id="too-little-history"),
        pytest.param(RISING, 2000.0, 2500.0, Projection(2500.0, Outlook.IN_DAYS, 5), id="five-days"),
        pytest.param(RISING, 2000.0, 2050.0, Projection(2050.0, Outlook.IN_DAYS, 1), id="rounds-up-to-a-day"),
        pytest.param(Trend(100.0, 3000.0, 0.9, 0.8, 11, TrendDirection.RISING), 2900.0, 3500.0,
                     Projection(3500.0, Outlook.IN_DAYS, 1), id="fit-above-target-but-not-reached-yet"),
        pytest.param(RISING, 2000.0, 2000.0 + 100 * (HORIZON_DAYS + 1), Projection(38600.0, Outlook.BEYOND_HORIZON),
                     id="beyond-a-year"),
        pytest.param(Trend(0.0, 2000.0, 1.0, 0.0, 11, TrendDirection.FLAT), 2000.0, 2500.0,
                     Projection(2500.0, Outlook.NOT_AT_TREND), id="flat"),
        pytest.param(Trend(-50.0, 2000.0, 1.0, -1.0, 11, TrendDirection.FALLING), 1500.0, 2500.0,
                     Projection(2500.0, Outlook.NOT_AT_TREND), id="falling"),
        pytest.param(Trend(60.0, 2000.0, 0.55, 0.1, 11, TrendDirection.UNCLEAR), 2500.0, 3000.0,
                     Projection(3000.0, Outlook.NOT_AT_TREND), id="unclear"),
    ],
)
def test_days_until_target(trend: Trend | None, latest: float, target: float | None, expected: Projection) -> None:
    assert project(trend, latest, target) == expected


def test_forecast_of_growing_peaks_reaches_threshold_before_quota() -> None:
    # RPM peaks 4,000 → 5,400 over 15 days (+100/day): threshold 8,000 in 26 days, quota 10,000 in 46.
    daily = days_of(0, 0, *[4000 + 100 * i for i in range(15)])
    fc = forecast("Peak RPM", daily, threshold=8000, quota=10000)
    assert fc.days_of_history == 15
    assert fc.latest == 5400
    assert fc.threshold == Projection(8000, Outlook.IN_DAYS, 26)
    assert fc.quota == Projection(10000, Outlook.IN_DAYS, 46)


def test_forecast_of_24_hour_totals_uses_totals() -> None:
    daily = days_of(*[1000 + 10 * i for i in range(MIN_HISTORY_DAYS)])  # totals 100,000 + 1,000/day
    fc = forecast("Tokens per 24 hours", daily, threshold=None, quota=116_000, use_total=True)
    assert fc.latest == 106_000
    assert fc.quota == Projection(116_000, Outlook.IN_DAYS, 10)
    assert fc.threshold.outlook is Outlook.NO_TARGET


def test_forecast_with_less_than_a_week_says_too_little_history() -> None:
    fc = forecast("Peak TPM", days_of(*[10, 20, 30, 40, 50, 60]), threshold=100, quota=55)
    assert fc.trend is None
    assert fc.threshold.outlook is Outlook.TOO_LITTLE_HISTORY
    assert fc.quota == Projection(55, Outlook.REACHED, 0)  # a reached quota needs no trend
    assert "too little history for a trend (6 day(s) with traffic, 7 needed)" in describe(fc)


def test_forecast_of_an_unused_model() -> None:
    fc = forecast("Peak TPM", days_of(0, 0, 0), threshold=100, quota=200)
    assert (fc.days_of_history, fc.latest, fc.trend) == (0, 0.0, None)


# --- wording --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("projection", "text"),
    [
        pytest.param(Projection(None, Outlook.NO_TARGET), "quota: none (the model has no such quota)", id="none"),
        pytest.param(Projection(8000, Outlook.REACHED, 0), "quota 8,000: already reached", id="reached"),
        pytest.param(Projection(8000, Outlook.IN_DAYS, 1), "quota 8,000: in about 1 day at the current trend",
                     id="one-day"),
        pytest.param(Projection(8000, Outlook.IN_DAYS, 12), "quota 8,000: in about 12 days at the current trend",
                     id="days"),
        pytest.param(Projection(8000, Outlook.BEYOND_HORIZON), "quota 8,000: not within 365 days at the current trend",
                     id="beyond"),
        pytest.param(Projection(8000, Outlook.NOT_AT_TREND), "quota 8,000: not at the current trend", id="flat"),
        pytest.param(Projection(8000, Outlook.TOO_LITTLE_HISTORY), "quota 8,000: unknown, too little history",
                     id="history"),
        pytest.param(Projection(12.5, Outlook.NOT_AT_TREND), "quota 12.50: not at the current trend", id="small"),
    ],
)
def test_projection_wording(projection: Projection, text: str) -> None:
    assert describe_projection(projection, "quota") == text


def test_one_line_description_and_decision_summary() -> None:
    fc = forecast("Peak RPM", days_of(*[4000 + 100 * i for i in range(15)]), threshold=8000, quota=10000)
    line = describe(fc)
    assert line.startswith("Peak RPM: latest 5,400; trend rising, +100/day (+1.9%/day) over 15 days")
    assert "confidence 100% of day pairs agree, Kendall's tau +1.00" in line
    assert line.endswith("threshold 8,000: in about 26 days at the current trend; "
                         "quota 10,000: in about 46 days at the current trend")
    record = summary(fc)
    assert record["trend"] == {"direction": "rising", "slope_per_day": 100.0, "agreement": 1.0, "kendall_tau": 1.0}
    assert record["quota"] == {"target": 10000, "outlook": "in_days", "days": 46}
    assert summary(forecast("x", days_of(1), None, None))["trend"] is None


def test_daily_csv_has_one_row_per_day() -> None:
    rpm = days_of(10, 20)
    tpm = days_of(1000, 0)
    assert daily_csv(rpm, tpm).splitlines() == [
        "day_ending_utc,peak_rpm,average_rpm,requests,peak_tpm,average_tpm,tokens,resolution",
        "2026-11-29T09:17Z,10,5.00,1000,1000,500.00,100000,1-minute",
        "2026-11-30T09:17Z,20,10.00,2000,0,0.00,0,1-minute",
    ]


# --- the processor's outlook ----------------------------------------------------------------------


def test_minute_series_and_mappings_give_the_same_buckets() -> None:
    points = {END - timedelta(minutes=m): float(m % 7) for m in range(1, 3 * 1440, 13)}
    assert daily_usage(MinuteSeries.of(points), END, 3) == daily_usage(points, END, 3)


def test_the_outlook_of_a_growing_model() -> None:
    # 10 days; each day one busy minute whose RPM grows 100/day and TPM 10,000/day.
    minute = timedelta(minutes=1)
    inv = {END - (10 - d) * DAY + 60 * minute: 4000.0 + 100 * d for d in range(10)}
    tpm = {t: v * 100 for t, v in inv.items()}
    series = combined_series(ModelSeries(inv, {}, {}, tpm))
    outlook = extended_outlook(series, "", END, 14, (8000, NEVER_FIRES_THRESHOLD, None), (10000.0, None, 9.0e6))
    assert outlook.rpm.threshold == Projection(8000, Outlook.IN_DAYS, 31)
    assert outlook.rpm.quota == Projection(10000.0, Outlook.IN_DAYS, 51)
    assert outlook.tpm.threshold.outlook is Outlook.NO_TARGET  # NA: the never-firing threshold is no target
    assert outlook.rolling_24h_tokens == 490_000.0
    # 490,000 tokens a day growing 10,000/day reaches 9 million in 851 days: beyond a year.
    assert outlook.daily_tokens.quota == Projection(9.0e6, Outlook.BEYOND_HORIZON)
    assert outlook.daily_tokens.threshold.outlook is Outlook.NO_TARGET
    assert len(outlook.forecasts) == 3 and len(outlook.rpm_days) == 14
