"""Put a decision event on the default EventBridge bus (issue 13): one PutEvents call per signal."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ops_alert.decision_event import decision_entry
from ops_alert_aws.clients import client


class DecisionEventNotPut(RuntimeError):
    """EventBridge did not take the event (an entry-level failure: PutEvents itself succeeded)."""


def put_decision_event(detail: Mapping[str, Any]) -> str:
    """Put the event; returns its EventBridge ID.

    Raises on any failure, including an entry EventBridge reports as failed (throttled entries come
    back that way, not as an exception): the caller logs and counts it, never losing the alert.
    """
    response = client("events").put_events(Entries=[decision_entry(dict(detail))])
    [entry] = response.get("Entries") or [{}]
    if response.get("FailedEntryCount") or "EventId" not in entry:
        raise DecisionEventNotPut(f"{entry.get('ErrorCode', 'no EventId')}: {entry.get('ErrorMessage', '')}".rstrip(": "))
    return str(entry["EventId"])
