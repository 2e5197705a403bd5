"""``make drill``: a fire drill through one deployed stack, from the command line (issue 13).

The token, its parameter and the state reason come from the processor's own rules
(``ops_alert.drill``), so the command cannot arm what the processor would not recognise.
``functions/`` is put on the import path here (bundle/lambda_code.py).
"""
from __future__ import annotations

import bundle.lambda_code  # noqa: F401 - functions/ on sys.path
