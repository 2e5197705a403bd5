"""The layer carries what the functions import and nothing more, and it is enough on its own."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bundle.artifacts import FUNCTION_NAMES, LAYER_NAME, POWERTOOLS, SHIMS, build_artifacts

# Runs in a fresh interpreter: the function's directory and the layer first on sys.path, as on
# Lambda, and the build environment's own Powertools / typing_extensions made unfindable, so a
# file missing from the layer fails here instead of being found in site-packages.
_IMPORT_ALL = r"""
import importlib, importlib.abc, json, os, sys
task, layer, handler, vendored = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])

class OnlyFromTheLayer(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("aws_lambda_powertools", "typing_extensions"):
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    if not (spec.origin or "").startswith(layer):
                        raise ImportError(f"{name} is not in the layer (found {spec.origin})")
                    return spec
        return None

sys.meta_path.insert(0, OnlyFromTheLayer())
sys.path[:0] = [task, layer]
importlib.import_module(handler)
for module in vendored:
    importlib.import_module(module)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("aws_lambda_powertools", "typing_extensions"))))
"""


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lambda")
    for artifact in build_artifacts():
        target = root / "opt" if artifact.name == LAYER_NAME else root / "task" / artifact.name
        zipfile.ZipFile(io.BytesIO(artifact.content)).extractall(target)
    return root


def _vendored_modules(layer: Path) -> list[str]:
    modules = []
    for path in sorted(layer.rglob("*.py")):
        parts = path.relative_to(layer).with_suffix("").parts
        if parts[0] in ("aws_lambda_powertools", "typing_extensions"):
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


@pytest.mark.parametrize("function", FUNCTION_NAMES)
def test_every_handler_and_every_vendored_module_imports_from_the_layer_alone(extracted: Path, function: str) -> None:
    layer = extracted / "opt" / "python"
    vendored = _vendored_modules(layer)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, str(extracted / "task" / function), str(layer), function, json.dumps(vendored)],
        capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(vendored) <= set(imported)


def test_the_layer_vendors_only_the_powertools_modules_the_functions_can_import(extracted: Path) -> None:
    layer = extracted / "opt" / "python"
    shipped = {p.relative_to(layer).as_posix() for p in (layer / POWERTOOLS[2]).rglob("*.py")}
    # The three utilities the functions use (logs, metrics, idempotency on DynamoDB) are there ...
    for needed in ("logging/logger.py", "metrics/metrics.py", "utilities/idempotency/persistence/dynamodb.py"):
        assert f"{POWERTOOLS[2]}/{needed}" in shipped
    # ... and none of those they never import (event handlers, parsers, batch, feature flags, ...).
    for unused in ("event_handler", "utilities/parser", "utilities/batch", "utilities/feature_flags",
                   "utilities/data_classes", "utilities/idempotency/persistence/redis.py"):
        assert not any(s.startswith(f"{POWERTOOLS[2]}/{unused}") for s in shipped), unused
    # Powertools takes one decorator from typing_extensions: the layer has the small shim, not 165 KB.
    assert (layer / "typing_extensions.py").read_bytes() == (SHIMS / "typing_extensions.py").read_bytes()


def test_the_layer_carries_no_bytecode(extracted: Path) -> None:
    # .pyc files are specific to one Python version; the build's would not be used by the template's
    # runtime (README "Speed and cost").
    assert not [p for p in (extracted / "opt").rglob("*") if p.suffix in (".pyc", ".pyo") or p.name == "__pycache__"]
