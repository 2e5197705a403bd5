"""Apply one service-managed StackSet: the set itself, then its instances, one operation at a time
(a stack set runs one operation at a time); wait; explain failures per account and region."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from bundle.cli_errors import describe
from fleet.artifacts import template_source
from fleet.aws import Clients, error_message
from fleet.model import Deployment, Desired, Target
from fleet.observe import observe_stack_set
from fleet.plan import Action, InstancePlan, StackSetPlan, decide_stack_set
from fleet.report import Outcome, Reporter
from fleet.resolve import resolve_parameters
from fleet.stacks import CAPABILITIES, as_tags
from fleet.template import Template
from fleet.waiting import Poller, TimedOut

# Regions in parallel; stop at the first failure so one bad account does not hide behind many.
PREFERENCES = {"RegionConcurrencyType": "PARALLEL", "MaxConcurrentPercentage": 100, "FailureToleranceCount": 0}
DONE = ("SUCCEEDED", "FAILED", "STOPPED")


def _params(values: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]


def batches(instances: Iterable[InstancePlan]) -> list[tuple[dict[str, str], list[str], list[str]]]:
    """Group instances into calls: one call covers accounts × regions with the same overrides."""
    by_overrides: dict[tuple[tuple[str, str], ...], dict[str, set[str]]] = {}
    for inst in instances:
        key = tuple(sorted(inst.overrides.items()))
        by_overrides.setdefault(key, {}).setdefault(inst.account, set()).add(inst.region)
    calls = []
    for key, regions_by_account in by_overrides.items():
        by_regions: dict[frozenset[str], list[str]] = {}
        for account, regions in sorted(regions_by_account.items()):
            by_regions.setdefault(frozenset(regions), []).append(account)
        for region_set, accounts in by_regions.items():
            calls.append((dict(key), accounts, sorted(region_set)))
    return calls


class StackSetApplier:
    def __init__(self, clients: Clients, template: Template, poller: Poller, report: Reporter,
                 call_as: str = "SELF", template_bucket: str | None = None) -> None:
        self.clients, self.template, self.poller, self.report = clients, template, poller, report
        self.call_as, self.template_bucket = call_as, template_bucket
        self.cfn = clients.cloudformation()

    def apply(self, deployment: Deployment, desired: Sequence[Desired]) -> list[Outcome]:
        name = deployment.name
        outcomes: list[Outcome] = []
        try:
            state = observe_stack_set(self.cfn, name, self.template, self.call_as)
            for operation in state.running_operations if state else ():
                self._wait(name, operation, "running operation")
            plan = decide_stack_set(deployment, desired, observe_stack_set(self.cfn, name, self.template, self.call_as))
            if plan.action is Action.CREATE:
                self.report.line(f"  >> CREATE {name} (stack set)")
                self.cfn.create_stack_set(StackSetName=name, **self._body(deployment), **self._common(plan),
                                          PermissionModel="SERVICE_MANAGED", AutoDeployment={"Enabled": False},
                                          ManagedExecution={"Active": True}, CallAs=self.call_as)
                outcomes.append(Outcome(name, "stack set", Action.CREATE, True))
            elif plan.action is Action.UPDATE:
                outcomes.append(self._operation(plan, Action.UPDATE, "stack set", lambda: self.cfn.update_stack_set(
                    StackSetName=name, **self._body(deployment), **self._common(plan),
                    OperationPreferences=PREFERENCES, CallAs=self.call_as)))
            for action, call in ((Action.DELETE, self._delete), (Action.CREATE, self._create), (Action.UPDATE, self._update)):
                chosen = [i for i in plan.instances if i.action is action]
                for overrides, accounts, regions in batches(chosen):
                    where = f"{','.join(accounts)} {','.join(regions)}"
                    outcomes.append(self._operation(plan, action, where, partial(call, plan, overrides, accounts, regions)))
            outcomes += [Outcome(name, f"{i.account} {i.region}", i.action, i.action is Action.NO_CHANGE, "; ".join(i.reasons))
                         for i in plan.instances if i.action in (Action.NO_CHANGE, Action.BLOCKED)]
            if plan.action is Action.DELETE and all(o.ok for o in outcomes):
                self.cfn.delete_stack_set(StackSetName=name, CallAs=self.call_as)
                outcomes.append(Outcome(name, "stack set", Action.DELETE, True))
        except TimedOut as exc:
            outcomes.append(Outcome(name, "stack set", Action.WAIT, False, f"{exc}; run apply again to pick it up"))
        except ClientError as exc:
            outcomes.append(Outcome(name, "stack set", Action.BLOCKED, False, f"{exc.operation_name}: {error_message(exc)}"))
        except Exception as exc:  # noqa: BLE001 - as for stacks: record the failure, go on with the next set
            outcomes.append(Outcome(name, "stack set", Action.BLOCKED, False, describe(exc)))
        return outcomes

    # --- the three instance operations; service-managed sets address accounts through the OU ---
    def _targets(self, plan: StackSetPlan, accounts: list[str]) -> dict[str, Any]:
        return {"OrganizationalUnitIds": [plan.deployment.organizational_unit], "Accounts": accounts,
                "AccountFilterType": "INTERSECTION"}

    def _create(self, plan: StackSetPlan, overrides: dict[str, str], accounts: list[str], regions: list[str]) -> Any:
        return self.cfn.create_stack_instances(
            StackSetName=plan.deployment.name, DeploymentTargets=self._targets(plan, accounts), Regions=regions,
            ParameterOverrides=_params(overrides), OperationPreferences=PREFERENCES, CallAs=self.call_as)

    def _update(self, plan: StackSetPlan, overrides: dict[str, str], accounts: list[str], regions: list[str]) -> Any:
        # The full override list: parameters left out go back to the stack set's value.
        return self.cfn.update_stack_instances(
            StackSetName=plan.deployment.name, DeploymentTargets=self._targets(plan, accounts), Regions=regions,
            ParameterOverrides=_params(overrides), OperationPreferences=PREFERENCES, CallAs=self.call_as)

    def _delete(self, plan: StackSetPlan, overrides: dict[str, str], accounts: list[str], regions: list[str]) -> Any:
        return self.cfn.delete_stack_instances(
            StackSetName=plan.deployment.name, DeploymentTargets=self._targets(plan, accounts), Regions=regions,
            RetainStacks=False, OperationPreferences=PREFERENCES, CallAs=self.call_as)

    def _operation(self, plan: StackSetPlan, action: Action, where: str, start: Callable[[], Any]) -> Outcome:
        name = plan.deployment.name
        self.report.line(f"  >> {action.value} {name} {where}")
        operation = start()["OperationId"]
        final = self._wait(name, operation, where)
        if final == "SUCCEEDED":
            return Outcome(name, where, action, True)
        return Outcome(name, where, action, False, f"{final}; root cause: {self.failure(name, operation)}")

    def _wait(self, name: str, operation: str, where: str) -> str:
        def probe() -> tuple[bool, str]:
            status = self.cfn.describe_stack_set_operation(
                StackSetName=name, OperationId=operation, CallAs=self.call_as)["StackSetOperation"]["Status"]
            return status in DONE, status

        return self.poller.wait(probe, lambda status, t: self.report.progress(name, where, status, t))

    def failure(self, name: str, operation: str) -> str:
        """The operation's StatusReason and each failed account/region with its own reason."""
        op = self.cfn.describe_stack_set_operation(StackSetName=name, OperationId=operation,
                                                   CallAs=self.call_as)["StackSetOperation"]
        parts = [op["StatusReason"]] if op.get("StatusReason") else []
        paginator = self.cfn.get_paginator("list_stack_set_operation_results")
        for page in paginator.paginate(StackSetName=name, OperationId=operation, CallAs=self.call_as):
            parts += [f"{r['Account']} {r['Region']}: {r.get('StatusReason') or r['Status']}"
                      for r in page["Summaries"] if r.get("Status") in ("FAILED", "CANCELLED")]
        return "; ".join(parts) or "no reason reported"

    def _body(self, deployment: Deployment) -> dict[str, Any]:
        bucket = self.template_bucket
        if bucket is None and not self.template.fits_inline:
            # The set lives in the home region: its template goes to that region's artifact bucket.
            region = self.clients.home_region
            values, _ = resolve_parameters(deployment, Target(region=region), self.clients.account, self.template, "")
            bucket = values["LambdaS3Bucket"]
        return template_source(self.clients, self.template, bucket or "", self.clients.home_region)

    @staticmethod
    def _common(plan: StackSetPlan) -> dict[str, Any]:
        return {"Parameters": _params(plan.parameters), "Capabilities": CAPABILITIES, "Tags": as_tags(plan.deployment.tags)}
