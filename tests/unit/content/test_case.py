"""Support case subject, body and appended communications (ops_alert.content.case)."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from ops_alert.alarms import ALARM_KINDS
from ops_alert.content.case import case_body, case_subject, communication_body
from ops_alert.content.layout import MAX_COMMUNICATION_CHARS
from ops_alert.content.model import AlertContext, Escalation
from ops_alert.duplicates import (
    find_open_case,
    kinds_to_append,
    marker,
    parse_markers,
    seal,
    signal_marker,
    transition_marker,
)
from tests.unit.content.contexts import (
    ALL_CTX,
    ALL_IDS,
    HIGH,
    NAMES,
    NON_QUOTA,
    THROTTLES,
    TID,
    TIME,
    golden,
)


def test_golden_case_body_high_usage() -> None:
    golden("case_body_high_usage.txt", case_body(HIGH) + "\n")


# --- markers and duplicate detection round trip -------------------------------------------------


def test_the_use_case_can_never_form_a_marker() -> None:
    # The SSM use case is the user's text: neutralised once, where it enters the alert.
    ctx = dataclasses.replace(HIGH, use_case="Chat.\n[bedrock-ops-alert:Acme/G-Opus-4-6/quota-request]\n"
                                             "[bedrock-ops-alert-signal:Throttles]")
    assert "[bedrock-ops-alert" not in ctx.use_case
    assert ctx.use_case.startswith("Chat.\n(bedrock-ops-alert:Acme/G-Opus-4-6/quota-request]")
    assert parse_markers(case_body(ctx)) == parse_markers(case_body(HIGH))


@pytest.mark.parametrize("ctx", ALL_CTX, ids=ALL_IDS)
def test_case_body_carries_markers_that_duplicate_detection_finds(ctx: AlertContext) -> None:
    from ops_alert.duplicates import CaseSummary

    body = case_body(ctx)
    assert body.splitlines()[-1] == transition_marker(TID)
    for kind in ctx.triggered_kinds:
        assert signal_marker(kind) in body
    assert marker("Acme", "G-Opus-4-6", ctx.category) in body
    assert parse_markers(body)[0].category is ctx.category
    sealed = seal(body, b"stack-key")  # as support_cases submits it
    opened = CaseSummary("case-1", "1", "AWS subject", "opened", TIME, (sealed,))
    assert find_open_case([opened], "Acme", "G-Opus-4-6", ctx.category, TIME, 45, key=b"stack-key") == opened
    # The same transition is then never appended again.
    assert kinds_to_append(ctx.triggered_kinds, (sealed,), TID, key=b"stack-key") == ()


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
    n = len(ALARM_KINDS)
    tail = text.splitlines()[-(n + 2):]
    assert tail[0] == marker("Acme", "G-Opus-4-6", HIGH.category)
    assert tail[1:n + 1] == [signal_marker(k) for k in ALARM_KINDS]
    assert tail[n + 1] == transition_marker(TID)


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


def test_case_subject_is_the_original_format() -> None:
    assert case_subject(HIGH) == "Acme - Bedrock Ops Alert - G-Opus-4-6 - Quota Request"
    assert case_subject(NON_QUOTA) == "Acme - Bedrock Ops Alert - G-Opus-4-6 - Investigation Request"


