"""SNS: the raw topic the composite alarm notifies, the formatted topic the team subscribes to and
the raw topic's policy, with ChatNotifications=Yes the chat topic (add_topics, before the roles and
functions that use them); the processor's subscription, the e-mail subscriptions resource and the
chat topic's policy, which names the processor's role (add_subscriptions, once the functions exist)."""
from __future__ import annotations

from dataclasses import dataclass

import awacs.sns as sns
from awacs.aws import Allow, ArnLike, Bool, Condition, Deny, PolicyDocument, Principal, Statement, StringNotEquals
from troposphere import GetAtt, Ref, Template
from troposphere.awslambda import Function, Permission
from troposphere.cloudformation import CustomResource
from troposphere.iam import Role
from troposphere.sns import SubscriptionResource, Topic, TopicPolicy

from templates.names import alarm_arn, named
from templates.parameters import CHAT_ENABLED, Parameters
from templates.security import Security


@dataclass(frozen=True)
class Topics:
    raw: Topic
    formatted: Topic
    chat: Topic  # exists only with ChatNotifications=Yes (Condition CHAT_ENABLED): refer to it under that condition


def raw_topic_policy(raw: Topic) -> PolicyDocument:
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[Statement(
            Sid="AllowCloudWatchAlarmsToPublish",
            Effect=Allow,
            Principal=Principal("Service", "cloudwatch.amazonaws.com"),
            Action=[sns.Publish],
            Resource=[Ref(raw)],
            # Only this stack's alarms (all named <Customer>-Bedrock-…) may publish.
            Condition=Condition(ArnLike("aws:SourceArn", alarm_arn("{C}-Bedrock-*"))),
        )],
    )


def chat_topic_policy(chat: Topic, processor_role: Role) -> PolicyDocument:
    """Only the processor publishes chat messages, and only over TLS.

    Allows nothing: the processor's role grants its own Publish and Amazon Q Developer subscribes
    with the account's permissions. The Deny statements make the topic immune to a broader grant
    elsewhere in the account (anyone else publishing would speak for the alert pipeline in the channel).
    """
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="OnlyTheNotificationProcessorPublishes",
                Effect=Deny,
                Principal=Principal("AWS", "*"),
                Action=[sns.Publish],
                Resource=[Ref(chat)],
                Condition=Condition(StringNotEquals("aws:PrincipalArn", GetAtt(processor_role, "Arn"))),
            ),
            Statement(
                Sid="DenyInsecureTransport",
                Effect=Deny,
                Principal=Principal("AWS", "*"),
                Action=[sns.Publish, sns.Subscribe, sns.Action("SetTopicAttributes"), sns.Action("DeleteTopic")],
                Resource=[Ref(chat)],
                Condition=Condition(Bool("aws:SecureTransport", "false")),
            ),
        ],
    )


def add_topics(t: Template, security: Security) -> Topics:
    raw = t.add_resource(Topic("RawAlarmTopic", TopicName=named("{C}-Bedrock-Alarms-Raw-{M}"),
                               KmsMasterKeyId=Ref(security.key)))
    formatted = t.add_resource(Topic("FormattedNotificationTopic", TopicName=named("{C}-Bedrock-Alarms-Formatted-{M}"),
                                     KmsMasterKeyId=Ref(security.key)))
    t.add_resource(TopicPolicy("RawAlarmTopicPolicy", Topics=[Ref(raw)], PolicyDocument=raw_topic_policy(raw)))
    # The topic users attach their Amazon Q Developer channel configuration (Slack, Teams) to (issue 13).
    chat = t.add_resource(Topic("ChatTopic", Condition=CHAT_ENABLED, TopicName=named("{C}-Bedrock-Alarms-Chat-{M}"),
                                KmsMasterKeyId=Ref(security.key)))
    return Topics(raw=raw, formatted=formatted, chat=chat)


def add_subscriptions(t: Template, params: Parameters, topics: Topics, processor: Function,
                      subscription_manager: Function, processor_role: Role) -> None:
    t.add_resource(SubscriptionResource("RawAlarmSubscription", Protocol="lambda", TopicArn=Ref(topics.raw),
                                        Endpoint=GetAtt(processor, "Arn")))
    t.add_resource(Permission("RawAlarmInvokePermission", Action="lambda:InvokeFunction",
                              FunctionName=Ref(processor), Principal="sns.amazonaws.com",
                              SourceArn=Ref(topics.raw)))
    # Subscribes StakeholderEmailList on create, diffs it on update, removes it on delete (SPEC §4.3).
    t.add_resource(CustomResource(
        "EmailSubscriptions",
        ServiceToken=GetAtt(subscription_manager, "Arn"),
        TopicArn=Ref(topics.formatted),
        EmailList=Ref(params.stakeholder_email_list),
    ))
    t.add_resource(TopicPolicy("ChatTopicPolicy", Condition=CHAT_ENABLED, Topics=[Ref(topics.chat)],
                               PolicyDocument=chat_topic_policy(topics.chat, processor_role)))
