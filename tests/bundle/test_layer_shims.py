"""bundle/layer_shims: what the layer provides in place of typing_extensions behaves like it."""
from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typing_extensions as real

from bundle import artifacts
from bundle.import_closure import exported_names, names_imported_from

SHIM = artifacts.SHIMS / "typing_extensions.py"


@pytest.fixture(scope="module")
def shim() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layer_typing_extensions", SHIM)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _decorated(deprecated: Any, category: type[Warning] | None) -> tuple[Any, Any]:
    @deprecated("use g instead", category=category)
    def f(x: int) -> int:
        """f's doc"""
        return x + 1

    @deprecated("use D instead", category=category)
    class C:
        def __init__(self, x: int) -> None:
            self.x = x

    return f, C


@pytest.mark.parametrize("category", [None, DeprecationWarning, UserWarning], ids=["no-warning", "deprecation", "user"])
def test_deprecated_behaves_like_typing_extensions(shim: ModuleType, category: type[Warning] | None) -> None:
    for deprecated in (shim.deprecated, real.deprecated):
        f, cls = _decorated(deprecated, category)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert f(1) == 2 and cls(3).x == 3
        assert [(type(w.message), str(w.message)) for w in caught] == (
            [] if category is None else [(category, "use g instead"), (category, "use D instead")]), deprecated
        assert (f.__deprecated__, cls.__deprecated__, f.__name__, f.__doc__) == (
            "use g instead", "use D instead", "f", "f's doc")


def test_deprecated_needs_a_message(shim: ModuleType) -> None:
    with pytest.raises(TypeError):
        shim.deprecated(42)


def test_the_shim_provides_every_name_the_vendored_powertools_imports() -> None:
    site = Path(real.__file__).parent
    files = artifacts.vendored_files(artifacts._our_modules(), site, artifacts.VENDORED, available={"typing_extensions"})
    assert names_imported_from(files, "typing_extensions") <= exported_names(SHIM) == {"deprecated"}


def test_a_powertools_import_the_shim_lacks_stops_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vendored = tmp_path / "uses_more.py"
    vendored.write_text("from typing_extensions import deprecated, TypeIs\n")
    with pytest.raises(RuntimeError, match="TypeIs from typing_extensions"):
        artifacts._check_shims({vendored})
    vendored.write_text("import typing_extensions\n")
    with pytest.raises(RuntimeError, match=r"\* from typing_extensions"):
        artifacts._check_shims({vendored})
    vendored.write_text("from typing_extensions import deprecated\n")
    artifacts._check_shims({vendored})
