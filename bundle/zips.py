"""Reproducible zip files: sorted entries, fixed timestamps and permissions, no caches.

The same sources always give the same bytes, so a zip's SHA-256 identifies its content and can be
used in the S3 key (see bundle/artifacts.py).
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date the zip format can store
SKIPPED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}


def files_under(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not SKIPPED_DIRS.intersection(path.relative_to(root).parts) \
                and path.suffix not in SKIPPED_SUFFIXES and path.name != ".DS_Store":
            yield path


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    """A deterministic zip of ``{archive name: content}``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permission bits below are honoured
            info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
            archive.writestr(info, entries[name], compresslevel=9)
    return buffer.getvalue()


def sha256_prefix(data: bytes, length: int = 16) -> str:
    return hashlib.sha256(data).hexdigest()[:length]


# --- content-addressed keys: ``name.<sha256 prefix>.zip`` --------------------------------------------

_KEY = re.compile(r"(?P<name>.+)\.(?P<digest>[0-9a-f]{16})\.zip")


def content_key(name: str, content: bytes) -> str:
    """The S3 key of a zip: its name and the SHA-256 prefix of its bytes (new code, new key)."""
    return f"{name}.{sha256_prefix(content)}.zip"


def parse_key(key: str) -> tuple[str, str] | None:
    """(name, SHA-256 prefix) of a content-addressed key such as ``content_key``'s (an S3 folder
    before it allowed); None for any other key."""
    found = _KEY.fullmatch(key.rsplit("/", 1)[-1])
    return (found["name"], found["digest"]) if found else None


def built_keys(build_dir: Path) -> dict[str, str]:
    """Artifact name → S3 key of the zips in a build directory (the key is the file name)."""
    parsed = ((p.name, parse_key(p.name)) for p in sorted(build_dir.glob("*.zip")))
    return {found[0]: key for key, found in parsed if found}
