"""The AWS SDK for the runtime interpreter (bundle/runtime_python.py), as Lambda's runtime provides it.

Lambda's python3.14 runtime comes with boto3 and botocore; what runs our modules on that interpreter
at build time (bundle/dataclass_code.py), and the tests and the bench that run our zips on it, need
them too. They are pure Python, so the build's own installed copies serve: a directory of links to
them (no download, the same versions as every other step), put on the interpreter's PYTHONPATH.
"""
from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
from pathlib import Path

from bundle.runtime_python import INSTALL_DIR, RuntimePython, without_python_settings

# What `import boto3` needs, by distribution (pure Python, every one).
SDK_DISTRIBUTIONS = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
SDK_SITE = INSTALL_DIR / "sdk-site"


def sdk_site(target: Path = SDK_SITE) -> Path:
    """A directory with the SDK's top-level modules linked in (rebuilt when a version changes).

    Built aside and renamed into place, so builds and test workers running at once never see it half
    made (a stale one is swapped out the same way)."""
    versions = "\n".join(f"{d}=={importlib.metadata.version(d)}" for d in SDK_DISTRIBUTIONS)
    if _current(target, versions):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    for distribution in SDK_DISTRIBUTIONS:
        for top in _top_level(distribution):
            (fresh / top.name).symlink_to(top)
    (fresh / "versions.txt").write_text(versions)
    stale = Path(tempfile.mkdtemp(prefix=f".{target.name}.stale.", dir=target.parent))
    try:
        if target.exists() and not _current(target, versions):
            target.rename(stale / target.name)
        fresh.rename(target)
    except OSError:
        if not _current(target, versions):  # not another process's equal copy: a real failure
            raise
        shutil.rmtree(fresh)
    finally:
        shutil.rmtree(stale)
    return target


def _current(target: Path, versions: str) -> bool:
    stamp = target / "versions.txt"
    return stamp.is_file() and stamp.read_text() == versions


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
    return {**without_python_settings(base), "PYTHONPATH": os.pathsep.join([*extra, str(sdk_site())])}
