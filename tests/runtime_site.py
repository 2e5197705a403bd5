"""The AWS SDK for the runtime interpreter (bundle/runtime_python.py), as Lambda's runtime provides it.

Lambda's python3.14 runtime comes with boto3 and botocore; the tests and the bench that run our zips
on that interpreter need them too. They are pure Python, so the build's own installed copies serve:
a directory of links to them (no download, the same versions as every other test), put on the
interpreter's PYTHONPATH. The interpreter writes its bytecode beside theirs on first import, as the
runtime's SDK has its bytecode already.
"""
from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

import pytest

from bundle import runtime_python
from bundle.artifacts import found_runtime
from bundle.runtime_python import INSTALL_DIR, NAME, RuntimePython

# What `import boto3` needs, by distribution (pure Python, every one).
SDK_DISTRIBUTIONS = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")


def sdk_site(target: Path = INSTALL_DIR / "sdk-site") -> Path:
    """A directory with the SDK's top-level modules linked in (rebuilt when a version changes)."""
    versions = "\n".join(f"{d}=={importlib.metadata.version(d)}" for d in SDK_DISTRIBUTIONS)
    stamp = target / "versions.txt"
    if stamp.is_file() and stamp.read_text() == versions:
        return target
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        old.unlink()
    for distribution in SDK_DISTRIBUTIONS:
        for top in _top_level(distribution):
            (target / top.name).symlink_to(top)
    stamp.write_text(versions)
    return target


def _top_level(distribution: str) -> list[Path]:
    """The distribution's importable top-level packages and modules, as installed."""
    found: set[Path] = set()
    for file in importlib.metadata.files(distribution) or []:
        parts = file.parts
        if ".." in parts or parts[0].endswith((".dist-info", ".data")) or parts[0] == "__pycache__":
            continue
        located = Path(str(file.locate()))
        found.add(located.parents[len(parts) - 2] if len(parts) > 1 else located)
    return sorted(p for p in found if p.suffix in ("", ".py"))


def runtime_env(python: RuntimePython, *extra: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for ``python`` with the SDK (and ``extra`` directories) importable, and none of
    the build Python's own settings."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([*extra, str(sdk_site())])
    return env


def required_runtime() -> RuntimePython:
    """The interpreter `make package` found or installed. Without one the calling test skips, saying
    why, or fails under CI (set there, where `make test` has run `make package` first): the tests of
    the shipped bytecode must not pass by not running."""
    python = found_runtime()
    if python is not None:
        return python
    try:
        why = runtime_python.find(fetch=False)[1]
    except runtime_python.Unavailable as exc:
        why = str(exc)
    message = f"no {NAME} to check the zips' bytecode with ({why}): run `make package`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


if __name__ == "__main__":  # pragma: no cover - a developer's shortcut
    print(sdk_site(), file=sys.stderr)
