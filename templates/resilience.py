"""What ties the stores (templates/stores.py) to the processor, and the pipeline watching itself
(SPEC §8 items 7, 9, 10).

- EscalationRule: a child alarm entering ALARM while the composite is already in ALARM produces no
  composite notification; CloudWatch's own state-change event does, and this rule delivers it.
- AlertDeadLetterQueue: an alarm on its depth (and one on the processor's errors) tells the SRE
  team through the formatted topic.
- FollowUpQueue: the processor's event source.
- Queue policies: only the processor's role sends to the follow-up queue, only the two roles whose
  failures Lambda dead-letters send to the DLQ (issue 9). What SQS itself moves on a principal's
  behalf (the follow-up queue's redrive to the DLQ, the runbook's move task back) stays possible.
"""
from __future__ import annotations

import awacs.sqs as sqs
from awacs.aws import Bool, Condition, Deny, PolicyDocument, Principal, Statement, StringNotEquals
from troposphere import GetAtt, Ref, Sub, Template
from troposphere.awslambda import EventInvokeConfig, EventSourceMapping, Permission
from troposphere.cloudwatch import Alarm, MetricDimension
from troposphere.events import Rule, Target
from troposphere.iam import Role
from troposphere.sqs import Queue, QueuePolicy

from templates.functions import Functions
from templates.iam import Roles
from templates.names import CHILD_ALARMS, alarm_name, named, placeholder
from templates.notifications import Topics
from templates.stores import Stores


def add_resilience(t: Template, stores: Stores, roles: Roles, functions: Functions, topics: Topics) -> None:
    processor = functions.notification_processor
    t.add_resource(senders_only(stores.follow_up_queue, [roles.notification_processor]))
    # Lambda writes a failed asynchronous event to its dead-letter queue as the function's role.
    t.add_resource(senders_only(stores.dead_letter_queue, [roles.notification_processor, roles.alarm_updater]))
    t.add_resource(EventSourceMapping(
        "FollowUpEventSourceMapping",
        EventSourceArn=GetAtt(stores.follow_up_queue, "Arn"),
        FunctionName=Ref(processor),
        BatchSize=1,
        Enabled=True,
    ))
    # Retries of asynchronous invocations (SNS, EventBridge): Lambda's maximum, stated explicitly.
    t.add_resource(EventInvokeConfig(
        "NotificationProcessorEventInvokeConfig",
        FunctionName=Ref(processor),
        Qualifier="$LATEST",
        MaximumRetryAttempts=2,
        MaximumEventAgeInSeconds=6 * 3600,
    ))
    escalations = t.add_resource(Rule(
        "EscalationRule",
        Name=named("{C}-Bedrock-Alarm-Escalations-{M}"),
        Description="Child alarms of this stack entering ALARM, including while the composite is already in ALARM",
        EventPattern={
            "source": ["aws.cloudwatch"],
            "detail-type": ["CloudWatch Alarm State Change"],
            "detail": {
                "alarmName": [alarm_name(kind) for kind in CHILD_ALARMS.values()],
                "state": {"value": ["ALARM"]},
            },
        },
        State="ENABLED",
        Targets=[Target(Arn=GetAtt(processor, "Arn"), Id="NotificationProcessorTarget")],
    ))
    t.add_resource(Permission(
        "EscalationInvokePermission",
        FunctionName=Ref(processor),
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=GetAtt(escalations, "Arn"),
    ))
    # The pipeline watching itself: these notify the formatted topic directly, not the composite.
    t.add_resource(health_alarm(
        "ProcessorErrorsAlarm", "{C}-Bedrock-Ops-Alert-Processor-Errors-{M}",
        "The notification processor failed; it will retry, then dead-letter the alert",
        "AWS/Lambda", "Errors", MetricDimension(Name="FunctionName", Value=Ref(processor)), "Sum", topics))
    t.add_resource(health_alarm(
        "DeadLetterQueueAlarm", "{C}-Bedrock-Ops-Alert-DLQ-Not-Empty-{M}",
        Sub("Alerts that could not be processed are waiting in "
            + placeholder(stores.dead_letter_queue, "QueueName")),
        "AWS/SQS", "ApproximateNumberOfMessagesVisible",
        MetricDimension(Name="QueueName", Value=GetAtt(stores.dead_letter_queue, "QueueName")), "Maximum", topics))


def health_alarm(logical_id: str, name: str, description: str | Sub, namespace: str, metric: str,
                 dimension: MetricDimension, statistic: str, topics: Topics) -> Alarm:
    """Fires on the first bad datapoint in five minutes and e-mails the team."""
    return Alarm(
        logical_id,
        AlarmName=named(name),
        AlarmDescription=description,
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[dimension],
        Statistic=statistic,
        Period=300,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[Ref(topics.formatted)],
    )


def senders_only(queue: Queue, roles: list[Role]) -> QueuePolicy:
    """Deny SendMessage to every principal but ``roles`` — IAM alone would let anyone in the account
    with a broad sqs:SendMessage feed the processor. Requests an AWS service makes on a principal's
    behalf (SQS's own redrive and message-move tasks) are not sent as that principal and pass."""
    return QueuePolicy(
        f"{queue.title}Policy",
        Queues=[Ref(queue)],
        PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[Statement(
            Sid="OnlyThisStackSends",
            Effect=Deny,
            Principal=Principal("*"),
            Action=[sqs.SendMessage],
            Resource=[GetAtt(queue, "Arn")],
            Condition=Condition([
                StringNotEquals("aws:PrincipalArn", [GetAtt(role, "Arn") for role in roles]),
                Bool("aws:ViaAWSService", "false"),
            ]),
        )]),
    )
