"""``make mute`` / ``make unmute``: hold one stack's e-mail and chat for a while, from the command line (issue 13).

The mute document is built and bounded by the processor's own rules (``ops_alert.mute``), so the
command cannot write what the processor would refuse. ``functions/`` is put on the import path
here (bundle/lambda_code.py).
"""
from __future__ import annotations

import bundle.lambda_code  # noqa: F401 - functions/ on sys.path
