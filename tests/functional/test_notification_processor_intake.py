"""End to end, as packaged: what the processor accepts, ignores and rejects (SPEC §7, §8.7)."""
from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from tests.functional.processor_world import (
    ProcessorWorld,
    run,
    utc_now,
)


def _sns(message: Any) -> dict[str, Any]:
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": message}}]}


@pytest.mark.parametrize(
    "event",
    [
        _sns("{not json"),
        _sns(json.dumps(["a", "list"])),
        _sns(json.dumps({"AlarmName": "x"})),  # missing fields
        {"Records": []},
        {"hello": "world"},  # neither SNS nor EventBridge
        "just a string",
        {"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2", "detail": {}},
        {"Records": [{"eventSource": "aws:sqs", "body": "{\"kind\": \"unknown\"}"}]},
    ],
    ids=["malformed-json", "json-not-object", "missing-fields", "empty-records", "unknown-shape",
         "not-an-object", "other-eventbridge-event", "foreign-sqs-message"],
)
def test_bad_input_is_rejected_without_retry_or_side_effects(
    world: ProcessorWorld, processor: Any, event: Any, aws_calls: Counter[str]
) -> None:
    before = Counter(aws_calls)
    result = run(processor, event)  # no exception: retrying bad input cannot help
    statuses = [r["status"] for r in result.get("results", [result])]
    assert statuses == ["rejected"]
    # Nothing read, nothing written: the only call is the rejection's decision event (issue 13;
    # a foreign SQS message is a follow-up record, not a signal).
    assert +(aws_calls - before) in (Counter(), Counter({"events:PutEvents": 1}))
    assert world.emails() == []


def test_composite_of_another_stack_is_ignored(world: ProcessorWorld, processor: Any, aws_calls: Counter[str]) -> None:
    event = world.composite_event(["Throttles"], composite="Other-Bedrock-QuotaHealth-Composite-X")
    assert run(processor, event)["status"] == "ignored"
    assert world.emails() == [] and world.aws.support.cases == []


def test_child_of_another_stack_is_ignored(world: ProcessorWorld, processor: Any) -> None:
    event = world.child_event("Throttles", alarm_name="Other-Bedrock-Throttles-Critical-X")
    assert run(processor, event)["status"] == "ignored"


def test_transition_to_ok_is_ignored(world: ProcessorWorld, processor: Any) -> None:
    assert run(processor, world.composite_event(["Throttles"], state="OK"))["status"] == "ignored"


def test_unknown_children_are_named_but_known_ones_drive_the_decision(world: ProcessorWorld, processor: Any) -> None:
    world.set_child("ServerErrors")
    world.set_composite("ALARM")
    event = world.composite_event(["ServerErrors"])
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["TriggeringChildren"].append({"Arn": world.arn("Someone-Elses-Alarm")})
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    result = run(processor, event)
    assert result["scenario"] == "non_quota"
    assert "Someone-Elses-Alarm" in result["alarms"]


def test_composite_without_named_children_asks_describe_alarms(world: ProcessorWorld, processor: Any) -> None:
    world.set_child("ServerErrors")
    world.set_composite("ALARM")
    result = run(processor, world.composite_event([], at=utc_now() + timedelta(seconds=5)))
    assert result["alarms"] == [world.child_name("ServerErrors")]


def test_escalation_while_composite_in_alarm_is_processed(world: ProcessorWorld, processor: Any) -> None:
    """SPEC §8.7: the composite never notifies for a second child; its own event must count."""
    world.set_child("ServerErrors")
    world.set_composite("ALARM")
    run(processor, world.composite_event(["ServerErrors"]))
    world.emails()
    world.set_child("Throttles")
    result = run(processor, world.child_event("Throttles", at=utc_now() + timedelta(seconds=1)))
    assert result["status"] == "processed"
    assert result["alarms"] == [world.child_name("Throttles")]
    [email] = world.emails()
    assert email["subject"].startswith("[CRITICAL]") and email["subject"].endswith("Quota Request")


@pytest.mark.parametrize("composite_state", ["OK", "ALARM-later"], ids=["composite-not-yet", "composite-after-child"])
def test_child_event_covered_by_the_composite_notification_is_skipped(
    world: ProcessorWorld, processor: Any, composite_state: str, aws_calls: Counter[str]
) -> None:
    world.set_child("Throttles")
    at = utc_now() - timedelta(seconds=30)
    if composite_state == "ALARM-later":
        world.set_composite("ALARM")  # transitioned after the child's event time
    result = run(processor, world.child_event("Throttles", at=at))
    assert result["status"] == "covered_by_composite"
    assert world.emails() == [] and aws_calls["dynamodb:PutItem"] == 0
    # ...and the composite notification that follows is processed (not mistaken for a duplicate).
    world.set_composite("ALARM")
    assert run(processor, world.composite_event(["Throttles"]))["status"] == "processed"


# --- a composite ALARM with no identifiable child (SPEC §7: the alarm was real, so e-mail) ------


def _unidentified(world: ProcessorWorld) -> dict[str, Any]:
    """The composite went to ALARM, but its message names no child and every child is OK again."""
    world.set_composite("ALARM")
    event = world.composite_event(())
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["NewStateReason"] = "ALARM(...) was evaluated"
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def test_unidentified_composite_alarm_still_emails_the_team_without_a_case(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    result = run(processor, _unidentified(world))

    assert result["status"] == "no_child_identified" and result["email"] == "sent"
    assert aws_calls["support:CreateCase"] == 0 and aws_calls["service-quotas:RequestServiceQuotaIncrease"] == 0
    [email] = world.emails()
    assert email["subject"] == f"[WARNING] {world.names.customer} - Bedrock Ops Alert - {world.names.model} - Unidentified alarm"
    assert world.names.composite_alarm_name in email["body"]
    assert "No support case was opened" in email["body"]
    assert f"{world.child_name('Throttles')}: OK" in " ".join(email["body"].split())


def test_unidentified_composite_alarm_is_emailed_once(world: ProcessorWorld, processor: Any) -> None:
    event = _unidentified(world)
    assert run(processor, event)["email"] == "sent"
    assert run(processor, event)["status"] == "duplicate"
    assert len(world.emails()) == 1


def test_unidentified_composite_alarm_follows_the_notification_preference(world: ProcessorWorld, processor: Any) -> None:
    import boto3
    boto3.client("ssm").put_parameter(Name=world.names.ssm("notification-preference"), Value="critical",
                                      Type="String", Overwrite=True)
    assert run(processor, _unidentified(world))["email"] == "filtered"
    assert world.emails() == []
