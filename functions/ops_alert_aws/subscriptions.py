"""E-mail subscriptions of an SNS topic: list (all pages), subscribe, unsubscribe.

A subscription still waiting for its confirmation link has SubscriptionArn "PendingConfirmation"
and cannot be unsubscribed by ARN; SNS deletes it by itself when it stays unconfirmed for three
days (and with the topic). Callers leave such subscriptions alone and log that.
"""
from __future__ import annotations

from dataclasses import dataclass

from ops_alert_aws.clients import client

EMAIL = "email"
PENDING = "PendingConfirmation"
# Older SNS responses spelled it this way; both mean "not confirmed yet".
_PENDING_VALUES = frozenset({PENDING, "pending confirmation"})


@dataclass(frozen=True)
class Subscription:
    endpoint: str  # the e-mail address as subscribed
    arn: str  # the subscription ARN, or PENDING

    @property
    def pending(self) -> bool:
        return self.arn in _PENDING_VALUES or not self.arn.startswith("arn:")


def list_email_subscriptions(topic_arn: str) -> list[Subscription]:
    """The topic's e-mail subscriptions, confirmed and pending (other protocols are ignored)."""
    pages = client("sns").get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
    return [
        Subscription(endpoint=str(s.get("Endpoint", "")), arn=str(s.get("SubscriptionArn", "")))
        for page in pages
        for s in page.get("Subscriptions", [])
        if s.get("Protocol") == EMAIL
    ]


def subscribe_email(topic_arn: str, address: str) -> str:
    """Subscribe an address (SNS e-mails it a confirmation link); returns the subscription ARN."""
    response = client("sns").subscribe(TopicArn=topic_arn, Protocol=EMAIL, Endpoint=address)
    return str(response.get("SubscriptionArn", PENDING))


def unsubscribe(subscription_arn: str) -> None:
    client("sns").unsubscribe(SubscriptionArn=subscription_arn)
