"""The names the functions compute at run time are the names the template creates."""
from __future__ import annotations

import pytest

from ops_alert.alarms import ALARM_KINDS, BY_KEY, DAILY_TOKENS, Severity
from ops_alert.names import StackNames
from templates.functions import ELIGIBLE_ALARM_PATTERNS, RPM_ALARM_PATTERNS, TPM_ALARM_PATTERNS
from templates.names import CHILD_ALARMS

NAMES = StackNames("Acme", "G-Opus-4-6")


def sub(value: dict) -> str:
    return value["Fn::Sub"].replace("${CustomerName}", "Acme").replace("${BedrockModelName}", "G-Opus-4-6")


@pytest.mark.parametrize("kind", ALARM_KINDS, ids=lambda k: k.key)
def test_child_alarm_names_match(resources: dict, kind) -> None:
    by_name = {sub(r["Properties"]["AlarmName"]): lid for lid, r in resources.items()
               if r["Type"] == "AWS::CloudWatch::Alarm"}
    logical_id = by_name[NAMES.alarm_name(kind)]
    assert CHILD_ALARMS[logical_id] == kind


def test_layers_and_severities_agree_with_the_catalogue() -> None:
    for kind in ALARM_KINDS:
        assert (kind.layer == 1) == (kind.severity is Severity.CRITICAL)
    assert list(ALARM_KINDS) == list(CHILD_ALARMS.values())


def test_alarm_patterns_of_the_environment_cover_the_catalogue() -> None:
    keys = [p.rsplit("-", 1) for p in ELIGIBLE_ALARM_PATTERNS.split(",")]
    # The original's value: its ten alarm types (the per-day alarm is new and routed by the catalogue).
    assert sorted(k for k, _ in keys) == sorted(k.key for k in ALARM_KINDS if k is not DAILY_TOKENS)
    assert all(BY_KEY[k].suffix == severity for k, severity in keys)
    assert RPM_ALARM_PATTERNS == "HighInvocationRate,InvocationAnomaly"  # the original's values
    assert TPM_ALARM_PATTERNS == "HighTPMQuotaUsage,InputTokenAnomaly,OutputTokenAnomaly"


def test_composite_topics_and_secrets_match(resources: dict) -> None:
    assert sub(resources["BedrockQuotaHealthAlarm"]["Properties"]["AlarmName"]) == NAMES.composite_alarm_name
    assert sub(resources["RawAlarmTopic"]["Properties"]["TopicName"]) == NAMES.raw_topic_name
    assert sub(resources["FormattedNotificationTopic"]["Properties"]["TopicName"]) == NAMES.formatted_topic_name
    assert sub(resources["CustomerNameSecret"]["Properties"]["Name"]) == NAMES.customer_name_secret
    assert sub(resources["StakeholderEmailsSecret"]["Properties"]["Name"]) == NAMES.stakeholder_emails_secret


def test_ssm_names_match(resources: dict) -> None:
    ssm = [sub(r["Properties"]["Name"]) for r in resources.values() if r["Type"] == "AWS::SSM::Parameter"]
    assert all(n.startswith(NAMES.ssm_prefix) for n in ssm)
    assert NAMES.ssm("notification-preference") in ssm
    writable = sub(resources["QuotaCalculatorRole"]["Properties"]["Policies"][1]["PolicyDocument"]["Statement"][0]["Resource"][0])
    assert NAMES.rpm_threshold_parameter.startswith(writable.split(":parameter", 1)[1].rstrip("*"))


def test_the_drill_token_parameter_is_the_processors_and_arms_nothing(resources: dict) -> None:
    """make drill writes, and the processor reads, the parameter the template creates, as "off"."""
    from ops_alert.drill import OFF, parse_drill_parameter

    drill = resources["DrillTokenParameter"]["Properties"]
    assert sub(drill["Name"]) == NAMES.drill_token_parameter
    assert drill["Value"] == OFF and parse_drill_parameter(drill["Value"]) is None
