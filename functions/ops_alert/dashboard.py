"""The stack's CloudWatch dashboard and the usage graphs attached to support cases.

One builder serves three writers, so the three never disagree:
- the template renders the dashboard body with CloudFormation placeholders (``${AWS::Region}``,
  the quota calculator's thresholds), wrapped in ``Fn::Sub``;
- the alarm updater rewrites the body (PutDashboard) with literal numbers and the current sibling
  profiles whenever it rewrites the Layer 2 alarms, so the lines follow the quotas;
- the processor renders the RPM and TPM widgets as PNGs (GetMetricWidgetImage) for the case.

Threshold and quota lines are metric-math constants (``FILL(m, 0)*0 + value``) rather than
horizontal annotations: a constant can be guarded with ``IF(value < NEVER, …)`` so that a quota
the model does not have (threshold ``NEVER_FIRES_THRESHOLD``) draws no line instead of squashing
the graph under a line at 10^15, and the template can fill the value in at deploy time.
Usage is shown per minute (the unit of the thresholds): ``SUM(m)*60/PERIOD(m)`` keeps the scale
right when CloudWatch coarsens the period of a long time range.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ops_alert.alarms import ALARM_KINDS
from ops_alert.names import StackNames
from ops_alert.partition import console_url
from ops_alert.thresholds import NEVER_FIRES_THRESHOLD

NAMESPACE = "AWS/Bedrock"
DIMENSION = "ModelId"
GRAPH_DAYS = 14
GRAPH_PERIOD = 300  # 14 days of 5-minute points (4,032) renders crisply; rates stay per minute
WIDTH, HEIGHT = 1000, 400  # pixels of an attached PNG


@dataclass(frozen=True)
class Line:
    """A horizontal line; ``value`` is a number or a metric-math scalar (the template's placeholder)."""

    label: str
    value: str
    color: str


@dataclass(frozen=True)
class DashboardSpec:
    names: StackNames
    region: str
    account: str
    partition: str
    dimensions: Sequence[str]  # ModelId values whose usage counts (own profile + siblings)
    lines: Mapping[str, Sequence[Line]] = field(default_factory=dict)  # measure key → lines
    anomaly_band_width: str = "2"
    anomaly_period: str = "300"
    latency_threshold_ms: str | None = None


# measure key → (title, metric, y-axis label)
MEASURES: dict[str, tuple[str, str, str]] = {
    "rpm": ("Requests per minute vs threshold and quota", "Invocations", "requests / minute"),
    "tpm": ("Tokens per minute (quota usage) vs threshold and quota", "EstimatedTPMQuotaUsage", "tokens / minute"),
}
DAILY_TITLE = "Tokens per 24 hours vs per-day threshold and quota"
DAILY_LABEL = "Per-day tokens"  # its lines: "Per-day tokens alarm threshold", "Per-day tokens quota"

THRESHOLD_COLOR, QUOTA_COLOR = "#ff7f0e", "#d62728"


def number(value: float | int) -> str:
    """A metric-math literal: integers without a decimal point."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _num(value: str) -> Any:
    """A JSON number: literal digits stay numbers, a template placeholder becomes a bare-token marker."""
    return int(value) if value.isdigit() else f"@@number:{value}@@"


def lines_for(threshold: float | None, quota: float | None, what: str) -> tuple[Line, ...]:
    """Threshold and quota lines of one measure; a missing quota (``None``) draws nothing."""
    found = []
    if threshold is not None and threshold < NEVER_FIRES_THRESHOLD:
        found.append(Line(f"{what} alarm threshold", number(threshold), THRESHOLD_COLOR))
    if quota is not None:
        found.append(Line(f"{what} quota", number(quota), QUOTA_COLOR))
    return tuple(found)


def _metric_refs(metric: str, dimensions: Sequence[str], stat: str, period: int | str) -> list[list[Any]]:
    return [
        [NAMESPACE, metric, DIMENSION, value,
         {"id": f"m{i}", "stat": stat, "period": int(period), "visible": False}]
        for i, value in enumerate(dimensions)
    ]


def _constant(line: Line, index: int) -> list[Any]:
    # IF(value < NEVER, …): a quota the model lacks (NA → NEVER_FIRES_THRESHOLD) draws no line.
    constant = f"FILL(m0, 0)*0 + {line.value}"
    expression = f"IF({constant} < {NEVER_FIRES_THRESHOLD}, {constant})"
    return [{"expression": expression, "label": line.label, "id": f"l{index}", "color": line.color}]


def usage_graph(spec: DashboardSpec, measure: str, period: int = 60, days: int = GRAPH_DAYS) -> dict[str, Any]:
    """Properties of the per-minute usage graph of ``measure`` ("rpm" or "tpm") with its lines."""
    title, metric, axis = MEASURES[measure]
    refs = _metric_refs(metric, spec.dimensions, "Sum", period)
    ids = "+".join(f"m{i}" for i in range(len(spec.dimensions)))
    usage = [{"expression": f"({ids})*60/PERIOD(m0)", "label": f"{measure.upper()} (all profiles)", "id": "usage",
              "color": "#1f77b4"}]
    lines = [_constant(line, i) for i, line in enumerate(spec.lines.get(measure, ()))]
    return {
        "title": title,
        "view": "timeSeries",
        "region": spec.region,
        "metrics": [*refs, usage, *lines],
        "stat": "Sum",
        "period": period,
        "start": f"-P{days}D",
        "yAxis": {"left": {"min": 0, "label": axis, "showUnits": False}},
    }


def daily_tokens_graph(spec: DashboardSpec) -> dict[str, Any]:
    """Token quota usage per 24 hours (one bar a day) against the per-day lines."""
    refs = _metric_refs("EstimatedTPMQuotaUsage", spec.dimensions, "Sum", 86400)
    ids = "+".join(f"m{i}" for i in range(len(spec.dimensions)))
    lines = [_constant(line, i) for i, line in enumerate(spec.lines.get("daily", ()))]
    return {
        "title": DAILY_TITLE,
        "view": "bar",
        "region": spec.region,
        "metrics": [*refs, [{"expression": ids, "label": "tokens per day (all profiles)", "id": "usage"}], *lines],
        "period": 86400,
        "start": f"-P{GRAPH_DAYS}D",
    }


def _anomaly_graph(spec: DashboardSpec) -> dict[str, Any]:
    metrics: list[list[Any]] = []
    own = spec.dimensions[0]
    for i, (metric, stat) in enumerate((("Invocations", "Sum"), ("InputTokenCount", "Sum"),
                                        ("OutputTokenCount", "Sum"), ("InvocationLatency", "Average"))):
        metrics.append([NAMESPACE, metric, DIMENSION, own, {"id": f"a{i}", "stat": stat,
                                                              "period": _num(spec.anomaly_period),
                                                              **({"yAxis": "right"} if stat == "Average" else {})}])
        metrics.append([{"expression": f"ANOMALY_DETECTION_BAND(a{i}, {spec.anomaly_band_width})",
                         "label": f"{metric} expected band", "id": f"b{i}"}])
    return {"title": "Anomaly bands (Layer 3; only the upper side alarms)", "view": "timeSeries",
            "region": spec.region, "metrics": metrics, "period": _num(spec.anomaly_period), "start": "-P3D"}


def _latency_graph(spec: DashboardSpec) -> dict[str, Any]:
    own = spec.dimensions[0]
    graph: dict[str, Any] = {
        "title": "Invocation latency (ms)", "view": "timeSeries", "region": spec.region, "start": "-P3D",
        "metrics": [[NAMESPACE, "InvocationLatency", DIMENSION, own, {"stat": "Average", "label": "average"}],
                    [NAMESPACE, "InvocationLatency", DIMENSION, own, {"stat": "p90", "label": "p90"}]],
        "period": 60,
    }
    if spec.latency_threshold_ms is not None:
        graph["annotations"] = {"horizontal": [{"label": "HighLatency threshold",
                                                "value": _num(spec.latency_threshold_ms)}]}
    return graph


def _errors_graph(spec: DashboardSpec) -> dict[str, Any]:
    own = spec.dimensions[0]
    return {
        "title": "Errors and throttles (Layer 1)", "view": "timeSeries", "region": spec.region, "start": "-P3D",
        "stat": "Sum", "period": 60,
        "metrics": [[NAMESPACE, m, DIMENSION, own, {"stat": "Sum"}]
                    for m in ("InvocationClientErrors", "InvocationServerErrors", "InvocationThrottles")],
    }


def alarm_arn(spec: DashboardSpec, name: str) -> str:
    return f"arn:{spec.partition}:cloudwatch:{spec.region}:{spec.account}:alarm:{name}"


def _alarm_status(spec: DashboardSpec) -> dict[str, Any]:
    names = [spec.names.composite_alarm_name, *(spec.names.alarm_name(k) for k in ALARM_KINDS)]
    return {"title": "Alarm status: composite and its children",
            "alarms": [alarm_arn(spec, n) for n in names], "sortBy": "stateUpdatedTimestamp"}


def dashboard(spec: DashboardSpec) -> dict[str, Any]:
    """The dashboard body as a dict (``body_json`` serialises it)."""
    def widget(kind: str, x: int, y: int, w: int, h: int, properties: dict[str, Any]) -> dict[str, Any]:
        return {"type": kind, "x": x, "y": y, "width": w, "height": h, "properties": properties}

    return {
        "widgets": [
            widget("alarm", 0, 0, 24, 3, _alarm_status(spec)),
            widget("metric", 0, 3, 12, 6, usage_graph(spec, "rpm")),
            widget("metric", 12, 3, 12, 6, usage_graph(spec, "tpm")),
            widget("metric", 0, 9, 12, 6, daily_tokens_graph(spec)),
            widget("metric", 12, 9, 12, 6, _anomaly_graph(spec)),
            widget("metric", 0, 15, 12, 6, _latency_graph(spec)),
            widget("metric", 12, 15, 12, 6, _errors_graph(spec)),
        ]
    }


def body_json(body: Mapping[str, Any]) -> str:
    """Compact JSON; ``"@@number:X@@"`` markers become the bare token X (a number or placeholder)."""
    text = json.dumps(body, separators=(",", ":"), sort_keys=False)
    while '"@@number:' in text:
        start = text.index('"@@number:')
        end = text.index('@@"', start + 10)
        text = text[:start] + text[start + 10:end] + text[end + 3:]
    return text


def graph_image_request(spec: DashboardSpec, measure: str) -> str:
    """The MetricWidget JSON for GetMetricWidgetImage: 14 days of ``measure`` against its lines."""
    graph = usage_graph(spec, measure, period=GRAPH_PERIOD)
    graph.update(width=WIDTH, height=HEIGHT, timezone="+0000")
    graph.pop("region", None)  # the image is rendered in the caller's region
    return json.dumps(graph, separators=(",", ":"))


def dashboard_url(region: str, name: str) -> str:
    return console_url(region, f"cloudwatch/home?region={region}#dashboards/dashboard/{name}")


def refresh_usage_widgets(body: Mapping[str, Any], spec: DashboardSpec) -> tuple[dict[str, Any], bool]:
    """``body`` with the usage graphs rebuilt from ``spec`` (new lines, new sibling profiles).

    Every other widget, and the position and size of these, is kept as the user or the template
    left it (like an alarm update keeps every other alarm setting). Returns (body, changed).
    """
    fresh = {MEASURES["rpm"][0]: usage_graph(spec, "rpm"), MEASURES["tpm"][0]: usage_graph(spec, "tpm"),
             DAILY_TITLE: daily_tokens_graph(spec)}
    widgets = []
    changed = False
    for widget in body.get("widgets", []):
        properties = widget.get("properties", {}) if isinstance(widget, Mapping) else {}
        title = properties.get("title") if isinstance(properties, Mapping) else None
        if isinstance(title, str) and title in fresh and properties != fresh[title]:
            widget = {**widget, "properties": fresh[title]}
            changed = True
        widgets.append(widget)
    return {**body, "widgets": widgets}, changed
