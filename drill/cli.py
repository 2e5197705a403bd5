"""``make drill STACK=… [ALARM=Throttles] [REGION=…] [TIMEOUT=300]``: one alert through the deployed stack.

    python -m drill --stack S [--alarm Throttles] [--region R] [--profile P] [--timeout 300] [--debug]

1. Finds the stack (DescribeStacks: its CustomerName and BedrockModelName give every name, the child
   alarm's from the alarm catalogue) and its drill-token parameter (DescribeStackResource), and checks
   the child and the composite alarm are not in ALARM (DescribeAlarms): a drill needs a transition,
   and must not land in a real alert.
2. Opens a temporary window on the decision events: an EventBridge rule on the default bus matching
   this stack's events, targeting a temporary SQS queue whose policy lets only that rule send.
3. Arms the drill (PutParameter: token, alarm, issued, expiry) and sets the child to ALARM
   (SetAlarmState) with the reason ``drill <token>``.
4. Waits for the decision event naming the token and prints what the stack did and would have done.
   The stack's other events are read too, so a drill the processor handled as a REAL alert (its
   event names the alarm, not the token) is reported at once instead of timing out.
5. Always (done, timeout, failure, Ctrl-C): the alarm back to OK, the token back to ``off``, the rule
   and the queue deleted. A clean-up step that fails is one line saying what to remove by hand.

Every failure is one line (``--debug`` adds the traceback).
"""
from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TextIO

from bundle.aws_session import ClientFactory, session_clients
from bundle.cli_errors import EXIT_FAILED, UserError, add_debug_flag, describe, guarded
from bundle.stack_lookup import described_stack, stack_resource_id
from ops_alert.alarms import ALARM_KINDS, AlarmKind
from ops_alert.decision_event import DETAIL_TYPE, SOURCE
from ops_alert.drill import MAX_LIFETIME, OFF, TOKEN_HEX_CHARS, DrillToken, state_reason
from ops_alert.names import StackNames
from ops_alert.untrusted import neutralise

PARAMETER_RESOURCE = "DrillTokenParameter"  # templates/configuration.py
DEFAULT_TIMEOUT = timedelta(minutes=5)
MIN_TIMEOUT = timedelta(seconds=30)
# The token outlives the wait by this much (the processor may be mid-run when the wait ends);
# the whole stays within the processor's limit on a token's lifetime.
EXPIRY_MARGIN = timedelta(minutes=2)
MAX_TIMEOUT = MAX_LIFETIME - EXPIRY_MARGIN - timedelta(minutes=1)
POLL_SECONDS = 20  # SQS long polling: ReceiveMessage WaitTimeSeconds at most 20
EXIT_NOT_A_DRILL = 1  # ran, and the stack handled the drill as a real alert
_TIMEOUT = re.compile(r"(\d+)([sm]?)")  # 300, 300s or 5m
_MAX_DIGITS = 6

Clock = Callable[[], float]


# --- the command line, checked before any AWS call --------------------------------------------------


def alarm_kind(text: str) -> AlarmKind:
    """The child alarm named by its type in the catalogue (``Throttles``), any letter case."""
    wanted = text.strip().lower()
    for kind in ALARM_KINDS:
        if kind.key.lower() == wanted:
            return kind
    raise UserError(f"ALARM={text!r} is not a child alarm of the stack: use one of "
                    f"{', '.join(k.key for k in ALARM_KINDS)}")


def parse_timeout(text: str) -> timedelta:
    """Seconds (``300``), or ``90s`` / ``5m``; from 30 seconds to MAX_TIMEOUT."""
    found = _TIMEOUT.fullmatch(text.strip().lower())
    if found is None:
        raise UserError(f"TIMEOUT={text!r} is not a duration: give seconds (300) or minutes (5m)")
    number, unit = found.groups()
    # More digits than _MAX_DIGITS is beyond any wait; not converted (a 30-digit number overflows timedelta).
    seconds = int(number) * (60 if unit == "m" else 1) if len(number.lstrip("0")) <= _MAX_DIGITS else None
    length = None if seconds is None else timedelta(seconds=seconds)
    if length is None or not MIN_TIMEOUT <= length <= MAX_TIMEOUT:
        raise UserError(f"TIMEOUT={text!r}: wait from {int(MIN_TIMEOUT.total_seconds())} seconds to "
                        f"{int(MAX_TIMEOUT.total_seconds() // 60)} minutes (the drill token lives at most "
                        f"{int(MAX_LIFETIME.total_seconds() // 60)} minutes)")
    return length


@dataclass(frozen=True)
class DrillRequest:
    stack: str
    kind: AlarmKind
    timeout: timedelta


def drill_request(args: argparse.Namespace) -> DrillRequest:
    stack = args.stack.strip()
    if not stack:
        raise UserError("STACK is missing: make drill STACK=<stack> [ALARM=Throttles] [REGION=…] [TIMEOUT=300]")
    return DrillRequest(stack, alarm_kind(args.alarm), parse_timeout(args.timeout))


# --- the stack -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stack:
    name: str
    names: StackNames
    parameter: str  # the drill-token parameter's name

    def alarm(self, kind: AlarmKind) -> str:
        return self.names.alarm_name(kind)


def find_stack(client: ClientFactory, stack: str) -> Stack:
    """The stack's names (from its CustomerName and BedrockModelName) and its drill-token parameter."""
    cfn = client("cloudformation")
    found = described_stack(cfn, stack)
    values = {p.get("ParameterKey"): p.get("ParameterValue") for p in found.get("Parameters") or []}
    customer, model = values.get("CustomerName"), values.get("BedrockModelName")
    if not customer or not model:
        raise UserError(f"stack {stack!r} is not a Bedrock Ops Alert stack (it has no CustomerName and "
                        "BedrockModelName parameters): check STACK")
    parameter = stack_resource_id(cfn, stack, PARAMETER_RESOURCE,
                                  f"stack {stack!r} has no drill-token parameter: it predates `make drill`; update it "
                                  "to this version (make deploy) first")
    return Stack(stack, StackNames(customer, model), parameter)


def aws_time(response: Mapping[str, Any]) -> datetime | None:
    """AWS's clock, from a response's HTTP Date header (None without one).

    The token's window is judged by the processor against CloudWatch's and Lambda's clocks; stamped
    from this machine's clock, a few minutes of skew would make the drill a REAL alert (a real case).
    """
    from email.utils import parsedate_to_datetime

    headers = (response.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    try:
        return parsedate_to_datetime(str(headers["date"])).astimezone(timezone.utc)
    except (KeyError, TypeError, ValueError):
        return None


def check_alarms(client: ClientFactory, stack: Stack, alarm: str) -> datetime | None:
    """The child exists and is not in ALARM; the composite is not in ALARM (a real alert under way).
    Returns AWS's time of the answer (see aws_time)."""
    composite = stack.names.composite_alarm_name
    page = client("cloudwatch").describe_alarms(AlarmNames=[alarm, composite],
                                                AlarmTypes=["CompositeAlarm", "MetricAlarm"])
    states = {a["AlarmName"]: a.get("StateValue", "") for a in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])}
    if alarm not in states:
        raise UserError(f"alarm {alarm!r} not found in {stack.name}'s region: check ALARM, REGION, and that the "
                        "stack's alarms were not renamed or deleted")
    if states[alarm] == "ALARM":
        raise UserError(f"{alarm} is in ALARM now: a drill needs it to go into ALARM; run it once the alarm is OK")
    if states.get(composite) == "ALARM":
        raise UserError(f"the composite alarm {composite} is in ALARM: a real alert is under way; run the drill "
                        "once it is OK")
    return aws_time(page)


# --- the temporary window on the decision events ----------------------------------------------------


@dataclass
class Cleanup:
    """What the drill changed, undone in reverse order; each failure is one line, never a traceback."""

    steps: list[tuple[str, Callable[[], Any]]] = field(default_factory=list)

    def add(self, what: str, undo: Callable[[], Any]) -> None:
        self.steps.append((what, undo))

    def run(self, err: TextIO) -> bool:
        ok = True
        for what, undo in reversed(self.steps):
            try:
                undo()
            except Exception as exc:  # noqa: BLE001 - go on with the rest; say what is left to do
                print(f"make drill: clean-up: could not {what} ({describe(exc)}): do it by hand", file=err)
                ok = False
        self.steps.clear()
        return ok


def event_pattern(stack: str) -> str:
    """This stack's decision events (the drill's, and a real alert's should the drill not be recognised)."""
    return json.dumps({"source": [SOURCE], "detail-type": [DETAIL_TYPE], "detail": {"stack": [stack]}})


def queue_policy(queue_arn: str, rule_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DecisionEventsOfThisDrillOnly", "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]})


def open_window(client: ClientFactory, stack: Stack, token: str, cleanup: Cleanup) -> str:
    """A temporary rule → queue for this stack's decision events; the queue's URL."""
    name = f"bedrock-ops-alert-drill-{token[:12]}"
    sqs, events = client("sqs"), client("events")
    url = str(sqs.create_queue(QueueName=name, Attributes={"MessageRetentionPeriod": "3600"})["QueueUrl"])
    cleanup.add(f"delete the temporary queue {url}", lambda: sqs.delete_queue(QueueUrl=url))
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule_arn = str(events.put_rule(Name=name, EventPattern=event_pattern(stack.name), State="ENABLED",
                                   Description=f"make drill on {stack.name}: temporary, deleted when it ends")["RuleArn"])
    cleanup.add(f"delete the temporary EventBridge rule {name}", lambda: events.delete_rule(Name=name))
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": queue_policy(queue_arn, rule_arn)})
    events.put_targets(Rule=name, Targets=[{"Id": "drill", "Arn": queue_arn}])
    cleanup.add(f"remove the target of the temporary rule {name}", lambda: events.remove_targets(Rule=name, Ids=["drill"]))
    return url


def decision_events(client: ClientFactory, url: str, deadline: float, clock: Clock) -> Iterator[dict[str, Any]]:
    """Decision events from the queue until ``deadline`` (long polling, so no busy loop)."""
    sqs = client("sqs")
    while True:
        left = deadline - clock()
        if left <= 0:
            return
        page = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=max(1, min(POLL_SECONDS, int(left))))
        for message in page.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            try:
                event = json.loads(message["Body"])
            except (ValueError, RecursionError):
                continue  # not an event the rule delivered
            if isinstance(event, dict) and isinstance(event.get("detail"), dict):
                yield event


# --- the outcome -----------------------------------------------------------------------------------


def _line(label: str, value: object) -> str:
    """One line of the outcome. Every value is neutralised: the event comes from the default bus, where
    anyone allowed events:PutEvents can forge one carrying terminal escapes or line breaks."""
    return f"  {label:<16}{neutralise(str(value), multiline=False)}"


_CHAT = {
    "sent": "sent, its title starts with [DRILL]",
    "off": "off (ChatNotifications=No)",
    "no_channel": "published, but no chat channel is subscribed to the chat topic",
    "failed": "the publish failed (see the processor's logs)",
}


def describe_outcome(detail: Mapping[str, Any]) -> list[str]:
    """What the stack did with the drill, from its decision event."""
    lines = [_line("outcome", f"{detail.get('outcome')}" + (" (drill)" if detail.get("drill") else ""))]
    if detail.get("scenario"):
        lines.append(_line("scenario", f"{detail['scenario']} ({detail.get('severity')}, {detail.get('category')})"))
    case = detail.get("case") or {}
    if not isinstance(case, Mapping):
        case = {"status": case}
    if case:
        ref = f" (case {case['displayId']})" if case.get("displayId") else ""
        lines.append(_line("case", f"{case.get('status')}{ref}: {case.get('why')}"))
        if case.get("error"):
            lines.append(_line("case error", case["error"]))
    done = detail.get("wouldHaveDone") or []
    if detail.get("drill"):
        lines.append(_line("would have done", "nothing (no Support or Service Quotas write)" if not done else ""))
        lines += [f"    {i}. " + neutralise(f"{w.get('action')}: {w.get('description')}" if isinstance(w, Mapping) else str(w),
                                              multiline=False)
                  for i, w in enumerate(done if isinstance(done, list) else [done], 1)]
    held = f"held by {detail.get('heldBy') or 'a mute or the re-notify window'}"
    email = str(detail.get("email"))
    lines.append(_line("e-mail", {"sent": "sent, its subject starts with [DRILL]", "held": held,
                                  "filtered": "not sent: the notification preference filters this severity out",
                                  }.get(email, email)))
    chat = detail.get("chat")
    if chat is not None:  # the chat message (Amazon Q Developer), following the e-mail's decision
        lines.append(_line("chat", held if chat == "held" else _CHAT.get(str(chat), str(chat))))
    if detail.get("reason"):
        lines.append(_line("reason", detail["reason"]))
    return lines


@dataclass(frozen=True)
class Outcome:
    detail: Mapping[str, Any] | None  # the drill's event; None: not seen
    real: Mapping[str, Any] | None = None  # a real alert's event for the drilled alarm instead


def wait_for_outcome(events: Iterator[dict[str, Any]], token: str, alarm: str) -> Outcome:
    for event in events:
        detail = event["detail"]
        if detail.get("drillToken") == token:
            return Outcome(detail)
        alarms = detail.get("alarms")
        # A list of names, as the processor writes it: a forged string must not match by substring.
        if detail.get("outcome") == "processed" and isinstance(alarms, list) and alarm in alarms \
                and not detail.get("drill"):
            return Outcome(None, detail)
    return Outcome(None)


# --- the drill -------------------------------------------------------------------------------------


def run_drill(request: DrillRequest, out: TextIO, err: TextIO, client: ClientFactory, now: datetime | None,
              clock: Clock = time.monotonic, token: str | None = None) -> int:
    """``now``: for tests; otherwise AWS's own time stamps the token (this machine's clock may be off)."""
    stack = find_stack(client, request.stack)
    alarm = stack.alarm(request.kind)
    answered = check_alarms(client, stack, alarm)
    token = token or secrets.token_hex(TOKEN_HEX_CHARS // 2)
    issued = (now or answered or datetime.now(timezone.utc)).replace(microsecond=0)
    armed = DrillToken(token, alarm, issued - timedelta(seconds=5), issued + request.timeout + EXPIRY_MARGIN)
    ssm, cw = client("ssm"), client("cloudwatch")
    cleanup = Cleanup()
    try:
        url = open_window(client, stack, token, cleanup)
        ssm.put_parameter(Name=stack.parameter, Value=armed.to_json(), Type="String", Overwrite=True)
        cleanup.add(f"set {stack.parameter} back to {OFF}",
                    lambda: ssm.put_parameter(Name=stack.parameter, Value=OFF, Type="String", Overwrite=True))
        started = clock()
        cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM",
                           StateReason=state_reason(token, "fire drill by make drill; reset to OK when it ends"))
        cleanup.add(f"set {alarm} back to OK", lambda: cw.set_alarm_state(
            AlarmName=alarm, StateValue="OK", StateReason=state_reason(token, "drill over: reset by make drill")))
        print(f"Fire drill on {stack.name}: {alarm} set to ALARM (token {token}, valid until "
              f"{armed.expires:%H:%M:%S} UTC); waiting up to {int(request.timeout.total_seconds())} s for the "
              "decision event…", file=out, flush=True)
        outcome = wait_for_outcome(decision_events(client, url, started + request.timeout.total_seconds(), clock),
                                   token, alarm)
    finally:
        cleaned = cleanup.run(err)
    reset = ("Reset: the alarm is back to OK, the token is off, the temporary rule and queue are deleted."
             if cleaned else "Reset incomplete: see the clean-up lines above.")
    if outcome.real is not None:
        print("The stack handled the drill as a REAL alert (its processor did not recognise the token: see its "
              "WARNING log line). What it did:", file=out)
        print("\n".join(describe_outcome(outcome.real)), file=out)
        print(reset, file=out)
        return EXIT_NOT_A_DRILL
    if outcome.detail is None:
        print(reset, file=out)
        raise UserError(f"no decision event for the drill within {int(request.timeout.total_seconds())} s: check the "
                        "processor's logs (the composite alarm's actions enabled? the raw topic subscribed?) and "
                        "run again with a longer TIMEOUT")
    print(f"Decision event after {int(clock() - started)} s:", file=out)
    print("\n".join(describe_outcome(outcome.detail)), file=out)
    print(reset, file=out)
    return 0 if cleaned else EXIT_FAILED


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="make drill", description="A fire drill through one deployed stack: one "
                                "alert end to end, nothing written to AWS Support or Service Quotas.")
    p.add_argument("--stack", default="", help="CloudFormation stack name (STACK=…)")
    p.add_argument("--alarm", default="Throttles", help="child alarm type (ALARM=…, default Throttles)")
    p.add_argument("--timeout", default=str(int(DEFAULT_TIMEOUT.total_seconds())),
                   help="how long to wait for the decision event: seconds or 5m (TIMEOUT=…, default 300)")
    p.add_argument("--region", help="the stack's region (REGION=…)")
    p.add_argument("--profile", help="AWS profile")
    add_debug_flag(p)
    return p


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None,
         client: ClientFactory | None = None, now: datetime | None = None, clock: Clock | None = None,
         token: str | None = None) -> int:
    args = parser().parse_args(argv)
    stdout, stderr = out or sys.stdout, err or sys.stderr

    def run() -> int:
        request = drill_request(args)
        return run_drill(request, stdout, stderr, client or session_clients(args.region, args.profile),
                         now, clock or time.monotonic, token)

    return guarded(run, debug=args.debug, prog="make drill", err=stderr)
