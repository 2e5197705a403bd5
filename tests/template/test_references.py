"""Template modules refer to what other modules create by the objects they are handed, never by a
logical ID written out again (docs/ARCHITECTURE.md, "Template construction").

A reference by name string (``Ref("FollowUpQueue")``, ``GetAtt(KEY, "Arn")`` with ``KEY = "..."``,
``Sub("${AlertDeadLetterQueue.QueueName}")``) keeps rendering after the resource is renamed or
removed and only cfn-lint notices; ``Ref(stores.follow_up_queue)`` fails when the template is built.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import troposphere
from troposphere import Template

import templates
from templates import build_template
from templates.names import C, M, placeholder
from templates.parameters import add_parameters
from tests.golden import KEYS

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
REFERENCES = {"Ref", "GetAtt"}
# ${...} in a Sub string: pseudo parameters are not logical IDs.
PLACEHOLDER = re.compile(r"\$\{+([^}]*)\}")
# The two naming parameters of every physical name, shared with ops_alert.names.StackNames as
# templates.names.C and M (test_naming_placeholders_are_the_naming_parameters keeps them true).
ALLOWED_PLACEHOLDERS = {("names.py", "CustomerName"), ("names.py", "BedrockModelName")}


def _module_strings(tree: ast.Module) -> set[str]:
    """Names bound at module level to a string constant (``KEY = "BedrockOpsAlertEncryptionKey"``)."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def name_string_references(source: str, filename: str = "module.py") -> list[str]:
    """Each reference by name in ``source``: ``line: text`` of the offending code."""
    tree = ast.parse(source)
    strings, docstrings, found = _module_strings(tree), _docstrings(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in REFERENCES and node.args:
            target = node.args[0]
            by_name = (
                (isinstance(target, ast.Constant) and isinstance(target.value, str)
                 and not target.value.startswith("AWS::"))
                or isinstance(target, ast.JoinedStr)
                or (isinstance(target, ast.Name) and target.id in strings)
            )
            if by_name:
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            for name in PLACEHOLDER.findall(node.value):
                if not name.startswith("AWS::") and (filename, name.split(".")[0]) not in ALLOWED_PLACEHOLDERS:
                    found.append(f"{node.lineno}: ${{{name}}}")
    return found


@pytest.mark.parametrize("module", sorted(TEMPLATES.glob("*.py")), ids=lambda p: p.name)
def test_template_modules_refer_to_objects_not_names(module: Path) -> None:
    found = name_string_references(module.read_text(), module.name)
    assert not found, (f"{module.name} refers to resources or parameters by name; take the object the "
                       f"module creating it returns (Ref(obj), GetAtt(obj, ...), names.placeholder(obj)): {found}")


def references_by_name_while_building(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every Ref / GetAtt made with a string while the template is built, however the string got
    there (a dict of logical IDs, a parameter that is a name): the data flow the source scan misses."""
    made: list[str] = []
    for cls in (troposphere.Ref, troposphere.GetAtt):
        original = cls.__init__

        def checked(self: object, target: object, *args: object, _original=original, _cls=cls) -> None:
            if isinstance(target, str) and not target.startswith("AWS::"):
                made.append(f"{_cls.__name__}({target!r})")
            _original(self, target, *args)

        monkeypatch.setattr(cls, "__init__", checked)
    build_template(KEYS)
    return made


def test_building_the_template_makes_no_reference_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert references_by_name_while_building(monkeypatch) == []


def test_a_reference_by_name_while_building_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    def add_outputs_by_name(t: Template, *args: object) -> None:
        t.add_output(troposphere.Output("RawAlarmTopicArn", Value=troposphere.Ref("RawAlarmTopic")))

    monkeypatch.setattr(templates, "add_outputs", add_outputs_by_name)
    assert references_by_name_while_building(monkeypatch) == ["Ref('RawAlarmTopic')"]


@pytest.mark.parametrize(("source", "expected"), [
    ('Ref("FollowUpQueue")', 1),
    ('GetAtt("BedrockOpsAlertEncryptionKey", "Arn")', 1),
    ('Ref(f"{logical_id}LogGroup")', 1),
    ('KEY = "BedrockOpsAlertEncryptionKey"\nRef(KEY)', 1),
    ('Sub("Waiting in ${AlertDeadLetterQueue.QueueName}")', 1),
    ('Sub(f"rate(${{ThresholdUpdateScheduleIntervalDays}} days)")', 1),
    ('Sub("arn:${AWS::Partition}:sqs:${AWS::Region}:" + placeholder(queue, "QueueName"))', 0),
    ('Ref("AWS::StackName")', 0),
    ('Ref(stores.follow_up_queue)\nGetAtt(security.key, "Arn")', 0),
    ('def f():\n    """``${LogicalId}`` in a docstring is prose."""', 0),
], ids=["ref-literal", "getatt-literal", "ref-fstring", "ref-module-constant", "sub-resource-attribute",
        "sub-parameter-in-fstring", "sub-pseudo-and-placeholder", "ref-pseudo", "objects", "docstring"])
def test_the_check_finds_references_by_name(source: str, expected: int) -> None:
    assert len(name_string_references(source)) == expected


def test_naming_placeholders_are_the_naming_parameters() -> None:
    params = add_parameters(Template())
    assert (placeholder(params.customer_name), placeholder(params.bedrock_model_name)) == (C, M)
