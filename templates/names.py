"""Physical names as CloudFormation ``Fn::Sub`` strings.

The same names as the original stack (SPEC §2); ``functions/ops_alert/names.py`` derives the same
names at run time, and tests/template checks the two agree.
"""
from __future__ import annotations

from typing import Any

from troposphere import Sub

from ops_alert.alarms import ALARM_KINDS, AlarmKind

C, M = "${CustomerName}", "${BedrockModelName}"
SSM_PREFIX = f"/{C}/bedrock/quota-monitoring/{M}"
SECRET_PREFIX = f"{C}/bedrock/quota-monitoring/{M}"

# Logical ID of each child alarm, by alarm type of the catalogue (ops_alert.alarms, which also gives
# the severity); the logical IDs are the original stack's, plus the per-day alarm's.
_LOGICAL_IDS = {
    "ClientErrors": "ClientErrorAlarm",
    "ServerErrors": "ServerErrorAlarm",
    "Throttles": "ThrottleAlarm",
    "HighInvocationRate": "HighInvocationRateAlarm",
    "HighTPMQuotaUsage": "HighTPMQuotaUsageAlarm",
    "HighLatency": "HighLatencyAlarm",
    "InvocationAnomaly": "InvocationAnomalyAlarm",
    "InputTokenAnomaly": "InputTokenAnomalyAlarm",
    "OutputTokenAnomaly": "OutputTokenAnomalyAlarm",
    "LatencyAnomaly": "LatencyAnomalyAlarm",
    "HighDailyTokenUsage": "HighDailyTokenUsageAlarm",  # issue 12: not in the original stack
}
# Logical ID → alarm kind, in the catalogue's order (the composite alarm rule's order in the original).
CHILD_ALARMS: dict[str, AlarmKind] = {_LOGICAL_IDS[kind.key]: kind for kind in ALARM_KINDS}


def child_alarm_id(kind: AlarmKind) -> str:
    """Logical ID of the child alarm of ``kind``: the one place it is written (templates/alarms.py creates it)."""
    return _LOGICAL_IDS[kind.key]


def alarm_name(kind: AlarmKind) -> Sub:
    """``${CustomerName}-Bedrock-Throttles-Critical-${BedrockModelName}``: as StackNames.alarm_name."""
    return Sub(f"{C}-Bedrock-{kind.key}-{kind.suffix}-{M}")


# The stack's dashboard (issue 12), as StackNames.dashboard_name; the updater's IAM grant names it too.
DASHBOARD_NAME = "{C}-Bedrock-Ops-Alert-{M}"


def placeholder(obj: Any, attribute: str | None = None) -> str:
    """``${LogicalId}`` or ``${LogicalId.Attribute}`` of a troposphere object, for a Fn::Sub string:
    the Sub counterpart of ``Ref(obj)`` / ``GetAtt(obj, attribute)``."""
    return f"${{{obj.title}.{attribute}}}" if attribute else f"${{{obj.title}}}"


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
