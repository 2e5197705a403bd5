"""Is an alarm signal real? Checked against CloudWatch's own record, never taken at its word (issue 9).

A message can be forged (anyone who may publish to the raw topic, send to the follow-up queue or
invoke the function) and an alarm can be set by hand (``aws cloudwatch set-alarm-state``, with any
reason text). Before the processor acts, a signal must show:

- that it names this stack's own alarm in this account, region and partition (the ARN must equal
  the one the function's own ARN implies);
- for a composite notification, that the composite really entered ALARM at the reported time, and
  that every child of this stack it names really entered ALARM at the time it reports for it;
- for a child's EventBridge event, that the child really entered ALARM at the reported time.

"Really" means a state-update item in the alarm history (DescribeAlarmHistory) at that moment, give
or take :data:`TOLERANCE`; a child that has recovered since is still real. The alarm kinds come only
from this stack's alarm names, never from the state reason.

Escalations are judged at their time: whether the composite's own notification covered a child's
transition depends on the composite's state *when the child transitioned*, from the same history,
so a late or redriven escalation is still delivered once, after the alarms have recovered.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ops_alert.alarm_message import ALARM, AlarmSignal, SignalSource, reported_child_transitions
from ops_alert.names import StackNames
from ops_alert.partition import OwnIdentity

# CloudWatch stamps the notification, the event and the history item with the same state-update
# time; a minute absorbs any rounding and clock skew between its writers, and no alarm of this
# stack evaluates twice within it (periods are at least a minute).
TOLERANCE = timedelta(seconds=60)


@dataclass(frozen=True)
class StateChange:
    """One state-update item of an alarm's history."""

    alarm_name: str
    at: datetime  # timezone-aware
    old_state: str
    new_state: str
    reason: str = ""  # the state reason CloudWatch recorded (untrusted text: only ops_alert.drill reads it)


@dataclass(frozen=True)
class Confirmation:
    confirmed: bool
    reason: str = ""  # why not, for the WARNING log line

    @classmethod
    def no(cls, reason: str) -> Confirmation:
        return cls(False, reason)


CONFIRMED = Confirmation(True)


@dataclass(frozen=True)
class Claim:
    """One transition into ALARM that a signal reports: which alarm, when."""

    alarm_name: str
    alarm_arn: str
    at: datetime


def claims(signal: AlarmSignal, names: StackNames) -> tuple[Claim, ...]:
    """The transitions into ALARM a signal asserts about this stack's alarms (composite first).

    Children of other stacks named in a composite notification are not claims about us: they are
    listed as unknown and never acted on.
    """
    found = [Claim(signal.alarm_name, signal.alarm_arn, signal.state_change_time)]
    if signal.source is SignalSource.COMPOSITE:
        children = names.child_alarm_names
        for arn, state, moment in reported_child_transitions(signal):
            name = arn.split(":", 6)[-1]
            if name in children and state == ALARM:
                found.append(Claim(name, arn, moment))
    return tuple(found)


def entries_into_alarm(history: Iterable[StateChange], alarm_name: str, at: datetime,
                       tolerance: timedelta = TOLERANCE) -> tuple[StateChange, ...]:
    """The history items of ``alarm_name`` entering ALARM within ``tolerance`` of ``at`` (normally one)."""
    return tuple(c for c in history if c.alarm_name == alarm_name and c.new_state == ALARM
                 and c.old_state != ALARM and abs(c.at - at) <= tolerance)


def entered_alarm(history: Iterable[StateChange], alarm_name: str, at: datetime,
                  tolerance: timedelta = TOLERANCE) -> bool:
    """Whether the history shows ``alarm_name`` entering ALARM within ``tolerance`` of ``at``."""
    return any(entries_into_alarm(history, alarm_name, at, tolerance))


def check_identity(signal: AlarmSignal, names: StackNames, own: OwnIdentity | None) -> Confirmation:
    """Whether every alarm the signal claims is this stack's own (checked before any history call)."""
    if own is None:
        return Confirmation.no("the function's own ARN is unknown: cannot tell this stack's alarms from others")
    for claim in claims(signal, names):
        if claim.alarm_arn != own.alarm_arn(claim.alarm_name):
            return Confirmation.no(f"{claim.alarm_arn!r} is not this stack's alarm in account {own.account}, "
                                   f"region {own.region}")
    return CONFIRMED


def check_history(signal: AlarmSignal, names: StackNames, history: Sequence[StateChange]) -> Confirmation:
    """Whether the alarm history shows every transition the signal claims."""
    for claim in claims(signal, names):
        if not entered_alarm(history, claim.alarm_name, claim.at):
            return Confirmation.no(f"CloudWatch's history shows no transition of {claim.alarm_name} to ALARM at "
                              f"{claim.at.isoformat()}")
    if signal.source is SignalSource.COMPOSITE:
        reported = {arn.split(":", 6)[-1]: state for arn, state, _ in reported_child_transitions(signal)}
        for name in signal.triggering_children:
            if name in names.child_alarm_names and reported.get(name) != ALARM:
                return Confirmation.no(f"the notification reports no transition of child {name} to ALARM")
    return CONFIRMED


# --- escalations judged at their time -------------------------------------------------------------


def in_alarm_at(history: Iterable[StateChange], alarm_name: str, moment: datetime,
                current_state: str | None, current_since: datetime | None) -> bool | None:
    """Whether ``alarm_name`` was in ALARM just before ``moment``; None when it cannot be told.

    The newest history item before ``moment`` says it (its new state), else the first one at or after
    it (its old state). Without either, the state has not changed for as long as the history reaches
    (30 days; a composite may stay in ALARM longer): the current state says it, except that an alarm
    that entered ALARM at or after ``moment`` was not in ALARM before it.
    """
    own = [c for c in history if c.alarm_name == alarm_name]
    before = [c for c in own if c.at < moment]
    if before:
        return max(before, key=lambda c: c.at).new_state == ALARM
    if own:
        return min(own, key=lambda c: c.at).old_state == ALARM
    if current_state is None:
        return None
    if current_state != ALARM:
        return False
    if current_since is None:
        return None
    return current_since < moment


def covered_by_composite(composite_in_alarm_before_child: bool | None) -> bool:
    """Whether the composite's own notification reports a child's transition into ALARM.

    Composite alarms notify only on their own transitions (SPEC §9). Was the composite already in
    ALARM when the child transitioned, no notification came: the child event is an escalation and
    must be processed. Otherwise the composite's notification reports it. Unknown: processed
    (a duplicate is caught by the transition key and the case markers; a loss is not).
    """
    return composite_in_alarm_before_child is False
