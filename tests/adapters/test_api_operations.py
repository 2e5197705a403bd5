"""ops_alert_aws.api_operations names every AWS operation functions/ calls, and nothing else.

The layer's service models carry only the declared operations (bundle/service_models.py): an
operation called but not declared would be missing from the client on Lambda. The calls are found
in the source: ``client("sns").publish(...)``, ``support(retry=False).create_case(...)``, a client held
in a variable (``cw = client("cloudwatch")``, ``self.ddb = client("dynamodb")``),
``get_paginator("list_subscriptions_by_topic")``, and an operation name handed to a helper that calls
``getattr(support(), operation)`` or ``get_paginator(operation)``.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name

from ops_alert_aws.api_operations import OPERATIONS

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
# Client methods that are not operations.
CLIENT_METHODS = {"get_paginator", "can_paginate", "get_waiter", "close", "generate_presigned_url"}


def _service(node: ast.expr) -> str | None:
    """The service of ``client("svc", ...)`` or ``support(...)``; None for any other expression."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "support":
            return "support"
        if node.func.id == "client":
            first = node.args[0] if node.args else None
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), \
                f"line {node.lineno}: client() with a service name that is not a literal"
            return first.value
    return None


def _target(node: ast.expr) -> str | None:
    return ast.unparse(node) if isinstance(node, ast.Name | ast.Attribute) else None


def _parameters(function: ast.FunctionDef) -> list[str]:
    return [a.arg for a in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]]


def called_operations(source: str, where: str = "<source>") -> dict[str, set[str]]:
    """Service → snake_case operations called in one module's source."""
    tree = ast.parse(source, where)
    held: dict[str, str] = {}  # "cw", "self.ddb" → service
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and (service := _service(node.value)):
            for target in node.targets:
                name = _target(target)
                assert name and held.get(name, service) == service, f"{where}:{node.lineno}: {name} holds two clients"
                held[name] = service

    def service_of(node: ast.expr) -> str | None:
        return _service(node) or held.get(_target(node) or "")

    found: dict[str, set[str]] = defaultdict(set)
    # Helpers handed an operation name: (function name, parameter) → service
    helpers: dict[tuple[str, str], str] = {}
    pending: list[tuple[ast.FunctionDef, ast.Call, str, ast.expr]] = []  # (enclosing function, call, service, name)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    enclosing = {id(inner): f for f in functions for inner in ast.walk(f)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and (service := service_of(func.value)):
            if func.attr == "get_paginator":
                pending.append((enclosing.get(id(node)), node, service, node.args[0]))  # type: ignore[arg-type]
            elif func.attr not in CLIENT_METHODS:
                found[service].add(func.attr)
        elif isinstance(func, ast.Name) and func.id == "getattr" and (service := service_of(node.args[0])):
            pending.append((enclosing.get(id(node)), node, service, node.args[1]))  # type: ignore[arg-type]
    for function, node, service, name in pending:
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            found[service].add(name.value)
            continue
        assert function is not None and isinstance(name, ast.Name) and name.id in _parameters(function), \
            f"{where}:{node.lineno}: cannot tell which operation {ast.unparse(node)} calls"
        helpers[(function.name, name.id)] = service
    # Calls of those helpers name the operations (or hand them on: a helper of a helper).
    changed = True
    while changed:
        changed = False
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            definition = next((f for f in functions if f.name == node.func.id), None)
            if definition is None:
                continue
            parameters = _parameters(definition)
            passed = {**dict(zip(parameters, node.args, strict=False)), **{k.arg: k.value for k in node.keywords if k.arg}}
            for parameter, value in passed.items():
                service = helpers.get((definition.name, parameter))
                if service is None:
                    continue
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found[service].add(value.value)
                    continue
                caller = enclosing.get(id(node))
                assert caller is not None and isinstance(value, ast.Name) and value.id in _parameters(caller), \
                    f"{where}:{node.lineno}: cannot tell which operation {ast.unparse(node)} calls"
                if (caller.name, value.id) not in helpers:
                    helpers[(caller.name, value.id)] = service
                    changed = True
    return found


def calls_in_functions() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted(FUNCTIONS.rglob("*.py")):
        for service, operations in called_operations(path.read_text(), str(path)).items():
            found[service] |= operations
    return found


def _snake_names(service: str) -> dict[str, str]:
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


def test_every_call_in_the_functions_is_declared_and_every_declaration_is_called() -> None:
    called = calls_in_functions()
    assert set(called) == set(OPERATIONS)
    for service, operations in called.items():
        names = _snake_names(service)
        assert operations <= set(names), f"{service}: not operations of its model: {sorted(operations - set(names))}"
        assert {names[o] for o in operations} == OPERATIONS[service], service


SNIPPETS = [
    ('client("sns").publish(TopicArn=t)', {"sns": {"publish"}}),
    ('client("cloudwatch", raw_timestamps=True).get_metric_data()', {"cloudwatch": {"get_metric_data"}}),
    ('support(retry=False).create_case()', {"support": {"create_case"}}),
    ('cw = client("cloudwatch")\ncw.describe_alarms()', {"cloudwatch": {"describe_alarms"}}),
    ('class A:\n def __init__(self):\n  self.ddb = client("dynamodb")\n def f(self):\n  self.ddb.put_item()\n'
     '  self.ddb.exceptions.ConditionalCheckFailedException', {"dynamodb": {"put_item"}}),
    ('client("sns").get_paginator("list_subscriptions_by_topic")', {"sns": {"list_subscriptions_by_topic"}}),
    ('def _list(op):\n return client("service-quotas").get_paginator(op)\n_list("list_service_quotas")',
     {"service-quotas": {"list_service_quotas"}}),
    ('def _call(operation, **kw):\n return getattr(support(), operation)(**kw)\n'
     'def _with(operation, kw):\n return _call(operation, **kw)\n_call("describe_cases")\n_with("add_communication_to_case", {})',
     {"support": {"describe_cases", "add_communication_to_case"}}),
]


@pytest.mark.parametrize(("source", "expected"), SNIPPETS)
def test_the_calls_are_found_however_they_are_written(source: str, expected: dict[str, set[str]]) -> None:
    assert called_operations(source) == expected


@pytest.mark.parametrize("source", [
    'client(name).publish()',
    'getattr(support(), "create_" + kind)()',
    'def f(kind):\n return getattr(support(), kind)()\nf(kind_of_case())',
])
def test_a_call_whose_operation_cannot_be_told_fails(source: str) -> None:
    with pytest.raises(AssertionError, match=r"client|cannot tell"):
        called_operations(source)
