"""Read the YAML manifest (kept in git) into deployments, reporting every malformed entry."""
from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from fleet.model import Deployment, Loaded, ParamValue, Problem, Status, Target
from fleet.template import read_text, yaml_problem

TOP_KEYS = ("defaults", "deployments")
DEFAULTS_KEYS = ("parameters", "tags")
DEPLOYMENT_KEYS = ("customer", "model", "targets", "organizational_unit", "parameters", "tags", "status")
TARGET_KEYS = ("region", "account", "parameters", "status")
# Set through `customer` / `model`, so that the stack name and the parameters cannot disagree.
NAMING_PARAMETERS = {"CustomerName": "customer", "BedrockModelName": "model"}


class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. YAML 1.1 would turn ``Yes``/``No`` (allowed values of
    several parameters) into booleans and silently change what the user wrote."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _unknown_keys(where: str, section: str, data: Mapping[str, Any], allowed: tuple[str, ...]) -> list[Problem]:
    problems = []
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"allowed keys: {', '.join(allowed)}"
            problems.append(Problem(where, f"{section}{key}", "unknown key", f"remove it; {hint}"))
    return problems


def _mapping(where: str, field: str, value: Any, problems: list[Problem]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(Problem(where, field, f"expected a mapping, got {type(value).__name__}", "write `key: value` lines"))
        return {}
    return value


def _text(value: Any) -> str | None:
    """Scalars as the strings CloudFormation will see; None when absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _status(where: str, field: str, value: Any, problems: list[Problem]) -> Status:
    try:
        return Status(str(value or "active").lower())
    except ValueError:
        problems.append(Problem(where, field, f"unknown status {value!r}", "use `active` or `delete`"))
        return Status.ACTIVE


def _parameters(where: str, field: str, value: Any, problems: list[Problem]) -> dict[str, ParamValue]:
    params = _mapping(where, field, value, problems)
    result: dict[str, ParamValue] = {}
    for key, raw in params.items():
        if key in NAMING_PARAMETERS:
            problems.append(Problem(where, f"{field}.{key}", "is set from the entry's name",
                                    f"remove it and use `{NAMING_PARAMETERS[key]}:` instead"))
        elif isinstance(raw, list):
            result[str(key)] = tuple(_text(v) or "" for v in raw)
        elif isinstance(raw, dict) or raw is None:
            problems.append(Problem(where, f"{field}.{key}", "has no value or a mapping as value",
                                    "give a string, a number or a list of strings"))
        else:
            result[str(key)] = _text(raw) or ""
    return result


def _tags(where: str, field: str, value: Any, problems: list[Problem]) -> dict[str, str]:
    return {str(k): _text(v) or "" for k, v in _mapping(where, field, value, problems).items()}


def _target(where: str, raw: Any, problems: list[Problem]) -> Target | None:
    if not isinstance(raw, dict):
        problems.append(Problem(where, "targets", f"malformed target {raw!r}",
                                "write `- region: us-east-1` (and `account: \"123456789012\"` for organizations)"))
        return None
    problems.extend(_unknown_keys(where, "targets.", raw, TARGET_KEYS))
    region = _text(raw.get("region"))
    if not region:
        problems.append(Problem(where, "targets.region", "missing", "add `region: <aws region>`"))
        return None
    return Target(
        region=region,
        account=_text(raw.get("account")),
        parameters=_parameters(where, "targets.parameters", raw.get("parameters"), problems),
        status=_status(where, "targets.status", raw.get("status"), problems),
    )


def _deployment(index: int, raw: Any, defaults: Mapping[str, Any], problems: list[Problem]) -> Deployment | None:
    where = f"deployments[{index}]"
    if not isinstance(raw, dict):
        problems.append(Problem(where, "", f"expected a mapping, got {raw!r}", "see fleet/examples/fleet.yaml"))
        return None
    customer, model = _text(raw.get("customer")), _text(raw.get("model"))
    where = f"{where} {customer}/{model}"
    problems.extend(_unknown_keys(where, "", raw, DEPLOYMENT_KEYS))
    missing = [k for k, v in (("customer", customer), ("model", model)) if not v]
    for key in missing:
        problems.append(Problem(where, key, "missing", f"add `{key}:` (it names the stack)"))
    raw_targets = raw.get("targets")
    if not isinstance(raw_targets, list) or not raw_targets:
        problems.append(Problem(where, "targets", "missing or not a list", "add `targets:` with at least one `- region: ...`"))
        raw_targets = []
    targets = [_target(f"{where} targets[{i}]", t, problems) for i, t in enumerate(raw_targets)]
    if missing:
        return None
    return Deployment(
        customer=customer or "",
        model=model or "",
        targets=tuple(t for t in targets if t is not None),
        parameters={**defaults["parameters"], **_parameters(where, "parameters", raw.get("parameters"), problems)},
        tags={**defaults["tags"], **_tags(where, "tags", raw.get("tags"), problems)},
        source=f"deployments[{index}]",
        organizational_unit=_text(raw.get("organizational_unit")),
        status=_status(where, "status", raw.get("status"), problems),
    )


def parse_manifest(text: str, name: str = "manifest") -> Loaded:
    problems: list[Problem] = []
    try:
        data = yaml.load(text, Loader=_Yaml12Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        return Loaded((), (Problem(name, "", f"not valid YAML: {yaml_problem(exc)}", "fix the syntax at the position shown"),))
    except RecursionError:
        return Loaded((), (Problem(name, "", "not valid YAML: nested deeper than the parser's stack", "flatten it"),))
    if not isinstance(data, dict):
        return Loaded((), (Problem(name, "", "the manifest is not a mapping", "start with `deployments:`"),))
    problems.extend(_unknown_keys(name, "", data, TOP_KEYS))
    raw_defaults = _mapping(name, "defaults", data.get("defaults"), problems)
    problems.extend(_unknown_keys(name, "defaults.", raw_defaults, DEFAULTS_KEYS))
    defaults = {
        "parameters": _parameters(name, "defaults.parameters", raw_defaults.get("parameters"), problems),
        "tags": _tags(name, "defaults.tags", raw_defaults.get("tags"), problems),
    }
    raw_deployments = data.get("deployments")
    if not isinstance(raw_deployments, list):
        problems.append(Problem(name, "deployments", "missing or not a list",
                                "add `deployments:` with one `- customer: ...` entry per model"))
        raw_deployments = []
    deployments = [_deployment(i, raw, defaults, problems) for i, raw in enumerate(raw_deployments)]
    return Loaded(tuple(d for d in deployments if d is not None), tuple(problems))


def load_manifest(path: Path) -> Loaded:
    try:
        text = read_text(path)
    except ValueError as exc:
        return Loaded((), (Problem(str(path), "", str(exc), "save it as UTF-8"),))
    return parse_manifest(text, name=str(path))
