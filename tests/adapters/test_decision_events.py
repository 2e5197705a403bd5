"""PutEvents for the decision event: entry-level failures are failures too (issue 13)."""
from __future__ import annotations

from collections import Counter

import pytest
from botocore.stub import Stubber

from ops_alert_aws import clients
from ops_alert_aws.decision_events import DecisionEventNotPut, put_decision_event
from tests.fakes import StandardFakes


def test_the_event_is_put_on_the_default_bus(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    assert put_decision_event({"outcome": "ignored"})
    assert aws_calls["events:PutEvents"] == 1
    [call] = [c for c in aws.log if c.key == "events:PutEvents"]
    [entry] = call.params["Entries"]
    assert (entry["Source"], entry["EventBusName"]) == ("bedrock-ops-alert", "default")


def test_a_throttled_entry_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    """EventBridge reports a throttled entry in a successful response (FailedEntryCount), not as an error."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clients.reset()
    events = clients.client("events")
    with Stubber(events) as stub:
        stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": [
            {"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"}]})
        with pytest.raises(DecisionEventNotPut, match="ThrottlingException: Rate exceeded"):
            put_decision_event({"outcome": "ignored"})
    clients.reset()
