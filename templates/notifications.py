"""SNS: the raw topic the composite alarm notifies, the formatted topic the team subscribes to and
the raw topic's policy (add_topics, before the roles and functions that use them); the processor's
subscription and the e-mail subscriptions resource (add_subscriptions, once the functions exist)."""
from __future__ import annotations

from dataclasses import dataclass

import awacs.sns as sns
from awacs.aws import Allow, ArnLike, Condition, PolicyDocument, Principal, Statement
from troposphere import GetAtt, Ref, Template
from troposphere.awslambda import Function, Permission
from troposphere.cloudformation import CustomResource
from troposphere.sns import SubscriptionResource, Topic, TopicPolicy

from templates.names import alarm_arn, named
from templates.parameters import Parameters
from templates.security import Security


@dataclass(frozen=True)
class Topics:
    raw: Topic
    formatted: Topic


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


def add_topics(t: Template, security: Security) -> Topics:
    raw = t.add_resource(Topic("RawAlarmTopic", TopicName=named("{C}-Bedrock-Alarms-Raw-{M}"),
                               KmsMasterKeyId=Ref(security.key)))
    formatted = t.add_resource(Topic("FormattedNotificationTopic", TopicName=named("{C}-Bedrock-Alarms-Formatted-{M}"),
                                     KmsMasterKeyId=Ref(security.key)))
    t.add_resource(TopicPolicy("RawAlarmTopicPolicy", Topics=[Ref(raw)], PolicyDocument=raw_topic_policy(raw)))
    return Topics(raw=raw, formatted=formatted)


def add_subscriptions(t: Template, params: Parameters, topics: Topics, processor: Function,
                      subscription_manager: Function) -> None:
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
