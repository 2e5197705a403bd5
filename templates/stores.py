"""The queues and the table that keep an alert from being lost or doubled (SPEC §8 items 7, 9, 10).

Created before the roles and functions that use them; what ties them to the processor (queue
policies, event source mapping, alarms on their depth) is in templates/resilience.py.

- AlertDeadLetterQueue: what still fails after Lambda's async retries lands here.
- FollowUpQueue: work that must wait for AWS (the case Service Quotas opens asynchronously) is
  re-queued with a delay instead of sleeping, billed, inside the function.
- IdempotencyTable: one record per alarm transition, so a redelivered or doubled event never opens a
  second case or sends a second e-mail.
"""
from __future__ import annotations

from dataclasses import dataclass

from troposphere import GetAtt, Ref, Sub, Template
from troposphere.dynamodb import (
    AttributeDefinition,
    KeySchema,
    PointInTimeRecoverySpecification,
    SSESpecification,
    Table,
    TimeToLiveSpecification,
)
from troposphere.sqs import Queue, RedrivePolicy

from templates.names import C, M, named
from templates.security import Security

FOURTEEN_DAYS = 14 * 24 * 3600  # the longest SQS retention: time to notice and replay
PROCESSOR_TIMEOUT = 600  # the notification processor's (templates/functions.py)


@dataclass(frozen=True)
class Stores:
    dead_letter_queue: Queue
    follow_up_queue: Queue
    idempotency_table: Table


def add_stores(t: Template, security: Security) -> Stores:
    follow_up_name = "{C}-Bedrock-Ops-Alert-Follow-Up-{M}"
    dead_letter_queue = t.add_resource(Queue(
        "AlertDeadLetterQueue",
        QueueName=named("{C}-Bedrock-Ops-Alert-DLQ-{M}"),
        KmsMasterKeyId=Ref(security.key),
        MessageRetentionPeriod=FOURTEEN_DAYS,
        # Only our own follow-up queue may redrive into it. Its ARN is written out (not GetAtt):
        # the follow-up queue's RedrivePolicy already depends on this queue.
        RedriveAllowPolicy={"redrivePermission": "byQueue", "sourceQueueArns": [Sub(
            "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:" + follow_up_name.format(C=C, M=M))]},
    ))
    follow_up_queue = t.add_resource(Queue(
        "FollowUpQueue",
        QueueName=named(follow_up_name),
        KmsMasterKeyId=Ref(security.key),
        # AWS's guidance for Lambda event sources: at least six times the function timeout.
        VisibilityTimeout=6 * PROCESSOR_TIMEOUT,
        MessageRetentionPeriod=FOURTEEN_DAYS,
        # A receive throttled by the processor's reserved concurrency of 1 counts too: AWS advises at
        # least 5 so a burst of alarms does not dead-letter follow-ups that never ran.
        RedrivePolicy=RedrivePolicy(deadLetterTargetArn=GetAtt(dead_letter_queue, "Arn"), maxReceiveCount=5),
    ))
    idempotency_table = t.add_resource(Table(
        "IdempotencyTable",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[AttributeDefinition(AttributeName="id", AttributeType="S")],
        KeySchema=[KeySchema(AttributeName="id", KeyType="HASH")],
        TimeToLiveSpecification=TimeToLiveSpecification(AttributeName="expiration", Enabled=True),
        SSESpecification=SSESpecification(SSEEnabled=True, SSEType="KMS", KMSMasterKeyId=Ref(security.key)),
        PointInTimeRecoverySpecification=PointInTimeRecoverySpecification(PointInTimeRecoveryEnabled=True),
    ))
    return Stores(dead_letter_queue, follow_up_queue, idempotency_table)
