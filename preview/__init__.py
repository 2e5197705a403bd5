"""``make preview``: what an alert of each scenario says, rendered offline (issue 13).

The sample alert goes through the processor's own decision rules (``ops_alert``: routing, scenario,
quota plans, thresholds) and its content builders (``ops_alert.content``), so the preview is the
text a real alert of that scenario would carry. ``functions/`` is put on the import path here
because the command line runs from the repository root, where the Lambda code is not a package.
"""
from __future__ import annotations

import sys
from pathlib import Path

_FUNCTIONS = str(Path(__file__).resolve().parent.parent / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.append(_FUNCTIONS)
