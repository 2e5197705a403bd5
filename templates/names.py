"""Physical names as CloudFormation ``Fn::Sub`` strings.

The same names as the original stack (SPEC §2); ``functions/ops_alert/names.py`` derives the same
names at run time, and tests/template checks the two agree.
"""
from __future__ import annotations

from troposphere import Sub

C, M = "${CustomerName}", "${BedrockModelName}"
SSM_PREFIX = f"/{C}/bedrock/quota-monitoring/{M}"
SECRET_PREFIX = f"{C}/bedrock/quota-monitoring/{M}"

# Logical ID → alarm type; the order is the composite alarm rule's order in the original.
CHILD_ALARMS: dict[str, tuple[str, str]] = {
    "ClientErrorAlarm": ("ClientErrors", "Critical"),
    "ServerErrorAlarm": ("ServerErrors", "Critical"),
    "ThrottleAlarm": ("Throttles", "Critical"),
    "HighInvocationRateAlarm": ("HighInvocationRate", "Warning"),
    "HighTPMQuotaUsageAlarm": ("HighTPMQuotaUsage", "Warning"),
    "HighLatencyAlarm": ("HighLatency", "Warning"),
    "InvocationAnomalyAlarm": ("InvocationAnomaly", "Warning"),
    "InputTokenAnomalyAlarm": ("InputTokenAnomaly", "Warning"),
    "OutputTokenAnomalyAlarm": ("OutputTokenAnomaly", "Warning"),
    "LatencyAnomalyAlarm": ("LatencyAnomaly", "Warning"),
}


def alarm_name(alarm_type: str, severity: str) -> Sub:
    return Sub(f"{C}-Bedrock-{alarm_type}-{severity}-{M}")


def named(pattern: str) -> Sub:
    """``named("{C}-Quota-Calculator-{M}")`` → Sub with customer and model filled in."""
    return Sub(pattern.format(C=C, M=M))


def ssm_parameter_name(leaf: str) -> Sub:
    return Sub(f"{SSM_PREFIX}/{leaf}")


def ssm_parameter_arn(leaf: str) -> Sub:
    return Sub(f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{SSM_PREFIX}/{leaf}")


def alarm_arn(name_pattern: str) -> Sub:
    """ARN of an alarm of this stack; ``name_pattern`` may end in ``*``."""
    return Sub(f"arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:{name_pattern.format(C=C, M=M)}")
