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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.utils import parse_timestamp

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


def _queries(dimension_values: Sequence[str]) -> list[dict[str, Any]]:
    queries = []
    for i, value in enumerate(dimension_values):
        for field, metric in METRICS:
            queries.append({
                # Ids: lower-case first letter, letters/digits/underscore only.
                "Id": f"p{i}_{field}",
                "MetricStat": {
                    "Metric": {"Namespace": NAMESPACE, "MetricName": metric,
                               "Dimensions": [{"Name": DIMENSION, "Value": value}]},
                    "Period": PERIOD_SECONDS,
                    "Stat": "Sum",
                },
                "ReturnData": True,
            })
    return queries


def fetch_model_series(dimension_values: Sequence[str], window: Window) -> tuple[ModelSeries, ...]:
    """One ModelSeries per dimension value (model ID or application profile ID), same order."""
    if not dimension_values:
        raise ValueError("no ModelId dimension value to read usage for")
    queries = _queries(dimension_values)
    stamps: dict[str, list[Any]] = {q["Id"]: [] for q in queries}
    values: dict[str, list[Any]] = {q["Id"]: [] for q in queries}
    cw = client("cloudwatch", raw_timestamps=True)
    for start in range(0, len(queries), MAX_QUERIES_PER_CALL):
        kwargs: dict[str, Any] = {
            "MetricDataQueries": queries[start:start + MAX_QUERIES_PER_CALL],
            "StartTime": window.start,
            "EndTime": window.end,
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
    return tuple(
        ModelSeries(**{
            field: MinuteSeries.from_epoch(epoch_seconds(stamps[key]), values[key])
            for field, key in ((field, f"p{i}_{field}") for field, _ in METRICS)
        })
        for i in range(len(dimension_values))
    )


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
