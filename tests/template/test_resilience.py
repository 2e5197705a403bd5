"""Alerts are neither lost nor doubled (SPEC §8 items 7, 9, 10), and the security scan's skips are justified."""
from __future__ import annotations

import pytest

from ops_alert_aws.idempotency import TTL_ATTRIBUTE  # the one constant every writer of the table uses


def test_escalation_rule_catches_every_child_entering_alarm(resources: dict) -> None:
    rule = resources["EscalationRule"]["Properties"]
    pattern = rule["EventPattern"]
    assert pattern["source"] == ["aws.cloudwatch"]
    assert pattern["detail-type"] == ["CloudWatch Alarm State Change"]
    assert pattern["detail"]["state"] == {"value": ["ALARM"]}
    names = [n["Fn::Sub"] for n in pattern["detail"]["alarmName"]]
    composite_rule = resources["BedrockQuotaHealthAlarm"]["Properties"]["AlarmRule"]["Fn::Sub"]
    assert len(names) == 11 == composite_rule.count("ALARM(")  # the per-day alarm too
    assert not any("Composite" in n for n in names)  # the composite has its own SNS path
    assert rule["Targets"] == [{"Arn": {"Fn::GetAtt": ["NotificationProcessor", "Arn"]}, "Id": "NotificationProcessorTarget"}]
    permission = resources["EscalationInvokePermission"]["Properties"]
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": ["EscalationRule", "Arn"]}


def test_failed_processor_runs_are_retried_then_dead_lettered(resources: dict) -> None:
    processor = resources["NotificationProcessor"]["Properties"]
    assert processor["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": ["AlertDeadLetterQueue", "Arn"]}}
    invoke = resources["NotificationProcessorEventInvokeConfig"]["Properties"]
    assert invoke["MaximumRetryAttempts"] == 2 and invoke["FunctionName"] == {"Ref": "NotificationProcessor"}
    dlq = resources["AlertDeadLetterQueue"]["Properties"]
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert dlq["KmsMasterKeyId"] == {"Ref": "BedrockOpsAlertEncryptionKey"}


def test_the_team_hears_about_a_failing_pipeline(resources: dict) -> None:
    for lid in ("ProcessorErrorsAlarm", "DeadLetterQueueAlarm"):
        p = resources[lid]["Properties"]
        assert p["AlarmActions"] == [{"Ref": "FormattedNotificationTopic"}], lid
        assert p["Threshold"] == 0 and p["ComparisonOperator"] == "GreaterThanThreshold"
    assert resources["DeadLetterQueueAlarm"]["Properties"]["Dimensions"][0]["Value"] == \
        {"Fn::GetAtt": ["AlertDeadLetterQueue", "QueueName"]}


def test_processor_handles_one_alarm_at_a_time(resources: dict) -> None:
    assert resources["NotificationProcessor"]["Properties"]["ReservedConcurrentExecutions"] == 1


def test_follow_up_queue_waits_instead_of_sleeping(resources: dict) -> None:
    queue = resources["FollowUpQueue"]["Properties"]
    timeout = resources["NotificationProcessor"]["Properties"]["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["AlertDeadLetterQueue", "Arn"]}
    # Throttled receives (reserved concurrency 1) count toward it: AWS's minimum advice is 5.
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= 5
    mapping = resources["FollowUpEventSourceMapping"]["Properties"]
    assert mapping["BatchSize"] == 1 and mapping["FunctionName"] == {"Ref": "NotificationProcessor"}


def test_idempotency_table_expires_records_and_is_encrypted(resources: dict) -> None:
    table = resources["IdempotencyTable"]["Properties"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["SSESpecification"]["KMSMasterKeyId"] == {"Ref": "BedrockOpsAlertEncryptionKey"}


def test_the_table_expires_items_by_the_attribute_the_functions_write(resources: dict) -> None:
    assert resources["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"]["AttributeName"] == TTL_ATTRIBUTE


@pytest.mark.parametrize("variable,target", [
    ("IDEMPOTENCY_TABLE", {"Ref": "IdempotencyTable"}),
    ("FOLLOW_UP_QUEUE_URL", {"Ref": "FollowUpQueue"}),
    ("CUSTOMER_NAME", {"Ref": "CustomerName"}),
])
def test_processor_is_wired_to_its_resources(resources: dict, variable: str, target: dict) -> None:
    assert resources["NotificationProcessor"]["Properties"]["Environment"]["Variables"][variable] == target


def test_processor_role_reaches_exactly_its_queues_and_table(resources: dict) -> None:
    policies = {p["PolicyName"]: p["PolicyDocument"] for p in resources["NotificationProcessorRole"]["Properties"]["Policies"]}
    (table,) = policies["IdempotencyPolicy"]["Statement"]
    assert table["Resource"] == [{"Fn::GetAtt": ["IdempotencyTable", "Arn"]}]
    send = policies["QueuePolicy"]["Statement"][0]
    assert sorted(r["Fn::GetAtt"][0] for r in send["Resource"]) == ["AlertDeadLetterQueue", "FollowUpQueue"]


def test_every_security_scan_skip_carries_a_reason(resources: dict) -> None:
    skips = [(lid, s) for lid, r in resources.items() for s in r.get("Metadata", {}).get("checkov", {}).get("skip", [])]
    assert skips, "expected the documented skips (no VPC, …)"
    for lid, s in skips:
        assert s["id"].startswith("CKV") and len(s["comment"]) > 40, (lid, s)
