"""Every decision event a packaged handler puts must validate against the documented schema.

`PackagedFunctions.load` wraps each handler with `valid_decision_events_only`: the PutEvents calls
the handler made (from the fakes' call log) are checked for source, detail-type, the default bus
and a detail that validates against docs/decision-event.schema.json. So every functional test
that runs the processor also proves the events it emitted are what the README promises.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jsonschema  # a dependency of cfn-lint and moto (dev extra)

from tests.fakes.core import Call, checking_calls

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "decision-event.schema.json"
SOURCE = "bedrock-ops-alert"
DETAIL_TYPE = "Bedrock Ops Alert Decision"


@functools.lru_cache(maxsize=1)
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def problems(entry: dict[str, Any]) -> list[str]:
    """What is wrong with one PutEvents entry ([] when it is a valid decision event)."""
    found = []
    if (entry.get("Source"), entry.get("DetailType")) != (SOURCE, DETAIL_TYPE):
        found.append(f"source/detail-type {entry.get('Source')!r}/{entry.get('DetailType')!r}")
    if entry.get("EventBusName", "default") != "default":
        found.append(f"bus {entry.get('EventBusName')!r} is not the default bus")
    detail = json.loads(entry["Detail"])
    found += [f"{'/'.join(map(str, e.absolute_path)) or '(detail)'}: {e.message}"
              for e in validator().iter_errors(detail)]
    return found


def decision_entries(calls: Iterable[Call]) -> list[dict[str, Any]]:
    return [entry for c in calls if c.key == "events:PutEvents" for entry in c.params["Entries"]]


def valid_decision_events_only(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` that fails with AssertionError after putting an event the schema rejects."""

    def check(calls: list[Call]) -> None:
        wrong = [p for e in decision_entries(calls) for p in problems(e)]
        assert not wrong, f"decision event(s) do not match {SCHEMA_PATH.name}: {wrong}"

    return checking_calls(handler, check)
