"""Puts functions/ on sys.path: the template shares the decision module (functions/ops_alert, plain
Python, no boto3): the environment contract, the alarm catalogue, the dashboard body."""
from __future__ import annotations

import sys
from pathlib import Path

FUNCTIONS = str(Path(__file__).resolve().parent.parent / "functions")
if FUNCTIONS not in sys.path:
    sys.path.insert(0, FUNCTIONS)
