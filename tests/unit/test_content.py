"""Case body, appended communication, e-mail subject and body."""
from __future__ import annotations

import dataclasses
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ops_alert.alarms import ALARM_KINDS, BY_KEY, QuotaKind, Severity
from ops_alert.content import (
    MAX_COMMUNICATION_CHARS,
    AlertContext,
    CaseOutcome,
    CaseOutcomeStatus,
    Escalation,
    case_body,
    case_subject,
    cloudwatch_alarms_url,
    communication_body,
    email_body,
    Section,
    email_subject,
    fit,
    impact_level,
    residency_note,
    support_case_url,
    unidentified_alarm_email,
    unidentified_alarm_subject,
)
from ops_alert.duplicates import find_open_case, kinds_to_append, marker, parse_markers, signal_marker, transition_marker
from ops_alert.names import StackNames
from ops_alert.routing import QuotaRequestPlan
from ops_alert.scenario import Scenario
from ops_alert.thresholds import Thresholds
from ops_alert.usage import TPM_FROM_QUOTA_USAGE, TPM_FROM_TOKEN_COUNTS, UsageStats

GOLDEN = Path(__file__).parent / "golden"
NAMES = StackNames("Acme", "G-Opus-4-6")
TIME = datetime(2026, 11, 26, 14, 5, 0, 123000, tzinfo=timezone.utc)
TID = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6|ALARM|2026-11-26T14:05:00.123Z"
RPM_NAME = "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6"
TPM_NAME = "Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6"

# SPEC worked example: RPM quota 10,000 → threshold 8,000, peak 9,500; TPM 6,250,000 → 5,000,000, peak 3,000,000.
USAGE = UsageStats(
    steady_rpm=4_120.4,
    peak_rpm=9_500,
    steady_tpm=1_234_567.8,
    peak_tpm=3_000_000,
    avg_input_tokens_per_request=2_345.6,
    avg_output_tokens_per_request=512.2,
    peak_rpm_at=datetime(2026, 11, 24, 10, 31, tzinfo=timezone.utc),
    peak_tpm_at=datetime(2026, 11, 25, 16, 2, tzinfo=timezone.utc),
    minutes_with_data=12_960,
    tpm_source=TPM_FROM_QUOTA_USAGE,
    lookback_days=14,
)
PLANS = (
    QuotaRequestPlan(QuotaKind.RPM, "L-3DD46812", RPM_NAME, 10_000.0, 12_500, 25),
    QuotaRequestPlan(QuotaKind.TPM, "L-3DCCFAA4", TPM_NAME, 6_250_000.0, 7_812_500, 25),
)
THROTTLES = BY_KEY["Throttles"]

HIGH = AlertContext(
    customer="Acme",
    model_name="G-Opus-4-6",
    model_id="global.anthropic.claude-opus-4-6-v1",
    composite_alarm=NAMES.composite_alarm_name,
    triggering_alarms=(NAMES.alarm_name(THROTTLES),),
    triggered_kinds=(THROTTLES,),
    time=TIME,
    region="us-east-1",
    severity=Severity.CRITICAL,
    scenario=Scenario.HIGH_USAGE,
    use_case="Enterprise production workload serving real-time AI-powered features to end users.",
    usage=USAGE,
    thresholds=Thresholds(rpm=8_000, tpm=5_000_000),
    input_modalities="TEXT and IMAGE",
    geo_residency="No",
    quota_requests=PLANS,
    transition_id=TID,
)
NEW_CASE = CaseOutcome(CaseOutcomeStatus.NEW, display_id="176543210987", case_id="case-123456789012-muen-2026-1a2b3c4d5e6f7a8b", quota_request_ids=("a1b2c3", "d4e5f6"))


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":  # regenerate after a deliberate wording change
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_golden_case_body_high_usage() -> None:
    _golden("case_body_high_usage.txt", case_body(HIGH) + "\n")


def test_golden_email_high_usage() -> None:
    _golden("email_high_usage.txt", f"Subject: {email_subject(HIGH)}\n\n{email_body(HIGH, NEW_CASE)}")


# --- content both must carry --------------------------------------------------------------------

LOW = dataclasses.replace(
    HIGH,
    scenario=Scenario.LOW_USAGE,
    severity=Severity.WARNING,
    triggered_kinds=(BY_KEY["InvocationAnomaly"],),
    triggering_alarms=(NAMES.alarm_name(BY_KEY["InvocationAnomaly"]),),
    usage=dataclasses.replace(USAGE, peak_rpm=800, peak_tpm=300_000),
    quota_requests=PLANS[:1],
)
NEW_MODEL = dataclasses.replace(HIGH, scenario=Scenario.NEW_MODEL, usage=None, thresholds=None, application_profile_id="a1b2c3d4e5f6")
NON_QUOTA = dataclasses.replace(
    HIGH,
    scenario=Scenario.NON_QUOTA,
    triggered_kinds=(BY_KEY["ServerErrors"], BY_KEY["HighLatency"]),
    triggering_alarms=(NAMES.alarm_name(BY_KEY["ServerErrors"]), NAMES.alarm_name(BY_KEY["HighLatency"])),
    quota_requests=(),
)
ALL = [("high_usage", HIGH), ("low_usage", LOW), ("new_model", NEW_MODEL), ("non_quota", NON_QUOTA)]
ALL_IDS = [a for a, _ in ALL]
ALL_CTX = [c for _, c in ALL]


def _renderings(ctx: AlertContext) -> list[str]:
    return [case_body(ctx), communication_body(ctx), email_body(ctx, NEW_CASE)]


@pytest.mark.parametrize("ctx", ALL_CTX, ids=ALL_IDS)
def test_case_and_email_carry_the_required_facts(ctx: AlertContext) -> None:
    for text in _renderings(ctx):
        for fact in (
            "Acme", "G-Opus-4-6", "global.anthropic.claude-opus-4-6-v1", ctx.composite_alarm, *ctx.triggering_alarms,
            "2026-11-26 14:05:00 UTC", "us-east-1", f"Severity:     {ctx.severity.value}", "Impact level:",
            "Enterprise production workload", "Input modalities:        TEXT and IMAGE", "Data residency required: No",
        ):
            assert fact in text, fact
        if ctx.usage is not None:
            assert re.search(r"Requests per minute \(RPM\) +4,120 +[\d,]+", text)
            assert "Avg input tokens / request       2,346" in text
            assert "Avg output tokens / request        512" in text
            assert "TPM source: EstimatedTPMQuotaUsage" in text
        else:
            assert "Usage could not be read" in text
        if ctx.thresholds is not None:
            assert re.search(r"RPM +8,000", text) and re.search(r"TPM +5,000,000", text)
        else:
            assert "thresholds could not be read" in text


def test_application_profile_id_is_shown_when_used() -> None:
    assert "Application profile ID: a1b2c3d4e5f6" in case_body(NEW_MODEL)
    assert "Application profile ID" not in case_body(HIGH)


@pytest.mark.parametrize("ctx", [HIGH, LOW, NEW_MODEL], ids=["high_usage", "low_usage", "new_model"])
def test_quota_scenarios_list_each_requested_quota(ctx: AlertContext) -> None:
    for text in _renderings(ctx):
        for plan in ctx.quota_requests:
            row = rf"{plan.kind.value} +{plan.code} +{plan.current:,.0f} +{plan.requested:,} +\+{plan.percent} %"
            assert re.search(row, text), row
            assert f"{plan.kind.value} quota name: {plan.name}" in text


def test_non_quota_has_no_quota_section() -> None:
    for text in _renderings(NON_QUOTA):
        assert "QUOTA INCREASE" not in text and "L-3DD46812" not in text
        assert "Investigation Request" in text


SCENARIO_WORDING = [
    # id, context, phrases in the case, phrases in the e-mail
    (
        "high_usage",
        HIGH,
        ["Our model G-Opus-4-6", "reached the alarm threshold (peak RPM 9,500 vs threshold 8,000; peak TPM 3,000,000 vs threshold 5,000,000)",
         "QUOTA INCREASE REQUESTED", "Justification: measured 14-day peaks reached the alarm thresholds", "our production traffic"],
        ["Your model G-Opus-4-6", "your production traffic", "run the alarm updater", "exponential backoff"],
    ),
    (
        "new_model",
        NEW_MODEL,
        ["has usage that could not be read, so it is treated as a new model", "headroom for the launch",
         "Justification: our model has no usage history yet"],
        ["Your model", "launch traffic you expect"],
    ),
    (
        "low_usage",
        LOW,
        ["while measured peaks stayed below the alarm thresholds (peak RPM 800 vs threshold 8,000",
         "investigated first", "NOT been submitted", "QUOTA INCREASE (REFERENCE ONLY)", "for reference only; no increase was submitted",
         "We would appreciate your help"],
        ["QUOTA INCREASE (REFERENCE ONLY, NOT SUBMITTED)", "Find the cause before asking for more quota"],
    ),
    (
        "non_quota",
        NON_QUOTA,
        ["service-side errors or latency, not to a quota", "no quota change", "We would appreciate your help"],
        ["AWS Health Dashboard", "no quota change is needed"],
    ),
]


@pytest.mark.parametrize(("ctx", "case_phrases", "email_phrases"), [s[1:] for s in SCENARIO_WORDING], ids=[s[0] for s in SCENARIO_WORDING])
def test_scenario_wording(ctx: AlertContext, case_phrases: list[str], email_phrases: list[str]) -> None:
    case, email = " ".join(case_body(ctx).split()), " ".join(email_body(ctx, NEW_CASE).split())
    for phrase in case_phrases:
        assert phrase in case, phrase
    for phrase in email_phrases:
        assert phrase in email, phrase
    # The case speaks for the customer, the e-mail to the SRE team.
    assert "Your model" not in case and "Our model" not in email


def test_new_model_with_readable_but_empty_usage_says_no_history() -> None:
    ctx = dataclasses.replace(NEW_MODEL, usage=dataclasses.replace(USAGE, peak_rpm=0, peak_tpm=0), thresholds=Thresholds(8_000, 5_000_000))
    assert "has no usage history over the last 14 days" in " ".join(case_body(ctx).split())


def test_quota_scenario_without_plans_says_why() -> None:
    ctx = dataclasses.replace(HIGH, quota_requests=())
    text = " ".join(case_body(ctx).split())
    assert "No quota qualifies" in text
    assert "A quota increase is requested" not in text


def test_usage_table_notes_token_count_source_and_missing_quota() -> None:
    ctx = dataclasses.replace(HIGH, usage=dataclasses.replace(USAGE, tpm_source=TPM_FROM_TOKEN_COUNTS), thresholds=Thresholds(None, 0))
    text = case_body(ctx)
    assert "TPM source: InputTokenCount+OutputTokenCount (same minute)" in text
    assert re.search(r"RPM +none \(no quota\) +no quota", text)
    assert re.search(r"TPM +0 +n/a", text)
    assert "peak RPM 9,500 vs threshold no quota" in " ".join(text.split())


def test_thresholds_without_usage_show_na_ratio() -> None:
    ctx = dataclasses.replace(HIGH, usage=None)
    assert re.search(r"RPM +8,000 +n/a", case_body(ctx))


# --- data residency -----------------------------------------------------------------------------

RESIDENCY = [
    ("required-not-global", "Yes", "us.anthropic.claude-opus-4-6-v1", "global cross-region inference cannot be proposed"),
    ("required-but-global", "Yes", "global.anthropic.claude-opus-4-6-v1", "can route requests outside the geography"),
    ("not-required-not-global", "No", "anthropic.claude-opus-4-6-v1", "global cross-region inference may be proposed"),
    ("not-required-global", "No", "global.anthropic.claude-opus-4-6-v1", "already uses global cross-region inference"),
    ("unknown-not-global", "NA", "eu.anthropic.claude-opus-4-6-v1", "confirm it before proposing"),
    ("unknown-global", "NA", "global.anthropic.claude-opus-4-6-v1", "already uses global"),
]


@pytest.mark.parametrize(("required", "model_id", "phrase"), [r[1:] for r in RESIDENCY], ids=[r[0] for r in RESIDENCY])
def test_residency_note(required: str, model_id: str, phrase: str) -> None:
    assert phrase in residency_note(required, model_id)
    ctx = dataclasses.replace(HIGH, geo_residency=required, model_id=model_id)
    assert phrase in " ".join(case_body(ctx).split())


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


# --- impact -------------------------------------------------------------------------------------

IMPACT = [
    ("layer-1", ("Throttles", "InvocationAnomaly"), Severity.CRITICAL, "High"),
    ("layer-2", ("HighTPMQuotaUsage", "OutputTokenAnomaly"), Severity.WARNING, "Medium"),
    ("layer-3", ("LatencyAnomaly",), Severity.WARNING, "Low"),
    ("unknown-critical", (), Severity.CRITICAL, "High"),
    ("unknown-warning", (), Severity.WARNING, "Medium"),
]


@pytest.mark.parametrize(("keys", "severity", "level"), [i[1:] for i in IMPACT], ids=[i[0] for i in IMPACT])
def test_impact_level(keys: tuple[str, ...], severity: Severity, level: str) -> None:
    assert impact_level(tuple(BY_KEY[k] for k in keys), severity).startswith(level + " - ")


# --- markers and duplicate detection round trip -------------------------------------------------


@pytest.mark.parametrize("ctx", ALL_CTX, ids=ALL_IDS)
def test_case_body_carries_markers_that_duplicate_detection_finds(ctx: AlertContext) -> None:
    from ops_alert.duplicates import CaseSummary

    body = case_body(ctx)
    assert body.splitlines()[-1] == transition_marker(TID)
    for kind in ctx.triggered_kinds:
        assert signal_marker(kind) in body
    assert marker("Acme", "G-Opus-4-6", ctx.category) in body
    assert parse_markers(body)[0].category is ctx.category
    opened = CaseSummary("case-1", "1", case_subject(ctx), "opened", TIME, (body,))
    assert find_open_case([opened], "Acme", "G-Opus-4-6", ctx.category, TIME, 45) == opened
    # The same transition is then never appended again.
    assert kinds_to_append(ctx.triggered_kinds, (body,), TID) == ()


def test_no_transition_marker_without_transition_id() -> None:
    assert "bedrock-ops-alert-transition" not in case_body(dataclasses.replace(HIGH, transition_id=""))


# --- communications -----------------------------------------------------------------------------


def test_escalation_communication_is_prefixed_with_context() -> None:
    esc = Escalation("176543210987", datetime(2026, 11, 10, 8, 0, tzinfo=timezone.utc), (NAMES.alarm_name(THROTTLES),))
    text = communication_body(HIGH, esc)
    first = " ".join(text.split("\n\n")[0].split())
    assert first == (
        "ESCALATION - a new signal was raised while case 176543210987 (opened 2026-11-10 08:00:00 UTC) is still "
        "unresolved. New signal(s): Acme-Bedrock-Throttles-Critical-G-Opus-4-6 at 2026-11-26 14:05:00 UTC. "
        "Updated context follows."
    )
    assert "Added by Bedrock Ops Alert" in text and "This case was opened" not in text
    assert marker("Acme", "G-Opus-4-6", HIGH.category) in text  # DescribeCases shows only recent bodies


def test_escalation_without_known_case_details_falls_back() -> None:
    text = " ".join(communication_body(HIGH, Escalation(None, None)).split())
    assert "while this case is still unresolved" in text
    assert "New signal(s): Acme-Bedrock-Throttles-Critical-G-Opus-4-6 at" in text


def test_context_for_a_service_quotas_case_is_not_an_escalation() -> None:
    text = communication_body(HIGH)
    assert text.startswith("Context from Bedrock Ops Alert for this quota increase request (Acme / G-Opus-4-6).")
    assert "ESCALATION" not in text


# --- length limits ------------------------------------------------------------------------------

ALL_TEN = dataclasses.replace(
    HIGH,
    triggered_kinds=ALARM_KINDS,
    triggering_alarms=tuple(NAMES.alarm_name(k) for k in ALARM_KINDS),
    use_case="x" * 1_000,
    alarm_reason="Threshold Crossed: 5 datapoints were greater than the threshold (5.0).",
)


@pytest.mark.parametrize(
    "render",
    [case_body, communication_body, lambda c: communication_body(c, Escalation("1", TIME))],
    ids=["case", "communication", "escalation"],
)
def test_thousand_char_use_case_and_ten_alarms_fit_untouched(render: object) -> None:
    text = render(ALL_TEN)  # type: ignore[operator]
    assert 1 <= len(text) <= MAX_COMMUNICATION_CHARS
    assert "x" * 1_000 in text.replace("\n  ", "")  # nothing shortened
    assert all(signal_marker(k) in text for k in ALARM_KINDS)
    assert "ALARM STATE REASON" in text


HUGE = dataclasses.replace(ALL_TEN, use_case="word " * 4_000, alarm_reason="reason " * 300)


@pytest.mark.parametrize("render", [case_body, communication_body], ids=["case", "communication"])
def test_oversized_input_is_shortened_keeping_markers_and_numbers(render: object) -> None:
    text = render(HUGE)  # type: ignore[operator]
    assert len(text) <= MAX_COMMUNICATION_CHARS
    assert "use case shortened" in text
    assert "ALARM STATE REASON" not in text  # optional sections go first
    for essential in ("9,500", "3,000,000", "8,000", "5,000,000", "12,500", "7,812,500", "L-3DD46812", "L-3DCCFAA4"):
        assert essential in text, essential
    tail = text.splitlines()[-12:]
    assert tail[0] == marker("Acme", "G-Opus-4-6", HIGH.category)
    assert tail[1:11] == [signal_marker(k) for k in ALARM_KINDS]
    assert tail[11] == transition_marker(TID)


def test_shortening_is_deterministic() -> None:
    assert case_body(HUGE) == case_body(HUGE)


def test_optional_sections_are_dropped_last_first_before_the_use_case_is_touched() -> None:
    full = case_body(ALL_TEN, limit=100_000)
    footer, reason = "This case was opened by Bedrock Ops Alert", "ALARM STATE REASON"
    assert footer in full and reason in full
    without_footer = case_body(ALL_TEN, limit=len(full) - 1)
    assert footer not in without_footer and reason in without_footer
    neither = case_body(ALL_TEN, limit=len(without_footer) - 1)
    assert reason not in neither and "x" * 1_000 in neither.replace("\n  ", "")


def test_last_resort_cut_keeps_the_markers() -> None:
    # A limit so small that even the shortened use case does not fit: the body is cut, markers stay.
    text = case_body(HUGE, limit=1_500)
    assert len(text) <= 1_500
    assert "[... shortened to fit the 1,500-character limit]" in text
    assert text.endswith(transition_marker(TID))
    assert text.startswith("Bedrock Ops Alert - Quota Request for Acme / G-Opus-4-6")


def test_short_use_case_that_still_does_not_fit_is_cut() -> None:
    ctx = dataclasses.replace(ALL_TEN, use_case="short use case")
    text = case_body(ctx, limit=1_200)
    assert len(text) <= 1_200 and text.endswith(transition_marker(TID))


def test_empty_use_case_is_said_so() -> None:
    assert "(no use case description configured)" in case_body(dataclasses.replace(HIGH, use_case="  "))


# --- subjects -----------------------------------------------------------------------------------

SUBJECTS = [
    ("critical-quota", HIGH, "[CRITICAL] Acme - Bedrock Ops Alert - G-Opus-4-6 - Quota Request"),
    ("warning-investigation", dataclasses.replace(NON_QUOTA, severity=Severity.WARNING),
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


def test_case_subject_is_the_original_format() -> None:
    assert case_subject(HIGH) == "Acme - Bedrock Ops Alert - G-Opus-4-6 - Quota Request"
    assert case_subject(NON_QUOTA) == "Acme - Bedrock Ops Alert - G-Opus-4-6 - Investigation Request"


# --- e-mail: what happened to the case ----------------------------------------------------------

OUTCOMES = [
    ("new", CaseOutcome(CaseOutcomeStatus.NEW, "176543210987"), ["A new Quota Request case was opened: 176543210987."], True),
    (
        "new-via-service-quotas-no-case-yet",
        CaseOutcome(CaseOutcomeStatus.NEW, quota_request_ids=("r-1",)),
        ["submitted through Service Quotas", "Service Quotas request IDs: r-1"], False,
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


def test_url_helpers() -> None:
    assert support_case_url("42") == "https://console.aws.amazon.com/support/home#/case/?displayId=42"
    assert cloudwatch_alarms_url("ap-southeast-2") == (
        "https://ap-southeast-2.console.aws.amazon.com/cloudwatch/home?region=ap-southeast-2#alarmsV2:"
    )


def test_naive_time_is_shown_as_utc() -> None:
    ctx = dataclasses.replace(HIGH, time=datetime(2026, 11, 26, 14, 5))
    assert "Time:            2026-11-26 14:05:00 UTC" in case_body(ctx)


def test_triggering_alarms_unknown_are_said_so() -> None:
    ctx = dataclasses.replace(HIGH, triggering_alarms=())
    assert "- (not named in the notification)" in case_body(ctx)
    assert "alarm(s) (not named in the notification)" in " ".join(email_body(ctx, NEW_CASE).split())


def test_fit_without_a_use_case_section_cuts_the_body() -> None:
    sections = [Section("Title", ("a" * 500,)), Section("Optional", ("b" * 50,), optional=True)]
    text = fit(sections, ["[marker]"], limit=300)
    assert len(text) <= 300 and text.startswith("TITLE\naaa") and text.endswith("\n\n[marker]")
    assert "bbb" not in text


def test_fractional_values_and_missing_peak_times_are_shown_plainly() -> None:
    plan = QuotaRequestPlan(QuotaKind.RPM, "L-1", "tiny", 10.5, 15, 50)
    idle = dataclasses.replace(USAGE, peak_rpm=0, peak_tpm=0, peak_rpm_at=None, peak_tpm_at=None)
    text = case_body(dataclasses.replace(HIGH, quota_requests=(plan,), usage=idle))
    assert re.search(r"RPM +L-1 +10\.5 +15 +\+50 %", text)
    assert re.search(r"Requests per minute \(RPM\) +4,120 +0 +n/a", text)


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


def test_new_request_beside_a_pending_one_names_the_pending_case_as_updated_not_new() -> None:
    outcome = CaseOutcome(CaseOutcomeStatus.NEW, quota_request_ids=("req-tpm",), updated_display_ids=("176400000001",))
    body = " ".join(email_body(HIGH, outcome).split())
    assert "submitted through Service Quotas" in body
    assert "A new Quota Request case was opened" not in body
    assert "already pending (176400000001) gets this signal too" in body
    assert support_case_url("176400000001") in body


# --- composite alarm with no identifiable child ----------------------------------------------------


@pytest.mark.parametrize(("customer", "model"), [("Acme", "G-Opus-4-6"), ("C" * 10, "M" * 15), ("Line\nBreak", "X")])
def test_unidentified_alarm_subject_obeys_the_sns_rules(customer: str, model: str) -> None:
    subject = unidentified_alarm_subject(customer, model)
    assert 0 < len(subject) < 100 and "\n" not in subject
    assert subject.startswith("[WARNING] ") and subject.endswith(" - Unidentified alarm")


def test_unidentified_alarm_email_says_what_is_known_and_that_no_case_was_touched() -> None:
    at = datetime(2026, 11, 28, 1, 2, 3, tzinfo=timezone.utc)
    body = unidentified_alarm_email("Acme", "G-Opus-4-6", "global.anthropic.claude-opus-4-6-v1",
                                    "Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6", at, "us-east-1",
                                    "ALARM(...) was evaluated", [("Acme-Bedrock-Throttles-Critical-G-Opus-4-6", "OK")])
    flat = " ".join(body.split())
    assert "Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6" in flat
    assert "global.anthropic.claude-opus-4-6-v1" in flat and "us-east-1" in flat
    assert "Acme-Bedrock-Throttles-Critical-G-Opus-4-6: OK" in flat
    assert "No support case was opened or updated" in flat
    assert cloudwatch_alarms_url("us-east-1") in body
    assert "(not readable)" in unidentified_alarm_email("A", "M", "m", "c", at, "us-east-1", "", [])
