"""The three Layer 2 usage alarms (HighInvocationRate, HighTPMQuotaUsage, HighDailyTokenUsage): read and rewrite them.

PutMetricAlarm replaces an alarm's whole configuration (SPEC §9), so an update starts from what
DescribeAlarms returns and writes every setting back, changing only the Threshold and the metric
list: ``m1..mN`` (one per aggregated inference profile, copied from the existing ``m1``) and the
expression query (``total``) whose Expression becomes ``m1+…+mN``. Its Label, ReturnData, the
Period and Stat of the metrics, actions, descriptions, evaluation settings and missing-data
treatment are kept as they are; tags are not touched (PutMetricAlarm ignores tags on an update).
"""
from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ops_alert.profiles import metric_expression
from ops_alert_aws.clients import client

DIMENSION_NAME = "ModelId"

# The settings of a metric alarm that PutMetricAlarm accepts, as DescribeAlarms names them.
_SETTINGS = (
    "AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions",
    "InsufficientDataActions", "MetricName", "Namespace", "Statistic", "ExtendedStatistic",
    "Dimensions", "Period", "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold",
    "ComparisonOperator", "TreatMissingData", "EvaluateLowSampleCountPercentile", "Metrics",
    "ThresholdMetricId",
)
# Single-metric settings: absent (or empty) on a metric-math alarm, and rejected next to Metrics.
_SINGLE_METRIC = ("MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit")


class AlarmShapeError(ValueError):
    """The alarm is not the metric-math alarm the stack creates, so it cannot be aggregated."""


@dataclass(frozen=True)
class AlarmUpdate:
    """What an update did to one alarm."""

    alarm_name: str
    old_threshold: float | None
    new_threshold: int
    old_profiles: tuple[str, ...]
    new_profiles: tuple[str, ...]

    @property
    def threshold_changed(self) -> bool:
        return self.old_threshold is None or float(self.old_threshold) != float(self.new_threshold)

    @property
    def metrics_changed(self) -> bool:
        return self.old_profiles != self.new_profiles

    @property
    def changed(self) -> bool:
        return self.threshold_changed or self.metrics_changed


def describe_metric_alarms(alarm_names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The named metric alarms that exist, by name (one DescribeAlarms call for up to 100 names)."""
    response = client("cloudwatch").describe_alarms(AlarmNames=list(alarm_names), AlarmTypes=["MetricAlarm"])
    return {a["AlarmName"]: a for a in response.get("MetricAlarms", [])}


def put_settings(alarm: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting of a described alarm as PutMetricAlarm arguments (nothing dropped but blanks)."""
    settings = {k: copy.deepcopy(alarm[k]) for k in _SETTINGS if alarm.get(k) is not None}
    if settings.get("Metrics"):
        for key in _SINGLE_METRIC:
            if not settings.get(key):
                settings.pop(key, None)
    return settings


def _split_queries(alarm: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(metric queries, the one expression query) of a Layer 2 alarm, else AlarmShapeError."""
    name = alarm.get("AlarmName", "?")
    queries = alarm.get("Metrics") or []
    stats = [q for q in queries if q.get("MetricStat")]
    expressions = [q for q in queries if q.get("Expression")]
    if not stats or len(expressions) != 1 or len(stats) + 1 != len(queries):
        raise AlarmShapeError(
            f"Alarm {name} is not the stack's Layer 2 metric-math alarm (metrics m1..mN plus one "
            f"expression): it was changed outside the stack; update the stack to restore it"
        )
    return stats, expressions[0]


def _dimension_value(query: Mapping[str, Any]) -> str:
    for dim in query["MetricStat"]["Metric"].get("Dimensions", []):
        if dim.get("Name") == DIMENSION_NAME:
            return str(dim.get("Value", ""))
    return ""


def aggregated_profiles(alarm: Mapping[str, Any]) -> tuple[str, ...]:
    """The ModelId dimension values the alarm adds up, in metric order."""
    stats, _ = _split_queries(alarm)
    return tuple(_dimension_value(q) for q in stats)


def desired_settings(alarm: Mapping[str, Any], threshold: int, profile_ids: Sequence[str]) -> dict[str, Any]:
    """The alarm's settings with the new threshold and one metric per profile, summed as m1+…+mN."""
    stats, expression = _split_queries(alarm)
    settings = put_settings(alarm)
    template = stats[0]
    metrics: list[dict[str, Any]] = []
    for i, profile_id in enumerate(profile_ids, start=1):
        query = copy.deepcopy(template)
        query["Id"] = f"m{i}"
        query["ReturnData"] = False
        metric = query["MetricStat"]["Metric"]
        others = [d for d in metric.get("Dimensions", []) if d.get("Name") != DIMENSION_NAME]
        metric["Dimensions"] = [{"Name": DIMENSION_NAME, "Value": profile_id}, *others]
        metrics.append(query)
    total = copy.deepcopy(expression)
    total["Expression"] = metric_expression(len(profile_ids))
    metrics.append(total)
    settings["Metrics"] = metrics
    settings["Threshold"] = threshold
    return settings


def update_alarm(alarm: Mapping[str, Any], threshold: int, profile_ids: Sequence[str]) -> AlarmUpdate:
    """PutMetricAlarm when the threshold or the aggregated profiles differ; a no-op otherwise."""
    old_profiles = aggregated_profiles(alarm)
    update = AlarmUpdate(
        alarm_name=str(alarm["AlarmName"]),
        old_threshold=alarm.get("Threshold"),
        new_threshold=threshold,
        old_profiles=old_profiles,
        new_profiles=tuple(profile_ids),
    )
    if update.changed:
        client("cloudwatch").put_metric_alarm(**desired_settings(alarm, threshold, profile_ids))
    return update
