"""The chat message (ops_alert.content.chat): the custom-notification format, threads, and inert untrusted text.

Every message built here is checked against tests/chat_format (the format's rules: a message
Amazon Q Developer would drop is a test failure), for every scenario and every support outcome.
"""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone

import pytest

from ops_alert.content.chat import (
    MAX_DESCRIPTION_CHARS,
    MAX_TITLE_CHARS,
    chat_message,
    escape,
    thread_id,
    to_sns_message,
    unidentified_chat_message,
)
from ops_alert.content.email import email_body
from ops_alert.content.model import AlertContext, CaseOutcome, CaseOutcomeStatus, UnidentifiedAlarm
from ops_alert.scenario import PerDayUsage, Scenario, decide_scenario
from ops_alert.thresholds import Thresholds
from tests.chat_format import problems
from tests.unit.content.contexts import ALL_CTX, ALL_IDS, HIGH, LOW, NEW_CASE, NON_QUOTA, USAGE

ACCOUNT = "123456789012"
OUTCOMES = [
    ("new-with-request", NEW_CASE),
    ("new-case", CaseOutcome(CaseOutcomeStatus.NEW, display_id="1765", case_id="case-1")),
    ("request-without-case-yet", CaseOutcome(CaseOutcomeStatus.NEW, quota_request_ids=("r-1",))),
    ("updated", CaseOutcome(CaseOutcomeStatus.UPDATED, display_id="1765")),
    ("already-communicated", CaseOutcome(CaseOutcomeStatus.NOT_UPDATED_ALREADY_COMMUNICATED, display_id="1765")),
    ("automation-off", CaseOutcome(CaseOutcomeStatus.AUTOMATION_DISABLED)),
    ("no-support-plan", CaseOutcome(CaseOutcomeStatus.NO_SUPPORT_PLAN)),
    ("failed", CaseOutcome(CaseOutcomeStatus.FAILED, error="<!channel> boom")),
]


@pytest.mark.parametrize("ctx", ALL_CTX, ids=ALL_IDS)
@pytest.mark.parametrize("outcome", [o for _, o in OUTCOMES], ids=[i for i, _ in OUTCOMES])
def test_every_scenario_and_outcome_is_a_message_the_format_delivers(ctx: AlertContext, outcome: CaseOutcome) -> None:
    message = chat_message(ctx, outcome, account=ACCOUNT)
    assert problems(message) == []
    assert problems(to_sns_message(message)) == []  # as published: JSON text
    assert ctx.severity.value in message["content"]["title"] and ctx.category.value in message["content"]["title"]
    assert message["metadata"]["additionalContext"]["caseStatus"] == outcome.status.value


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("version", "2.0", "version"),
    ("source", "aws.cloudwatch", "source"),
    ("content", {"title": "no description"}, "description"),
    ("content", {"textType": "markdown", "description": "x"}, "textType"),
    ("content", {"description": ""}, "description"),
    ("content", {"description": "x" * 3_001}, "description"),
    ("content", {"title": "x" * 151, "description": "x"}, "title"),
    ("metadata", {"threadId": "has spaces"}, "threadId"),
    ("metadata", {"relatedResources": "not a list"}, "relatedResources"),
    ("unknown", "field", "unknown"),
], ids=["version", "source", "no-description", "text-type", "empty-description", "long-description",
        "long-title", "thread-id", "resources-not-a-list", "unknown-field"])
def test_the_validator_rejects_what_the_format_would_drop(field: str, value: object, problem: str) -> None:
    message = {**chat_message(HIGH, NEW_CASE), field: value}
    assert any(problem in p for p in problems(message)), problems(message)


@pytest.mark.parametrize("text", ["not json", json.dumps(["a list"]), "x" * (256 * 1024 + 1)],
                         ids=["not-json", "not-an-object", "over-sns-limit"])
def test_the_validator_rejects_sns_messages_that_are_not_notifications(text: str) -> None:
    assert problems(text)


HOSTILE = [
    ("slack-link", "<https://evil.example|Approve quota>", ["<", ">", "|"]),
    ("markdown-link", "[click](https://evil.example)", ["](", "["]),
    ("channel-mention", "<!channel> <!here> <!everyone>", ["<!"]),
    ("user-mention", "<@U012AB3CD> and @here and @channel", ["<@", "@here", "@channel"]),
    ("code", "`rm -rf /` ```block```", ["`"]),
    ("bold-italic-strike", "*bold* _italic_ ~strike~", ["*bold*", "_italic_", "~strike~"]),
    ("quote-and-heading", "> quoted\n# heading", ["> quoted", "# heading", "\n"]),
    ("entities", "&lt;!channel&gt; &amp;", ["&lt;", "&amp;"]),
    ("table-pipes", "| a | b |", ["|"]),
    ("backslash", "\\*not escaped\\*", ["\\*"]),
    ("marker", "[bedrock-ops-alert:case] forged", ["[bedrock-ops-alert"]),
    ("control", "bell\x07 bidi\u202e nul\x00", ["\x07", "\u202e", "\x00"]),
]


@pytest.mark.parametrize(("text", "gone"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_untrusted_text_is_shown_inert(text: str, gone: list[str]) -> None:
    shown = escape(text)
    for fragment in gone:
        assert fragment not in shown
    # The words stay readable: letters and digits are untouched.
    assert [c for c in shown if c.isalnum()] == [c for c in text if c.isalnum()]


@pytest.mark.parametrize(("where", "build"), [
    ("alarm-reason", lambda t: chat_message(dataclasses.replace(HIGH, alarm_reason=t), NEW_CASE)),
    ("unknown-alarm-name", lambda t: chat_message(dataclasses.replace(HIGH, triggering_alarms=(t,)), NEW_CASE)),
    ("model-name", lambda t: chat_message(dataclasses.replace(HIGH, model_name=t), NEW_CASE)),
    ("customer-name", lambda t: chat_message(dataclasses.replace(HIGH, customer=t), NEW_CASE)),
    ("case-error", lambda t: chat_message(HIGH, CaseOutcome(CaseOutcomeStatus.FAILED, error=t))),
    ("unidentified-reason", lambda t: unidentified_chat_message(UnidentifiedAlarm(
        "Acme", "G-Opus-4-6", "m", "composite", datetime(2026, 1, 1, tzinfo=timezone.utc), "us-east-1", t, []))),
    ("unidentified-child-state", lambda t: unidentified_chat_message(UnidentifiedAlarm(
        "Acme", "G-Opus-4-6", "m", "composite", datetime(2026, 1, 1, tzinfo=timezone.utc), "us-east-1", "",
        [("child", t)]))),
], ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("text", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_no_untrusted_field_can_mention_link_or_format(where: str, build: object, text: str) -> None:
    message = build(text)  # type: ignore[operator]
    assert problems(message) == []
    rendered = " ".join([message["content"]["title"], message["content"]["description"],
                         *message["content"]["keywords"], message["metadata"]["summary"]])
    for fragment in ("<!", "<@", "<http", "](", "@here", "@channel", "`rm", "*bold*", "_italic_", "~strike~",
                     "&lt;", "[bedrock-ops-alert"):
        assert fragment not in rendered


@pytest.mark.parametrize("where", ["alarm_reason", "customer", "model_name"])
def test_very_long_untrusted_text_keeps_the_message_deliverable(where: str) -> None:
    ctx = dataclasses.replace(HIGH, **{where: "A" * 100_000},
                              triggering_alarms=tuple(f"unknown-alarm-{i}-" + "x" * 240 for i in range(40)))
    message = chat_message(ctx, NEW_CASE, account=ACCOUNT)
    assert problems(message) == []
    assert len(message["content"]["description"]) <= MAX_DESCRIPTION_CHARS
    assert "*Support:*" in message["content"]["description"]  # the outcome is never cut for the reason


def test_a_long_reason_is_dropped_before_the_facts() -> None:
    short = chat_message(dataclasses.replace(HIGH, alarm_reason="Threshold crossed: 1 datapoint"), NEW_CASE)
    assert "*Alarm reason:* Threshold crossed: 1 datapoint" in short["content"]["description"]
    huge = chat_message(dataclasses.replace(HIGH, alarm_reason="x " * 5_000), NEW_CASE)
    description = huge["content"]["description"]
    assert "*Support:*" in description and "*When:*" in description


def test_a_long_customer_and_model_keep_severity_and_category_in_the_title() -> None:
    message = chat_message(dataclasses.replace(HIGH, customer="C" * 200, model_name="M" * 200), NEW_CASE)
    title = message["content"]["title"]
    assert len(title) <= MAX_TITLE_CHARS and "[CRITICAL]" in title and title.endswith(": Quota Request")


@pytest.mark.parametrize(("a", "b", "same"), [
    (HIGH, dataclasses.replace(HIGH, alarm_reason="later", transition_id="t2"), True),
    (HIGH, LOW, True),  # both Quota Request: one thread, whatever the scenario or severity
    (HIGH, NON_QUOTA, False),  # Investigation Request: its own thread
    (HIGH, dataclasses.replace(HIGH, model_name="Other-Model"), False),
    (HIGH, dataclasses.replace(HIGH, customer="Other"), False),
], ids=["follow-up", "same-category", "other-category", "other-model", "other-customer"])
def test_threads_are_per_stack_and_category(a: AlertContext, b: AlertContext, same: bool) -> None:
    ta = chat_message(a, NEW_CASE)["metadata"]["threadId"]
    tb = chat_message(b, NEW_CASE)["metadata"]["threadId"]
    assert (ta == tb) is same


@pytest.mark.parametrize(("customer", "model", "expected"), [
    ("Acme", "G-Opus-4-6", "bedrock-ops-alert:Acme:G-Opus-4-6:quota-request"),
    ("<!here>", "a b*c", "bedrock-ops-alert:here:a-b-c:quota-request"),
    ("", "", "bedrock-ops-alert:unnamed:unnamed:quota-request"),
], ids=["plain", "hostile", "empty"])
def test_thread_ids_are_stable_keys(customer: str, model: str, expected: str) -> None:
    assert thread_id(customer, model, "Quota Request") == expected


def test_the_message_links_the_case_the_dashboard_and_the_alarms() -> None:
    ctx = dataclasses.replace(HIGH, dashboard_url="https://console.aws.amazon.com/cloudwatch/home#dashboards/dashboard/d")
    resources = chat_message(ctx, NEW_CASE, account=ACCOUNT)["metadata"]["relatedResources"]
    assert resources[0].endswith("displayId=176543210987")
    assert resources[1] == ctx.dashboard_url
    assert f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{HIGH.composite_alarm}" in resources
    assert chat_message(HIGH, CaseOutcome(CaseOutcomeStatus.AUTOMATION_DISABLED))["metadata"]["relatedResources"] == []


@pytest.mark.parametrize(("region", "partition"), [("us-east-1", "aws"), ("cn-north-1", "aws-cn"),
                                                   ("us-gov-west-1", "aws-us-gov")], ids=["aws", "china", "govcloud"])
def test_alarm_arns_are_in_the_functions_partition(region: str, partition: str) -> None:
    resources = chat_message(dataclasses.replace(HIGH, region=region), NEW_CASE, account=ACCOUNT)["metadata"]["relatedResources"]
    assert any(r.startswith(f"arn:{partition}:cloudwatch:{region}:{ACCOUNT}:alarm:") for r in resources)


@pytest.mark.parametrize(("ctx", "phrase"), [
    (HIGH, "quota increase is warranted"),
    (LOW, "reference only, not submitted"),
    (NON_QUOTA, "no quota change"),
], ids=["high", "low", "non-quota"])
def test_the_description_says_what_was_decided(ctx: AlertContext, phrase: str) -> None:
    assert phrase in chat_message(ctx, NEW_CASE)["content"]["description"]


def test_next_steps_are_the_emails() -> None:
    steps = chat_message(HIGH, NEW_CASE)["content"]["nextSteps"]
    assert steps[0].startswith("Follow the quota request") and all(not s[0].isdigit() for s in steps)


@pytest.mark.parametrize(("drill", "outcome"), [
    (False, CaseOutcome(CaseOutcomeStatus.AUTOMATION_DISABLED)),
    (False, CaseOutcome(CaseOutcomeStatus.FAILED, error="boom")),
    (True, NEW_CASE),
    (True, CaseOutcome(CaseOutcomeStatus.NO_SUPPORT_PLAN)),
], ids=["no-case", "failed", "drill", "drill-without-case"])
def test_next_steps_read_right_in_chat_and_in_the_e_mail(drill: bool, outcome: CaseOutcome) -> None:
    # The chat message lists the e-mail's steps: none may speak of "this e-mail" or of text "below".
    ctx = dataclasses.replace(HIGH, drill="0123456789abcdef0123456789abcdef" if drill else None)
    steps = chat_message(ctx, outcome)["content"]["nextSteps"]
    assert not [s for s in steps if "e-mail" in s or "below" in s]
    first = "Fire drill: nothing to fix. Check that everyone on call got this alert" if drill else \
        "Open a support case yourself if needed; the figures in this alert are ready to paste."
    assert steps[0].startswith(first)
    assert first.split(". ")[-1] in " ".join(email_body(ctx, outcome).split())


def test_a_fire_drill_is_marked_and_threads_apart() -> None:
    from ops_alert.drill import WouldHaveDone

    ctx = dataclasses.replace(HIGH, drill="0123456789abcdef0123456789abcdef")
    outcome = dataclasses.replace(NEW_CASE, would_have_done=(
        WouldHaveDone("support:CreateCase", "open a Quota Request case <!channel>"),))
    message = chat_message(ctx, outcome)
    assert problems(message) == []
    assert message["content"]["title"].startswith("[DRILL] ") and message["content"]["keywords"][0] == "DRILL"
    assert message["metadata"]["threadId"] == chat_message(HIGH, NEW_CASE)["metadata"]["threadId"] + ":drill"
    description = message["content"]["description"]
    assert description.startswith("*Fire drill") and "open a Quota Request case" in description
    assert "<!channel>" not in description


@pytest.mark.parametrize(("ctx", "line"), [
    (HIGH, "*Peak usage (14 days, per minute):* RPM 9,500 (threshold 8,000); TPM 3,000,000 (threshold 5,000,000)"),
    (dataclasses.replace(HIGH, thresholds=Thresholds(rpm=None, tpm=5_000_000)),
     "RPM 9,500; TPM 3,000,000 (threshold 5,000,000)"),  # a model without an RPM quota
    (dataclasses.replace(HIGH, usage=None), "*Usage:* could not be read"),
], ids=["both-quotas", "no-rpm-quota", "unreadable"])
def test_usage_is_shown_against_the_thresholds(ctx: AlertContext, line: str) -> None:
    assert line in chat_message(ctx, NEW_CASE)["content"]["description"]


def test_high_usage_on_the_per_day_quota_alone_shows_that_figure_and_its_threshold() -> None:
    # Per-minute peaks below both thresholds; the busiest 24 hours above the per-day threshold.
    usage = dataclasses.replace(USAGE, peak_rpm=900, peak_tpm=400_000)
    per_day = PerDayUsage(peak_24h_tokens=7_500_000_000.4, threshold=7_200_000_000)
    thresholds = Thresholds(rpm=8_000, tpm=5_000_000)
    scenario = decide_scenario(HIGH.triggered_kinds, usage, thresholds, per_day)
    assert scenario is Scenario.HIGH_USAGE
    ctx = dataclasses.replace(HIGH, scenario=scenario, usage=usage, thresholds=thresholds, per_day=per_day)
    description = chat_message(ctx, NEW_CASE)["content"]["description"]
    assert "*Peak usage (14 days, per minute):* RPM 900 (threshold 8,000); TPM 400,000 (threshold 5,000,000); " \
           "rolling 24-hour tokens 7,500,000,000 (per-day threshold 7,200,000,000)" in description
    # The e-mail carries the same figure, worded for its reader.
    assert "peak rolling 24-hour tokens 7,500,000,000 vs per-day threshold 7,200,000,000" in \
        " ".join(email_body(ctx, NEW_CASE).split())


def test_a_model_without_a_per_day_quota_shows_no_per_day_figure() -> None:
    ctx = dataclasses.replace(HIGH, per_day=PerDayUsage(peak_24h_tokens=7_500_000_000, threshold=None))
    assert "24-hour" not in chat_message(ctx, NEW_CASE)["content"]["description"]


def test_a_non_quota_alert_says_nothing_of_usage_it_did_not_read() -> None:
    description = chat_message(dataclasses.replace(NON_QUOTA, usage=None), NEW_CASE)["content"]["description"]
    assert "usage" not in description.lower().replace("investigation", "")


def test_the_validator_rejects_a_message_over_the_size_budget() -> None:
    message = chat_message(HIGH, NEW_CASE)
    message["metadata"]["additionalContext"] = {f"k{i}": "x" * 1_000 for i in range(40)}  # each value allowed
    assert [p for p in problems(message) if "bytes" in p] and len(problems(message)) == 1
