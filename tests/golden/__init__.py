"""The rendered template kept under review: tests/golden/template.yaml.

Every change to the template shows up as a diff of this file in the commit that makes it. The
artifact keys are placeholders (``<name>.zip``): the real keys change with every code change and
are checked by tests/template/test_determinism.py instead.

    make golden        # python -m tests.golden: render and write tests/golden/template.yaml
"""
from __future__ import annotations

from pathlib import Path

from bundle.artifacts import FUNCTION_NAMES, LAYER_NAME
from templates import build_template

GOLDEN = Path(__file__).resolve().parent / "template.yaml"
KEYS = {name: f"{name}.zip" for name in (*FUNCTION_NAMES, LAYER_NAME)}


def render() -> str:
    """The template as `make package` renders it, with placeholder artifact keys."""
    return str(build_template(KEYS).to_yaml())


def main() -> int:
    text = render()
    if GOLDEN.exists() and GOLDEN.read_text() == text:
        print(f"{GOLDEN}: unchanged")
        return 0
    GOLDEN.write_text(text)
    print(f"{GOLDEN}: written; review it with `git diff tests/golden/template.yaml`")
    return 0
