"""Bytecode for the Lambda runtime, shipped in the zips beside the source.

Compiled by the runtime's own interpreter (bundle/runtime_python.py), one process per batch, as
``py_compile`` would with ``--invalidation-mode checked-hash``: the .pyc records a hash of its
source instead of a modification time, so it stays valid however Lambda extracts the zip (the zips'
timestamps are fixed) and is ignored, and the source compiled as before, if the source is edited.
The file name compiled in is the one Lambda runs (/var/task/…, /opt/python/…), as tracebacks show it.

The bytes are reproducible for the same interpreter version: sources compiled in a fixed order,
with a fixed hash seed (constant sets are laid out by string hash).
"""
from __future__ import annotations

import base64
import hashlib
import json
import threading
from pathlib import PurePosixPath

from bundle.cli_errors import UserError
from bundle.runtime_python import CACHE_TAG, NAME, RuntimePython, without_python_settings

# Run by the runtime interpreter: what py_compile does for one file (compile with dont_inherit, then
# the checked-hash header), for every file on stdin; or where the first one that does not compile fails.
_COMPILER = """
import base64, importlib.util, json, sys
from importlib._bootstrap_external import _code_to_hash_pyc
out = {}
for name, dfile, source in json.load(sys.stdin):
    data = base64.b64decode(source)
    try:
        code = compile(data, dfile, "exec", dont_inherit=True)
    except SyntaxError as exc:
        json.dump({"error": f"{exc.filename}:{exc.lineno}: {exc.msg}"}, sys.stdout)
        sys.exit()
    out[name] = base64.b64encode(bytes(_code_to_hash_pyc(code, importlib.util.source_hash(data), True))).decode()
json.dump({"compiled": out}, sys.stdout)
"""

_lock = threading.Lock()
_compiled: dict[tuple[tuple[str, ...], str, str], bytes] = {}  # (interpreter, dfile, source SHA-256) → .pyc


def pyc_name(source_name: str) -> str:
    """``a/b.py`` → ``a/__pycache__/b.cpython-314.pyc``, where the runtime's import looks."""
    path = PurePosixPath(source_name)
    return str(path.parent / "__pycache__" / f"{path.stem}.{CACHE_TAG}.pyc").removeprefix("./")


def with_bytecode(entries: dict[str, bytes], lambda_root: str, python: RuntimePython | None) -> dict[str, bytes]:
    """``entries`` (archive name → bytes) plus a .pyc for each .py, compiled as if the archive were
    extracted at ``lambda_root`` (/var/task, /opt); unchanged when there is no runtime interpreter."""
    if python is None:
        return dict(entries)
    sources = {name: data for name, data in entries.items() if name.endswith(".py")}
    keys = {name: (python.argv, f"{lambda_root}/{name}", hashlib.sha256(data).hexdigest())
            for name, data in sources.items()}
    with _lock:
        missing = sorted(name for name, key in keys.items() if key not in _compiled)
        if missing:
            batch = [[name, keys[name][1], base64.b64encode(sources[name]).decode()] for name in missing]
            out = _compile(python, batch)
            for name in missing:
                _compiled[keys[name]] = base64.b64decode(out[name])
        compiled = {pyc_name(name): _compiled[key] for name, key in keys.items()}
    return {**entries, **compiled}


def _compile(python: RuntimePython, batch: list[list[str]]) -> dict[str, str]:
    """Archive name → base64 .pyc; a module the runtime cannot compile, or an interpreter that fails,
    is one line for the build's user (Lambda could not import that module either)."""
    out = json.loads(python.run_for_build(["-c", _COMPILER], doing="compile the zips' bytecode",
                                          input=json.dumps(batch).encode(), env=_env()))
    if "error" in out:
        raise UserError(f"{out['error']}: {NAME} cannot compile it, so Lambda could not import it")
    compiled: dict[str, str] = out["compiled"]
    return compiled


def _env() -> dict[str, str]:
    return {**without_python_settings(), "PYTHONHASHSEED": "0"}
