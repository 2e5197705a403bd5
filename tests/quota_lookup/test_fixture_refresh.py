"""`make quota-fixture`: the offline half (what is saved, what is reviewed, how failures read)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from quota_lookup.fixture import FixtureError, main, refresh, review
from tests.quota_lookup.test_cli import ROOT, listing
from tests.unit.test_quota_fixture import DATA

QUOTAS = listing(DATA["listings"]["sq-catalogue-2026"])
MODELS = {"modelSummaries": [{"modelId": "amazon.titan-embed-text-v2:0"}, {"modelId": "acme.unheard-of-v1:0"}]}
PROFILES = {"inferenceProfileSummaries": [{"inferenceProfileId": "global.anthropic.claude-sonnet-4-5-20250929-v1:0"}]}


def fake_cli(calls: list[list[str]], fail: str | None = None):
    answers = {"list-service-quotas": QUOTAS, "list-aws-default-service-quotas": QUOTAS,
               "list-foundation-models": MODELS, "list-inference-profiles": PROFILES}

    def run(args: list[str]) -> str:
        calls.append(args)
        if args[1] == fail:
            raise FixtureError(f"`aws {args[0]} {args[1]}` failed: An error occurred (ExpiredToken)")
        return json.dumps(answers[args[1]])
    return run


def test_refresh_saves_the_four_listings_of_the_region(tmp_path: Path) -> None:
    calls: list[list[str]] = []
    written = refresh("eu-west-1", tmp_path, fake_cli(calls))
    assert sorted(p.name for p in written) == ["default-service-quotas.json", "foundation-models.json",
                                               "inference-profiles.json", "service-quotas.json"]
    assert all(p.parent == tmp_path / "eu-west-1" for p in written)
    assert ["service-quotas", "list-service-quotas", "--service-code", "bedrock", "--region", "eu-west-1", "--output", "json"] in calls
    assert json.loads((tmp_path / "eu-west-1" / "service-quotas.json").read_text()) == QUOTAS


def test_review_names_models_that_need_a_person(tmp_path: Path) -> None:
    refresh("us-east-1", tmp_path, fake_cli([]))
    notes = review(tmp_path / "us-east-1")
    assert notes == ["acme.unheard-of-v1:0: no quota names it (NA, or a naming difference for ALIASES)"]


def test_a_failing_command_keeps_the_old_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refresh("us-east-1", tmp_path, fake_cli([]))
    before = (tmp_path / "us-east-1" / "service-quotas.json").read_text()
    code = main(["--region", "us-east-1"], run=fake_cli([], fail="list-inference-profiles"), out=tmp_path)
    assert code == 2
    assert capsys.readouterr().err == "quota-fixture: error: `aws bedrock list-inference-profiles` failed: An error occurred (ExpiredToken)\n"
    assert (tmp_path / "us-east-1" / "service-quotas.json").read_text() == before


def test_a_listing_of_the_wrong_shape_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def run(args: list[str]) -> str:
        return json.dumps({"Items": []}) if args[1] == "list-service-quotas" else "{}"
    assert main(["--region", "us-east-1"], run=run, out=tmp_path) == 2
    assert "is not a Service Quotas listing" in capsys.readouterr().err
    assert not (tmp_path / "us-east-1").exists()


def test_make_target_without_region_says_what_to_pass() -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    done = subprocess.run(["make", "-s", "quota-fixture"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "quota-fixture: error: REGION is missing: make quota-fixture REGION=us-east-1" in done.stderr
