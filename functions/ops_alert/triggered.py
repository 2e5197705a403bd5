"""Step 1 of SPEC §4.4: which child alarms one alarm signal reports, and whether to act on it.

Composite alarms notify only on their own transitions (SPEC §9), so a child that enters ALARM
while the composite is already in ALARM reaches us only as the child's own state-change event
(defect §8.7). The current alarm states (one DescribeAlarms call, made by the adapter) answer what
the event does not carry: whether the composite's notification covers a child event, which
children are in ALARM, and which application profiles the Layer 2 alarms add up.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ops_alert.alarm_message import ALARM, AlarmSignal, Classification, SignalSource, kinds_in_alarm
from ops_alert.alarms import BY_KEY, AlarmKind
from ops_alert.names import StackNames
from ops_alert.profiles import PARAMETER_APPLICATION, short_profile_id
from ops_alert.transitions import StateChange, covered_by_composite, in_alarm_at

# Layer 2 alarms aggregate the sibling application profiles as m1+…+mN (kept by the alarm updater).
_AGGREGATING_ALARMS = (BY_KEY["HighInvocationRate"], BY_KEY["HighTPMQuotaUsage"])


class AlarmStateLike(Protocol):
    """The current state of one alarm of the stack (``ops_alert_aws.alarm_states.AlarmState``)."""

    @property
    def name(self) -> str: ...

    @property
    def state(self) -> str: ...  # OK | ALARM | INSUFFICIENT_DATA

    @property
    def transitioned_at(self) -> datetime | None: ...

    @property
    def composite(self) -> bool: ...

    @property
    def model_dimensions(self) -> tuple[str, ...]: ...  # ModelId dimension values, in metric order


States = Mapping[str, AlarmStateLike]  # by alarm name; None where the states could not be read


def composite_covers(child: AlarmSignal, composite: AlarmStateLike | None,
                     history: Sequence[StateChange] = ()) -> bool:
    """Whether the composite's own notification reports this child transition.

    Judged at the child's transition time (issue 9), from the composite's alarm history and its
    current state: if the composite was already in ALARM then, no notification came and the child
    event is an escalation of its own, however late it is delivered (a redrive after the alarms
    recovered). Otherwise the composite's notification covers it. Cannot tell: not covered.
    """
    in_alarm = in_alarm_at(history, _composite_name(composite, history), child.state_change_time,
                           composite.state if composite else None,
                           composite.transitioned_at if composite else None)
    return covered_by_composite(in_alarm)


def _composite_name(composite: AlarmStateLike | None, history: Sequence[StateChange]) -> str:
    if composite is not None:
        return composite.name
    return history[0].alarm_name if history else ""


def signal_kinds(
    signal: AlarmSignal, classification: Classification, states: States | None, names: StackNames
) -> tuple[AlarmKind, ...]:
    """The children this signal reports, in catalogue order.

    For the composite: its TriggeringChildren, plus every child in ALARM that transitioned no later
    than the composite (their own events are skipped as covered, so they must be reported here).
    Never from the state reason: it is free text anyone who may set the alarm's state can write.
    """
    if signal.source is SignalSource.CHILD:
        return classification.kinds
    found = list(signal.triggering_children)
    for state in (states or {}).values():
        if (
            not state.composite
            and state.state == ALARM
            and state.transitioned_at is not None
            and state.transitioned_at <= signal.state_change_time
        ):
            found.append(state.name)
    return kinds_in_alarm(found, names)


def transition_key(signal: AlarmSignal) -> str:
    """Idempotency key: the child transition(s) the signal reports.

    A composite notification that names one child and that child's own event share the key, so at
    most one of them is processed even if the escalation rule misjudges.
    """
    if signal.source is SignalSource.COMPOSITE and signal.child_transition_ids:
        return ",".join(sorted(set(signal.child_transition_ids)))
    return signal.transition_id


def usage_dimensions(model_id: str, profile_type: str, states: States | None, names: StackNames) -> tuple[str, ...]:
    """ModelId dimension values the Layer 2 alarms add up, the monitored one first.

    System-defined: the model ID. Application profile: the profile plus at most nine siblings,
    read from the alarms' metric math (the alarm updater keeps it current). The processor lists
    every sibling in Bedrock; this list stands in when Bedrock cannot be read.
    """
    if profile_type != PARAMETER_APPLICATION:
        return (model_id,)
    found = [short_profile_id(model_id)]
    for kind in _AGGREGATING_ALARMS:
        state = (states or {}).get(names.alarm_name(kind))
        for value in state.model_dimensions if state else ():
            if value not in found:
                found.append(value)
    return tuple(found)


class Verdict(str, enum.Enum):
    """What to do with an actionable signal of this stack."""

    ACT = "act"  # children identified: steps 2-7, once per transition
    COVERED_BY_COMPOSITE = "covered_by_composite"  # a child event the composite notification reports
    UNIDENTIFIED = "unidentified"  # composite in ALARM, no child identifiable: e-mail only, no case
    UNDECIDABLE = "undecidable"  # the alarm states are needed and unreadable: fail, so Lambda retries


@dataclass(frozen=True)
class Triggered:
    """Step 1's answer for one actionable signal."""

    verdict: Verdict
    key: str  # the transition key (idempotency)
    kinds: tuple[AlarmKind, ...] = ()  # the children that fired, for ACT
    why: str = ""  # for UNDECIDABLE: what could not be told


def triggered(signal: AlarmSignal, classification: Classification, states: States | None, names: StackNames,
              composite_history: Sequence[StateChange] = ()) -> Triggered:
    """Which children an actionable signal reports; ``states`` is None when they could not be read.

    ``composite_history``: the composite's state updates around a child's transition time.
    """
    key = transition_key(signal)
    if signal.source is SignalSource.CHILD:
        if states is None:
            # Without the composite's state an escalation cannot be told from a covered child:
            # fail, so Lambda retries, rather than lose or double it.
            why = f"cannot read the composite alarm's state for child event {signal.transition_id}"
            return Triggered(Verdict.UNDECIDABLE, key, why=why)
        if composite_covers(signal, states.get(names.composite_alarm_name), composite_history):
            return Triggered(Verdict.COVERED_BY_COMPOSITE, key)
    kinds = signal_kinds(signal, classification, states, names)
    if kinds:
        return Triggered(Verdict.ACT, key, kinds)
    if states is None:
        why = f"no child alarm named in {signal.transition_id} and their states are unreadable"
        return Triggered(Verdict.UNDECIDABLE, key, why=why)
    return Triggered(Verdict.UNIDENTIFIED, key)
