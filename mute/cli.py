"""``make mute STACK=… FOR=24h REASON="…" [SCOPE=all|quota|investigation] [REGION=…]`` and ``make unmute STACK=…``.

    python -m mute on  --stack S --for 24h --reason "planned load test" [--scope quota] [--region R] [--profile P]
    python -m mute off --stack S [--region R] [--profile P]

Finds the stack's mute parameter (its ``MuteParameter`` output, or the resource of that logical ID
for a stack whose outputs predate it) and overwrites it with PutParameter: the mute document, or
``off``. Calls: DescribeStacks (and DescribeStackResource without the output), GetCallerIdentity
(who set the mute), PutParameter. Every failure is one line (``--debug`` adds the traceback).
"""
from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TextIO

from bundle.aws_session import ClientFactory, session_clients
from bundle.cli_errors import UserError, add_debug_flag, guarded
from bundle.stack_lookup import described_stack, stack_resource_id
from ops_alert.alarms import CaseCategory
from ops_alert.mute import (
    ALL_CATEGORIES,
    MAX_MUTE,
    MAX_REASON_CHARS,
    OFF,
    SCOPE_WORDS,
    mute_document,
    parse_mute,
    parse_scope,
)

OUTPUT = "MuteParameter"  # templates/outputs.py; also the resource's logical ID (templates/configuration.py)
MIN_MUTE = timedelta(minutes=1)
_MINUTE = timedelta(minutes=1)
_MINUTES = {"m": 1, "h": 60, "d": 1440}
_DURATION = re.compile(r"(?:\d+[mhd])+")
_PART = re.compile(r"(\d+)([mhd])")
# More digits than this is longer than any mute whatever the unit; counted before int() so a
# thousand-digit FOR is neither converted nor overflows timedelta.
_MAX_DIGITS = 6


def parse_duration(text: str) -> timedelta:
    """``30m``, ``4h``, ``2d`` or a sum such as ``1d12h``; from 1 minute to MAX_MUTE. UserError otherwise."""
    compact = "".join(text.lower().split())
    if not _DURATION.fullmatch(compact):
        raise UserError(f"FOR={text!r} is not a duration: use minutes, hours or days such as 30m, 4h, 2d "
                        f"(at most {MAX_MUTE.days}d)")
    parts = _PART.findall(compact)
    if any(len(n.lstrip("0")) > _MAX_DIGITS for n, _ in parts):
        said = f"more than {MAX_MUTE.days}d"
    else:
        minutes = sum(int(n) * _MINUTES[unit] for n, unit in parts)  # an int: no overflow, however many parts
        if MIN_MUTE // _MINUTE <= minutes <= MAX_MUTE // _MINUTE:
            return timedelta(minutes=minutes)
        said = _said(minutes)
    raise UserError(f"FOR={text!r} is {said}: a mute lasts from 1 minute to {MAX_MUTE.days} days "
                    "(the processor ignores a longer one)")


def _said(minutes: int) -> str:
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    return " ".join(f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "m")) if n) or "0m"


def mute_parameter(client: ClientFactory, stack: str) -> str:
    """The stack's mute parameter name: its MuteParameter output, else the resource of that logical ID."""
    cfn = client("cloudformation")
    found = described_stack(cfn, stack)
    for output in found.get("Outputs") or []:
        if output.get("OutputKey") == OUTPUT and output.get("OutputValue"):
            return str(output["OutputValue"])
    return stack_resource_id(cfn, stack, OUTPUT, f"stack {stack!r} has no mute parameter: it predates `make mute`; "
                             "update it to this version (make deploy) first")


def _require(value: str, what: str) -> str:
    if not value.strip():
        raise UserError(f"{what} is missing: make mute STACK=<stack> FOR=24h REASON=\"planned load test\" "
                        "(make unmute STACK=<stack>)")
    return value.strip()


@dataclass(frozen=True)
class MuteRequest:
    stack: str
    length: timedelta
    reason: str
    scope: frozenset[CaseCategory]


def mute_request(args: argparse.Namespace) -> MuteRequest:
    """The command line checked before any AWS call: a bad FOR is one line, whatever the credentials."""
    stack = _require(args.stack, "STACK")
    length = parse_duration(_require(args.duration, "FOR"))
    reason = " ".join(_require(args.reason, "REASON").split())
    if len(reason) > MAX_REASON_CHARS:
        raise UserError(f"REASON has {len(reason)} characters: at most {MAX_REASON_CHARS}")
    try:
        scope = parse_scope(args.scope.split(","))
    except ValueError as exc:
        raise UserError(f"SCOPE={args.scope!r}: {exc}") from exc
    return MuteRequest(stack, length, reason, scope)


def mute_on(request: MuteRequest, out: TextIO, client: ClientFactory, now: datetime) -> int:
    stack, length, reason, scope = request.stack, request.length, request.reason, request.scope
    name = mute_parameter(client, stack)
    who = str(client("sts").get_caller_identity().get("Arn", ""))
    until = (now + length).replace(microsecond=0)
    document = mute_document(until, reason, who, now, scope)
    verdict = parse_mute(document, now)
    mute = verdict.mute
    if mute is None:  # the processor would not honour it: never write it
        raise UserError(f"the mute document would not be honoured by the processor: {verdict.problem}")
    client("ssm").put_parameter(Name=name, Value=document, Type="String", Overwrite=True)
    if mute.scope == ALL_CATEGORIES:
        which = "every alert"
    else:
        which = (f"{mute.scope_words[0]} alerts (a CRITICAL {'/'.join(w for w in SCOPE_WORDS if w not in mute.scope_words)} "
                 "alarm among them breaks through)")
    print(f"Muted stack {stack} until {mute.ends()} (for {_said(length // _MINUTE)}): e-mail and chat are held for {which}; "
          "support cases still follow the stack's settings; every held notification is a decision event.", file=out)
    print(f"Parameter {name}. End it early with: make unmute STACK={stack}", file=out)
    return 0


def mute_off(stack: str, out: TextIO, client: ClientFactory) -> int:
    name = mute_parameter(client, stack)
    client("ssm").put_parameter(Name=name, Value=OFF, Type="String", Overwrite=True)
    print(f"Unmuted stack {stack}: the next alert is e-mailed as usual (parameter {name} = {OFF}).", file=out)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="make mute", description="Hold a stack's e-mail and chat for a while, or end that.")
    sub = p.add_subparsers(dest="command", required=True)
    on = sub.add_parser("on", help="mute (make mute)")
    on.add_argument("--for", dest="duration", default="", help="how long: 30m, 4h, 2d, 1d12h (FOR=…)")
    on.add_argument("--reason", default="", help="why, shown in e-mails and decision events (REASON=…)")
    on.add_argument("--scope", default="all", help="all (default), quota or investigation (SCOPE=…)")
    off = sub.add_parser("off", help="unmute (make unmute)")
    for command in (on, off):
        command.add_argument("--stack", default="", help="CloudFormation stack name (STACK=…)")
        command.add_argument("--region", help="the stack's region (REGION=…)")
        command.add_argument("--profile", help="AWS profile")
        add_debug_flag(command)
    return p


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None,
         client: ClientFactory | None = None, now: datetime | None = None) -> int:
    args = parser().parse_args(argv)
    stdout = out or sys.stdout

    def run() -> int:
        if args.command == "on":
            request = mute_request(args)
            return mute_on(request, stdout, client or session_clients(args.region, args.profile),
                           now or datetime.now(timezone.utc))
        stack = _require(args.stack, "STACK")  # before any AWS call, like mute_request
        return mute_off(stack, stdout, client or session_clients(args.region, args.profile))

    return guarded(run, debug=args.debug, prog=f"make {'mute' if args.command == 'on' else 'unmute'}", err=err)

