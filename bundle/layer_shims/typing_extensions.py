"""typing_extensions for the layer: the one name the vendored Powertools files import from it.

Powertools' jmespath_utils marks a function ``@deprecated(..., category=None)`` (PEP 702); the
real typing_extensions (165 KB, about 26 ms of compiling on every cold start, since Lambda cannot
cache bytecode in /opt) is shipped for that decorator alone. On the Lambda runtime (Python 3.13+)
this is the standard library's ``warnings.deprecated``; on older Pythons (the tests) the same
behaviour written out. bundle/artifacts.py refuses to build a layer whose Powertools files import
any other name from typing_extensions.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any

__all__ = ["deprecated"]

try:
    from warnings import deprecated  # type: ignore[attr-defined]  # Python 3.13+
except ImportError:
    class deprecated:  # type: ignore[no-redef]  # the PEP 702 name
        """Mark a function or class deprecated: ``__deprecated__`` holds the message, and unless
        ``category`` is None each call (each instantiation of a class) warns with it."""

        def __init__(self, message: str, /, *, category: type[Warning] | None = DeprecationWarning,
                     stacklevel: int = 1) -> None:
            if not isinstance(message, str):
                raise TypeError(f"Expected an object of type str for 'message', not {type(message).__name__!r}")
            self.message = message
            self.category = category
            self.stacklevel = stacklevel

        def __call__(self, arg: Any) -> Any:
            message, category, stacklevel = self.message, self.category, self.stacklevel
            if category is None:
                arg.__deprecated__ = message
                return arg
            if isinstance(arg, type):
                original_init = arg.__init__  # type: ignore[misc]

                @functools.wraps(original_init)
                def __init__(*args: Any, **kwargs: Any) -> None:
                    warnings.warn(message, category=category, stacklevel=stacklevel + 1)
                    original_init(*args, **kwargs)

                arg.__init__ = __init__  # type: ignore[misc]
                arg.__deprecated__ = message  # type: ignore[attr-defined]
                return arg
            if callable(arg):
                @functools.wraps(arg)
                def wrapper(*args: Any, **kwargs: Any) -> Any:
                    warnings.warn(message, category=category, stacklevel=stacklevel + 1)
                    return arg(*args, **kwargs)

                wrapper.__deprecated__ = message  # type: ignore[attr-defined]
                return wrapper
            raise TypeError(f"@deprecated decorator with non-None category must be applied to a class or callable, "
                            f"not {arg!r}")
