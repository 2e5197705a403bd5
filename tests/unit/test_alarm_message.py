"""Parsing the composite SNS notification and the child EventBridge event; is the signal ours."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Any

import pytest

from ops_alert.alarm_message import (
    AlarmSignal,
    DeadLettered,
    MalformedAlarmMessage,
    SignalSource,
    classify,
    dead_lettered_event,
    kinds_in_alarm,
    parse_signals,
    parse_sns_record,
    parse_state_change_event,
    transition_id,
)
from ops_alert.alarms import BY_KEY
from ops_alert.names import StackNames
from tests import events

NAMES = StackNames("Acme", "G-Opus-4-6")
ACCOUNT = "123456789012"
ARN = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:"
COMPOSITE = NAMES.composite_alarm_name
THROTTLES = NAMES.alarm_name(BY_KEY["Throttles"])
ANOMALY = NAMES.alarm_name(BY_KEY["InvocationAnomaly"])


def message(**overrides: Any) -> dict[str, Any]:
    """The CloudWatch notification inside the SNS record (tests/events/composite-alarm-sns.json),
    narrowed to the Throttles child."""
    msg = events.composite_message()
    msg.update({
        "NewStateReason": f"{ARN}{THROTTLES} transitioned to ALARM",
        "AlarmRule": f"ALARM({THROTTLES})",
        "TriggeringChildren": [
            {"Arn": ARN + THROTTLES, "State": {"Value": "ALARM", "Timestamp": "2026-11-26T14:05:00.100+0000"}}
        ],
    })
    msg.update(overrides)
    return msg


def sns_record(msg: Any) -> dict[str, Any]:
    """One SNS record as the topic delivers it, carrying ``msg`` (JSON-encoded unless a string)."""
    [record] = events.composite_sns_record()["Records"]
    record["Sns"]["Message"] = msg if isinstance(msg, str) else json.dumps(msg)
    return record


def child_event(**detail_overrides: Any) -> dict[str, Any]:
    """tests/events/eventbridge-alarm-state-change.json (the Throttles child going to ALARM)."""
    event = events.child_state_change()
    event["detail"]["state"]["reason"] = "Threshold Crossed"
    event["detail"].update(detail_overrides)
    return event


# --- composite notification --------------------------------------------------------------------


def test_composite_notification_is_parsed_into_a_signal() -> None:
    signal = parse_signals({"Records": [sns_record(message())]})[0]
    assert signal == AlarmSignal(
        source=SignalSource.COMPOSITE,
        alarm_name=COMPOSITE,
        alarm_arn=ARN + COMPOSITE,
        state="ALARM",
        previous_state="OK",
        state_change_time=datetime(2026, 11, 26, 14, 5, 0, 123000, tzinfo=timezone.utc),
        region="us-east-1",  # from the ARN, not the long "US East (N. Virginia)"
        account=ACCOUNT,
        triggering_children=(THROTTLES,),
        transition_id=f"{ARN}{COMPOSITE}|ALARM|2026-11-26T14:05:00.123Z",
        child_transition_ids=(f"{ARN}{THROTTLES}|ALARM|2026-11-26T14:05:00.100Z",),
        reason=f"{ARN}{THROTTLES} transitioned to ALARM",
    )
    assert signal.actionable


def test_same_transition_delivered_twice_has_the_same_id() -> None:
    first = parse_sns_record(sns_record(message()))
    again = parse_sns_record(sns_record(message()))
    # The same instant written with "Z" instead of "+0000" is still the same transition.
    z_form = parse_sns_record(sns_record(message(StateChangeTime="2026-11-26T14:05:00.123Z")))
    later = parse_sns_record(sns_record(message(StateChangeTime="2026-11-26T14:06:00.000+0000")))
    assert first.transition_id == again.transition_id == z_form.transition_id
    assert later.transition_id != first.transition_id


def test_child_event_and_composite_agree_on_the_child_transition_id() -> None:
    composite = parse_sns_record(sns_record(message()))
    child = parse_state_change_event(
        child_event(state={"value": "ALARM", "timestamp": "2026-11-26T14:05:00.100+0000"})
    )
    assert child.transition_id in composite.child_transition_ids


def test_several_children_are_listed_once_each_in_order() -> None:
    children = [
        {"Arn": ARN + ANOMALY, "State": {"Value": "ALARM", "Timestamp": "2026-11-26T14:04:00.000+0000"}},
        {"Arn": ARN + THROTTLES, "State": {"Value": "ALARM", "Timestamp": "2026-11-26T14:05:00.000+0000"}},
        {"Arn": ARN + ANOMALY},  # repeated, without state: name kept once, no id
    ]
    signal = parse_sns_record(sns_record(message(TriggeringChildren=children)))
    assert signal.triggering_children == (ANOMALY, THROTTLES)
    assert len(signal.child_transition_ids) == 2


def test_missing_triggering_children_and_optional_fields_are_tolerated() -> None:
    msg = message()
    for key in ("TriggeringChildren", "NewStateReason", "AWSAccountId"):
        del msg[key]
    signal = parse_sns_record(sns_record(msg))
    assert signal.triggering_children == ()
    assert signal.reason == ""
    assert signal.account == ACCOUNT  # from the ARN


def test_timestamp_without_zone_is_utc() -> None:
    signal = parse_sns_record(sns_record(message(StateChangeTime="2026-11-26T14:05:00")))
    assert signal.state_change_time == datetime(2026, 11, 26, 14, 5, tzinfo=timezone.utc)


def test_timestamp_in_other_zone_is_converted_to_utc() -> None:
    signal = parse_sns_record(sns_record(message(StateChangeTime="2026-11-26T16:05:00.000+0200")))
    assert signal.state_change_time == datetime(2026, 11, 26, 14, 5, tzinfo=timezone.utc)
    assert signal.transition_id.endswith("|2026-11-26T14:05:00.000Z")


def _without(key: str) -> dict[str, Any]:
    msg = message()
    del msg[key]
    return msg


BAD_RECORDS = [
    ("not-a-dict", "not an SNS record", "not an SNS record"),
    ("no-sns", {"EventSource": "aws:sns"}, "not an SNS record"),
    ("no-message", {"Sns": {"Type": "Notification"}}, "missing field 'Message'"),
    ("message-not-string", {"Sns": {"Message": {"AlarmName": "x"}}}, "field 'Message' must be str"),
    ("empty-message", {"Sns": {"Message": "  "}}, "field 'Message' is empty"),
    ("non-json", sns_record("ALARM: something happened"), "SNS Message is not JSON"),
    ("nested-too-deeply", sns_record("[" * 100_000 + "]" * 100_000), "SNS Message is not JSON: nested too deeply"),
    ("json-list", sns_record("[1, 2]"), "must be a JSON object, got list"),
    ("no-alarm-name", sns_record(_without("AlarmName")), "missing field 'AlarmName'"),
    ("no-arn", sns_record(_without("AlarmArn")), "missing field 'AlarmArn'"),
    ("no-new-state", sns_record(_without("NewStateValue")), "missing field 'NewStateValue'"),
    ("no-old-state", sns_record(_without("OldStateValue")), "missing field 'OldStateValue'"),
    ("no-time", sns_record(_without("StateChangeTime")), "missing field 'StateChangeTime'"),
    ("name-not-string", sns_record(message(AlarmName=42)), "field 'AlarmName' must be str, got int"),
    ("unknown-state", sns_record(message(NewStateValue="FIRING")), "unknown alarm state 'FIRING'"),
    ("bad-time", sns_record(message(StateChangeTime="yesterday")), "'yesterday' is not an ISO 8601"),
    ("arn-not-alarm", sns_record(message(AlarmArn="arn:aws:sns:us-east-1:1:topic")), "not a CloudWatch alarm ARN"),
    ("arn-garbage", sns_record(message(AlarmArn="composite")), "not a CloudWatch alarm ARN"),
    ("name-arn-mismatch", sns_record(message(AlarmName="Other")), "does not match AlarmArn"),
    ("children-not-list", sns_record(message(TriggeringChildren={"Arn": "x"})), "must be a list"),
    ("child-not-object", sns_record(message(TriggeringChildren=["x"])), "TriggeringChildren[0] must be an object"),
    ("child-no-arn", sns_record(message(TriggeringChildren=[{"State": {}}])), "missing field 'Arn'"),
    ("child-bad-arn", sns_record(message(TriggeringChildren=[{"Arn": "nope"}])), "not a CloudWatch alarm ARN"),
    (
        "child-bad-state",
        sns_record(message(TriggeringChildren=[{"Arn": ARN + THROTTLES, "State": {"Value": "X", "Timestamp": "t"}}])),
        "unknown alarm state 'X'",
    ),
]


@pytest.mark.parametrize(("record", "error"), [(r, e) for _, r, e in BAD_RECORDS], ids=[i for i, _, _ in BAD_RECORDS])
def test_bad_sns_record_raises_a_clear_error(record: Any, error: str) -> None:
    with pytest.raises(MalformedAlarmMessage, match=None) as info:
        parse_sns_record(record)
    assert error in str(info.value)


# --- child event -------------------------------------------------------------------------------


def test_child_event_is_parsed_into_a_signal() -> None:
    signal = parse_signals(child_event())[0]
    tid = f"{ARN}{THROTTLES}|ALARM|2026-11-26T14:07:00.512Z"
    assert signal == AlarmSignal(
        source=SignalSource.CHILD,
        alarm_name=THROTTLES,
        alarm_arn=ARN + THROTTLES,
        state="ALARM",
        previous_state="OK",
        state_change_time=datetime(2026, 11, 26, 14, 7, 0, 512000, tzinfo=timezone.utc),
        region="us-east-1",
        account=ACCOUNT,
        triggering_children=(THROTTLES,),
        transition_id=tid,
        child_transition_ids=(tid,),
        reason="Threshold Crossed",
    )


def test_child_event_without_state_timestamp_uses_the_event_time() -> None:
    signal = parse_state_change_event(child_event(state={"value": "ALARM"}))
    assert signal.state_change_time == datetime(2026, 11, 26, 14, 7, tzinfo=timezone.utc)
    assert signal.reason == ""


def test_child_event_account_falls_back_to_the_arn() -> None:
    event = child_event()
    del event["account"]
    assert parse_state_change_event(event).account == ACCOUNT


def _event(**changes: Any) -> dict[str, Any]:
    event = child_event()
    for key, value in changes.items():
        if value is None:
            del event[key]
        else:
            event[key] = value
    return event


def _detail(**changes: Any) -> dict[str, Any]:
    event = child_event()
    for key, value in changes.items():
        if value is None:
            del event["detail"][key]
        else:
            event["detail"][key] = value
    return event


BAD_EVENTS = [
    ("wrong-detail-type", _event(**{"detail-type": "EC2 Instance State-change Notification"}), "detail-type"),
    ("wrong-source", _event(source="aws.ec2"), "expected source 'aws.cloudwatch'"),
    ("no-detail", _event(detail=None), "missing field 'detail'"),
    ("detail-not-object", _event(detail="x"), "field 'detail' must be Mapping"),
    ("no-resources", _event(resources=None), "missing field 'resources'"),
    ("empty-resources", _event(resources=[]), "'resources' must hold the alarm ARN"),
    ("resource-not-string", _event(resources=[1]), "'resources' must hold the alarm ARN"),
    ("resource-not-alarm", _event(resources=["arn:aws:ec2:us-east-1:1:instance:i-1"]), "not a CloudWatch alarm ARN"),
    ("no-alarm-name", _detail(alarmName=None), "missing field 'alarmName'"),
    ("name-mismatch", _detail(alarmName="Other"), "does not match resource"),
    ("no-state", _detail(state=None), "missing field 'state'"),
    ("no-state-value", _detail(state={"timestamp": "2026-11-26T14:07:00Z"}), "missing field 'value'"),
    ("unknown-state", _detail(state={"value": "BROKEN"}), "unknown alarm state 'BROKEN'"),
    ("timestamp-not-string", _detail(state={"value": "ALARM", "timestamp": 1700000000}), "timestamp must be str"),
    ("bad-timestamp", _detail(state={"value": "ALARM", "timestamp": "soon"}), "not an ISO 8601"),
    ("no-previous-state", _detail(previousState=None), "missing field 'previousState'"),
    ("previous-state-no-value", _detail(previousState={}), "missing field 'value'"),
]


@pytest.mark.parametrize(("event", "error"), [(e, m) for _, e, m in BAD_EVENTS], ids=[i for i, _, _ in BAD_EVENTS])
def test_bad_child_event_raises_a_clear_error(event: dict[str, Any], error: str) -> None:
    with pytest.raises(MalformedAlarmMessage) as info:
        parse_state_change_event(event)
    assert error in str(info.value)


def test_child_event_without_time_or_state_timestamp_is_rejected() -> None:
    event = child_event(state={"value": "ALARM"})
    del event["time"]
    with pytest.raises(MalformedAlarmMessage, match="missing field 'time'"):
        parse_state_change_event(event)


# --- dispatch ----------------------------------------------------------------------------------

BAD_LAMBDA_EVENTS = [
    ("not-an-object", ["Records"], "event must be a JSON object, got list"),
    ("records-empty", {"Records": []}, "'Records' must be a non-empty list"),
    ("records-not-list", {"Records": "x"}, "'Records' must be a non-empty list"),
    ("unknown-shape", {"hello": "world"}, "unknown event shape"),
    ("bad-record-inside", {"Records": [{"EventSource": "aws:sqs", "body": "{}"}]}, "not an SNS record"),
]


@pytest.mark.parametrize(("event", "error"), [(e, m) for _, e, m in BAD_LAMBDA_EVENTS], ids=[i for i, _, _ in BAD_LAMBDA_EVENTS])
def test_unknown_lambda_event_shapes_are_rejected(event: Any, error: str) -> None:
    with pytest.raises(MalformedAlarmMessage) as info:
        parse_signals(event)
    assert error in str(info.value)


def test_malformed_message_is_a_value_error() -> None:
    # Callers that already catch ValueError for bad input keep working.
    assert issubclass(MalformedAlarmMessage, ValueError)


def test_several_sns_records_give_several_signals() -> None:
    event = {"Records": [sns_record(message()), sns_record(message(NewStateValue="OK", OldStateValue="ALARM"))]}
    assert [s.state for s in parse_signals(event)] == ["ALARM", "OK"]


# --- classify ----------------------------------------------------------------------------------


def _signal(
    source: SignalSource, name: str, children: tuple[str, ...], state: str = "ALARM", previous: str = "OK"
) -> AlarmSignal:
    moment = datetime(2026, 11, 26, 14, 5, tzinfo=timezone.utc)
    return AlarmSignal(
        source=source,
        alarm_name=name,
        alarm_arn=ARN + name,
        state=state,
        previous_state=previous,
        state_change_time=moment,
        region="us-east-1",
        account=ACCOUNT,
        triggering_children=children,
        transition_id=transition_id(ARN + name, state, moment),
    )


OTHER_STACK = StackNames("Globex", "G-Opus-4-6")
CLASSIFY = [
    # id, signal, ours, actionable, kinds, unknown, reason fragment
    ("composite-throttles", _signal(SignalSource.COMPOSITE, COMPOSITE, (THROTTLES,)), True, True, ("Throttles",), (), None),
    (
        "composite-kinds-in-catalogue-order",
        _signal(SignalSource.COMPOSITE, COMPOSITE, (ANOMALY, THROTTLES, ANOMALY)),
        True, True, ("Throttles", "InvocationAnomaly"), (), None,
    ),
    (
        "composite-unknown-child-reported",
        _signal(SignalSource.COMPOSITE, COMPOSITE, ("Acme-Bedrock-Mystery-Warning-G-Opus-4-6", THROTTLES)),
        True, True, ("Throttles",), ("Acme-Bedrock-Mystery-Warning-G-Opus-4-6",), None,
    ),
    ("composite-no-children", _signal(SignalSource.COMPOSITE, COMPOSITE, ()), True, True, (), (), None),
    ("child-of-this-stack", _signal(SignalSource.CHILD, ANOMALY, (ANOMALY,)), True, True, ("InvocationAnomaly",), (), None),
    (
        "composite-of-other-stack",
        _signal(SignalSource.COMPOSITE, OTHER_STACK.composite_alarm_name, (OTHER_STACK.alarm_name(BY_KEY["Throttles"]),)),
        False, False, (), (), "is not the composite or a child alarm of Acme/G-Opus-4-6",
    ),
    (
        "child-of-other-stack",
        _signal(SignalSource.CHILD, OTHER_STACK.alarm_name(BY_KEY["Throttles"]), ()),
        False, False, (), (), "not the composite or a child alarm",
    ),
    # A child name arriving as a "composite" notification is not our composite.
    ("child-name-as-composite", _signal(SignalSource.COMPOSITE, THROTTLES, (THROTTLES,)), False, False, (), (), "not the composite"),
    (
        "back-to-ok-ignored",
        _signal(SignalSource.COMPOSITE, COMPOSITE, (THROTTLES,), state="OK", previous="ALARM"),
        True, False, ("Throttles",), (), "ALARM -> OK of 'Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6' is not actionable",
    ),
    (
        "insufficient-data-ignored",
        _signal(SignalSource.CHILD, THROTTLES, (THROTTLES,), state="INSUFFICIENT_DATA"),
        True, False, ("Throttles",), (), "only ALARM transitions are processed",
    ),
]


@pytest.mark.parametrize(
    ("signal", "ours", "actionable", "kinds", "unknown", "reason"),
    [c[1:] for c in CLASSIFY],
    ids=[c[0] for c in CLASSIFY],
)
def test_classify(
    signal: AlarmSignal, ours: bool, actionable: bool, kinds: tuple[str, ...], unknown: tuple[str, ...], reason: str | None
) -> None:
    result = classify(signal, NAMES)
    assert result.ours is ours
    assert result.actionable is actionable
    assert tuple(k.key for k in result.kinds) == kinds
    assert result.unknown_children == unknown
    if reason is None:
        assert result.ignored_reason is None
    else:
        assert result.ignored_reason is not None and reason in result.ignored_reason


def test_actionable_signal_without_known_children_needs_a_child_lookup() -> None:
    assert classify(_signal(SignalSource.COMPOSITE, COMPOSITE, ()), NAMES).needs_child_lookup
    assert not classify(_signal(SignalSource.COMPOSITE, COMPOSITE, (THROTTLES,)), NAMES).needs_child_lookup
    assert not classify(_signal(SignalSource.COMPOSITE, COMPOSITE, (), state="OK"), NAMES).needs_child_lookup


def test_kinds_in_alarm_keeps_this_stacks_children_in_catalogue_order() -> None:
    names = [ANOMALY, "Some-Other-Alarm", THROTTLES, ANOMALY]
    assert [k.key for k in kinds_in_alarm(names, NAMES)] == ["Throttles", "InvocationAnomaly"]


def test_parsing_does_not_mutate_the_event() -> None:
    event = {"Records": [sns_record(message())]}
    before = copy.deepcopy(event)
    parse_signals(event)
    assert event == before


# --- events redriven from the dead-letter queue ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (json.dumps({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": "{}"}}]}), DeadLettered.ALARM_EVENT),
        (json.dumps({"source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change", "detail": {}}),
         DeadLettered.ALARM_EVENT),
        (json.dumps({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}),
         DeadLettered.SCHEDULED_EVENT),
        (json.dumps({"request_id": "r", "quota_code": "L-1", "body": "b", "transition_id": "t", "attempt": 1}), None),
        (json.dumps({"source": "aws.ec2", "detail-type": "EC2 Instance State-change Notification"}), None),
        (json.dumps(["Records"]), None),
        ("{not json", None),
        ("", None),
        ("[" * 100_000 + "]" * 100_000, None),
    ],
    ids=["composite-sns", "child-eventbridge", "updater-schedule", "follow-up", "other-event", "json-list",
         "not-json", "empty", "nested-too-deeply"],
)
def test_dead_lettered_event_tells_replays_from_follow_ups(body: str, expected: DeadLettered | None) -> None:
    found = dead_lettered_event(body)
    assert (found[0] if found else None) is expected
    if found:
        assert found[1] == json.loads(body)
