"""The compiled methods of our dataclasses, for the layer (functions/ops_alert_aws/dataclass_code.py).

``dataclasses`` generates each class's methods as source text and compiles it on every import: on
python3.14 ~35 ms of the notification processor's ~50 ms import CPU. Here the runtime's own
interpreter (bundle/runtime_python.py) imports what Lambda imports (the four handler modules, every
module of the layer's packages, from the same sources the zips carry, with the SDK as the runtime has
it) and records every text ``dataclasses`` executes; each is compiled exactly as that ``exec`` of a
str compiles it (file name ``<string>``, no inherited future flags: ``dataclasses`` has none). The
file is the interpreter's magic number, then ``marshal`` of {text: code} in sorted order: the same
sources and interpreter give the same bytes (fixed hash seed, as bundle/bytecode.py).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from bundle.runtime_python import CACHE_TAG, RuntimePython
from bundle.runtime_sdk import runtime_env

# Where the layer carries it: beside the module that reads it, named for the Python it is for.
LAYER_PATH = f"python/ops_alert_aws/dataclass_code.{CACHE_TAG}.marshal"

# Run by the runtime interpreter: argv[1] is where to write, then the modules to import in order.
_RECORDER = """
import builtins, dataclasses, importlib, importlib.util, marshal, sys
out, modules = sys.argv[1], sys.argv[2:]
texts = set()
def recording(source, globals=None, locals=None, /):
    texts.add(source)
    return builtins.exec(source, globals, locals)
dataclasses.exec = recording
for name in modules:
    importlib.import_module(name)
del dataclasses.exec
if not texts:
    sys.exit("no dataclass was created")
code = {text: compile(text, "<string>", "exec", dont_inherit=True) for text in sorted(texts)}
with open(out, "wb") as file:
    file.write(importlib.util.MAGIC_NUMBER + marshal.dumps(code))
"""

_lock = threading.Lock()
_recorded: dict[tuple[tuple[str, ...], str], bytes] = {}  # (interpreter, sources' SHA-256) → file


def layer_entries(python: RuntimePython | None, functions: Path, handlers: Iterable[str],
                  modules: Iterable[tuple[Path, str]]) -> dict[str, bytes]:
    """{LAYER_PATH: the file} for the layer zip; nothing without a runtime interpreter.

    ``modules``: every module the zips carry with its import name (bundle.artifacts.packaged_modules);
    the handlers are imported first, then every module of the layer's packages."""
    if python is None:
        return {}
    handlers = tuple(handlers)
    carried = sorted(modules)
    digest = hashlib.sha256()
    for path, _ in carried:
        content = path.read_bytes()
        digest.update(f"{path.relative_to(functions).as_posix()}\0{len(content)}\0".encode())
        digest.update(content)
    key = (python.argv, digest.hexdigest())
    with _lock:
        if key not in _recorded:
            in_packages = [name for path, name in carried if path.relative_to(functions).parts[0] not in handlers]
            _recorded[key] = _record(python, [str(functions / name) for name in handlers] + [str(functions)],
                                     [*handlers, *in_packages])
        return {LAYER_PATH: _recorded[key]}


def _record(python: RuntimePython, path: list[str], modules: list[str]) -> bytes:
    with tempfile.TemporaryDirectory(prefix="dataclass-code.") as tmp:
        home, empty, out = Path(tmp, "home"), Path(tmp, "empty"), Path(tmp, "code.marshal")
        home.mkdir()
        empty.write_bytes(b"")
        env = {
            # Only PATH of this process's environment (none of its PYTHON* settings), the SDK importable.
            **runtime_env(python, *path, base={"PATH": os.environ.get("PATH", os.defpath)}),
            "PYTHONHASHSEED": "0",  # constant sets are laid out by string hash
            "PYTHONDONTWRITEBYTECODE": "1",  # nothing written into the source tree
            # Importing reads no AWS configuration of the build machine, and never calls AWS.
            "HOME": str(home), "AWS_CONFIG_FILE": str(empty), "AWS_SHARED_CREDENTIALS_FILE": str(empty),
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
        }
        python.run_for_build(["-c", _RECORDER, str(out), *modules], env=env,
                             doing="import the functions to record their dataclasses' code")
        return out.read_bytes()
