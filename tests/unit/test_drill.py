"""Fire drills: the stored token, and which signals are drills (only CloudWatch's record can say so)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from ops_alert.drill import (
    BadDrillToken,
    ChildTransition,
    DrillToken,
    check_drill,
    child_transitions,
    idempotency_key,
    names_a_drill,
    parse_drill_parameter,
    state_reason,
    token_in,
)
from ops_alert.transitions import StateChange
from tests.unit.test_transitions import COMPOSITE, LATENCY, NAMES, THROTTLES, T, child, composite

TOKEN = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"
M = timedelta(minutes=1)
ARMED = DrillToken(TOKEN, THROTTLES, T - 2 * M, T + 8 * M)


def stored(**changes: object) -> str:
    data = {"token": TOKEN, "alarm": THROTTLES, "issued": "2026-11-26T14:03:00Z", "expires": "2026-11-26T14:13:00Z"}
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not None})


# --- the stored parameter ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    (None, None),  # a stack deployed before drills: nothing armed
    ("off", None),  # the template's value, and what make drill leaves behind
    (" OFF ", None),
    (stored(), ARMED),
    (ARMED.to_json(), ARMED),
    (stored(issued="2026-11-26T15:03:00+01:00"), ARMED),  # any zone, compared in UTC
], ids=["missing", "off", "off-any-case", "armed", "round-trip", "offset-zone"])
def test_the_stored_parameter_is_off_or_one_armed_drill(text: str | None, expected: DrillToken | None) -> None:
    assert parse_drill_parameter(text) == expected


@pytest.mark.parametrize(("text", "says"), [
    ("on", "not JSON"),
    ("[" * 2000 + "]" * 2000, "not JSON"),  # deeper than the parser's stack: RecursionError on 3.11
    ("[1, 2]", "not a JSON object"),
    (stored(token="0123"), "32 lowercase hex"),
    (stored(token=TOKEN.upper()), "32 lowercase hex"),
    (stored(token=f"{TOKEN}\nx"), "32 lowercase hex"),
    (stored(token=None), "32 lowercase hex"),
    (stored(alarm=" "), "no alarm"),
    (stored(alarm=None), "no alarm"),
    (stored(expires="soon"), "expires 'soon' is not an ISO 8601"),
    (stored(expires="2026-11-26T14:13:00"), "expires has no time zone"),
    (stored(issued=None), "issued is not a timestamp"),
    (stored(expires="2026-11-26T14:02:00Z"), "after issued"),
    (stored(expires="2026-11-26T16:00:00Z"), "at most 1:00:00 later"),  # a long-lived token is refused
    # The alarm name is user-edited text that reaches a log line: a CloudWatch alarm name's shape only.
    (stored(alarm="A" * 256), "alarm name is longer than 255 characters"),
    (stored(alarm=f"{THROTTLES}\nWARNING forged log line"), "alarm name holds characters other than"),
    (stored(alarm=f"{THROTTLES}\n"), "alarm name holds characters other than"),
    (stored(alarm=f"{THROTTLES} "), "alarm name holds characters other than"),
    (stored(alarm="Acme-Bedrock-<!channel>"), "alarm name holds characters other than"),
    (stored(alarm="Acme\u202eBedrock"), "alarm name holds characters other than"),  # right-to-left override
    (stored(alarm=123), "no alarm"),
    (stored(note="x" * 4096), "characters, more than a drill token document's 4,096"),
], ids=["word", "nested-too-deep", "list", "short-token", "upper-case", "newline", "no-token", "blank-alarm", "no-alarm",
        "expiry-unreadable", "expiry-naive", "no-issued", "expires-before-issued", "lives-too-long",
        "alarm-too-long", "alarm-with-newline", "alarm-trailing-newline", "alarm-trailing-space", "alarm-markup",
        "alarm-bidi-control", "alarm-not-text", "document-too-long"])
def test_a_garbled_parameter_arms_nothing_and_says_why(text: str, says: str) -> None:
    with pytest.raises(BadDrillToken, match=says.replace("(", r"\(")):
        parse_drill_parameter(text)


@pytest.mark.parametrize("alarm", [THROTTLES, "A" * 255, "team_a.prod-Bedrock-Throttles-Critical-m.1"],
                         ids=["stack-child", "longest", "underscore-and-dot"])
def test_an_alarm_name_of_cloudwatchs_shape_is_accepted(alarm: str) -> None:
    armed = parse_drill_parameter(stored(alarm=alarm))
    assert armed is not None and armed.alarm == alarm


@pytest.mark.parametrize(("reason", "token"), [
    (state_reason(TOKEN), TOKEN),
    (state_reason(TOKEN, "fire drill by make drill"), TOKEN),
    (f"Threshold Crossed: 1 datapoint [12.0] was greater than 5.0; drill {TOKEN}", TOKEN),
    ("Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).", None),
    (f"drill {TOKEN}0", None),  # 33 hex digits: not a token
    (f"drill {TOKEN.upper()}", None),
    ("drill", None),
], ids=["reason", "reason-with-note", "inside-text", "real-reason", "too-long", "upper-case", "bare-word"])
def test_a_state_reason_names_at_most_one_token(reason: str, token: str | None) -> None:
    assert token_in(reason) == token


# --- which signals are drills --------------------------------------------------------------------


def moved(name: str, at: datetime, reason: str, old: str = "OK", new: str = "ALARM") -> StateChange:
    return StateChange(name, at, old, new, reason)


S = timedelta(seconds=1)
DRILL_REASON = state_reason(TOKEN)


def test_the_reasons_come_from_the_history_of_each_claimed_child_transition() -> None:
    signal = composite([(THROTTLES, T - S)])
    history = [moved(THROTTLES, T - S, DRILL_REASON), moved(COMPOSITE, T, f"drill {OTHER}"),
               moved(THROTTLES, T - 10 * M, "an older transition"), moved(THROTTLES, T, "back", "ALARM", "OK")]
    assert child_transitions(signal, NAMES, history) == (ChildTransition(THROTTLES, T - S, (DRILL_REASON,)),)
    # The composite's own reason is not a child's: it can never make a drill.
    assert child_transitions(signal, NAMES, history[1:]) == (ChildTransition(THROTTLES, T - S, ()),)


CHECKS = [
    # id, armed, signal, history, now, drill?, why it is real
    ("armed-drill-composite", ARMED, composite([(THROTTLES, T - S)]),
     [moved(THROTTLES, T - S, DRILL_REASON)], T, True, ""),
    ("armed-drill-child-event", ARMED, child(THROTTLES), [moved(THROTTLES, T, DRILL_REASON)], T, True, ""),
    ("real-alarm", ARMED, composite([(THROTTLES, T - S)]),
     [moved(THROTTLES, T - S, "Threshold Crossed: 1 datapoint [12.0] > 5.0")], T, False, ""),
    # The notification's own reason says "drill <token>", CloudWatch's record does not: real.
    ("message-text-only", ARMED, composite([(THROTTLES, T - S)]), [moved(THROTTLES, T - S, "Threshold Crossed")],
     T, False, ""),
    ("forged-token", ARMED, composite([(THROTTLES, T - S)]), [moved(THROTTLES, T - S, state_reason(OTHER))], T,
     False, "does not name the armed drill token"),
    # A token from an earlier drill, set again by hand after a new drill was armed.
    ("replayed-token", DrillToken(OTHER, THROTTLES, T - 2 * M, T + 8 * M), child(THROTTLES),
     [moved(THROTTLES, T, DRILL_REASON)], T, False, "does not name the armed drill token"),
    ("nothing-armed", None, composite([(THROTTLES, T - S)]), [moved(THROTTLES, T - S, DRILL_REASON)], T, False,
     "no drill is armed"),
    ("expired-token", ARMED, composite([(THROTTLES, T - S)]), [moved(THROTTLES, T - S, DRILL_REASON)],
     T + 9 * M, False, "expired at 2026-11-26T14:13:00Z"),
    ("token-for-another-alarm", ARMED, child(LATENCY), [moved(LATENCY, T, DRILL_REASON)], T, False,
     "the drill is armed for Acme-Bedrock-Throttles-Critical-G-Opus-4-6 only"),
    # A real alarm firing beside the drill: the alert is real, never dry-run.
    ("real-alarm-beside-the-drill", ARMED, composite([(THROTTLES, T - S), (LATENCY, T - S)]),
     [moved(THROTTLES, T - S, DRILL_REASON), moved(LATENCY, T - S, "Threshold Crossed")], T, False,
     "HighLatency-Warning-G-Opus-4-6 went to ALARM too"),
    ("transition-before-the-token", ARMED, child(THROTTLES, at=T - 5 * M), [moved(THROTTLES, T - 5 * M, DRILL_REASON)],
     T, False, "outside the drill token's window"),
    # Two history items at the claimed moment: both must name the token.
    ("one-of-two-records-real", ARMED, child(THROTTLES),
     [moved(THROTTLES, T, DRILL_REASON), moved(THROTTLES, T + 30 * S, "Threshold Crossed")], T, False,
     "does not name the armed drill token"),
]


@pytest.mark.parametrize(("armed", "signal", "history", "now", "is_drill", "why"),
                         [c[1:] for c in CHECKS], ids=[c[0] for c in CHECKS])
def test_only_the_armed_token_in_cloudwatchs_record_makes_a_drill(
        armed: DrillToken | None, signal: object, history: list[StateChange], now: datetime, is_drill: bool,
        why: str) -> None:
    transitions = child_transitions(signal, NAMES, history)  # type: ignore[arg-type]
    check = check_drill(armed, transitions, now)
    assert (check.drill is not None) is is_drill
    assert why in check.why_real
    assert check.why_real.endswith("handled as a real alert") or not check.why_real
    assert (check.why_real == "") is (is_drill or not names_a_drill(transitions))


def test_a_drills_exactly_once_record_never_answers_for_a_real_alert() -> None:
    key = f"{THROTTLES}|ALARM|{T.isoformat()}"
    assert idempotency_key(key, None) == key
    assert idempotency_key(key, ARMED) not in (key, idempotency_key(key, DrillToken(OTHER, THROTTLES, T, T + M)))


def test_the_token_is_only_valid_until_it_expires() -> None:
    at_expiry = check_drill(ARMED, (ChildTransition(THROTTLES, T, (DRILL_REASON,)),), ARMED.expires)
    after = check_drill(ARMED, (ChildTransition(THROTTLES, T, (DRILL_REASON,)),), ARMED.expires + timedelta(seconds=1))
    assert at_expiry.drill == ARMED and after.drill is None
    assert ARMED.expires.tzinfo == timezone.utc
