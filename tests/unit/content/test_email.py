"""E-mail subject and body for the SRE team, and the unidentified-alarm e-mail (ops_alert.content.email)."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from ops_alert.alarms import Severity
from ops_alert.content.email import (
    cloudwatch_alarms_url,
    email_body,
    email_subject,
    support_case_url,
    unidentified_alarm_email,
    unidentified_alarm_subject,
)
from ops_alert.content.model import AlertContext, CaseOutcome, CaseOutcomeStatus, UnidentifiedAlarm
from ops_alert.routing import BEDROCK_QUOTA_INCREASE_DOC, QuotaRequestPlan
from tests.unit.content.contexts import HIGH, LOW, NEW_CASE, NON_QUOTA, PLANS, golden


def test_golden_email_high_usage() -> None:
    golden("email_high_usage.txt", f"Subject: {email_subject(HIGH)}\n\n{email_body(HIGH, NEW_CASE)}")


@pytest.mark.parametrize(
    ("residency", "phrase"),
    [("Yes", "global is ruled out by residency"), ("No", "Consider global cross-region inference")],
    ids=["residency-required", "no-residency"],
)
def test_high_usage_next_steps_respect_residency(residency: str, phrase: str) -> None:
    ctx = dataclasses.replace(HIGH, model_id="us.anthropic.claude-opus-4-6-v1", geo_residency=residency)
    assert phrase in " ".join(email_body(ctx, NEW_CASE).split())


def test_global_model_gets_no_cross_region_advice() -> None:
    assert "cross-region inference profiles" not in email_body(HIGH, NEW_CASE)
    assert "Consider global" not in email_body(HIGH, NEW_CASE)


# --- subjects -----------------------------------------------------------------------------------

SUBJECTS = [
    ("critical-quota", HIGH, "[CRITICAL] Acme - Bedrock Ops Alert - G-Opus-4-6 - Quota Request"),
    ("warning-investigation", dataclasses.replace(NON_QUOTA, routing=dataclasses.replace(NON_QUOTA.routing, severity=Severity.WARNING)),
     "[WARNING] Acme - Bedrock Ops Alert - G-Opus-4-6 - Investigation Request"),
    ("line-breaks-removed", dataclasses.replace(HIGH, customer="Ac\r\nme\t\x00X"), "[CRITICAL] Ac me X - Bedrock Ops Alert - G-Opus-4-6 - Quota Request"),
]


@pytest.mark.parametrize(("ctx", "expected"), [s[1:] for s in SUBJECTS], ids=[s[0] for s in SUBJECTS])
def test_email_subject(ctx: AlertContext, expected: str) -> None:
    assert email_subject(ctx) == expected


def test_long_subject_is_shortened_keeping_severity_and_category() -> None:
    ctx = dataclasses.replace(NON_QUOTA, customer="C" * 80, model_name="M" * 40)
    subject = email_subject(ctx)
    assert len(subject) == 99
    assert subject.startswith("[CRITICAL] CCCC") and subject.endswith("... - Investigation Request")


@pytest.mark.parametrize("ctx", [HIGH, NON_QUOTA, dataclasses.replace(HIGH, customer="\u200bA\u2028B" * 40)], ids=["high", "non-quota", "unicode-controls"])
def test_email_subject_obeys_sns_rules(ctx: AlertContext) -> None:
    subject = email_subject(ctx)
    assert 0 < len(subject) < 100
    assert not any(ch in subject for ch in "\r\n\t\x00\u2028\u200b")


# --- e-mail: what happened to the case ----------------------------------------------------------

OUTCOMES = [
    ("new", CaseOutcome(CaseOutcomeStatus.NEW, "176543210987"), ["A new Quota Request case was opened: 176543210987."], True),
    (
        "new-via-service-quotas-no-case-yet",
        CaseOutcome(CaseOutcomeStatus.NEW, quota_request_ids=("r-1",)),
        ["One quota increase request was submitted through Service Quotas: the TPM quota L-3DCCFAA4, to 7,812,500.",
         "AWS opens a support case for it", "Service Quotas request ID: r-1"], False,
    ),
    ("updated", CaseOutcome(CaseOutcomeStatus.UPDATED, "176543210987"), ["was updated with this new signal; no duplicate case"], True),
    (
        "already-communicated",
        CaseOutcome(CaseOutcomeStatus.NOT_UPDATED_ALREADY_COMMUNICATED, "176543210987"),
        ["already has this signal; it was not updated again"], True,
    ),
    ("automation-disabled", CaseOutcome(CaseOutcomeStatus.AUTOMATION_DISABLED), ["Automated support cases are disabled", "Open a support case yourself"], False),
    ("no-support-plan", CaseOutcome(CaseOutcomeStatus.NO_SUPPORT_PLAN), ["Business, Enterprise On-Ramp or Enterprise support plan"], False),
    (
        "failed",
        CaseOutcome(CaseOutcomeStatus.FAILED, error="ThrottlingException: Rate exceeded"),
        ["failed: ThrottlingException: Rate exceeded.", "Check the notification processor's logs"], False,
    ),
    ("failed-without-error-text", CaseOutcome(CaseOutcomeStatus.FAILED), ["failed: unknown error."], False),
]


@pytest.mark.parametrize(("outcome", "phrases", "has_link"), [o[1:] for o in OUTCOMES], ids=[o[0] for o in OUTCOMES])
def test_email_reports_the_case_outcome(outcome: CaseOutcome, phrases: list[str], has_link: bool) -> None:
    body = " ".join(email_body(HIGH, outcome).split())
    for phrase in phrases:
        assert phrase in body, phrase
    link = "https://console.aws.amazon.com/support/home#/case/?displayId=176543210987"
    assert (link in body) is has_link
    if has_link:
        assert "Case display ID: 176543210987" in body


@pytest.mark.parametrize(
    ("outcome", "title"),
    [
        (CaseOutcome(CaseOutcomeStatus.NEW, "1"), "QUOTA INCREASE REQUESTED"),
        (CaseOutcome(CaseOutcomeStatus.UPDATED, "1"), "QUOTA INCREASE REQUESTED"),
        (CaseOutcome(CaseOutcomeStatus.AUTOMATION_DISABLED), "QUOTA INCREASE PROPOSED (NOT SUBMITTED)"),
        (CaseOutcome(CaseOutcomeStatus.FAILED, error="x"), "QUOTA INCREASE PROPOSED (NOT SUBMITTED)"),
    ],
    ids=["new", "updated", "disabled", "failed"],
)
def test_email_never_claims_a_request_that_was_not_made(outcome: CaseOutcome, title: str) -> None:
    assert title in email_body(HIGH, outcome)


def test_email_links_to_the_consoles_of_the_region() -> None:
    body = email_body(dataclasses.replace(HIGH, region="eu-west-1"), NEW_CASE)
    assert "https://console.aws.amazon.com/support/home\n" in body
    assert "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:" in body


@pytest.mark.parametrize(("region", "case", "alarms"), [
    ("ap-southeast-2", "https://console.aws.amazon.com/support/home#/case/?displayId=42",
     "https://ap-southeast-2.console.aws.amazon.com/cloudwatch/home?region=ap-southeast-2#alarmsV2:"),
    ("us-gov-west-1", "https://console.amazonaws-us-gov.com/support/home#/case/?displayId=42",
     "https://us-gov-west-1.console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#alarmsV2:"),
    ("cn-northwest-1", "https://console.amazonaws.cn/support/home#/case/?displayId=42",
     "https://cn-northwest-1.console.amazonaws.cn/cloudwatch/home?region=cn-northwest-1#alarmsV2:"),
], ids=["commercial", "govcloud", "china"])
def test_console_links_are_in_the_partition_of_the_region(region: str, case: str, alarms: str) -> None:
    assert support_case_url("42", region) == case
    assert cloudwatch_alarms_url(region) == alarms
    ctx = dataclasses.replace(HIGH, region=region)
    body = email_body(ctx, dataclasses.replace(NEW_CASE, display_id="42"))
    assert "Case link:" in body and case in body and alarms in body
    assert case.split("#")[0] + "\n" in body  # the Support console link


def test_email_shows_the_alarm_state_reason() -> None:
    ctx = dataclasses.replace(HIGH, alarm_reason="Threshold Crossed: 5 datapoints were greater than 5.0.")
    assert "ALARM STATE REASON\n  Threshold Crossed: 5 datapoints were greater than 5.0." in email_body(ctx, NEW_CASE)


# --- case outcome without a display ID -------------------------------------------------------------


@pytest.mark.parametrize("ctx", [LOW, NON_QUOTA, HIGH], ids=["low_usage", "non_quota", "high_usage"])
def test_new_own_case_without_display_id_is_not_reported_as_a_service_quotas_request(ctx: AlertContext) -> None:
    # CreateCase succeeded but DescribeCases did not (yet) return the new case: the display ID is
    # unknown. The e-mail must say our case was opened, never that an increase went through
    # Service Quotas (for low_usage / non_quota nothing was submitted at all).
    outcome = CaseOutcome(CaseOutcomeStatus.NEW, case_id="case-123456789012-muen-2026-1a2b3c4d5e6f7a8b")
    body = " ".join(email_body(ctx, outcome).split())
    assert "submitted through Service Quotas" not in body
    assert f"A new {ctx.category.value} case was opened" in body
    assert "case-123456789012-muen-2026-1a2b3c4d5e6f7a8b" in body


def test_updated_case_without_display_id_reads_plainly() -> None:
    body = " ".join(email_body(HIGH, CaseOutcome(CaseOutcomeStatus.UPDATED)).split())
    assert "Quota Request the case" not in body
    assert "The unresolved Quota Request case was updated" in body


ONE_REQUEST = [
    # (id, quotas planned, display ID of the case AWS opened, phrases present, phrases absent)
    ("rpm-and-tpm", PLANS, None,
     ["submitted through Service Quotas: the TPM quota L-3DCCFAA4, to 7,812,500.",
      "The RPM increase is asked for in the context added to that case",
      f"One request per alert: {BEDROCK_QUOTA_INCREASE_DOC}"],
     ["the RPM quota L-3DD46812, to"]),
    ("rpm-and-tpm-case-open", PLANS, "176400000001",
     ["the TPM quota L-3DCCFAA4, to 7,812,500. AWS opened case 176400000001 for it.",
      support_case_url("176400000001", "us-east-1")],
     ["A new Quota Request case was opened"]),
    ("tpm-only", PLANS[1:], None, ["the TPM quota L-3DCCFAA4, to 7,812,500."],
     ["asked for in the context", BEDROCK_QUOTA_INCREASE_DOC]),
    ("rpm-only", PLANS[:1], None, ["the RPM quota L-3DD46812, to 12,500."],
     ["asked for in the context", BEDROCK_QUOTA_INCREASE_DOC]),
]


@pytest.mark.parametrize(("plans", "display_id", "present", "absent"), [o[1:] for o in ONE_REQUEST],
                         ids=[o[0] for o in ONE_REQUEST])
def test_email_names_the_one_request_and_where_the_other_quota_is_asked_for(
    plans: tuple[QuotaRequestPlan, ...], display_id: str | None, present: list[str], absent: list[str]
) -> None:
    ctx = dataclasses.replace(HIGH, quota_requests=plans)
    outcome = CaseOutcome(CaseOutcomeStatus.NEW, display_id=display_id, quota_request_ids=("req-1",))
    body = email_body(ctx, outcome)
    flat = " ".join(body.split())
    for phrase in present:
        assert phrase in flat, phrase
    for phrase in absent:
        assert phrase not in flat, phrase
    assert BEDROCK_QUOTA_INCREASE_DOC not in body or f"{BEDROCK_QUOTA_INCREASE_DOC}\n" in body  # never wrapped


# --- composite alarm with no identifiable child ----------------------------------------------------


@pytest.mark.parametrize(("customer", "model"), [("Acme", "G-Opus-4-6"), ("C" * 10, "M" * 15), ("Line\nBreak", "X")])
def test_unidentified_alarm_subject_obeys_the_sns_rules(customer: str, model: str) -> None:
    subject = unidentified_alarm_subject(customer, model)
    assert 0 < len(subject) < 100 and "\n" not in subject
    assert subject.startswith("[WARNING] ") and subject.endswith(" - Unidentified alarm")


def test_unidentified_alarm_email_says_what_is_known_and_that_no_case_was_touched() -> None:
    at = datetime(2026, 11, 28, 1, 2, 3, tzinfo=timezone.utc)
    body = unidentified_alarm_email(UnidentifiedAlarm(
        "Acme", "G-Opus-4-6", "global.anthropic.claude-opus-4-6-v1", "Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6",
        at, "us-east-1", "ALARM(...) was evaluated", [("Acme-Bedrock-Throttles-Critical-G-Opus-4-6", "OK")]))
    flat = " ".join(body.split())
    assert "Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6" in flat
    assert "global.anthropic.claude-opus-4-6-v1" in flat and "us-east-1" in flat
    assert "Acme-Bedrock-Throttles-Critical-G-Opus-4-6: OK" in flat
    assert "No support case was opened or updated" in flat
    assert cloudwatch_alarms_url("us-east-1") in body
    assert "(not readable)" in unidentified_alarm_email(UnidentifiedAlarm("A", "M", "m", "c", at, "us-east-1", "", []))


def test_an_oversized_email_is_shortened_like_the_case_keeping_next_steps_and_links() -> None:
    # No SSM value is this long; the same assembly as the case still bounds what SNS must carry.
    from ops_alert.content.layout import MAX_EMAIL_CHARS

    huge = dataclasses.replace(HIGH, use_case="word " * 20_000, alarm_reason="reason " * 2_000)
    body = email_body(huge, NEW_CASE)
    assert len(body) <= MAX_EMAIL_CHARS and body.endswith("\n")
    assert "use case shortened" in " ".join(body.split())
    assert "ALARM STATE REASON" not in body  # optional sections go first
    assert "RECOMMENDED NEXT STEPS" in body and "cloudwatch/home?region=us-east-1" in body
    for essential in ("9,500", "3,000,000", "12,500", "7,812,500", "176543210987"):
        assert essential in body, essential
