"""CloudWatch pieces moto 5.2.1 lacks or gets wrong.

Measured against moto 5.2.1 (botocore 1.44, CloudWatch over smithy-rpc-v2-cbor):
- PutCompositeAlarm, Put/Describe/DeleteAnomalyDetector(s): NotImplementedError.
- GetMetricData: metric math (`m1*2`) returns no data; MaxDatapoints and NextToken are ignored
  (one page of any size); one 20,160-point series takes ~28 s (quadratic).
- DescribeAlarmHistory: NotImplementedError. The extras keep the state-update history of every
  alarm whose state changes through them (SetAlarmState, composite evaluation in tests) and
  `record_state_change` lets a test write history at a chosen time (a transition long ago).
- GetMetricWidgetImage: not implemented.
So `FakeCloudWatchExtras` serves composite alarms and anomaly detectors, and `FakeMetrics` serves
PutMetricData/GetMetricData from an in-memory store and renders GetMetricWidgetImage (a real,
blank PNG of the requested size; the widget definitions are kept in `widget_images`). PutMetricAlarm, DescribeAlarms of metric alarms,
SetAlarmState and DeleteAlarms of metric alarms stay with moto: the extras answer only the
composite part and ask moto for the rest.
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import datetime as dt
import json
import math
import struct
import uuid
import zlib
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from tests.fakes.core import ACCOUNT_ID, PASS, REGION, AwsError, Fake, api, paginate

MAX_QUERIES = 500
MAX_DATAPOINTS = 100_800
UTC = dt.timezone.utc


def _dims_key(dimensions: list[dict[str, str]] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((d["Name"], d["Value"]) for d in dimensions or []))


# -- composite alarms and anomaly detectors ----------------------------------------------------
class FakeCloudWatchExtras(Fake):
    """Composite alarms and anomaly detectors; metric alarms remain moto's."""

    service = "cloudwatch"
    validation_error_code = "ValidationError"

    def __init__(
        self,
        *,
        region: str = REGION,
        account_id: str = ACCOUNT_ID,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(UTC),
    ) -> None:
        super().__init__()
        self.region = region
        self.account_id = account_id
        self.clock = clock
        self.composites: dict[str, dict[str, Any]] = {}
        self.detectors: dict[str, dict[str, Any]] = {}  # by AnomalyDetectorId
        self.history: list[dict[str, Any]] = []  # AlarmHistoryItem shapes, oldest first

    # helpers
    def composite(self, name: str) -> dict[str, Any]:
        return self.composites[name]

    def set_composite_state(self, name: str, state: str, reason: str = "test") -> None:
        alarm = self.composites[name]
        now = self.clock()
        if alarm["StateValue"] != state:
            self.record_state_change(name, alarm["StateValue"], state, now, "CompositeAlarm", reason)
        alarm.update(StateValue=state, StateReason=reason, StateUpdatedTimestamp=now, StateTransitionedTimestamp=now)

    def record_state_change(self, name: str, old: str, new: str, at: dt.datetime,
                            alarm_type: str = "MetricAlarm", reason: str = "test") -> None:
        """One "StateUpdate" history item, as CloudWatch writes it for a state transition."""
        data = {"version": "1.0", "oldState": {"stateValue": old, "stateReason": "earlier"},
                "newState": {"stateValue": new, "stateReason": reason}}
        self.history.append({
            "AlarmName": name, "AlarmType": alarm_type, "Timestamp": at, "HistoryItemType": "StateUpdate",
            "HistorySummary": f"Alarm updated from {old} to {new}", "HistoryData": json.dumps(data),
        })

    def _moto(self) -> Any:
        assert self.hub is not None, "FakeCloudWatchExtras must be added to a FakeAws"
        return self.hub.moto("cloudwatch", self.region)

    # composite alarms
    @api
    def PutCompositeAlarm(self, params: dict[str, Any]) -> dict[str, Any]:
        now = self.clock()
        name = params["AlarmName"]
        previous = self.composites.get(name, {})
        alarm = {
            "AlarmName": name,
            "AlarmArn": f"arn:aws:cloudwatch:{self.region}:{self.account_id}:alarm:{name}",
            "AlarmRule": params["AlarmRule"],
            "AlarmDescription": params.get("AlarmDescription", ""),
            "ActionsEnabled": params.get("ActionsEnabled", True),
            "AlarmActions": list(params.get("AlarmActions", [])),
            "OKActions": list(params.get("OKActions", [])),
            "InsufficientDataActions": list(params.get("InsufficientDataActions", [])),
            "AlarmConfigurationUpdatedTimestamp": now,
            "StateValue": previous.get("StateValue", "INSUFFICIENT_DATA"),
            "StateReason": previous.get("StateReason", "Unchecked: Initial alarm creation"),
            "StateUpdatedTimestamp": previous.get("StateUpdatedTimestamp", now),
            "StateTransitionedTimestamp": previous.get("StateTransitionedTimestamp", now),
        }
        if "ActionsSuppressor" in params:
            alarm["ActionsSuppressor"] = params["ActionsSuppressor"]
        self.composites[name] = alarm
        return {}

    @api
    def DescribeAlarms(self, params: dict[str, Any]) -> Any:
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        if "CompositeAlarm" not in types:
            return PASS  # moto answers metric-alarm queries on its own
        for unsupported in ("ChildrenOfAlarmName", "ParentsOfAlarmName", "ActionPrefix", "NextToken"):
            if unsupported in params:
                raise NotImplementedError(f"FakeCloudWatchExtras.DescribeAlarms: {unsupported}")
        composites = [
            dict(alarm)
            for alarm in self.composites.values()
            if _alarm_matches(alarm, params)
        ]
        response: dict[str, Any] = {"CompositeAlarms": composites, "MetricAlarms": []}
        if "MetricAlarm" in types:
            query = {k: v for k, v in params.items() if k in ("AlarmNames", "AlarmNamePrefix", "StateValue")}
            response["MetricAlarms"] = self._moto().describe_alarms(AlarmTypes=["MetricAlarm"], **query)[
                "MetricAlarms"
            ]
        return response

    @api
    def DeleteAlarms(self, params: dict[str, Any]) -> dict[str, Any]:
        others = [name for name in params["AlarmNames"] if self.composites.pop(name, None) is None]
        if others:
            self._moto().delete_alarms(AlarmNames=others)
        return {}

    @api
    def SetAlarmState(self, params: dict[str, Any]) -> Any:
        if params["AlarmName"] not in self.composites:
            found = self._moto().describe_alarms(AlarmNames=[params["AlarmName"]])["MetricAlarms"]
            if found and found[0]["StateValue"] != params["StateValue"]:
                self.record_state_change(params["AlarmName"], found[0]["StateValue"], params["StateValue"],
                                         self.clock(), "MetricAlarm", params["StateReason"])
            return PASS
        self.set_composite_state(params["AlarmName"], params["StateValue"], params["StateReason"])
        return {}

    @api
    def DescribeAlarmHistory(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("AlarmContributorId"):
            raise NotImplementedError("FakeCloudWatchExtras.DescribeAlarmHistory: AlarmContributorId")
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        start, end = params.get("StartDate"), params.get("EndDate")
        items = [
            dict(item) for item in self.history
            if params.get("AlarmName") in (None, item["AlarmName"])
            and item["AlarmType"] in types
            and params.get("HistoryItemType") in (None, item["HistoryItemType"])
            and (start is None or item["Timestamp"] >= _aware(start))
            and (end is None or item["Timestamp"] <= _aware(end))
        ]
        items.sort(key=lambda i: i["Timestamp"], reverse=params.get("ScanBy", "TimestampDescending") == "TimestampDescending")
        scope = {k: v for k, v in params.items() if k not in ("NextToken", "MaxRecords")}
        page, token = paginate(items, params.get("NextToken"), params.get("MaxRecords") or 100,
                               scope=scope, error_code="InvalidNextToken")
        return {"AlarmHistoryItems": page, **({"NextToken": token} if token else {})}

    # anomaly detectors
    @api
    def PutAnomalyDetector(self, params: dict[str, Any]) -> dict[str, Any]:
        single = _single_metric(params)
        key = _detector_key(single)
        existing = next((d for d in self.detectors.values() if _detector_key(d["SingleMetricAnomalyDetector"]) == key), None)
        detector_id = existing["AnomalyDetectorId"] if existing else str(uuid.uuid4())
        detector: dict[str, Any] = {
            "AnomalyDetectorId": detector_id,
            # The deprecated top-level fields are still returned alongside the new structure.
            "Namespace": single["Namespace"],
            "MetricName": single["MetricName"],
            "Dimensions": list(single.get("Dimensions", [])),
            "Stat": single["Stat"],
            "SingleMetricAnomalyDetector": single,
            "StateValue": "PENDING_TRAINING",
        }
        if "Configuration" in params:
            detector["Configuration"] = params["Configuration"]
        if "MetricCharacteristics" in params:
            detector["MetricCharacteristics"] = params["MetricCharacteristics"]
        self.detectors[detector_id] = detector
        return {"AnomalyDetectorId": detector_id}

    @api
    def DescribeAnomalyDetectors(self, params: dict[str, Any]) -> dict[str, Any]:
        detectors = list(self.detectors.values())
        if params.get("AnomalyDetectorIds"):
            detectors = [d for d in detectors if d["AnomalyDetectorId"] in params["AnomalyDetectorIds"]]
        for field in ("Namespace", "MetricName"):
            if params.get(field):
                detectors = [d for d in detectors if d[field] == params[field]]
        if params.get("Dimensions"):
            wanted = set(_dims_key(params["Dimensions"]))
            detectors = [d for d in detectors if wanted <= set(_dims_key(d["Dimensions"]))]
        if params.get("AnomalyDetectorTypes") and "SINGLE_METRIC" not in params["AnomalyDetectorTypes"]:
            detectors = []
        page, token = paginate(
            detectors,
            params.get("NextToken"),
            params.get("MaxResults", 100),
            scope={k: v for k, v in params.items() if k not in ("NextToken", "MaxResults")},
            error_code="InvalidNextToken",
        )
        response: dict[str, Any] = {"AnomalyDetectors": [_copy(d) for d in page]}
        if token:
            response["NextToken"] = token
        return response

    @api
    def DeleteAnomalyDetector(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("AnomalyDetectorId"):
            found = self.detectors.pop(params["AnomalyDetectorId"], None)
        else:
            key = _detector_key(_single_metric(params))
            match = [i for i, d in self.detectors.items() if _detector_key(d["SingleMetricAnomalyDetector"]) == key]
            found = self.detectors.pop(match[0]) if match else None
        if found is None:
            raise AwsError("ResourceNotFoundException", "The anomaly detector does not exist.")
        return {}


def _alarm_matches(alarm: dict[str, Any], params: dict[str, Any]) -> bool:
    name = alarm["AlarmName"]
    return (
        ("AlarmNames" not in params or name in params["AlarmNames"])
        and name.startswith(params.get("AlarmNamePrefix", ""))
        and params.get("StateValue") in (None, alarm["StateValue"])
    )


def _single_metric(params: dict[str, Any]) -> dict[str, Any]:
    if "MetricMathAnomalyDetector" in params:
        raise NotImplementedError("FakeCloudWatchExtras: metric-math anomaly detectors")
    single = dict(params.get("SingleMetricAnomalyDetector") or {})
    for field in ("Namespace", "MetricName", "Dimensions", "Stat"):
        if field in params:
            single.setdefault(field, params[field])
    missing = [f for f in ("Namespace", "MetricName", "Stat") if f not in single]
    if missing:
        raise AwsError("MissingParameter", f"Missing required parameters: {missing}")
    single.setdefault("Dimensions", [])
    return single


def _detector_key(single: dict[str, Any]) -> tuple[Any, ...]:
    return (single["Namespace"], single["MetricName"], _dims_key(single.get("Dimensions")), single["Stat"])


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# -- metrics ---------------------------------------------------------------------------------
@dataclasses.dataclass
class _Bucket:
    total: float = 0.0
    count: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    def add(self, value: float, count: float = 1.0) -> None:
        self.total += value * count
        self.count += count
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)

    def merge(self, other: _Bucket) -> None:
        self.total += other.total
        self.count += other.count
        self.minimum = min(self.minimum, other.minimum)
        self.maximum = max(self.maximum, other.maximum)

    def stat(self, name: str) -> float:
        if name == "Sum":
            return self.total
        if name == "SampleCount":
            return self.count
        if name == "Average":
            return self.total / self.count
        if name == "Minimum":
            return self.minimum
        if name == "Maximum":
            return self.maximum
        raise NotImplementedError(f"FakeMetrics: statistic {name}")


_SeriesKey = tuple[str, str, tuple[tuple[str, str], ...]]


class FakeMetrics(Fake):
    """PutMetricData / GetMetricData with the real limits.

    GetMetricData: up to 500 queries and `MaxDatapoints` (default and maximum 100,800) data points
    per call, the rest via NextToken (results still incomplete say StatusCode "PartialData");
    Timestamps newest first unless ScanBy="TimestampAscending"; periods are aligned to multiples
    of the period since the epoch. Metric math: + - * /, numbers, FILL(x, value), SUM/AVG/MIN/MAX
    over lists; anything else raises NotImplementedError. Data is kept at one-minute resolution and
    served with CloudWatch's retention: a 1-minute period returns the last 15 days, 5 minutes up to
    the hour the last 63 days, an hour or more 455 days (older datapoints are simply not there).
    """

    service = "cloudwatch"
    validation_error_code = "ValidationError"

    def __init__(self, now: Callable[[], dt.datetime] = lambda: dt.datetime.now(UTC)) -> None:
        super().__init__()
        self.now = now  # for the retention of each period
        self.series: dict[_SeriesKey, dict[int, _Bucket]] = {}
        self.widget_images: list[dict[str, Any]] = []  # MetricWidget definitions rendered, oldest first

    # helpers
    def put(
        self,
        namespace: str,
        metric_name: str,
        dimensions: Mapping[str, str],
        timestamp: dt.datetime,
        value: float,
        count: float = 1.0,
    ) -> None:
        key = (namespace, metric_name, tuple(sorted(dimensions.items())))
        minute = int(timestamp.timestamp()) // 60 * 60
        self.series.setdefault(key, {}).setdefault(minute, _Bucket()).add(value, count)

    def put_series(
        self,
        metric_name: str,
        dimension_value: str,
        points: Mapping[dt.datetime, float],
        *,
        namespace: str = "AWS/Bedrock",
        dimension_name: str = "ModelId",
    ) -> None:
        """Load per-minute values, e.g. `put_series("Invocations", "global.anthropic...", {t: 42})`.

        The same as one ``put`` per point; inlined because tests load 14 days of minutes per metric."""
        buckets = self.series.setdefault((namespace, metric_name, ((dimension_name, dimension_value),)), {})
        for timestamp, value in points.items():
            minute = int(timestamp.timestamp()) // 60 * 60
            bucket = buckets.get(minute)
            if bucket is None:
                buckets[minute] = _Bucket(value, 1.0, value, value)
            else:
                bucket.add(value)

    # API
    @api
    def PutMetricData(self, params: dict[str, Any]) -> dict[str, Any]:
        now = dt.datetime.now(UTC)
        for datum in params["MetricData"]:
            dims = {d["Name"]: d["Value"] for d in datum.get("Dimensions", [])}
            when = _aware(datum.get("Timestamp", now))
            if "Value" in datum:
                self.put(params["Namespace"], datum["MetricName"], dims, when, datum["Value"])
            for index, value in enumerate(datum.get("Values", [])):
                counts = datum.get("Counts") or []
                self.put(params["Namespace"], datum["MetricName"], dims, when, value, counts[index] if counts else 1.0)
            if "StatisticValues" in datum:
                stats = datum["StatisticValues"]
                key = (params["Namespace"], datum["MetricName"], tuple(sorted(dims.items())))
                minute = int(when.timestamp()) // 60 * 60
                self.series.setdefault(key, {}).setdefault(minute, _Bucket()).merge(
                    _Bucket(stats["Sum"], stats["SampleCount"], stats["Minimum"], stats["Maximum"])
                )
        return {}

    @api
    def GetMetricData(self, params: dict[str, Any]) -> dict[str, Any]:
        queries = params["MetricDataQueries"]
        if len(queries) > MAX_QUERIES:
            raise AwsError(
                "ValidationError",
                f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.",
            )
        budget = params.get("MaxDatapoints", MAX_DATAPOINTS)
        if budget > MAX_DATAPOINTS or budget < 1:
            raise AwsError("ValidationError", f"MaxDatapoints must be between 1 and {MAX_DATAPOINTS}.")
        start, end = _aware(params["StartTime"]), _aware(params["EndTime"])
        if start >= end:
            raise AwsError("ValidationError", "The parameter StartTime must be less than the parameter EndTime.")
        ids = [q["Id"] for q in queries]
        if len(set(ids)) != len(ids):
            raise AwsError("ValidationError", "The values for parameter Id in MetricDataQueries are not unique.")

        series = self._evaluate(queries, start, end)
        descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
        returned = [q for q in queries if q.get("ReturnData", True)]
        offsets = self._offsets(params, len(returned))
        results, next_offsets = [], []
        for query, offset in zip(returned, offsets, strict=True):
            points = sorted(series[query["Id"]].items(), reverse=descending)
            take = points[offset : offset + budget]
            budget -= len(take)
            remaining = offset + len(take) < len(points)
            next_offsets.append(offset + len(take))
            results.append(
                {
                    "Id": query["Id"],
                    "Label": query.get("Label") or _label(query),
                    "Timestamps": [dt.datetime.fromtimestamp(ts, UTC) for ts, _ in take],
                    "Values": [value for _, value in take],
                    "StatusCode": "PartialData" if remaining else "Complete",
                    "Messages": [],
                }
            )
        response: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
        if any(r["StatusCode"] == "PartialData" for r in results):
            token = {"o": next_offsets, "s": _scope(params)}
            response["NextToken"] = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
        return response

    @api
    def GetMetricWidgetImage(self, params: dict[str, Any]) -> dict[str, Any]:
        """A blank PNG of the widget's size after the checks the real API makes on the definition."""
        try:
            widget = json.loads(params["MetricWidget"])
        except ValueError as error:
            raise AwsError("InvalidParameterValue", f"MetricWidget is not valid JSON: {error}") from error
        if not isinstance(widget, dict) or not isinstance(widget.get("metrics"), list) or not widget["metrics"]:
            raise AwsError("InvalidParameterValue", "The field MetricWidget.metrics must be a non-empty array.")
        width, height = widget.get("width", 600), widget.get("height", 400)
        for name, value in (("width", width), ("height", height)):
            if not isinstance(value, int) or not 1 <= value <= MAX_WIDGET_PIXELS:
                raise AwsError("InvalidParameterValue", f"MetricWidget.{name} must be between 1 and {MAX_WIDGET_PIXELS}.")
        if params.get("OutputFormat", "png") not in ("png", "image/png"):
            raise AwsError("InvalidParameterValue", "Only PNG output is supported.")
        self.widget_images.append(widget)
        return {"MetricWidgetImage": blank_png(width, height)}

    def _offsets(self, params: dict[str, Any], count: int) -> list[int]:
        token = params.get("NextToken")
        if not token:
            return [0] * count
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            offsets = [int(o) for o in decoded["o"]]
            valid = decoded["s"] == _scope(params) and len(offsets) == count
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            raise AwsError("InvalidNextToken", "The service cannot process the NextToken.")
        return offsets

    def _evaluate(self, queries: list[dict[str, Any]], start: dt.datetime, end: dt.datetime) -> dict[str, dict[int, float]]:
        values: dict[str, dict[int, float]] = {}
        periods: dict[str, int] = {}
        for query in queries:
            if "MetricStat" in query:
                values[query["Id"]], periods[query["Id"]] = self._metric(query["MetricStat"], start, end)
        for query in queries:
            if "Expression" in query:
                period = query.get("Period") or min(periods.values(), default=60)
                grid = _grid(start, end, period)
                values[query["Id"]] = _Expression(query["Expression"], values, grid).result()
        return values

    def _metric(self, stat: dict[str, Any], start: dt.datetime, end: dt.datetime) -> tuple[dict[int, float], int]:
        metric, period = stat["Metric"], stat["Period"]
        if period % 60:
            raise NotImplementedError("FakeMetrics: high-resolution periods")
        key = (metric["Namespace"], metric["MetricName"], _dims_key(metric.get("Dimensions")))
        lo, hi = max(start.timestamp(), self.now().timestamp() - _retention_seconds(period)), end.timestamp()
        stored = self.series.get(key, {})
        if period == 60:
            # Fast path: data is stored per minute, so each stored bucket is one period of its own
            # (merging it into an empty bucket would give the same figures, at 14 days x 1,440 times the cost).
            name = stat["Stat"]
            return {minute: bucket.stat(name) for minute, bucket in stored.items() if lo <= minute < hi}, period
        if stat["Stat"] == "Sum":
            # Fast path for the forecast's 63 days at 5 minutes: add the sums, no bucket objects.
            sums: dict[int, float] = {}
            for minute, bucket in stored.items():
                if lo <= minute < hi:
                    start_of_period = minute - minute % period
                    sums[start_of_period] = sums.get(start_of_period, 0.0) + bucket.total
            return sums, period
        buckets: dict[int, _Bucket] = {}
        for minute, bucket in stored.items():
            if lo <= minute < hi:
                buckets.setdefault(minute // period * period, _Bucket()).merge(bucket)
        return {ts: b.stat(stat["Stat"]) for ts, b in buckets.items()}, period


DAY_SECONDS = 86_400


def _retention_seconds(period: int) -> int:
    """How long CloudWatch keeps data at ``period`` (CloudWatch concepts, "Metric retention")."""
    if period < 300:
        return 15 * DAY_SECONDS
    if period < 3600:
        return 63 * DAY_SECONDS
    return 455 * DAY_SECONDS


MAX_WIDGET_PIXELS = 2000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def blank_png(width: int, height: int) -> bytes:
    """A valid white greyscale PNG (signature, IHDR, IDAT, IEND) of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = (b"\x00" + b"\xff" * width) * height  # filter byte 0 per row
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _aware(moment: dt.datetime | str | float) -> dt.datetime:
    """Timestamps as botocore accepts them from callers: datetime, ISO 8601 string or epoch."""
    if isinstance(moment, (int, float)):
        return dt.datetime.fromtimestamp(moment, UTC)
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _grid(start: dt.datetime, end: dt.datetime, period: int) -> list[int]:
    first = math.ceil(start.timestamp() / period) * period
    return list(range(first, int(end.timestamp()), period))


def _label(query: dict[str, Any]) -> str:
    if "MetricStat" in query:
        return str(query["MetricStat"]["Metric"]["MetricName"])
    return str(query["Id"])


def _scope(params: dict[str, Any]) -> str:
    return uuid.uuid5(
        uuid.NAMESPACE_OID, json.dumps({k: v for k, v in params.items() if k != "NextToken"}, sort_keys=True, default=str)
    ).hex[:12]


_Series = dict[int, float]


class _Expression:
    """A small metric-math evaluator over timestamp -> value series."""

    _AGGREGATES: ClassVar[dict[str, Callable[[list[float]], float]]] = {
        "SUM": sum,
        "MAX": max,
        "MIN": min,
        "AVG": lambda xs: sum(xs) / len(xs),
    }

    def __init__(self, text: str, env: dict[str, _Series], grid: list[int]) -> None:
        self.text, self.env, self.grid = text, env, grid

    def result(self) -> _Series:
        try:
            tree = ast.parse(self.text, mode="eval")
        except SyntaxError as error:
            raise AwsError("ValidationError", f"Invalid metric math expression: {self.text}") from error
        value = self._eval(tree.body)
        if isinstance(value, (int, float)):
            return {ts: float(value) for ts in self.grid}
        return value

    def _eval(self, node: ast.AST) -> _Series | float:
        if isinstance(node, ast.Name):
            if node.id not in self.env:
                raise AwsError("ValidationError", f"Unknown metric id {node.id} in expression {self.text}")
            return self.env[node.id]
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return self._binary(0.0, self._eval(node.operand), lambda a, b: a - b)
        if isinstance(node, ast.BinOp):
            ops: dict[type, Callable[[float, float], float]] = {
                ast.Add: lambda a, b: a + b,
                ast.Sub: lambda a, b: a - b,
                ast.Mult: lambda a, b: a * b,
                ast.Div: lambda a, b: a / b if b else math.nan,
            }
            if type(node.op) in ops:
                return self._binary(self._eval(node.left), self._eval(node.right), ops[type(node.op)])
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id.upper()
            if name == "FILL" and len(node.args) == 2:
                series, fill = self._eval(node.args[0]), self._eval(node.args[1])
                if isinstance(series, dict) and isinstance(fill, float):
                    return {ts: series.get(ts, fill) for ts in self.grid}
            if name in self._AGGREGATES and len(node.args) == 1 and isinstance(node.args[0], ast.List):
                members = [self._eval(e) for e in node.args[0].elts]
                if all(isinstance(m, dict) for m in members):
                    stamps = sorted({ts for m in members for ts in m})  # type: ignore[union-attr]
                    agg = self._AGGREGATES[name]
                    return {
                        ts: agg([m[ts] for m in members if ts in m])  # type: ignore[index,operator]
                        for ts in stamps
                    }
        raise NotImplementedError(f"FakeMetrics: unsupported metric math {ast.unparse(node)!r}")

    @staticmethod
    def _binary(left: _Series | float, right: _Series | float, op: Callable[[float, float], float]) -> _Series | float:
        if isinstance(left, dict) and isinstance(right, dict):
            # Like CloudWatch: a point exists only where both operands have one.
            return {ts: op(left[ts], right[ts]) for ts in left.keys() & right.keys()}
        if isinstance(left, dict):
            return {ts: op(v, right) for ts, v in left.items()}  # type: ignore[arg-type]
        if isinstance(right, dict):
            return {ts: op(left, v) for ts, v in right.items()}
        return op(left, right)


def _aware(moment: Any) -> dt.datetime:
    if isinstance(moment, (int, float)):
        return dt.datetime.fromtimestamp(moment, UTC)
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
