"""Exactly-once processing of one alarm transition (SPEC §8.10), with Powertools idempotency.

The key is the alarm transition (see the processor): the same SNS message delivered twice, a
Lambda retry of a completed run, or a composite notification and a child event for the same child
transition map to one DynamoDB record. Powertools writes an INPROGRESS record first (conditional
put), stores the result when the work returns, and deletes the record when the work raises, so a
failed run stays retryable. The in-progress record expires with the invocation's remaining time
(``register_lambda_context``), so a run killed by a timeout does not block its retry.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from ops_alert_aws.clients import client

# Long enough to cover SNS redelivery, the two async Lambda retries (up to 6 hours) and a manual
# redrive from the dead-letter queue a few days later; DynamoDB TTL removes expired records.
EXPIRES_AFTER_SECONDS = 7 * 24 * 3600
DUPLICATE_FLAG = "duplicate"


@dataclass(frozen=True)
class OnceResult:
    result: dict[str, Any]
    duplicate: bool  # True: an earlier run completed this key; ``result`` is what it returned
    # Set when the DynamoDB store failed and the work ran (or completed) without its guard: the
    # caller logs it. The alert matters more than exactly-once (SPEC §7); the case side stays
    # safe on a rerun through its markers.
    warning: str | None = None


def _mark_duplicate(response: Any, idempotent_data: DataRecord) -> Any:
    # Called by Powertools only when it returns a stored result instead of running the work.
    if isinstance(response, dict):
        return {**response, DUPLICATE_FLAG: True}
    return response


def run_once(key: str, work: Callable[[], dict[str, Any]], table: str, lambda_context: Any = None) -> OnceResult:
    """Run ``work`` unless a run for ``key`` completed before; the result must be JSON-serialisable."""
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=client("dynamodb"))
    config = IdempotencyConfig(
        event_key_jmespath="key",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        response_hook=_mark_duplicate,
    )
    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        config.register_lambda_context(lambda_context)

    ran: dict[str, Any] = {}  # "started" once the work runs, "result" once it returned

    @idempotent_function(data_keyword_argument="transition", persistence_store=persistence, config=config)
    def alarm_transition(transition: dict[str, str]) -> dict[str, Any]:
        ran["started"] = True
        ran["result"] = work()
        return ran["result"]

    try:
        result = alarm_transition(transition={"key": key})
    except IdempotencyPersistenceLayerError as exc:
        if "result" in ran:
            # The work completed; only recording it failed. Failing now would have Lambda retry
            # work that is done (a second e-mail once the in-progress record expires).
            return OnceResult(ran["result"], False, f"idempotency store failed after the work completed: {exc}")
        if ran.get("started"):
            raise  # the work itself failed (and clearing its record too): retry as usual
        # The store cannot be read or written before the work: run it unguarded rather than lose
        # the alert (a retry would most likely meet the same failure and dead-letter the event).
        return OnceResult(
            work(), False, f"idempotency store unavailable, processed without the exactly-once guard: {exc}")
    duplicate = bool(result.pop(DUPLICATE_FLAG, False)) if isinstance(result, dict) else False
    return OnceResult(result, duplicate)
