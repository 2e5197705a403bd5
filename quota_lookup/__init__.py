"""Which quota codes does a Bedrock model have? ``make quota-codes`` and the fleet's plan (issue 8).

The matching rules are the quota calculator's own (``functions/ops_alert/quota_codes.py``), so what
this prints is what the stack will accept. ``functions/`` is put on the import path here
(bundle/lambda_code.py).
"""
from __future__ import annotations

import bundle.lambda_code  # noqa: F401 - functions/ on sys.path
