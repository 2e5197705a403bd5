"""What handling one event came to, as types; their JSON form is the processor's return value.

The notification processor works with these end to end and turns them into JSON only at the
edge: the handler's return value and the idempotency record (stored as JSON). A repeat of
a transition returns the stored JSON of the first run, marked ``duplicate`` (:class:`Duplicate`).
"""
from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ops_alert.content.model import AlertContext, CaseOutcome
from ops_alert.forecast import summary as forecast_summary
from ops_alert.holds import NO_HOLD, Notice

Json = dict[str, Any]


class Status(str, enum.Enum):
    PROCESSED = "processed"  # steps 2-7 ran: case action and e-mail
    IGNORED = "ignored"  # not ours, not into ALARM, or a redriven scheduled event
    COVERED_BY_COMPOSITE = "covered_by_composite"  # the composite's notification reports this child
    NO_CHILD_IDENTIFIED = "no_child_identified"  # e-mailed without a case
    DUPLICATE = "duplicate"  # this transition was processed already: nothing done
    REJECTED = "rejected"  # bad input: logged, counted, not retried
    BATCH = "batch"  # several alarm signals in one event
    FOLLOW_UP = "follow_up"  # SQS records: follow-ups (and redriven events)


class EmailStatus(str, enum.Enum):
    SENT = "sent"
    FILTERED = "filtered"  # the notification preference leaves this severity out
    HELD = "held"  # a mute or the re-notify window holds it (Notice.held_by says which)


class ChatStatus(str, enum.Enum):
    """What became of the chat message (issue 13); a chat failure never fails the alert."""

    SENT = "sent"  # published to the chat topic, which has a confirmed subscription
    FILTERED = "filtered"  # the notification preference leaves this severity out (as the e-mail)
    OFF = "off"  # the stack's ChatNotifications parameter is No
    NO_CHANNEL = "no_channel"  # published, but no channel configuration is subscribed to the topic
    FAILED = "failed"  # the publish failed (logged and counted; the e-mail went)
    HELD = "held"  # a mute or the re-notify window held the notifications (as the e-mail)


@dataclass(frozen=True)
class Processed:
    ctx: AlertContext  # what was decided
    outcome: CaseOutcome  # what the support step did
    email: EmailStatus
    notice: Notice = NO_HOLD  # mute and re-notify window (issue 13)
    chat: ChatStatus = ChatStatus.OFF  # the chat message follows the e-mail's decision (issue 13)

    def to_json(self) -> Json:
        ctx, outcome = self.ctx, self.outcome
        found: Json = {
            "status": Status.PROCESSED.value,
            "transition": ctx.transition_id,
            "severity": ctx.severity.value,
            "scenario": ctx.scenario.value,
            "alarms": list(ctx.triggering_alarms),
            "case": {
                "status": outcome.status.value,
                "display_id": outcome.display_id,
                "case_id": outcome.case_id,
                "quota_request_ids": list(outcome.quota_request_ids),
                "error": outcome.error,
            },
            "quota_requests": [
                {"code": p.code, "current": p.current, "requested": p.requested} for p in ctx.quota_requests
            ],
            "email": self.email.value,
            "held_by": self.notice.held_by.value if self.notice.held_by else None,
            "chat": self.chat.value,
            # The decision's view of where usage is heading, and what went with the case text.
            "forecast": [forecast_summary(f) for f in ctx.outlook.forecasts] if ctx.outlook else [],
            "attachments": None if outcome.attachments is None else {
                "attached": list(outcome.attachments.attached), "missing": list(outcome.attachments.missing)},
        }
        if ctx.drill is not None:  # a fire drill (make drill): its token, and the writes left out
            found["drill"] = ctx.drill
            found["would_have_done"] = [f"{w.action}: {w.description}" for w in outcome.would_have_done]
        return found


@dataclass(frozen=True)
class Unidentified:
    """A composite ALARM whose children cannot be identified: the team is e-mailed, no case."""

    transition: str
    alarm: str
    email: EmailStatus
    notice: Notice = NO_HOLD
    chat: ChatStatus = ChatStatus.OFF

    def to_json(self) -> Json:
        return {"status": Status.NO_CHILD_IDENTIFIED.value, "transition": self.transition, "alarm": self.alarm,
                "email": self.email.value, "held_by": self.notice.held_by.value if self.notice.held_by else None,
                "chat": self.chat.value}


@dataclass(frozen=True)
class _NotProcessed:
    status: ClassVar[Status]
    reason: str

    def to_json(self) -> Json:
        return {"status": self.status.value, "reason": self.reason}


class Ignored(_NotProcessed):
    """Not ours, not into ALARM, or a redriven scheduled event: nothing to do."""

    status = Status.IGNORED


class Rejected(_NotProcessed):
    """Bad input: logged, counted, not retried."""

    status = Status.REJECTED


@dataclass(frozen=True)
class CoveredByComposite:
    alarm: str

    def to_json(self) -> Json:
        return {"status": Status.COVERED_BY_COMPOSITE.value, "alarm": self.alarm}


@dataclass(frozen=True)
class Duplicate:
    """A repeat of a processed transition; ``first`` is what the first run returned (stored JSON)."""

    first: Mapping[str, Any]

    def to_json(self) -> Json:
        return {**self.first, "status": Status.DUPLICATE.value, "first_status": self.first.get("status")}


class FollowUpStatus(str, enum.Enum):
    APPENDED = "appended"  # our context is on the case Service Quotas opened
    ALREADY_APPENDED = "already_appended"  # this transition is on the case already
    ALREADY_COMMUNICATED = "already_communicated"  # these signals are on the case already
    REQUEUED = "requeued"  # the case does not exist yet: retried later
    NO_CASE = "no_case"  # the request was closed without a case (auto-approved)
    NO_SUPPORT_PLAN = "no_support_plan"
    GAVE_UP = "gave_up"  # out of attempts, or nowhere to re-queue


@dataclass(frozen=True)
class FollowUpResult:
    status: FollowUpStatus
    request_id: str
    attempt: int
    display_id: str | None = None
    request_status: str | None = None  # for NO_CASE: the request's final status

    def to_json(self) -> Json:
        found: Json = {"request_id": self.request_id, "attempt": self.attempt, "status": self.status.value}
        if self.display_id is not None:
            found["display_id"] = self.display_id
        if self.request_status is not None:
            found["request_status"] = self.request_status
        return found


SignalResult = Processed | Unidentified | Ignored | Rejected | CoveredByComposite | Duplicate
RecordResult = FollowUpResult | SignalResult


@dataclass(frozen=True)
class Batch:
    """Several results of one invocation: the alarm signals of one event, or the records of an SQS batch."""

    status: Status  # BATCH or FOLLOW_UP
    results: Sequence[RecordResult | Batch]

    def to_json(self) -> Json:
        return {"status": self.status.value, "results": [r.to_json() for r in self.results]}


EventResult = RecordResult | Batch
