"""The chat topic adapter: publish the custom notification, and whether a channel is subscribed (issue 13)."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber

from ops_alert_aws import chat, clients
from tests.fakes import StandardFakes


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    chat._attached_at.clear()
    yield
    chat._attached_at.clear()


def _topic(with_subscription: str | None) -> str:
    sns = boto3.client("sns", region_name="us-east-1")
    topic = sns.create_topic(Name="Acme-Bedrock-Alarms-Chat-G-Opus-4-6")["TopicArn"]
    if with_subscription == "sqs":
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="channel")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic


@pytest.mark.parametrize(("subscription", "attached"), [(None, False), ("sqs", True)], ids=["none", "confirmed"])
def test_a_channel_counts_when_subscribed(aws: StandardFakes, subscription: str | None, attached: bool) -> None:
    assert chat.channel_attached(_topic(subscription)) is attached


def test_a_subscription_awaiting_confirmation_is_no_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto confirms at once; SNS lists an unconfirmed subscription with the ARN "PendingConfirmation"."""
    for key, value in (("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "testing"),
                       ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(key, value)
    clients.reset()
    topic = "arn:aws:sns:us-east-1:123456789012:Acme-Bedrock-Alarms-Chat-G-Opus-4-6"
    pending = {"SubscriptionArn": "PendingConfirmation", "Owner": "123456789012", "Protocol": "https",
               "Endpoint": "https://example.com/hook", "TopicArn": topic}
    with Stubber(clients.client("sns")) as stub:
        stub.add_response("list_subscriptions_by_topic", {"Subscriptions": [pending], "NextToken": "t"},
                          {"TopicArn": topic})
        stub.add_response("list_subscriptions_by_topic", {"Subscriptions": [pending]},
                          {"TopicArn": topic, "NextToken": "t"})
        assert chat.channel_attached(topic) is False
        stub.assert_no_pending_responses()  # every page was read


def test_a_seen_channel_is_remembered_for_a_while_and_no_channel_never_is(
    aws: StandardFakes, aws_calls: Counter[str]
) -> None:
    lonely = _topic(None)
    assert not chat.channel_attached(lonely, now=0.0) and not chat.channel_attached(lonely, now=1.0)
    assert aws_calls["sns:ListSubscriptionsByTopic"] == 2  # "no" is asked again at every alert
    topic = _topic("sqs")
    assert chat.channel_attached(topic, now=10.0) and chat.channel_attached(topic, now=10.0 + 899)
    assert aws_calls["sns:ListSubscriptionsByTopic"] == 3
    assert chat.channel_attached(topic, now=10.0 + chat.SUBSCRIPTION_CHECK_SECONDS)
    assert aws_calls["sns:ListSubscriptionsByTopic"] == 4


def test_the_message_is_published_as_compact_json(aws: StandardFakes) -> None:
    topic = _topic(None)
    assert chat.publish_chat(topic, {"version": "1.0", "source": "custom", "content": {"description": "hi ‹x›"}})
    [call] = [c for c in aws.log if c.key == "sns:Publish"]
    assert call.params["TopicArn"] == topic and "Subject" not in call.params
    assert json.loads(call.params["Message"])["content"]["description"] == "hi ‹x›"
    assert call.params["Message"].isascii()
