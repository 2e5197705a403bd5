"""End to end, as packaged: one alarm transition → at most one case and one e-mail (SPEC §8.10)."""
from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.functional.processor_world import (
    ProcessorWorld,
    deepcopy,
    run,
)


def _arm(world: ProcessorWorld, child: str = "Throttles") -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    world.set_child(child)
    world.set_composite("ALARM")


def test_same_sns_message_twice_gives_one_case_and_one_email(world: ProcessorWorld, processor: Any,
                                                             aws_calls: Counter[str]) -> None:
    _arm(world)
    event = world.composite_event(["Throttles"])
    first = run(processor, deepcopy(event))
    second = run(processor, deepcopy(event))
    assert first["status"] == "processed" and second["status"] == "duplicate"
    assert second["case"] == first["case"]
    assert len(world.our_cases()) == 1 and len(world.emails()) == 1
    assert aws_calls["support:CreateCase"] == 1


def test_composite_and_child_event_of_one_transition_give_one_case(world: ProcessorWorld, processor: Any) -> None:
    _arm(world)
    composite = world.composite_event(["Throttles"])
    run(processor, composite)
    # The child's own event names the same child transition (same ARN, state and timestamp).
    import json
    child_ts = json.loads(composite["Records"][0]["Sns"]["Message"])["TriggeringChildren"][0]["State"]["Timestamp"]
    from datetime import datetime
    child = world.child_event("Throttles", at=datetime.strptime(child_ts, "%Y-%m-%dT%H:%M:%S.%f%z"))
    # Even if the composite looked older than the child (clock skew), the key is the same.
    world.aws.cloudwatch.composite(world.names.composite_alarm_name)["StateTransitionedTimestamp"] = \
        datetime(2000, 1, 1).astimezone()
    world.aws.cloudwatch.record_state_change(world.names.composite_alarm_name, "OK", "ALARM",
                                             datetime(2000, 1, 1).astimezone(), "CompositeAlarm")
    assert run(processor, child)["status"] == "duplicate"
    assert len(world.our_cases()) == 1 and len(world.emails()) == 1


def test_retry_after_email_failure_reuses_the_case(world: ProcessorWorld, processor: Any, fault: Any) -> None:
    _arm(world)
    event = world.composite_event(["Throttles"])
    fault.fail("sns", "Publish", "InternalError", status=500)
    with pytest.raises(ClientError, match="InternalError"):
        run(processor, deepcopy(event))
    retried = run(processor, deepcopy(event))  # Lambda's async retry: the record was released
    assert retried["status"] == "processed"
    [case] = world.our_cases()
    assert len(case.communications) == 1  # not appended to by the retry
    assert retried["case"]["status"] == "NEW" and retried["case"]["display_id"] == case.display_id
    assert len(world.emails()) == 1


def test_retry_after_email_failure_does_not_request_quotas_twice(world: ProcessorWorld, processor: Any,
                                                                 fault: Any) -> None:
    world.load_usage(rpm=9_500, tpm=3_000_000)
    world.set_child("Throttles")
    world.set_composite("ALARM")
    event = world.composite_event(["Throttles"])
    fault.fail("sns", "Publish", "InternalError", status=500)
    with pytest.raises(ClientError, match="InternalError"):
        run(processor, deepcopy(event))
    run(processor, deepcopy(event))
    assert len(world.aws.service_quotas.requests) == 1  # one request per alert, not repeated by the retry
    for follow_up in world.follow_ups():
        run(processor, follow_up)
    for request in world.aws.service_quotas.requests:
        case = world.aws.support.case(request.case_id)
        assert sum("Bedrock Ops Alert" in c.body for c in case.communications) == 1
    assert len(world.emails()) == 1


def test_redelivered_follow_up_appends_once(world: ProcessorWorld, processor: Any) -> None:
    world.load_usage(rpm=9_500, tpm=10)
    world.set_child("HighInvocationRate")
    world.set_composite("ALARM")
    run(processor, world.composite_event(["HighInvocationRate"]))
    [event] = world.follow_ups()
    assert run(processor, deepcopy(event))["results"][0]["status"] == "appended"
    assert run(processor, deepcopy(event))["results"][0]["status"] == "already_appended"


def test_two_alarms_back_to_back_open_one_case(world: ProcessorWorld, processor: Any) -> None:
    """Reserved concurrency 1 serialises them; the second finds the first's case."""
    _arm(world, "InvocationAnomaly")
    run(processor, world.composite_event(["InvocationAnomaly"]))
    world.set_child("Throttles")
    second = run(processor, world.child_event("Throttles"))
    assert second["case"]["status"] == "UPDATED"
    assert len(world.our_cases()) == 1 and len(world.emails()) == 2
