"""What goes into each Lambda artifact, and its content-addressed S3 key.

Keys look like ``quota_calculator.<sha256 prefix>.zip``: new code means a new key, so a stack update
with re-packaged code really updates the function (the original's fixed keys did not, SPEC §8.12),
and an unchanged function keeps its key, so nothing is redeployed needlessly.
"""
from __future__ import annotations

import importlib.metadata
import re
from dataclasses import dataclass
from pathlib import Path

from bundle.import_closure import exported_names, names_imported_from, vendored_files
from bundle.zips import files_under, sha256_prefix, zip_bytes

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
FUNCTION_NAMES = ("quota_calculator", "alarm_updater", "email_subscription_manager", "notification_processor")
LAYER_NAME = "quota_utils_layer"
LAYER_PACKAGES = ("ops_alert", "ops_alert_aws")
# Vendored into the layer from the build environment; pinned in pyproject.toml, checked here so a
# different installed version can never slip into an artifact.
POWERTOOLS = ("aws-lambda-powertools", "3.37.0", "aws_lambda_powertools")
# Only the Powertools files the functions can import go into the layer (bundle/import_closure.py);
# boto3, botocore and jmespath come with the Lambda runtime.
VENDORED = (POWERTOOLS[2],)
# Modules the layer provides in place of a whole distribution: Powertools takes one decorator from
# typing_extensions (165 KB to compile on every cold start); layer_shims/typing_extensions.py has it.
SHIMS = ROOT / "bundle" / "layer_shims"


@dataclass(frozen=True)
class Artifact:
    name: str
    content: bytes

    @property
    def key(self) -> str:
        return f"{self.name}.{sha256_prefix(self.content)}.zip"


_KEY = re.compile(r"(?P<name>[a-z_]+)\.[0-9a-f]{16}\.zip")


def built_keys(build_dir: Path) -> dict[str, str]:
    """Artifact name → S3 key of the zips in a build directory (the key is the file name)."""
    found = (_KEY.fullmatch(p.name) for p in sorted(build_dir.glob("*.zip")))
    return {m["name"]: m.string for m in found if m}


def _tree(source: Path, prefix: str) -> dict[str, bytes]:
    return {f"{prefix}{p.relative_to(source).as_posix()}": p.read_bytes() for p in files_under(source)}


def _installed(distribution: str, version: str) -> Path:
    installed = importlib.metadata.version(distribution)
    if installed != version:
        raise RuntimeError(f"{distribution} {installed} is installed but the layer pins {version}: run `make venv`")
    dist = importlib.metadata.distribution(distribution)
    return Path(str(dist.locate_file("")))


def function_artifact(name: str) -> Artifact:
    source = FUNCTIONS / name
    entries = _tree(source, "")
    if f"{name}.py" not in entries:
        raise FileNotFoundError(f"{source}/{name}.py: every function needs its handler module")
    return Artifact(name, zip_bytes(entries))


def _our_modules() -> list[tuple[Path, str]]:
    """Every module the zips carry of ours, with its import name."""
    found = [(p, p.stem) for name in FUNCTION_NAMES for p in files_under(FUNCTIONS / name) if p.suffix == ".py"]
    for package in LAYER_PACKAGES:
        for path in files_under(FUNCTIONS / package):
            if path.suffix == ".py":
                parts = path.relative_to(FUNCTIONS).with_suffix("").parts
                found.append((path, ".".join(parts[:-1] if parts[-1] == "__init__" else parts)))
    return found


def _check_shims(files: set[Path]) -> None:
    for shim in sorted(SHIMS.glob("*.py")):
        wanted = names_imported_from(files, shim.stem) - exported_names(shim)
        if wanted:
            raise RuntimeError(f"the vendored Powertools imports {', '.join(sorted(wanted))} from {shim.stem}, "
                               f"which {shim.relative_to(ROOT)} does not provide: add it there")


def layer_artifact() -> Artifact:
    """Our two packages, the Powertools files the functions import and the shims they need."""
    entries: dict[str, bytes] = {}
    for package in LAYER_PACKAGES:
        entries.update(_tree(FUNCTIONS / package, f"python/{package}/"))
    distribution, version, _ = POWERTOOLS
    site = _installed(distribution, version)
    shims = {p.stem for p in SHIMS.glob("*.py")}
    files = vendored_files(_our_modules(), site, VENDORED, available=shims)
    _check_shims(files)
    for path in sorted(files):
        entries[f"python/{path.relative_to(site).as_posix()}"] = path.read_bytes()
    for shim in sorted(SHIMS.glob("*.py")):
        entries[f"python/{shim.name}"] = shim.read_bytes()
    return Artifact(LAYER_NAME, zip_bytes(entries))


def build_artifacts() -> list[Artifact]:
    return [function_artifact(n) for n in FUNCTION_NAMES] + [layer_artifact()]
