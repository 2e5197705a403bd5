"""The Amazon Q Developer custom-notification format as a validator (custom-notification.schema.json).

``problems(message)`` lists what would make Amazon Q Developer in chat applications drop a chat
message (or a platform cut it): the schema's rules, the SNS message being JSON text, and its size.
Used by the builder's unit tests, by every functional test through the packaged processor (each
SNS Publish to a chat topic is checked, ``valid_chat_messages_only``) and by the preview tests.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jsonschema

from tests.fakes.core import Call, checking_calls

SCHEMA_PATH = Path(__file__).with_name("custom-notification.schema.json")
MAX_SNS_MESSAGE_BYTES = 256 * 1024  # Amazon SNS
MAX_MESSAGE_BYTES = 32 * 1024  # ours: far inside every platform's limit
CHAT_TOPIC_MARK = "-Bedrock-Alarms-Chat-"  # ops_alert.names.StackNames.chat_topic_name


@functools.lru_cache(maxsize=1)
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def problems(message: Any) -> list[str]:
    """What is wrong with a chat message: a dict, or the SNS ``Message`` text ([] when it would be delivered)."""
    if isinstance(message, str):
        size = len(message.encode("utf-8"))
        if size > MAX_SNS_MESSAGE_BYTES:
            return [f"{size} bytes: SNS takes at most {MAX_SNS_MESSAGE_BYTES}"]
        try:
            message = json.loads(message)
        except ValueError as exc:
            return [f"not JSON: {exc}"]
    size = len(json.dumps(message, separators=(",", ":")).encode("utf-8"))
    found = [f"{size} bytes: more than {MAX_MESSAGE_BYTES}"] if size > MAX_MESSAGE_BYTES else []
    return found + [f"{'/'.join(map(str, e.absolute_path)) or '(message)'}: {e.message}"
                    for e in validator().iter_errors(message)]


def chat_publishes(calls: Iterable[Call]) -> list[str]:
    """The ``Message`` of every SNS Publish to a stack's chat topic."""
    return [c.params["Message"] for c in calls
            if c.key == "sns:Publish" and CHAT_TOPIC_MARK in str(c.params.get("TopicArn", ""))]


def valid_chat_messages_only(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` that fails with AssertionError after publishing a chat message the format would drop."""

    def check(calls: list[Call]) -> None:
        wrong = [p for m in chat_publishes(calls) for p in problems(m)]
        assert not wrong, f"chat message(s) do not match {SCHEMA_PATH.name}: {wrong}"

    return checking_calls(handler, check)
