"""Manifest reading: what a person writes is what CloudFormation gets."""
from __future__ import annotations

import pytest

from fleet.manifest import parse_manifest
from fleet.model import Mode, Status

TEXT = """
defaults:
  parameters:
    EnableAutomatedSupportCase: No        # YAML 1.1 would make this a boolean
    StakeholderEmailList: [sre@example.com]
    ErrorThreshold: 5
  tags: {team: ai}
deployments:
  - customer: Acme
    model: G-Opus-4-6
    parameters: {ErrorThreshold: 7, GeoDataResidencyRequirement: Yes}
    tags: {app: chat}
    targets:
      - region: us-east-1
      - region: eu-west-1
        parameters: {BedrockModelId: eu.anthropic.claude-opus-4-6-v1}
        status: delete
  - customer: Beta
    model: Haiku
    organizational_unit: ou-ab12-cdef3456
    targets:
      - {account: 111111111111, region: us-east-1}
"""


def test_manifest_values_merge_and_keep_their_text() -> None:
    loaded = parse_manifest(TEXT)
    assert loaded.problems == ()
    acme, beta = loaded.deployments
    assert acme.parameters == {"EnableAutomatedSupportCase": "No", "StakeholderEmailList": ("sre@example.com",),
                               "ErrorThreshold": "7", "GeoDataResidencyRequirement": "Yes"}
    assert acme.tags == {"team": "ai", "app": "chat"}
    assert acme.mode is Mode.STACK and beta.mode is Mode.STACK_SET
    assert acme.targets[1].status is Status.DELETE
    assert acme.targets[1].parameters == {"BedrockModelId": "eu.anthropic.claude-opus-4-6-v1"}
    assert beta.targets[0].account == "111111111111"
    assert acme.name == "bedrock-ops-alert-acme-g-opus-4-6"


@pytest.mark.parametrize(("text", "message"), [
    ("[]", "the manifest is not a mapping"),
    ("deployments: {}", "missing or not a list"),
    ("deployments: [3]", "expected a mapping"),
    ("defaults: []\ndeployments: []", "expected a mapping, got list"),
], ids=["list-document", "deployments-mapping", "entry-scalar", "defaults-list"])
def test_malformed_documents(text: str, message: str) -> None:
    assert any(message in str(p) for p in parse_manifest(text).problems)


def test_example_manifest_is_valid(world: object) -> None:
    """The documented example passes every offline rule against the real 30 parameters."""
    import json
    from pathlib import Path

    from fleet.aws import Clients
    from fleet.manifest import load_manifest
    from fleet.planner import resolve_fleet
    from fleet.template import template_from_body
    from tests.fleet.conftest import template_document

    example = Path(__file__).resolve().parents[2] / "fleet" / "examples" / "fleet.yaml"
    resolved = resolve_fleet(load_manifest(example), template_from_body(json.dumps(template_document())),
                             Clients(world.session), check_buckets=False)  # type: ignore[attr-defined]
    assert resolved.problems == []
    assert len(resolved.desired) == 3
