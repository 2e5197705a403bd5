"""cfn-lint reports nothing on the generated template: no errors, no warnings (the CLI's bar), in
every region cfn-lint knows (the stack is deployed to many regions as a StackSet).

Linting is the slowest check in the suite (~15 s for all regions), so each rendering is linted once:
the YAML across all regions, and the JSON, which must decode to the very same document, in the
primary region (its own decoder's checks, e.g. duplicate keys). Whether lint would catch a mistake
is shown on a tiny template: the rules do not depend on the template's size.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from cfnlint.api import lint
from cfnlint.config import ManualArgs
from cfnlint.decode.decode import decode_str
from cfnlint.helpers import REGION_PRIMARY, REGIONS


def errors_and_warnings(text: str, regions: list[str]) -> list[str]:
    # Informational matches (I…) are not reported by the cfn-lint CLI by default.
    config = ManualArgs(include_checks=["I"], include_experimental=True, regions=regions)
    return [str(m) for m in lint(text, config=config) if m.rule.id[0] in "EW"]


def test_cfn_lint_is_clean_in_every_region(build_dir: Path) -> None:
    assert errors_and_warnings((build_dir / "template.yaml").read_text(), REGIONS) == []


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


@pytest.mark.parametrize("regions", [[REGION_PRIMARY], REGIONS], ids=["primary-region", "every-region"])
def test_lint_would_catch_a_broken_reference(regions: list[str]) -> None:
    good = json.dumps(TINY)
    assert errors_and_warnings(good, regions) == []
    broken = good.replace('{"Ref": "Topic"}', '{"Ref": "NoSuchTopic"}')
    assert any("NoSuchTopic" in m for m in errors_and_warnings(broken, regions))
