"""What goes into each Lambda artifact, and its content-addressed S3 key.

Keys look like ``quota_calculator.<sha256 prefix>.zip``: new code means a new key, so a stack update
with re-packaged code really updates the function (the original's fixed keys did not, SPEC §8.12),
and an unchanged function keeps its key, so nothing is redeployed needlessly.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeAlias

from bundle import dataclass_code, runtime_python
from bundle.bytecode import with_bytecode
from bundle.runtime_python import RuntimePython
from bundle.service_models import layer_entries as service_model_entries
from bundle.zips import built_keys, content_key, files_under, parse_key, zip_bytes

# The keys' format lives with the zips (bundle/zips.py), so reading keys (the fleet, make upload)
# imports none of the build; built_keys and parse_key stay importable from here too.
__all__ = ["FOUND", "FUNCTION_NAMES", "LAYER_NAME", "LAYER_PACKAGES", "Artifact", "RuntimeChoice", "build_artifacts", "built_keys",
           "found_runtime", "function_artifact", "layer_artifact", "packaged_modules", "parse_key"]

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
FUNCTION_NAMES = ("quota_calculator", "alarm_updater", "email_subscription_manager", "notification_processor")
LAYER_NAME = "quota_utils_layer"
# The layer is our two packages and nothing else: the functions import only the standard library,
# botocore (it comes with the Lambda runtime) and these (tests/bundle/test_layer.py). Logs, metrics
# and idempotency are our own small modules (ops_alert_aws.log, .metrics, .idempotency), not a
# vendored Powertools: importing it cost every cold start about 45 ms (README "Speed and cost").
LAYER_PACKAGES = ("ops_alert", "ops_alert_aws")
# Where Lambda extracts a function's zip and a layer's: the file names compiled into the bytecode.
TASK_ROOT = "/var/task"
LAYER_ROOT = "/opt"


class _Found:
    """The default runtime interpreter: the one `make package` found or installed (never downloads)."""


FOUND = _Found()
# What the builders take: an interpreter, None (source only), or FOUND (the one make package found).
RuntimeChoice: TypeAlias = RuntimePython | _Found | None


@cache
def found_runtime() -> tuple[RuntimePython | None, str]:
    """The runtime interpreter `make package` found or installed (never downloads) and an empty
    string, or None and why there is none; asked once per process."""
    try:
        return runtime_python.find(fetch=False)
    except runtime_python.Unavailable as exc:
        return None, str(exc)  # generate.py reports a RUNTIME_PYTHON that does not work


def _runtime(python: RuntimeChoice) -> RuntimePython | None:
    return found_runtime()[0] if isinstance(python, _Found) else python


@dataclass(frozen=True)
class Artifact:
    name: str
    content: bytes

    @property
    def key(self) -> str:
        return content_key(self.name, self.content)


def _tree(source: Path, prefix: str) -> dict[str, bytes]:
    return {f"{prefix}{p.relative_to(source).as_posix()}": p.read_bytes() for p in files_under(source)}


def function_artifact(name: str, python: RuntimeChoice = FOUND) -> Artifact:
    """The function's own modules, with bytecode for the runtime when ``python`` is one."""
    source = FUNCTIONS / name
    entries = _tree(source, "")
    if f"{name}.py" not in entries:
        raise FileNotFoundError(f"{source}/{name}.py: every function needs its handler module")
    return Artifact(name, zip_bytes(with_bytecode(entries, TASK_ROOT, _runtime(python))))


def packaged_modules() -> list[tuple[Path, str]]:
    """Every module the zips carry of ours, with its import name."""
    found = [(p, p.stem) for name in FUNCTION_NAMES for p in files_under(FUNCTIONS / name) if p.suffix == ".py"]
    for package in LAYER_PACKAGES:
        for path in files_under(FUNCTIONS / package):
            if path.suffix == ".py":
                parts = path.relative_to(FUNCTIONS).with_suffix("").parts
                found.append((path, ".".join(parts[:-1] if parts[-1] == "__init__" else parts)))
    return found


def layer_artifact(python: RuntimeChoice = FOUND) -> Artifact:
    """Our two packages, under python/ as Lambda expects, with bytecode for the runtime when ``python`` is one,
    and the small service models the clients use where the runtime's botocore allows (bundle/service_models.py)."""
    entries: dict[str, bytes] = {}
    for package in LAYER_PACKAGES:
        entries.update(_tree(FUNCTIONS / package, f"python/{package}/"))
    entries.update(service_model_entries())
    # With the runtime, also our dataclasses' methods compiled by it (bundle/dataclass_code.py).
    entries.update(dataclass_code.layer_entries(_runtime(python), FUNCTIONS, FUNCTION_NAMES, packaged_modules()))
    return Artifact(LAYER_NAME, zip_bytes(with_bytecode(entries, LAYER_ROOT, _runtime(python))))


def build_artifacts(python: RuntimeChoice = FOUND) -> list[Artifact]:
    """Every zip. ``python``: the runtime interpreter that compiles their bytecode, None for source
    only; by default the one `make package` found or installed (bundle/runtime_python.py)."""
    return [function_artifact(n, python) for n in FUNCTION_NAMES] + [layer_artifact(python)]
