"""``make preview [SCENARIO=high_usage|low_usage|new_model|non_quota|all] [PARAMS=params.json]``.

Prints what an alert of the scenario says, offline (no AWS): the support case (subject and body),
the communication appended when a new signal arrives on the still-open case, the e-mail (subject
and body), the chat message (Amazon Q Developer custom notification) and the decision event.
PARAMS is the stack's parameter file (the one ``make check`` / ``make deploy`` take); without it,
the README's sample stack. Problems are one line on stderr through the shared CLI error boundary
(``--debug`` adds the traceback).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from bundle.cli_errors import UserError, add_debug_flag, guarded
from ops_alert.content.case import case_body, case_subject, communication_body
from ops_alert.content.chat import chat_message
from ops_alert.content.email import email_body, email_subject
from ops_alert.decision_event import StackIdentity, decision_detail
from ops_alert.results import ChatStatus, EmailStatus, Processed
from preview.samples import (
    SAMPLE_ACCOUNT,
    SAMPLE_PARAMETERS,
    SAMPLE_REGION,
    SAMPLE_TIME,
    PreviewScenario,
    StackSettings,
    sample_alert,
    sample_escalation,
    sample_outcome,
)

PROG = "make preview"
ALL = "all"
CHAT_TITLE = "Chat message (Amazon Q Developer custom notification, posted with ChatNotifications=Yes)"


def _rule(title: str) -> str:
    return f"{'=' * 8} {title} {'=' * max(4, 80 - len(title))}"


def render(scenario: PreviewScenario, parameters: Mapping[str, str]) -> str:
    """The whole preview of one scenario, as printed."""
    try:
        settings = StackSettings.from_parameters(parameters)
        ctx = sample_alert(scenario, settings)
    except ValueError as exc:
        raise UserError(f"{scenario.value}: {exc}: use the template's defaults or another SCENARIO") from None
    outcome = sample_outcome(ctx)
    chat = ChatStatus.SENT if parameters.get("ChatNotifications") == "Yes" else ChatStatus.OFF
    detail = decision_detail(Processed(ctx, outcome, EmailStatus.SENT, chat=chat),
                             StackIdentity("<stack name>", ctx.customer, ctx.model_name, ctx.model_id, SAMPLE_REGION),
                             SAMPLE_TIME)
    via_quotas = bool(outcome.quota_request_ids)
    case_title = ("Support case we open if the Service Quotas path is unavailable" if via_quotas
                  else "Support case we open")
    # High usage / new model: our context goes on the case Service Quotas opens for the request;
    # otherwise an appended communication is a new signal on the still-unresolved case.
    appended = (communication_body(ctx) if via_quotas else communication_body(ctx, sample_escalation(ctx)))
    appended_title = ("Appended communication: our context on the case Service Quotas opens" if via_quotas
                      else "Appended communication: a new signal while the case is still unresolved")
    parts = [
        f"Preview of a {scenario.value} alert for {ctx.customer} / {ctx.model_name} (sample usage, no AWS)",
        "",
        _rule(case_title),
        f"Subject: {case_subject(ctx)}",
        "",
        case_body(ctx),
        "",
        _rule(appended_title),
        appended,
        "",
        _rule("E-mail to the SRE team"),
        f"Subject: {email_subject(ctx)}",
        "",
        email_body(ctx, outcome),
        "",
        _rule(CHAT_TITLE),
        json.dumps(chat_message(ctx, outcome, account=SAMPLE_ACCOUNT), indent=2, ensure_ascii=False),
        "",
        _rule("Decision event detail (EventBridge, docs/decision-event.schema.json)"),
        json.dumps(detail, indent=2),
    ]
    return "\n".join(parts) + "\n"


def _parameters(path: str | None) -> dict[str, str]:
    # Imported here: the template's declarations need troposphere, installed by make package.
    from bundle.publish import read_parameters
    from fleet.validate import check_parameter_set, with_defaults
    from templates.parameters import GROUPS

    declared: dict[str, dict[str, Any]] = {p.name: {"Type": p.type, **p.constraints} for _, ps in GROUPS for p in ps}
    if not path:
        return with_defaults(SAMPLE_PARAMETERS, declared)
    given = read_parameters(path)
    problems = check_parameter_set(given, declared, path)
    if problems:
        raise UserError(str(problems[0]) + (f" (and {len(problems) - 1} more: make check PARAMS={path})"
                                            if len(problems) > 1 else ""))
    values = with_defaults(given, declared)
    missing = [n for n in ("CustomerName", "BedrockModelName", "BedrockModelId") if not values.get(n)]
    if missing:
        raise UserError(f"{path}: {', '.join(missing)} must be set for a preview")
    return values


def _scenarios(name: str) -> list[PreviewScenario]:
    if name == ALL:
        return list(PreviewScenario)
    try:
        return [PreviewScenario(name)]
    except ValueError:
        known = "|".join([s.value for s in PreviewScenario] + [ALL])
        raise UserError(f"unknown SCENARIO {name!r}: use one of {known}") from None


def _run(args: argparse.Namespace, out: TextIO) -> int:
    parameters = _parameters(args.params)
    out.write("\n".join(render(s, parameters) for s in _scenarios(args.scenario)))
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scenario", default=PreviewScenario.HIGH_USAGE.value,
                        help="high_usage | low_usage | new_model | non_quota | all")
    parser.add_argument("--params", default="", help="the stack's parameter file (JSON)")
    add_debug_flag(parser)
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    return guarded(lambda: _run(args, out or sys.stdout), debug=args.debug, prog=PROG, err=err)
