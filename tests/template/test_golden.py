"""The rendered template equals the reviewed copy in tests/golden/template.yaml, byte for byte."""
from __future__ import annotations

import difflib

from tests.golden import GOLDEN, KEYS, render


def test_template_matches_the_golden_copy() -> None:
    rendered, golden = render(), GOLDEN.read_text()
    diff = "".join(difflib.unified_diff(
        golden.splitlines(keepends=True), rendered.splitlines(keepends=True),
        "tests/golden/template.yaml", "rendered", n=2))
    assert rendered == golden, (
        "The template changed: run `make golden` and review the diff "
        "(`git diff tests/golden/template.yaml`) before committing it.\n" + diff[:6000]
    )


def test_golden_copy_uses_placeholder_keys_only() -> None:
    # Content-addressed keys would change the golden copy with every code change.
    text = GOLDEN.read_text()
    assert all(f"S3Key: {key}" in text for key in KEYS.values())
