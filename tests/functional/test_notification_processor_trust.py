"""End to end, as packaged: the trust boundaries of the alert path (issue 9).

Each test is one attack or failure: markers injected through text users or other systems write,
forged or replayed alarm signals, forged follow-up messages, and replies lost after AWS acted.
Each leaves cases, quota requests and e-mails exactly as they would be without it.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from ops_alert.alarms import BY_KEY, CaseCategory
from ops_alert.duplicates import marker, signal_marker, transition_marker
from tests.functional.processor_world import (
    CUSTOMER,
    MODEL_NAME,
    ProcessorWorld,
    fire,
    run,
)

QMARK = marker(CUSTOMER, MODEL_NAME, CaseCategory.QUOTA_REQUEST)
IMARK = marker(CUSTOMER, MODEL_NAME, CaseCategory.INVESTIGATION_REQUEST)


def _clear(world: ProcessorWorld) -> None:
    from ops_alert.alarms import ALARM_KINDS

    for kind in ALARM_KINDS:
        world.set_child(kind.key, "OK")
    world.set_composite("OK")


def _use_case(world: ProcessorWorld, text: str) -> None:
    world.client("ssm").put_parameter(Name=world.names.ssm("use-case-description"), Value=text,
                                      Type="String", Overwrite=True)


def _high_usage(world: ProcessorWorld) -> None:
    world.load_usage(rpm=9_500, tpm=6_000_000)  # both peaks above the 8,000 / 5,000,000 thresholds


def _low_usage(world: ProcessorWorld) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)


# --- markers nobody can forge ----------------------------------------------------------------------


def test_another_models_case_quoting_our_marker_never_takes_our_quota_request(world: ProcessorWorld,
                                                                              processor: Any) -> None:
    """Model B's use case carries model A's marker; A's real high-usage alert must still request
    its increase instead of appending to B's case."""
    other = world.aws.support.add_case(
        f"{CUSTOMER} - Bedrock Ops Alert - G-Sonnet - Quota Request",
        f"USE CASE\n  Chat for our staff.\n{QMARK}\n\n{marker(CUSTOMER, 'G-Sonnet', CaseCategory.QUOTA_REQUEST)}",
        submitted_by="G-Sonnet processor")
    _high_usage(world)
    result = fire(world, processor, "Throttles")

    assert len(world.aws.service_quotas.requests) >= 1
    assert result["case"]["status"] == "NEW" and result["case"]["quota_request_ids"]
    assert len(other.communications) == 1


@pytest.mark.parametrize("injected", [
    f"Chat assistant.\n{QMARK}",
    # An old case body pasted as the use case, markers and all.
    f"Chat assistant.\n\n{QMARK}\n{signal_marker(BY_KEY['Throttles'])}\n{transition_marker('x|ALARM|t')}",
], ids=["quota-marker", "pasted-case-body"])
def test_a_quota_marker_in_our_own_use_case_never_turns_an_investigation_into_a_quota_case(
        world: ProcessorWorld, processor: Any, injected: str) -> None:
    """Without the fix the investigation case answered every later quota alert for the whole
    look-back window, and no increase was ever requested."""
    _use_case(world, injected)
    first = fire(world, processor, "ServerErrors")  # non_quota: an Investigation Request case
    assert first["scenario"] == "non_quota" and first["case"]["status"] == "NEW"
    [investigation] = world.our_cases()
    assert "[bedrock-ops-alert:" not in investigation.communications[0].body.split("\n\n")[-2].lower()
    _clear(world)
    _high_usage(world)
    second = fire(world, processor, "Throttles")

    assert second["case"]["status"] == "NEW" and second["case"]["quota_request_ids"]
    assert len(investigation.communications) == 1


def test_a_signal_marker_in_the_use_case_suppresses_nothing(world: ProcessorWorld, processor: Any) -> None:
    """A flapping-alarm marker typed into the use case must not hide a new anomaly from the case."""
    _use_case(world, f"Batch summarisation.\n{signal_marker(BY_KEY['InputTokenAnomaly'])}")
    _low_usage(world)
    first = fire(world, processor, "Throttles")
    [case] = world.our_cases()
    world.set_child("InputTokenAnomaly")
    escalation = run(processor, world.child_event("InputTokenAnomaly"))

    assert escalation["case"] == {**escalation["case"], "status": "UPDATED", "display_id": first["case"]["display_id"]}
    assert len(case.communications) == 2


def test_a_reply_carrying_our_markers_is_not_ours(world: ProcessorWorld, processor: Any) -> None:
    """Someone else's communication with a marker block (unsealed, or with a guessed seal) on an
    unrelated case does not make it our Quota Request case."""
    unrelated = world.aws.support.add_case("Bedrock question", "How do I ...?", submitted_by="colleague")
    world.aws.support.reply(unrelated, f"see\n\n{QMARK}", submitted_by="colleague")
    world.aws.support.reply(unrelated, f"see\n\n{QMARK}\n[bedrock-ops-alert-seal:0123456789abcdef0123456789abcdef]",
                            submitted_by="colleague")
    _low_usage(world)
    result = fire(world, processor, "Throttles")

    assert result["case"]["status"] == "NEW" and result["case"]["display_id"] != unrelated.display_id


# --- no duplicate case on a lost reply --------------------------------------------------------------


def test_a_lost_create_case_reply_reports_the_case_and_opens_no_second_one(
        world: ProcessorWorld, processor: Any, aws_calls: Counter[str]) -> None:
    """CreateCase succeeded but its reply timed out: the case is looked up by its marker, reported
    in the e-mail, and never opened twice."""
    world.aws.fault.fail("support", "CreateCase", "InternalServerError", status=500, lost_reply=True)
    _low_usage(world)
    result = fire(world, processor, "Throttles")

    [case] = world.our_cases()
    assert result["case"] == {**result["case"], "status": "NEW", "display_id": case.display_id}
    assert aws_calls["support:CreateCase"] == 1
    assert case.display_id in world.emails()[0]["body"]


def test_a_create_case_that_really_failed_is_tried_again_once(world: ProcessorWorld, processor: Any,
                                                              aws_calls: Counter[str]) -> None:
    world.aws.fault.fail("support", "CreateCase", "InternalServerError", status=500)
    _low_usage(world)
    result = fire(world, processor, "Throttles")

    [case] = world.our_cases()
    assert result["case"] == {**result["case"], "status": "NEW", "display_id": case.display_id}
    assert aws_calls["support:CreateCase"] == 2


def test_a_lost_quota_request_reply_is_treated_as_pending_and_gets_our_context(
        world: ProcessorWorld, processor: Any) -> None:
    """RequestServiceQuotaIncrease filed the request but the reply was lost: the retry answers
    ResourceAlreadyExists. That is our own request, pending: append, never a fallback case."""
    sq = world.aws.service_quotas
    sq.auto_open_case = True
    world.aws.fault.fail("service-quotas", "RequestServiceQuotaIncrease", "ServiceException", status=500,
                         lost_reply=True)
    _high_usage(world)
    result = fire(world, processor, "HighTPMQuotaUsage")

    assert len(sq.requests) == 1
    assert world.our_cases() == []  # no fallback case of our own
    assert result["case"]["status"] in ("NEW", "UPDATED")
    [event] = world.follow_ups()
    assert run(processor, event)["results"][0]["status"] == "appended"


# --- a follow-up queue only the processor can feed ---------------------------------------------------


def _sqs(body: str) -> dict[str, Any]:
    return {"Records": [{"messageId": "m-1", "receiptHandle": "rh", "body": body, "attributes": {},
                         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:follow-up", "awsRegion": "us-east-1"}]}


def _forged(request_id: str, quota_code: str, transition: str = "t-1", **extra: Any) -> dict[str, Any]:
    import json

    return _sqs(json.dumps({"kind": "append_quota_context", "request_id": request_id, "quota_code": quota_code,
                            "transition_id": transition, "attempt": 1, **extra}))


def test_forged_follow_ups_append_nothing(world: ProcessorWorld, processor: Any) -> None:
    """A follow-up names a request and a transition; the text comes from what the processor stored.
    A message for another quota, another service's request, or a request we never made is rejected."""
    import boto3

    from tests.functional.processor_world import RPM_CODE

    sq = world.aws.service_quotas
    sq.auto_open_case = True
    sq.add_quota("L-OTHER1", "On-demand model inference requests per minute for Someone Else", 100.0)
    sqc = boto3.client("service-quotas")
    ours = sqc.request_service_quota_increase(ServiceCode="bedrock", QuotaCode=RPM_CODE, DesiredValue=12_500)
    other = sqc.request_service_quota_increase(ServiceCode="bedrock", QuotaCode="L-OTHER1", DesiredValue=200)
    case = world.aws.support.case(sq.requests[0].case_id)
    before = len(case.communications)
    attacks = {
        "someone else's text": _forged(ours["RequestedQuota"]["Id"], RPM_CODE, body="[bedrock-ops-alert:x] pay now"),
        "another model's quota": _forged(other["RequestedQuota"]["Id"], "L-OTHER1"),
        "code swapped": _forged(other["RequestedQuota"]["Id"], RPM_CODE),
        "unknown request": _forged("0123456789abcdef", RPM_CODE),
    }
    for name, event in attacks.items():
        result = run(processor, event)["results"][0]
        assert result["status"] == "rejected", name
    assert len(case.communications) == before
    assert len(world.aws.support.cases[-1].communications) == 1
def test_records_with_alarm_shapes_on_the_follow_up_queue_must_be_real_alarms(world: ProcessorWorld,
                                                                             processor: Any) -> None:
    """Anyone able to put a message on the queue could once open a case with an alarm-shaped body."""
    import json

    world.load_usage(rpm=9_500, tpm=6_000_000)
    forged = world.composite_event(["Throttles"], real=False)
    result = run(processor, _sqs(json.dumps(forged)))["results"][0]

    assert result["status"] == "rejected"
    assert world.our_cases() == [] and world.aws.service_quotas.requests == [] and world.emails() == []


# --- real transitions only --------------------------------------------------------------------------


def _composite_message(world: ProcessorWorld, event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    import json

    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message.update(changes)
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def _nothing_happened(world: ProcessorWorld, aws_calls: Counter[str]) -> None:
    assert world.our_cases() == [] and world.aws.service_quotas.requests == []
    assert aws_calls["support:CreateCase"] == 0 and aws_calls["support:DescribeCases"] == 0
    assert world.emails() == []


def test_a_composite_notification_whose_children_never_fired_opens_nothing(
        world: ProcessorWorld, processor: Any, aws_calls: Counter[str], caplog: pytest.LogCaptureFixture) -> None:
    """A forged notification (someone who may publish to the raw topic or invoke the function) naming
    Throttles, with no such transition in CloudWatch: a WARNING, a count, no case, no e-mail."""
    _high_usage(world)
    result = run(processor, world.composite_event(["Throttles"], real=False))

    assert result["status"] == "rejected" and "not confirmed" in result["reason"]
    _nothing_happened(world, aws_calls)
    assert any(r.levelname == "WARNING" and "CloudWatch does not confirm" in r.getMessage() for r in caplog.records)


def test_setting_the_composite_by_hand_with_a_chosen_reason_requests_no_increase(
        world: ProcessorWorld, processor: Any, aws_calls: Counter[str]) -> None:
    """`aws cloudwatch set-alarm-state` on the composite (one permission, no SNS or KMS rights) with
    reason text naming two children: the kinds come from this stack's alarm names, never the reason.
    The composite did go to ALARM, so the team hears of it, but nothing is requested or opened."""
    import boto3

    reason = (f"{world.child_name('HighInvocationRate')} and {world.child_name('HighTPMQuotaUsage')} "
              "transitioned to ALARM")
    boto3.client("cloudwatch").set_alarm_state(AlarmName=world.names.composite_alarm_name, StateValue="ALARM",
                                               StateReason=reason)
    event = _composite_message(world, world.composite_event([], real=False), NewStateReason=reason)
    world.load_usage(rpm=0, tpm=0)  # a model with no traffic
    result = run(processor, event)

    assert result["status"] == "no_child_identified"
    assert world.aws.service_quotas.requests == [] and world.our_cases() == []
    assert aws_calls["service-quotas:RequestServiceQuotaIncrease"] == 0


@pytest.mark.parametrize("forge", [
    lambda w: w.composite_event(["Throttles"], real=False),
    lambda w: w.child_event("Throttles", real=False),
    # Real history, but the ARN says another account or region: not this stack's alarm.
    lambda w: _composite_message(w, w.composite_event(["Throttles"]), AlarmArn=w.names.composite_alarm_name.join(
        ["arn:aws:cloudwatch:us-east-1:999999999999:alarm:", ""])),
    lambda w: _composite_message(w, w.composite_event(["Throttles"]), AlarmArn=w.names.composite_alarm_name.join(
        ["arn:aws:cloudwatch:evil-region-1:123456789012:alarm:", ""])),
], ids=["composite-forged", "child-event-forged", "composite-of-another-account", "region-from-the-message"])
def test_forged_signals_are_counted_and_do_nothing(world: ProcessorWorld, processor: Any, aws_calls: Counter[str],
                                                  forge: Any, capsys: pytest.CaptureFixture[str]) -> None:
    world.set_composite("ALARM")
    _high_usage(world)
    result = run(processor, forge(world))

    assert result["status"] == "rejected"
    _nothing_happened(world, aws_calls)
    assert '"UnverifiedSignals"' in capsys.readouterr().out  # the counter (embedded metric format)


def test_a_child_that_recovered_since_is_still_real(world: ProcessorWorld, processor: Any) -> None:
    world.set_child("Throttles")
    world.set_composite("ALARM")
    event = world.composite_event(["Throttles"])
    world.set_child("Throttles", "OK")
    world.set_composite("OK")
    _high_usage(world)
    result = run(processor, event)
    assert result["status"] == "processed" and result["case"]["quota_request_ids"]


# --- escalations judged at their time ----------------------------------------------------------------


def test_a_redriven_escalation_after_the_alarms_recovered_is_delivered_once(
        world: ProcessorWorld, processor: Any, fault: Any) -> None:
    """DescribeAlarms failed three times, so the child's escalation was dead-lettered; redriven
    after the alarms recovered, it is judged by the composite's state at the child's time."""
    import json

    world.load_usage(rpm=2_000, tpm=1_000_000)
    world.set_child("ServerErrors")
    world.set_composite("ALARM")
    run(processor, world.composite_event(["ServerErrors"]))
    world.emails()
    world.set_child("Throttles")
    escalation = world.child_event("Throttles")
    fault.fail("cloudwatch", "DescribeAlarms", "InternalServiceError", status=500, times=3)
    for _ in range(3):  # the first delivery and Lambda's two retries
        with pytest.raises(RuntimeError, match="composite alarm's state"):
            run(processor, escalation)
    _clear(world)  # later: everything recovered before the runbook's redrive
    redriven = _sqs(json.dumps(escalation))
    first = run(processor, redriven)["results"][0]
    again = run(processor, redriven)["results"][0]

    assert first["status"] == "processed" and first["alarms"] == [world.child_name("Throttles")]
    assert again["status"] == "duplicate"
    assert len(world.emails()) == 1


def test_a_marker_key_that_cannot_be_read_is_asked_for_once_per_signal(world: ProcessorWorld, processor: Any,
                                                                       fault: Any) -> None:
    # Every seal and look-up needs the key; a failed read must not be repeated for each of them.
    from tests.fakes.core import active_hub

    secret = world.names.case_marker_key_secret
    fault.fail("secretsmanager", "GetSecretValue", "AccessDeniedException", times=None)
    result = fire(world, processor, "ServerErrors")  # our own case: looked up, then opened and sealed
    reads = [c for c in active_hub().log if c.operation == "GetSecretValue" and c.params.get("SecretId") == secret]
    assert len(reads) == 1
    assert result["status"] == "processed" and len(world.emails()) == 1
