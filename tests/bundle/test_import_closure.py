"""bundle.import_closure: the files of a vendored package that our code can import, nothing else."""
from __future__ import annotations

from pathlib import Path

import pytest

from bundle.import_closure import vendored_files

# A tiny vendored package "lib": each case names what our module does and which files must ship.
CASES = [
    ("module-level-import", "import lib.a", {"lib/__init__.py", "lib/a.py"}),
    ("from-package-import-submodule", "from lib import a", {"lib/__init__.py", "lib/a.py"}),
    ("from-module-import-name", "from lib.a import thing", {"lib/__init__.py", "lib/a.py"}),
    ("lazy-import-in-a-function-is-followed", "def f():\n    import lib.lazy", {"lib/__init__.py", "lib/lazy.py"}),
    ("relative-imports-inside-the-package", "import lib.rel", {"lib/__init__.py", "lib/rel.py", "lib/a.py", "lib/sub/__init__.py", "lib/sub/b.py"}),
    ("type-checking-only-import-is-skipped", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import lib.a", set()),
    ("else-of-type-checking-runs", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\nelse:\n    import lib.a", {"lib/__init__.py", "lib/a.py"}),
    ("module-needing-an-absent-package-is-pruned", "def f():\n    import lib.needs_pydantic", set()),
    ("optional-import-in-try-keeps-the-module", "import lib.optional", {"lib/__init__.py", "lib/optional.py"}),
    ("other-packages-are-not-collected", "import json\nimport boto3", set()),
]

LIB = {
    "lib/__init__.py": "",
    "lib/a.py": "thing = 1\n",
    "lib/lazy.py": "",
    "lib/rel.py": "from . import a\nfrom .sub import b\n",
    "lib/sub/__init__.py": "",
    "lib/sub/b.py": "from ..a import thing\n",
    "lib/needs_pydantic.py": "import pydantic\nimport lib.a\n",
    "lib/optional.py": "try:\n    import pydantic\nexcept ImportError:\n    pydantic = None\n",
    "lib/unused.py": "",
}


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_vendored_files_are_the_import_closure(tmp_path: Path, source: str, expected: set[str]) -> None:
    site = tmp_path / "site"
    for name, text in LIB.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    ours = tmp_path / "ours.py"
    ours.write_text(source + "\n")
    found = vendored_files([(ours, "ours")], site, ["lib"])
    assert {p.relative_to(site).as_posix() for p in found} == expected
