"""idempotency: one run per key; a failed run leaves the key retryable."""
from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

from ops_alert_aws import idempotency
from ops_alert_aws.idempotency import IdempotencyPersistenceLayerError, run_once
from tests.fakes import FakeLambdaContext, StandardFakes


def test_second_run_returns_the_stored_result(table: str) -> None:
    runs: list[int] = []

    def work() -> dict[str, Any]:
        runs.append(1)
        return {"status": "processed", "n": len(runs)}

    first = run_once("k", work, table, FakeLambdaContext())
    second = run_once("k", work, table, FakeLambdaContext())
    other = run_once("k2", work, table, FakeLambdaContext())
    assert (first.duplicate, second.duplicate, other.duplicate) == (False, True, False)
    assert second.result == first.result == {"status": "processed", "n": 1}
    assert len(runs) == 2


def test_failed_run_can_be_retried(table: str) -> None:
    attempts: list[int] = []

    def work() -> dict[str, Any]:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("SNS down")
        return {"status": "processed"}

    with pytest.raises(RuntimeError):
        run_once("k", work, table, FakeLambdaContext())
    assert run_once("k", work, table, FakeLambdaContext()).duplicate is False
    assert len(attempts) == 2


def test_unavailable_idempotency_store_still_runs_the_work(aws: StandardFakes) -> None:
    # DynamoDB failing (here: the table is missing) must not stop the alert: the work runs once,
    # without the exactly-once guard, and the caller is told why.
    runs: list[int] = []

    def work() -> dict[str, Any]:
        runs.append(1)
        return {"status": "processed"}

    once = run_once("k", work, "no-such-table", FakeLambdaContext())
    assert once.result == {"status": "processed"} and once.duplicate is False
    assert once.warning and "idempotency" in once.warning.lower()
    assert len(runs) == 1


def test_failure_to_store_the_result_does_not_fail_a_completed_run(table: str, aws: StandardFakes) -> None:
    # The e-mail went out; only saving the COMPLETED record failed. Raising would make Lambda
    # retry a run whose work is done (a second e-mail once the in-progress record expires).
    runs: list[int] = []

    def work() -> dict[str, Any]:
        runs.append(1)
        aws.fault.fail("dynamodb", "UpdateItem", "InternalServerError", status=500, times=None)
        return {"status": "processed"}

    once = run_once("k", work, table, FakeLambdaContext())
    aws.fault.clear()
    assert once.result == {"status": "processed"} and once.duplicate is False
    assert once.warning
    assert len(runs) == 1


def test_work_failure_is_not_swallowed_when_the_store_also_fails(table: str, aws: StandardFakes) -> None:
    def work() -> dict[str, Any]:
        aws.fault.fail("dynamodb", "DeleteItem", "InternalServerError", status=500, times=None)
        raise RuntimeError("SNS down")

    # The record could not be released: the error escapes, so Lambda retries the event.
    with pytest.raises(IdempotencyPersistenceLayerError, match="Failed to delete record"):
        run_once("k", work, table, FakeLambdaContext())
    aws.fault.clear()


def _powertools_run(key: str, work: Any, table: str) -> Any:
    """The processor's unit of work as it ran under Powertools' idempotency (before this module)."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from ops_alert_aws import clients

    def alarm_transition(transition: dict[str, str]) -> Any:
        return work()

    # The name Powertools derived from the wrapped function, part of every record's key.
    alarm_transition.__module__, alarm_transition.__qualname__ = "ops_alert_aws.idempotency", "run_once.<locals>.alarm_transition"
    config = IdempotencyConfig(event_key_jmespath="key", raise_on_no_idempotency_key=True,
                               expires_after_seconds=idempotency.EXPIRES_AFTER_SECONDS)
    config.register_lambda_context(FakeLambdaContext())
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=clients.client("dynamodb"))
    wrapped = idempotent_function(data_keyword_argument="transition", persistence_store=persistence, config=config)(
        alarm_transition)
    return wrapped(transition={"key": key})


def _items(table: str) -> dict[str, dict[str, Any]]:
    return {i["id"]["S"]: i for i in boto3.client("dynamodb").scan(TableName=table)["Items"]}


def test_records_written_before_the_upgrade_still_deduplicate(table: str) -> None:
    # A transition handled by the previous version (Powertools) just before a deployment, redelivered after it.
    assert _powertools_run("k", lambda: {"status": "processed", "by": "before"}, table) == {"status": "processed", "by": "before"}
    again = run_once("k", lambda: pytest.fail("ran twice"), table, FakeLambdaContext())
    assert (again.duplicate, again.result) == (True, {"status": "processed", "by": "before"})


def test_records_written_now_are_the_ones_powertools_wrote(table: str) -> None:
    run_once("ours", lambda: {"status": "processed", "n": [1, 2]}, table, FakeLambdaContext())
    _powertools_run("theirs", lambda: {"status": "processed", "n": [1, 2]}, table)
    items = _items(table)
    ours, theirs = items[idempotency.record_key("ours")], items[idempotency.record_key("theirs")]
    assert {k: sorted(v) for k, v in ours.items()} == {k: sorted(v) for k, v in theirs.items()}  # names and types
    assert (ours["status"], ours["data"]) == (theirs["status"], theirs["data"]) == (
        {"S": "COMPLETED"}, {"S": '{"n": [1, 2], "status": "processed"}'})
    assert abs(int(ours["expiration"]["N"]) - int(theirs["expiration"]["N"])) <= 2
    # ... and the previous version, were it rolled back, would honour them too.
    assert _powertools_run("ours", lambda: pytest.fail("ran twice"), table) == {"status": "processed", "n": [1, 2]}


def test_a_run_in_progress_elsewhere_is_not_run_again(table: str) -> None:
    seen: list[Any] = []

    def work() -> dict[str, Any]:
        with pytest.raises(idempotency.IdempotencyAlreadyInProgressError, match="already in progress"):
            run_once("k", lambda: pytest.fail("ran while in progress"), table, FakeLambdaContext())
        seen.append(_items(table)[idempotency.record_key("k")])
        return {"status": "processed"}

    assert run_once("k", work, table, FakeLambdaContext()).duplicate is False
    in_progress = seen[0]
    assert in_progress["status"] == {"S": "INPROGRESS"} and "data" not in in_progress
    # It expires with the invocation's remaining time (FakeLambdaContext: 300 s), not the record's 7 days.
    assert 0 < int(in_progress["in_progress_expiration"]["N"]) / 1000 - time.time() <= 300


def test_an_in_progress_record_of_a_timed_out_run_does_not_block_the_retry(table: str) -> None:
    key = idempotency.record_key("k")
    boto3.client("dynamodb").put_item(TableName=table, Item={
        "id": {"S": key}, "status": {"S": "INPROGRESS"}, "expiration": {"N": str(int(time.time()) + 3600)},
        "in_progress_expiration": {"N": str(int(time.time() * 1000) - 1000)}})
    once = run_once("k", lambda: {"status": "processed"}, table, FakeLambdaContext())
    assert (once.duplicate, once.result, once.warning) == (False, {"status": "processed"}, None)
    assert _items(table)[key]["status"] == {"S": "COMPLETED"}


def test_an_expired_completed_record_runs_the_work_again(table: str) -> None:
    key = idempotency.record_key("k")
    boto3.client("dynamodb").put_item(TableName=table, Item={
        "id": {"S": key}, "status": {"S": "COMPLETED"}, "expiration": {"N": str(int(time.time()) - 10)},
        "data": {"S": '{"status": "old"}'}})
    assert run_once("k", lambda: {"status": "new"}, table, FakeLambdaContext()).result == {"status": "new"}


def test_an_empty_key_is_refused(table: str) -> None:
    with pytest.raises(idempotency.IdempotencyKeyError):
        run_once("", lambda: pytest.fail("ran"), table, FakeLambdaContext())


def _put(table: str, status: str, *, expires_in: int = 3600, in_progress_ms: int | None = None,
         data: str | None = None) -> None:
    item: dict[str, Any] = {"id": {"S": idempotency.record_key("k")}, "status": {"S": status},
                            "expiration": {"N": str(int(time.time()) + expires_in)}}
    if in_progress_ms is not None:
        item["in_progress_expiration"] = {"N": str(int(time.time() * 1000) + in_progress_ms)}
    if data is not None:
        item["data"] = {"S": data}
    boto3.client("dynamodb").put_item(TableName=table, Item=item)


# A conditional-check failure whose reply lacks the record in the way (ReturnValuesOnConditionCheckFailure
# unsupported, or the reply trimmed): the record is read instead, as Powertools did.
CONDITION_FAILED = ("dynamodb", "PutItem", "ConditionalCheckFailedException")


def test_a_refused_claim_without_the_record_in_the_reply_reads_it(table: str, aws: StandardFakes) -> None:
    _put(table, "COMPLETED", data='{"status": "processed"}')
    aws.fault.fail(*CONDITION_FAILED)
    once = run_once("k", lambda: pytest.fail("ran twice"), table, FakeLambdaContext())
    assert (once.duplicate, once.result) == (True, {"status": "processed"})


def test_a_record_that_vanishes_after_a_refused_claim_is_claimed_again(table: str, aws: StandardFakes) -> None:
    # Refused (the record was there), then gone when read (deleted by its failed run): try again.
    aws.fault.fail(*CONDITION_FAILED, times=1)
    once = run_once("k", lambda: {"status": "processed"}, table, FakeLambdaContext())
    assert (once.duplicate, once.result, once.warning) == (False, {"status": "processed"}, None)


def test_a_store_that_keeps_contradicting_itself_fails_the_invocation(table: str, aws: StandardFakes) -> None:
    # Refused on every attempt yet never there: Lambda retries the event later (Powertools' behaviour).
    aws.fault.fail(*CONDITION_FAILED, times=None)
    with pytest.raises(idempotency.IdempotencyInconsistentStateError):
        run_once("k", lambda: pytest.fail("ran"), table, FakeLambdaContext())
    aws.fault.clear()


@pytest.mark.parametrize(("status", "expires_in", "in_progress_ms"), [
    ("COMPLETED", -10, None),  # expired: the next claim replaces it
    ("INPROGRESS", 3600, -1000),  # its run timed out
], ids=["expired-record", "timed-out-run"])
def test_a_stale_record_read_after_a_refused_claim_is_claimed_on_the_next_attempt(
        table: str, aws: StandardFakes, status: str, expires_in: int, in_progress_ms: int | None) -> None:
    _put(table, status, expires_in=expires_in, in_progress_ms=in_progress_ms, data='{"status": "old"}')
    aws.fault.fail(*CONDITION_FAILED, times=1)
    assert run_once("k", lambda: {"status": "new"}, table, FakeLambdaContext()).result == {"status": "new"}


def test_the_store_unreadable_after_a_refused_claim_still_runs_the_work(table: str, aws: StandardFakes) -> None:
    aws.fault.fail(*CONDITION_FAILED, times=1)
    aws.fault.fail("dynamodb", "GetItem", "InternalServerError", status=500, times=None)
    once = run_once("k", lambda: {"status": "processed"}, table, FakeLambdaContext())
    aws.fault.clear()
    assert once.result == {"status": "processed"} and "Failed to get record" in (once.warning or "")


def test_without_a_lambda_context_the_in_progress_record_has_no_early_expiry(table: str) -> None:
    seen: list[Any] = []

    def work() -> dict[str, Any]:
        seen.append(_items(table)[idempotency.record_key("k")])
        return {"status": "processed"}

    run_once("k", work, table)
    assert "in_progress_expiration" not in seen[0] and seen[0]["status"] == {"S": "INPROGRESS"}
