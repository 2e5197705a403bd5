"""``python -m fleet {plan,apply,status}``: the command line, nothing else.

Every failure ends in one line (bundle.cli_errors); ``--debug`` adds the traceback.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import boto3

from bundle.cli_errors import UserError, add_debug_flag, describe, guarded
from bundle.regions import check_region
from fleet.aws import Clients
from fleet.manifest import load_manifest
from fleet.model import Loaded, Mode
from fleet.observe import observe_stack, observe_stack_set
from fleet.plan import Action
from fleet.planner import FleetPlan, build_plan, resolve_fleet
from fleet.registry import load_registry
from fleet.report import Outcome, Reporter
from fleet.stacks import StackApplier
from fleet.stacksets import StackSetApplier
from fleet.template import Template, load_template
from fleet.waiting import Poller

EXIT_OK, EXIT_INVALID, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 1, 2, 130


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m fleet", description="Deploy Bedrock Ops Alert to many models, accounts and regions.")
    commands = top.add_subparsers(dest="command", required=True)
    for name, text in (("plan", "validate and show what apply would change (changes nothing)"),
                       ("apply", "create / update / delete stacks and stack set instances"),
                       ("status", "show the state of every deployment")):
        sub = commands.add_parser(name, help=text, description=text)
        source = sub.add_mutually_exclusive_group(required=True)
        source.add_argument("--manifest", type=Path, help="YAML manifest (see fleet/examples/fleet.yaml)")
        source.add_argument("--registry-table", help="the original sample's DynamoDB registry table")
        sub.add_argument("--template", type=Path, default=Path("build/template.yaml"), help="default: %(default)s")
        sub.add_argument("--region", help="home region: stack sets and the registry live here (default: AWS config)")
        sub.add_argument("--profile", help="AWS profile")
        sub.add_argument("--call-as", choices=("SELF", "DELEGATED_ADMIN"), default="SELF",
                         help="DELEGATED_ADMIN when running from a StackSets delegated administrator account")
        add_debug_flag(sub)
        if name == "plan":
            sub.add_argument("--offline", action="store_true",
                             help="only validate the manifest against the template: no AWS access, no credentials needed")
        if name == "apply":
            sub.add_argument("--yes", action="store_true", help="do not ask for confirmation")
            sub.add_argument("--timeout", type=float, default=3600.0,
                             help="seconds to wait per operation (default: %(default)g)")
            sub.add_argument("--template-bucket", help="bucket (home region) for templates over 51,200 bytes in stack sets")
    return top


EXAMPLE = Path("fleet/examples/fleet.yaml")


def _load(args: argparse.Namespace, clients: Clients | None, names: Sequence[str]) -> Loaded:
    if args.manifest:
        if not args.manifest.is_file():
            raise UserError(f"manifest {args.manifest} does not exist: copy the example (cp {EXAMPLE} {args.manifest}) "
                            "and edit it, or pass MANIFEST=path/to/fleet.yaml")
        return load_manifest(args.manifest)
    if clients is None:
        raise UserError("the registry table is in DynamoDB, so `plan --offline` needs --manifest")
    return load_registry(args.registry_table, clients.client("dynamodb"), names)


def _offline(report: Reporter, loaded: Loaded, template: Template, source: str) -> int:
    """Validation only: the manifest against the template, no AWS call (plan --offline)."""
    resolved = resolve_fleet(loaded, template, None)
    report.line(f"Offline check of {source} against {len(template.parameters)} template parameters (no AWS access)")
    report.line()
    for deployment in loaded.deployments:
        state = "INVALID" if deployment in resolved.invalid else "VALID"
        for target in deployment.targets:
            kind = "stack" if deployment.mode is Mode.STACK else f"stack set instance, {deployment.organizational_unit}"
            report.line(f"  {state:10} {deployment.name} ({kind}) {target.account or 'this account'} {target.region}")
    report.line()
    report.problems(resolved.problems)
    report.line(f"Offline: {len(loaded.deployments)} entries, {len(resolved.problems)} problem(s). Not checked without AWS: "
                "the artifact buckets, the caller's account, and what exists (run plan with credentials).")
    return EXIT_INVALID if resolved.problems else EXIT_OK


def _show(report: Reporter, plan: FleetPlan, title: str) -> None:
    report.line(title)
    report.line()
    tally = report.plan(plan.stacks, plan.stack_sets)
    for deployment in plan.invalid:
        report.line(f"  {'INVALID':10} {deployment.name} ({deployment.label})")
    report.line()
    report.problems(plan.problems)
    report.summary(tally, len(plan.problems))


def _has_changes(plan: FleetPlan) -> bool:
    quiet = (Action.NO_CHANGE,)
    return (any(s.action not in quiet for s in plan.stacks)
            or any(s.action not in quiet or any(i.action not in quiet for i in s.instances) for s in plan.stack_sets))


def _confirm(args: argparse.Namespace, stdin: TextIO, report: Reporter) -> bool:
    if args.yes:
        return True
    if not stdin.isatty():
        report.line("Refusing to apply without --yes: standard input is not a terminal.")
        return False
    report.out.write("Apply these changes? Only 'yes' is accepted: ")
    report.out.flush()
    return stdin.readline().strip() == "yes"


def _apply(args: argparse.Namespace, clients: Clients, plan: FleetPlan, template: Template, poller: Poller,
           report: Reporter) -> int:
    stacks = StackApplier(clients, template, poller, report)
    sets = StackSetApplier(clients, template, poller, report, args.call_as, args.template_bucket)
    outcomes: list[Outcome] = []
    report.line()
    report.line("Applying")
    for item in plan.stacks:
        outcome = stacks.apply(item.desired)
        report.outcome(outcome)
        outcomes.append(outcome)
    for set_plan in plan.stack_sets:
        for outcome in sets.apply(set_plan.deployment, plan.desired[set_plan.deployment.name]):
            report.outcome(outcome)
            outcomes.append(outcome)
    report.outcomes(outcomes)
    return EXIT_OK if all(o.ok for o in outcomes) else EXIT_INVALID


def _status(loaded: Loaded, clients: Clients, call_as: str, report: Reporter) -> int:
    rows = []
    clients.account  # noqa: B018 - credentials first: without them every row would fail the same way
    for deployment in loaded.deployments:
        name = deployment.name
        if deployment.mode is Mode.STACK:
            for target in deployment.targets:
                try:
                    stack = observe_stack(clients.cloudformation(target.region), name, None)
                except Exception as exc:  # noqa: BLE001 - one unreadable region does not hide the others
                    rows.append((name, "stack", target.account or clients.account, target.region,
                                 f"UNKNOWN: {describe(exc)}", "-", deployment.status.value))
                    continue
                rows.append((name, "stack", target.account or clients.account, target.region,
                             stack.status if stack else "ABSENT",
                             stack.last_updated.strftime("%Y-%m-%d %H:%M") if stack and stack.last_updated else "-",
                             deployment.status.value if target.status.value == "active" else "delete"))
            continue
        try:
            state = observe_stack_set(clients.cloudformation(), name, None, call_as)
        except Exception as exc:  # noqa: BLE001 - as above
            rows.append((name, "stack set", "-", clients.home_region, f"UNKNOWN: {describe(exc)}", "-", deployment.status.value))
            continue
        updated = state.last_updated.strftime("%Y-%m-%d %H:%M") if state and state.last_updated else "-"
        keys = [(t.account or "", t.region) for t in deployment.targets]
        keys += [k for k in (state.instances if state else {}) if k not in keys]
        for account, region in keys:
            inst = state.instances.get((account, region)) if state else None
            text = f"{inst.status}/{inst.detailed}" if inst else ("ABSENT" if state else "NO STACK SET")
            rows.append((name, "stack set", account, region, text, updated,
                         "unlisted" if (account, region) not in [(t.account, t.region) for t in deployment.targets]
                         else deployment.status.value))
    report.table(rows, ("NAME", "MODE", "ACCOUNT", "REGION", "STATUS", "LAST UPDATE", "MANIFEST"))
    report.problems(loaded.problems)
    return EXIT_INVALID if loaded.problems else EXIT_OK


def main(argv: Sequence[str] | None = None, *, session: boto3.session.Session | None = None,
         poller: Poller | None = None, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    return guarded(lambda: _run(argv, session, poller, stdin, out), debug="--debug" in argv, prog="python -m fleet",
                   err=out)


def _run(argv: list[str], session: boto3.session.Session | None, poller: Poller | None, stdin: TextIO | None,
         out: TextIO | None) -> int:
    args = parser().parse_args(argv)
    report = Reporter(out)
    try:
        template = load_template(args.template)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the template {args.template} ({exc}): run `make package` first") from None
    if getattr(args, "offline", False):
        return _offline(report, _load(args, None, list(template.parameters)), template, str(args.manifest))
    if args.region:
        check_region(args.region)
    session = session or boto3.session.Session(profile_name=args.profile)
    clients = Clients(session, args.region)
    check_region(clients.home_region)
    loaded = _load(args, clients, list(template.parameters))
    try:
        if args.command == "status":
            return _status(loaded, clients, args.call_as, report)
        plan = build_plan(loaded, template, clients, args.call_as)
        _show(report, plan, f"Plan for {args.manifest or 'registry ' + args.registry_table} (account {clients.account}, "
                            f"home region {clients.home_region})")
        if not plan.valid:
            return EXIT_INVALID
        if args.command == "plan" or not _has_changes(plan):
            return EXIT_OK
        if not _confirm(args, stdin or sys.stdin, report):
            return EXIT_REFUSED
        return _apply(args, clients, plan, template, poller or Poller(timeout=args.timeout), report)
    except KeyboardInterrupt:
        report.line("Interrupted. Operations already started continue in AWS; run apply again to finish the rest.")
        return EXIT_INTERRUPTED
