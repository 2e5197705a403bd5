"""Which quota codes does a Bedrock model have? ``make quota-codes`` and the fleet's plan (issue 8).

The matching rules are the quota calculator's own (``functions/ops_alert/quota_codes.py``), so what
this prints is what the stack will accept. ``functions/`` is put on the import path here because
the command line and the fleet run from the repository root, where the Lambda code is not a package.
"""
from __future__ import annotations

import sys
from pathlib import Path

_FUNCTIONS = str(Path(__file__).resolve().parent.parent / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.append(_FUNCTIONS)
