"""cfn-lint reports nothing on the generated template: no errors, no warnings (the CLI's bar), in
every region cfn-lint knows (the stack is deployed to many regions as a StackSet).

What makes cfn-lint judge a template differently from one region to the next is the resource
schema each region has for each resource type (or that it has none: the type is not offered
there), and the partition (ARNs, service principals). So the regions are grouped by what they hold
for the template's own resource types, and by partition, and one region of each group is linted:
the same findings as all 46 for a fraction of the time (~18 CPU-s for every region). A new region,
or one whose schema for a type the template uses differs, forms a group of its own and is linted.

Each rendering is linted once: the YAML in those regions, and the JSON, which must decode to the
very same document, in the primary region (its own decoder's checks, e.g. duplicate keys). Whether
lint would catch a mistake is shown on a tiny template: the rules do not depend on the template's size.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from cfnlint.api import lint
from cfnlint.config import ManualArgs
from cfnlint.decode.decode import decode_str
from cfnlint.helpers import REGION_PRIMARY, REGIONS
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER


def errors_and_warnings(text: str, regions: list[str]) -> list[str]:
    # Informational matches (I…) are not reported by the cfn-lint CLI by default.
    config = ManualArgs(include_checks=["I"], include_experimental=True, regions=regions)
    return [str(m) for m in lint(text, config=config) if m.rule.id[0] in "EW"]


@cache
def _partition(region: str) -> str:
    try:
        return str(botocore.session.get_session().get_partition_for_region(region))
    except Exception:  # noqa: BLE001 - a region botocore does not know yet: a group of its own
        return region


def regions_that_lint_differently(document: dict[str, Any]) -> list[str]:
    """One region per group of regions with the same partition and the same schema (or none) for
    every resource type in ``document``; the primary region leads its group."""
    types = sorted({r["Type"] for r in document.get("Resources", {}).values()})
    schema_of: dict[str, dict[str, int]] = {region: {} for region in REGIONS}
    for type_name in types:
        for index, (regions, _schema) in enumerate(PROVIDER_SCHEMA_MANAGER.get_resource_schemas_by_regions(type_name, REGIONS)):
            for region in regions:
                schema_of[region][type_name] = index
    groups: dict[tuple[object, ...], str] = {}
    for region in sorted(REGIONS, key=lambda r: r != REGION_PRIMARY):
        key = (_partition(region), *(schema_of[region].get(t) for t in types))
        groups.setdefault(key, region)
    return list(groups.values())


def test_regions_linted_cover_every_partition_and_every_schema_the_template_meets(build_dir: Path) -> None:
    document, errors = decode_str((build_dir / "template.yaml").read_text())
    assert not errors and document
    chosen = regions_that_lint_differently(document)
    assert chosen[0] == REGION_PRIMARY and len(chosen) < len(REGIONS)
    assert {_partition(r) for r in chosen} == {_partition(r) for r in REGIONS}
    for type_name in {r["Type"] for r in document["Resources"].values()}:
        for regions, _schema in PROVIDER_SCHEMA_MANAGER.get_resource_schemas_by_regions(type_name, REGIONS):
            assert set(regions) & set(chosen), f"no region linted with the {type_name} schema of {regions}"
        offered = {r for regions, _ in PROVIDER_SCHEMA_MANAGER.get_resource_schemas_by_regions(type_name, REGIONS) for r in regions}
        if offered != set(REGIONS):  # a region without the type is linted too: E3006 there
            assert set(chosen) - offered, f"no region without {type_name} linted"


def test_cfn_lint_is_clean_in_every_region(build_dir: Path) -> None:
    text = (build_dir / "template.yaml").read_text()
    document, _ = decode_str(text)
    assert errors_and_warnings(text, regions_that_lint_differently(document)) == []


def test_json_rendering_is_the_same_document_and_lints_clean(build_dir: Path) -> None:
    yaml_text, json_text = (build_dir / "template.yaml").read_text(), (build_dir / "template.json").read_text()
    from_yaml, yaml_errors = decode_str(yaml_text)
    from_json, json_errors = decode_str(json_text)
    assert not yaml_errors and not json_errors
    assert json.loads(json.dumps(from_json)) == json.loads(json.dumps(from_yaml))
    assert errors_and_warnings(json_text, [REGION_PRIMARY]) == []


TINY = {
    "Resources": {
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Alarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "Namespace": "AWS/Bedrock", "MetricName": "Invocations", "Statistic": "Sum", "Period": 60,
                "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold",
                "AlarmActions": [{"Ref": "Topic"}],
            },
        },
    }
}


@pytest.mark.parametrize("regions", [[REGION_PRIMARY], regions_that_lint_differently(TINY)],
                         ids=["primary-region", "every-region"])
def test_lint_would_catch_a_broken_reference(regions: list[str]) -> None:
    good = json.dumps(TINY)
    assert errors_and_warnings(good, regions) == []
    broken = good.replace('{"Ref": "Topic"}', '{"Ref": "NoSuchTopic"}')
    assert any("NoSuchTopic" in m for m in errors_and_warnings(broken, regions))
