"""Which files of a vendored package the functions can import: the static import closure.

The layer vendors Powertools from the build environment; the functions use three of its
utilities (logging, metrics, idempotency), a sixth of its files. Starting from our own
modules, every ``import`` and ``from … import`` statement is followed, wherever it stands: at
module level, inside functions (the lazy imports of a path that runs only sometimes), in ``try``
blocks. Only ``if TYPE_CHECKING:`` blocks are skipped: they never run. The result is a superset
of what any run can import, computed without running anything; the functional tests then run every
handler path from the trimmed zips, and tests/bundle/test_layer.py imports every handler and every
vendored module with nothing but the layer to find them in.
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

# What the Lambda Python runtime provides besides the standard library: boto3 and its dependencies.
RUNTIME_PACKAGES = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"})


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, *, module_level: bool = False) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements that can run; ``module_level``: only those that always run on import and
    must succeed (not inside a function or an ``if``, nor a ``try`` that handles a failed import)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if module_level and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if module_level and isinstance(node, ast.If):
            continue  # may not run (a version check, say): never a reason to call a module unimportable
        if module_level and isinstance(node, ast.Try) and node.handlers:
            stack.extend(node.orelse + node.finalbody)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


class ImportClosure:
    """Files under ``roots`` (directories that hold top-level modules or packages) reachable by import."""

    def __init__(self, roots: Iterable[Path], vendored: Iterable[str], available: Iterable[str] = ()) -> None:
        self.roots = list(roots)
        self.vendored = set(vendored)  # top-level names whose files are collected
        self.available = RUNTIME_PACKAGES | set(available)  # importable on Lambda besides those
        self.files: set[Path] = set()
        self._importable: dict[str, bool] = {}

    def importable(self, dotted: str) -> bool:
        """False when importing ``dotted`` needs a package Lambda lacks (Powertools' optional
        pydantic, for example): such a module cannot run there, nor anything reached only through it."""
        if dotted in self._importable:
            return self._importable[dotted]
        self._importable[dotted] = True  # an import cycle: assume so while deciding
        path = self._locate(dotted)
        ok = True
        if path is not None:
            tree = ast.parse(path.read_bytes(), filename=str(path))
            for target in self._targets(tree, path, dotted, module_level=True):
                top = target.split(".")[0]
                if top in self.vendored:
                    parent = target.rpartition(".")[0]
                    ok = self.importable(target) and (not parent or self.importable(parent))
                elif top and not (top in sys.stdlib_module_names or top in self.available):
                    ok = False
                if not ok:
                    break
        self._importable[dotted] = ok
        return ok

    def _locate(self, dotted: str) -> Path | None:
        parts = dotted.split(".")
        for root in self.roots:
            base = root.joinpath(*parts)
            for candidate in (base / "__init__.py", base.with_suffix(".py")):
                if candidate.is_file():
                    return candidate
        return None

    def _package_of(self, path: Path, module: str) -> str:
        return module if path.name == "__init__.py" else module.rpartition(".")[0]

    def add_module(self, dotted: str) -> None:
        """``dotted`` and the packages above it, as ``import dotted`` runs them."""
        parts = dotted.split(".")
        for depth in range(1, len(parts) + 1):
            name = ".".join(parts[:depth])
            path = self._locate(name)
            if path is not None and path not in self.files:
                self.files.add(path)
                self.follow(path, name)

    def _targets(self, tree: ast.AST, path: Path, module: str, *, module_level: bool = False) -> Iterator[str]:
        package = self._package_of(path, module)
        for node in _imports(tree, module_level=module_level):
            if isinstance(node, ast.Import):
                yield from (alias.name for alias in node.names)
                continue
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                base = ".".join([*parts[: len(parts) - (node.level - 1)], *([base] if base else [])])
            yield base
            # ``from pkg import name``: name may be a submodule
            yield from (f"{base}.{alias.name}" for alias in node.names
                        if alias.name != "*" and self._locate(f"{base}.{alias.name}") is not None)

    def follow(self, path: Path, module: str) -> None:
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for target in self._targets(tree, path, module):
            if target.split(".")[0] in self.vendored and self.importable(target):
                self.add_module(target)


def vendored_files(sources: Iterable[tuple[Path, str]], site: Path, vendored: Iterable[str],
                   available: Iterable[str] = ()) -> set[Path]:
    """Files under ``site`` of the ``vendored`` top-level names that ``sources`` (file, module name)
    reach; ``available``: other top-level modules the layer provides."""
    closure = ImportClosure([site], vendored, available)
    for path, module in sources:
        closure.follow(path, module)
    return closure.files


def names_imported_from(files: Iterable[Path], module: str) -> set[str]:
    """Names the files take from ``module`` (``from module import a, b``); ``*`` for a plain
    ``import module`` or a star import, whose use cannot be told statically."""
    names: set[str] = set()
    for path in files:
        for node in _imports(ast.parse(path.read_bytes(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module == module and not node.level:
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.Import) and any(alias.name == module for alias in node.names):
                names.add("*")
    return names


def exported_names(path: Path) -> set[str]:
    """A module's ``__all__``, read without importing it."""
    for node in ast.parse(path.read_bytes(), filename=str(path)).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()
