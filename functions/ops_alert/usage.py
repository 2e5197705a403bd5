"""Usage statistics over the lookback window from per-minute CloudWatch series (SPEC §4.4 step 2).

Series are plain ``{timestamp: value}`` mappings, one datapoint per minute that had data
(GetMetricData omits minutes without datapoints). Rules that fix defects of the original (§8):
- peak TPM is the largest per-minute *total* (input + output at the same minute), never
  ``max(input) + max(output)`` taken at different minutes;
- when EstimatedTPMQuotaUsage has data, TPM comes from it: it is what the HighTPMQuotaUsage
  alarm and the TPM quota measure (it includes output-token burndown weights);
- several application profiles are combined minute by minute *before* peaks are taken.

Steady = mean over the minutes that have data, not over the whole window. An SRE asks "how
much load does the model carry while it is serving?"; dividing by all 20,160 minutes of 14
days would dilute a business-hours workload by nights and weekends and make a model that
runs hot 8 hours a day look idle next to its quota.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

Series = Mapping[datetime, float]

TPM_FROM_QUOTA_USAGE = "EstimatedTPMQuotaUsage"
TPM_FROM_TOKEN_COUNTS = "InputTokenCount+OutputTokenCount"
DEFAULT_LOOKBACK_DAYS = 14


@dataclass(frozen=True)
class ModelSeries:
    """The per-minute series of one model ID or application profile."""

    invocations: Series
    input_tokens: Series
    output_tokens: Series
    estimated_tpm: Series = field(default_factory=dict)  # EstimatedTPMQuotaUsage, may be empty


@dataclass(frozen=True)
class UsageStats:
    steady_rpm: float
    peak_rpm: float
    steady_tpm: float
    peak_tpm: float
    avg_input_tokens_per_request: float
    avg_output_tokens_per_request: float
    peak_rpm_at: datetime | None
    peak_tpm_at: datetime | None
    minutes_with_data: int  # distinct minutes with a datapoint in any series
    tpm_source: str  # TPM_FROM_QUOTA_USAGE or TPM_FROM_TOKEN_COUNTS
    lookback_days: int

    @property
    def has_traffic(self) -> bool:
        return self.peak_rpm > 0 or self.peak_tpm > 0


def _minute(moment: datetime) -> datetime:
    # Align to the minute so series of different profiles (and metrics) add up per minute.
    return moment.replace(second=0, microsecond=0)


def _check(value: float, moment: datetime) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"datapoint at {moment.isoformat()} is not a number: {value!r}")
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise ValueError(f"datapoint at {moment.isoformat()} must be a finite number >= 0, got {value!r}")
    return float(value)


def combine(series_list: Iterable[Series]) -> dict[datetime, float]:
    """Sum several series minute by minute; a minute present in any series is present in the result."""
    total: dict[datetime, float] = {}
    for series in series_list:
        for moment, value in series.items():
            key = _minute(moment)
            total[key] = total.get(key, 0.0) + _check(value, moment)
    return dict(sorted(total.items()))


def _peak(series: Mapping[datetime, float]) -> tuple[float, datetime | None]:
    """Largest value and its minute; the earliest minute wins a tie (deterministic)."""
    best: tuple[float, datetime | None] = (0.0, None)
    for moment in sorted(series):
        if best[1] is None or series[moment] > best[0]:
            best = (series[moment], moment)
    return best


def _mean(series: Mapping[datetime, float]) -> float:
    return sum(series.values()) / len(series) if series else 0.0


def summarize(
    profiles: ModelSeries | Sequence[ModelSeries],
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
) -> UsageStats:
    """Usage statistics of one model, or of several application profiles combined."""
    group = (profiles,) if isinstance(profiles, ModelSeries) else tuple(profiles)
    invocations = combine(p.invocations for p in group)
    input_tokens = combine(p.input_tokens for p in group)
    output_tokens = combine(p.output_tokens for p in group)
    estimated = combine(p.estimated_tpm for p in group)

    # Quota usage is used only if every profile with token traffic reports it: mixing a profile's
    # quota usage with another profile's missing series would understate the combined peak.
    covered = all(p.estimated_tpm or not (p.input_tokens or p.output_tokens) for p in group)
    if estimated and covered:
        tpm, source = estimated, TPM_FROM_QUOTA_USAGE
    else:
        tpm, source = combine((input_tokens, output_tokens)), TPM_FROM_TOKEN_COUNTS

    peak_rpm, peak_rpm_at = _peak(invocations)
    peak_tpm, peak_tpm_at = _peak(tpm)
    requests = sum(invocations.values())
    minutes = set(invocations) | set(input_tokens) | set(output_tokens) | set(estimated)
    return UsageStats(
        steady_rpm=_mean(invocations),
        peak_rpm=peak_rpm,
        steady_tpm=_mean(tpm),
        peak_tpm=peak_tpm,
        avg_input_tokens_per_request=sum(input_tokens.values()) / requests if requests else 0.0,
        avg_output_tokens_per_request=sum(output_tokens.values()) / requests if requests else 0.0,
        peak_rpm_at=peak_rpm_at,
        peak_tpm_at=peak_tpm_at,
        minutes_with_data=len(minutes),
        tpm_source=source,
        lookback_days=lookback_days,
    )
