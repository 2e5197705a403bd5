"""Capacity forecast: when will the daily peak reach the alarm threshold and the quota?

Input is the per-minute usage the processor already reads (SPEC §4.4 step 2). The window is cut
into whole 24-hour buckets counted back from its end (never calendar days: today's partial day
would look like a drop). For each bucket: the peak minute, the mean over minutes with traffic
(like ``usage.summarize``'s steady) and the total (for the per-day token quota).

The trend is Theil–Sen over the daily values: the median of all pairwise slopes. It ignores a
few outlier days (a load test, an incident) that would tilt least squares, and needs no
distribution assumption. Its confidence is the share of day pairs that move the same way as the
trend (0.5 = a coin toss, 1.0 = every later day is higher); Kendall's tau is reported as well.

Only a rising, consistent trend is projected. Flat, falling or inconsistent usage says "not at
the current trend" rather than inventing a date; fewer than ``MIN_HISTORY_DAYS`` days of traffic
says "too little history".
"""
from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from ops_alert.thresholds import NEVER_FIRES_THRESHOLD
from ops_alert.usage import MinuteSeries

DAY = timedelta(days=1)
# A week covers the weekly cycle of most workloads; fewer days cannot separate growth from it.
MIN_HISTORY_DAYS = 7
# Share of day pairs that must rise for a trend to count as rising (0.5 would be noise).
MIN_AGREEMENT = 0.65
# A slope below this fraction of the median daily value per day is flat (0.5 %/day ≈ 16 %/month).
FLAT_SLOPE_FRACTION = 0.005
# Dates further out than this are not worth a number: the trend will have changed by then.
HORIZON_DAYS = 365


class TrendDirection(Enum):
    RISING = "rising"
    FLAT = "flat"
    FALLING = "falling"
    UNCLEAR = "unclear"  # rising or falling, but the days disagree too much


class Outlook(Enum):
    REACHED = "reached"  # the latest day is already at or above the target
    IN_DAYS = "in_days"
    NOT_AT_TREND = "not_at_current_trend"
    BEYOND_HORIZON = "beyond_horizon"
    TOO_LITTLE_HISTORY = "too_little_history"
    NO_TARGET = "no_target"  # the model has no such quota (code NA)


@dataclass(frozen=True)
class DailyUsage:
    """One 24-hour bucket ending at ``end``; all zero when the bucket had no traffic."""

    end: datetime
    peak: float
    average: float  # mean over minutes with data
    total: float
    minutes_with_data: int
    # Resolution of the data the day was read at: 60, or 300 for the older days of the 63-day
    # history (peak calibrated to a 1-minute peak, see ops_alert.forecast_history).
    period_seconds: int = 60


@dataclass(frozen=True)
class Trend:
    slope_per_day: float
    intercept: float  # fitted value of day 0 (the first day with traffic)
    agreement: float  # share of day pairs moving with the trend, 0..1
    kendall_tau: float  # (concordant - discordant) / pairs, -1..1
    days: int  # days in the fit
    direction: TrendDirection

    def fitted(self, day: float) -> float:
        return self.intercept + self.slope_per_day * day

    @property
    def latest_fitted(self) -> float:
        return self.fitted(self.days - 1)


@dataclass(frozen=True)
class Projection:
    target: float | None
    outlook: Outlook
    days: int | None = None  # set for REACHED (0) and IN_DAYS


@dataclass(frozen=True)
class Forecast:
    """Forecast of one measure (peak RPM, peak TPM or 24-hour tokens) against its threshold and quota."""

    measure: str
    days_of_history: int
    latest: float  # value of the latest complete 24-hour bucket
    trend: Trend | None  # None: too little history
    threshold: Projection
    quota: Projection
    five_minute_days: int = 0  # of days_of_history, those read at 5-minute resolution


@dataclass(frozen=True)
class HistorySource:
    """How far back the daily series reach and at what resolution (issue 12: up to 63 days).

    ``rpm_ratio`` / ``tpm_ratio``: the calibration applied to the 5-minute days' peaks (median of
    the 1-minute peak / 5-minute peak of the days read at both resolutions); None when the
    5-minute history is not used, and then ``why_not`` says why ("" when it was not asked for).
    """

    rpm_ratio: float | None = None
    tpm_ratio: float | None = None
    overlap_days: int = 0
    why_not: str = ""

    @property
    def extended(self) -> bool:
        return self.rpm_ratio is not None and self.tpm_ratio is not None


ONE_MINUTE_ONLY = HistorySource()


def daily_usage(series: Mapping[datetime, float], end: datetime, days: int) -> tuple[DailyUsage, ...]:
    """``days`` 24-hour buckets ending at ``end`` (oldest first); datapoints outside are ignored."""
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    start = end - days * DAY
    peaks = [0.0] * days
    totals = [0.0] * days
    counts = [0] * days
    origin = start.timestamp()
    width = DAY.total_seconds()
    if isinstance(series, MinuteSeries):
        # The processor's case: ascending epoch seconds, so each bucket is one slice found by
        # bisection and reduced by max/sum in C (63 days of minutes is 90,720 points a series).
        seconds, values = series.seconds, series.values_list
        for i in range(days):
            lo = bisect_left(seconds, origin + i * width)
            hi = bisect_left(seconds, origin + (i + 1) * width)
            if hi > lo:
                chunk = values[lo:hi]
                peaks[i], totals[i], counts[i] = max(chunk), sum(chunk), hi - lo
    else:
        for moment, value in series.items():
            offset = moment.timestamp() - origin
            if offset < 0:
                continue
            index = int(offset // width)
            if index >= days:
                continue
            totals[index] += value
            counts[index] += 1
            peaks[index] = max(peaks[index], value)
    return tuple(
        DailyUsage(
            end=start + (i + 1) * DAY,
            peak=peaks[i],
            average=totals[i] / counts[i] if counts[i] else 0.0,
            total=totals[i],
            minutes_with_data=counts[i],
        )
        for i in range(days)
    )


def history(days: Sequence[DailyUsage]) -> tuple[DailyUsage, ...]:
    """The days from the first one with traffic: days before it predate the model's use, not zero load."""
    for i, day in enumerate(days):
        if day.minutes_with_data:
            return tuple(days[i:])
    return ()


def median(values: Iterable[float]) -> float:
    """The middle value, or the mean of the two middle ones: statistics.median's arithmetic, without
    importing statistics (with fractions) at every cold start of the processor for this alone."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if not ordered:
        raise ValueError("no median of nothing")
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def theil_sen(values: Sequence[float]) -> Trend:
    """Theil–Sen fit of ``values`` (one per day, day index = position); needs two values or more."""
    n = len(values)
    if n < 2:
        raise ValueError("a trend needs at least two days")
    slopes: list[float] = []
    concordant = discordant = 0
    for i in range(n - 1):
        vi = values[i]
        for j in range(i + 1, n):
            diff = values[j] - vi
            slopes.append(diff / (j - i))
            if diff > 0:
                concordant += 1
            elif diff < 0:
                discordant += 1
    slope = median(slopes)
    intercept = median(v - slope * i for i, v in enumerate(values))
    pairs = len(slopes)
    tau = (concordant - discordant) / pairs
    agreement = (concordant if slope > 0 else discordant if slope < 0 else pairs - concordant - discordant) / pairs
    level = median(values)
    if abs(slope) <= FLAT_SLOPE_FRACTION * level:
        direction = TrendDirection.FLAT
    elif agreement < MIN_AGREEMENT:
        direction = TrendDirection.UNCLEAR
    else:
        direction = TrendDirection.RISING if slope > 0 else TrendDirection.FALLING
    return Trend(slope, intercept, agreement, tau, n, direction)


def project(trend: Trend | None, latest: float, target: float | None) -> Projection:
    """Days until the trend line reaches ``target``, counted from the latest day."""
    if target is None:
        return Projection(None, Outlook.NO_TARGET)
    if latest >= target:
        return Projection(target, Outlook.REACHED, 0)
    if trend is None:
        return Projection(target, Outlook.TOO_LITTLE_HISTORY)
    if trend.direction is not TrendDirection.RISING:
        return Projection(target, Outlook.NOT_AT_TREND)
    days = max(1, math.ceil((target - trend.latest_fitted) / trend.slope_per_day))
    if days > HORIZON_DAYS:
        return Projection(target, Outlook.BEYOND_HORIZON)
    return Projection(target, Outlook.IN_DAYS, days)


def forecast(
    measure: str,
    daily_values: Sequence[DailyUsage],
    threshold: float | None,
    quota: float | None,
    use_total: bool = False,
) -> Forecast:
    """Forecast the daily peak (or, with ``use_total``, the 24-hour total) against threshold and quota."""
    days = history(daily_values)
    values = [d.total if use_total else d.peak for d in days]
    trend = theil_sen(values) if len(values) >= MIN_HISTORY_DAYS else None
    latest = values[-1] if values else 0.0
    return Forecast(
        measure=measure,
        days_of_history=len(values),
        latest=latest,
        trend=trend,
        threshold=project(trend, latest, threshold),
        quota=project(trend, latest, quota),
        five_minute_days=sum(1 for d in days if d.period_seconds != 60),
    )


@dataclass(frozen=True)
class CapacityOutlook:
    """Everything the case, the e-mail and the decision say about where usage is heading."""

    rpm: Forecast  # daily peak requests per minute
    tpm: Forecast  # daily peak tokens per minute (quota usage)
    daily_tokens: Forecast  # tokens per 24 hours against the per-day quota
    rpm_days: tuple[DailyUsage, ...]
    tpm_days: tuple[DailyUsage, ...]
    source: HistorySource = ONE_MINUTE_ONLY

    @property
    def rolling_24h_tokens(self) -> float:
        """Tokens (quota usage) of the last 24 hours: the latest bucket ends at the window's end."""
        return self.tpm_days[-1].total if self.tpm_days else 0.0

    @property
    def forecasts(self) -> tuple[Forecast, ...]:
        return (self.rpm, self.tpm, self.daily_tokens)


def _alarmable(threshold: int | None) -> int | None:
    # NEVER_FIRES_THRESHOLD stands for "no quota": nothing to reach.
    return None if threshold is None or threshold >= NEVER_FIRES_THRESHOLD else threshold


def outlook_from_days(
    rpm_days: tuple[DailyUsage, ...],
    tpm_days: tuple[DailyUsage, ...],
    thresholds: tuple[int | None, int | None, int | None],
    quotas: tuple[float | None, float | None, float | None],
    source: HistorySource = ONE_MINUTE_ONLY,
) -> CapacityOutlook:
    """Forecasts of peak RPM, peak TPM and 24-hour tokens from daily series already made (and extended,
    ops_alert.forecast_history); thresholds and quotas in that order (None: the model has no such quota,
    or it could not be read)."""
    return CapacityOutlook(
        rpm=forecast("Peak RPM", rpm_days, _alarmable(thresholds[0]), quotas[0]),
        tpm=forecast("Peak TPM", tpm_days, _alarmable(thresholds[1]), quotas[1]),
        daily_tokens=forecast("Tokens / 24 h", tpm_days, _alarmable(thresholds[2]), quotas[2], use_total=True),
        rpm_days=rpm_days,
        tpm_days=tpm_days,
        source=source,
    )


# --- wording, shared by the case, the e-mail and the decision ------------------------------------


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.2f}"


def _history_phrase(fc: Forecast) -> str:
    one_minute = fc.days_of_history - fc.five_minute_days
    if not fc.five_minute_days:
        return f"{one_minute} day{'s' if one_minute != 1 else ''} at 1-minute"
    return (f"{fc.days_of_history} days: {one_minute} at 1-minute, "
            f"{fc.five_minute_days} at 5-minute, calibrated")


def describe_history(outlook: CapacityOutlook) -> str:
    """How many days of history the forecasts used and at what resolution, e.g. "63 days: 14 at
    1-minute, 49 at 5-minute, calibrated (5-minute peaks x1.31 RPM, x1.18 TPM ...)"."""
    measured = [fc for fc in outlook.forecasts if fc.days_of_history] or list(outlook.forecasts)
    phrases = {fc.measure: _history_phrase(fc) for fc in measured}
    if len(set(phrases.values())) == 1:
        text = next(iter(phrases.values()))
    else:
        text = "; ".join(f"{measure} {phrase}" for measure, phrase in phrases.items())
    source = outlook.source
    if source.extended and any(fc.five_minute_days for fc in outlook.forecasts):
        text += (f" (5-minute peaks x{source.rpm_ratio:.2f} RPM and x{source.tpm_ratio:.2f} TPM, the median "
                 f"1-minute / 5-minute peak ratio of the {source.overlap_days} days read at both; "
                 "daily token totals need no calibration)")
    elif source.why_not:
        text += f" (5-minute history not used: {source.why_not})"
    return text


def describe_trend(fc: Forecast) -> str:
    if fc.trend is None:
        return (f"too little history for a trend ({fc.days_of_history} day(s) with traffic, "
                f"{MIN_HISTORY_DAYS} needed)")
    t = fc.trend
    level = t.latest_fitted
    relative = f" ({t.slope_per_day / level:+.1%}/day)" if level > 0 else ""
    return (f"{t.direction.value}, {t.slope_per_day:+,.0f}/day{relative} over {t.days} days "
            f"(confidence {t.agreement:.0%} of day pairs agree, Kendall's tau {t.kendall_tau:+.2f})")


def describe_projection(p: Projection, label: str) -> str:
    if p.outlook is Outlook.NO_TARGET:
        return f"{label}: none (the model has no such quota)"
    target = _number(p.target or 0.0)
    if p.outlook is Outlook.REACHED:
        return f"{label} {target}: already reached"
    if p.outlook is Outlook.IN_DAYS:
        return f"{label} {target}: in about {p.days} day{'s' if p.days != 1 else ''} at the current trend"
    if p.outlook is Outlook.BEYOND_HORIZON:
        return f"{label} {target}: not within {HORIZON_DAYS} days at the current trend"
    if p.outlook is Outlook.TOO_LITTLE_HISTORY:
        return f"{label} {target}: unknown, too little history"
    return f"{label} {target}: not at the current trend"


def describe(fc: Forecast) -> str:
    """One line per forecast, e.g. for the case body and the e-mail."""
    return (f"{fc.measure}: latest {_number(fc.latest)}; trend {describe_trend(fc)}; "
            f"{describe_projection(fc.threshold, 'threshold')}; {describe_projection(fc.quota, 'quota')}")


def summary(fc: Forecast) -> dict[str, object]:
    """JSON-serialisable form for the processor's decision record."""
    return {
        "measure": fc.measure,
        "days_of_history": fc.days_of_history,
        "latest": fc.latest,
        "trend": None if fc.trend is None else {
            "direction": fc.trend.direction.value,
            "slope_per_day": round(fc.trend.slope_per_day, 3),
            "agreement": round(fc.trend.agreement, 3),
            "kendall_tau": round(fc.trend.kendall_tau, 3),
        },
        "threshold": {"target": fc.threshold.target, "outlook": fc.threshold.outlook.value, "days": fc.threshold.days},
        "quota": {"target": fc.quota.target, "outlook": fc.quota.outlook.value, "days": fc.quota.days},
        "one_minute_days": fc.days_of_history - fc.five_minute_days,
        "five_minute_days": fc.five_minute_days,
    }


def daily_csv(rpm: Sequence[DailyUsage], tpm: Sequence[DailyUsage]) -> str:
    """CSV of daily peaks, averages and totals (the attachment the support engineer opens)."""
    lines = ["day_ending_utc,peak_rpm,average_rpm,requests,peak_tpm,average_tpm,tokens,resolution"]
    for r, t in zip(rpm, tpm):
        # Older days come from 5-minute data: their peaks are calibrated estimates of the 1-minute peak.
        resolution = "1-minute" if r.period_seconds == 60 else "5-minute (peaks calibrated)"
        lines.append(
            f"{r.end.strftime('%Y-%m-%dT%H:%MZ')},{r.peak:.0f},{r.average:.2f},{r.total:.0f},"
            f"{t.peak:.0f},{t.average:.2f},{t.total:.0f},{resolution}"
        )
    return "\n".join(lines) + "\n"
