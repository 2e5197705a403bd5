"""The physical names of a stack's resources (ops_alert.names): what the functions look up at run
time and the template creates (tests/template/test_names.py checks the template's side)."""
from __future__ import annotations

import pytest

from ops_alert.alarms import BY_KEY
from ops_alert.names import StackNames

NAMES = StackNames("Acme", "G-Opus-4-6")
PREFIX = "/Acme/bedrock/quota-monitoring/G-Opus-4-6/"
SECRETS = "Acme/bedrock/quota-monitoring/G-Opus-4-6/"


TABLE = [
    # (StackNames property, the name in the original stack's shape)
    ("composite_alarm_name", "Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6"),
    ("raw_topic_name", "Acme-Bedrock-Alarms-Raw-G-Opus-4-6"),
    ("formatted_topic_name", "Acme-Bedrock-Alarms-Formatted-G-Opus-4-6"),
    ("chat_topic_name", "Acme-Bedrock-Alarms-Chat-G-Opus-4-6"),
    ("dashboard_name", "Acme-Bedrock-Ops-Alert-G-Opus-4-6"),
    ("rpm_threshold_parameter", PREFIX + "thresholds/rpm-threshold-calculated"),
    ("tpm_threshold_parameter", PREFIX + "thresholds/tpm-threshold-calculated"),
    ("customer_name_secret", SECRETS + "customer-name"),
    ("stakeholder_emails_secret", SECRETS + "stakeholder-emails"),
    ("case_marker_key_secret", SECRETS + "case-marker-key"),
]


@pytest.mark.parametrize(("name", "expected"), TABLE, ids=[name for name, _ in TABLE])
def test_names_follow_customer_and_model(name: str, expected: str) -> None:
    assert getattr(NAMES, name) == expected


def test_a_child_alarm_name_gives_back_its_kind() -> None:
    name = NAMES.alarm_name(BY_KEY["Throttles"])
    assert name == "Acme-Bedrock-Throttles-Critical-G-Opus-4-6"
    assert NAMES.alarm_kind(name) is BY_KEY["Throttles"]
    assert NAMES.alarm_kind("Other-Bedrock-Throttles-Critical-G-Opus-4-6") is None
