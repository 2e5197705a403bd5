"""The CloudFormation template a fleet deploys: its body, parameter constraints and artifacts.

Constraints are read from the template's own Parameters section, so validation follows the
template when it changes.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bundle.cli_errors import not_utf8, one_line

# CreateStack / CreateStackSet accept a TemplateBody of at most 51,200 bytes; larger templates
# must be passed as TemplateURL (an S3 object).
TEMPLATE_BODY_LIMIT = 51_200


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation short forms (``!Ref x``) as ``{"Ref": x}``."""


def _short_form(loader: _CfnLoader, tag_suffix: str, node: yaml.Node) -> Any:
    name = tag_suffix if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":  # !GetAtt A.b is the list form ["A", "b"]
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # the three node kinds YAML has; anything else is a loader bug, not a template's
        raise TypeError(f"unexpected YAML node {type(node).__name__} after !{tag_suffix}")
    return {name: value}


_CfnLoader.add_multi_constructor("!", _short_form)


def parse_template(body: str | Mapping[str, Any]) -> dict[str, Any]:
    """A template body (JSON or YAML text, or what GetTemplate returned) as a plain dict."""
    if isinstance(body, Mapping):
        return json.loads(json.dumps(body))  # OrderedDicts etc. → plain dicts
    try:
        loaded = yaml.load(body, Loader=_CfnLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid YAML: {yaml_problem(exc)}") from None
    except RecursionError:
        raise ValueError("not valid YAML: nested deeper than the parser's stack") from None
    if not isinstance(loaded, dict):
        raise ValueError("not a template (the document is not a mapping)")
    return loaded


@dataclass(frozen=True)
class Template:
    body: str
    document: Mapping[str, Any]

    @property
    def parameters(self) -> Mapping[str, Mapping[str, Any]]:
        """Parameter name → its declaration (Type, Default, AllowedValues, …)."""
        return self.document.get("Parameters", {})

    @property
    def artifact_keys(self) -> tuple[str, ...]:
        """Every S3 key of Lambda code and layer content the stack needs in LambdaS3Bucket."""
        keys: set[str] = set()
        for resource in self.document.get("Resources", {}).values():
            props = resource.get("Properties", {}) if isinstance(resource, dict) else {}
            for prop in ("Code", "Content"):
                key = props.get(prop, {}).get("S3Key") if isinstance(props.get(prop), dict) else None
                if isinstance(key, str):
                    keys.add(key)
        return tuple(sorted(keys))

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.body.encode()).hexdigest()[:16]

    @property
    def fits_inline(self) -> bool:
        return len(self.body.encode()) <= TEMPLATE_BODY_LIMIT

    @property
    def s3_key(self) -> str:
        """Content-addressed key: uploading twice is harmless, and old stacks keep their copy."""
        return f"templates/bedrock-ops-alert.{self.digest}.template"

    def same_as(self, other_body: str | Mapping[str, Any]) -> bool:
        return parse_template(other_body) == self.document


def template_from_body(body: str) -> Template:
    return Template(body=body, document=parse_template(body))


def load_template(path: Path) -> Template:
    """The template in ``path``; OSError, or ValueError saying in one line what is wrong with it."""
    return template_from_body(read_text(path))


def read_text(path: Path) -> str:
    """A UTF-8 file's text; a file that does not decode is a ValueError saying where."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(not_utf8(exc)) from None


def yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's several-line message as one line: the problem and where."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{one_line(exc.problem or exc.context)} (line {mark.line + 1}, column {mark.column + 1})"
    return one_line(exc)
