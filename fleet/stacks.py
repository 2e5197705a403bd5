"""Apply one stack: create, update, delete, or delete-and-recreate a failed one; wait; explain."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from bundle.cli_errors import describe
from fleet.artifacts import template_source
from fleet.aws import Clients, error_message
from fleet.model import Desired
from fleet.observe import observe_stack, observe_stack_id
from fleet.plan import Action, decide_stack
from fleet.report import Outcome, Reporter
from fleet.template import Template
from fleet.waiting import Poller, TimedOut

CAPABILITIES = ["CAPABILITY_NAMED_IAM"]  # the template names its IAM roles
NO_UPDATES = "No updates are to be performed"
_STARTS = {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS"}


def _as_parameters(values: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]


def as_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def root_cause(cfn: Any, stack_id: str) -> str | None:
    """The first FAILED event of the latest operation: the resource that really failed, not the
    cascade of "Resource creation cancelled" that follows it."""
    events: list[Mapping[str, Any]] = []
    for page in cfn.get_paginator("describe_stack_events").paginate(StackName=stack_id):
        events.extend(page["StackEvents"])
    events.sort(key=lambda e: e.get("Timestamp") or datetime.min)
    starts = [i for i, e in enumerate(events)
              if e.get("ResourceType") == "AWS::CloudFormation::Stack" and e.get("ResourceStatus") in _STARTS
              and e.get("PhysicalResourceId") in (stack_id, None) and e.get("ResourceStatusReason") == "User Initiated"]
    for event in events[starts[-1] if starts else 0:]:
        reason = event.get("ResourceStatusReason") or ""
        if event.get("ResourceStatus", "").endswith("FAILED") and "cancelled" not in reason.lower():
            return f"{event['LogicalResourceId']} ({event.get('ResourceType')}) {event['ResourceStatus']}: {reason}"
    return None


class StackApplier:
    def __init__(self, clients: Clients, template: Template, poller: Poller, report: Reporter) -> None:
        self.clients, self.template, self.poller, self.report = clients, template, poller, report

    def apply(self, desired: Desired) -> Outcome:
        """Re-reads the stack first, so a re-run (or an interrupted run) continues where it is."""
        name = desired.deployment.name
        where = f"{desired.account} {desired.region}"
        cfn = self.clients.cloudformation(desired.region)
        try:
            state = observe_stack(cfn, name, self.template)
            if state is not None and state.busy:
                self._wait(cfn, state.stack_id, name, where)
                state = observe_stack(cfn, name, self.template)
            plan = decide_stack(desired, state)
            action = plan.action
            if action is Action.NO_CHANGE:
                return Outcome(name, where, action, True, "; ".join(plan.reasons))
            if action is Action.BLOCKED:
                return Outcome(name, where, action, False, "; ".join(plan.reasons))
            self.report.line(f"  >> {action.value} {name} {where}")
            if action in (Action.DELETE, Action.RECREATE):
                assert state is not None
                cfn.delete_stack(StackName=state.stack_id)
                final = self._wait(cfn, state.stack_id, name, where)
                if final != "DELETE_COMPLETE":
                    return Outcome(name, where, action, False, self._cause(cfn, state.stack_id, final))
                if action is Action.DELETE:
                    return Outcome(name, where, action, True)
            if action in (Action.CREATE, Action.RECREATE):
                stack_id = cfn.create_stack(StackName=name, **self._body(desired), **self._common(desired))["StackId"]
                final = self._wait(cfn, stack_id, name, where)
                return Outcome(name, where, action, final == "CREATE_COMPLETE",
                               "" if final == "CREATE_COMPLETE" else self._cause(cfn, stack_id, final))
            assert state is not None and action is Action.UPDATE
            try:
                cfn.update_stack(StackName=state.stack_id, **self._body(desired), **self._common(desired))
            except ClientError as exc:
                if NO_UPDATES in error_message(exc):
                    return Outcome(name, where, Action.NO_CHANGE, True, "CloudFormation: no updates to perform")
                raise
            final = self._wait(cfn, state.stack_id, name, where)
            return Outcome(name, where, action, final == "UPDATE_COMPLETE",
                           "" if final == "UPDATE_COMPLETE" else self._cause(cfn, state.stack_id, final))
        except TimedOut as exc:
            return Outcome(name, where, Action.WAIT, False, f"{exc}; run apply again to pick it up")
        except ClientError as exc:
            return Outcome(name, where, Action.BLOCKED, False, f"{exc.operation_name}: {error_message(exc)}")
        except Exception as exc:  # noqa: BLE001 - e.g. an HTTP 500 the SDK cannot parse: this target failed, the others go on
            return Outcome(name, where, Action.BLOCKED, False, describe(exc))

    def _body(self, desired: Desired) -> dict[str, Any]:
        return template_source(self.clients, self.template, desired.parameters["LambdaS3Bucket"], desired.region)

    @staticmethod
    def _common(desired: Desired) -> dict[str, Any]:
        return {"Parameters": _as_parameters(desired.parameters), "Capabilities": CAPABILITIES,
                "Tags": as_tags(desired.deployment.tags)}

    def _wait(self, cfn: Any, stack_id: str, name: str, where: str) -> str:
        def probe() -> tuple[bool, str]:
            status = observe_stack_id(cfn, stack_id).status
            return not status.endswith("_IN_PROGRESS"), status

        return self.poller.wait(probe, lambda status, t: self.report.progress(name, where, status, t))

    @staticmethod
    def _cause(cfn: Any, stack_id: str, final: str) -> str:
        cause = root_cause(cfn, stack_id) or observe_stack_id(cfn, stack_id).reason or "no reason reported"
        return f"{final}; root cause: {cause}"
