"""The template as `make package` renders it, for tests that take facts from it (the IAM grants of
each handler, the notification processor's environment) instead of repeating them by hand."""
from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from templates import build_template


@functools.lru_cache(maxsize=1)
def resources() -> dict[str, Any]:
    """``Resources`` of the rendered template (artifact keys are placeholders)."""
    rendered: dict[str, Any] = json.loads(build_template(defaultdict(lambda: "artifact.zip")).to_json())
    return rendered["Resources"]


def environment(function: str, values: Mapping[str, str],
                conditions: Mapping[str, bool] | None = None) -> dict[str, str]:
    """The environment the template gives ``function`` (a logical ID), every ``Ref`` and ``Fn::GetAtt``
    replaced by ``values[logical_id]`` / ``values["LogicalId.Attribute"]``: what that resource or
    parameter is in the test's world; an ``Fn::If`` takes the branch ``conditions[name]`` picks. A
    reference or condition the world does not provide fails loudly."""
    variables = resources()[function]["Properties"]["Environment"]["Variables"]
    known = conditions or {}

    def resolve(name: str, value: Any) -> str:
        if isinstance(value, str):
            return value
        if "Fn::If" in value:
            condition, yes, no = value["Fn::If"]
            if condition not in known:
                raise KeyError(f"{function} environment variable {name} depends on condition {condition}: "
                               "give the test world a value for it")
            return resolve(name, yes if known[condition] else no)
        key = value["Ref"] if "Ref" in value else ".".join(value["Fn::GetAtt"])
        if key not in values:
            raise KeyError(f"{function} environment variable {name} refers to {key}: give the test world a value for it")
        return values[key]

    return {name: resolve(name, value) for name, value in variables.items()}
