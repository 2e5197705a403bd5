"""E-mail subscriptions custom resource end to end, from the packaged zips (SPEC §4.3, issue 3)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.fakes import PASS, AwsError, CfnResponse, CfnResponseServer, Fake, FakeLambdaContext, StandardFakes, api

pytestmark = pytest.mark.packaged

TOPIC_NAME = "Acme-Bedrock-Alarms-Formatted-G-Opus-4-6"


class PendingSns(Fake):
    """moto confirms e-mail subscriptions at once; this shows chosen addresses as unconfirmed, as SNS
    does until the recipient clicks the link (SubscriptionArn "PendingConfirmation")."""

    service = "sns"

    def __init__(self, pending: set[str]) -> None:
        super().__init__()
        self.pending = pending

    @api
    def ListSubscriptionsByTopic(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.hub is not None
        response = self.hub.moto("sns").list_subscriptions_by_topic(**params)
        response.pop("ResponseMetadata", None)
        for sub in response["Subscriptions"]:
            if sub["Endpoint"] in self.pending:
                sub["SubscriptionArn"] = "PendingConfirmation"
        return response


@pytest.fixture
def topic(aws: StandardFakes) -> str:
    return boto3.client("sns").create_topic(Name=TOPIC_NAME)["TopicArn"]


@pytest.fixture
def invoke(load_handler: Callable[[str], ModuleType], topic: str, cfn_responses: CfnResponseServer,
           lambda_context: FakeLambdaContext) -> Callable[..., CfnResponse]:
    module = load_handler("email_subscription_manager")

    def run(request_type: str = "Create", emails: Any = ("ops@example.com",), *, topic_arn: str | None = None,
            old: Any = None, physical_id: str | None = None) -> CfnResponse:
        props = {"TopicArn": topic_arn or topic, "EmailList": list(emails) if isinstance(emails, tuple) else emails}
        kwargs: dict[str, Any] = {"logical_id": "EmailSubscriptions", "resource_type": "AWS::CloudFormation::CustomResource"}
        if physical_id:
            kwargs["physical_id"] = physical_id
        if request_type == "Update":
            kwargs["old_properties"] = old or {"TopicArn": topic, "EmailList": ["ops@example.com"]}
        count = len(cfn_responses.responses)
        module.handler(cfn_responses.event(request_type, props, **kwargs), lambda_context)
        assert len(cfn_responses.responses) == count + 1, "exactly one response per event"
        return cfn_responses.last

    return run


def emails(topic_arn: str, protocol: str = "email") -> dict[str, str]:
    subs = boto3.client("sns").list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    return {s["Endpoint"]: s["SubscriptionArn"] for s in subs if s["Protocol"] == protocol}


def test_create_subscribes_every_address_once(invoke: Callable[..., CfnResponse], topic: str,
                                              aws_calls: Counter[str]) -> None:
    aws_calls.clear()
    response = invoke(emails=("ops@example.com", "SRE@example.com", "sre@example.com", " "))
    calls = dict(aws_calls)
    assert response.status == "SUCCESS", response.body["Reason"]
    assert response.body["PhysicalResourceId"] == f"bedrock-ops-alert/email-subscriptions/{topic}"
    assert sorted(emails(topic)) == ["SRE@example.com", "ops@example.com"]
    assert calls == {"sns:ListSubscriptionsByTopic": 1, "sns:Subscribe": 2}


@pytest.mark.parametrize("value", ["ops@example.com, sre@example.com", ["ops@example.com,sre@example.com"]],
                         ids=["comma-string", "comma-inside-list"])
def test_a_comma_separated_list_is_accepted(invoke: Callable[..., CfnResponse], topic: str, value: Any) -> None:
    assert invoke(emails=value).status == "SUCCESS"
    assert sorted(emails(topic)) == ["ops@example.com", "sre@example.com"]


def test_update_adds_removes_and_leaves_the_rest_alone(invoke: Callable[..., CfnResponse], topic: str) -> None:
    physical = invoke(emails=("a@example.com", "b@example.com")).body["PhysicalResourceId"]
    before = emails(topic)
    response = invoke("Update", ("B@example.com", "c@example.com"), physical_id=physical,
                      old={"TopicArn": topic, "EmailList": ["a@example.com", "b@example.com"]})
    assert response.status == "SUCCESS" and response.body["PhysicalResourceId"] == physical
    after = emails(topic)
    assert sorted(after) == ["b@example.com", "c@example.com"]
    assert after["b@example.com"] == before["b@example.com"]  # not re-subscribed: no new confirmation mail


def test_update_diffs_against_the_topic_not_the_old_properties(invoke: Callable[..., CfnResponse], topic: str) -> None:
    physical = invoke(emails=("a@example.com", "b@example.com")).body["PhysicalResourceId"]
    sns = boto3.client("sns")
    sns.unsubscribe(SubscriptionArn=emails(topic)["b@example.com"])  # removed by hand
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="intruder@example.com")  # added by hand
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:q")
    assert invoke("Update", ("a@example.com", "b@example.com"), physical_id=physical).status == "SUCCESS"
    assert sorted(emails(topic)) == ["a@example.com", "b@example.com"]
    assert list(emails(topic, "sqs")) == ["arn:aws:sqs:us-east-1:123456789012:q"]  # not ours to touch


def test_pending_subscriptions_are_left_alone(invoke: Callable[..., CfnResponse], topic: str, aws: StandardFakes,
                                              aws_calls: Counter[str], caplog: pytest.LogCaptureFixture) -> None:
    physical = invoke(emails=("a@example.com", "b@example.com")).body["PhysicalResourceId"]
    aws.add(PendingSns({"a@example.com", "b@example.com"}))
    aws_calls.clear()
    response = invoke("Update", ("b@example.com",), physical_id=physical)
    assert response.status == "SUCCESS"
    # Neither re-subscribed (b is still waiting for its link) nor unsubscribed (a cannot be, unconfirmed).
    assert aws_calls["sns:Subscribe"] == 0 and aws_calls["sns:Unsubscribe"] == 0
    warning = next(r for r in caplog.records if "pending confirmation" in r.getMessage())
    assert warning.addresses == ["a***@example.com"]  # masked: the logs hold no list of the team's e-mails


def test_logs_never_hold_a_full_address(invoke: Callable[..., CfnResponse], topic: str,
                                        caplog: pytest.LogCaptureFixture) -> None:
    physical = invoke(emails=("ops.lead@example.com", "sre@example.com")).body["PhysicalResourceId"]
    invoke("Update", ("sre@example.com", "new.hire@example.com"), physical_id=physical)
    invoke("Delete", ("sre@example.com",), physical_id=physical)
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for address in ("ops.lead@example.com", "sre@example.com", "new.hire@example.com"):
        assert address not in logged
    assert "o***@example.com" in logged


def test_update_with_an_original_stack_physical_id_keeps_it(invoke: Callable[..., CfnResponse], topic: str) -> None:
    legacy = "2026/01/01/[$LATEST]0a1b2c3d"
    response = invoke("Update", ("ops@example.com",), physical_id=legacy)
    assert response.status == "SUCCESS" and response.body["PhysicalResourceId"] == legacy


def test_a_new_topic_is_a_replacement_and_the_old_delete_cleans_the_old_topic(
        invoke: Callable[..., CfnResponse], topic: str) -> None:
    old_id = invoke(emails=("ops@example.com",)).body["PhysicalResourceId"]
    new_topic = boto3.client("sns").create_topic(Name="Acme-Bedrock-Alarms-Formatted-Opus-Prod")["TopicArn"]
    response = invoke("Update", ("ops@example.com",), topic_arn=new_topic, physical_id=old_id)
    assert response.body["PhysicalResourceId"] == f"bedrock-ops-alert/email-subscriptions/{new_topic}"
    assert invoke("Delete", ("ops@example.com",), physical_id=old_id).status == "SUCCESS"
    assert emails(topic) == {} and list(emails(new_topic)) == ["ops@example.com"]


def test_delete_unsubscribes_the_confirmed_email_subscriptions(invoke: Callable[..., CfnResponse], topic: str) -> None:
    physical = invoke(emails=("a@example.com", "b@example.com")).body["PhysicalResourceId"]
    boto3.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:q")
    response = invoke("Delete", ("a@example.com",), physical_id=physical)
    assert response.status == "SUCCESS" and response.body["PhysicalResourceId"] == physical
    assert emails(topic) == {} and len(emails(topic, "sqs")) == 1


def test_delete_leaves_pending_subscriptions_to_expire(invoke: Callable[..., CfnResponse], topic: str,
                                                       aws: StandardFakes) -> None:
    physical = invoke(emails=("a@example.com", "b@example.com")).body["PhysicalResourceId"]
    aws.add(PendingSns({"b@example.com"}))
    assert invoke("Delete", physical_id=physical).status == "SUCCESS"
    assert list(emails(topic)) == ["b@example.com"]


def test_delete_of_a_deleted_topic_succeeds(invoke: Callable[..., CfnResponse], topic: str) -> None:
    physical = invoke().body["PhysicalResourceId"]
    boto3.client("sns").delete_topic(TopicArn=topic)
    assert invoke("Delete", physical_id=physical).status == "SUCCESS"


def test_delete_never_blocks_the_stack(invoke: Callable[..., CfnResponse], topic: str, fault: Any) -> None:
    physical = invoke().body["PhysicalResourceId"]
    fault.fail("sns", "Unsubscribe", "InternalError", status=500, times=None)
    assert invoke("Delete", physical_id=physical).status == "SUCCESS"
    assert list(emails(topic)) == ["ops@example.com"]  # left, and logged


def test_delete_after_a_failed_create_touches_nothing(invoke: Callable[..., CfnResponse], topic: str,
                                                     aws_calls: Counter[str]) -> None:
    invoke(emails=("ops@example.com",))
    failed = invoke(emails=("not-an-address",))
    aws_calls.clear()
    assert invoke("Delete", physical_id=failed.body["PhysicalResourceId"]).status == "SUCCESS"
    assert sum(aws_calls.values()) == 0 and list(emails(topic)) == ["ops@example.com"]


# -- Bad input ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "expected"), [
    (("ops@example.com", "sre.example.com", "a@b"), "invalid e-mail addresses: sre.example.com, a@b"),
    (("ops@example.com;sre@example.com",), "invalid e-mail addresses: ops@example.com;sre@example.com"),
    (("first last@example.com",), "invalid e-mail addresses: first last@example.com"),
    ((), "StakeholderEmailList is empty"),
    (" , ", "StakeholderEmailList is empty"),
    ({"a": "b"}, "EmailList must be a list of e-mail addresses"),
], ids=["bad-addresses", "semicolon-separator", "space", "empty-list", "only-blanks", "not-a-list"])
def test_bad_email_lists_fail_and_subscribe_nobody(invoke: Callable[..., CfnResponse], topic: str, value: Any,
                                                   expected: str) -> None:
    response = invoke(emails=value)
    assert response.status == "FAILED" and expected in response.body["Reason"]
    assert emails(topic) == {}


def test_an_empty_list_on_update_fails_and_keeps_the_subscriptions(invoke: Callable[..., CfnResponse], topic: str) -> None:
    physical = invoke().body["PhysicalResourceId"]
    response = invoke("Update", (), physical_id=physical)
    assert response.status == "FAILED" and response.body["PhysicalResourceId"] == physical
    assert list(emails(topic)) == ["ops@example.com"]


def test_a_missing_topic_fails(invoke: Callable[..., CfnResponse]) -> None:
    response = invoke(topic_arn="arn:aws:sns:us-east-1:123456789012:nope")
    assert response.status == "FAILED" and "SNS ListSubscriptionsByTopic" in response.body["Reason"]


@pytest.mark.parametrize("drop", ["ResourceProperties", "TopicArn"], ids=["no-properties", "no-topic"])
def test_missing_properties_fail(load_handler: Callable[[str], ModuleType], topic: str,
                                 cfn_responses: CfnResponseServer, lambda_context: FakeLambdaContext, drop: str) -> None:
    event = cfn_responses.event("Create", {"TopicArn": topic, "EmailList": ["ops@example.com"]})
    if drop == "TopicArn":
        del event["ResourceProperties"]["TopicArn"]
    else:
        del event["ResourceProperties"]
    load_handler("email_subscription_manager").handler(event, lambda_context)
    assert cfn_responses.last.status == "FAILED"


def test_an_unknown_request_type_fails(load_handler: Callable[[str], ModuleType], topic: str,
                                       cfn_responses: CfnResponseServer, lambda_context: FakeLambdaContext) -> None:
    event = cfn_responses.event("Create", {"TopicArn": topic, "EmailList": ["ops@example.com"]})
    event["RequestType"] = "Upsert"
    load_handler("email_subscription_manager").handler(event, lambda_context)
    assert cfn_responses.last.status == "FAILED" and "Unknown RequestType 'Upsert'" in cfn_responses.last.body["Reason"]


class FailingSubscribe(Fake):
    """SNS refusing one address (moto subscribes the others)."""

    service = "sns"

    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused = refused

    @api
    def Subscribe(self, params: dict[str, Any]) -> Any:
        if params["Endpoint"] == self.refused:
            raise AwsError("InternalError", "Internal error", 500)
        return PASS


def test_a_subscribe_failure_on_create_fails_and_the_rollback_removes_what_was_done(
        invoke: Callable[..., CfnResponse], topic: str, aws: StandardFakes) -> None:
    aws.add(FailingSubscribe("b@example.com"))
    response = invoke(emails=("a@example.com", "b@example.com"))
    assert response.status == "FAILED" and "Updating the e-mail subscriptions" in response.body["Reason"]
    assert response.body["PhysicalResourceId"] == f"bedrock-ops-alert/email-subscriptions/{topic}"
    assert list(emails(topic)) == ["a@example.com"]
    assert invoke("Delete", physical_id=response.body["PhysicalResourceId"]).status == "SUCCESS"
    assert emails(topic) == {}
