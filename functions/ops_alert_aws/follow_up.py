"""Work that must wait for AWS, moved out of the invocation (SPEC §8.9: no sleeping in Lambda).

Service Quotas opens the support case for an increase request asynchronously. Instead of
polling inside Lambda (the original slept for minutes, billed), the processor queues a message
on FOLLOW_UP_QUEUE_URL with a delay; the queue triggers the processor again, which appends its
context once the case exists, or re-queues with a longer delay, a bounded number of times.

The message names the request and the transition, nothing more (issue 9): the text appended to the
case is what the processor stored in its own DynamoDB table when it made the request, so a message
somebody else put on the queue can append nothing the processor did not write.
"""
from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ops_alert_aws.clients import client
from ops_alert_aws.idempotency import TTL_ATTRIBUTE

KIND_APPEND_QUOTA_CONTEXT = "append_quota_context"
MAX_DELAY_SECONDS = 900  # SQS DelaySeconds limit
FIRST_DELAY_SECONDS = 60
# Stored context outlives every retry: 120 attempts of at most 15 minutes is 30 hours; SQS keeps a
# message (and a redriven one) at most 14 days.
CONTEXT_TTL_SECONDS = 15 * 24 * 3600


class MalformedFollowUp(ValueError):
    """An SQS message that is not a follow-up this processor wrote."""


@dataclass(frozen=True)
class FollowUp:
    """Append the stored context of ``transition_id`` to the case Service Quotas opens for ``request_id``."""

    request_id: str
    quota_code: str
    transition_id: str  # marker checked before appending, so a redelivery never appends twice
    attempt: int = 1
    kind: str = KIND_APPEND_QUOTA_CONTEXT

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FollowUp:
        try:
            data = json.loads(text)
        except (TypeError, json.JSONDecodeError, RecursionError) as exc:  # RecursionError: nested too deeply
            raise MalformedFollowUp(f"follow-up body is not JSON: {exc}") from None
        if not isinstance(data, Mapping) or data.get("kind") != KIND_APPEND_QUOTA_CONTEXT:
            raise MalformedFollowUp(f"unknown follow-up message: {str(text)[:200]!r}")
        try:
            result = cls(
                request_id=str(data["request_id"]), quota_code=str(data["quota_code"]),
                transition_id=str(data["transition_id"]), attempt=int(data["attempt"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedFollowUp(f"follow-up message lacks a valid field: {exc}") from None
        if not result.request_id or not result.transition_id or result.attempt < 1:
            raise MalformedFollowUp("follow-up message has an empty request or transition ID, or attempt < 1")
        return result

    def next_attempt(self) -> FollowUp:
        return FollowUp(self.request_id, self.quota_code, self.transition_id, self.attempt + 1)


@dataclass(frozen=True)
class StoredContext:
    """What the processor stored for one follow-up: the communication, the alarm kinds it reports
    and what to attach when appending (issue 12): graphs as (file name, MetricWidget JSON) and text
    files as (file name, content), made at append time since an attachment set expires in an hour."""

    body: str
    kinds: tuple[str, ...]  # AlarmKind keys, for re-fire suppression on the case
    graphs: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    files: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def _context_id(request_id: str, transition_id: str) -> str:
    return f"follow-up#{request_id}#{transition_id}"


def store_context(table: str, request_id: str, transition_id: str, context: StoredContext) -> None:
    """Keep the communication for the follow-up in the processor's own table (the idempotency table)."""
    client("dynamodb").put_item(TableName=table, Item={
        "id": {"S": _context_id(request_id, transition_id)},
        "body": {"S": context.body},
        "kinds": {"L": [{"S": k} for k in context.kinds]},
        "attachments": {"S": json.dumps({"graphs": context.graphs, "files": context.files})},
        TTL_ATTRIBUTE: {"N": str(int(time.time()) + CONTEXT_TTL_SECONDS)},
    })


def stored_context(table: str, request_id: str, transition_id: str) -> StoredContext | None:
    """The context stored for this request and transition; None when the processor stored none."""
    item = client("dynamodb").get_item(
        TableName=table, Key={"id": {"S": _context_id(request_id, transition_id)}}, ConsistentRead=True,
    ).get("Item")
    if not item or "body" not in item:
        return None
    attachments = json.loads(item.get("attachments", {}).get("S", "{}"))
    return StoredContext(item["body"]["S"], tuple(k["S"] for k in item.get("kinds", {}).get("L", [])),
                         _pairs(attachments.get("graphs", [])), _pairs(attachments.get("files", [])))


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in value):
        raise ValueError("graphs and files must be lists of [name, text] pairs")
    return tuple((p[0], p[1]) for p in value)


def delay_for(attempt: int) -> int:
    """60 s, 120 s, 240 s, 480 s, then 900 s (SQS's maximum) for every later attempt."""
    return min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** max(attempt - 1, 0))


def schedule(queue_url: str, follow_up: FollowUp, delay_seconds: int | None = None) -> None:
    delay = delay_for(follow_up.attempt) if delay_seconds is None else delay_seconds
    client("sqs").send_message(QueueUrl=queue_url, MessageBody=follow_up.to_json(), DelaySeconds=delay)


def is_sqs_record(record: Any) -> bool:
    return isinstance(record, Mapping) and record.get("eventSource") == "aws:sqs"


def body_of(record: Mapping[str, Any]) -> str:
    body = record.get("body")
    if not isinstance(body, str):
        raise MalformedFollowUp("SQS record has no string 'body'")
    return body

