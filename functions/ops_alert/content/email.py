"""The e-mail to the SRE team ("your model"): subject and body, and the unidentified-alarm e-mail.

It carries the case's facts plus what the support step did and what to do next. Assembled like
the case (:func:`ops_alert.content.layout.assemble`), within what one SNS message can carry.
"""
from __future__ import annotations

from collections.abc import Sequence

from ops_alert.alarms import Severity
from ops_alert.content import facts
from ops_alert.content.facts import Audience
from ops_alert.content.layout import (
    MAX_EMAIL_CHARS,
    MAX_SUBJECT_CHARS,
    Section,
    assemble,
    num,
    numbered,
    pairs,
    single_line,
    when,
    wrap,
)
from ops_alert.content.model import AlertContext, CaseOutcome, CaseOutcomeStatus, UnidentifiedAlarm
from ops_alert.partition import console_url
from ops_alert.routing import BEDROCK_QUOTA_INCREASE_DOC, quota_to_request
from ops_alert.scenario import Scenario
from ops_alert.untrusted import neutralise


def support_console_url(region: str) -> str:
    return console_url(region, "support/home")


def support_case_url(display_id: str, region: str) -> str:
    return console_url(region, f"support/home#/case/?displayId={display_id}")


def cloudwatch_alarms_url(region: str) -> str:
    return console_url(region, f"cloudwatch/home?region={region}#alarmsV2:", regional=True)


# --- subjects -------------------------------------------------------------------------------------


DRILL_MARK = "[DRILL]"  # starts the subject (and the chat title) of a fire drill's notification


def email_subject(ctx: AlertContext) -> str:
    """``[SEVERITY] C - Bedrock Ops Alert - M - <category>``, within the SNS subject rules; a fire
    drill's starts with ``[DRILL]`` so no reader (or mail filter) takes it for an incident."""
    return _subject(ctx.severity, ctx.customer, ctx.model_name, ctx.category.value, drill=ctx.drill is not None)


def _subject(severity: Severity, customer: str, model_name: str, topic: str, *, drill: bool = False) -> str:
    prefix = (f"{DRILL_MARK} " if drill else "") + f"[{severity.value}] "
    suffix = f" - {topic}"
    middle = single_line(f"{customer} - Bedrock Ops Alert - {model_name}")
    room = MAX_SUBJECT_CHARS - len(prefix) - len(suffix)
    if len(middle) > room:
        # Shorten the customer/model part: severity and category are what a reader filters on.
        middle = middle[: room - 3].rstrip() + "..."
    return prefix + middle + suffix


def _email(sections: Sequence[Section], tail: Sequence[Section]) -> str:
    return assemble(sections, tail, MAX_EMAIL_CHARS, end="\n")


# --- the alert e-mail -----------------------------------------------------------------------------


def _outcome(ctx: AlertContext, outcome: CaseOutcome) -> list[str]:
    cat = ctx.category.value
    ref = f"case {outcome.display_id}" if outcome.display_id else "case"
    s = outcome.status
    if s is CaseOutcomeStatus.NEW and outcome.quota_request_ids:
        text = _submitted(ctx, outcome)
    elif s is CaseOutcomeStatus.NEW and outcome.display_id:
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
            "the request; its ID appears in the Service Quotas console once assigned."
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
    lines = wrap(text, "  ")
    items = []
    if outcome.display_id:
        items += [
            ("Case display ID", outcome.display_id),
            ("Case link", support_case_url(outcome.display_id, ctx.region)),
        ]
    if outcome.quota_request_ids:
        items.append(("Service Quotas request ID", ", ".join(outcome.quota_request_ids)))
        if len(ctx.quota_requests) > 1:
            items.append(("One request per alert", BEDROCK_QUOTA_INCREASE_DOC))
    return lines + (pairs(items) if items else [])


def _submitted(ctx: AlertContext, outcome: CaseOutcome) -> str:
    """The one Service Quotas request of this alert, and where the other quotas are asked for."""
    chosen = quota_to_request(ctx.quota_requests)
    if chosen is None:  # a request without a plan cannot happen; say no more than is known
        text = "The quota increase was submitted through Service Quotas."
    else:
        text = (
            f"One quota increase request was submitted through Service Quotas: the {chosen.kind.label} "
            f"quota {chosen.code}, to {num(chosen.requested)}."
        )
    if outcome.display_id:
        text += f" AWS opened case {outcome.display_id} for it."
    else:
        text += " AWS opens a support case for it; its ID appears in the Service Quotas console once assigned."
    others = [p.kind.label for p in ctx.quota_requests if p is not chosen]
    if others:
        text += (
            f" The {' and '.join(others)} increase is asked for in the context added to that case: AWS's "
            "Bedrock quota-increase page (link below) asks for one request on the model's tokens-per-minute "
            "quota for any combination of its quotas."
        )
    return text


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
_REQUESTED = (
    CaseOutcomeStatus.NEW,
    CaseOutcomeStatus.UPDATED,
    CaseOutcomeStatus.NOT_UPDATED_ALREADY_COMMUNICATED,
)


def next_steps(ctx: AlertContext, outcome: CaseOutcome) -> list[str]:
    """What the team does next, in order (the e-mail numbers them; the chat message lists them)."""
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
        steps.insert(0, "Open a support case yourself if needed; the figures in this alert are ready to paste.")
    if outcome.status is CaseOutcomeStatus.FAILED:
        steps.insert(1, "Check the notification processor's logs for the error.")
    if ctx.drill is not None:
        # Worded for both media: the e-mail numbers these steps, the chat message lists them.
        steps = ["Fire drill: nothing to fix. Check that everyone on call got this alert and that the "
                 "decision event reached your incident tools; the steps that follow are what a real alert "
                 "would ask.",
                 *steps]
    return steps


def _quota_title(ctx: AlertContext, outcome: CaseOutcome) -> str:
    if ctx.scenario is Scenario.LOW_USAGE:
        return "Quota increase (reference only, not submitted)"
    if outcome.status in _REQUESTED:
        return "Quota increase requested"
    return "Quota increase proposed (not submitted)"


def _links(region: str, *, support: bool) -> Section:
    items = [("Support console", support_console_url(region))] if support else []
    items.append((f"CloudWatch alarms ({region})", cloudwatch_alarms_url(region)))
    return Section("Links", tuple(pairs(items)))


def _drill(ctx: AlertContext, outcome: CaseOutcome) -> list[str]:
    """What a fire drill did instead of writing to AWS Support and Service Quotas."""
    text = (
        "This is a fire drill (make drill): the alarm was set by hand with the drill token "
        f"{ctx.drill}. The whole alert ran as for a real alarm, but nothing was written to AWS Support "
        "or Service Quotas."
    )
    lines = wrap(text, "  ")
    if outcome.would_have_done:
        lines += ["", "  What a real alert would have done now:"]
        lines += numbered([f"{w.action}: {w.description}" for w in outcome.would_have_done])
    else:
        said = " ".join(line.strip() for line in _outcome(ctx, outcome))
        lines += ["", *wrap(f"A real alert would have written nothing: {said}", "  ")]
    return lines


def _mute_section(mute_note: Sequence[str]) -> list[Section]:
    """The mute in force or just ended (ops_alert.mute.mute_note): its reason was neutralised on reading."""
    return [Section("Mute", tuple(line for note in mute_note for line in wrap(note, "  ")))] if mute_note else []


def email_body(ctx: AlertContext, outcome: CaseOutcome, mute_note: Sequence[str] = ()) -> str:
    """Body of the e-mail to the SRE team ("your model")."""
    who = f"{ctx.customer} / {ctx.model_name}"
    drill = f"{DRILL_MARK} " if ctx.drill is not None else ""
    sections = [
        Section("", (f"{drill}Bedrock Ops Alert - {ctx.severity.value} - {who} - {ctx.category.value}",)),
        *_mute_section(mute_note),
        Section("Summary", tuple(facts.summary(ctx, Audience.EMAIL))),
        Section("Fire drill", tuple(_drill(ctx, outcome))) if ctx.drill is not None
        else Section("Support case", tuple(_outcome(ctx, outcome))),
        *facts.shared_sections(ctx, Audience.EMAIL),
    ]
    if ctx.scenario is not Scenario.NON_QUOTA:
        sections.append(Section(_quota_title(ctx, outcome), tuple(facts.quotas(ctx, Audience.EMAIL))))
    sections += facts.reason_sections(ctx.alarm_reason)
    tail = [Section("Recommended next steps", tuple(numbered(next_steps(ctx, outcome)))), _links(ctx.region, support=True)]
    return _email(sections, tail)


# --- a composite alarm whose children cannot be identified ----------------------------------------
# Rare (the notification names no child of this stack and none is in ALARM any more), but the
# alarm was real: the team is told (SPEC §7), with no case, since the kind of problem is unknown.
UNIDENTIFIED_TOPIC = "Unidentified alarm"
UNIDENTIFIED_SEVERITY = Severity.WARNING


def unidentified_alarm_subject(customer: str, model_name: str) -> str:
    return _subject(UNIDENTIFIED_SEVERITY, customer, model_name, UNIDENTIFIED_TOPIC)


def unidentified_alarm_email(alarm: UnidentifiedAlarm) -> str:
    """E-mail for a composite alarm in ALARM with no identifiable child alarm of this stack."""
    a = alarm
    summary = (
        "The composite alarm of your model went to ALARM, but its notification names no child alarm "
        "of this stack and none of them is in ALARM now (a short spike that has cleared, or alarms "
        "renamed outside the stack). No support case was opened or updated: the kind of problem is "
        "unknown. Check the alarm history in CloudWatch."
    )
    title = f"Bedrock Ops Alert - {UNIDENTIFIED_SEVERITY.value} - {a.customer} / {a.model_name} - {UNIDENTIFIED_TOPIC}"
    details = [
        ("Customer", a.customer),
        ("Model", f"{a.model_name} ({a.model_id})"),
        ("Composite alarm", a.composite_alarm),
        ("Time", when(a.time)),
        ("Region", a.region),
    ]
    states = pairs(list(a.child_states)) if a.child_states else ["  (not readable)"]
    sections = [
        Section("", (title,)),
        *_mute_section(a.mute_note),
        Section("Summary", tuple(wrap(summary, "  "))),
        Section("Alert details", tuple(pairs(details))),
        Section("Child alarm states now", tuple(states)),
    ]
    sections += facts.reason_sections(neutralise(a.reason))  # free text anyone setting the alarm writes
    return _email(sections, [_links(a.region, support=False)])
