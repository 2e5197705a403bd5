"""idempotency: one run per key; a failed run leaves the key retryable."""
from __future__ import annotations

from typing import Any

import boto3
import pytest

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
