"""Targeted stand-ins for what moto 5.2.1's CloudFormation lacks. Requests are still built and
validated by botocore against the real API model; only moto's side is adjusted.

- moto ignores ``DeploymentTargets.Accounts`` + ``AccountFilterType=INTERSECTION`` of
  service-managed stack sets (it deploys to every account of the OU in its Organizations backend,
  and deletes/updates only top-level ``Accounts``): ``service_managed_targets`` copies those
  accounts to the top-level field moto reads, which gives the real service's result.
- moto creates a new instance's stack from its ParameterOverrides alone instead of the stack
  set's values with the overrides on top: ``merged_overrides`` merges them, and keeps only the
  overrides as the instance's ParameterOverrides, as the real service reports them.
- moto reports a CommaDelimitedList parameter as Python's repr of a list (``['a', 'b']``);
  ``comma_lists`` restores the ``a,b`` CloudFormation returns.
- moto completes every stack operation at once and never fails or rolls back: ``slow_stacks``
  leaves operations ``*_IN_PROGRESS`` until the fake clock sleeps; ``fail_create`` /
  ``fail_update`` turn a stack's create / update into the rollback CloudFormation would perform,
  with the events it would record.
- moto's stack set operations always succeed: ``fail_stack_set_operation`` marks one FAILED and
  adds the StatusReason / per-account results the real service returns.
"""
from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto.cloudformation.models import Event, StackSet, cloudformation_backends

ACCOUNT = "123456789012"


def service_managed_targets(session: boto3.session.Session) -> None:
    def copy_accounts(params: dict[str, Any], **_: Any) -> None:
        body = params["body"]
        for key in [k for k in body if k.startswith("DeploymentTargets.Accounts.member.")]:
            body[key.removeprefix("DeploymentTargets.")] = body[key]

    for operation in ("CreateStackInstances", "UpdateStackInstances", "DeleteStackInstances"):
        session.events.register(f"before-call.cloudformation.{operation}", copy_accounts)


def merged_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    original = StackSet.create_stack_instances

    def create(self: StackSet, accounts: list[str], regions: list[str], deployment_targets: Any,
               parameters: list[dict[str, Any]]) -> str:
        overrides = list(parameters or [])
        values = {**self.parameters, **{p["ParameterKey"]: p["ParameterValue"] for p in overrides}}
        before = len(self.instances.stack_instances)
        operation = original(self, accounts, regions, deployment_targets,
                             [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()])
        for instance in self.instances.stack_instances[before:]:
            instance.parameters = overrides
        return operation

    monkeypatch.setattr(StackSet, "create_stack_instances", create)


def comma_lists(session: boto3.session.Session) -> None:
    def restore(parsed: dict[str, Any], **_: Any) -> None:
        for stack in parsed.get("Stacks", []):
            for parameter in stack.get("Parameters", []):
                value = parameter.get("ParameterValue", "")
                if value.startswith("[") and value.endswith("]"):
                    parameter["ParameterValue"] = ",".join(ast.literal_eval(value))

    session.events.register("after-call.cloudformation.DescribeStacks", restore)


def _stack(stack_id: str) -> Any:
    region = stack_id.split(":")[3]
    return cloudformation_backends[ACCOUNT][region].get_stack(stack_id)


def _event(stack: Any, logical: str, kind: str, status: str, reason: str | None) -> None:
    physical = stack.stack_id if kind == "AWS::CloudFormation::Stack" else f"{logical}-physical"
    stack.events.append(Event(stack.stack_id, stack.name, logical, physical, kind, status, reason, None))


def slow_stacks(session: boto3.session.Session, clock: Any) -> list[str]:
    """Operations stay IN_PROGRESS until the next sleep. Returns the ids it has slowed."""
    pending: list[str] = []

    def slow(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if "StackId" in parsed:
            stack = _stack(parsed["StackId"])
            stack.status = stack.status.replace("_COMPLETE", "_IN_PROGRESS")
            pending.append(parsed["StackId"])

    def tick() -> None:
        while pending:
            stack = _stack(pending.pop())
            stack.status = stack.status.replace("_IN_PROGRESS", "_COMPLETE")

    for operation in ("CreateStack", "UpdateStack"):
        session.events.register(f"after-call.cloudformation.{operation}", slow)
    clock.on_sleep.append(tick)
    return pending


def fail_create(session: boto3.session.Session, stack_name: str, reason: str) -> Callable[[], None]:
    """The next CreateStack of ``stack_name`` rolls back because QuotaUtilsLayer fails."""
    armed = [True]

    def fail(parsed: dict[str, Any], **_: Any) -> None:
        if not armed[0] or parsed.get("StackId", "").split("/")[1:2] != [stack_name]:
            return
        armed[0] = False
        stack = _stack(parsed["StackId"])
        stack.events = [e for e in stack.events if e.resource_status != "CREATE_COMPLETE"]
        _event(stack, "FunctionsLayer", "AWS::Lambda::LayerVersion", "CREATE_IN_PROGRESS", None)
        _event(stack, "QuotaUtilsLayer", "AWS::Lambda::LayerVersion", "CREATE_FAILED", reason)
        _event(stack, "FunctionsLayer", "AWS::Lambda::LayerVersion", "CREATE_FAILED", "Resource creation cancelled")
        _event(stack, stack.name, "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS",
               "The following resource(s) failed to create: [QuotaUtilsLayer, FunctionsLayer].")
        _event(stack, stack.name, "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", None)
        stack.status = "ROLLBACK_COMPLETE"

    session.events.register("after-call.cloudformation.CreateStack", fail)
    return lambda: armed.__setitem__(0, True)


def fail_update(session: boto3.session.Session, stack_name: str, reason: str) -> None:
    """The next UpdateStack of ``stack_name`` rolls back: the stack keeps its old parameters."""
    armed = [True]

    def fail(params: dict[str, Any], model: Any, **_: Any) -> Any:
        body = params["body"]
        stack_ref = body.get("StackName")
        if not armed[0] or not stack_ref:
            return None
        stack = _stack(stack_ref) if stack_ref.startswith("arn:") else None
        if stack is None or stack.name != stack_name:
            return None
        armed[0] = False
        _event(stack, stack.name, "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated")
        _event(stack, "QuotaUtilsLayer", "AWS::Lambda::LayerVersion", "UPDATE_FAILED", reason)
        _event(stack, stack.name, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [QuotaUtilsLayer].")
        _event(stack, stack.name, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE", None)
        stack.status = "UPDATE_ROLLBACK_COMPLETE"
        # A before-call handler that returns a response short-circuits the request, as the
        # botocore Stubber does: moto never applies the update, like a real rollback.
        return _http_ok(), {"StackId": stack.stack_id, "ResponseMetadata": {"HTTPStatusCode": 200}}

    session.events.register("before-call.cloudformation.UpdateStack", fail)


def _http_ok() -> Any:
    from botocore.awsrequest import AWSResponse

    return AWSResponse("https://cloudformation.amazonaws.com/", 200, {}, None)


def fail_stack_set_operation(session: boto3.session.Session, operation: str, account: str, reason: str) -> None:
    """The next ``operation`` (e.g. CreateStackInstances) that includes ``account`` fails there."""
    state: dict[str, Any] = {"armed": True, "id": None}

    def mark(parsed: dict[str, Any], **_: Any) -> None:
        if not state["armed"] or "OperationId" not in parsed:
            return
        for backend in cloudformation_backends[ACCOUNT].values():
            for stack_set in backend.stacksets.values():
                for op in stack_set.operations:
                    if op["OperationId"] == parsed["OperationId"] and any(account in i for i in op["Instances"]):
                        op["Status"] = "FAILED"
                        state.update(armed=False, id=op["OperationId"])

    def describe(parsed: dict[str, Any], **_: Any) -> None:
        op = parsed.get("StackSetOperation", {})
        if op.get("OperationId") == state["id"]:
            op["StatusReason"] = "The Operation failed because one or more instances failed."

    def results(parsed: dict[str, Any], **_: Any) -> None:
        for summary in parsed.get("Summaries", []):
            if summary["Account"] == account:
                summary["StatusReason"] = reason
            else:
                summary["Status"] = "SUCCEEDED"

    session.events.register(f"after-call.cloudformation.{operation}", mark)
    session.events.register("after-call.cloudformation.DescribeStackSetOperation", describe)
    session.events.register("after-call.cloudformation.ListStackSetOperationResults", results)
