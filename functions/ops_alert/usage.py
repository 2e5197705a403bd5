"""Usage statistics over the lookback window from per-minute CloudWatch series (SPEC §4.4 step 2).

Series are ``{timestamp: value}`` mappings, one datapoint per minute that had data
(GetMetricData omits minutes without datapoints); the adapter hands over ``MinuteSeries``, which
keeps them as plain lists so that the arithmetic costs a few list operations in C, not a
``datetime`` per datapoint. Rules that fix defects of the original (§8):
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
import operator
from bisect import bisect_left
from collections.abc import ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from typing import Any, cast

Series = Mapping[datetime, float]

TPM_FROM_QUOTA_USAGE = "EstimatedTPMQuotaUsage"
TPM_FROM_TOKEN_COUNTS = "InputTokenCount+OutputTokenCount"
DEFAULT_LOOKBACK_DAYS = 14
MINUTE_SECONDS = 60


def _epoch_seconds(moment: datetime) -> float:
    # A naive timestamp is UTC, as CloudWatch's are.
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def _check(value: float, moment: datetime) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"datapoint at {moment.isoformat()} is not a number: {value!r}")
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise ValueError(f"datapoint at {moment.isoformat()} must be a finite number >= 0, got {value!r}")
    return float(value)


class MinuteSeries(Mapping[datetime, float]):
    """One per-minute series held as two plain lists: minute starts (epoch seconds, ascending, unique)
    and their values (finite floats >= 0).

    Reads as a ``Mapping[datetime, float]`` with UTC datetimes, but the arithmetic of ``summarize``
    runs on the lists: 14 days of 1-minute usage is 80,640 datapoints per model, and one
    ``datetime`` per datapoint would cost more than everything else the processor does with them.
    Build one with ``from_epoch`` (datapoints as they come from CloudWatch) or ``of`` (any mapping).
    """

    __slots__ = ("seconds", "values_list")

    def __init__(self, seconds: list[int], values: list[float]) -> None:
        # Trusted: callers pass ascending unique minute starts and checked values.
        self.seconds = seconds
        self.values_list = values

    @classmethod
    def from_epoch(cls, seconds: Sequence[float], values: Sequence[Any]) -> MinuteSeries:
        """Datapoints stamped in epoch seconds, each aligned down to its minute; checked like ``of``.

        Fast path (CloudWatch with a 60-second period, ascending): plain list operations in C.
        Otherwise a repeated timestamp keeps its last value and datapoints inside one minute add up.
        """
        if len(seconds) != len(values):
            raise ValueError(f"{len(seconds)} timestamps but {len(values)} values")
        kinds = set(map(type, values))
        if kinds <= {float}:
            numbers = list(values)
        elif kinds <= {int, float}:
            numbers = list(map(float, values))
        else:
            numbers = []
        if len(numbers) != len(values) or not _all_finite_non_negative(numbers):
            # Not all plain finite numbers >= 0: one by one, naming the first bad datapoint.
            numbers = [_check(value, _utc(stamp)) for stamp, value in zip(seconds, values)]
        if set(map(type, seconds)) <= {int}:
            starts, whole_seconds = cast("list[int]", list(seconds)), True  # every stamp is an int
        else:
            starts = list(map(int, seconds))
            whole_seconds = starts == list(seconds)
        if whole_seconds and _whole_minutes_ascending(starts):
            return cls(starts, numbers)
        last = dict(zip(seconds, numbers))  # a repeated timestamp: the last value, as a dict keeps it
        total: dict[int, float] = {}
        for stamp, value in last.items():
            minute = int(stamp // MINUTE_SECONDS) * MINUTE_SECONDS
            total[minute] = total.get(minute, 0.0) + value
        keys = sorted(total)
        return cls(keys, [total[k] for k in keys])

    @classmethod
    def of(cls, series: Series) -> MinuteSeries:
        """Any ``{timestamp: value}`` mapping, datapoints inside one minute added up; bad values raise."""
        if isinstance(series, MinuteSeries):
            return series
        total: dict[int, float] = {}
        for moment, value in series.items():
            number = _check(value, moment)
            minute = int(_epoch_seconds(moment) // MINUTE_SECONDS) * MINUTE_SECONDS
            total[minute] = total.get(minute, 0.0) + number
        keys = sorted(total)
        return cls(keys, [total[k] for k in keys])

    # Mapping[datetime, float]
    def __len__(self) -> int:
        return len(self.seconds)

    def __iter__(self) -> Iterator[datetime]:
        return map(_utc, self.seconds)

    def __getitem__(self, moment: datetime) -> float:
        if isinstance(moment, datetime):
            stamp = _epoch_seconds(moment)
            index = bisect_left(self.seconds, stamp)
            if index < len(self.seconds) and self.seconds[index] == stamp:
                return self.values_list[index]
        raise KeyError(moment)

    def items(self) -> ItemsView[datetime, float]:
        return _Items(self)

    def values(self) -> ValuesView[float]:
        return _Values(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MinuteSeries):
            return self.seconds == other.seconds and self.values_list == other.values_list
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"MinuteSeries({len(self)} minutes)"

    # the arithmetic of summarize
    def peak(self) -> tuple[float, datetime | None]:
        """Largest value and its minute; the earliest minute wins a tie (deterministic)."""
        if not self.values_list:
            return 0.0, None
        best = max(self.values_list)
        return best, _utc(self.seconds[self.values_list.index(best)])

    def mean(self) -> float:
        return sum(self.values_list) / len(self.values_list) if self.values_list else 0.0

    def total(self) -> float:
        return sum(self.values_list)

    def peak_window_total(self, window_seconds: int = 86_400) -> tuple[float, datetime | None]:
        """Largest sum over any ``window_seconds`` of minutes (the rolling 24 hours by default) and
        the last minute of that window; the earliest wins a tie. One pass, two indices."""
        best, best_at, running, first = 0.0, None, 0.0, 0
        seconds, values = self.seconds, self.values_list
        for last, stamp in enumerate(seconds):
            running += values[last]
            while stamp - seconds[first] >= window_seconds:
                running -= values[first]
                first += 1
            if running > best:
                best, best_at = running, stamp
        return best, (None if best_at is None else _utc(best_at))


class _Items(ItemsView[datetime, float]):
    _mapping: MinuteSeries

    def __iter__(self) -> Iterator[tuple[datetime, float]]:
        return zip(map(_utc, self._mapping.seconds), self._mapping.values_list)


class _Values(ValuesView[float]):
    _mapping: MinuteSeries

    def __iter__(self) -> Iterator[float]:
        return iter(self._mapping.values_list)


def _whole_minutes_ascending(starts: list[int]) -> bool:
    if not starts:
        return True
    if starts[0] % MINUTE_SECONDS:
        return False
    if starts == list(range(starts[0], starts[-1] + 1, MINUTE_SECONDS)):  # every minute: one compare
        return True
    return not any(map(MINUTE_SECONDS.__rmod__, starts)) and all(map(operator.lt, starts, islice(starts, 1, None)))


def _all_finite_non_negative(values: list[float]) -> bool:
    # Two passes in C instead of three tests per datapoint in Python: a NaN or an infinity makes
    # the sum non-finite (an overflowing sum of huge values is re-checked one by one, harmlessly).
    return not values or (math.isfinite(sum(values)) and min(values) >= 0)


EMPTY = MinuteSeries([], [])


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


def _combine(parts: Iterable[MinuteSeries]) -> MinuteSeries:
    """Minute-by-minute sum, added in the order given (the same floats as one dict per minute)."""
    present = [p for p in parts if p.seconds]
    if not present:
        return EMPTY
    if len(present) == 1:
        return present[0]
    first = present[0].seconds
    if all(p.seconds == first for p in present[1:]):  # the usual case: the same minutes everywhere
        values = present[0].values_list
        for part in present[1:]:
            values = list(map(operator.add, values, part.values_list))
        return MinuteSeries(first, values)
    total: dict[int, float] = {}
    for part in present:
        get = total.get
        for minute, value in zip(part.seconds, part.values_list):
            total[minute] = get(minute, 0.0) + value
    keys = sorted(total)
    return MinuteSeries(keys, [total[k] for k in keys])


def combine(series_list: Iterable[Series]) -> dict[datetime, float]:
    """Sum several series minute by minute; a minute present in any series is present in the result."""
    return dict(_combine(MinuteSeries.of(s) for s in series_list).items())


def _minutes_in_any(*series: MinuteSeries) -> int:
    present = [s.seconds for s in series if s.seconds]
    if not present:
        return 0
    if all(p == present[0] for p in present[1:]):
        return len(present[0])
    return len(set().union(*present))


@dataclass(frozen=True)
class CombinedSeries:
    """The per-minute series of a model (its profiles added up minute by minute)."""

    invocations: MinuteSeries
    input_tokens: MinuteSeries
    output_tokens: MinuteSeries
    estimated_tpm: MinuteSeries
    tpm: MinuteSeries  # what the TPM quota measures: estimated_tpm, or input + output tokens
    tpm_source: str


def combined_series(profiles: ModelSeries | Sequence[ModelSeries]) -> CombinedSeries:
    """One model's series, or several application profiles' added up before any peak is taken."""
    group = (profiles,) if isinstance(profiles, ModelSeries) else tuple(profiles)
    invocations = _combine(MinuteSeries.of(p.invocations) for p in group)
    input_tokens = _combine(MinuteSeries.of(p.input_tokens) for p in group)
    output_tokens = _combine(MinuteSeries.of(p.output_tokens) for p in group)
    estimated = _combine(MinuteSeries.of(p.estimated_tpm) for p in group)

    # Quota usage is used only if every profile with token traffic reports it: mixing a profile's
    # quota usage with another profile's missing series would understate the combined peak.
    covered = all(p.estimated_tpm or not (p.input_tokens or p.output_tokens) for p in group)
    if estimated and covered:
        tpm, source = estimated, TPM_FROM_QUOTA_USAGE
    else:
        tpm, source = _combine((input_tokens, output_tokens)), TPM_FROM_TOKEN_COUNTS
    return CombinedSeries(invocations, input_tokens, output_tokens, estimated, tpm, source)


def summarize(
    profiles: ModelSeries | Sequence[ModelSeries] | CombinedSeries,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
) -> UsageStats:
    """Usage statistics of one model, or of several application profiles combined."""
    series = profiles if isinstance(profiles, CombinedSeries) else combined_series(profiles)
    invocations, input_tokens, output_tokens = series.invocations, series.input_tokens, series.output_tokens
    tpm = series.tpm

    peak_rpm, peak_rpm_at = invocations.peak()
    peak_tpm, peak_tpm_at = tpm.peak()
    requests = invocations.total()
    return UsageStats(
        steady_rpm=invocations.mean(),
        peak_rpm=peak_rpm,
        steady_tpm=tpm.mean(),
        peak_tpm=peak_tpm,
        avg_input_tokens_per_request=input_tokens.total() / requests if requests else 0.0,
        avg_output_tokens_per_request=output_tokens.total() / requests if requests else 0.0,
        peak_rpm_at=peak_rpm_at,
        peak_tpm_at=peak_tpm_at,
        minutes_with_data=_minutes_in_any(invocations, input_tokens, output_tokens, series.estimated_tpm),
        tpm_source=series.tpm_source,
        lookback_days=lookback_days,
    )
