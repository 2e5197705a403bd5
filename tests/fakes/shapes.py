"""Checks of fake requests and responses against botocore's service model.

botocore validates requests client-side, but only partly: it checks types, required members and
*minimum* lengths/values. Real services also reject values above the maximum, unknown enum
values and so on; `request_violations` adds those server-side checks so a fake answers like the
real API. `response_violations` is the strict mode that keeps the fakes honest: every response a
fake builds must fit the operation's output shape (member names, types, enums, required members),
so a fake cannot drift from the real API. Both walk only the values present: cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from botocore.model import Shape


def request_violations(shape: Shape | None, params: Any) -> list[str]:
    """Server-side constraint failures, in the wording of AWS JSON services' ValidationException."""
    errors: list[str] = []
    if shape is not None:
        _check_request(shape, params, shape.name, errors)
    return errors


def _check_request(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                _check_request(member, value[name], name, errors)
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(
                f"Value at '{path}' failed to satisfy constraint: "
                f"Member must have length less than or equal to {meta['max']}"
            )
        for item in value:
            _check_request(shape.member, item, path, errors)
    elif kind == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(
                f"Value at '{path}' failed to satisfy constraint: "
                f"Member must have length less than or equal to {meta['max']}"
            )
        if shape.enum and value not in shape.enum:
            errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
            )
    elif (kind in ("integer", "long", "double", "float") and isinstance(value, (int, float))
          and "max" in meta and value > meta["max"]):
        errors.append(
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {meta['max']}"
        )


def response_violations(shape: Shape | None, response: dict[str, Any]) -> list[str]:
    """Ways in which `response` (without ResponseMetadata) does not fit the output shape."""
    errors: list[str] = []
    if shape is None:
        if response:
            errors.append(f"operation has no output, fake returned keys {sorted(response)}")
        return errors
    _check_response(shape, response, "response", errors)
    return errors


_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "double": (int, float),
    "float": (int, float),
    "blob": (bytes, bytearray),
}


def _is_aware(value: Any) -> bool:
    return isinstance(value, dt.datetime) and value.tzinfo is not None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# Item checks equivalent to `_check_response` finding nothing, for member shapes without an enum.
_SCALAR_FITS: dict[str, Callable[[Any], bool]] = {
    "timestamp": _is_aware,
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "double": _is_number,
    "float": _is_number,
}


def _check_response(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            errors.append(f"{path}: expected structure {shape.name}, got {type(value).__name__}")
            return
        unknown = set(value) - set(shape.members)
        if unknown:
            errors.append(f"{path}: members not in {shape.name}: {sorted(unknown)}")
        missing = [name for name in shape.required_members if name not in value]
        if missing:
            errors.append(f"{path}: required members missing from {shape.name}: {missing}")
        for name, item in value.items():
            if name in shape.members:
                _check_response(shape.members[name], item, f"{path}.{name}", errors)
    elif kind == "list":
        if not isinstance(value, list):
            errors.append(f"{path}: expected list, got {type(value).__name__}")
            return
        member = shape.member
        # Lists of scalars can be long (GetMetricData: 100,800 timestamps and values per page): test
        # each item cheaply and build the path, with the full check's message, only for a bad one.
        fits = None if getattr(member, "enum", None) else _SCALAR_FITS.get(member.type_name)
        for index, item in enumerate(value):
            if fits is None or not fits(item):
                _check_response(member, item, f"{path}[{index}]", errors)
    elif kind == "map":
        if not isinstance(value, dict):
            errors.append(f"{path}: expected map, got {type(value).__name__}")
            return
        for key, item in value.items():
            _check_response(shape.key, key, f"{path}<key>", errors)
            _check_response(shape.value, item, f"{path}[{key!r}]", errors)
    elif kind == "timestamp":
        # botocore's parsers return timezone-aware datetimes; so must the fakes.
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            errors.append(f"{path}: expected an aware datetime, got {value!r}")
    else:
        expected = _SCALARS.get(kind)
        # bool is an int subclass: refuse it where a number is expected, and vice versa.
        if expected is None:
            return
        if not isinstance(value, expected) or (kind != "boolean" and isinstance(value, bool)):
            errors.append(f"{path}: expected {kind}, got {type(value).__name__} {value!r}")
        elif kind == "string" and shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} is not one of {shape.enum}")
