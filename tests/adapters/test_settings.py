"""settings: environment, run-time SSM settings in one call, secrets; defaults instead of crashes."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest

from ops_alert.alarms import QuotaKind
from ops_alert.names import StackNames
from ops_alert_aws.settings import (
    ConfigError,
    ProcessorEnv,
    load_runtime_settings,
    parse_emails,
    parse_runtime_settings,
    read_stakeholder_emails,
)
from tests.fakes import StandardFakes

NAMES = StackNames("Acme", "M")
ENV = {
    "CUSTOMER_NAME": "Acme", "BEDROCK_MODEL_NAME": "M", "BEDROCK_MODEL_ID": "global.x.y-v1",
    "FORMATTED_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t",
    "NOTIFICATION_PREFERENCE_PARAM": NAMES.ssm("notification-preference"),
    "ENABLE_AUTOMATED_SUPPORT_CASE_PARAM": NAMES.ssm("enable-automated-support-case"),
    "USE_CASE_DESCRIPTION_PARAM": NAMES.ssm("use-case-description"),
    "TOKENS_PER_MINUTE_INCREASE_PERCENT_PARAM": NAMES.ssm("tokens-per-minute-increase-percent"),
    "REQUESTS_PER_MINUTE_INCREASE_PERCENT_PARAM": NAMES.ssm("requests-per-minute-increase-percent"),
}
GOOD = {
    ENV["NOTIFICATION_PREFERENCE_PARAM"]: "critical",
    ENV["ENABLE_AUTOMATED_SUPPORT_CASE_PARAM"]: "No",
    ENV["USE_CASE_DESCRIPTION_PARAM"]: "chat",
    ENV["TOKENS_PER_MINUTE_INCREASE_PERCENT_PARAM"]: "50",
    ENV["REQUESTS_PER_MINUTE_INCREASE_PERCENT_PARAM"]: "0",
    NAMES.rpm_threshold_parameter: "8000",
    NAMES.tpm_threshold_parameter: "1000000000000000",
    NAMES.mute_parameter: "off",
    NAMES.renotify_window_parameter: "0",
}
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
MUTE = '{"until": "2026-12-02T08:00:00Z", "reason": "load test", "setBy": "arn:aws:iam::123456789012:user/ana"}'


def test_environment_defaults_and_numbers() -> None:
    env = ProcessorEnv.from_env(ENV)
    assert (env.support_case_lookback_days, env.automation_reply_max_attempts, env.usage_lookback_days) == (60, 120, 14)
    assert env.model_id_display == "global.x.y-v1" and env.idempotency_table is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"BEDROCK_MODEL_NAME": ""}, "BEDROCK_MODEL_NAME"),
        ({"CUSTOMER_NAME": ""}, "CUSTOMER_NAME or CUSTOMER_NAME_SECRET"),
        ({"SUPPORT_CASE_LOOKBACK_DAYS": "sixty"}, "must be an integer"),
        ({"USAGE_LOOKBACK_DAYS": "30"}, "1..15"),
    ],
    ids=["missing-model-name", "no-customer", "non-numeric", "lookback-beyond-retention"],
)
def test_environment_errors_name_the_variable(change: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ProcessorEnv.from_env({**ENV, **change})


def test_all_values_read() -> None:
    s = parse_runtime_settings(ProcessorEnv.from_env(ENV), NAMES, GOOD)
    assert (s.notification_preference, s.automated_support_case, s.use_case) == ("critical", False, "chat")
    assert s.increase_percents == {QuotaKind.RPM: 0, QuotaKind.TPM: 50, QuotaKind.TPD: 50}
    assert (s.thresholds.rpm, s.thresholds.tpm) == (8000, None)  # never-fire value = no quota
    assert s.problems == ()


@pytest.mark.parametrize(
    ("name", "value", "field", "expected"),
    [
        ("NOTIFICATION_PREFERENCE_PARAM", None, "notification_preference", "all"),
        ("ENABLE_AUTOMATED_SUPPORT_CASE_PARAM", None, "automated_support_case", True),
        ("ENABLE_AUTOMATED_SUPPORT_CASE_PARAM", "maybe", "automated_support_case", True),
        ("USE_CASE_DESCRIPTION_PARAM", "  ", "use_case", "Enterprise production workload serving real-time "
                                                         "AI-powered features to end users."),
        ("TOKENS_PER_MINUTE_INCREASE_PERCENT_PARAM", "lots", "increase_percents", {QuotaKind.RPM: 0, QuotaKind.TPM: 25, QuotaKind.TPD: 25}),
        ("TOKENS_PER_MINUTE_INCREASE_PERCENT_PARAM", "-5", "increase_percents", {QuotaKind.RPM: 0, QuotaKind.TPM: 25, QuotaKind.TPD: 25}),
        ("TOKENS_PER_MINUTE_INCREASE_PERCENT_PARAM", "12.5", "increase_percents", {QuotaKind.RPM: 0, QuotaKind.TPM: 12, QuotaKind.TPD: 12}),
        # Bounded like the template bounds them (0..100 %, all/critical/warning, 1,000 characters).
        ("TOKENS_PER_MINUTE_INCREASE_PERCENT_PARAM", "10000", "increase_percents", {QuotaKind.RPM: 0, QuotaKind.TPM: 25, QuotaKind.TPD: 25}),
        ("TOKENS_PER_MINUTE_INCREASE_PERCENT_PARAM", "101", "increase_percents", {QuotaKind.RPM: 0, QuotaKind.TPM: 25, QuotaKind.TPD: 25}),
        ("NOTIFICATION_PREFERENCE_PARAM", "none please", "notification_preference", "all"),
        ("USE_CASE_DESCRIPTION_PARAM", "x" * 5000, "use_case", "x" * 1000),
    ],
    ids=["preference-missing", "auto-case-missing", "auto-case-garbage", "use-case-empty",
         "percent-garbage", "percent-negative", "percent-fraction", "percent-far-above-100", "percent-101",
         "preference-unknown", "use-case-longer-than-the-template-allows"],
)
def test_bad_or_missing_values_fall_back_and_are_reported(name: str, value: Any, field: str, expected: Any) -> None:
    values = dict(GOOD)
    if value is None:
        values.pop(ENV[name])
    else:
        values[ENV[name]] = value
    s = parse_runtime_settings(ProcessorEnv.from_env(ENV), NAMES, values)
    assert getattr(s, field) == expected
    assert len(s.problems) == 1 and ENV[name] in s.problems[0]


@pytest.mark.parametrize("broken", [{NAMES.rpm_threshold_parameter: None}, {NAMES.tpm_threshold_parameter: "x"}],
                         ids=["threshold-missing", "threshold-garbage"])
def test_thresholds_unknown_when_missing_or_unreadable(broken: dict[str, Any]) -> None:
    values = {k: v for k, v in {**GOOD, **broken}.items() if v is not None}
    s = parse_runtime_settings(ProcessorEnv.from_env(ENV), NAMES, values)
    assert s.thresholds is None and s.problems


# The stack-owned mute and re-notify window (issue 13): read with the others, untrusted, never fatal.
STACK_OWNED = [
    ("mute-off", NAMES.mute_parameter, "off", False, 0, False),
    ("mute-on", NAMES.mute_parameter, MUTE, True, 0, False),
    ("mute-garbage", NAMES.mute_parameter, "mute everything forever", False, 0, True),
    ("mute-missing", NAMES.mute_parameter, None, False, 0, True),
    ("mute-nested-too-deep", NAMES.mute_parameter, "[" * 2000 + "]" * 2000, False, 0, True),  # RecursionError
    ("window-30", NAMES.renotify_window_parameter, "30", False, 30, False),
    ("window-garbage", NAMES.renotify_window_parameter, "half an hour", False, 0, True),
    ("window-beyond-a-day", NAMES.renotify_window_parameter, "1441", False, 0, True),
    ("window-missing", NAMES.renotify_window_parameter, None, False, 0, True),
]


@pytest.mark.parametrize(("name", "value", "muted", "minutes", "reported"), [r[1:] for r in STACK_OWNED],
                         ids=[r[0] for r in STACK_OWNED])
def test_mute_and_renotify_window(name: str, value: str | None, muted: bool, minutes: int, reported: bool) -> None:
    values = {k: v for k, v in {**GOOD, name: value}.items() if v is not None}
    s = parse_runtime_settings(ProcessorEnv.from_env(ENV), NAMES, values, NOW)
    assert (s.mute.mute is not None, s.renotify_minutes) == (muted, minutes)
    assert [p for p in s.problems if name in p] == ([s.problems[0]] if reported else [])
    assert len(s.problems) == int(reported)


def test_one_get_parameters_call(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    ssm = boto3.client("ssm")
    for name, value in {**GOOD, NAMES.mute_parameter: MUTE, NAMES.renotify_window_parameter: "15"}.items():
        ssm.put_parameter(Name=name, Value=value, Type="String")
    s = load_runtime_settings(ProcessorEnv.from_env(ENV), NAMES, NOW)
    assert aws_calls["ssm:GetParameters"] == 1 and sum(v for k, v in aws_calls.items() if k.startswith("ssm:Get")) == 1
    assert s.notification_preference == "critical" and s.problems == ()
    assert s.mute.mute is not None and s.mute.mute.reason == "load test" and s.renotify_minutes == 15


def test_ssm_failure_means_defaults(aws: StandardFakes, fault: Any) -> None:
    fault.fail("ssm", "GetParameters", "ThrottlingException")
    s = load_runtime_settings(ProcessorEnv.from_env(ENV), NAMES)
    assert s.thresholds is None and s.automated_support_case is True and "ThrottlingException" in s.problems[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a@example.com,b@example.com", ("a@example.com", "b@example.com")),
        (" a@example.com ; A@example.com,not-an-address,", ("a@example.com",)),
        (",".join(f"u{i}@example.com" for i in range(12)), tuple(f"u{i}@example.com" for i in range(10))),
        ("", ()),
    ],
    ids=["two", "dedupe-and-junk", "max-10-cc", "empty"],
)
def test_email_list(text: str, expected: tuple[str, ...]) -> None:
    assert parse_emails(text) == expected


def test_stakeholder_secret(aws: StandardFakes) -> None:
    boto3.client("secretsmanager").create_secret(Name="s", SecretString="x@example.com")
    assert read_stakeholder_emails("s") == ("x@example.com",)
    assert read_stakeholder_emails("") == ()


# --- the fire drill's token (make drill), read in the same call -------------------------------------

DRILL = ('{"token": "0123456789abcdef0123456789abcdef", "alarm": "Acme-Bedrock-Throttles-Critical-M", '
         '"issued": "2026-12-01T12:00:00Z", "expires": "2026-12-01T12:10:00Z"}')


@pytest.mark.parametrize(("value", "armed", "problem"), [
    (None, False, False),  # a stack deployed before drills
    ("off", False, False),  # the template's value
    (DRILL, True, False),
    ("drill me", False, True),
    (DRILL.replace("0123", "XYZ!"), False, True),
    ("[" * 2000 + "]" * 2000, False, True),  # deeper than the JSON parser's stack (RecursionError)
], ids=["missing", "off", "armed", "garbage", "forged-shape", "nested-too-deep"])
def test_the_drill_token_is_read_with_the_settings(value: str | None, armed: bool, problem: bool) -> None:
    values = dict(GOOD) if value is None else {**GOOD, NAMES.drill_token_parameter: value}
    s = parse_runtime_settings(ProcessorEnv.from_env(ENV), NAMES, values)
    assert (s.drill is not None) is armed
    assert [p for p in s.problems if NAMES.drill_token_parameter in p] == (
        [p for p in s.problems] if problem else [])
    assert bool(s.problems) is problem
    assert s.drill is None or (s.drill.alarm, s.drill.expires.minute) == ("Acme-Bedrock-Throttles-Critical-M", 10)


def test_the_drill_token_costs_no_extra_call(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    ssm = boto3.client("ssm")
    for name, value in {**GOOD, NAMES.drill_token_parameter: DRILL}.items():
        ssm.put_parameter(Name=name, Value=value, Type="String")
    s = load_runtime_settings(ProcessorEnv.from_env(ENV), NAMES)
    assert aws_calls["ssm:GetParameters"] == 1 and sum(v for k, v in aws_calls.items() if k.startswith("ssm:Get")) == 1
    assert s.drill is not None and s.drill.token == "0123456789abcdef0123456789abcdef"
