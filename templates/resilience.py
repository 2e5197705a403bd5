"""What keeps an alert from being lost or doubled (SPEC §8 items 7, 9, 10).

- EscalationRule: a child alarm entering ALARM while the composite is already in ALARM produces no
  composite notification; CloudWatch's own state-change event does, and this rule delivers it.
- AlertDeadLetterQueue: what still fails after Lambda's async retries lands here, and an alarm on
  its depth (and one on the processor's errors) tells the SRE team through the formatted topic.
- FollowUpQueue: work that must wait for AWS (the case Service Quotas opens asynchronously) is
  re-queued with a delay instead of sleeping, billed, inside the function.
- IdempotencyTable: one record per alarm transition, so a redelivered or doubled event never opens a
  second case or sends a second e-mail.
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
from troposphere.dynamodb import (
    AttributeDefinition,
    KeySchema,
    PointInTimeRecoverySpecification,
    SSESpecification,
    Table,
    TimeToLiveSpecification,
)
from troposphere.events import Rule, Target
from troposphere.sqs import Queue, QueuePolicy, RedrivePolicy

from templates.names import CHILD_ALARMS, C, M, alarm_name, named
from templates.security import Security

DLQ = "AlertDeadLetterQueue"
FOLLOW_UP = "FollowUpQueue"
IDEMPOTENCY = "IdempotencyTable"
PROCESSOR = "NotificationProcessor"
FOURTEEN_DAYS = 14 * 24 * 3600  # the longest SQS retention: time to notice and replay
PROCESSOR_TIMEOUT = 600


def add_resilience(t: Template, security: Security) -> None:
    t.add_resource(Queue(
        DLQ,
        QueueName=named("{C}-Bedrock-Ops-Alert-DLQ-{M}"),
        KmsMasterKeyId=Ref(security.key),
        MessageRetentionPeriod=FOURTEEN_DAYS,
        # Only our own follow-up queue may redrive into it. Its ARN is written out (not GetAtt):
        # the follow-up queue's RedrivePolicy already depends on this queue.
        RedriveAllowPolicy={"redrivePermission": "byQueue", "sourceQueueArns": [Sub(
            f"arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:{C}-Bedrock-Ops-Alert-Follow-Up-{M}")]},
    ))
    t.add_resource(Queue(
        FOLLOW_UP,
        QueueName=named("{C}-Bedrock-Ops-Alert-Follow-Up-{M}"),
        KmsMasterKeyId=Ref(security.key),
        # AWS's guidance for Lambda event sources: at least six times the function timeout.
        VisibilityTimeout=6 * PROCESSOR_TIMEOUT,
        MessageRetentionPeriod=FOURTEEN_DAYS,
        # A receive throttled by the processor's reserved concurrency of 1 counts too: AWS advises at
        # least 5 so a burst of alarms does not dead-letter follow-ups that never ran.
        RedrivePolicy=RedrivePolicy(deadLetterTargetArn=GetAtt(DLQ, "Arn"), maxReceiveCount=5),
    ))
    t.add_resource(senders_only(FOLLOW_UP, ["NotificationProcessorRole"]))
    # Lambda writes a failed asynchronous event to its dead-letter queue as the function's role.
    t.add_resource(senders_only(DLQ, ["NotificationProcessorRole", "AlarmUpdaterRole"]))
    t.add_resource(EventSourceMapping(
        "FollowUpEventSourceMapping",
        EventSourceArn=GetAtt(FOLLOW_UP, "Arn"),
        FunctionName=Ref(PROCESSOR),
        BatchSize=1,
        Enabled=True,
    ))
    t.add_resource(Table(
        IDEMPOTENCY,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[AttributeDefinition(AttributeName="id", AttributeType="S")],
        KeySchema=[KeySchema(AttributeName="id", KeyType="HASH")],
        TimeToLiveSpecification=TimeToLiveSpecification(AttributeName="expiration", Enabled=True),
        SSESpecification=SSESpecification(SSEEnabled=True, SSEType="KMS", KMSMasterKeyId=Ref(security.key)),
        PointInTimeRecoverySpecification=PointInTimeRecoverySpecification(PointInTimeRecoveryEnabled=True),
    ))
    # Retries of asynchronous invocations (SNS, EventBridge): Lambda's maximum, stated explicitly.
    t.add_resource(EventInvokeConfig(
        "NotificationProcessorEventInvokeConfig",
        FunctionName=Ref(PROCESSOR),
        Qualifier="$LATEST",
        MaximumRetryAttempts=2,
        MaximumEventAgeInSeconds=6 * 3600,
    ))
    t.add_resource(Rule(
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
        Targets=[Target(Arn=GetAtt(PROCESSOR, "Arn"), Id="NotificationProcessorTarget")],
    ))
    t.add_resource(Permission(
        "EscalationInvokePermission",
        FunctionName=Ref(PROCESSOR),
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=GetAtt("EscalationRule", "Arn"),
    ))
    # The pipeline watching itself: these notify the formatted topic directly, not the composite.
    t.add_resource(health_alarm(
        "ProcessorErrorsAlarm", "{C}-Bedrock-Ops-Alert-Processor-Errors-{M}",
        "The notification processor failed; it will retry, then dead-letter the alert",
        "AWS/Lambda", "Errors", MetricDimension(Name="FunctionName", Value=Ref(PROCESSOR)), "Sum"))
    t.add_resource(health_alarm(
        "DeadLetterQueueAlarm", "{C}-Bedrock-Ops-Alert-DLQ-Not-Empty-{M}",
        Sub("Alerts that could not be processed are waiting in ${AlertDeadLetterQueue.QueueName}"),
        "AWS/SQS", "ApproximateNumberOfMessagesVisible",
        MetricDimension(Name="QueueName", Value=GetAtt(DLQ, "QueueName")), "Maximum"))


def health_alarm(logical_id: str, name: str, description: str | Sub, namespace: str, metric: str,
                 dimension: MetricDimension, statistic: str) -> Alarm:
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
        AlarmActions=[Ref("FormattedNotificationTopic")],
    )


def senders_only(queue: str, roles: list[str]) -> QueuePolicy:
    """Deny SendMessage to every principal but ``roles`` — IAM alone would let anyone in the account
    with a broad sqs:SendMessage feed the processor. Requests an AWS service makes on a principal's
    behalf (SQS's own redrive and message-move tasks) are not sent as that principal and pass."""
    return QueuePolicy(
        f"{queue}Policy",
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
