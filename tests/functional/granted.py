"""Every AWS call a packaged handler makes must be granted to its role in the template.

`PackagedFunctions.load` wraps each handler with `granted_calls_only`: the calls the handler made
(from the fakes' call log, moto and fakes alike) are mapped to IAM actions and compared with the
actions of the function's role as `build_template` renders it. A call the role does not allow
fails the test that made it, so a permission missing from templates/iam.py shows up in the
functional tests instead of as AccessDenied in a customer's account.

Actions only, by design: resource ARNs and conditions are checked in tests/template/test_iam.py.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from tests.fakes.core import Call, checking_calls
from tests.functional import rendered

# boto3 client name → IAM service prefix, where they differ.
_PREFIX = {"service-quotas": "servicequotas"}
# Batch APIs authorised by their single-message action.
_ACTION = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
}


def iam_action(call: Call) -> str:
    action = f"{_PREFIX.get(call.service, call.service)}:{call.operation}"
    return _ACTION.get(action, action).lower()


@functools.lru_cache(maxsize=1)
def granted_actions() -> dict[str, frozenset[str]]:
    """Handler module name (``notification_processor``) → the lower-case actions its role allows."""
    resources = rendered.resources()
    by_role: dict[str, set[str]] = defaultdict(set)
    for logical_id, resource in resources.items():
        props = resource["Properties"]
        documents = [(logical_id, p["PolicyDocument"]) for p in props.get("Policies", [])]
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents += [(role["Ref"], props["PolicyDocument"]) for role in props.get("Roles", [])]
        for role, document in documents:
            for statement in document["Statement"]:
                if statement.get("Effect") == "Allow":
                    actions = statement["Action"]
                    by_role[role].update(a.lower() for a in (actions if isinstance(actions, list) else [actions]))
    return {
        props["Handler"].split(".")[0]: frozenset(by_role[props["Role"]["Fn::GetAtt"][0]])
        for props in (r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Function")
    }


def ungranted(function: str, calls: list[Call]) -> list[str]:
    allowed = granted_actions()[function]
    return sorted({f"{c.key} (needs {iam_action(c)})" for c in calls if iam_action(c) not in allowed})


def granted_calls_only(function: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` that fails with AssertionError after making a call its role does not allow."""

    def check(calls: list[Call]) -> None:
        missing = ungranted(function, calls)
        assert not missing, f"{function} made AWS calls its IAM role does not allow: {missing}"

    return checking_calls(handler, check)
