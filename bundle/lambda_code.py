"""The Lambda code importable from the repository root: puts ``functions/`` on ``sys.path``.

The tools that run from the repository root (the template, the fleet, ``make quota-codes``,
``make preview``) use the functions' own decision module (``functions/ops_alert``: plain Python, no
boto3), so what they accept or show is what the deployed functions do; ``functions/`` is not a
package, its directories are import roots as on Lambda. Imported for this effect, before the first
``ops_alert`` import.
"""
from __future__ import annotations

import sys
from pathlib import Path

FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"

if str(FUNCTIONS) not in sys.path:
    sys.path.append(str(FUNCTIONS))
