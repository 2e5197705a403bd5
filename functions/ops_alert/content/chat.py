"""The chat message: an Amazon Q Developer in chat applications custom notification (issue 13).

Published to the stack's chat topic, which the team attaches to its Slack channel or Microsoft
Teams channel configuration. The format (AWS "Custom notifications using Amazon Q Developer in chat
applications"): ``version`` "1.0" and ``source`` "custom" are required, ``content.description`` is
required, ``textType`` may only be "client-markdown" (rendered in the platform's own markdown);
anything else is not delivered. ``tests/chat_format/custom-notification.schema.json`` holds those
rules and the length budgets below; every message built here (unit tests, every functional test
through the packaged processor, every preview sample) must pass it.

Markdown: the message is rendered as Slack mrkdwn or Teams markdown, and we do not know which, so
text the processor did not write cannot be backslash-escaped (Slack has no escape). It goes
through :func:`escape`: first ``one_line`` (no marker, no control characters, one line, bounded), then
every character that could start markup, a link, a mention or an entity is replaced by a visible
look-alike (``<`` → ``‹``, ``@`` → ``＠``, ``*`` → ``∗`` …). The reader sees the same words; the
chat client sees no markup. Our own words (headlines, next steps) use markup on purpose.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ops_alert.alarms import Severity
from ops_alert.content.email import (
    DRILL_MARK,
    UNIDENTIFIED_SEVERITY,
    UNIDENTIFIED_TOPIC,
    cloudwatch_alarms_url,
    next_steps,
    support_case_url,
)
from ops_alert.content.layout import num, when
from ops_alert.content.model import AlertContext, CaseOutcome, CaseOutcomeStatus, UnidentifiedAlarm, usage_rows
from ops_alert.partition import partition_of
from ops_alert.routing import quota_to_request
from ops_alert.scenario import Scenario
from ops_alert.untrusted import one_line, shorten

Json = dict[str, Any]

VERSION = "1.0"  # the only version of the format
SOURCE = "custom"
TEXT_TYPE = "client-markdown"  # the only text type of the format
EVENT_TYPE = "BedrockOpsAlert"
THREAD_PREFIX = "bedrock-ops-alert"
# Budgets: what the platforms render without cutting or refusing the message. Slack's Block Kit
# takes at most 150 characters in a header and 3,000 in a text section; Teams refuses messages over
# about 28 KB. Staying inside Slack's limits keeps a message well inside Teams' too.
MAX_TITLE_CHARS = 150
MAX_DESCRIPTION_CHARS = 3_000
MAX_LINE_CHARS = 300  # one untrusted value, the summary, one additionalContext value
MAX_ITEM_CHARS = 512  # one item of nextSteps, keywords, relatedResources (an alarm ARN ≤ ~330)
MAX_ITEMS = 10  # nextSteps, keywords, relatedResources

_ICON = {Severity.CRITICAL: "\N{POLICE CARS REVOLVING LIGHT}", Severity.WARNING: "\N{WARNING SIGN}\N{VARIATION SELECTOR-16}"}
# Characters that start Slack mrkdwn or Teams markdown (bold, italic, strike, code, quote, links,
# mentions, entities, headings, tables) → look-alikes that start nothing.
_LOOKALIKE = str.maketrans({
    "*": "\N{ASTERISK OPERATOR}",
    "_": "\N{FULLWIDTH LOW LINE}",
    "~": "\N{TILDE OPERATOR}",
    "`": "\N{REVERSED PRIME}",
    "|": "\N{DIVIDES}",
    "<": "\N{SINGLE LEFT-POINTING ANGLE QUOTATION MARK}",
    ">": "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}",
    "&": "\N{FULLWIDTH AMPERSAND}",
    "@": "\N{FULLWIDTH COMMERCIAL AT}",
    "#": "\N{FULLWIDTH NUMBER SIGN}",
    "[": "\N{FULLWIDTH LEFT SQUARE BRACKET}",
    "]": "\N{FULLWIDTH RIGHT SQUARE BRACKET}",
    "\\": "\N{FULLWIDTH REVERSE SOLIDUS}",
})
_SLUG = re.compile(r"[^A-Za-z0-9-]+")


def escape(text: str, limit: int = MAX_LINE_CHARS) -> str:
    """Untrusted ``text`` as inert chat text: one line, at most ``limit`` characters, no markup."""
    return one_line(text, limit).translate(_LOOKALIKE)  # one character for one: the limit holds


def _slug(text: str) -> str:
    return _SLUG.sub("-", text).strip("-")[:40] or "unnamed"


def thread_id(customer: str, model_name: str, topic: str, *, drill: bool = False) -> str:
    """One thread per stack (customer, model) and alert category: follow-ups land under the first.
    Fire drills thread apart, so a drill never sits among a real incident's messages."""
    parts = [THREAD_PREFIX, _slug(customer), _slug(model_name), _slug(topic).lower()]
    return ":".join(parts + (["drill"] if drill else []))


def _title(severity: Severity, customer: str, model_name: str, topic: str, *, drill: bool = False) -> str:
    head = (f"{DRILL_MARK} " if drill else "") + f"{_ICON[severity]} [{severity.value}] "
    tail = f": {topic}"
    who = escape(f"{customer} / {model_name}", MAX_TITLE_CHARS - len(head) - len(tail))
    return head + who + tail


def _description(lines: Sequence[str], optional: Sequence[str] = ()) -> str:
    """``lines``, then ``optional`` ones while they fit; never more than the budget."""
    text = "\n".join(lines)
    for line in optional:
        if len(text) + 1 + len(line) <= MAX_DESCRIPTION_CHARS:
            text += "\n" + line
    return shorten(text, MAX_DESCRIPTION_CHARS)


def _items(values: Sequence[str]) -> list[str]:
    return [shorten(v, MAX_ITEM_CHARS) for v in values if v][:MAX_ITEMS]


def _message(*, title: str, description: str, steps: Sequence[str], keywords: Sequence[str], thread: str,
             summary: str, resources: Sequence[str], context: Mapping[str, str], event_id: str) -> Json:
    message: Json = {"version": VERSION, "source": SOURCE}
    if event_id:
        message["id"] = shorten(event_id, MAX_LINE_CHARS)
    message["content"] = {
        "textType": TEXT_TYPE,
        "title": title,
        "description": description,
        "nextSteps": _items(steps),
        "keywords": _items(keywords),
    }
    message["metadata"] = {
        "threadId": thread,
        "summary": shorten(summary, MAX_LINE_CHARS),
        "eventType": EVENT_TYPE,
        "relatedResources": _items(resources),
        "additionalContext": {k: shorten(v, MAX_LINE_CHARS) for k, v in context.items() if v},
    }
    return message


def to_sns_message(message: Mapping[str, Any]) -> str:
    """The SNS ``Message``: compact JSON (ASCII, so its size in bytes is its length)."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


# --- the alert ------------------------------------------------------------------------------------

_HEADLINE: Mapping[Scenario, str] = {
    Scenario.HIGH_USAGE: "Usage reached its alarm threshold: a quota increase is warranted.",
    Scenario.LOW_USAGE: "A quota alarm fired while peak usage stays below the thresholds: investigate before asking for more quota.",
    Scenario.NEW_MODEL: "No usage history yet: headroom is requested for the launch.",
    Scenario.NON_QUOTA: "Errors or latency on the service side: an investigation, no quota change.",
}
_CASE: Mapping[CaseOutcomeStatus, str] = {
    CaseOutcomeStatus.NEW: "opened",
    CaseOutcomeStatus.UPDATED: "the unresolved case of this category was updated",
    CaseOutcomeStatus.NOT_UPDATED_ALREADY_COMMUNICATED: "already on the unresolved case: not appended again",
    CaseOutcomeStatus.AUTOMATION_DISABLED: "automated support cases are off",
    CaseOutcomeStatus.NO_SUPPORT_PLAN: "no case: the account has no Business or Enterprise support plan",
    CaseOutcomeStatus.FAILED: "the support action failed (see the e-mail and the logs)",
}


def _case_line(outcome: CaseOutcome) -> str:
    ref = f" (case {escape(outcome.display_id, 40)})" if outcome.display_id else ""
    if outcome.status is CaseOutcomeStatus.NEW and outcome.quota_request_ids and not outcome.display_id:
        return "*Support:* quota increase submitted through Service Quotas"
    return f"*Support:* {_CASE[outcome.status]}{ref}"


def _usage_line(ctx: AlertContext) -> str | None:
    """The peaks the scenario was decided on (content.model.usage_rows), each beside its threshold."""
    u = ctx.usage
    if u is None:
        return None if ctx.scenario is Scenario.NON_QUOTA else "*Usage:* could not be read"
    parts = [f"{row.label} {num(row.peak)}" + (f" ({row.threshold_label} {num(row.threshold)})" if row.threshold else "")
             for row in usage_rows(ctx)]
    return f"*Peak usage ({u.lookback_days} days, per minute):* " + "; ".join(parts)


def _quota_line(ctx: AlertContext) -> str | None:
    chosen = quota_to_request(ctx.quota_requests)
    if chosen is None:
        return None
    verb = "reference only, not submitted" if ctx.scenario is Scenario.LOW_USAGE else f"+{chosen.percent} %"
    return (f"*Quota increase:* {chosen.kind.value} {escape(chosen.code, 40)} "
            f"{num(chosen.current)} \N{RIGHTWARDS ARROW} {num(chosen.requested)} ({verb})")


def _mute_lines(mute_note: Sequence[str]) -> list[str]:
    """The mute in force or just ended (ops_alert.mute.mute_note); its reason is text people wrote."""
    return [f"*Mute:* {escape(note, 600)}" for note in mute_note]


def chat_message(ctx: AlertContext, outcome: CaseOutcome, *, account: str = "", mute_note: Sequence[str] = ()) -> Json:
    """The custom notification of one processed alert (``account``: for the alarms' ARNs; ``mute_note``:
    what the e-mail says of a mute)."""
    topic = ctx.category.value
    drill = ctx.drill is not None
    alarms = ", ".join(ctx.triggering_alarms) or "(not named in the notification)"
    lines = [
        *(["*Fire drill (make drill): nothing to fix.* Nothing was written to AWS Support or Service Quotas; "
           "a real alert would have:"] + [f"• {escape(w.description, 300)}" for w in outcome.would_have_done]
          if drill else []),
        f"*{_HEADLINE[ctx.scenario]}*",
        f"*Model:* {escape(ctx.model_name, 60)} ({escape(ctx.model_id, 120)})",
        f"*Alarms:* {escape(alarms, 600)}",
        *[line for line in (_usage_line(ctx), _quota_line(ctx)) if line],
        _case_line(outcome),
        f"*When:* {when(ctx.time)} in {escape(ctx.region, 30)}",
        *_mute_lines(mute_note),
    ]
    optional = [f"*Alarm reason:* {escape(ctx.alarm_reason, 600)}"] if ctx.alarm_reason.strip() else []
    resources = []
    if outcome.display_id:
        resources.append(support_case_url(outcome.display_id, ctx.region))
    if ctx.dashboard_url:
        resources.append(ctx.dashboard_url)
    if account and ctx.region:
        arn = f"arn:{partition_of(ctx.region)}:cloudwatch:{ctx.region}:{account}:alarm:"
        resources += [arn + escape(name, 255) for name in (ctx.composite_alarm, *ctx.triggering_alarms)]
    return _message(
        title=_title(ctx.severity, ctx.customer, ctx.model_name, topic, drill=drill),
        description=_description(lines, optional),
        steps=next_steps(ctx, outcome),
        keywords=(["DRILL"] if drill else []) + [ctx.severity.value, topic, ctx.scenario.value, escape(ctx.model_name, 60)],
        thread=thread_id(ctx.customer, ctx.model_name, topic, drill=drill),
        summary=f"[{ctx.severity.value}] {escape(ctx.customer, 40)} / {escape(ctx.model_name, 60)}: {topic} ({ctx.scenario.value})",
        resources=resources,
        context={"scenario": ctx.scenario.value, "severity": ctx.severity.value, "caseStatus": outcome.status.value,
                 "transition": ctx.transition_id},  # a key to match on, not shown as text
        event_id=ctx.transition_id,
    )


# --- a composite alarm whose children cannot be identified ----------------------------------------


def unidentified_chat_message(alarm: UnidentifiedAlarm, *, transition: str = "") -> Json:
    """The custom notification for a composite ALARM with no identifiable child (no case)."""
    a = alarm
    customer, model_name, region = a.customer, a.model_name, a.region
    states = ", ".join(f"{name}: {state}" for name, state in a.child_states) or "not readable"
    lines = [
        "*The composite alarm went to ALARM, but no child alarm of this stack can be identified.* "
        "No support case was opened or updated: check the alarm history in CloudWatch.",
        f"*Model:* {escape(model_name, 60)} ({escape(a.model_id, 120)})",
        f"*Composite alarm:* {escape(a.composite_alarm, 255)}",
        f"*When:* {when(a.time)} in {escape(region, 30)}",
        f"*Child alarms now:* {escape(states, 1200)}",
        *_mute_lines(a.mute_note),
    ]
    optional = [f"*Alarm reason:* {escape(a.reason, 600)}"] if a.reason.strip() else []
    return _message(
        title=_title(UNIDENTIFIED_SEVERITY, customer, model_name, UNIDENTIFIED_TOPIC),
        description=_description(lines, optional),
        steps=["Open the composite alarm's history in CloudWatch and look for the child that fired.",
               "Check that the child alarms still carry the names this stack gave them."],
        keywords=[UNIDENTIFIED_SEVERITY.value, UNIDENTIFIED_TOPIC, escape(model_name, 60)],
        thread=thread_id(customer, model_name, UNIDENTIFIED_TOPIC),
        summary=f"[{UNIDENTIFIED_SEVERITY.value}] {escape(customer, 40)} / {escape(model_name, 60)}: {UNIDENTIFIED_TOPIC}",
        resources=[cloudwatch_alarms_url(region)] if region else [],
        context={"severity": UNIDENTIFIED_SEVERITY.value, "transition": transition},
        event_id=transition,
    )
