"""State updates of this stack's alarms from CloudWatch's own record (DescribeAlarmHistory).

The notification processor checks every signal against this record before it acts (issue 9,
ops_alert.transitions): a forged message, or a composite set by hand, has no matching history. Each
call names one alarm (so the IAM grant stays scoped to this stack's alarms) and a narrow window.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from ops_alert.transitions import TOLERANCE, StateChange
from ops_alert_aws.clients import client

ALARM_TYPES = ["CompositeAlarm", "MetricAlarm"]
PAGE_SIZE = 100  # DescribeAlarmHistory MaxRecords: 1..100
_SUMMARY_PREFIX = "Alarm updated from "


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _change(item: Mapping[str, Any]) -> StateChange | None:
    """A state-update item as (old, new); None when it cannot be read (never counts as a transition)."""
    at = _utc(item.get("Timestamp"))
    if at is None:
        return None
    old = new = reason = ""
    try:
        data = json.loads(str(item.get("HistoryData") or "{}"))
        old = str(data.get("oldState", {}).get("stateValue", ""))
        new = str(data.get("newState", {}).get("stateValue", ""))
        reason = str(data.get("newState", {}).get("stateReason", ""))
    except (ValueError, AttributeError):
        pass
    summary = str(item.get("HistorySummary", ""))
    if not (old and new) and summary.startswith(_SUMMARY_PREFIX) and " to " in summary:
        old, new = summary[len(_SUMMARY_PREFIX):].split(" to ", 1)
    if not (old and new):
        return None
    return StateChange(str(item.get("AlarmName", "")), at, old.strip(), new.strip(), reason)


def _query(alarm_name: str, limit: int | None = None, **window: Any) -> list[StateChange]:
    kwargs: dict[str, Any] = {"AlarmName": alarm_name, "AlarmTypes": ALARM_TYPES, "HistoryItemType": "StateUpdate",
                              "MaxRecords": min(limit or PAGE_SIZE, PAGE_SIZE), **window}
    cw = client("cloudwatch")
    found: list[StateChange] = []
    while True:
        page = cw.describe_alarm_history(**kwargs)
        found.extend(c for c in (_change(i) for i in page.get("AlarmHistoryItems", [])) if c is not None)
        token = page.get("NextToken")
        if not token or (limit is not None and len(found) >= limit):
            return found[:limit] if limit is not None else found
        kwargs["NextToken"] = token


def changes_around(alarm_name: str, moment: datetime) -> list[StateChange]:
    """The alarm's state updates within TOLERANCE of ``moment``."""
    return _query(alarm_name, StartDate=moment - TOLERANCE, EndDate=moment + TOLERANCE)


def changes_next_to(alarm_name: str, moment: datetime) -> list[StateChange]:
    """The last state update before ``moment`` and the first one at or after it (what ``state_at`` needs)."""
    before = _query(alarm_name, limit=1, EndDate=moment - timedelta(milliseconds=1), ScanBy="TimestampDescending")
    after = _query(alarm_name, limit=1, StartDate=moment, ScanBy="TimestampAscending")
    return before + after
