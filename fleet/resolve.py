"""Turn a deployment + target into the full, resolved parameter values of one stack."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fleet.model import PLACEHOLDER, Deployment, ParamValue, Problem, Target
from fleet.template import Template
from fleet.validate import check_names, with_defaults

PLACEHOLDERS = ("region", "account")


def _fill(text: str, context: Mapping[str, str], unknown: set[str]) -> str:
    def replace(match: Any) -> str:
        name = match.group(1)
        if name not in context:
            unknown.add(name)
            return match.group(0)
        return context[name]

    return PLACEHOLDER.sub(replace, text)


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
    given = given_values(deployment, target)
    problems += check_names(given, template.parameters, where)
    for name, value in given.items():
        if name not in template.parameters:
            continue
        unknown: set[str] = set()
        items = value if isinstance(value, (list, tuple)) else (value,)
        text = ",".join(_fill(str(item), context, unknown) for item in items)
        for placeholder in sorted(unknown):
            problems.append(Problem(where, f"parameters.{name}", f"unknown placeholder {{{placeholder}}}",
                                    f"use one of {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"))
        resolved[name] = text
    return with_defaults(resolved, template.parameters), problems
