"""Current state of one stack's composite and child alarms, in one DescribeAlarms call.

The notification processor needs three facts an alarm event does not carry: whether the
composite was already in ALARM before a child transition (an escalation the composite never
notifies, SPEC §8.7), which children are in ALARM now, and which application profiles the Layer 2
alarms aggregate (the alarm updater keeps ``m1+…+mN`` current, so its ModelId dimensions are the
sibling profiles whose usage must be combined — no Bedrock call needed).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ops_alert_aws.clients import client

MAX_NAMES_PER_CALL = 100  # DescribeAlarms AlarmNames limit
MODEL_DIMENSION = "ModelId"


@dataclass(frozen=True)
class AlarmState:
    name: str
    arn: str
    state: str  # OK | ALARM | INSUFFICIENT_DATA
    transitioned_at: datetime | None  # StateTransitionedTimestamp (UTC), else StateUpdatedTimestamp
    composite: bool
    model_dimensions: tuple[str, ...] = ()  # ModelId dimension values, in metric order


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _dimensions(alarm: Mapping[str, Any]) -> tuple[str, ...]:
    found: list[str] = []

    def add(dims: Iterable[Mapping[str, Any]]) -> None:
        for d in dims:
            if d.get("Name") == MODEL_DIMENSION and d.get("Value") and d["Value"] not in found:
                found.append(str(d["Value"]))

    add(alarm.get("Dimensions", []))
    for query in alarm.get("Metrics", []) or []:
        add(((query.get("MetricStat") or {}).get("Metric") or {}).get("Dimensions", []))
    return tuple(found)


def _state(alarm: Mapping[str, Any], composite: bool) -> AlarmState:
    return AlarmState(
        name=str(alarm["AlarmName"]),
        arn=str(alarm.get("AlarmArn", "")),
        state=str(alarm.get("StateValue", "")),
        transitioned_at=_utc(alarm.get("StateTransitionedTimestamp")) or _utc(alarm.get("StateUpdatedTimestamp")),
        composite=composite,
        model_dimensions=() if composite else _dimensions(alarm),
    )


def describe_alarm_states(names: Sequence[str]) -> dict[str, AlarmState]:
    """State of each named alarm that exists (composite and metric alarms), by name."""
    cw = client("cloudwatch")
    states: dict[str, AlarmState] = {}
    for start in range(0, len(names), MAX_NAMES_PER_CALL):
        kwargs: dict[str, Any] = {
            "AlarmNames": list(names[start:start + MAX_NAMES_PER_CALL]),
            "AlarmTypes": ["CompositeAlarm", "MetricAlarm"],
        }
        while True:
            page = cw.describe_alarms(**kwargs)
            for alarm in page.get("CompositeAlarms", []):
                states[alarm["AlarmName"]] = _state(alarm, True)
            for alarm in page.get("MetricAlarms", []):
                states[alarm["AlarmName"]] = _state(alarm, False)
            token = page.get("NextToken")
            if not token:
                break
            kwargs["NextToken"] = token
    return states
