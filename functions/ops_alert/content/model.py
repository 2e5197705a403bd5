"""The facts decided for one alert, and what the support step did with them.

Decisions fill these in; the case and e-mail builders only read them, so nothing in the text can
disagree with what was decided.
"""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ops_alert.alarms import AlarmKind, CaseCategory, Severity
from ops_alert.drill import WouldHaveDone
from ops_alert.forecast import CapacityOutlook
from ops_alert.profiles import Siblings
from ops_alert.routing import QuotaRequestPlan, Routing
from ops_alert.scenario import PerDayUsage, Scenario, ThresholdsLike
from ops_alert.throttling import ReservationAdvice
from ops_alert.untrusted import neutralise
from ops_alert.usage import UsageStats


def uses_global_inference(model_id: str) -> bool:
    """A ``global.`` model ID: global cross-region inference, which may route outside the geography."""
    return model_id.startswith("global.")


class CaseOutcomeStatus(str, enum.Enum):
    NEW = "NEW"
    UPDATED = "UPDATED"
    NOT_UPDATED_ALREADY_COMMUNICATED = "NOT_UPDATED_ALREADY_COMMUNICATED"
    AUTOMATION_DISABLED = "AUTOMATION_DISABLED"
    NO_SUPPORT_PLAN = "NO_SUPPORT_PLAN"
    FAILED = "FAILED"


@dataclass(frozen=True)
class UnidentifiedAlarm:
    """A composite ALARM whose notification names no child of this stack: what the e-mail and the
    chat message can still say (no case is touched, so there is no AlertContext)."""

    customer: str
    model_name: str
    model_id: str
    composite_alarm: str
    time: datetime
    region: str
    reason: str  # untrusted: whoever set the alarm state wrote it
    child_states: Sequence[tuple[str, str]]  # (child alarm name, its state now)
    mute_note: Sequence[str] = ()


@dataclass(frozen=True)
class AttachmentNote:
    """What went with a case text as attachments, and what could not (the text says so)."""

    attached: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseOutcome:
    """What step 6 did, for the e-mail."""

    status: CaseOutcomeStatus
    display_id: str | None = None
    case_id: str | None = None
    quota_request_ids: tuple[str, ...] = ()  # Service Quotas request IDs submitted this time
    error: str | None = None
    attachments: AttachmentNote | None = None  # what went with the case text this time
    # A fire drill (make drill): the writes left out, in order; statuses and IDs say what would have been.
    would_have_done: tuple[WouldHaveDone, ...] = ()




@dataclass(frozen=True)
class Escalation:
    """A new signal on a case that is still unresolved."""

    display_id: str | None
    opened: datetime | None
    new_signals: tuple[str, ...] = ()  # alarm names new on the case (mixed triggers: new ones only)


@dataclass(frozen=True)
class AlertContext:
    customer: str
    model_name: str
    model_id: str
    composite_alarm: str
    triggering_alarms: tuple[str, ...]  # names as shown to people (unknown ones included)
    triggered_kinds: tuple[AlarmKind, ...]  # drives impact wording and the signal markers
    time: datetime
    region: str
    routing: Routing  # severity, case category and quotas, worked out once from the triggered kinds
    scenario: Scenario
    use_case: str
    usage: UsageStats | None  # None: could not be read
    thresholds: ThresholdsLike | None  # None: could not be read
    input_modalities: str
    geo_residency: str  # "Yes" / "No" / "NA"
    quota_requests: tuple[QuotaRequestPlan, ...] = ()
    application_profile_id: str | None = None
    # Application profiles whose usage is combined (the monitored one and its siblings); None for a model.
    usage_profiles: Siblings | None = None
    transition_id: str = ""
    alarm_reason: str = ""  # the alarm's state reason; optional, dropped first when too long
    outlook: CapacityOutlook | None = None  # None: no usage, so nothing to forecast
    reservation: ReservationAdvice | None = None  # throttling at low usage: the TPM reservation
    dashboard_url: str | None = None
    # Rolling 24-hour tokens against the per-day quota's threshold (issue 12); None: usage not read.
    per_day: PerDayUsage | None = None
    drill: str | None = None  # the drill token when this alert is a fire drill (ops_alert.drill); None: real

    def __post_init__(self) -> None:
        # Text the processor did not write is shown, never obeyed: it can never form a marker line
        # or smuggle control characters into a case or an e-mail (issue 9, ops_alert.untrusted).
        object.__setattr__(self, "use_case", neutralise(self.use_case))
        object.__setattr__(self, "alarm_reason", neutralise(self.alarm_reason))
        object.__setattr__(self, "triggering_alarms",
                           tuple(neutralise(n, multiline=False) for n in self.triggering_alarms))

    @property
    def severity(self) -> Severity:
        return self.routing.severity

    @property
    def category(self) -> CaseCategory:
        return self.routing.category

    @property
    def is_global(self) -> bool:
        return uses_global_inference(self.model_id)


@dataclass(frozen=True)
class UsageRow:
    """One measured peak beside the alarm threshold it is judged against (ops_alert.scenario)."""

    label: str  # what was measured: "RPM", "TPM", "rolling 24-hour tokens"
    peak: float
    threshold: int | None  # None: the model has no such quota, or the thresholds could not be read
    threshold_label: str = "threshold"


def usage_rows(ctx: AlertContext) -> tuple[UsageRow, ...]:
    """Every peak that can make an alert high usage, with its threshold: the e-mail, the case and the
    chat message show the same rows, so none can claim high usage and leave out the figure that made it.

    Empty when usage could not be read. The per-day row only when the model has a per-day token quota.
    """
    u, t = ctx.usage, ctx.thresholds
    if u is None:
        return ()
    rows = [UsageRow("RPM", u.peak_rpm, t.rpm if t else None), UsageRow("TPM", u.peak_tpm, t.tpm if t else None)]
    day = ctx.per_day
    if day is not None and day.threshold is not None:
        # A sum of minute sums over 24 hours: shown in whole tokens.
        rows.append(UsageRow("rolling 24-hour tokens", round(day.peak_24h_tokens), day.threshold, "per-day threshold"))
    return tuple(rows)
