"""idempotency: one run per key; a failed run leaves the key retryable."""
from __future__ import annotations

from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError

from ops_alert_aws.idempotency import run_once
from tests.fakes import FakeLambdaContext, StandardFakes


@pytest.fixture
def table(aws: StandardFakes) -> str:
    boto3.client("dynamodb").create_table(
        TableName="idem", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    return "idem"


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

    # Powertools could not release the record: its error escapes, so Lambda retries the event.
    with pytest.raises(IdempotencyPersistenceLayerError, match="Failed to delete record"):
        run_once("k", work, table, FakeLambdaContext())
    aws.fault.clear()
