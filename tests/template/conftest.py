"""Fixtures for the template tests: one fresh render of build/ per session."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import generate

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
FACT_SHEET = SHARED / "spec" / "original-stack.json"
PARITY_TOOL = SHARED / "tools" / "check_parity.py"
DEVIATIONS = ROOT / "templates" / "deviations.yaml"


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    generate.write(out, generate.render())
    return out


@pytest.fixture(scope="session")
def template(build_dir: Path) -> dict:
    return json.loads((build_dir / "template.json").read_text())


@pytest.fixture(scope="session")
def resources(template: dict) -> dict:
    return template["Resources"]


@pytest.fixture(scope="session")
def fact_sheet() -> dict:
    if not FACT_SHEET.exists():
        pytest.fail(f"{FACT_SHEET} is missing: the shared/ folder must sit beside the repository")
    return json.loads(FACT_SHEET.read_text())
