"""A deployed stack as the operator commands look it up (make drill, make mute): a stack or a
resource that is not there is one line saying what to check, never a traceback."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bundle.cli_errors import UserError


def missing_stack(exc: Exception) -> bool:
    """CloudFormation's answer for a stack, or a resource of it, that does not exist."""
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, Mapping) else None
    return code == "ValidationError" and "does not exist" in str(exc)


def described_stack(cfn: Any, stack: str) -> Mapping[str, Any]:
    """DescribeStacks of ``stack``; UserError when it does not exist in the client's region."""
    try:
        [found] = cfn.describe_stacks(StackName=stack)["Stacks"]
    except Exception as exc:
        if missing_stack(exc):
            raise UserError(f"stack {stack!r} does not exist in {cfn.meta.region_name}: check STACK and REGION") from exc
        raise
    return found


def stack_resource_id(cfn: Any, stack: str, logical_id: str, missing: str) -> str:
    """The physical ID of the stack's resource ``logical_id``; UserError(``missing``) without it."""
    try:
        detail = cfn.describe_stack_resource(StackName=stack, LogicalResourceId=logical_id)["StackResourceDetail"]
    except Exception as exc:
        if missing_stack(exc):
            raise UserError(missing) from exc
        raise
    return str(detail["PhysicalResourceId"])
