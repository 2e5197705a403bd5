"""follow_up: messages round-trip, malformed ones are rejected, delays are bounded."""
from __future__ import annotations

import json
from typing import Any

import pytest

from ops_alert_aws.follow_up import MAX_DELAY_SECONDS, FollowUp, MalformedFollowUp, delay_for


def test_round_trip_and_next_attempt() -> None:
    item = FollowUp("r1", "L-1", "t1")
    assert "body" not in item.to_json()  # the text to append is stored, never carried
    assert FollowUp.from_json(item.to_json()) == item
    assert item.next_attempt().attempt == 2


@pytest.mark.parametrize(
    "text",
    ["not json", "[]", '{"kind": "other"}', '{"kind": "append_quota_context", "request_id": "r"}',
     '{"kind": "append_quota_context", "request_id": "", "quota_code": "q", '
     '"transition_id": "t", "attempt": 1}',
     '{"kind": "append_quota_context", "request_id": "r", "quota_code": "q", '
     '"transition_id": "t", "attempt": "x"}', "[" * 100_000 + "]" * 100_000],
    ids=["not-json", "not-object", "other-kind", "missing-fields", "empty-request-id", "bad-attempt", "nested-too-deeply"],
)
def test_malformed(text: str) -> None:
    with pytest.raises(MalformedFollowUp):
        FollowUp.from_json(text)


@pytest.mark.parametrize(("attempt", "delay"), [(1, 60), (2, 120), (4, 480), (5, 900), (100, 900)],
                         ids=["first", "second", "fourth", "capped", "late"])
def test_delays_grow_and_stay_within_sqs_limit(attempt: int, delay: int) -> None:
    assert delay_for(attempt) == delay <= MAX_DELAY_SECONDS


def test_context_and_attachments_are_stored_not_carried(aws: Any) -> None:
    """The message names the request and transition; text and attachments come from our table."""
    import boto3

    from ops_alert_aws.follow_up import StoredContext, store_context, stored_context

    boto3.client("dynamodb").create_table(
        TableName="idem", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    context = StoredContext("our body", ("Throttles",), graphs=(("rpm.png", '{"metrics": []}'),),
                            files=(("d.csv", "a,b\n"),))
    store_context("idem", "r1", "t1", context)
    assert stored_context("idem", "r1", "t1") == context
    assert stored_context("idem", "r1", "another transition") is None
    message = json.loads(FollowUp("r1", "L-1", "t1").to_json())
    assert not {"body", "graphs", "files"} & set(message)


def test_fields_a_forger_adds_are_ignored() -> None:
    forged = json.dumps({"kind": "append_quota_context", "request_id": "r1", "quota_code": "L-1",
                         "body": "pay now", "transition_id": "t1", "attempt": 1, "graphs": [["x", "y"]]})
    assert FollowUp.from_json(forged) == FollowUp("r1", "L-1", "t1")
