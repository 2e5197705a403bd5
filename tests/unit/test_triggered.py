"""Step 1: which children a signal reports, composite coverage, the transition key, usage dimensions."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from ops_alert.alarm_message import AlarmSignal, SignalSource, classify
from ops_alert.alarms import BY_KEY
from ops_alert.names import StackNames
from ops_alert.triggered import (
    Verdict,
    composite_covers,
    signal_kinds,
    transition_key,
    triggered,
    usage_dimensions,
)

NAMES = StackNames("Acme", "G-Opus-4-6")
COMPOSITE = NAMES.composite_alarm_name
T0 = datetime(2026, 11, 26, 14, 5, tzinfo=timezone.utc)
ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:"


def child(key: str) -> str:
    return NAMES.alarm_name(BY_KEY[key])


@dataclass(frozen=True)
class State:
    """Satisfies ops_alert.triggered.AlarmStateLike, as the DescribeAlarms adapter's AlarmState does."""

    name: str
    state: str
    transitioned_at: datetime | None
    composite: bool = False
    model_dimensions: tuple[str, ...] = ()


def composite_signal(*children: str, at: datetime = T0, reason: str = "", child_ids: tuple[str, ...] = ()) -> AlarmSignal:
    return AlarmSignal(SignalSource.COMPOSITE, COMPOSITE, ARN + COMPOSITE, "ALARM", "OK", at, "us-east-1",
                       "123456789012", tuple(child(c) for c in children), f"{ARN}{COMPOSITE}|ALARM|{at.isoformat()}",
                       child_ids, reason)


def child_signal(key: str, at: datetime = T0) -> AlarmSignal:
    name = child(key)
    return AlarmSignal(SignalSource.CHILD, name, ARN + name, "ALARM", "OK", at, "us-east-1", "123456789012",
                       (name,), f"{ARN}{name}|ALARM|{at.isoformat()}")


def states(*items: State) -> dict[str, State]:
    return {s.name: s for s in items}


MINUTE = timedelta(minutes=1)
COVERS = [
    ("composite-in-alarm-before-child", State(COMPOSITE, "ALARM", T0 - MINUTE, True), False),
    ("composite-entered-alarm-with-child", State(COMPOSITE, "ALARM", T0, True), True),
    ("composite-entered-alarm-after-child", State(COMPOSITE, "ALARM", T0 + MINUTE, True), True),
    ("composite-ok", State(COMPOSITE, "OK", T0 - MINUTE, True), True),
    ("composite-time-unknown", State(COMPOSITE, "ALARM", None, True), False),
    ("composite-missing", None, False),
]


@pytest.mark.parametrize(("composite", "covered"), [c[1:] for c in COVERS], ids=[c[0] for c in COVERS])
def test_composite_covers(composite: State | None, covered: bool) -> None:
    assert composite_covers(child_signal("Throttles"), composite) is covered


KINDS = [
    ("named-child", composite_signal("Throttles"), {}, ("Throttles",)),
    ("child-in-alarm-earlier-is-added", composite_signal("Throttles"),
     states(State(child("HighLatency"), "ALARM", T0 - MINUTE)), ("Throttles", "HighLatency")),
    ("child-in-alarm-later-is-its-own-event", composite_signal("Throttles"),
     states(State(child("HighLatency"), "ALARM", T0 + MINUTE)), ("Throttles",)),
    ("child-ok-is-not-added", composite_signal("Throttles"), states(State(child("ServerErrors"), "OK", T0)), ("Throttles",)),
    ("child-without-time-is-not-added", composite_signal(), states(State(child("ServerErrors"), "ALARM", None)), ()),
    # The state reason is free text (set-alarm-state): it never names the kinds (issue 9).
    ("reason-names-a-child-ignored", composite_signal(reason=f"{child('ServerErrors')} transitioned to ALARM"), {}, ()),
    ("nothing-known", composite_signal(), {}, ()),
    ("states-unreadable", composite_signal("InvocationAnomaly"), None, ("InvocationAnomaly",)),
]


@pytest.mark.parametrize(("signal", "found", "keys"), [k[1:] for k in KINDS], ids=[k[0] for k in KINDS])
def test_signal_kinds_of_a_composite(signal: AlarmSignal, found: dict[str, State] | None, keys: tuple[str, ...]) -> None:
    kinds = signal_kinds(signal, classify(signal, NAMES), found, NAMES)
    assert tuple(k.key for k in kinds) == keys


def test_a_child_signal_reports_itself_whatever_else_is_in_alarm() -> None:
    signal = child_signal("HighLatency")
    other = states(State(child("Throttles"), "ALARM", T0 - MINUTE))
    assert [k.key for k in signal_kinds(signal, classify(signal, NAMES), other, NAMES)] == ["HighLatency"]


KEYS = [
    ("composite-with-child-ids", composite_signal("Throttles", child_ids=("b", "a", "b")), "a,b"),
    ("composite-without-child-ids", composite_signal("Throttles"), f"{ARN}{COMPOSITE}|ALARM|{T0.isoformat()}"),
    ("child", child_signal("Throttles"), f"{ARN}{child('Throttles')}|ALARM|{T0.isoformat()}"),
]


@pytest.mark.parametrize(("signal", "key"), [k[1:] for k in KEYS], ids=[k[0] for k in KEYS])
def test_transition_key(signal: AlarmSignal, key: str) -> None:
    assert transition_key(signal) == key


def test_a_composite_naming_one_child_shares_the_key_of_that_childs_event() -> None:
    own = child_signal("Throttles")
    composite = composite_signal("Throttles", child_ids=(own.transition_id,))
    assert transition_key(composite) == transition_key(own)


RATE, TPM = child("HighInvocationRate"), child("HighTPMQuotaUsage")
DIMENSIONS = [
    ("system-defined", "global.anthropic.claude-opus-4-6-v1", "System-Defined", {},
     ("global.anthropic.claude-opus-4-6-v1",)),
    ("application-alone", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/own", "Application",
     {}, ("own",)),
    ("application-siblings-from-both-alarms", "own", "Application",
     states(State(RATE, "OK", T0, model_dimensions=("own", "sib1")), State(TPM, "OK", T0, model_dimensions=("sib2", "sib1"))),
     ("own", "sib1", "sib2")),
    ("application-states-unreadable", "own", "Application", None, ("own",)),
]


@pytest.mark.parametrize(("model_id", "profile_type", "found", "dims"), [d[1:] for d in DIMENSIONS], ids=[d[0] for d in DIMENSIONS])
def test_usage_dimensions(model_id: str, profile_type: str, found: dict[str, State] | None, dims: tuple[str, ...]) -> None:
    assert usage_dimensions(model_id, profile_type, found, NAMES) == dims


COMPOSITE_BEFORE = State(COMPOSITE, "ALARM", T0 - MINUTE, True)
COMPOSITE_WITH = State(COMPOSITE, "ALARM", T0, True)
VERDICTS = [
    ("child-escalation-acts", child_signal("HighLatency"), states(COMPOSITE_BEFORE), Verdict.ACT, ("HighLatency",)),
    ("child-covered", child_signal("HighLatency"), states(COMPOSITE_WITH), Verdict.COVERED_BY_COMPOSITE, ()),
    ("child-states-unreadable", child_signal("HighLatency"), None, Verdict.UNDECIDABLE, ()),
    ("composite-named-child", composite_signal("Throttles"), states(COMPOSITE_WITH), Verdict.ACT, ("Throttles",)),
    ("composite-named-child-states-unreadable", composite_signal("Throttles"), None, Verdict.ACT, ("Throttles",)),
    ("composite-nothing-identified", composite_signal(), states(COMPOSITE_WITH), Verdict.UNIDENTIFIED, ()),
    ("composite-nothing-named-states-unreadable", composite_signal(), None, Verdict.UNDECIDABLE, ()),
]


@pytest.mark.parametrize(("signal", "found", "verdict", "keys"), [v[1:] for v in VERDICTS], ids=[v[0] for v in VERDICTS])
def test_triggered(signal: AlarmSignal, found: dict[str, State] | None, verdict: Verdict, keys: tuple[str, ...]) -> None:
    result = triggered(signal, classify(signal, NAMES), found, NAMES)
    assert result.verdict is verdict
    assert tuple(k.key for k in result.kinds) == keys
    assert result.key == transition_key(signal)
    assert bool(result.why) is (verdict is Verdict.UNDECIDABLE)
    if verdict is Verdict.UNDECIDABLE:
        assert signal.transition_id in result.why


def test_an_escalation_is_judged_at_the_childs_time_not_now() -> None:
    """Redriven after the alarms recovered: the composite is OK now, but was in ALARM when the child
    transitioned, so no composite notification reported it: it must still be processed."""
    from ops_alert.transitions import StateChange

    recovered = states(State(COMPOSITE, "OK", T0 + 60 * MINUTE, True))
    history = [StateChange(COMPOSITE, T0 - 10 * MINUTE, "OK", "ALARM"),
               StateChange(COMPOSITE, T0 + 60 * MINUTE, "ALARM", "OK")]
    signal = child_signal("HighLatency")
    late = triggered(signal, classify(signal, NAMES), recovered, NAMES, history)
    assert (late.verdict, [k.key for k in late.kinds]) == (Verdict.ACT, ["HighLatency"])
    covered = [StateChange(COMPOSITE, T0, "OK", "ALARM"), StateChange(COMPOSITE, T0 + 60 * MINUTE, "ALARM", "OK")]
    assert triggered(signal, classify(signal, NAMES), recovered, NAMES, covered).verdict is Verdict.COVERED_BY_COMPOSITE


def test_the_adapters_alarm_state_satisfies_the_protocol() -> None:
    from ops_alert_aws.alarm_states import AlarmState

    adapter = AlarmState(COMPOSITE, ARN + COMPOSITE, "ALARM", T0 - MINUTE, True)
    ours = State(COMPOSITE, "ALARM", T0 - MINUTE, True)
    signal = child_signal("ServerErrors")
    assert composite_covers(signal, adapter) is composite_covers(signal, ours) is False
    assert dataclasses.asdict(ours).keys() <= {f.name for f in dataclasses.fields(adapter)}
