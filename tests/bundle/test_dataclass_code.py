"""The layer's compiled dataclass methods (bundle/dataclass_code.py, ops_alert_aws.dataclass_code).

On the runtime interpreter `make package` installed (tests/runtime_site.py), importing each packaged
handler runs the shipped code of every dataclass its imports create, and the classes come out the
same as when ``dataclasses`` compiles them; on the test interpreter the file is ignored.
"""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from bundle import dataclass_code
from bundle.artifacts import FUNCTION_NAMES, LAYER_NAME, Artifact, build_artifacts
from bundle.cli_errors import UserError
from bundle.runtime_python import RuntimePython
from ops_alert_aws.dataclass_code import load, shipped_dataclass_code
from tests.runtime_site import runtime_env

SHIPPED = Path(dataclass_code.LAYER_PATH).relative_to("python")

# Run by the runtime with the task directories and the layer on PYTHONPATH: imports the modules named
# in argv, and reports for each dataclass created (by the frame of dataclasses that creates it)
# whether it ran shipped code ("hits"), compiled its text inside the handler's block ("misses") or
# outside any block ("outside"); whether the shadow is left; and a digest of the generated methods'
# code of every dataclass in our modules.
_PROBE = r"""
import builtins, dataclasses, hashlib, importlib, inspect, json, sys, types
roots = tuple(sys.argv[1].split(":"))
found = {"hits": [], "misses": [], "outside": []}
real = builtins.exec
def counting(source, globals=None, locals=None, /):
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_name != "add_fns_to_class":
        frame = frame.f_back
    if frame is not None:
        cls = frame.f_locals["cls"]
        kind = "outside" if "exec" not in vars(dataclasses) else "misses" if isinstance(source, str) else "hits"
        found[kind].append(f"{cls.__module__}.{cls.__qualname__}")
    return real(source, globals, locals)
builtins.exec = counting
for name in sys.argv[2:]:
    importlib.import_module(name)
builtins.exec = real

def constant(value):
    # A set literal's frozenset iterates in string-hash order, which differs per process.
    if isinstance(value, types.CodeType):
        return digest(value)
    if isinstance(value, frozenset):
        return ("frozenset", sorted(repr(v) for v in value))
    if isinstance(value, tuple):
        return tuple(constant(v) for v in value)
    return repr(value)

def digest(code):
    parts = []
    for field in ("co_code", "co_consts", "co_names", "co_varnames", "co_freevars", "co_cellvars", "co_flags",
                  "co_argcount", "co_posonlyargcount", "co_kwonlyargcount", "co_qualname", "co_filename",
                  "co_firstlineno", "co_linetable", "co_exceptiontable"):
        value = getattr(code, field)
        parts.append(repr(constant(value) if field == "co_consts" else value))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()

classes = {}
for module in list(sys.modules.values()):
    if not str(getattr(module, "__file__", None) or "").startswith(roots):
        continue
    for cls in vars(module).values():
        if isinstance(cls, type) and "__dataclass_fields__" in vars(cls) and cls.__module__ == module.__name__:
            classes[f"{cls.__module__}.{cls.__qualname__}"] = {
                name: digest(fn.__code__) for name, fn in ((n, inspect.unwrap(f)) for n, f in vars(cls).items()
                                                           if inspect.isfunction(f))
                if fn.__code__.co_filename == "<string>"}  # unwrapped: __repr__ is in recursive_repr
found["classes"] = classes
found["shadow_left"] = "exec" in vars(dataclasses)
print(json.dumps(found))
"""

# The generated methods the digest must cover where a class has them (frozen: __setattr__, __delattr__).
METHODS = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__")


def _layer_modules(layer: Path) -> list[str]:
    names = []
    for path in sorted(layer.rglob("*.py")):
        parts = path.relative_to(layer).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _probe(runtime: RuntimePython, tasks: list[Path], layer: Path, modules: list[str]) -> dict:
    env = runtime_env(runtime, *map(str, tasks), str(layer), base={
        "PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"})
    roots = ":".join(str(p) for p in [*tasks, layer])
    try:
        out = runtime.run(["-c", _PROBE, roots, *modules], env={**env, "PYTHONDONTWRITEBYTECODE": "1"})
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"importing {modules[0]} on {runtime.describe()} failed:\n{exc.stderr.decode()[-3000:]}")
    result: dict = json.loads(out.splitlines()[-1])
    return result


def _copy_layer(extracted: Path, target: Path) -> Path:
    shutil.copytree(extracted / "opt" / "python", target)
    return target


@pytest.mark.parametrize("function", FUNCTION_NAMES)
def test_each_handler_runs_the_shipped_code_of_every_dataclass_its_imports_create(
        runtime: RuntimePython, extracted: Path, function: str) -> None:
    found = _probe(runtime, [extracted / "task" / function], extracted / "opt" / "python", [function])
    assert found["misses"] == []
    assert len(found["hits"]) >= 10
    assert any(name.startswith("ops_alert.") for name in found["hits"])
    # Only the handler module's own classes come after its block (a few, in the rarely run functions).
    assert [name for name in found["outside"] if not name.startswith(f"{function}.")] == []
    assert found["shadow_left"] is False


def test_the_processor_creates_all_its_import_time_dataclasses_from_shipped_code(
        runtime: RuntimePython, extracted: Path) -> None:
    found = _probe(runtime, [extracted / "task" / "notification_processor"], extracted / "opt" / "python",
                   ["notification_processor"])
    assert (len(found["hits"]), found["misses"], found["outside"]) == (len(found["hits"]), [], [])
    assert "processor_capacity.Capacity" in found["hits"]  # beside the handler, imported through the pipeline
    assert "ops_alert.results.Processed" in found["hits"]


def test_a_dataclass_added_without_rebuilding_is_compiled_not_an_error(
        runtime: RuntimePython, extracted: Path, tmp_path: Path) -> None:
    layer = _copy_layer(extracted, tmp_path / "python")
    results = layer / "ops_alert" / "results.py"
    results.write_text(results.read_text() + "\n\n@dataclass(frozen=True)\nclass AddedByTest:\n    value: int\n")
    found = _probe(runtime, [extracted / "task" / "notification_processor"], layer, ["notification_processor"])
    assert found["misses"] == ["ops_alert.results.AddedByTest"]
    assert "ops_alert.results.Processed" in found["hits"]
    assert found["shadow_left"] is False


def test_the_classes_are_the_same_with_and_without_the_shipped_code(
        runtime: RuntimePython, extracted: Path, tmp_path: Path) -> None:
    tasks = [extracted / "task" / name for name in FUNCTION_NAMES]
    without = _copy_layer(extracted, tmp_path / "python")
    (without / SHIPPED).unlink()
    modules = [*FUNCTION_NAMES, *_layer_modules(extracted / "opt" / "python")]
    shipped = _probe(runtime, tasks, extracted / "opt" / "python", modules)
    compiled = _probe(runtime, tasks, without, modules)
    assert (len(shipped["hits"]) > 79, shipped["misses"]) == (True, [])
    assert compiled["hits"] == []  # really compiled from text: the comparison compares two ways
    assert len(shipped["classes"]) > 79
    assert all(shipped["classes"].values())
    covered = {name for methods in shipped["classes"].values() for name in methods}
    assert covered >= set(METHODS)
    assert shipped["classes"] == compiled["classes"]


def _replace_magic(data: bytes) -> bytes:
    return b"\x00\x00\r\n" + data[4:]


TAMPERED: list[tuple[str, Callable[[bytes], bytes] | None]] = [
    ("missing", None),
    ("wrong-magic", _replace_magic),
    ("truncated", lambda data: data[:len(data) // 2]),
    ("corrupt", lambda data: data[:4] + bytes(reversed(data[4:]))),
]


@pytest.mark.parametrize("tamper", [t for _, t in TAMPERED], ids=[i for i, _ in TAMPERED])
def test_without_a_usable_file_the_processor_imports_as_before(
        runtime: RuntimePython, extracted: Path, tmp_path: Path, tamper: Callable[[bytes], bytes] | None) -> None:
    layer = _copy_layer(extracted, tmp_path / "python")
    if tamper is None:
        (layer / SHIPPED).unlink()
    else:
        (layer / SHIPPED).write_bytes(tamper((layer / SHIPPED).read_bytes()))
    found = _probe(runtime, [extracted / "task" / "notification_processor"], layer, ["notification_processor"])
    assert found["hits"] == found["misses"] == []
    assert "ops_alert.results.Processed" in found["outside"]
    assert found["shadow_left"] is False


def test_the_test_interpreter_ignores_the_runtimes_file(artifacts: list[Artifact], tmp_path: Path) -> None:
    # Named for this Python, so that only the magic number can refuse it.
    with zipfile.ZipFile(io.BytesIO(artifacts[-1].content)) as layer:
        data = layer.read(dataclass_code.LAYER_PATH)
    path = tmp_path / "dataclass_code.marshal"
    path.write_bytes(data)
    assert load(str(path)) is None
    import dataclasses
    with shipped_dataclass_code(str(path)):
        assert "exec" not in vars(dataclasses)


def test_the_file_maps_each_text_to_the_code_exec_makes_of_it(runtime: RuntimePython,
                                                               artifacts: list[Artifact]) -> None:
    with zipfile.ZipFile(io.BytesIO(artifacts[-1].content)) as layer:
        assert [n for n in layer.namelist() if n.endswith(".marshal")] == [dataclass_code.LAYER_PATH]
        data = layer.read(dataclass_code.LAYER_PATH)
    # The runtime execs each text as dataclasses does (a str, from code without future imports) and
    # compares the function it defines with the one in the shipped code (file name, flags, bytecode).
    check = r"""
import importlib.util, marshal, sys, types
data = sys.stdin.buffer.read()
assert data[:4] == importlib.util.MAGIC_NUMBER, "not the runtime's magic number"
shipped = marshal.loads(data[4:])
assert list(shipped) == sorted(shipped), "not in sorted order"
for text, code in shipped.items():
    ns = {}
    exec(text, {}, ns)
    inner = [c for c in code.co_consts if isinstance(c, types.CodeType)]
    assert inner == [ns["__create_fn__"].__code__] and code.co_filename == "<string>", text
print(len(shipped))
"""
    count = int(runtime.run(["-c", check], input=data, env={"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"}))
    assert count > 79


def test_two_builds_carry_identical_bytes(runtime: RuntimePython, artifacts: list[Artifact],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dataclass_code, "_recorded", {})  # recorded again, by a new interpreter process
    again = build_artifacts(runtime)
    assert dataclass_code._recorded  # really recorded
    assert [(a.name, a.content) for a in again] == [(a.name, a.content) for a in artifacts]


def test_without_a_runtime_the_layer_carries_no_file() -> None:
    layer = build_artifacts(None)[-1]
    assert layer.name == LAYER_NAME
    with zipfile.ZipFile(io.BytesIO(layer.content)) as archive:
        assert [n for n in archive.namelist() if n.endswith(".marshal")] == []


def test_a_handler_that_does_not_import_on_the_runtime_stops_the_build_in_one_line(
        runtime: RuntimePython, tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "broken.py").write_text("raise RuntimeError('cannot start')\n")
    with pytest.raises(UserError) as raised:
        dataclass_code.layer_entries(runtime, tmp_path, ["broken"], [])
    assert str(raised.value) == (
        f"{runtime.describe()} could not import the functions to record their dataclasses' code (exit 1: "
        "RuntimeError: cannot start): fix it, or set RUNTIME_PYTHON=none for zips without bytecode")

