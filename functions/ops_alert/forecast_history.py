"""Up to 63 days of history for the capacity forecast: 5-minute data before the 1-minute window.

CloudWatch keeps 1-minute data 15 days and 5-minute data 63 days. The processor reads the
lookback (14 days) per minute as before, and the whole 63 days at Period=300 in one more
GetMetricData call (ops_alert_aws.usage_metrics.fetch_history), profiles added up by metric math.

Mixing the two honestly: a 5-minute sum / 5 is the average minute of those five, never more
than the busiest of them, so a day's 5-minute peak is lower than its 1-minute peak, and older
days read at 5 minutes would look quieter than recent days read per minute: the trend would
rise where nothing did. Calibration: over the days read at both resolutions (the 1-minute
window, which the 5-minute read covers too), the median of the daily ratio 1-minute peak /
5-minute peak, per measure (RPM and TPM burst differently); the older days' 5-minute peaks are
scaled by it. Daily totals need no scaling: a sum is the same at any resolution. Too few days at
both resolutions, or a ratio that varies too much from day to day (interquartile range above
half the median: the burstiness changes, so one factor would not stand for the older days),
and the forecast keeps to the 1-minute window and says why.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ops_alert.forecast import (
    CapacityOutlook,
    DailyUsage,
    HistorySource,
    daily_usage,
    median,
    outlook_from_days,
)
from ops_alert.usage import TPM_FROM_QUOTA_USAGE, CombinedSeries, MinuteSeries

HISTORY_DAYS = 63  # CloudWatch's retention of 5-minute data
FIVE_MINUTES = 300
MINUTES_PER_PERIOD = FIVE_MINUTES // 60
# A week of days at both resolutions: fewer cannot tell a stable ratio from a lucky one.
MIN_OVERLAP_DAYS = 7
# Interquartile range of the daily ratios above this fraction of their median: unstable.
MAX_RATIO_SPREAD = 0.5


@dataclass(frozen=True)
class FiveMinuteUsage:
    """Sums per 5 minutes over the history window, every profile added up (stamps: period starts)."""

    invocations: MinuteSeries
    estimated_tpm: MinuteSeries  # EstimatedTPMQuotaUsage
    tokens: MinuteSeries  # InputTokenCount + OutputTokenCount

    def tpm(self, source: str) -> MinuteSeries:
        """The TPM measure the 1-minute read chose, so both resolutions measure the same thing."""
        return self.estimated_tpm if source == TPM_FROM_QUOTA_USAGE else self.tokens


@dataclass(frozen=True)
class Calibration:
    ratio: float | None  # None: not usable, ``why_not`` says why
    overlap_days: int
    why_not: str = ""


def five_minute_days(series: MinuteSeries, end: datetime, days: int) -> tuple[DailyUsage, ...]:
    """24-hour buckets of 5-minute sums, per minute: peak = largest sum / 5 (the busiest 5 minutes'
    average minute, not yet calibrated), total as summed, minutes = 5 per period with data.

    A period that straddles a bucket boundary counts in the bucket where it starts.
    """
    buckets = daily_usage(series, end, days)
    return tuple(
        DailyUsage(
            end=d.end,
            peak=d.peak / MINUTES_PER_PERIOD,
            average=d.average / MINUTES_PER_PERIOD,
            total=d.total,
            minutes_with_data=d.minutes_with_data * MINUTES_PER_PERIOD,
            period_seconds=FIVE_MINUTES,
        )
        for d in buckets
    )


def _quartiles(ordered: Sequence[float]) -> tuple[float, float]:
    half = len(ordered) // 2
    return median(ordered[:half]), median(ordered[len(ordered) - half:])


def calibrate(one_minute: Sequence[DailyUsage], five_minute: Sequence[DailyUsage], measure: str) -> Calibration:
    """Median of 1-minute peak / 5-minute peak over the days both have traffic (same buckets, same order)."""
    if not any(d.peak > 0 for d in (*one_minute, *five_minute)):
        return Calibration(1.0, 0)  # a measure without traffic (no tokens: image models): nothing to scale
    ratios = sorted(a.peak / b.peak for a, b in zip(one_minute, five_minute) if a.peak > 0 and b.peak > 0)
    if len(ratios) < MIN_OVERLAP_DAYS:
        return Calibration(None, len(ratios), f"{measure}: only {len(ratios)} day(s) read at both resolutions "
                                              f"to calibrate with, {MIN_OVERLAP_DAYS} needed")
    ratio = median(ratios)
    low, high = _quartiles(ratios)
    if high - low > MAX_RATIO_SPREAD * ratio:
        return Calibration(None, len(ratios), f"{measure}: the 1-minute / 5-minute peak ratio varies too much "
                                              f"from day to day ({low:.2f} to {high:.2f} between quartiles)")
    # A 1-minute peak is never below the 5-minute average of the same data: below 1 is noise.
    return Calibration(max(1.0, ratio), len(ratios))


def _extend(recent: tuple[DailyUsage, ...], older: tuple[DailyUsage, ...], ratio: float) -> tuple[DailyUsage, ...]:
    """The 5-minute days before the 1-minute window, peaks scaled to 1-minute peaks, then the window."""
    keep = older[:len(older) - len(recent)]
    return tuple(replace(d, peak=d.peak * ratio) for d in keep) + recent


def extended_outlook(
    series: CombinedSeries,
    history: FiveMinuteUsage | str,
    end: datetime,
    days: int,
    thresholds: tuple[int | None, int | None, int | None],
    quotas: tuple[float | None, float | None, float | None],
) -> CapacityOutlook:
    """Forecasts of peak RPM, peak TPM and 24-hour tokens (``forecast.outlook_from_days``) over up to 63
    days: the ``days`` of 1-minute ``series`` ending at ``end``, preceded by the calibrated 5-minute
    ``history`` (or, as text, why there is none; "" when it was not asked for)."""
    rpm_days = daily_usage(series.invocations, end, days)
    tpm_days = daily_usage(series.tpm, end, days)
    if isinstance(history, str):
        return outlook_from_days(rpm_days, tpm_days, thresholds, quotas, HistorySource(why_not=history))
    total = max(HISTORY_DAYS, days)
    older_rpm = five_minute_days(history.invocations, end, total)
    older_tpm = five_minute_days(history.tpm(series.tpm_source), end, total)
    before = slice(0, total - days)
    if not any(d.minutes_with_data for d in older_rpm[before] + older_tpm[before]):
        # A model younger than the 1-minute window: nothing older to add, nothing to calibrate.
        return outlook_from_days(rpm_days, tpm_days, thresholds, quotas,
                                 HistorySource(why_not="no usage older than the 1-minute data"))
    overlap = slice(total - days, total)
    rpm = calibrate(rpm_days, older_rpm[overlap], "RPM")
    tpm = calibrate(tpm_days, older_tpm[overlap], "TPM")
    if rpm.ratio is None or tpm.ratio is None:
        why = "; ".join(c.why_not for c in (rpm, tpm) if c.ratio is None)
        return outlook_from_days(rpm_days, tpm_days, thresholds, quotas, HistorySource(why_not=why))
    source = HistorySource(rpm.ratio, tpm.ratio, max(rpm.overlap_days, tpm.overlap_days))
    return outlook_from_days(_extend(rpm_days, older_rpm, rpm.ratio), _extend(tpm_days, older_tpm, tpm.ratio),
                             thresholds, quotas, source)
