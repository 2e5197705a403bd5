"""The decision event: what the processor did with one alarm signal, for EventBridge (issue 13).

One event per signal, put on the account's default event bus (source ``bedrock-ops-alert``,
detail-type ``Bedrock Ops Alert Decision``), so a team routes alerts to PagerDuty, Opsgenie,
Incident Manager or its own bus with a rule. The detail is versioned and documented by the JSON
Schema ``docs/decision-event.schema.json``; a change that breaks a consumer bumps the major
version. Built here from the typed result only, so the event cannot disagree with the case and
the e-mail. A repeat of a processed transition (``Duplicate``) emits nothing: the first run's
event stands.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ops_alert.content.model import AlertContext, CaseOutcome, CaseOutcomeStatus
from ops_alert.forecast import summary as forecast_summary
from ops_alert.holds import HeldBy, Notice
from ops_alert.results import (
    CoveredByComposite,
    Duplicate,
    Ignored,
    Processed,
    Rejected,
    SignalResult,
    Status,
    Unidentified,
)
from ops_alert.routing import quota_to_request

SOURCE = "bedrock-ops-alert"
DETAIL_TYPE = "Bedrock Ops Alert Decision"
# docs/decision-event.schema.json; major = breaking change for consumers. 1.1: held notifications
# (email "held", heldBy, mute, renotify); quota kind TPD (the per-day token quota); fire drills
# (drill, drillToken, wouldHaveDone); the chat message (chat); the forecast's history by resolution
# (forecast[].one_minute_days, five_minute_days).
SCHEMA_VERSION = "1.1"
MAX_TEXT = 1_000  # reasons and errors carry text from outside (alarm messages, API errors): bounded

Json = dict[str, Any]

# Why the support step left the case alone, in words an on-call engineer acts on.
_CASE_WHY: Mapping[CaseOutcomeStatus, str] = {
    CaseOutcomeStatus.NEW: "case opened",
    CaseOutcomeStatus.UPDATED: "new signal appended to the unresolved case of this category",
    CaseOutcomeStatus.NOT_UPDATED_ALREADY_COMMUNICATED: "these alarms are already on the unresolved case: not appended again",
    CaseOutcomeStatus.AUTOMATION_DISABLED: "automated support cases are off (SSM enable-automated-support-case)",
    CaseOutcomeStatus.NO_SUPPORT_PLAN: "the account has no Business, Enterprise On-Ramp or Enterprise support plan",
    CaseOutcomeStatus.FAILED: "the support action failed (see error); the e-mail was still attempted",
}


@dataclass(frozen=True)
class StackIdentity:
    """Which deployment emits the event (from the function's environment)."""

    stack: str  # CloudFormation stack name; "" when the environment does not say
    customer: str
    model_name: str
    model_id: str
    region: str


def bounded(text: str | None, limit: int = MAX_TEXT) -> str | None:
    """``text`` without control characters, at most ``limit`` characters (None stays None)."""
    if text is None:
        return None
    clean = "".join(c if c.isprintable() else " " for c in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _number(value: float | None) -> float | None:
    """JSON has no NaN or infinity (PutEvents rejects them): such a value is "unknown"."""
    if value is None or not math.isfinite(value):
        return None
    return round(value, 3)


def _usage(ctx: AlertContext) -> Json | None:
    u = ctx.usage
    if u is None:
        return None
    return {
        "steadyRpm": _number(u.steady_rpm),
        "peakRpm": _number(u.peak_rpm),
        "steadyTpm": _number(u.steady_tpm),
        "peakTpm": _number(u.peak_tpm),
        "avgInputTokensPerRequest": _number(u.avg_input_tokens_per_request),
        "avgOutputTokensPerRequest": _number(u.avg_output_tokens_per_request),
        "lookbackDays": u.lookback_days,
    }


def _thresholds(ctx: AlertContext) -> Json | None:
    t = ctx.thresholds
    return None if t is None else {"rpm": t.rpm, "tpm": t.tpm}


def _clean(value: Any) -> Any:
    """Forecast summaries as JSON PutEvents accepts: non-finite numbers become null."""
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _case(outcome: CaseOutcome, drill: bool) -> Json:
    return {
        "status": outcome.status.value,
        # A drill's status is what the real alert would have done; nothing was written.
        "why": ("fire drill, nothing written; a real alert: " if drill else "") + _CASE_WHY[outcome.status],
        "caseId": outcome.case_id,
        "displayId": outcome.display_id,
        "error": bounded(outcome.error),
    }


def _base(outcome: Status, identity: StackIdentity, at: datetime) -> Json:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "outcome": outcome.value,
        "time": at.isoformat(),
        "stack": identity.stack,
        "customer": identity.customer,
        "model": identity.model_name,
        "modelId": identity.model_id,
        "region": identity.region,
        "transition": None,
        "compositeAlarm": None,
        "alarms": [],
        "severity": None,
        "category": None,
        "scenario": None,
        "usage": None,
        "thresholds": None,
        "forecast": [],
        "case": None,
        "quotaRequests": [],
        "email": None,
        "chat": None,  # 1.1
        "reason": None,
        "heldBy": None,
        "mute": None,
        "renotify": None,
        # 1.1: a fire drill (make drill) and the writes it left out; false / null / [] for real alerts.
        "drill": False,
        "drillToken": None,
        "wouldHaveDone": [],
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _notice(notice: Notice) -> Json:
    """heldBy, mute and renotify of a result that notifies (schema 1.1)."""
    mute = notice.mute.mute
    window = notice.renotify_minutes
    last = notice.last_notice
    return {
        "heldBy": notice.held_by.value if notice.held_by else None,
        # The mute in force, whatever it decided for this alert; its text was neutralised on reading.
        "mute": None if mute is None else {
            "until": _iso(mute.until),
            "reason": bounded(mute.reason),
            "setBy": bounded(mute.set_by) or None,
            "scope": mute.scope_words,
            "verdict": notice.verdict.value,
        },
        "renotify": None if window <= 0 and notice.held_by is not HeldBy.RENOTIFY else {
            "windowMinutes": window,
            "lastNotifiedAt": _iso(last.at) if last else None,
            "lastSeverity": last.severity.value if last else None,
        },
    }


def _processed(result: Processed, identity: StackIdentity, at: datetime) -> Json:
    ctx, outcome = result.ctx, result.outcome
    # One Service Quotas request per alert (routing.quota_to_request); the other plans ride in its context.
    chosen = quota_to_request(ctx.quota_requests)
    submitted = outcome.quota_request_ids[0] if outcome.quota_request_ids else None
    detail = _base(Status.PROCESSED, identity, at)
    detail.update(
        customer=ctx.customer,
        model=ctx.model_name,
        modelId=ctx.model_id,
        region=ctx.region or identity.region,
        transition=ctx.transition_id,
        compositeAlarm=ctx.composite_alarm,
        alarms=[bounded(a, 255) for a in ctx.triggering_alarms],  # CloudWatch alarm names: ≤ 255
        severity=ctx.severity.value,
        category=ctx.category.value,
        scenario=ctx.scenario.value,
        usage=_usage(ctx),
        thresholds=_thresholds(ctx),
        forecast=[_clean(forecast_summary(f)) for f in ctx.outlook.forecasts] if ctx.outlook else [],
        case=_case(outcome, ctx.drill is not None),
        quotaRequests=[
            {
                "kind": p.kind.value,
                "code": p.code,
                "name": p.name,
                "current": _number(p.current),
                "requested": p.requested,
                "percent": p.percent,
                # The Service Quotas request submitted this time for this quota; None for the quotas
                # named in its context, and when a case of our own was used instead.
                "requestId": submitted if p is chosen else None,
            }
            for p in ctx.quota_requests
        ],
        email=result.email.value,
        **_notice(result.notice),
        drill=ctx.drill is not None,
        drillToken=ctx.drill,
        wouldHaveDone=[{"action": w.action, "description": bounded(w.description)} for w in outcome.would_have_done],
        chat=result.chat.value,
    )
    if ctx.application_profile_id:
        detail["applicationProfileId"] = ctx.application_profile_id
    return detail


def decision_detail(result: SignalResult, identity: StackIdentity, at: datetime) -> Json | None:
    """The event's ``detail`` for one signal's result; None for a repeat (nothing was decided)."""
    if isinstance(result, Duplicate):
        return None
    if isinstance(result, Processed):
        return _processed(result, identity, at)
    if isinstance(result, Unidentified):
        detail = _base(Status.NO_CHILD_IDENTIFIED, identity, at)
        detail.update(transition=result.transition, compositeAlarm=bounded(result.alarm, 255),
                      email=result.email.value, chat=result.chat.value, **_notice(result.notice),
                      reason="the composite alarm is in ALARM but no child alarm could be identified: e-mailed without a case")
        return detail
    if isinstance(result, CoveredByComposite):
        detail = _base(Status.COVERED_BY_COMPOSITE, identity, at)
        detail.update(alarms=[bounded(result.alarm, 255)],
                      reason="the composite alarm's own notification reports this child: handled there")
        return detail
    if isinstance(result, (Ignored, Rejected)):
        detail = _base(result.status, identity, at)
        detail["reason"] = bounded(result.reason)
        return detail
    raise TypeError(f"not a signal result: {type(result).__name__}")


def decision_entry(detail: Json, event_bus: str = "default") -> Json:
    """One PutEvents entry (``Detail`` is a JSON string; EventBridge limits an entry to 256 KB)."""
    return {
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Detail": json.dumps(detail, allow_nan=False, separators=(",", ":")),
        "EventBusName": event_bus,
    }
