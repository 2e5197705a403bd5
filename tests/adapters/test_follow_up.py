"""follow_up: messages round-trip, malformed ones are rejected, delays are bounded."""
from __future__ import annotations

import json

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
     '"transition_id": "t", "attempt": "x"}'],
    ids=["not-json", "not-object", "other-kind", "missing-fields", "empty-request-id", "bad-attempt"],
)
def test_malformed(text: str) -> None:
    with pytest.raises(MalformedFollowUp):
        FollowUp.from_json(text)


@pytest.mark.parametrize(("attempt", "delay"), [(1, 60), (2, 120), (4, 480), (5, 900), (100, 900)],
                         ids=["first", "second", "fourth", "capped", "late"])
def test_delays_grow_and_stay_within_sqs_limit(attempt: int, delay: int) -> None:
    assert delay_for(attempt) == delay <= MAX_DELAY_SECONDS


def test_attachments_travel_with_the_follow_up_and_older_messages_still_read() -> None:
    item = FollowUp("r1", "L-1", "body", "t1", graphs=(("rpm.png", '{"metrics": []}'),), files=(("d.csv", "a,b\n"),))
    again = FollowUp.from_json(item.to_json())
    assert again == item and again.next_attempt().graphs == item.graphs
    old = json.dumps({"kind": "append_quota_context", "request_id": "r1", "quota_code": "L-1", "body": "b",
                      "transition_id": "t1", "attempt": 1})
    assert FollowUp.from_json(old).graphs == ()


def test_malformed_attachments_are_rejected() -> None:
    bad = json.dumps({"kind": "append_quota_context", "request_id": "r1", "quota_code": "L-1", "body": "b",
                      "transition_id": "t1", "attempt": 1, "graphs": [["only-a-name"]]})
    with pytest.raises(MalformedFollowUp, match="lacks a valid field"):
        FollowUp.from_json(bad)
