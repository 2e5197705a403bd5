"""The zips' bytecode (bundle/bytecode.py) is the runtime's, complete, used by its imports, and safe.

Checked on the runtime interpreter `make package` installed (tests/runtime_site.py): bytecode is
specific to its minor version, and the hash in a checked-hash .pyc is keyed per version too.
"""
from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from bundle import bytecode
from bundle.artifacts import FUNCTION_NAMES, LAYER_NAME, LAYER_ROOT, TASK_ROOT, Artifact, build_artifacts
from bundle.bytecode import pyc_name
from bundle.cli_errors import UserError, describe
from bundle.runtime_python import CACHE_TAG, RuntimePython
from tests.bundle.conftest import extract
from tests.runtime_site import runtime_env

# flags in bytes 4..8 of a .pyc header (PEP 552): bit 0 hash-based, bit 1 check the source.
CHECKED_HASH = 0b11

# Run by the runtime: its magic number, and for each (label, source, pyc) the source hash it computes
# and the file name compiled into the pyc.
_INSPECT = r"""
import base64, importlib.util, json, marshal, sys
out = {"magic": importlib.util.MAGIC_NUMBER.hex(), "files": {}}
for label, source, pyc in json.load(sys.stdin):
    code = marshal.loads(base64.b64decode(pyc)[16:])
    out["files"][label] = [importlib.util.source_hash(base64.b64decode(source)).hex(), code.co_filename]
json.dump(out, sys.stdout)
"""

# Run by the runtime with sys.path as on Lambda (task, layer, then the SDK): imports the handler and
# reports which of our modules it compiled from source (every compilation goes through
# SourceLoader.source_to_code), where the bytecode of each of ours came from, and EDITED_BY_TEST.
_IMPORT = r"""
import importlib, importlib._bootstrap_external as external, json, sys
handler, roots = sys.argv[1], tuple(sys.argv[2:])
compiled = []
to_code = external.SourceLoader.source_to_code
def recording(self, data, path, *args, **kwargs):
    compiled.append(str(path))
    return to_code(self, data, path, *args, **kwargs)
external.SourceLoader.source_to_code = recording
module = importlib.import_module(handler)
ours = {name: [m.__file__, m.__cached__] for name, m in list(sys.modules.items())
        if str(getattr(m, "__file__", None) or "").startswith(roots)}
print(json.dumps({"compiled": [p for p in compiled if p.startswith(roots)], "ours": ours,
                  "edited": getattr(module, "EDITED_BY_TEST", None)}))
"""


def _entries(artifact: Artifact) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(artifact.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def source_only(tmp_path_factory: pytest.TempPathFactory) -> list[Artifact]:
    return build_artifacts(None)


def _lambda_path(artifact: Artifact, name: str) -> str:
    """Where Lambda puts a zip entry: the layer under /opt, a function's files under /var/task."""
    return f"{LAYER_ROOT if artifact.name == LAYER_NAME else TASK_ROOT}/{name}"


@pytest.fixture(scope="module")
def inspected(runtime: RuntimePython, artifacts: list[Artifact]) -> dict:
    """The runtime's magic number, and per source (labelled by its Lambda path) the runtime's hash of
    it and the file name compiled into its pyc."""
    batch = []
    for artifact in artifacts:
        entries = _entries(artifact)
        for name, data in entries.items():
            if name.endswith(".py") and pyc_name(name) in entries:
                batch.append([_lambda_path(artifact, name), base64.b64encode(data).decode(),
                              base64.b64encode(entries[pyc_name(name)]).decode()])
    result: dict = json.loads(runtime.run(["-c", _INSPECT], input=json.dumps(batch).encode()))
    return result


def _import(runtime: RuntimePython, handler: str, task: Path, layer: Path) -> dict:
    env = runtime_env(runtime, str(task), str(layer), base={
        "PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    try:
        out = runtime.run(["-c", _IMPORT, handler, str(task), str(layer)], env=env)
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"importing {handler} on {runtime.describe()} failed:\n{exc.stderr.decode()[-3000:]}")
    result: dict = json.loads(out.splitlines()[-1])
    return result


@pytest.mark.parametrize("index", range(len(FUNCTION_NAMES) + 1), ids=[*FUNCTION_NAMES, LAYER_NAME])
def test_every_module_has_exactly_one_pyc_for_the_runtime_beside_it(artifacts: list[Artifact], index: int) -> None:
    names = set(_entries(artifacts[index]))
    sources = {n for n in names if n.endswith(".py")}
    assert sources
    assert {n for n in names if "__pycache__" in n or n.endswith(".pyc")} == {pyc_name(n) for n in sources}


@pytest.mark.parametrize(("source", "pyc"), [
    ("alarm_updater.py", "__pycache__/alarm_updater.cpython-314.pyc"),
    ("python/ops_alert/__init__.py", "python/ops_alert/__pycache__/__init__.cpython-314.pyc"),
    ("python/ops_alert/content/email.py", "python/ops_alert/content/__pycache__/email.cpython-314.pyc"),
])
def test_the_pyc_is_where_the_runtimes_import_looks(source: str, pyc: str) -> None:
    assert pyc_name(source) == pyc


def test_every_pyc_is_checked_hash_with_the_runtimes_magic_and_its_sources_hash(
        artifacts: list[Artifact], inspected: dict) -> None:
    magic = bytes.fromhex(inspected["magic"])
    wrong = []
    for artifact in artifacts:
        entries = _entries(artifact)
        for name in (n for n in entries if n.endswith(".py")):
            header = entries[pyc_name(name)][:16]
            source_hash = inspected["files"][_lambda_path(artifact, name)][0]
            if (header[:4], int.from_bytes(header[4:8], "little"), header[8:].hex()) != (magic, CHECKED_HASH, source_hash):
                wrong.append(f"{artifact.name}: {pyc_name(name)}")
    assert len(inspected["files"]) == sum(n.endswith(".py") for a in artifacts for n in _entries(a))
    assert wrong == []


def test_tracebacks_name_the_files_where_lambda_runs_them(artifacts: list[Artifact], inspected: dict) -> None:
    compiled_in = {label: filename for label, (_, filename) in inspected["files"].items()}
    assert compiled_in == {label: label for label in compiled_in}
    assert "/var/task/notification_processor.py" in compiled_in
    assert "/opt/python/ops_alert/__init__.py" in compiled_in
    assert "/opt/python/ops_alert/content/__init__.py" in compiled_in  # a subpackage keeps its path


@pytest.mark.parametrize("function", FUNCTION_NAMES)
def test_each_handler_imports_on_the_runtime_without_compiling_any_of_our_modules(
        runtime: RuntimePython, extracted: Path, function: str) -> None:
    task, layer = extracted / "task" / function, extracted / "opt" / "python"
    found = _import(runtime, function, task, layer)
    assert found["compiled"] == []
    assert function in found["ours"] and any(name.startswith("ops_alert") for name in found["ours"])
    for name, (file, cached) in found["ours"].items():
        path = Path(file)
        assert cached == str(path.parent / "__pycache__" / f"{path.stem}.{CACHE_TAG}.pyc"), name
        assert Path(cached).is_file(), name  # extracted from the zip, not written by this import


def test_without_bytecode_the_same_import_compiles_our_modules(
        runtime: RuntimePython, source_only: list[Artifact], tmp_path: Path) -> None:
    # The check above can fail: zips without bytecode make the runtime compile every module of ours.
    root = extract(source_only, tmp_path)
    task, layer = root / "task" / "notification_processor", root / "opt" / "python"
    found = _import(runtime, "notification_processor", task, layer)
    assert str(task / "notification_processor.py") in found["compiled"]
    assert sorted(found["compiled"]) == sorted(file for file, _ in found["ours"].values())


def test_an_edited_module_is_recompiled_not_run_from_its_stale_pyc(
        runtime: RuntimePython, extracted: Path, tmp_path: Path) -> None:
    task = tmp_path / "alarm_updater"
    shutil.copytree(extracted / "task" / "alarm_updater", task)
    handler = task / "alarm_updater.py"
    stale = (task / pyc_name("alarm_updater.py")).read_bytes()
    handler.write_text(handler.read_text() + '\nEDITED_BY_TEST = "edited"\n')
    found = _import(runtime, "alarm_updater", task, extracted / "opt" / "python")
    assert found["edited"] == "edited"
    assert found["compiled"] == [str(handler)]
    assert (task / pyc_name("alarm_updater.py")).read_bytes() != stale


def test_two_builds_carry_identical_bytes(runtime: RuntimePython, artifacts: list[Artifact],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bytecode, "_compiled", {})  # compiled again, by a new interpreter process
    again = build_artifacts(runtime)
    assert bytecode._compiled  # really compiled
    assert [(a.name, a.content) for a in again] == [(a.name, a.content) for a in artifacts]


def test_source_only_zips_carry_no_bytecode(source_only: list[Artifact]) -> None:
    for artifact in source_only:
        names = _entries(artifact)
        assert any(n.endswith(".py") for n in names)
        assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n], artifact.name


def test_a_module_the_runtime_cannot_compile_stops_the_build_in_one_line(runtime: RuntimePython) -> None:
    # Lambda could not import it either; the line says which file and where.
    entries = {"fine.py": b"x = 1\n", "broken.py": b"x = 1\ndef f(:\n    pass\n"}
    with pytest.raises(UserError, match=r"^/var/task/broken\.py:2: [^\n]+: python3\.14 cannot compile it, so Lambda "
                                        r"could not import it$") as raised:
        bytecode.with_bytecode(entries, TASK_ROOT, runtime)
    assert describe(raised.value) == str(raised.value)


@pytest.mark.parametrize(("argv", "detail"), [
    (("/bin/sh", "-c", "echo 'Fatal Python error: init failed' >&2; echo more >&2; exit 3", "sh"),
     "exit 3: more"),
    (("/bin/sh", "-c", "exit 1", "sh"), "exit 1"),
    (("/nonexistent/python3.14",), "[Errno 2] No such file or directory: '/nonexistent/python3.14'"),
], ids=["fails-saying-why", "fails-silently", "missing"])
def test_an_interpreter_that_cannot_compile_stops_the_build_in_one_line(argv: tuple[str, ...], detail: str) -> None:
    python = RuntimePython(argv, "3.14.0", "a test")
    with pytest.raises(UserError) as raised:
        bytecode.with_bytecode({"fine.py": b"x = 1\n"}, TASK_ROOT, python)
    assert str(raised.value) == (f"Python 3.14.0 (a test) could not compile the zips' bytecode ({detail}): fix it, "
                                 "or set RUNTIME_PYTHON=none for zips without bytecode")


def test_the_build_pythons_settings_do_not_reach_the_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PYTHONPATH and the like are the build Python's: a module there that shadows the standard library
    would break the runtime's compiling and recording, so every run of the runtime leaves them out."""
    from bundle import dataclass_code
    from bundle.runtime_python import without_python_settings
    from tests.runtime_site import required_runtime

    assert without_python_settings({"PATH": "/bin", "PYTHONPATH": "x", "PYTHONHOME": "y", "MY_PYTHON": "z"}) == {
        "PATH": "/bin", "MY_PYTHON": "z"}
    assert runtime_env(required_runtime(), "/extra", base={"PATH": "/bin", "PYTHONHOME": "y"})["PYTHONPATH"].startswith(
        "/extra" + os.pathsep)
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    for module in ("base64", "marshal", "dataclasses"):
        (shadow / f"{module}.py").write_text("raise SystemExit('the build Python’s PYTHONPATH reached the runtime')\n")
    monkeypatch.setenv("PYTHONPATH", str(shadow))
    monkeypatch.setattr(bytecode, "_compiled", {})
    monkeypatch.setattr(dataclass_code, "_recorded", {})
    runtime = required_runtime()
    compiled = bytecode.with_bytecode({"m.py": b"x = 1\n"}, TASK_ROOT, runtime)
    assert sorted(compiled) == ["__pycache__/m." + CACHE_TAG + ".pyc", "m.py"]
    assert build_artifacts(runtime)[-1].name == LAYER_NAME  # the layer's dataclass code recorded
