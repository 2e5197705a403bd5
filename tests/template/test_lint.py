"""cfn-lint reports nothing on the generated template: no errors, no warnings (the CLI's bar)."""
from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import lint_all


def errors_and_warnings(text: str) -> list[str]:
    # lint_all also returns informational matches (I…), which the cfn-lint CLI does not report by default.
    return [str(m) for m in lint_all(text) if m.rule.id[0] in "EW"]


@pytest.mark.parametrize("name", ["template.yaml", "template.json"])
def test_cfn_lint_is_clean(build_dir: Path, name: str) -> None:
    assert errors_and_warnings((build_dir / name).read_text()) == []


def test_lint_would_catch_a_broken_reference(build_dir: Path) -> None:
    text = (build_dir / "template.json").read_text().replace('"Ref": "RawAlarmTopic"', '"Ref": "NoSuchTopic"', 1)
    assert any("NoSuchTopic" in m for m in errors_and_warnings(text))
