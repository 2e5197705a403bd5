"""Turn a deployment + target into the full, resolved parameter values of one stack."""
from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from fleet.model import PLACEHOLDER, Deployment, ParamValue, Problem, Target
from fleet.template import Template

PLACEHOLDERS = ("region", "account")


def _fill(text: str, context: Mapping[str, str], unknown: set[str]) -> str:
    def replace(match: Any) -> str:
        name = match.group(1)
        if name not in context:
            unknown.add(name)
            return match.group(0)
        return context[name]

    return PLACEHOLDER.sub(replace, text)


def _default_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def given_values(deployment: Deployment, target: Target) -> dict[str, ParamValue]:
    """What the user set for this target: entry name, defaults, entry values, target values."""
    return {
        "CustomerName": deployment.customer,
        "BedrockModelName": deployment.model,
        **deployment.parameters,
        **target.parameters,
    }


def resolve_parameters(
    deployment: Deployment, target: Target, account: str, template: Template, where: str
) -> tuple[dict[str, str], list[Problem]]:
    """Every template parameter as a string; placeholders filled; template defaults for the rest."""
    problems: list[Problem] = []
    context = {"region": target.region, "account": account}
    resolved: dict[str, str] = {}
    for name, value in given_values(deployment, target).items():
        if name not in template.parameters:
            close = difflib.get_close_matches(name, list(template.parameters), n=1)
            problems.append(Problem(where, f"parameters.{name}", "not a parameter of the template",
                                    f"rename it to `{close[0]}`" if close else "remove it"))
            continue
        unknown: set[str] = set()
        items = value if isinstance(value, (list, tuple)) else (value,)
        text = ",".join(_fill(str(item), context, unknown) for item in items)
        for placeholder in sorted(unknown):
            problems.append(Problem(where, f"parameters.{name}", f"unknown placeholder {{{placeholder}}}",
                                    f"use one of {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"))
        resolved[name] = text
    for name, declaration in template.parameters.items():
        if name not in resolved and "Default" in declaration:
            resolved[name] = _default_text(declaration["Default"])
    return resolved, problems
