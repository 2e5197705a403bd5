"""``make mute`` / ``make unmute``: hold one stack's e-mail and chat for a while, from the command line (issue 13).

The mute document is built and bounded by the processor's own rules (``ops_alert.mute``), so the
command cannot write what the processor would refuse. ``functions/`` is put on the import path here
because the command line runs from the repository root, where the Lambda code is not a package.
"""
from __future__ import annotations

import sys
from pathlib import Path

_FUNCTIONS = str(Path(__file__).resolve().parent.parent / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.append(_FUNCTIONS)
