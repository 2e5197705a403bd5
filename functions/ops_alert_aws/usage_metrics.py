"""Per-minute Bedrock usage over the lookback window, in as few GetMetricData calls as possible.

The original read usage with 42 sequential GetMetricStatistics calls and ignored NextToken when
combining profiles (SPEC §8.1, §8.3). Here every series of every profile goes into one
GetMetricData request (batches of ≤ 500 queries) and NextToken is always followed: a call
returns at most 100,800 datapoints, and 14 days × 1,440 minutes = 20,160 points per series, so one
model's four series (80,640 points at most) arrive in a single call; twelve sibling application
profiles need ⌈48 × 20,160 / 100,800⌉ = 10 pages in the worst case. GetMetricData omits minutes
without traffic, so real workloads usually need fewer pages.

Those are 80,640 timestamps for one model, ten times more for ten profiles. The client reading
them leaves timestamps as they arrive (``clients.client(..., raw_timestamps=True)``) and they are
turned into epoch seconds a list at a time, not into one ``datetime`` each by botocore: that was
75-95 % of the cost of reading usage.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.utils import parse_timestamp

from ops_alert.forecast_history import FIVE_MINUTES, HISTORY_DAYS, FiveMinuteUsage
from ops_alert.usage import MinuteSeries, ModelSeries
from ops_alert_aws.clients import client

NAMESPACE = "AWS/Bedrock"
DIMENSION = "ModelId"
PERIOD_SECONDS = 60
MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800
# Field of ModelSeries -> CloudWatch metric; all four are Sum per minute.
METRICS = (
    ("invocations", "Invocations"),
    ("input_tokens", "InputTokenCount"),
    ("output_tokens", "OutputTokenCount"),
    ("estimated_tpm", "EstimatedTPMQuotaUsage"),
)


class UsageUnavailable(RuntimeError):
    """CloudWatch answered, but not with complete data (an error message on a query)."""


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // PERIOD_SECONDS)


def usage_window(now: datetime, days: int) -> Window:
    """``days`` whole days of whole minutes ending at the last complete minute before ``now``."""
    end = now.astimezone(timezone.utc).replace(second=0, microsecond=0)
    return Window(end - timedelta(days=days), end)


def worst_case_calls(profiles: int, window: Window) -> int:
    """Upper bound of GetMetricData calls for ``profiles`` dimension values (for docs and the bench).

    Queries go out in batches of at most 500 (four per profile: 125 profiles a batch); each batch
    takes as many pages as its datapoints need at 100,800 a page.
    """
    series = profiles * len(METRICS)
    calls = 0
    for start in range(0, series, MAX_QUERIES_PER_CALL):
        batch = min(MAX_QUERIES_PER_CALL, series - start)
        calls += max(1, math.ceil(batch * window.minutes / MAX_DATAPOINTS_PER_CALL))
    return max(calls, 1)


def _query_id(profile: int, field: str) -> str:
    # Ids: lower-case first letter, letters/digits/underscore only.
    return f"p{profile}_{field}"


def _queries(dimension_values: Sequence[str], period: int = PERIOD_SECONDS, returned: bool = True,
             query_id: Callable[[int, str], str] = _query_id) -> list[dict[str, Any]]:
    queries = []
    for i, value in enumerate(dimension_values):
        for field, metric in METRICS:
            queries.append({
                "Id": query_id(i, field),
                "MetricStat": {
                    "Metric": {"Namespace": NAMESPACE, "MetricName": metric,
                               "Dimensions": [{"Name": DIMENSION, "Value": value}]},
                    "Period": period,
                    "Stat": "Sum",
                },
                "ReturnData": returned,
            })
    return queries


def _read(queries: list[dict[str, Any]], start: datetime, end: datetime) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Timestamps and values per returned query Id: batches of ≤ 500 queries, every page followed."""
    stamps: dict[str, list[Any]] = {q["Id"]: [] for q in queries}
    values: dict[str, list[Any]] = {q["Id"]: [] for q in queries}
    cw = client("cloudwatch", raw_timestamps=True)
    for first in range(0, len(queries), MAX_QUERIES_PER_CALL):
        kwargs: dict[str, Any] = {
            "MetricDataQueries": queries[first:first + MAX_QUERIES_PER_CALL],
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
            "MaxDatapoints": MAX_DATAPOINTS_PER_CALL,
        }
        while True:
            page = cw.get_metric_data(**kwargs)
            for result in page.get("MetricDataResults", []):
                moments, numbers = result.get("Timestamps", []), result.get("Values", [])
                if len(moments) != len(numbers):  # never seen; pair them as far as they go
                    moments, numbers = moments[:len(numbers)], numbers[:len(moments)]
                stamps.setdefault(result["Id"], []).extend(moments)
                values.setdefault(result["Id"], []).extend(numbers)
            errors = [m for m in page.get("Messages", []) if m.get("Code") not in (None, "", "PartialData")]
            if errors:
                raise UsageUnavailable("GetMetricData: " + "; ".join(
                    f"{m.get('Code')}: {m.get('Value', '')}" for m in errors))
            token = page.get("NextToken")
            if not token:
                break
            kwargs["NextToken"] = token
    return stamps, values


def fetch_model_series(dimension_values: Sequence[str], window: Window) -> tuple[ModelSeries, ...]:
    """One ModelSeries per dimension value (model ID or application profile ID), same order."""
    if not dimension_values:
        raise ValueError("no ModelId dimension value to read usage for")
    stamps, values = _read(_queries(dimension_values), window.start, window.end)
    return tuple(
        ModelSeries(**{
            field: MinuteSeries.from_epoch(epoch_seconds(stamps[key]), values[key])
            for field, key in ((field, f"p{i}_{field}") for field, _ in METRICS)
        })
        for i in range(len(dimension_values))
    )


# --- up to 63 days at 5 minutes, for the forecast (issue 12) ---------------------------------------

# Each sum is one metric math expression over every profile's series (their own queries return no
# data), so the call returns three series whatever the number of profiles: 3 x 63 x 288 = 54,432
# datapoints, one page. The 500-query limit leaves room for 124 profiles (4 queries each + 3); the
# short Ids keep the longest expression (248 token series) within its 2,048 characters.
HISTORY_SUMS = (
    ("invocations", ("invocations",)),
    ("estimated_tpm", ("estimated_tpm",)),
    ("tokens", ("input_tokens", "output_tokens")),
)
MAX_HISTORY_PROFILES = (MAX_QUERIES_PER_CALL - len(HISTORY_SUMS)) // len(METRICS)
_HISTORY_ID_LETTER = {"invocations": "i", "input_tokens": "a", "output_tokens": "o", "estimated_tpm": "e"}


def _history_id(profile: int, field: str) -> str:
    return f"{_HISTORY_ID_LETTER[field]}{profile}"


def history_window(end: datetime) -> Window:
    """``HISTORY_DAYS`` ending at ``end``, both aligned down to 5 minutes (CloudWatch's periods)."""
    last = int(end.timestamp()) // FIVE_MINUTES * FIVE_MINUTES
    first = (int((end - timedelta(days=HISTORY_DAYS)).timestamp()) + FIVE_MINUTES - 1) // FIVE_MINUTES * FIVE_MINUTES
    return Window(datetime.fromtimestamp(first, timezone.utc), datetime.fromtimestamp(last, timezone.utc))


class HistoryTooWide(ValueError):
    """More profiles than one GetMetricData call holds: the 5-minute history is not read (the message says why)."""


def history_unreadable_in_one_call(profiles: int) -> str:
    """Why the 5-minute history is not read ("" when it fits one GetMetricData call)."""
    if profiles <= MAX_HISTORY_PROFILES:
        return ""
    return (f"{profiles} profiles need more than one GetMetricData call "
            f"(500 queries: at most {MAX_HISTORY_PROFILES} profiles)")


def fetch_history(dimension_values: Sequence[str], end: datetime) -> FiveMinuteUsage:
    """Sums per 5 minutes over the 63 days ending at ``end``, all ``dimension_values`` added up: ONE
    GetMetricData call; HistoryTooWide, before any call, for more profiles than one call holds."""
    if not dimension_values:
        raise ValueError("no ModelId dimension value to read usage for")
    why_not = history_unreadable_in_one_call(len(dimension_values))
    if why_not:
        raise HistoryTooWide(why_not)
    queries = _queries(dimension_values, FIVE_MINUTES, returned=False, query_id=_history_id)
    for sum_id, fields in HISTORY_SUMS:
        members = ",".join(_history_id(i, field) for i in range(len(dimension_values)) for field in fields)
        # SUM over a list keeps a period where any member has data (a + b would need both).
        queries.append({"Id": sum_id, "Expression": f"SUM([{members}])", "ReturnData": True})
    window = history_window(end)
    stamps, values = _read(queries, window.start, window.end)
    return FiveMinuteUsage(**{
        sum_id: MinuteSeries.from_epoch(epoch_seconds(stamps[sum_id]), values[sum_id]) for sum_id, _ in HISTORY_SUMS
    })


def epoch_seconds(stamps: Iterable[Any]) -> list[float]:
    """Timestamps as botocore hands them over, as epoch seconds.

    With the raw-timestamp client they are numbers (CloudWatch's JSON and CBOR protocols) or
    ISO 8601 text (its query protocol, in older botocore); already parsed ones are ``datetime``
    (naive means UTC), as from a client without that setting or from test doubles.
    """
    stamps = list(stamps)
    kinds = set(map(type, stamps))
    if kinds <= {int, float}:
        return stamps
    return [_epoch(stamp) for stamp in stamps]


def _epoch(stamp: Any) -> float:
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        return stamp
    if isinstance(stamp, str):
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            moment = parse_timestamp(stamp)
    elif isinstance(stamp, datetime):
        moment = stamp
    else:
        raise ValueError(f"GetMetricData returned a timestamp that is not one: {stamp!r}")
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()
