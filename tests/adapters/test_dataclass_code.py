"""ops_alert_aws.dataclass_code on the test interpreter: shipped code is used only when it is this
Python's, a text it does not hold is compiled as before, and ``dataclasses`` is left as it was.

The build ships python3.14's code (tests/bundle/test_dataclass_code.py runs it there); here a file of
this interpreter's own code stands in for it.
"""
from __future__ import annotations

import builtins
import dataclasses
import marshal
import sys
from collections.abc import Callable, Iterator
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

import pytest

from ops_alert_aws import dataclass_code
from ops_alert_aws.dataclass_code import load, shipped_dataclass_code


def _point() -> type:
    @dataclasses.dataclass(frozen=True)
    class Point:
        x: int
        y: int = 0
    return Point


def _other() -> type:
    @dataclasses.dataclass
    class Other:
        name: str
    return Other


def _texts(make: Callable[[], type]) -> list[str]:
    """The texts ``dataclasses`` executes to create the class ``make`` defines."""
    seen: list[str] = []

    def recording(source: Any, globals: Any = None, locals: Any = None, /) -> None:
        seen.append(source)
        builtins.exec(source, globals, locals)

    dataclasses.exec = recording  # type: ignore[attr-defined]
    try:
        make()
    finally:
        del dataclasses.exec  # type: ignore[attr-defined]
    return seen


def _file(path: Path, texts: list[str], magic: bytes = MAGIC_NUMBER) -> Path:
    path.write_bytes(magic + marshal.dumps({t: compile(t, "<string>", "exec", dont_inherit=True) for t in texts}))
    return path


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What each exec ``dataclasses`` makes runs: "shipped" (a code object) or "compiled" (a text)."""
    ran: list[str] = []
    real = builtins.exec

    def counting(source: Any, globals: Any = None, locals: Any = None, /) -> None:
        ran.append("compiled" if isinstance(source, str) else "shipped")
        real(source, globals, locals)

    monkeypatch.setattr(builtins, "exec", counting)
    yield ran


def test_a_class_whose_texts_are_shipped_runs_the_shipped_code(tmp_path: Path, executed: list[str]) -> None:
    texts = _texts(_point)
    executed.clear()
    with shipped_dataclass_code(str(_file(tmp_path / "code.marshal", texts))):
        point = _point()(1)
    assert executed == ["shipped"] * len(texts)
    assert repr(point).endswith(".Point(x=1, y=0)") and point == point.__class__(1, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]


def test_a_class_the_build_did_not_see_is_compiled_from_its_text(tmp_path: Path, executed: list[str]) -> None:
    shipped = _file(tmp_path / "code.marshal", _texts(_point))
    executed.clear()
    with shipped_dataclass_code(str(shipped)):
        other = _other()("a")
    assert set(executed) == {"compiled"}
    assert repr(other).endswith(".Other(name='a')")


def test_classes_created_after_the_block_are_compiled_as_usual(tmp_path: Path, executed: list[str]) -> None:
    shipped = _file(tmp_path / "code.marshal", _texts(_point))
    with shipped_dataclass_code(str(shipped)):
        assert "exec" in vars(dataclasses)  # the shadow is on inside
    executed.clear()
    _point()
    assert set(executed) == {"compiled"}
    assert "exec" not in vars(dataclasses)


def _not_a_code_dict(path: Path) -> Path:
    path.write_bytes(MAGIC_NUMBER + marshal.dumps(["not", "a", "dict"]))
    return path


def _not_code(path: Path) -> Path:
    path.write_bytes(MAGIC_NUMBER + marshal.dumps({"text": "not code"}))
    return path


def _truncated(path: Path) -> Path:
    whole = _file(path, _texts(_point)).read_bytes()
    path.write_bytes(whole[:len(whole) // 2])
    return path


UNUSABLE: list[tuple[str, Callable[[Path], Path]]] = [
    ("missing", lambda p: p),
    ("another-pythons", lambda p: _file(p, _texts(_point), magic=b"\x2b\x0e\r\n")),  # 3.14's magic
    ("empty", lambda p: (p.write_bytes(b""), p)[1]),
    ("truncated", _truncated),
    ("garbage", lambda p: (p.write_bytes(MAGIC_NUMBER + b"\xff" * 64), p)[1]),
    ("not-a-dict", _not_a_code_dict),
    ("values-not-code", _not_code),
]


@pytest.mark.parametrize("make", [m for _, m in UNUSABLE], ids=[i for i, _ in UNUSABLE])
def test_an_unusable_file_changes_nothing(tmp_path: Path, executed: list[str], make: Callable[[Path], Path]) -> None:
    path = make(tmp_path / "code.marshal")
    assert load(str(path)) is None
    executed.clear()
    with shipped_dataclass_code(str(path)):
        assert "exec" not in vars(dataclasses)
        point = _point()(3, 4)
    assert set(executed) == {"compiled"}
    assert repr(point).endswith(".Point(x=3, y=4)")


def test_the_shadow_is_removed_when_an_import_inside_raises(tmp_path: Path) -> None:
    shipped = _file(tmp_path / "code.marshal", _texts(_point))
    with pytest.raises(ModuleNotFoundError), shipped_dataclass_code(str(shipped)):
        assert "exec" in vars(dataclasses)
        import a_module_that_does_not_exist  # noqa: F401 - the failing import is the test
    assert "exec" not in vars(dataclasses)


def test_nested_the_outer_block_decides(tmp_path: Path, executed: list[str]) -> None:
    shipped = _file(tmp_path / "code.marshal", _texts(_point))
    with shipped_dataclass_code(str(shipped)):
        outer = vars(dataclasses)["exec"]
        with shipped_dataclass_code(str(tmp_path / "missing.marshal")):
            assert vars(dataclasses)["exec"] is outer
        assert vars(dataclasses)["exec"] is outer  # the inner one left it on
        executed.clear()
        _point()
    assert set(executed) == {"shipped"}
    assert "exec" not in vars(dataclasses)


def test_the_default_file_is_beside_the_module_and_named_for_this_python() -> None:
    assert Path(dataclass_code.CODE_FILE) == (
        Path(dataclass_code.__file__).parent / f"dataclass_code.{sys.implementation.cache_tag}.marshal")


def test_loaded_code_maps_each_text_to_code(tmp_path: Path) -> None:
    texts = _texts(_point)
    loaded = load(str(_file(tmp_path / "code.marshal", texts)))
    assert loaded is not None and sorted(loaded) == sorted(texts)
    assert all(isinstance(code, CodeType) and code.co_filename == "<string>" for code in loaded.values())
