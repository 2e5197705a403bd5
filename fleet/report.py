"""Line-based output that reads well in a terminal and in CI logs (no cursor tricks)."""
from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from fleet.model import Problem
from fleet.plan import Action, StackPlan, StackSetPlan


@dataclass(frozen=True)
class Outcome:
    """The result of applying one change."""

    name: str
    where: str  # "123456789012 us-east-1" or "stack set"
    action: Action
    ok: bool
    detail: str = ""


class Reporter:
    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout

    def line(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def progress(self, name: str, where: str, status: str, elapsed: float) -> None:
        self.line(f"  .. {name} {where}: {status} ({elapsed:.0f}s)")

    def problems(self, problems: Iterable[Problem]) -> None:
        problems = list(problems)
        if problems:
            self.line(f"Problems ({len(problems)}): nothing will be changed until they are fixed")
            for problem in problems:
                self.line(f"  ! {problem}")
            self.line()

    def plan(self, stacks: Iterable[StackPlan], stack_sets: Iterable[StackSetPlan]) -> Counter[Action]:
        tally: Counter[Action] = Counter()
        for item in stacks:
            d = item.desired
            tally[item.action] += 1
            self._change(item.action, f"{d.deployment.name} (stack) {d.account} {d.region}", item.reasons)
        for plan in stack_sets:
            ou = plan.deployment.organizational_unit
            tally[plan.action] += 1
            self._change(plan.action, f"{plan.deployment.name} (stack set, {ou})", plan.reasons)
            for inst in plan.instances:
                tally[inst.action] += 1
                self._change(inst.action, f"{plan.deployment.name} instance {inst.account} {inst.region}", inst.reasons)
            for account, region in plan.unlisted:
                self.line(f"  {'UNLISTED':10} {plan.deployment.name} instance {account} {region}")
                self.line("             exists but the manifest does not list it: add it, or list it with `status: delete`")
        return tally

    def _change(self, action: Action, what: str, reasons: Iterable[str]) -> None:
        self.line(f"  {action.value:10} {what}")
        for reason in reasons:
            self.line(f"             {reason}")

    def summary(self, tally: Counter[Action], problems: int) -> None:
        parts = [f"{tally[a]} {a.value.lower()}" for a in Action if tally[a]]
        self.line(f"Plan: {', '.join(parts) or 'nothing'}; {problems} problem(s)")

    def outcome(self, outcome: Outcome) -> None:
        mark = "ok" if outcome.ok else "FAILED"
        detail = f": {outcome.detail}" if outcome.detail else ""
        self.line(f"  {mark:6} {outcome.action.value:10} {outcome.name} {outcome.where}{detail}")

    def outcomes(self, outcomes: Iterable[Outcome]) -> None:
        outcomes = list(outcomes)
        failed = [o for o in outcomes if not o.ok]
        self.line()
        self.line(f"Applied: {len(outcomes) - len(failed)} succeeded, {len(failed)} failed")
        for outcome in failed:
            self.outcome(outcome)

    def table(self, rows: Iterable[tuple[str, ...]], header: tuple[str, ...]) -> None:
        rows = [header, *rows]
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        for row in rows:
            self.line("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
