"""Read the original sample's DynamoDB registry table into deployments.

One row per stack: ``AccountId``, ``DeploymentTarget`` = ``<Region>#<CustomerName>#<BedrockModelName>``,
``Status``, ``OrganizationalUnitId``, ``Tags`` and one column per template parameter. Rows of the
same customer + model become one deployment with one target per row.
"""
from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from bundle.cli_errors import UserError
from fleet.model import Deployment, Loaded, ParamValue, Problem, Status, Target

ROW_KEYS = ("AccountId", "DeploymentTarget", "Status", "OrganizationalUnitId", "Tags")
_ACTIVE = {"", "active", "deploy", "deployed", "create", "created", "update", "updated"}
_DELETE = {"delete", "deleted", "remove", "removed", "inactive"}


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    return "" if value is None else str(value)


def _param(value: Any) -> ParamValue:
    if isinstance(value, (list, set, tuple)):
        return tuple(sorted(_text(v) for v in value) if isinstance(value, set) else (_text(v) for v in value))
    return _text(value)


def _tags(where: str, value: Any, problems: list[Problem]) -> dict[str, str]:
    if isinstance(value, str) and value.strip():
        try:
            value = json.loads(value)
        except ValueError:
            problems.append(Problem(where, "Tags", "is not JSON", 'store a map, or JSON such as {"team": "ai"}'))
            return {}
    if isinstance(value, Mapping):
        return {str(k): _text(v) for k, v in value.items()}
    if isinstance(value, list) and all(isinstance(t, Mapping) and "Key" in t for t in value):
        return {str(t["Key"]): _text(t.get("Value")) for t in value}
    if value not in (None, ""):
        problems.append(Problem(where, "Tags", f"unsupported shape {value!r}", "store a map {key: value} or a list of {Key, Value}"))
    return {}


def _status(where: str, value: Any, problems: list[Problem]) -> Status:
    text = _text(value).strip().lower()
    if text in _ACTIVE:
        return Status.ACTIVE
    if text in _DELETE:
        return Status.DELETE
    problems.append(Problem(where, "Status", f"unknown status {value!r}", "use ACTIVE or DELETE"))
    return Status.ACTIVE


def rows_to_deployments(rows: Iterable[Mapping[str, Any]], parameter_names: Iterable[str]) -> Loaded:
    """Group registry rows by customer + model (pure: takes already deserialised rows)."""
    known = (*ROW_KEYS, *parameter_names)
    problems: list[Problem] = []
    groups: dict[tuple[str, str], list[tuple[str, Mapping[str, Any], Target]]] = {}
    for index, row in enumerate(rows):
        target_key = _text(row.get("DeploymentTarget"))
        where = f"registry row {index} ({target_key or 'no DeploymentTarget'})"
        for column in row:
            if column not in known:
                close = difflib.get_close_matches(column, known, n=1)
                problems.append(Problem(where, column, "unknown column",
                                        f"rename it to `{close[0]}`" if close else "remove it (not a template parameter)"))
        parts = target_key.split("#")
        if len(parts) != 3 or not all(parts):
            problems.append(Problem(where, "DeploymentTarget", f"malformed value {target_key!r}",
                                    "write <Region>#<CustomerName>#<BedrockModelName>, e.g. us-east-1#Acme#G-Opus-4-6"))
            continue
        region, customer, model = parts
        params = {k: _param(v) for k, v in row.items() if k not in ROW_KEYS and k in known}
        for column, value in (("CustomerName", customer), ("BedrockModelName", model)):
            if column in params and params.pop(column) != value:
                problems.append(Problem(where, column, f"differs from DeploymentTarget ({value!r})",
                                        "make the column and DeploymentTarget agree"))
        target = Target(region=region, account=_text(row.get("AccountId")) or None, parameters=params,
                        status=_status(where, row.get("Status"), problems))
        groups.setdefault((customer, model), []).append((where, row, target))
    deployments = []
    for (customer, model), members in groups.items():
        where, first, _ = members[0]
        ous = {_text(row.get("OrganizationalUnitId")) for _, row, _ in members}
        if len(ous) > 1:
            problems.append(Problem(where, "OrganizationalUnitId", f"rows of {customer}/{model} disagree: {sorted(ous)}",
                                    "one StackSet per customer + model targets one OU: use the same value in every row"))
        tag_sets = [_tags(w, row.get("Tags"), problems) for w, row, _ in members]
        if any(t != tag_sets[0] for t in tag_sets):
            problems.append(Problem(where, "Tags", f"rows of {customer}/{model} disagree",
                                    "tags apply to the whole stack set / every stack: use the same Tags in every row"))
        targets = tuple(t for _, _, t in members)
        deployments.append(Deployment(
            customer=customer, model=model, targets=targets, parameters={}, tags=tag_sets[0],
            source=f"registry {customer}#{model}", organizational_unit=_text(first.get("OrganizationalUnitId")) or None,
            status=Status.DELETE if all(t.status is Status.DELETE for t in targets) else Status.ACTIVE,
        ))
    return Loaded(tuple(deployments), tuple(problems))


def load_registry(table: str, dynamodb: Any, parameter_names: Iterable[str]) -> Loaded:
    """Scan the whole table (paginated) and group its rows."""
    deserializer = TypeDeserializer()
    try:
        rows = [
            {k: deserializer.deserialize(v) for k, v in item.items()}
            for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
            for item in page.get("Items", [])
        ]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        region = dynamodb.meta.region_name
        raise UserError(f"registry table {table} does not exist in {region}: check --registry-table, "
                        "and pass --region with the table's region") from None
    return rows_to_deployments(rows, parameter_names)
