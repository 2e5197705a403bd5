"""The runtime interpreter (bundle/runtime_python.py) for the tests, with the AWS SDK as Lambda's
runtime provides it (bundle/runtime_sdk.py: links to the build's own pure-Python copies). The
interpreter writes its bytecode beside theirs on first import, as the runtime's SDK has its bytecode
already.
"""
from __future__ import annotations

import os
import sys

import pytest

from bundle.artifacts import found_runtime
from bundle.runtime_python import NAME, RuntimePython
from bundle.runtime_sdk import runtime_env, sdk_site

__all__ = ["required_runtime", "runtime_env", "sdk_site"]


def required_runtime() -> RuntimePython:
    """The interpreter `make package` found or installed. Without one the calling test skips, saying
    why, or fails under CI (set there, where `make test` has run `make package` first): the tests of
    the shipped bytecode must not pass by not running."""
    python, why = found_runtime()
    if python is not None:
        return python
    message = f"no {NAME} to check the zips' bytecode with ({why}): run `make package`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


if __name__ == "__main__":  # pragma: no cover - a developer's shortcut
    print(sdk_site(), file=sys.stderr)
