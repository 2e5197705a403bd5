"""Real transitions only: a signal is checked against the alarm history; escalations at their time."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from ops_alert.alarm_message import parse_signals
from ops_alert.names import StackNames
from ops_alert.partition import OwnIdentity
from ops_alert.transitions import (
    StateChange,
    check_history,
    check_identity,
    covered_by_composite,
    entered_alarm,
    entries_into_alarm,
    in_alarm_at,
)

NAMES = StackNames("Acme", "G-Opus-4-6")
OWN = OwnIdentity("aws", "us-east-1", "123456789012")
T = datetime(2026, 11, 26, 14, 5, tzinfo=timezone.utc)
COMPOSITE = NAMES.composite_alarm_name
THROTTLES = "Acme-Bedrock-Throttles-Critical-G-Opus-4-6"
LATENCY = "Acme-Bedrock-HighLatency-Warning-G-Opus-4-6"


def arn(name: str, region: str = "us-east-1", account: str = "123456789012", partition: str = "aws") -> str:
    return f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def composite(children: list[tuple[str, datetime]], *, at: datetime = T, name: str = COMPOSITE,
              alarm_arn: str | None = None, child_arn=arn, with_state: bool = True):
    message = {
        "AlarmName": name, "AlarmArn": alarm_arn or arn(name), "NewStateValue": "ALARM", "OldStateValue": "OK",
        "StateChangeTime": stamp(at), "NewStateReason": "set by hand",
        "TriggeringChildren": [{"Arn": child_arn(c), **({"State": {"Value": "ALARM", "Timestamp": stamp(t)}}
                                                        if with_state else {})} for c, t in children],
    }
    (signal,) = parse_signals({"Records": [{"Sns": {"Message": json.dumps(message)}}]})
    return signal


def child(name: str, at: datetime = T, alarm_arn: str | None = None):
    event = {"source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change", "time": stamp(at),
             "resources": [alarm_arn or arn(name)], "account": "123456789012",
             "detail": {"alarmName": name, "state": {"value": "ALARM", "timestamp": stamp(at)},
                        "previousState": {"value": "OK"}}}
    (signal,) = parse_signals(event)
    return signal


def up(name: str, at: datetime, old: str = "OK", new: str = "ALARM") -> StateChange:
    return StateChange(name, at, old, new)


S = timedelta(seconds=1)
REAL_HISTORY = [up(THROTTLES, T - S), up(COMPOSITE, T)]

VERIFY = [
    # id, signal, history, the check that refuses it (None: confirmed)
    ("composite-and-child-in-history", composite([(THROTTLES, T - S)]), REAL_HISTORY, None),
    ("child-recovered-since-is-still-real", composite([(THROTTLES, T - S)]),
     [*REAL_HISTORY, up(THROTTLES, T + 60 * S, "ALARM", "OK")], None),
    ("within-a-minute", composite([(THROTTLES, T - S)]), [up(THROTTLES, T + 50 * S), up(COMPOSITE, T - 40 * S)], None),
    # set-alarm-state on the composite: the composite transitioned, its children did not.
    ("children-never-transitioned", composite([(THROTTLES, T - S)]), [up(COMPOSITE, T)], "history"),
    ("composite-never-transitioned", composite([(THROTTLES, T - S)]), [up(THROTTLES, T - S)], "history"),
    ("transition-at-another-time", composite([(THROTTLES, T - S)]), [up(THROTTLES, T - 3600 * S), up(COMPOSITE, T)], "history"),
    ("history-shows-recovery-not-alarm", composite([(THROTTLES, T - S)]),
     [up(THROTTLES, T - S, "ALARM", "OK"), up(COMPOSITE, T)], "history"),
    ("child-without-reported-time", composite([(THROTTLES, T - S)], with_state=False), REAL_HISTORY, "history"),
    ("composite-of-another-account", composite([(THROTTLES, T - S)], alarm_arn=arn(COMPOSITE, account="999999999999")),
     REAL_HISTORY, "identity"),
    ("composite-in-another-region", composite([(THROTTLES, T - S)], alarm_arn=arn(COMPOSITE, region="eu-west-1")),
     REAL_HISTORY, "identity"),
    ("child-arn-in-another-region", composite([(THROTTLES, T - S)], child_arn=lambda n: arn(n, region="eu-west-1")),
     REAL_HISTORY, "identity"),
    ("child-event-real", child(THROTTLES), [up(THROTTLES, T)], None),
    ("child-event-forged", child(THROTTLES), [], "history"),
    ("child-event-of-another-partition", child(THROTTLES, alarm_arn=arn(THROTTLES, partition="aws-cn")),
     [up(THROTTLES, T)], "identity"),
]


ENTRY = up(THROTTLES, T + 30 * S)
ENTRIES = [
    # id, history, the items that are THROTTLES entering ALARM around T
    ("within-the-tolerance", [ENTRY], [ENTRY]),
    ("at-the-edge", [up(THROTTLES, T - 60 * S)], [up(THROTTLES, T - 60 * S)]),
    ("just-outside", [up(THROTTLES, T + 61 * S)], []),
    ("another-alarm", [up(LATENCY, T)], []),
    ("recovery", [up(THROTTLES, T, "ALARM", "OK")], []),
    ("already-in-alarm", [up(THROTTLES, T, "ALARM", "ALARM")], []),
    ("from-insufficient-data", [up(THROTTLES, T, "INSUFFICIENT_DATA")], [up(THROTTLES, T, "INSUFFICIENT_DATA")]),
    ("two-entries-in-order", [ENTRY, up(LATENCY, T), up(THROTTLES, T - S)], [ENTRY, up(THROTTLES, T - S)]),
]


@pytest.mark.parametrize(("history", "expected"), [e[1:] for e in ENTRIES], ids=[e[0] for e in ENTRIES])
def test_entries_into_alarm_and_entered_alarm_apply_one_rule(history, expected) -> None:
    assert list(entries_into_alarm(history, THROTTLES, T)) == expected
    assert entered_alarm(history, THROTTLES, T) is bool(expected)
    assert entered_alarm(iter(history), THROTTLES, T) is bool(expected)  # any iterable, read once


@pytest.mark.parametrize(("signal", "history", "refused_by"), [v[1:] for v in VERIFY], ids=[v[0] for v in VERIFY])
def test_a_signal_is_confirmed_by_identity_then_history(signal, history, refused_by: str | None) -> None:
    # The processor's order: identity first (no history is read for another stack's alarm).
    identity = check_identity(signal, NAMES, OWN)
    assert identity.confirmed is (refused_by != "identity")
    assert bool(identity.reason) is (refused_by == "identity")
    if identity.confirmed:
        in_history = check_history(signal, NAMES, history)
        assert in_history.confirmed is (refused_by is None)
        assert bool(in_history.reason) is (refused_by is not None)


def test_unknown_own_identity_confirms_nothing() -> None:
    assert not check_identity(child(THROTTLES), NAMES, None).confirmed


@pytest.mark.parametrize(("arn_", "expected"), [
    ("arn:aws:lambda:us-east-1:123456789012:function:f", OWN),
    ("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:$LATEST",
     OwnIdentity("aws-us-gov", "us-gov-west-1", "123456789012")),
    ("arn:aws:sns:us-east-1:123456789012:t", None), ("", None),
], ids=["plain", "qualified-govcloud", "not-a-function", "empty"])
def test_own_identity_from_the_function_arn(arn_: str, expected: OwnIdentity | None) -> None:
    assert OwnIdentity.from_function_arn(arn_) == expected


IN_ALARM_AT = [
    # id, composite history, current (state, since), in ALARM just before T
    ("alarm-before-the-child", [up(COMPOSITE, T - 600 * S)], ("ALARM", T - 600 * S), True),
    # A redriven escalation: the composite has recovered since, but was in ALARM at the child's time.
    ("recovered-since", [up(COMPOSITE, T - 600 * S), up(COMPOSITE, T + 3600 * S, "ALARM", "OK")],
     ("OK", T + 3600 * S), True),
    ("entered-with-the-child", [up(COMPOSITE, T)], ("ALARM", T), False),
    ("entered-after-the-child", [up(COMPOSITE, T + S)], ("ALARM", T + S), False),
    ("history-gone-state-held-since", [], ("ALARM", T - 40 * 24 * 3600 * S), True),
    ("history-gone-entered-after", [], ("ALARM", T + S), False),
    ("no-history-not-in-alarm", [], ("OK", T + S), False),
    ("no-history-alarm-since-unknown", [], ("ALARM", None), None),
    ("nothing-known", [], (None, None), None),
]


@pytest.mark.parametrize(("history", "current", "expected"), [s[1:] for s in IN_ALARM_AT], ids=[s[0] for s in IN_ALARM_AT])
def test_in_alarm_at(history, current, expected) -> None:
    assert in_alarm_at([*history, up(THROTTLES, T - 900 * S)], COMPOSITE, T, *current) is expected


@pytest.mark.parametrize(("in_alarm", "covered"), [(True, False), (False, True), (None, False)],
                         ids=["escalation", "covered", "unknown-processed"])
def test_covered_by_composite(in_alarm: bool | None, covered: bool) -> None:
    assert covered_by_composite(in_alarm) is covered
