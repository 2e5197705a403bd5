"""Our dataclasses' generated methods, compiled at build time for the runtime's Python.

``dataclasses`` writes each class's methods as source text and compiles it while the module that
defines the class imports (on 3.14 one ``exec`` of that text per class). Measured on python3.14 with
the shipped bytecode, that was ~35 ms of the notification processor's ~50 ms import CPU (79
classes). The build (bundle/dataclass_code.py) runs the same imports on the runtime's interpreter,
records every text, and ships the compiled code beside this module, keyed by the text; while a
handler imports, ``dataclasses``' ``exec`` runs that code for a text it knows, and compiles any other
text as before (a dataclass added without rebuilding). Measured: the import 50 → 21 ms, plus ~1 ms
to load the file.

The file starts with the magic number of the Python that compiled it, like a .pyc: another Python
(3.11 in the tests), a missing or unreadable file, and nothing changes.
"""
from __future__ import annotations

import builtins
import dataclasses
import marshal
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import MAGIC_NUMBER
from types import CodeType
from typing import Any

CODE_FILE = os.path.join(os.path.dirname(__file__), f"dataclass_code.{sys.implementation.cache_tag}.marshal")


def load(path: str = CODE_FILE) -> dict[str, CodeType] | None:
    """Text → code from ``path``; None when it is missing, unreadable, or not this Python's."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return None
    if data[:len(MAGIC_NUMBER)] != MAGIC_NUMBER:
        return None  # another Python's code objects: never unmarshalled here
    try:
        code = marshal.loads(data[len(MAGIC_NUMBER):])
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(code, dict) or not all(type(k) is str and type(v) is CodeType for k, v in code.items()):
        return None
    return code


@contextmanager
def shipped_dataclass_code(path: str = CODE_FILE) -> Iterator[None]:
    """Dataclasses created inside run the shipped code of their methods; ``dataclasses`` is as it was
    afterwards, also when an import inside raises. Nested, the outer one decides."""
    if "exec" in vars(dataclasses):
        yield
        return
    shipped = load(path)
    if shipped is None:
        yield
        return

    def replay(source: Any, globals: Any = None, locals: Any = None, /, **options: Any) -> None:  # exec's
        code = shipped.get(source) if type(source) is str else None
        builtins.exec(source if code is None else code, globals, locals, **options)

    dataclasses.exec = replay  # type: ignore[attr-defined]  # shadows the builtin for that module only
    try:
        yield
    finally:
        del dataclasses.exec  # type: ignore[attr-defined]
