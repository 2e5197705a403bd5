"""Events in the shapes AWS sends them, as JSON (copied from the spec's events/, example values).

- ``composite-alarm-sns.json``: the SNS record the composite alarm's topic delivers; its ``Message``
  is the CloudWatch alarm notification as a JSON string.
- ``eventbridge-alarm-state-change.json``: EventBridge's "CloudWatch Alarm State Change" of a child.
Every call returns a fresh copy, so a test may change it freely.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent


def load(name: str) -> dict[str, Any]:
    """``load("composite-alarm-sns")``: the event of ``tests/events/<name>.json``."""
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


def composite_sns_record() -> dict[str, Any]:
    """The composite alarm's SNS event (``Records`` of one SNS record)."""
    return load("composite-alarm-sns")


def composite_message() -> dict[str, Any]:
    """The CloudWatch notification inside the composite alarm's SNS record, decoded."""
    message: dict[str, Any] = json.loads(composite_sns_record()["Records"][0]["Sns"]["Message"])
    return message


def child_state_change() -> dict[str, Any]:
    """EventBridge's "CloudWatch Alarm State Change" event of a child alarm."""
    return load("eventbridge-alarm-state-change")
