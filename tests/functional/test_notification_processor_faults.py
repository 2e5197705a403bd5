"""End to end, as packaged: missing configuration and failing AWS APIs (issue 5, "Bad input and faults")."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

import boto3
import pytest

from tests.functional.processor_world import ProcessorWorld, fire, run


def test_missing_ssm_parameters_fall_back_to_defaults(world: ProcessorWorld, processor: Any,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    ssm = boto3.client("ssm")
    for key in ("notification-preference", "enable-automated-support-case", "use-case-description",
                "tokens-per-minute-increase-percent", "requests-per-minute-increase-percent"):
        ssm.delete_parameter(Name=world.names.ssm(key))
    world.load_usage(rpm=2_000, tpm=1_000_000)
    result = fire(world, processor, "Throttles")
    assert result["scenario"] == "low_usage" and result["case"]["status"] == "NEW"
    assert result["email"] == "sent"
    assert "is missing" in caplog.text


def test_missing_thresholds_mean_new_model(world: ProcessorWorld, processor: Any) -> None:
    ssm = boto3.client("ssm")
    ssm.delete_parameter(Name=world.names.rpm_threshold_parameter)
    world.load_usage(rpm=2_000, tpm=1_000_000)
    result = fire(world, processor, "Throttles")
    assert result["scenario"] == "new_model"
    [email] = world.emails()
    assert "could not be read" in email["body"]


def test_missing_secrets_still_open_the_case_without_cc(world: ProcessorWorld, processor: Any) -> None:
    boto3.client("secretsmanager").delete_secret(SecretId=world.names.stakeholder_emails_secret,
                                                 ForceDeleteWithoutRecovery=True)
    world.load_usage(rpm=2_000, tpm=1_000_000)
    result = fire(world, processor, "Throttles")
    [case] = world.our_cases()
    assert case.cc_email_addresses == [] and result["case"]["status"] == "NEW"


def test_cloudwatch_without_data_is_new_model(world: ProcessorWorld, processor: Any) -> None:
    assert fire(world, processor, "InvocationAnomaly")["scenario"] == "new_model"


@pytest.mark.parametrize(("code", "status"), [("Throttling", 400), ("InternalServiceError", 500)],
                         ids=["throttled", "5xx"])
def test_cloudwatch_failure_is_unknown_usage_and_the_email_goes_out(
    world: ProcessorWorld, processor: Any, fault: Any, code: str, status: int
) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    fault.fail("cloudwatch", "GetMetricData", code, status=status)
    result = fire(world, processor, "Throttles")
    assert result["scenario"] == "new_model"
    assert len(world.emails()) == 1


@pytest.mark.parametrize(
    ("service", "operation", "code", "status"),
    [
        ("support", "DescribeCases", "ThrottlingException", 400),
        ("support", "CreateCase", "InternalServerError", 500),
    ],
    ids=["describe-cases-throttled", "create-case-5xx"],
)
def test_support_failure_still_emails_and_says_so(
    world: ProcessorWorld, processor: Any, fault: Any, service: str, operation: str, code: str, status: int
) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    # Twice: a CreateCase that failed (and opened nothing) is tried once more after a look-up.
    fault.fail(service, operation, code, status=status, times=2)
    result = fire(world, processor, "Throttles")
    assert result["case"]["status"] == "FAILED" and code in result["case"]["error"]
    [email] = world.emails()
    assert "failed" in email["body"] and "Open a support case yourself" in email["body"]


@pytest.mark.parametrize(
    ("operation", "code"),
    [("GetServiceQuota", "TooManyRequestsException"), ("RequestServiceQuotaIncrease", "ServiceException")],
    ids=["current-value-unreadable", "request-fails"],
)
def test_service_quotas_failure_falls_back_to_our_case(
    world: ProcessorWorld, processor: Any, fault: Any, operation: str, code: str
) -> None:
    world.load_usage(rpm=9_500, tpm=10)
    # Twice: a request that failed (and filed nothing) is tried once more after a look-up.
    fault.fail("service-quotas", operation, code, status=500 if code == "ServiceException" else 400, times=2)
    result = fire(world, processor, "HighInvocationRate")
    [case] = world.our_cases()
    assert result["case"]["status"] == "NEW" and result["case"]["display_id"] == case.display_id


def test_resource_already_exists_appends_to_the_pending_request(world: ProcessorWorld, processor: Any,
                                                                 fault: Any) -> None:
    sq = world.aws.service_quotas
    sq.auto_open_case = False
    boto3.client("service-quotas").request_service_quota_increase(
        ServiceCode="bedrock", QuotaCode="L-3DD46812", DesiredValue=11_000)
    world.load_usage(rpm=9_500, tpm=10)
    # The history read fails, so the processor only learns of the pending request from
    # RequestServiceQuotaIncrease's ResourceAlreadyExistsException.
    fault.fail("service-quotas", "ListRequestedServiceQuotaChangeHistoryByQuota", "ServiceException", status=500)
    result = fire(world, processor, "HighInvocationRate")
    assert len(sq.requests) == 1  # not a second request
    assert result["case"]["status"] == "UPDATED" and result["case"]["quota_request_ids"] == []
    assert world.our_cases() == []
    assert len(world.follow_ups()) == 1  # our context goes to the pending request's case


def test_sns_publish_failure_fails_the_invocation(world: ProcessorWorld, processor: Any, fault: Any) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    fault.fail("sns", "Publish", "InternalError", status=500)
    with pytest.raises(Exception, match="InternalError"):
        fire(world, processor, "Throttles")
    assert len(world.our_cases()) == 1  # the case side already happened; the retry must reuse it


def test_missing_environment_fails_loudly(world: ProcessorWorld, processor: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORMATTED_TOPIC_ARN")
    world.set_child("Throttles")
    with pytest.raises(Exception, match="FORMATTED_TOPIC_ARN"):
        run(processor, world.composite_event(["Throttles"]))


def test_child_event_with_unreadable_alarm_states_is_retried(world: ProcessorWorld, processor: Any,
                                                             fault: Any) -> None:
    world.set_child("Throttles")
    fault.fail("cloudwatch", "DescribeAlarms", "Throttling")
    with pytest.raises(RuntimeError, match="composite alarm's state"):
        run(processor, world.child_event("Throttles"))


def test_idempotency_store_failure_still_emails(world: ProcessorWorld, processor: Any, fault: Any,
                                                caplog: pytest.LogCaptureFixture) -> None:
    # SPEC §7: throttled or failing AWS APIs must not cost the team its e-mail for a valid alarm.
    world.load_usage(rpm=2_000, tpm=1_000_000)
    fault.fail("dynamodb", "PutItem", "ProvisionedThroughputExceededException", times=None)
    result = fire(world, processor, "Throttles")
    fault.clear()
    assert result["status"] == "processed" and result["email"] == "sent"
    assert len(world.emails()) == 1 and len(world.our_cases()) == 1
    assert "idempotency" in caplog.text.lower()


# --- the dead-letter queue redriven to the follow-up queue (README runbook) ----------------------


def _redriven(*bodies: str) -> dict[str, Any]:
    """An SQS batch as Lambda delivers it from the follow-up queue after a DLQ redrive."""
    return {"Records": [{"eventSource": "aws:sqs", "messageId": f"m{i}", "body": body,
                         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:follow-up"}
                        for i, body in enumerate(bodies)]}


def test_a_dead_lettered_alarm_redriven_to_the_follow_up_queue_is_processed_once(
    world: ProcessorWorld, processor: Any, fault: Any
) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    world.set_child("Throttles")
    world.set_composite("ALARM")
    event = world.composite_event(["Throttles"])
    fault.fail("sns", "Publish", "InternalError", status=500, times=3)  # first run and both retries
    for _ in range(3):
        with pytest.raises(Exception, match="InternalError"):
            run(processor, event)
    assert world.emails() == []  # Lambda now dead-letters the event as the message body

    result = run(processor, _redriven(json.dumps(event)))

    [replayed] = result["results"]
    assert replayed["status"] == "processed" and replayed["email"] == "sent"
    assert len(world.emails()) == 1
    assert len(world.our_cases()) == 1  # the case the failed runs opened, not a second one


def test_a_redriven_alarm_updater_run_is_ignored_and_a_follow_up_still_works(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    scheduled = {"version": "0", "id": "1", "detail-type": "Scheduled Event", "source": "aws.events",
                 "account": "123456789012", "time": "2026-11-28T00:00:00Z", "region": "us-east-1",
                 "resources": ["arn:aws:events:us-east-1:123456789012:rule/schedule"], "detail": {}}
    aws_calls.clear()
    result = run(processor, _redriven(json.dumps(scheduled), "{not json"))
    assert [r["status"] for r in result["results"]] == ["ignored", "rejected"]
    assert aws_calls["cloudwatch:DescribeAlarms"] == 0 and aws_calls["sns:Publish"] == 0


def test_a_redriven_event_of_another_stack_is_ignored(world: ProcessorWorld, processor: Any) -> None:
    other = world.composite_event(["Throttles"], composite="Other-Bedrock-QuotaHealth-Composite-X")
    [result] = run(processor, _redriven(json.dumps(other)))["results"]
    assert result["status"] == "ignored"
    assert world.emails() == []
