"""What README "Deploy" and docs/FLEET.md say about the template and the commands stays true."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from fleet.template import TEMPLATE_BODY_LIMIT

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "build" / "template.yaml"


@pytest.mark.skipif(not TEMPLATE.is_file(), reason="needs `make package` (make test runs it first)")
@pytest.mark.parametrize("doc", ["README.md", "docs/FLEET.md"])
def test_the_stated_template_size_and_staging_are_true(doc: str) -> None:
    text = (ROOT / doc).read_text()
    size = TEMPLATE.stat().st_size
    stated = re.search(r"about (\d+) kB", text)
    assert stated, f"{doc} should state the template's size"
    assert abs(int(stated[1]) * 1000 - size) <= 0.2 * size, f"{doc} says about {stated[1]} kB; it is {size} bytes"
    assert size > TEMPLATE_BODY_LIMIT  # both docs say it is staged in S3 because it does not fit inline
    assert "51,200" in text and "templates/" in text


def test_every_documented_make_target_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    documented = set(re.findall(r"`make (\w[\w-]*)", (ROOT / "README.md").read_text() + (ROOT / "docs/FLEET.md").read_text()))
    declared = set(re.findall(r"^([\w-]+(?: [\w-]+)*):", makefile, re.MULTILINE))
    targets = {t for line in declared for t in line.split()}
    assert documented <= targets, documented - targets
