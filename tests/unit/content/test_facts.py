"""The facts both the case and the e-mail carry (ops_alert.content.facts)."""
from __future__ import annotations

import dataclasses
import re
from datetime import datetime

import pytest

from ops_alert.alarms import BY_KEY, QuotaKind, Severity
from ops_alert.content.case import case_body
from ops_alert.content.email import email_body
from ops_alert.content.facts import impact_level, residency_note
from ops_alert.content.model import AlertContext
from ops_alert.profiles import Siblings
from ops_alert.routing import QuotaRequestPlan
from ops_alert.thresholds import Thresholds
from ops_alert.usage import TPM_FROM_TOKEN_COUNTS
from tests.unit.content.contexts import (
    ALL_CTX,
    ALL_IDS,
    HIGH,
    LOW,
    NEW_CASE,
    NEW_MODEL,
    NON_QUOTA,
    USAGE,
    renderings,
)


@pytest.mark.parametrize("ctx", ALL_CTX, ids=ALL_IDS)
def test_case_and_email_carry_the_required_facts(ctx: AlertContext) -> None:
    for text in renderings(ctx):
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
    for text in renderings(ctx):
        for plan in ctx.quota_requests:
            row = rf"{plan.kind.value} +{plan.code} +{plan.current:,.0f} +{plan.requested:,} +\+{plan.percent} %"
            assert re.search(row, text), row
            assert f"{plan.kind.value} quota name: {plan.name}" in text


def test_non_quota_has_no_quota_section() -> None:
    for text in renderings(NON_QUOTA):
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


def test_naive_time_is_shown_as_utc() -> None:
    ctx = dataclasses.replace(HIGH, time=datetime(2026, 11, 26, 14, 5))
    assert "Time:            2026-11-26 14:05:00 UTC" in case_body(ctx)


def test_triggering_alarms_unknown_are_said_so() -> None:
    ctx = dataclasses.replace(HIGH, triggering_alarms=())
    assert "- (not named in the notification)" in case_body(ctx)
    assert "alarm(s) (not named in the notification)" in " ".join(email_body(ctx, NEW_CASE).split())


def test_fractional_values_and_missing_peak_times_are_shown_plainly() -> None:
    plan = QuotaRequestPlan(QuotaKind.RPM, "L-1", "tiny", 10.5, 15, 50)
    idle = dataclasses.replace(USAGE, peak_rpm=0, peak_tpm=0, peak_rpm_at=None, peak_tpm_at=None)
    text = case_body(dataclasses.replace(HIGH, quota_requests=(plan,), usage=idle))
    assert re.search(r"RPM +L-1 +10\.5 +15 +\+50 %", text)
    assert re.search(r"Requests per minute \(RPM\) +4,120 +0 +n/a", text)




# --- application profiles: every sibling in the usage, at most ten in the alarms ------------------

def _profiles(count: int) -> Siblings:
    return Siblings(("abc123def456", *(f"sib{i:02d}" for i in range(1, count))))


PROFILE_NOTES = [
    # (id, profiles, phrases present, phrases absent) — in the case and in the e-mail alike.
    ("system-defined-model", None, [], ["application profiles that share", "watch only"]),
    ("alone", _profiles(1), [], ["application profiles that share", "watch only"]),
    ("three", _profiles(3), ["Combined minute by minute over the 3 application profiles",
                             "abc123def456, sib01, sib02."], ["watch only"]),
    ("ten-fit-the-alarm", _profiles(10), ["over the 10 application profiles"], ["watch only"]),
    ("twelve", _profiles(12), ["over the 12 application profiles",
                               "alarms watch only 10 of them",
                               "the traffic of sib10, sib11 counts in these figures, but not in those alarms"], []),
    ("forty", _profiles(40), ["over the 40 application profiles", "sib19 and 20 more.",
                              "the traffic of sib10, sib11", "sib29 and 10 more counts in these figures"], ["sib39"]),
]


@pytest.mark.parametrize(("profiles", "present", "absent"), [p[1:] for p in PROFILE_NOTES],
                         ids=[p[0] for p in PROFILE_NOTES])
@pytest.mark.parametrize("usage", [USAGE, None], ids=["usage-read", "usage-unreadable"])
def test_usage_says_which_profiles_it_combines_and_which_the_alarms_miss(
    profiles: Siblings | None, present: list[str], absent: list[str], usage: object
) -> None:
    ctx = dataclasses.replace(HIGH, usage=usage, usage_profiles=profiles, application_profile_id="abc123def456")
    for text in renderings(ctx):
        flat = " ".join(text.split())
        for phrase in present:
            assert phrase in flat, phrase
        for phrase in absent:
            assert phrase not in flat, phrase


ONE_CASE_LINE = "Please raise each quota above to its requested value on this one case"


@pytest.mark.parametrize(
    ("ctx", "in_case"),
    [(HIGH, True), (NEW_MODEL, True), (dataclasses.replace(HIGH, quota_requests=HIGH.quota_requests[1:]), False),
     (dataclasses.replace(LOW, quota_requests=HIGH.quota_requests), False), (NON_QUOTA, False)],
    ids=["high-usage-both-quotas", "new-model-both-quotas", "one-quota", "low-usage-reference-only", "non-quota"],
)
def test_the_case_asks_for_every_quota_on_its_one_request(ctx: AlertContext, in_case: bool) -> None:
    case, communication, email = renderings(ctx)
    assert (ONE_CASE_LINE in " ".join(case.split())) is in_case
    assert (ONE_CASE_LINE in " ".join(communication.split())) is in_case
    assert ONE_CASE_LINE not in " ".join(email.split())  # the e-mail says it where it reports the request
