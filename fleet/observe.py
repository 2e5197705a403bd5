"""Read what exists: stacks, stack sets and their instances (read-only AWS calls)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from fleet.aws import error_message
from fleet.template import Template

BUSY_OPERATION = ("RUNNING", "QUEUED", "STOPPING")


@dataclass(frozen=True)
class StackState:
    stack_id: str
    status: str
    parameters: Mapping[str, str]
    tags: Mapping[str, str]
    template_same: bool | None  # None: not compared
    last_updated: datetime | None = None
    reason: str | None = None

    @property
    def busy(self) -> bool:
        return self.status.endswith("_IN_PROGRESS") and self.status != "REVIEW_IN_PROGRESS"


@dataclass(frozen=True)
class InstanceState:
    account: str
    region: str
    status: str  # CURRENT | OUTDATED | INOPERABLE
    detailed: str  # SUCCEEDED | FAILED | CANCELLED | PENDING | RUNNING | INOPERABLE ...
    reason: str | None
    overrides: Mapping[str, str]


@dataclass(frozen=True)
class StackSetState:
    status: str
    parameters: Mapping[str, str]
    tags: Mapping[str, str]
    template_same: bool | None
    instances: Mapping[tuple[str, str], InstanceState] = field(default_factory=dict)
    running_operations: tuple[str, ...] = ()
    last_updated: datetime | None = None


def _params(items: list[Mapping[str, Any]] | None) -> dict[str, str]:
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in items or []}


def _tags(items: list[Mapping[str, Any]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or []}


def _missing(exc: ClientError) -> bool:
    message = error_message(exc)
    return "does not exist" in message or exc.response["Error"]["Code"] in ("StackSetNotFoundException",)


def observe_stack(cfn: Any, name: str, template: Template | None) -> StackState | None:
    """The live stack named ``name`` (None if there is none); compare its template if given."""
    try:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as exc:
        if _missing(exc):
            return None
        raise
    return _stack_state(cfn, stack, template)


def observe_stack_id(cfn: Any, stack_id: str) -> StackState:
    """By id, so that a deleted stack still answers (DELETE_COMPLETE)."""
    return _stack_state(cfn, cfn.describe_stacks(StackName=stack_id)["Stacks"][0], None)


def _stack_state(cfn: Any, stack: Mapping[str, Any], template: Template | None) -> StackState:
    same = None
    if template is not None and stack["StackStatus"] not in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS"):
        same = template.same_as(cfn.get_template(StackName=stack["StackId"], TemplateStage="Original")["TemplateBody"])
    return StackState(
        stack_id=stack["StackId"], status=stack["StackStatus"], parameters=_params(stack.get("Parameters")),
        tags=_tags(stack.get("Tags")), template_same=same,
        last_updated=stack.get("LastUpdatedTime") or stack.get("CreationTime"), reason=stack.get("StackStatusReason"),
    )


def observe_stack_set(cfn: Any, name: str, template: Template | None, call_as: str = "SELF") -> StackSetState | None:
    try:
        stack_set = cfn.describe_stack_set(StackSetName=name, CallAs=call_as)["StackSet"]
    except ClientError as exc:
        if _missing(exc):
            return None
        raise
    if stack_set.get("Status") == "DELETED":
        return None
    instances = {}
    for page in cfn.get_paginator("list_stack_instances").paginate(StackSetName=name, CallAs=call_as):
        for summary in page["Summaries"]:
            # ListStackInstances has no ParameterOverrides; DescribeStackInstance has.
            detail = cfn.describe_stack_instance(StackSetName=name, StackInstanceAccount=summary["Account"],
                                                 StackInstanceRegion=summary["Region"], CallAs=call_as)["StackInstance"]
            key = (summary["Account"], summary["Region"])
            instances[key] = InstanceState(
                account=key[0], region=key[1], status=summary.get("Status", ""),
                detailed=summary.get("StackInstanceStatus", {}).get("DetailedStatus", ""),
                reason=summary.get("StatusReason"), overrides=_params(detail.get("ParameterOverrides")),
            )
    operations = cfn.list_stack_set_operations(StackSetName=name, CallAs=call_as).get("Summaries", [])
    ends = [op["EndTimestamp"] for op in operations if op.get("EndTimestamp")]
    return StackSetState(
        status=stack_set.get("Status", ""), parameters=_params(stack_set.get("Parameters")),
        tags=_tags(stack_set.get("Tags")),
        template_same=None if template is None else template.same_as(stack_set.get("TemplateBody", "")),
        instances=instances,
        running_operations=tuple(op["OperationId"] for op in operations if op.get("Status") in BUSY_OPERATION),
        last_updated=max(ends) if ends else None,
    )
