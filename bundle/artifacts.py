"""What goes into each Lambda artifact, and its content-addressed S3 key.

Keys look like ``quota_calculator.<sha256 prefix>.zip``: new code means a new key, so a stack update
with re-packaged code really updates the function (the original's fixed keys did not, SPEC §8.12),
and an unchanged function keeps its key, so nothing is redeployed needlessly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bundle.zips import files_under, sha256_prefix, zip_bytes

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
FUNCTION_NAMES = ("quota_calculator", "alarm_updater", "email_subscription_manager", "notification_processor")
LAYER_NAME = "quota_utils_layer"
# The layer is our two packages and nothing else: the functions import only the standard library,
# botocore (it comes with the Lambda runtime) and these (tests/bundle/test_layer.py). Logs, metrics
# and idempotency are our own small modules (ops_alert_aws.log, .metrics, .idempotency), not a
# vendored Powertools: importing it cost every cold start about 45 ms (README "Speed and cost").
LAYER_PACKAGES = ("ops_alert", "ops_alert_aws")


@dataclass(frozen=True)
class Artifact:
    name: str
    content: bytes

    @property
    def key(self) -> str:
        return f"{self.name}.{sha256_prefix(self.content)}.zip"


_KEY = re.compile(r"(?P<name>.+)\.(?P<digest>[0-9a-f]{16})\.zip")


def parse_key(key: str) -> tuple[str, str] | None:
    """(name, SHA-256 prefix) of a content-addressed key such as ``Artifact.key`` (an S3 folder
    before it allowed); None for any other key."""
    found = _KEY.fullmatch(key.rsplit("/", 1)[-1])
    return (found["name"], found["digest"]) if found else None


def built_keys(build_dir: Path) -> dict[str, str]:
    """Artifact name → S3 key of the zips in a build directory (the key is the file name)."""
    parsed = ((p.name, parse_key(p.name)) for p in sorted(build_dir.glob("*.zip")))
    return {found[0]: key for key, found in parsed if found}


def _tree(source: Path, prefix: str) -> dict[str, bytes]:
    return {f"{prefix}{p.relative_to(source).as_posix()}": p.read_bytes() for p in files_under(source)}


def function_artifact(name: str) -> Artifact:
    source = FUNCTIONS / name
    entries = _tree(source, "")
    if f"{name}.py" not in entries:
        raise FileNotFoundError(f"{source}/{name}.py: every function needs its handler module")
    return Artifact(name, zip_bytes(entries))


def packaged_modules() -> list[tuple[Path, str]]:
    """Every module the zips carry of ours, with its import name."""
    found = [(p, p.stem) for name in FUNCTION_NAMES for p in files_under(FUNCTIONS / name) if p.suffix == ".py"]
    for package in LAYER_PACKAGES:
        for path in files_under(FUNCTIONS / package):
            if path.suffix == ".py":
                parts = path.relative_to(FUNCTIONS).with_suffix("").parts
                found.append((path, ".".join(parts[:-1] if parts[-1] == "__init__" else parts)))
    return found


def layer_artifact() -> Artifact:
    """Our two packages, under python/ as Lambda expects."""
    entries: dict[str, bytes] = {}
    for package in LAYER_PACKAGES:
        entries.update(_tree(FUNCTIONS / package, f"python/{package}/"))
    return Artifact(LAYER_NAME, zip_bytes(entries))


def build_artifacts() -> list[Artifact]:
    return [function_artifact(n) for n in FUNCTION_NAMES] + [layer_artifact()]
