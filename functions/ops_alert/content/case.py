"""The support case: subject, body of a new case, and a communication appended to an existing one.

Written for the AWS support engineer ("our model"). Every text ends with the marker lines that
duplicate detection reads (``ops_alert.duplicates``) and fits the Support API's 8,000 characters.
"""
from __future__ import annotations

from ops_alert.content import facts
from ops_alert.content.facts import Audience
from ops_alert.content.layout import (
    MAX_COMMUNICATION_CHARS,
    Section,
    assemble,
    single_line,
    when,
    wrap,
)
from ops_alert.content.model import AlertContext, AttachmentNote, Escalation
from ops_alert.duplicates import case_subject as _case_subject
from ops_alert.duplicates import marker, signal_marker, transition_marker
from ops_alert.scenario import Scenario

_CASE_FOOTER = (
    "This case was opened by Bedrock Ops Alert. The bracketed lines below are machine-readable "
    "markers used to avoid duplicate cases; please leave them in place."
)
_COMMUNICATION_FOOTER = (
    "Added by Bedrock Ops Alert. The bracketed lines below are machine-readable markers used to "
    "avoid duplicate cases and repeated updates; please leave them in place."
)


def case_subject(ctx: AlertContext) -> str:
    """``C - Bedrock Ops Alert - M - <category>``: the subject duplicate detection matches."""
    return single_line(_case_subject(ctx.customer, ctx.model_name, ctx.category))


def _markers(ctx: AlertContext) -> Section:
    lines = [marker(ctx.customer, ctx.model_name, ctx.category)]
    lines += [signal_marker(k) for k in ctx.triggered_kinds]
    if ctx.transition_id:
        lines.append(transition_marker(ctx.transition_id))
    return Section("", tuple(lines))


def attachment_sentences(note: AttachmentNote) -> tuple[str | None, str | None]:
    """(which files go with a text, which could not be attached), a sentence each or None: the one
    wording of the case texts and of the note a follow-up adds to the case Service Quotas opened."""
    attached = (f"Attached: {', '.join(note.attached)} (14-day usage against threshold and quota; daily peaks)."
                if note.attached else None)
    missing = (f"Missing: {', '.join(note.missing)} could not be attached this time; the figures in this text "
               "are complete without them." if note.missing else None)
    return attached, missing


def _attachments(note: AttachmentNote | None) -> list[Section]:
    """Which files go with this text, and which could not be attached (the graph is then missing)."""
    if note is None or not (note.attached or note.missing):
        return []
    attached, missing = attachment_sentences(note)
    lines = [f"  {attached}"] if attached else []  # the file names on one line
    lines += wrap(missing, "  ") if missing else []
    return [Section("Attachments", tuple(lines))]


def _sections(ctx: AlertContext, footer: str, attachments: AttachmentNote | None = None) -> list[Section]:
    sections = [Section("Executive summary", tuple(facts.summary(ctx, Audience.CASE))), *facts.shared_sections(ctx)]
    sections += _attachments(attachments)
    if ctx.scenario is not Scenario.NON_QUOTA:
        low = ctx.scenario is Scenario.LOW_USAGE
        title = "Quota increase (reference only)" if low else "Quota increase requested"
        sections.append(Section(title, tuple(facts.quotas(ctx, Audience.CASE))))
    sections += facts.reason_sections(ctx.alarm_reason)
    sections.append(Section("", tuple(wrap(footer)), optional=True))
    return sections


def case_body(ctx: AlertContext, limit: int = MAX_COMMUNICATION_CHARS, attachments: AttachmentNote | None = None) -> str:
    """Body of a new case, for the support engineer; at most ``limit`` characters."""
    title = f"Bedrock Ops Alert - {ctx.category.value} for {ctx.customer} / {ctx.model_name}"
    header = Section("", (title,))
    return assemble([header, *_sections(ctx, _CASE_FOOTER, attachments)], [_markers(ctx)], limit)


def communication_body(
    ctx: AlertContext,
    escalation: Escalation | None = None,
    limit: int = MAX_COMMUNICATION_CHARS,
    attachments: AttachmentNote | None = None,
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
        opened = f" (opened {when(escalation.opened)})" if escalation.opened else ""
        new = ", ".join(escalation.new_signals) or facts.alarm_list(ctx)
        head = (
            f"ESCALATION - a new signal was raised while {case}{opened} is still unresolved. "
            f"New signal(s): {new} at {when(ctx.time)}. Updated context follows."
        )
    sections = [Section("", tuple(wrap(head))), *_sections(ctx, _COMMUNICATION_FOOTER, attachments)]
    return assemble(sections, [_markers(ctx)], limit)
