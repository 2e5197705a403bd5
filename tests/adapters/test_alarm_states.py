"""alarm_states: composite and child states and the Layer 2 dimensions in one DescribeAlarms call."""
from __future__ import annotations

from collections import Counter

import boto3

from ops_alert_aws.alarm_states import describe_alarm_states
from tests.fakes import StandardFakes


def test_one_call_gives_composite_children_and_dimensions(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    cw = boto3.client("cloudwatch")
    cw.put_metric_alarm(AlarmName="child", Metrics=[
        {"Id": "m1", "ReturnData": False, "MetricStat": {"Metric": {"Namespace": "AWS/Bedrock", "MetricName": "Invocations",
         "Dimensions": [{"Name": "ModelId", "Value": "p1"}]}, "Period": 60, "Stat": "Sum"}},
        {"Id": "m2", "ReturnData": False, "MetricStat": {"Metric": {"Namespace": "AWS/Bedrock", "MetricName": "Invocations",
         "Dimensions": [{"Name": "ModelId", "Value": "p2"}]}, "Period": 60, "Stat": "Sum"}},
        {"Id": "e1", "Expression": "m1+m2", "ReturnData": True}],
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cw.put_composite_alarm(AlarmName="composite", AlarmRule="ALARM(child)")
    cw.set_alarm_state(AlarmName="child", StateValue="ALARM", StateReason="t")
    aws.cloudwatch.set_composite_state("composite", "ALARM")
    before = aws_calls["cloudwatch:DescribeAlarms"]
    states = describe_alarm_states(["composite", "child", "missing"])
    assert aws_calls["cloudwatch:DescribeAlarms"] - before == 1
    assert states["composite"].composite and states["composite"].state == "ALARM"
    assert states["composite"].transitioned_at is not None
    assert states["child"].model_dimensions == ("p1", "p2") and states["child"].state == "ALARM"
    assert "missing" not in states
