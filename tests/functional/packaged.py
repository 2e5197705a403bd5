"""Load a Lambda handler exactly as `make package` ships it: its zip plus the layer zip.

The zips are built in memory by bundle/ (the same code `make package` runs), extracted into a
temporary directory laid out like /var/task and /opt, and imported from there, so a file missing
from a zip, or an import that only works from the source tree, fails the functional tests. The
loaded handler also checks its AWS calls against its role in the template (tests/functional/granted.py).
"""
from __future__ import annotations

import importlib
import io
import sys
import zipfile
from pathlib import Path
from types import ModuleType

from bundle.artifacts import build_artifacts
from tests.chat_format import valid_chat_messages_only
from tests.functional.decision_events import valid_decision_events_only
from tests.functional.granted import granted_calls_only

# Top-level names the layer and the function zips provide; purged from sys.modules around each load
# so the packaged copies, not the source tree's, are the ones imported.
_PACKAGED_ROOTS = ("ops_alert", "ops_alert_aws", "quota_calculator", "alarm_updater",
                   "email_subscription_manager", "notification_processor", "processor_pipeline",
                   "processor_support", "processor_follow_up", "processor_capacity")


def _purge() -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in _PACKAGED_ROOTS:
            del sys.modules[name]


class PackagedFunctions:
    """Extracts every artifact once; ``load(name)`` imports one handler module from the zips."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.task = root / "task"  # like /var/task: one subfolder per function
        self.opt = root / "opt"  # like /opt: the layer
        for artifact in build_artifacts():
            target = self.opt if artifact.name == "quota_utils_layer" else self.task / artifact.name
            zipfile.ZipFile(io.BytesIO(artifact.content)).extractall(target)
        self._saved_path: list[str] | None = None

    def load(self, name: str) -> ModuleType:
        if self._saved_path is None:
            self._saved_path = list(sys.path)
        _purge()
        sys.path[:] = [str(self.task / name), str(self.opt / "python")] + [
            p for p in self._saved_path if not p.rstrip("/").endswith("functions")]
        importlib.invalidate_caches()
        # Each load imports the packaged tree afresh: let it keep bytecode beside the extracted files
        # (a temporary directory) even under PYTHONDONTWRITEBYTECODE, so only the first load compiles.
        dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, False
        try:
            module = importlib.import_module(name)
        finally:
            sys.dont_write_bytecode = dont_write
        # Each call the handler makes must be one its IAM role in the template allows, and each
        # decision event it puts must match the documented schema, each chat message the format.
        module.handler = granted_calls_only(name, valid_chat_messages_only(valid_decision_events_only(module.handler)))
        return module

    def loaded_modules(self) -> list[str]:
        """The modules imported from the extracted zips so far (the bench's cold start imports them)."""
        root = str(self.root)
        return sorted(n for n, m in list(sys.modules.items()) if str(getattr(m, "__file__", "") or "").startswith(root))

    def restore(self) -> None:
        _purge()
        if self._saved_path is not None:
            sys.path[:] = self._saved_path
            self._saved_path = None
        importlib.invalidate_caches()
