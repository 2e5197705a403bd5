"""The words: support case body, appended communication, e-mail subject and body (SPEC §4.4, §9).

The case is written for the AWS support engineer ("our model"), the e-mail for the SRE team
("your model"). Both carry the same facts, rendered by the same section builders so they can
never disagree. Case bodies and communications must fit the Support API's 1..8,000 characters:
:func:`fit` shortens deterministically and never drops the marker lines or the numbers.
"""
from __future__ import annotations

import enum
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from ops_alert.alarms import AlarmKind, CaseCategory, Severity
from ops_alert.duplicates import case_subject as _case_subject
from ops_alert.duplicates import marker, signal_marker, transition_marker
from ops_alert.names import SUPPORT_CONSOLE_CASE_URL
from ops_alert.routing import QuotaRequestPlan
from ops_alert.scenario import Scenario, ThresholdsLike
from ops_alert.usage import DEFAULT_LOOKBACK_DAYS, TPM_FROM_QUOTA_USAGE, UsageStats

MAX_COMMUNICATION_CHARS = 8000  # Support API communicationBody limit
MAX_SUBJECT_CHARS = 99  # SNS Subject: fewer than 100 characters
SUPPORT_CONSOLE_URL = "https://console.aws.amazon.com/support/home"
CLOUDWATCH_ALARMS_URL = "https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#alarmsV2:"
_WIDTH = 92


class CaseOutcomeStatus(str, enum.Enum):
    NEW = "NEW"
    UPDATED = "UPDATED"
    NOT_UPDATED_ALREADY_COMMUNICATED = "NOT_UPDATED_ALREADY_COMMUNICATED"
    AUTOMATION_DISABLED = "AUTOMATION_DISABLED"
    NO_SUPPORT_PLAN = "NO_SUPPORT_PLAN"
    FAILED = "FAILED"


@dataclass(frozen=True)
class CaseOutcome:
    """What step 6 did, for the e-mail."""

    status: CaseOutcomeStatus
    display_id: str | None = None
    case_id: str | None = None
    quota_request_ids: tuple[str, ...] = ()  # Service Quotas request IDs submitted this time
    # Cases of increase requests that were already pending: they get our context, but are not new.
    updated_display_ids: tuple[str, ...] = ()
    error: str | None = None


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
    severity: Severity
    scenario: Scenario
    use_case: str
    usage: UsageStats | None  # None: could not be read
    thresholds: ThresholdsLike | None  # None: could not be read
    input_modalities: str
    geo_residency: str  # "Yes" / "No" / "NA"
    quota_requests: tuple[QuotaRequestPlan, ...] = ()
    application_profile_id: str | None = None
    transition_id: str = ""
    alarm_reason: str = ""  # the alarm's state reason; optional, dropped first when too long

    @property
    def category(self) -> CaseCategory:
        # non_quota ⇔ every triggered alarm is investigation-type ⇔ routing's category.
        if self.scenario is Scenario.NON_QUOTA:
            return CaseCategory.INVESTIGATION_REQUEST
        return CaseCategory.QUOTA_REQUEST

    @property
    def is_global(self) -> bool:
        return self.model_id.startswith("global.")


# --- small formatters --------------------------------------------------------------------------


def _num(value: float) -> str:
    """Thousands separators; one decimal only when the value is not whole."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "n/a"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    """Rows aligned in columns; indices in ``right`` are right-aligned (numbers)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def _pairs(pairs: Sequence[tuple[str, str]]) -> list[str]:
    width = max(len(k) for k, _ in pairs) + 1
    return [f"  {(k + ':').ljust(width)} {v}" for k, v in pairs]


def _wrap(text: str, indent: str = "") -> list[str]:
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(para, _WIDTH, initial_indent=indent, subsequent_indent=indent) or [""])
    return lines


def _single_line(text: str) -> str:
    """No line breaks or control/format characters (SNS subject rules), whitespace collapsed."""
    cleaned = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return " ".join(cleaned.split())


# --- facts shared by case and e-mail ----------------------------------------------------------

_YOU = {"case": ("our", "We"), "email": ("your", "You")}


def _alarm_list(ctx: AlertContext) -> str:
    return ", ".join(ctx.triggering_alarms) if ctx.triggering_alarms else "(not named in the notification)"


def _peak_vs_threshold(peak: float, threshold: int | None) -> str:
    if threshold is None:
        return "no quota"
    if threshold == 0:
        return "n/a"
    return f"{round(peak * 100 / threshold)} %"


def _usage_figures(ctx: AlertContext) -> str:
    u, t = ctx.usage, ctx.thresholds
    if u is None or t is None:
        return "usage or thresholds could not be read"
    parts = []
    for label, peak, threshold in (("RPM", u.peak_rpm, t.rpm), ("TPM", u.peak_tpm, t.tpm)):
        limit = "no quota" if threshold is None else _num(threshold)
        parts.append(f"peak {label} {_num(peak)} vs threshold {limit}")
    return "; ".join(parts)


def _summary(ctx: AlertContext, audience: str) -> list[str]:
    our, we = _YOU[audience]
    model = f"{our.capitalize()} model {ctx.model_name} ({ctx.model_id}) in {ctx.region}"
    fired = f"raised {ctx.severity.value} alarm(s) {_alarm_list(ctx)}"
    days = ctx.usage.lookback_days if ctx.usage else DEFAULT_LOOKBACK_DAYS
    if ctx.scenario is Scenario.HIGH_USAGE:
        text = (
            f"{model} {fired}. Measured usage over the last {days} days reached the alarm "
            f"threshold ({_usage_figures(ctx)}): the current quota leaves too little headroom."
        )
        text += " A quota increase is requested." if ctx.quota_requests else ""
    elif ctx.scenario is Scenario.NEW_MODEL:
        why = (
            f"has no usage history over the last {days} days"
            if ctx.usage is not None and ctx.thresholds is not None
            else "has usage that could not be read"
        )
        text = f"{model} {fired} and {why}, so it is treated as a new model being launched."
        text += " A quota increase is requested as headroom for the launch." if ctx.quota_requests else ""
    elif ctx.scenario is Scenario.LOW_USAGE:
        text = (
            f"{model} {fired} while measured peaks stayed below the alarm thresholds "
            f"({_usage_figures(ctx)}). The cause should be investigated first; any increase "
            "shown below is for reference only and has NOT been submitted."
        )
    else:
        text = (
            f"{model} {fired}. These alarms point to service-side errors or latency, not to a "
            "quota: an investigation is requested, no quota change."
        )
    if audience == "case" and ctx.scenario in (Scenario.LOW_USAGE, Scenario.NON_QUOTA):
        text += f" {we} would appreciate your help in finding the cause."
    return _wrap(text)


def _details(ctx: AlertContext) -> list[str]:
    pairs = [
        ("Customer", ctx.customer),
        ("Model name", ctx.model_name),
        ("Model ID", ctx.model_id),
    ]
    if ctx.application_profile_id:
        pairs.append(("Application profile ID", ctx.application_profile_id))
    pairs += [
        ("Region", ctx.region),
        ("Time", _when(ctx.time)),
        ("Composite alarm", ctx.composite_alarm),
        ("Case category", ctx.category.value),
        ("Scenario", ctx.scenario.value),
    ]
    lines = _pairs(pairs)
    lines.append("  Triggering alarm(s):")
    lines += [f"    - {name}" for name in ctx.triggering_alarms] or ["    - (not named in the notification)"]
    return lines


def impact_level(kinds: Sequence[AlarmKind], severity: Severity) -> str:
    """Plain-words impact from the most severe layer that fired."""
    layer = min((k.layer for k in kinds), default=1 if severity is Severity.CRITICAL else 2)
    if layer == 1:
        return "High - requests are failing or being throttled; end users are likely affected"
    if layer == 2:
        return "Medium - usage or latency crossed its threshold; failures are likely if it keeps growing"
    return "Low - unusual usage or latency pattern; no failures detected yet"


def _impact(ctx: AlertContext) -> list[str]:
    level = impact_level(ctx.triggered_kinds, ctx.severity)
    return _pairs([("Severity", ctx.severity.value), ("Impact level", level)])


def _usage(ctx: AlertContext) -> list[str]:
    u = ctx.usage
    if u is None:
        return ["  Usage could not be read from CloudWatch; it was not used in this decision."]
    rows = [
        ["Metric", "Steady", "Peak", "Peak at"],
        ["Requests per minute (RPM)", _num(round(u.steady_rpm)), _num(u.peak_rpm), _when(u.peak_rpm_at)],
        ["Tokens per minute (TPM)", _num(round(u.steady_tpm)), _num(u.peak_tpm), _when(u.peak_tpm_at)],
        ["Avg input tokens / request", _num(round(u.avg_input_tokens_per_request)), "", ""],
        ["Avg output tokens / request", _num(round(u.avg_output_tokens_per_request)), "", ""],
    ]
    source = (
        "EstimatedTPMQuotaUsage (what the TPM quota and the HighTPMQuotaUsage alarm measure)"
        if u.tpm_source == TPM_FROM_QUOTA_USAGE
        else f"{u.tpm_source} (same minute)"
    )
    return [
        f"  Last {u.lookback_days} days, 1-minute resolution; steady = mean over the "
        f"{_num(u.minutes_with_data)} minutes with traffic.",
        *_table(rows, right=(1, 2)),
        f"  TPM source: {source}",
    ]


def _thresholds(ctx: AlertContext) -> list[str]:
    t = ctx.thresholds
    if t is None:
        return ["  Alarm thresholds could not be read from SSM Parameter Store."]
    u = ctx.usage
    rows = [["Alarm threshold", "Value", "Peak / threshold"]]
    peaks = (u.peak_rpm, u.peak_tpm) if u else (None, None)
    for label, value, peak in (("RPM", t.rpm, peaks[0]), ("TPM", t.tpm, peaks[1])):
        shown = "none (no quota)" if value is None else _num(value)
        rows.append([label, shown, "n/a" if peak is None else _peak_vs_threshold(peak, value)])
    return _table(rows, right=(1, 2))


def residency_note(geo_residency: str, model_id: str) -> str:
    """What may be proposed about cross-region inference, given the residency requirement."""
    is_global = model_id.startswith("global.")
    required = geo_residency.strip().lower()
    if required == "yes":
        if is_global:
            return (
                "Data residency is required, but the model ID uses global cross-region inference, "
                "which can route requests outside the geography: please review."
            )
        return (
            "Data residency is required: global cross-region inference cannot be proposed; only "
            "in-region or in-geography (geo cross-region) capacity is acceptable."
        )
    if is_global:
        return "The model already uses global cross-region inference."
    if required == "no":
        return (
            "No data residency requirement: global cross-region inference may be proposed for "
            "more throughput."
        )
    return (
        "Data residency requirement not stated: confirm it before proposing global cross-region inference."
    )


def _model_config(ctx: AlertContext) -> list[str]:
    return _pairs(
        [
            ("Input modalities", ctx.input_modalities),
            ("Data residency required", ctx.geo_residency),
        ]
    ) + _wrap(residency_note(ctx.geo_residency, ctx.model_id), "  ")


def _justification(ctx: AlertContext, audience: str) -> str:
    our, _ = _YOU[audience]
    days = ctx.usage.lookback_days if ctx.usage else DEFAULT_LOOKBACK_DAYS
    if ctx.scenario is Scenario.HIGH_USAGE:
        return (
            f"Justification: measured {days}-day peaks reached the alarm thresholds "
            f"({_usage_figures(ctx)}); {our} production traffic needs headroom above the current quota."
        )
    if ctx.scenario is Scenario.NEW_MODEL:
        return (
            f"Justification: {our} model has no usage history yet (or it could not be read); the "
            "increase provides headroom for the launch."
        )
    return (
        "Investigate first: measured peaks stayed below the alarm thresholds "
        f"({_usage_figures(ctx)}). The values below are for reference only; no increase was submitted."
    )


def _quotas(ctx: AlertContext, audience: str) -> list[str]:
    lines = _wrap(_justification(ctx, audience), "  ")
    if not ctx.quota_requests:
        return lines + [
            "  No quota qualifies (increase percentage 0, quota not available, or nothing to raise)."
        ]
    rows = [["Quota", "Code", "Current", "Requested", "Increase"]]
    for p in ctx.quota_requests:
        rows.append([p.kind.value, p.code, _num(p.current), _num(p.requested), f"+{p.percent} %"])
    # Quota names run to ~100 characters: listed under the table so the columns stay narrow.
    names = [f"  {p.kind.value} quota name: {p.name}" for p in ctx.quota_requests]
    return lines + _table(rows, right=(2, 3, 4)) + names


def _use_case(text: str, limit: int | None = None) -> list[str]:
    body = text.strip() or "(no use case description configured)"
    if limit is not None and len(body) > limit:
        note = f" [... use case shortened: {limit} of {len(body)} characters shown]"
        body = body[:limit].rstrip() + note
    return _wrap(body, "  ")


def _markers(ctx: AlertContext) -> list[str]:
    lines = [marker(ctx.customer, ctx.model_name, ctx.category)]
    lines += [signal_marker(k) for k in ctx.triggered_kinds]
    if ctx.transition_id:
        lines.append(transition_marker(ctx.transition_id))
    return lines


# --- length control -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One titled block of a case body or communication, as :func:`fit` handles it."""

    title: str
    lines: tuple[str, ...]
    optional: bool = False  # dropped (last first) when the text is too long
    use_case: str | None = None  # the use-case section: shortened after optional sections go

    def render(self, use_case_limit: int | None = None) -> str:
        lines = self.lines if self.use_case is None else tuple(_use_case(self.use_case, use_case_limit))
        head = [self.title.upper()] if self.title else []
        return "\n".join(head + list(lines))


def fit(sections: Sequence[Section], tail: Sequence[str], limit: int = MAX_COMMUNICATION_CHARS) -> str:
    """Join sections and the marker tail into at most ``limit`` characters, deterministically.

    1. everything; 2. drop optional sections, last first; 3. shorten the use case (the only
    free text of unbounded length); 4. cut the body and keep the tail (markers) whole.
    """
    tail_text = "\n".join(tail)
    kept = list(sections)

    def render(limit_uc: int | None = None) -> str:
        return "\n\n".join([s.render(limit_uc) for s in kept] + [tail_text])

    text = render()
    for section in [s for s in reversed(sections) if s.optional]:
        if len(text) <= limit:
            return text
        kept.remove(section)
        text = render()
    if len(text) <= limit:
        return text
    use_case = next((s.use_case for s in kept if s.use_case is not None), None)
    if use_case is not None:
        excess = len(text) - limit
        # The shortening note and re-wrapping add a little: keep a margin, never below 200 chars.
        shortened = render(max(200, len(use_case.strip()) - excess - 120))
        if len(shortened) <= limit:
            return shortened
        text = shortened
    cut_note = f"\n[... shortened to fit the {limit:,}-character limit]\n\n"
    room = limit - len(tail_text) - len(cut_note)
    return text[: max(room, 0)].rstrip() + cut_note + tail_text


# --- case ---------------------------------------------------------------------------------------


def case_subject(ctx: AlertContext) -> str:
    """``C - Bedrock Ops Alert - M - <category>``: the subject duplicate detection matches."""
    return _single_line(_case_subject(ctx.customer, ctx.model_name, ctx.category))


_CASE_FOOTER = (
    "This case was opened by Bedrock Ops Alert. The bracketed lines below are machine-readable "
    "markers used to avoid duplicate cases; please leave them in place."
)
_COMMUNICATION_FOOTER = (
    "Added by Bedrock Ops Alert. The bracketed lines below are machine-readable markers used to "
    "avoid duplicate cases and repeated updates; please leave them in place."
)


def _case_sections(ctx: AlertContext, footer: str) -> list[Section]:
    sections = [
        Section("Executive summary", tuple(_summary(ctx, "case"))),
        Section("Alert details", tuple(_details(ctx))),
        Section("Impact assessment", tuple(_impact(ctx))),
        Section("Use case", (), use_case=ctx.use_case),
        Section("Usage", tuple(_usage(ctx))),
        Section("Alarm thresholds", tuple(_thresholds(ctx))),
        Section("Model configuration", tuple(_model_config(ctx))),
    ]
    if ctx.scenario is not Scenario.NON_QUOTA:
        low = ctx.scenario is Scenario.LOW_USAGE
        title = "Quota increase (reference only)" if low else "Quota increase requested"
        sections.append(Section(title, tuple(_quotas(ctx, "case"))))
    if ctx.alarm_reason.strip():
        reason = tuple(_wrap(ctx.alarm_reason.strip(), "  "))
        sections.append(Section("Alarm state reason", reason, optional=True))
    sections.append(Section("", tuple(_wrap(footer)), optional=True))
    return sections


def case_body(ctx: AlertContext, limit: int = MAX_COMMUNICATION_CHARS) -> str:
    """Body of a new case, for the support engineer; at most ``limit`` characters."""
    title = f"Bedrock Ops Alert - {ctx.category.value} for {ctx.customer} / {ctx.model_name}"
    header = Section("", (title,))
    return fit([header, *_case_sections(ctx, _CASE_FOOTER)], _markers(ctx), limit)


def communication_body(
    ctx: AlertContext, escalation: Escalation | None = None, limit: int = MAX_COMMUNICATION_CHARS
) -> str:
    """A communication appended to an existing case.

    With ``escalation``: a new signal while the earlier case is unresolved. Without: our context
    added to the case AWS opened for a Service Quotas request.
    """
    if escalation is None:
        head = (
            "Context from Bedrock Ops Alert for this quota increase request "
            f"({ctx.customer} / {ctx.model_name})."
        )
    else:
        case = f"case {escalation.display_id}" if escalation.display_id else "this case"
        opened = f" (opened {_when(escalation.opened)})" if escalation.opened else ""
        new = ", ".join(escalation.new_signals) or _alarm_list(ctx)
        head = (
            f"ESCALATION - a new signal was raised while {case}{opened} is still unresolved. "
            f"New signal(s): {new} at {_when(ctx.time)}. Updated context follows."
        )
    sections = [Section("", tuple(_wrap(head))), *_case_sections(ctx, _COMMUNICATION_FOOTER)]
    return fit(sections, _markers(ctx), limit)


# --- e-mail -------------------------------------------------------------------------------------


def email_subject(ctx: AlertContext) -> str:
    """``[SEVERITY] C - Bedrock Ops Alert - M - <category>``, within the SNS subject rules."""
    return _subject(ctx.severity, ctx.customer, ctx.model_name, ctx.category.value)


def _subject(severity: Severity, customer: str, model_name: str, topic: str) -> str:
    prefix = f"[{severity.value}] "
    suffix = f" - {topic}"
    middle = _single_line(f"{customer} - Bedrock Ops Alert - {model_name}")
    room = MAX_SUBJECT_CHARS - len(prefix) - len(suffix)
    if len(middle) > room:
        # Shorten the customer/model part: severity and category are what a reader filters on.
        middle = middle[: room - 3].rstrip() + "..."
    return prefix + middle + suffix


# --- a composite alarm whose children cannot be identified ----------------------------------------
# Rare (the notification names no child of this stack and none is in ALARM any more), but the
# alarm was real: the team is told (SPEC §7), with no case, since the kind of problem is unknown.
UNIDENTIFIED_TOPIC = "Unidentified alarm"
UNIDENTIFIED_SEVERITY = Severity.WARNING


def unidentified_alarm_subject(customer: str, model_name: str) -> str:
    return _subject(UNIDENTIFIED_SEVERITY, customer, model_name, UNIDENTIFIED_TOPIC)


def unidentified_alarm_email(
    customer: str,
    model_name: str,
    model_id: str,
    composite_alarm: str,
    time: datetime,
    region: str,
    reason: str,
    child_states: Sequence[tuple[str, str]],
) -> str:
    """E-mail for a composite alarm in ALARM with no identifiable child alarm of this stack."""
    summary = (
        f"The composite alarm of your model went to ALARM, but its notification names no child alarm "
        f"of this stack and none of them is in ALARM now (a short spike that has cleared, or alarms "
        f"renamed outside the stack). No support case was opened or updated: the kind of problem is "
        f"unknown. Check the alarm history in CloudWatch."
    )
    sections: list[tuple[str, list[str]]] = [
        ("", [f"Bedrock Ops Alert - {UNIDENTIFIED_SEVERITY.value} - {customer} / {model_name} - "
              f"{UNIDENTIFIED_TOPIC}"]),
        ("Summary", _wrap(summary, "  ")),
        ("Alert details", _pairs([
            ("Customer", customer),
            ("Model", f"{model_name} ({model_id})"),
            ("Composite alarm", composite_alarm),
            ("Time", _when(time)),
            ("Region", region),
        ])),
        ("Child alarm states now", _pairs(list(child_states)) if child_states else ["  (not readable)"]),
    ]
    if reason.strip():
        sections.append(("Alarm state reason", _wrap(reason.strip(), "  ")))
    sections.append(("Links", _pairs([(f"CloudWatch alarms ({region})", cloudwatch_alarms_url(region))])))
    blocks = ["\n".join(([title.upper()] if title else []) + lines) for title, lines in sections]
    return "\n\n".join(blocks) + "\n"


def support_case_url(display_id: str) -> str:
    return SUPPORT_CONSOLE_CASE_URL.format(display_id=display_id)


def cloudwatch_alarms_url(region: str) -> str:
    return CLOUDWATCH_ALARMS_URL.format(region=region)


def _outcome(ctx: AlertContext, outcome: CaseOutcome) -> list[str]:
    cat = ctx.category.value
    ref = f"case {outcome.display_id}" if outcome.display_id else "case"
    s = outcome.status
    if s is CaseOutcomeStatus.NEW and outcome.display_id:
        text = f"A new {cat} case was opened: {outcome.display_id}."
    elif s is CaseOutcomeStatus.NEW and outcome.case_id:
        # Our own case exists, but DescribeCases did not return its display ID (yet).
        text = (
            f"A new {cat} case was opened (case ID {outcome.case_id}); its display ID was not "
            "available yet, find it in the Support console."
        )
    elif s is CaseOutcomeStatus.NEW:
        text = (
            "The quota increase was submitted through Service Quotas. AWS opens a support case for "
            "each request; its ID appears in the Service Quotas console once assigned."
        )
    elif s is CaseOutcomeStatus.UPDATED:
        text = f"The unresolved {cat} {ref} was updated with this new signal; no duplicate case was opened."
    elif s is CaseOutcomeStatus.NOT_UPDATED_ALREADY_COMMUNICATED:
        text = (
            f"The unresolved {cat} {ref} already has this signal; it was not updated again "
            "(anomaly and latency alarms re-fire often)."
        )
    elif s is CaseOutcomeStatus.AUTOMATION_DISABLED:
        text = (
            "Automated support cases are disabled (SSM enable-automated-support-case = No): no case "
            "was opened or updated."
        )
    elif s is CaseOutcomeStatus.NO_SUPPORT_PLAN:
        text = (
            "No case could be opened: the AWS Support API needs a Business, Enterprise On-Ramp or "
            "Enterprise support plan on this account."
        )
    else:
        text = f"Opening or updating the support case failed: {outcome.error or 'unknown error'}."
    if outcome.updated_display_ids:
        text += (
            f" The case of the increase request already pending ({', '.join(outcome.updated_display_ids)}) "
            "gets this signal too."
        )
    lines = _wrap(text, "  ")
    pairs = []
    if outcome.display_id:
        pairs += [
            ("Case display ID", outcome.display_id),
            ("Case link", support_case_url(outcome.display_id)),
        ]
    pairs += [("Pending request's case", f"{d}: {support_case_url(d)}") for d in outcome.updated_display_ids]
    if outcome.quota_request_ids:
        pairs.append(("Service Quotas request IDs", ", ".join(outcome.quota_request_ids)))
    return lines + (_pairs(pairs) if pairs else [])


_AFTER_APPROVAL = (
    "Once approved, run the alarm updater (or wait for its schedule) so the thresholds follow "
    "the new quota."
)
_NEXT_STEPS: dict[Scenario, tuple[str, ...]] = {
    Scenario.HIGH_USAGE: (
        "Follow the quota request on the case or in the Service Quotas console.",
        _AFTER_APPROVAL,
        "Meanwhile, make sure clients retry throttled calls with exponential backoff and jitter.",
    ),
    Scenario.NEW_MODEL: (
        "Reply on the case with the launch traffic you expect (RPM and TPM) so AWS can size the increase.",
        "Check that the quota codes of the stack match the model ID and inference mode.",
        _AFTER_APPROVAL,
    ),
    Scenario.LOW_USAGE: (
        "Find the cause before asking for more quota: short bursts inside a minute, retry storms, or "
        "large max_tokens values (the TPM quota reserves them up front).",
        "Check the anomaly bands and thresholds against your expected traffic.",
        "Submit the reference increase only if the investigation shows the quota is too small.",
    ),
    Scenario.NON_QUOTA: (
        "Check the AWS Health Dashboard for Amazon Bedrock events in this region.",
        "Look at recent changes in prompt size, max_tokens, streaming or client timeouts.",
        "Follow the investigation on the case; no quota change is needed for these alarms.",
    ),
}


_NO_CASE = (
    CaseOutcomeStatus.AUTOMATION_DISABLED,
    CaseOutcomeStatus.NO_SUPPORT_PLAN,
    CaseOutcomeStatus.FAILED,
)


def _next_steps(ctx: AlertContext, outcome: CaseOutcome) -> list[str]:
    steps = list(_NEXT_STEPS[ctx.scenario])
    if ctx.scenario is Scenario.HIGH_USAGE and not ctx.is_global:
        if ctx.geo_residency.strip().lower() == "yes":
            steps.append(
                "Spread load over in-geography cross-region inference profiles (global is ruled "
                "out by residency)."
            )
        else:
            steps.append("Consider global cross-region inference for more throughput.")
    if outcome.status in _NO_CASE:
        steps.insert(0, "Open a support case yourself if needed; the figures below are ready to paste.")
    if outcome.status is CaseOutcomeStatus.FAILED:
        steps.insert(1, "Check the notification processor's logs for the error.")
    lines: list[str] = []
    for i, step in enumerate(steps, 1):
        lines += textwrap.wrap(f"{i}. {step}", _WIDTH, initial_indent="  ", subsequent_indent="     ")
    return lines


def _quota_title(ctx: AlertContext, outcome: CaseOutcome) -> str:
    if ctx.scenario is Scenario.LOW_USAGE:
        return "Quota increase (reference only, not submitted)"
    if outcome.status in (
        CaseOutcomeStatus.NEW,
        CaseOutcomeStatus.UPDATED,
        CaseOutcomeStatus.NOT_UPDATED_ALREADY_COMMUNICATED,
    ):
        return "Quota increase requested"
    return "Quota increase proposed (not submitted)"


def email_body(ctx: AlertContext, outcome: CaseOutcome) -> str:
    """Body of the e-mail to the SRE team ("your model")."""
    who = f"{ctx.customer} / {ctx.model_name}"
    sections: list[tuple[str, list[str]]] = [
        ("", [f"Bedrock Ops Alert - {ctx.severity.value} - {who} - {ctx.category.value}"]),
        ("Summary", _summary(ctx, "email")),
        ("Support case", _outcome(ctx, outcome)),
        ("Alert details", _details(ctx)),
        ("Impact assessment", _impact(ctx)),
        ("Use case", _use_case(ctx.use_case)),
        ("Usage", _usage(ctx)),
        ("Alarm thresholds", _thresholds(ctx)),
        ("Model configuration", _model_config(ctx)),
    ]
    if ctx.scenario is not Scenario.NON_QUOTA:
        sections.append((_quota_title(ctx, outcome), _quotas(ctx, "email")))
    if ctx.alarm_reason.strip():
        sections.append(("Alarm state reason", _wrap(ctx.alarm_reason.strip(), "  ")))
    sections += [
        ("Recommended next steps", _next_steps(ctx, outcome)),
        (
            "Links",
            _pairs(
                [
                    ("Support console", SUPPORT_CONSOLE_URL),
                    (f"CloudWatch alarms ({ctx.region})", cloudwatch_alarms_url(ctx.region)),
                ]
            ),
        ),
    ]
    blocks = ["\n".join(([title.upper()] if title else []) + lines) for title, lines in sections]
    return "\n\n".join(blocks) + "\n"
