"""End to end, as packaged: fire drills (make drill, issue 13 part 4).

A drill runs the whole alert (usage, scenario, case decision, quota decision, content) and writes
nothing to AWS Support or Service Quotas: the fakes' call log shows no such write, the e-mail is
marked [DRILL] and the decision event lists what a real alert would have done. Only the armed token
in CloudWatch's record makes a drill; a forged or expired one is a real alert, handled as such.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import boto3
import pytest

from ops_alert.drill import DrillToken, state_reason
from tests.functional.processor_world import ProcessorWorld, run, utc_now

TOKEN = "0123456789abcdef0123456789abcdef"
FORGED = "fedcba9876543210fedcba9876543210"
READS = ("Describe", "List", "Get")


def _arm(world: ProcessorWorld, child: str = "Throttles", *, token: str = TOKEN,
         expires_in: timedelta = timedelta(minutes=10)) -> None:
    """What make drill writes first: the token, for one child alarm, for minutes."""
    now = utc_now()
    issued = min(now, now + expires_in) - timedelta(minutes=1)
    armed = DrillToken(token, world.child_name(child), issued, now + expires_in)
    boto3.client("ssm").put_parameter(Name=world.names.drill_token_parameter, Value=armed.to_json(),
                                      Type="String", Overwrite=True)


def _writes(calls: Counter[str]) -> dict[str, int]:
    """Support and Service Quotas writes, and the follow-ups that would lead to more."""
    return {k: v for k, v in calls.items()
            if (k.startswith(("support:", "service-quotas:")) and not k.split(":")[1].startswith(READS))
            or k.startswith("sqs:Send")}


def _drill_event(world: ProcessorWorld, child: str = "Throttles", reason_token: str = TOKEN) -> dict[str, Any]:
    """What make drill sets off: SetAlarmState on the child naming the token; the composite's notification."""
    reason = state_reason(reason_token, "fire drill")
    world.client("cloudwatch").set_alarm_state(AlarmName=world.child_name(child), StateValue="ALARM",
                                               StateReason=reason)
    world.set_composite("ALARM")
    return world.composite_event([child], reason=reason)


def _fire_drill(world: ProcessorWorld, processor: Any, child: str = "Throttles", reason_token: str = TOKEN) -> Any:
    return run(processor, _drill_event(world, child, reason_token))


def test_a_drill_runs_the_whole_alert_and_writes_nothing_to_support_or_service_quotas(
        world: ProcessorWorld, processor: Any, aws_calls: Counter[str]) -> None:
    world.load_usage(rpm=9_500, tpm=6_000_000)  # high usage: a real alert would request an increase
    _arm(world)
    result = _fire_drill(world, processor)

    assert _writes(aws_calls) == {}
    assert world.aws.service_quotas.requests == [] and world.our_cases() == [] and world.follow_ups() == []
    # The whole pipeline ran: usage, scenario, quota decision, the graphs rendered, the Support reads.
    assert (result["scenario"], result["severity"], result["case"]["status"]) == ("high_usage", "CRITICAL", "NEW")
    assert aws_calls["cloudwatch:GetMetricData"] >= 1 and aws_calls["support:DescribeCases"] >= 1
    assert aws_calls["ssm:GetParameters"] == 1  # the token's read is the settings' one call, reused
    assert result["drill"] == TOKEN and result["case"]["quota_request_ids"] == []
    [quota, context] = result["would_have_done"]
    assert quota.startswith("servicequotas:RequestServiceQuotaIncrease: request the Bedrock quota L-3DCCFAA4 "
                            "be raised to 7,812,500")
    assert context.startswith("support:AddCommunicationToCase: later, from the follow-up queue")

    [email] = world.emails()
    assert email["subject"].startswith("[DRILL] [CRITICAL] Acme - Bedrock Ops Alert - G-Opus-4-6")
    assert "This is a fire drill (make drill)" in email["body"] and TOKEN in email["body"]
    assert "servicequotas:RequestServiceQuotaIncrease: request the Bedrock quota" in email["body"]
    assert "Support case" not in email["body"].split("Fire drill")[0]

    [event] = world.decision_events()
    d = event["detail"]
    assert (d["drill"], d["drillToken"], d["outcome"], d["scenario"]) == (True, TOKEN, "processed", "high_usage")
    assert [w["action"] for w in d["wouldHaveDone"]] == ["servicequotas:RequestServiceQuotaIncrease",
                                                         "support:AddCommunicationToCase"]
    assert d["case"]["why"].startswith("fire drill, nothing written") and d["quotaRequests"][0]["requestId"] is None


def test_a_low_usage_drill_describes_the_case_and_its_attachments(
        world: ProcessorWorld, processor: Any, aws_calls: Counter[str]) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)  # throttled far below the thresholds: a case, no request
    _arm(world)
    result = _fire_drill(world, processor)

    assert _writes(aws_calls) == {} and world.our_cases() == []
    assert result["scenario"] == "low_usage" and result["case"]["case_id"] is None
    assert [w.split(":", 2)[1] for w in result["would_have_done"]] == ["AddAttachmentsToSet", "CreateCase"]
    assert aws_calls["cloudwatch:GetMetricWidgetImage"] == 2  # the graphs are still drawn (a read)
    assert "rpm-14-days.png" in result["would_have_done"][0] and "Quota Request" in result["would_have_done"][1]
    [email] = world.emails()
    assert email["subject"].startswith("[DRILL] ")


def test_a_drills_log_says_the_case_it_would_have_opened(world: ProcessorWorld, processor: Any,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    _arm(world)
    _fire_drill(world, processor)
    assert "fire drill: would have opened a new Quota Request case" in caplog.text
    assert "opened Quota Request case" not in caplog.text  # it said so, with an empty case ID


def test_a_drill_beside_an_existing_case_describes_the_append(
        world: ProcessorWorld, processor: Any, aws_calls: Counter[str]) -> None:
    """The Support reads run, so the drill says what the real alert would do on the open case."""
    world.load_usage(rpm=2_000, tpm=1_000_000)
    first = run(processor, world.fire("ServerErrors"))  # a real alert opens the investigation case
    [case] = world.our_cases()
    world.emails(), world.decision_events()
    world.set_child("ServerErrors", "OK")
    world.set_composite("OK")
    before = len(case.communications)
    _arm(world, "HighLatency")  # another Investigation Request alarm: a real one would append
    result = _fire_drill(world, processor, "HighLatency")

    assert first["case"]["status"] == "NEW" and len(case.communications) == before
    assert result["case"]["status"] == "UPDATED" and result["drill"] == TOKEN
    assert any(w.startswith("support:AddCommunicationToCase: append this alert") and case.display_id in w
               for w in result["would_have_done"])


@pytest.mark.parametrize(("arm", "reason_token"), [
    (None, TOKEN),  # nothing armed: a reason saying "drill <token>" is just text
    ({"token": TOKEN, "expires_in": timedelta(minutes=-5)}, TOKEN),  # expired
    ({"token": TOKEN}, FORGED),  # the reason names another token
    ({"token": TOKEN, "child": "HighLatency"}, TOKEN),  # armed for another alarm
], ids=["not-armed", "expired-token", "forged-token", "token-for-another-alarm"])
def test_anything_but_the_armed_token_is_a_real_alert(
        world: ProcessorWorld, processor: Any, aws_calls: Counter[str], arm: dict[str, Any] | None,
        reason_token: str) -> None:
    world.load_usage(rpm=9_500, tpm=6_000_000)
    if arm is not None:
        _arm(world, arm.get("child", "Throttles"), token=arm["token"],
             expires_in=arm.get("expires_in", timedelta(minutes=10)))
    result = _fire_drill(world, processor, reason_token=reason_token)

    assert "drill" not in result and aws_calls["service-quotas:RequestServiceQuotaIncrease"] == 1
    assert len(world.aws.service_quotas.requests) == 1
    [email] = world.emails()
    assert email["subject"].startswith("[CRITICAL] ")
    [event] = world.decision_events()
    assert (event["detail"]["drill"], event["detail"]["wouldHaveDone"]) == (False, [])


def test_a_drills_exactly_once_record_never_suppresses_the_real_alert_of_that_transition(
        world: ProcessorWorld, processor: Any) -> None:
    """The drill ran; the token is cleared; the same transition delivered again is handled for real."""
    world.load_usage(rpm=9_500, tpm=6_000_000)
    _arm(world)
    event = _drill_event(world)
    drill = run(processor, event)
    again = run(processor, event)
    boto3.client("ssm").put_parameter(Name=world.names.drill_token_parameter, Value="off", Type="String",
                                      Overwrite=True)
    real = run(processor, event)

    assert drill["drill"] == TOKEN and again["status"] == "duplicate"
    assert real["status"] == "processed" and "drill" not in real
    assert len(world.aws.service_quotas.requests) == 1
    assert [e["subject"][:7] for e in world.emails()] == ["[DRILL]", "[CRITIC"]


def test_a_real_alert_with_no_drill_in_its_reason_reads_nothing_more(
        world: ProcessorWorld, processor: Any, aws_calls: Counter[str]) -> None:
    """The stored token is read in the one GetParameters call of every alert, never on its own."""
    world.load_usage(rpm=9_500, tpm=6_000_000)
    _arm(world)
    result = run(processor, world.fire("Throttles"))
    assert "drill" not in result and aws_calls["ssm:GetParameters"] == 1 and aws_calls["ssm:GetParameter"] == 0


def test_a_drill_never_claims_the_renotify_window_of_the_real_alert_after_it(
        world: ProcessorWorld, processor: Any) -> None:
    """With a 30-minute re-notify window, a drill's e-mail must not hold the real alert that follows."""
    boto3.client("ssm").put_parameter(Name=world.names.renotify_window_parameter, Value="30", Type="String",
                                      Overwrite=True)
    world.load_usage(rpm=9_500, tpm=6_000_000)
    _arm(world)
    drill = _fire_drill(world, processor)
    world.set_child("Throttles", "OK")
    world.set_composite("OK")
    real = run(processor, world.fire("ClientErrors"))  # same category (Quota Request), a real alarm

    assert drill["drill"] == TOKEN and drill["email"] == "sent"
    assert "drill" not in real and real["email"] == "sent"
    assert [e["subject"][:7] for e in world.emails()] == ["[DRILL]", "[CRITIC"]


def test_a_drill_whose_token_cannot_be_read_is_retried_never_guessed(
        world: ProcessorWorld, processor: Any, aws_calls: Counter[str], fault: Any) -> None:
    """SSM unreadable: neither a real case for a drill nor a dry run of a real alert; Lambda retries."""
    world.load_usage(rpm=9_500, tpm=6_000_000)
    _arm(world)
    event = _drill_event(world)
    fault.fail("ssm", "GetParameters", "AccessDeniedException")
    with pytest.raises(RuntimeError, match="names a drill token, but the stack's settings"):
        run(processor, event)
    assert _writes(aws_calls) == {} and world.emails() == []
    retried = run(processor, event)  # the retry, SSM readable again
    assert retried["drill"] == TOKEN and _writes(aws_calls) == {}
