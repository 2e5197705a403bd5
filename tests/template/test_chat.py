"""The chat topic (ChatNotifications, issue 13): off by default, and least privilege when on."""
from __future__ import annotations

import json
from typing import Any

import pytest

from ops_alert import processor_env as var

CONDITION = "ChatNotificationsEnabled"
CHAT_RESOURCES = ("ChatTopic", "ChatTopicPolicy", "NotificationProcessorChatPolicy")


def test_the_parameter_keeps_chat_off_by_default(template: dict) -> None:
    p = template["Parameters"]["ChatNotifications"]
    assert (p["Type"], p["Default"], p["AllowedValues"]) == ("String", "No", ["No", "Yes"])
    assert template["Conditions"][CONDITION] == {"Fn::Equals": [{"Ref": "ChatNotifications"}, "Yes"]}
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    assert any("ChatNotifications" in g["Parameters"] for g in groups)


def _refs(value: Any) -> set[str]:
    text = json.dumps(value)
    return {name for name in CHAT_RESOURCES if f'"Ref": "{name}"' in text or f'"Fn::GetAtt": ["{name}"' in text}


def test_every_chat_resource_and_reference_exists_only_with_chat_on(template: dict, resources: dict) -> None:
    for name in CHAT_RESOURCES:
        assert resources[name]["Condition"] == CONDITION
    # A reference from an unconditional place must sit in an Fn::If on the same condition.
    env = resources["NotificationProcessor"]["Properties"]["Environment"]["Variables"]
    assert env[var.CHAT_TOPIC_ARN] == {"Fn::If": [CONDITION, {"Ref": "ChatTopic"}, ""]}
    for lid, resource in resources.items():
        if lid in CHAT_RESOURCES or lid == "NotificationProcessor":
            continue
        assert not _refs(resource), f"{lid} refers to a chat resource that may not exist"
    output = template["Outputs"]["ChatTopicArn"]
    assert output["Condition"] == CONDITION and output["Value"] == {"Ref": "ChatTopic"}


def test_the_chat_topic_is_encrypted_with_the_stacks_key(resources: dict) -> None:
    props = resources["ChatTopic"]["Properties"]
    assert props["KmsMasterKeyId"] == {"Ref": "BedrockOpsAlertEncryptionKey"}
    assert props["TopicName"] == {"Fn::Sub": "${CustomerName}-Bedrock-Alarms-Chat-${BedrockModelName}"}


def test_only_the_processor_may_publish_and_only_over_tls(resources: dict) -> None:
    policy = resources["ChatTopicPolicy"]["Properties"]
    assert policy["Topics"] == [{"Ref": "ChatTopic"}]
    statements = policy["PolicyDocument"]["Statement"]
    assert all(s["Effect"] == "Deny" for s in statements)  # grants nothing; narrows every grant elsewhere
    by_sid = {s["Sid"]: s for s in statements}
    publish = by_sid["OnlyTheNotificationProcessorPublishes"]
    assert publish["Action"] == ["sns:Publish"] and publish["Resource"] == [{"Ref": "ChatTopic"}]
    assert publish["Condition"] == {"StringNotEquals": {
        "aws:PrincipalArn": {"Fn::GetAtt": ["NotificationProcessorRole", "Arn"]}}}
    assert by_sid["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_processor_gets_publish_and_the_subscription_check_on_the_chat_topic_only(resources: dict) -> None:
    chat = resources["NotificationProcessorChatPolicy"]["Properties"]
    assert chat["Roles"] == [{"Ref": "NotificationProcessorRole"}]
    [statement] = chat["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["sns:ListSubscriptionsByTopic", "sns:Publish"]
    assert statement["Resource"] == [{"Ref": "ChatTopic"}]
    # The role's own SNS grant stays the e-mail topic's.
    [sns] = [p for p in resources["NotificationProcessorRole"]["Properties"]["Policies"] if p["PolicyName"] == "SNSPolicy"]
    assert sns["PolicyDocument"]["Statement"][0]["Resource"] == [{"Ref": "FormattedNotificationTopic"}]


@pytest.mark.parametrize("other", ["QuotaCalculatorRole", "AlarmUpdaterRole", "EmailSubscriptionManagerRole"])
def test_no_other_function_touches_the_chat_topic(resources: dict, other: str) -> None:
    assert not _refs(resources[other])
