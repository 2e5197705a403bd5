"""The template keeps the original stack's interface (SPEC §2), checked by the shared tool."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.template.conftest import DEVIATIONS, PARITY_TOOL, ROOT


def run_parity(template_path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PARITY_TOOL), str(template_path), *extra],
                          capture_output=True, text=True, check=False)


def test_zero_mismatches_with_declared_deviations(build_dir: Path) -> None:
    for name in ("template.yaml", "template.json"):
        result = run_parity(build_dir / name, "--deviations", str(DEVIATIONS))
        mismatches = [line for line in result.stdout.splitlines() if line.startswith("MISMATCH")]
        assert result.returncode == 0 and not mismatches, result.stdout
        assert "0 mismatches" in result.stdout


def test_every_deviation_is_still_needed_and_explained(build_dir: Path) -> None:
    """A deviation that no longer differs, or has no reason, is stale documentation."""
    declared = yaml.safe_load(DEVIATIONS.read_text())
    result = run_parity(build_dir / "template.json")  # without the deviations file
    for entry in declared:
        assert entry.get("reason", "").strip(), entry
        assert f"MISMATCH   {entry['path']}" in result.stdout, f"{entry['path']} no longer deviates"


def test_every_deviation_is_in_the_readme_compatibility_section() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Compatibility", 1)[1]
    for entry in yaml.safe_load(DEVIATIONS.read_text()):
        assert entry["path"] in section, f"README Compatibility does not mention {entry['path']}"


def test_the_checker_would_catch_a_renamed_alarm(build_dir: Path, tmp_path: Path) -> None:
    """Guards the guard: parity really fails when a physical name drifts."""
    text = (build_dir / "template.json").read_text().replace("-Bedrock-Throttles-Critical-", "-Bedrock-Throttle-Critical-")
    broken = tmp_path / "broken.json"
    broken.write_text(text)
    result = run_parity(broken, "--deviations", str(DEVIATIONS))
    assert result.returncode == 1
    assert "MISMATCH   Resources.ThrottleAlarm.Properties.AlarmName" in result.stdout
