"""The layer carries our two packages and nothing more, and with the runtime's botocore it is enough."""
from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bundle.artifacts import FUNCTION_NAMES, LAYER_NAME, LAYER_PACKAGES, build_artifacts, packaged_modules
from bundle.runtime_python import CACHE_TAG

# What the Lambda Python runtime provides besides the standard library. boto3 is there too, but
# importing it costs every cold start about 15 ms more than botocore alone (ops_alert_aws.clients).
RUNTIME_PACKAGES = {"botocore"}

# Runs in a fresh interpreter with site-packages unreachable except for the runtime's botocore (and
# what botocore itself needs): the function's directory and the layer first on sys.path, as on
# Lambda. A module missing from the zips, or a third-party import, fails here.
_IMPORT_HANDLER = r"""
import importlib, importlib.abc, json, sys
task, layer, handler, site = sys.argv[1:5]
RUNTIME = ("botocore", "dateutil", "jmespath", "urllib3", "six", "six.moves", "certifi")

class OnlyTheRuntimePackages(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in RUNTIME:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if (spec.origin or "").startswith(site):
                    raise ImportError(f"{name} is neither in the layer nor in the Lambda runtime ({spec.origin})")
                return spec
        return None

sys.meta_path.insert(0, OnlyTheRuntimePackages())
sys.path[:0] = [task, layer]
importlib.import_module(handler)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lambda")
    for artifact in build_artifacts():
        target = root / "opt" if artifact.name == LAYER_NAME else root / "task" / artifact.name
        zipfile.ZipFile(io.BytesIO(artifact.content)).extractall(target)
    return root


@pytest.mark.parametrize("function", FUNCTION_NAMES)
def test_every_handler_imports_from_its_zip_the_layer_and_the_runtime_alone(extracted: Path, function: str) -> None:
    site = str(Path(pytest.__file__).resolve().parents[1])  # this environment's site-packages
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_HANDLER, str(extracted / "task" / function), str(extracted / "opt" / "python"),
         function, site], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not imported & {"boto3", "aws_lambda_powertools", "typing_extensions"}


def test_the_layer_is_our_two_packages_and_nothing_else(extracted: Path) -> None:
    layer = extracted / "opt" / "python"
    assert sorted(p.name for p in layer.iterdir()) == sorted(LAYER_PACKAGES)


def _top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_function_code_imports_only_the_standard_library_botocore_and_our_modules() -> None:
    # Every import statement, also those inside functions (a path that runs only sometimes) and
    # under TYPE_CHECKING: a new dependency must be a deliberate change of this test and the layer.
    ours = {name.split(".")[0] for _, name in packaged_modules()}
    allowed = set(sys.stdlib_module_names) | RUNTIME_PACKAGES | ours | {"__future__"}
    found = {(path.relative_to(path.parents[1]).as_posix(), name)
             for path, _ in packaged_modules() for name in _top_level_imports(path) if name not in allowed}
    assert found == set()


def test_the_zips_carry_bytecode_for_the_runtime_only(extracted: Path) -> None:
    # Bytecode is specific to one Python version: only the template's runtime's, never the build's
    # (README "Speed and cost"); tests/bundle/test_bytecode.py checks it is complete and used.
    found = {p.name.split(".")[-2] for p in extracted.rglob("*.pyc")}
    assert found <= {CACHE_TAG}
    assert not list(extracted.rglob("*.pyo"))


def test_the_processor_imports_with_the_garbage_collector_running_afterwards_and_no_garbage_frozen(extracted: Path) -> None:
    # Its import pauses the cyclic collector (cold start) and must resume it: a container whose
    # collector stayed off would keep every reference cycle its invocations leave behind.
    script = ("import gc, json, sys; sys.path[:0] = sys.argv[1:3]; import notification_processor; "
              "state = [gc.isenabled(), gc.get_freeze_count()]; gc.unfreeze(); "
              "print(json.dumps([*state, gc.collect()]))")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-c", script, str(extracted / "task" / "notification_processor"),
                           str(extracted / "opt" / "python")], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    enabled, frozen, garbage = json.loads(done.stdout.strip().splitlines()[-1])
    assert enabled
    assert frozen > 10_000  # the modules it loaded are out of later collections' way
    assert garbage == 0  # and no garbage was frozen with them (never to be freed in that container)
