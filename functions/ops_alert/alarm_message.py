"""Parse the alarm signals the notification processor receives, and decide whether they are ours.

Two shapes carry an alarm transition (SPEC §9):
- the composite alarm's SNS notification (a record whose ``Message`` is a JSON string), sent only
  when the composite itself changes state;
- the EventBridge "CloudWatch Alarm State Change" event of a child alarm, the only signal when a
  second child enters ALARM while the composite is already in ALARM (defect §8.7).
Both become one :class:`AlarmSignal`. Anything else raises :class:`MalformedAlarmMessage`.
"""
from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ops_alert.alarms import ALARM_KINDS, AlarmKind
from ops_alert.names import StackNames

ALARM = "ALARM"
_STATES = frozenset({"OK", "ALARM", "INSUFFICIENT_DATA"})
_ALARM_ARN_PREFIX = "arn:"


class MalformedAlarmMessage(ValueError):
    """The payload is not an alarm transition we can read; the message says what is wrong."""


class SignalSource(str, enum.Enum):
    COMPOSITE = "COMPOSITE"  # SNS notification of the composite alarm
    CHILD = "CHILD"  # EventBridge state-change event of one child alarm


@dataclass(frozen=True)
class AlarmSignal:
    """One alarm state transition, whatever channel delivered it."""

    source: SignalSource
    alarm_name: str
    alarm_arn: str
    state: str
    previous_state: str
    state_change_time: datetime  # timezone-aware, UTC
    region: str  # region code from the alarm ARN, e.g. "us-east-1"
    account: str
    triggering_children: tuple[str, ...]  # child alarm names; the alarm itself for CHILD
    # Same transition delivered twice (SNS retry, Lambda retry) -> same id.
    transition_id: str
    # One id per triggering child transition, built like a CHILD signal's transition_id, so the
    # processor can tell that a composite notification and a child event describe the same change.
    child_transition_ids: tuple[str, ...] = ()
    reason: str = ""

    @property
    def actionable(self) -> bool:
        """Only transitions into ALARM lead to a case or an e-mail."""
        return self.state == ALARM


@dataclass(frozen=True)
class Classification:
    """Whether a signal concerns this stack and which alarm kinds it reports."""

    ours: bool
    actionable: bool
    kinds: tuple[AlarmKind, ...]  # in catalogue order, no duplicates
    unknown_children: tuple[str, ...]  # triggering names that are not this stack's children
    ignored_reason: str | None  # why nothing should be done; None when actionable

    @property
    def needs_child_lookup(self) -> bool:
        """Actionable but no known child named: ask DescribeAlarms which children are in ALARM."""
        return self.actionable and not self.kinds


# --- parsing helpers ---------------------------------------------------------------------------


def _require(obj: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...] = str) -> Any:
    if key not in obj:
        raise MalformedAlarmMessage(f"{where}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise MalformedAlarmMessage(
            f"{where}: field {key!r} must be {expected}, got {type(value).__name__}"
        )
    if isinstance(value, str) and not value.strip():
        raise MalformedAlarmMessage(f"{where}: field {key!r} is empty")
    return value


def _state(value: str, where: str) -> str:
    if value not in _STATES:
        raise MalformedAlarmMessage(f"{where}: unknown alarm state {value!r}")
    return value


def parse_time(text: str, where: str) -> datetime:
    """CloudWatch timestamps: ``2026-11-26T14:05:00.123+0000`` or ``2026-11-26T14:07:00Z``."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedAlarmMessage(f"{where}: {text!r} is not an ISO 8601 timestamp") from None
    # A timestamp without zone is UTC in every CloudWatch payload we know.
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _canonical_time(moment: datetime) -> str:
    # Milliseconds + "Z": the same instant written "+0000" or "Z" gives the same transition id.
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def transition_id(alarm_arn: str, state: str, moment: datetime) -> str:
    """Stable idempotency key of one transition: alarm ARN, new state and state-change time."""
    return f"{alarm_arn}|{state}|{_canonical_time(moment)}"


def reported_child_transitions(signal: AlarmSignal) -> tuple[tuple[str, str, datetime], ...]:
    """(alarm ARN, state, time) of each child transition the signal reports (its child_transition_ids)."""
    found = []
    for tid in signal.child_transition_ids:
        arn, state, stamp = tid.rsplit("|", 2)
        found.append((arn, state, parse_time(stamp.replace("Z", "+00:00"), "transition id")))
    return tuple(found)


def _arn_parts(arn: str, where: str) -> tuple[str, str, str]:
    """(region, account, alarm name) of ``arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>``."""
    parts = arn.split(":", 6)
    if (
        len(parts) != 7
        or not arn.startswith(_ALARM_ARN_PREFIX)
        or parts[2] != "cloudwatch"
        or parts[5] != "alarm"
        or not parts[3]
        or not parts[6]
    ):
        raise MalformedAlarmMessage(f"{where}: {arn!r} is not a CloudWatch alarm ARN")
    return parts[3], parts[4], parts[6]


# --- composite alarm via SNS -------------------------------------------------------------------


def parse_sns_record(record: Mapping[str, Any]) -> AlarmSignal:
    """An SNS record (one element of ``event["Records"]``) carrying a composite alarm notification."""
    if not isinstance(record, Mapping) or not isinstance(record.get("Sns"), Mapping):
        raise MalformedAlarmMessage("not an SNS record: no 'Sns' object")
    raw = _require(record["Sns"], "Message", "SNS record")
    try:
        message = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise MalformedAlarmMessage(f"SNS Message is not JSON: {exc.msg} at position {exc.pos}") from None
    except RecursionError:  # nesting deeper than the parser's stack (Python 3.11): bad input, not a crash
        raise MalformedAlarmMessage("SNS Message is not JSON: nested too deeply") from None
    if not isinstance(message, Mapping):
        raise MalformedAlarmMessage(f"SNS Message must be a JSON object, got {type(message).__name__}")
    where = "alarm notification"
    name = _require(message, "AlarmName", where)
    arn = _require(message, "AlarmArn", where)
    state = _state(_require(message, "NewStateValue", where), where)
    previous = _state(_require(message, "OldStateValue", where), where)
    moment = parse_time(_require(message, "StateChangeTime", where), where)
    # "Region" holds the long name ("US East (N. Virginia)"); the ARN has the code.
    region, account = _region_and_account(arn, name, where, "AlarmName", "AlarmArn")
    children, child_ids = _triggering_children(message.get("TriggeringChildren", []), where)
    return _signal(
        SignalSource.COMPOSITE, name, arn, state, previous, moment, region,
        _stated(message.get("AWSAccountId"), account), children, child_ids, message.get("NewStateReason"),
    )


def _region_and_account(arn: str, name: str, where: str, name_field: str, arn_field: str) -> tuple[str, str]:
    """The alarm ARN's region and account, once its alarm name is shown to be ``name``."""
    region, account, arn_name = _arn_parts(arn, where)
    if arn_name != name:
        raise MalformedAlarmMessage(f"{where}: {name_field} {name!r} does not match {arn_field} {arn!r}")
    return region, account


def _stated(value: Any, default: str) -> str:
    """A value the envelope states (a non-empty string), else what the ARN says."""
    return value if isinstance(value, str) and value else default


def _signal(source: SignalSource, name: str, arn: str, state: str, previous: str, moment: datetime,
            region: str, account: str, children: tuple[str, ...], child_ids: tuple[str, ...],
            reason: Any) -> AlarmSignal:
    return AlarmSignal(
        source=source,
        alarm_name=name,
        alarm_arn=arn,
        state=state,
        previous_state=previous,
        state_change_time=moment,
        region=region,
        account=account,
        triggering_children=children,
        transition_id=transition_id(arn, state, moment),
        child_transition_ids=child_ids,
        reason=reason if isinstance(reason, str) else "",
    )


def _triggering_children(value: Any, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(value, list):
        raise MalformedAlarmMessage(f"{where}: TriggeringChildren must be a list")
    names: list[str] = []
    ids: list[str] = []
    for i, child in enumerate(value):
        item = f"{where}: TriggeringChildren[{i}]"
        if not isinstance(child, Mapping):
            raise MalformedAlarmMessage(f"{item} must be an object")
        arn = _require(child, "Arn", item)
        _, _, name = _arn_parts(arn, item)
        if name not in names:
            names.append(name)
        state = child.get("State")
        if isinstance(state, Mapping) and isinstance(state.get("Value"), str) and isinstance(
            state.get("Timestamp"), str
        ):
            ids.append(transition_id(arn, _state(state["Value"], item), parse_time(state["Timestamp"], item)))
    return tuple(names), tuple(ids)


# --- child alarm via EventBridge ---------------------------------------------------------------

_DETAIL_TYPE = "CloudWatch Alarm State Change"


def parse_state_change_event(event: Mapping[str, Any]) -> AlarmSignal:
    """The EventBridge "CloudWatch Alarm State Change" event of one (child) alarm."""
    where = "alarm state change event"
    if event.get("detail-type") != _DETAIL_TYPE or event.get("source") != "aws.cloudwatch":
        raise MalformedAlarmMessage(
            f"{where}: expected source 'aws.cloudwatch' and detail-type {_DETAIL_TYPE!r}, got "
            f"{event.get('source')!r} / {event.get('detail-type')!r}"
        )
    detail = _require(event, "detail", where, Mapping)
    resources = _require(event, "resources", where, list)
    if not resources or not isinstance(resources[0], str):
        raise MalformedAlarmMessage(f"{where}: 'resources' must hold the alarm ARN")
    arn = resources[0]
    name = _require(detail, "alarmName", where)
    region, account = _region_and_account(arn, name, where, "alarmName", "resource")
    state_obj = _require(detail, "state", where, Mapping)
    state = _state(_require(state_obj, "value", f"{where} state"), where)
    # The state timestamp is the alarm's own transition time; the envelope "time" is the fallback.
    stamp = state_obj.get("timestamp") or _require(event, "time", where)
    if not isinstance(stamp, str):
        raise MalformedAlarmMessage(f"{where}: state timestamp must be str")
    moment = parse_time(stamp, where)
    previous_obj = _require(detail, "previousState", where, Mapping)
    previous = _state(_require(previous_obj, "value", f"{where} previousState"), where)
    return _signal(
        SignalSource.CHILD, name, arn, state, previous, moment, region, _stated(event.get("account"), account),
        (name,), (transition_id(arn, state, moment),), state_obj.get("reason"),
    )


def parse_signals(event: Any) -> tuple[AlarmSignal, ...]:
    """Every alarm signal in a Lambda event: SNS ``Records`` or one EventBridge event.

    Raises MalformedAlarmMessage on the first record that cannot be read; callers that want
    per-record handling call :func:`parse_sns_record` themselves.
    """
    if not isinstance(event, Mapping):
        raise MalformedAlarmMessage(f"event must be a JSON object, got {type(event).__name__}")
    if "Records" in event:
        records = event["Records"]
        if not isinstance(records, list) or not records:
            raise MalformedAlarmMessage("'Records' must be a non-empty list")
        return tuple(parse_sns_record(r) for r in records)
    if "detail-type" in event:
        return (parse_state_change_event(event),)
    raise MalformedAlarmMessage(
        "unknown event shape: neither SNS 'Records' nor an EventBridge alarm state change"
    )


# --- is it ours? -------------------------------------------------------------------------------


def classify(signal: AlarmSignal, names: StackNames) -> Classification:
    """Does the signal belong to this stack, is it actionable, which alarm kinds fired."""
    children = names.child_alarm_names
    ours = (signal.alarm_name == names.composite_alarm_name if signal.source is SignalSource.COMPOSITE
            else signal.alarm_name in children)
    found = {children[n].key for n in signal.triggering_children if n in children}
    kinds = tuple(k for k in ALARM_KINDS if k.key in found)
    unknown = tuple(n for n in signal.triggering_children if n not in children)
    reason: str | None = None
    if not ours:
        reason = (
            f"alarm {signal.alarm_name!r} is not the composite or a child alarm of "
            f"{names.customer}/{names.model}"
        )
    elif not signal.actionable:
        reason = (
            f"transition {signal.previous_state} -> {signal.state} of {signal.alarm_name!r} is not "
            f"actionable: only ALARM transitions are processed"
        )
    return Classification(
        ours=ours,
        actionable=ours and signal.actionable,
        kinds=kinds if ours else (),
        unknown_children=unknown if ours else (),
        ignored_reason=reason,
    )


def kinds_in_alarm(alarm_names: Sequence[str], names: StackNames) -> tuple[AlarmKind, ...]:
    """Kinds of this stack's children among names in ALARM (e.g. from DescribeAlarms)."""
    children = names.child_alarm_names
    found = {children[n].key for n in alarm_names if n in children}
    return tuple(k for k in ALARM_KINDS if k.key in found)


# --- events redriven from the dead-letter queue ---------------------------------------------------


class DeadLettered(str, enum.Enum):
    """What a message redriven from the DLQ to the follow-up queue carries (besides follow-ups)."""

    ALARM_EVENT = "alarm_event"  # the event of a failed processor invocation: process it again
    SCHEDULED_EVENT = "scheduled_event"  # a failed alarm-updater run: its next schedule repeats it


def dead_lettered_event(body: str) -> tuple[DeadLettered, dict[str, Any]] | None:
    """The original event in an SQS message body, when it is a dead-lettered invocation's event.

    Lambda's dead-letter queue keeps the failed invocation's event as the message body. Redriving
    the queue to the follow-up queue (the runbook's one command) brings those back to the
    processor next to genuine follow-ups, whose JSON has neither ``Records`` nor ``detail-type``.
    None for anything else (a follow-up, or a body that is not a JSON object).
    """
    try:
        data = json.loads(body)
    except (TypeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("source") == "aws.events" and data.get("detail-type") == "Scheduled Event":
        return DeadLettered.SCHEDULED_EVENT, data
    if "Records" in data or data.get("detail-type") == _DETAIL_TYPE:
        return DeadLettered.ALARM_EVENT, data
    return None
