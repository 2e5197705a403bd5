"""``make preview``: what an alert of each scenario says, rendered offline (issue 13).

The sample alert goes through the processor's own decision rules (``ops_alert``: routing, scenario,
quota plans, thresholds) and its content builders (``ops_alert.content``), so the preview is the
text a real alert of that scenario would carry. ``functions/`` is put on the import path
here (bundle/lambda_code.py).
"""
from __future__ import annotations

import bundle.lambda_code  # noqa: F401 - functions/ on sys.path
