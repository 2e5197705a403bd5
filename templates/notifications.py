"""SNS: the raw topic the composite alarm notifies, the formatted topic the team subscribes to,
the raw topic's policy, the processor's subscription and the e-mail subscriptions resource."""
from __future__ import annotations

import awacs.sns as sns
from awacs.aws import Allow, ArnLike, Condition, PolicyDocument, Principal, Statement
from troposphere import GetAtt, Ref, Template
from troposphere.awslambda import Permission
from troposphere.cloudformation import CustomResource
from troposphere.sns import SubscriptionResource, Topic, TopicPolicy

from templates.names import alarm_arn, named
from templates.parameters import Parameters
from templates.security import Security

RAW_TOPIC = "RawAlarmTopic"
FORMATTED_TOPIC = "FormattedNotificationTopic"


def raw_topic_policy() -> PolicyDocument:
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[Statement(
            Sid="AllowCloudWatchAlarmsToPublish",
            Effect=Allow,
            Principal=Principal("Service", "cloudwatch.amazonaws.com"),
            Action=[sns.Publish],
            Resource=[Ref(RAW_TOPIC)],
            # Only this stack's alarms (all named <Customer>-Bedrock-…) may publish.
            Condition=Condition(ArnLike("aws:SourceArn", alarm_arn("{C}-Bedrock-*"))),
        )],
    )


def add_notifications(t: Template, params: Parameters, security: Security) -> None:
    t.add_resource(Topic(RAW_TOPIC, TopicName=named("{C}-Bedrock-Alarms-Raw-{M}"),
                         KmsMasterKeyId=Ref(security.key)))
    t.add_resource(Topic(FORMATTED_TOPIC, TopicName=named("{C}-Bedrock-Alarms-Formatted-{M}"),
                         KmsMasterKeyId=Ref(security.key)))
    t.add_resource(TopicPolicy("RawAlarmTopicPolicy", Topics=[Ref(RAW_TOPIC)], PolicyDocument=raw_topic_policy()))
    t.add_resource(SubscriptionResource("RawAlarmSubscription", Protocol="lambda", TopicArn=Ref(RAW_TOPIC),
                                Endpoint=GetAtt("NotificationProcessor", "Arn")))
    t.add_resource(Permission("RawAlarmInvokePermission", Action="lambda:InvokeFunction",
                              FunctionName=Ref("NotificationProcessor"), Principal="sns.amazonaws.com",
                              SourceArn=Ref(RAW_TOPIC)))
    # Subscribes StakeholderEmailList on create, diffs it on update, removes it on delete (SPEC §4.3).
    t.add_resource(CustomResource(
        "EmailSubscriptions",
        ServiceToken=GetAtt("EmailSubscriptionManager", "Arn"),
        TopicArn=Ref(FORMATTED_TOPIC),
        EmailList=Ref(params.stakeholder_email_list),
    ))
