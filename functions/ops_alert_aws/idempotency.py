"""Exactly-once processing of one alarm transition (SPEC §8.10): one DynamoDB record per key.

The key is the alarm transition (see the processor): the same SNS message delivered twice, a
Lambda retry of a completed run, or a composite notification and a child event for the same child
transition map to one DynamoDB record. A run first writes an INPROGRESS record (conditional put),
stores the result (COMPLETED) when the work returns, and deletes the record when the work raises,
so a failed run stays retryable. The in-progress record expires with the invocation's remaining
time, so a run killed by a timeout does not block its retry.

The records are the ones AWS Lambda Powertools' idempotency utility wrote before (same item key,
``"<function name>.ops_alert_aws.idempotency.run_once.<locals>.alarm_transition#<md5 of the key>"``,
same attributes ``id``, ``expiration``, ``in_progress_expiration``, ``status``, ``data``, same
condition), so records written before an upgrade keep deduplicating after it
(tests/adapters/test_idempotency.py checks both directions). Importing Powertools' utility cost
about 15 ms of every cold start and pulled in boto3 (README "Speed and cost").
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ops_alert_aws.clients import client

# Long enough to cover SNS redelivery, the two async Lambda retries (up to 6 hours) and a manual
# redrive from the dead-letter queue a few days later; DynamoDB TTL removes expired records.
EXPIRES_AFTER_SECONDS = 7 * 24 * 3600
INPROGRESS, COMPLETED = "INPROGRESS", "COMPLETED"
# The table's TTL attribute (templates/stores.py): every item of the table carries it, the
# re-notify state's (renotify_state) and the follow-ups' stored context (follow_up) too.
TTL_ATTRIBUTE = "expiration"
# The name Powertools gave this unit of work (module and qualified name of the function it wrapped):
# part of every record's key, kept so that records written before the switch stay valid.
_WORK_NAME = "ops_alert_aws.idempotency.run_once.<locals>.alarm_transition"
_PUT_CONDITION = ("attribute_not_exists(#id) OR #expiry < :now OR "
                  "(#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)")
_RETRIES_ON_INCONSISTENT_STATE = 2  # the record vanished or expired between the put and the read (as Powertools)


class IdempotencyError(Exception):
    """``message - (cause)``, as Powertools printed its errors."""

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message if cause is None else f"{message} - ({cause})")


class IdempotencyPersistenceLayerError(IdempotencyError):
    """The DynamoDB store could not be read or written."""


class IdempotencyAlreadyInProgressError(IdempotencyError):
    """Another invocation is working on this key now (its in-progress record has not expired)."""


class IdempotencyInconsistentStateError(IdempotencyError):
    """The record vanished or expired between the put and the read, on every attempt: retry the event."""


class IdempotencyKeyError(IdempotencyError):
    """An empty key: nothing to deduplicate on."""


@dataclass(frozen=True)
class OnceResult:
    result: dict[str, Any]
    duplicate: bool  # True: an earlier run completed this key; ``result`` is what it returned
    # Set when the DynamoDB store failed and the work ran (or completed) without its guard: the
    # caller logs it. The alert matters more than exactly-once (SPEC §7); the case side stays
    # safe on a rerun through its markers.
    warning: str | None = None


def record_key(key: str) -> str:
    """The DynamoDB ``id`` of the record for ``key``."""
    digest = hashlib.md5(json.dumps(key, sort_keys=True).encode(), usedforsecurity=False).hexdigest()
    return f"{os.environ.get('AWS_LAMBDA_FUNCTION_NAME', 'test-func')}.{_WORK_NAME}#{digest}"


class _Store:
    def __init__(self, table: str, key: str) -> None:
        self.table = table
        self.item_key = {"id": {"S": record_key(key)}}
        self.ddb = client("dynamodb")

    def put_in_progress(self, remaining_ms: int | None) -> Mapping[str, Any] | None:
        """Claim the key; None when claimed, else the record in the way. Any other failure of the
        put is an IdempotencyPersistenceLayerError (as a failed read of the record in the way)."""
        now = time.time()
        item: dict[str, Any] = {**self.item_key, TTL_ATTRIBUTE: {"N": str(int(now + EXPIRES_AFTER_SECONDS))},
                                "status": {"S": INPROGRESS}}
        if remaining_ms is not None:
            item["in_progress_expiration"] = {"N": str(int((now + remaining_ms / 1000) * 1000))}
        try:
            self.ddb.put_item(
                TableName=self.table, Item=item, ConditionExpression=_PUT_CONDITION,
                ExpressionAttributeNames={"#id": "id", "#expiry": TTL_ATTRIBUTE,
                                          "#in_progress_expiry": "in_progress_expiration", "#status": "status"},
                ExpressionAttributeValues={":now": {"N": str(int(now))}, ":now_in_millis": {"N": str(int(now * 1000))},
                                           ":inprogress": {"S": INPROGRESS}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except Exception as exc:
            if not isinstance(exc, ClientError) or \
                    exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise IdempotencyPersistenceLayerError("Failed to save in progress record to idempotency store",
                                                       exc) from exc
            old: Any = exc.response.get("Item")  # the record in the way (ReturnValuesOnConditionCheckFailure)
            return old if old is not None else self.read()
        return None

    def read(self) -> Mapping[str, Any]:
        try:
            found: Any = self.ddb.get_item(TableName=self.table, Key=self.item_key, ConsistentRead=True).get("Item")
        except Exception as exc:
            raise IdempotencyPersistenceLayerError("Failed to get record from idempotency store", exc) from exc
        if found is None:
            raise IdempotencyInconsistentStateError("save_inprogress and get_record return inconsistent results.")
        return found

    def complete(self, result: dict[str, Any]) -> None:
        self.ddb.update_item(
            TableName=self.table, Key=self.item_key,
            UpdateExpression="SET #response_data = :response_data, #expiry = :expiry, #status = :status",
            ExpressionAttributeNames={"#expiry": TTL_ATTRIBUTE, "#response_data": "data", "#status": "status"},
            ExpressionAttributeValues={":expiry": {"N": str(int(time.time() + EXPIRES_AFTER_SECONDS))},
                                       ":response_data": {"S": json.dumps(result, sort_keys=True)},
                                       ":status": {"S": COMPLETED}})

    def delete(self) -> None:
        self.ddb.delete_item(TableName=self.table, Key=self.item_key)


def _stored_result(old: Mapping[str, Any]) -> dict[str, Any]:
    """The result of a completed earlier run; raises while one is in progress."""
    now = time.time()
    if int(old[TTL_ATTRIBUTE]["N"]) < now:  # expired: the next put replaces it
        raise IdempotencyInconsistentStateError("save_inprogress and get_record return inconsistent results.")
    status = old["status"]["S"]
    if status == INPROGRESS:
        in_progress_until = old.get("in_progress_expiration", {}).get("N")
        if in_progress_until is not None and int(in_progress_until) < int(now * 1000):
            raise IdempotencyInconsistentStateError(
                "item should have been expired in-progress because it already time-outed.")
        raise IdempotencyAlreadyInProgressError(f"Execution already in progress with idempotency key: key={old['id']['S']}")
    data = old.get("data", {}).get("S")
    stored = json.loads(data) if data else None
    return stored if isinstance(stored, dict) else {}


def _claim_or_stored(store: _Store, remaining_ms: int | None) -> dict[str, Any] | None:
    """None when this run claimed the key; the earlier result when a run completed it."""
    retries = 0
    while True:
        try:
            old = store.put_in_progress(remaining_ms)
            return None if old is None else _stored_result(old)
        except IdempotencyInconsistentStateError:
            retries += 1
            if retries > _RETRIES_ON_INCONSISTENT_STATE:
                raise


def run_once(key: str, work: Callable[[], dict[str, Any]], table: str, lambda_context: Any = None) -> OnceResult:
    """Run ``work`` unless a run for ``key`` completed before; the result must be JSON-serialisable."""
    if not key:
        raise IdempotencyKeyError("No data found to create a hashed idempotency_key")
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    store = _Store(table, key)
    try:
        earlier = _claim_or_stored(store, remaining() if callable(remaining) else None)
    except IdempotencyPersistenceLayerError as exc:
        # The store cannot be read or written before the work: run it unguarded rather than lose
        # the alert (a retry would most likely meet the same failure and dead-letter the event).
        return OnceResult(work(), False, f"idempotency store unavailable, processed without the exactly-once guard: {exc}")
    if earlier is not None:
        return OnceResult(earlier, True)
    try:
        result = work()
    except Exception:
        try:
            store.delete()  # the work failed: leave the key retryable
        except Exception as exc:
            # The record could not be released: this error escapes, so Lambda retries the event
            # once the in-progress record expires.
            raise IdempotencyPersistenceLayerError("Failed to delete record from idempotency store", exc) from exc
        raise
    try:
        store.complete(result)
    except Exception as exc:  # noqa: BLE001 - any store failure: the alert went out, report it instead
        # The work completed; only recording it failed. Failing now would have Lambda retry
        # work that is done (a second e-mail once the in-progress record expires).
        return OnceResult(result, False, f"idempotency store failed after the work completed: "
                          f"{IdempotencyPersistenceLayerError('Failed to update record state to success in idempotency store', exc)}")
    return OnceResult(result, False)
