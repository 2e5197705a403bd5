"""The template deploys as a service-managed StackSet in any account, region and partition."""
from __future__ import annotations

import json
import re

import pytest

ARN_LITERAL = re.compile(r"arn:aws[a-z-]*:")
ACCOUNT_ID = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
REGION = re.compile(r"\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov)-(?:north|south|east|west|central|northeast|southeast|northwest|southwest|gov-west|gov-east)-[0-9]\b")


def strings(node, path="$"):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from strings(v, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def test_no_transform_or_macros(template: dict) -> None:
    assert "Transform" not in template
    text = json.dumps(template)
    assert "Fn::Transform" not in text and "AWS::Include" not in text


@pytest.mark.parametrize("pattern,what", [
    (ARN_LITERAL, "hard-coded partition (use ${AWS::Partition})"),
    (ACCOUNT_ID, "hard-coded account ID"),
    (REGION, "hard-coded region"),
])
def test_nothing_environment_specific_is_hard_coded(template: dict, pattern: re.Pattern, what: str) -> None:
    offenders = [(p, s) for p, s in strings(template) if pattern.search(s)
                 and not p.startswith("$.Description") and ".Description" not in p]
    assert offenders == [], what


def test_the_checks_would_catch_a_hard_coded_arn() -> None:
    assert ARN_LITERAL.search("arn:aws:iam::aws:policy/x")
    assert ACCOUNT_ID.search("arn:${AWS::Partition}:iam::123456789012:root")
    assert REGION.search("arn:${AWS::Partition}:sns:eu-west-1:x")


def test_global_names_are_unique_per_region(resources: dict) -> None:
    """IAM roles are global to an account: their names carry the region (SPEC §2)."""
    roles = {k: v for k, v in resources.items() if v["Type"] == "AWS::IAM::Role"}
    assert len(roles) >= 4
    for logical_id, role in roles.items():
        assert role["Properties"]["RoleName"]["Fn::Sub"].endswith("-${AWS::Region}"), logical_id


def test_no_parameter_needs_a_value_a_stackset_cannot_give(template: dict) -> None:
    """Parameter types that resolve account-local resources (AWS::EC2::…, SSM lookups) break StackSets."""
    for name, p in template["Parameters"].items():
        assert p["Type"] in ("String", "Number", "CommaDelimitedList"), name
