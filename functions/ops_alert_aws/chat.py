"""The chat message: one SNS Publish to the stack's chat topic (issue 13), and whether a channel listens.

Amazon Q Developer in chat applications receives the topic's messages through an SNS subscription
it creates when a Slack or Microsoft Teams channel configuration names the topic. SNS accepts a
publish to a topic nobody subscribes to without a word, so "no channel attached" is found by
looking at the topic's subscriptions (ListSubscriptionsByTopic). A "yes" is kept per container for
``SUBSCRIPTION_CHECK_SECONDS``: once a channel is attached, alerts make no extra call within that
time; while none is, each alert looks again, so a channel attached a minute ago counts at once.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ops_alert.content.chat import to_sns_message
from ops_alert_aws.clients import client

SUBSCRIPTION_CHECK_SECONDS = 15 * 60
_PENDING = "PendingConfirmation"
_attached_at: dict[str, float] = {}  # topic ARN -> monotonic time a confirmed subscription was seen


def publish_chat(topic_arn: str, message: Mapping[str, Any]) -> str:
    """Publish the custom notification; returns the SNS MessageId. Errors propagate."""
    response = client("sns").publish(TopicArn=topic_arn, Message=to_sns_message(message))
    return str(response.get("MessageId", ""))


def channel_attached(topic_arn: str, now: float | None = None) -> bool:
    """Does the chat topic have a confirmed subscription (a channel configuration)? Cached per container."""
    moment = time.monotonic() if now is None else now
    seen = _attached_at.get(topic_arn)
    if seen is not None and moment - seen < SUBSCRIPTION_CHECK_SECONDS:
        return True
    for page in client("sns").get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn):
        if any(s.get("SubscriptionArn", _PENDING) != _PENDING for s in page.get("Subscriptions", [])):
            _attached_at[topic_arn] = moment
            return True
    _attached_at.pop(topic_arn, None)
    return False
