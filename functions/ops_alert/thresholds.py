"""Layer 2 alarm thresholds and quota-increase values (SPEC §3, §4.1, §4.4 step 5).

All arithmetic is exact: quota values arrive from Service Quotas as floats and custom-resource
properties as strings, so every input is turned into a ``Decimal`` from its shortest decimal
spelling (``repr``) before multiplying. ``6250000.0 × 80 %`` is therefore exactly ``5000000``, and
a percentage such as ``33.3`` is not perturbed by binary rounding.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

Number = int | float | Decimal

# Threshold of a Layer 2 alarm for a quota the model does not have (quota code ``NA``): the alarm
# must never fire. CloudWatch's Threshold is a double, and CloudFormation passes the custom
# resource's string through unchanged, so the value must be a plain integer string (no exponent)
# that a double holds exactly: 10**15 < 2**53. It is also far beyond any per-minute count Bedrock
# can produce — the largest TPM quotas are in the hundreds of millions, and even ten aggregated
# application profiles stay many orders of magnitude below it — so ``> threshold`` is never true.
NEVER_FIRES_THRESHOLD = 10**15

# Written instead of a number by nothing in this project, but accepted when parsing so that a
# hand-edited SSM parameter saying "NA" (the quota-code spelling) means "no quota".
_NO_QUOTA_WORDS = frozenset({"NA", "N/A", "NONE"})

MIN_PERCENT = 1
MAX_PERCENT = 100


@dataclass(frozen=True)
class Quotas:
    """Current quota values of the monitored model; None = the model has no such quota (``NA``)."""

    rpm: float | None
    tpm: float | None


@dataclass(frozen=True)
class Thresholds:
    """Layer 2 thresholds; None = no quota of that kind, the alarm must never fire."""

    rpm: int | None
    tpm: int | None

    def alarm_values(self) -> tuple[int, int]:
        """(RPM, TPM) as CloudWatch alarm thresholds, ``NEVER_FIRES_THRESHOLD`` for a missing quota."""
        return alarm_threshold(self.rpm), alarm_threshold(self.tpm)

    def render(self) -> tuple[str, str]:
        """(RPM, TPM) as the strings the custom resource returns and SSM stores."""
        return render_threshold(self.rpm), render_threshold(self.tpm)

    @classmethod
    def parse(cls, rpm: str, tpm: str) -> Thresholds:
        """Inverse of ``render``: read the two stored strings back (ValueError on garbage)."""
        return cls(parse_threshold(rpm, "RPM threshold"), parse_threshold(tpm, "TPM threshold"))


def _decimal(value: object, what: str) -> Decimal:
    """An exact finite Decimal from an int, float, Decimal or numeric string, else ValueError."""
    if isinstance(value, bool):  # bool is an int: True would silently mean 1
        raise ValueError(f"{what} must be a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # repr gives the shortest spelling that round-trips: 0.1 → "0.1", not 0.1000000000000000055…
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{what} must be a number, got {value!r}") from None
    else:
        raise ValueError(f"{what} must be a number, got {value!r}")
    if not result.is_finite():
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return result


def _floor(value: Decimal) -> int:
    # int() truncates toward zero; every value floored here is ≥ 0, so that is floor.
    return int(value)


def check_percent(percent: Number | str, what: str = "threshold percent") -> Decimal:
    """The percentage as a Decimal if it lies in 1..100 (the template's Min/MaxValue), else ValueError."""
    value = _decimal(percent, what)
    if not MIN_PERCENT <= value <= MAX_PERCENT:
        raise ValueError(f"{what} must be between {MIN_PERCENT} and {MAX_PERCENT}, got {percent!r}")
    return value


def _check_quota(quota: Number | str, what: str) -> Decimal:
    value = _decimal(quota, what)
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {quota!r}")
    return value


def threshold(quota: Number | str | None, percent: Number | str) -> int | None:
    """``floor(quota × percent / 100)``; None when there is no quota. 10,000 × 80 % → 8,000."""
    pct = check_percent(percent)
    if quota is None:
        return None
    return _floor(_check_quota(quota, "quota value") * pct / 100)


def compute_thresholds(quotas: Quotas, rpm_percent: Number | str, tpm_percent: Number | str) -> Thresholds:
    """The (RPM, TPM) thresholds for the current quotas and the two threshold percentages."""
    return Thresholds(rpm=threshold(quotas.rpm, rpm_percent), tpm=threshold(quotas.tpm, tpm_percent))


def increase(current: Number | str, percent: Number | str) -> int:
    """Requested quota value ``floor(current × (1 + percent/100))`` (SPEC §4.4 step 5).

    Percent must be ≥ 0 (SSM is hand-editable, so there is no upper bound). Callers skip a
    percentage of 0, and must check the result exceeds ``current``: Service Quotas rejects a
    desired value that does not (a quota of 1 raised by 25 % floors back to 1).
    """
    cur = _check_quota(current, "current quota value")
    pct = _decimal(percent, "increase percent")
    if pct < 0:
        raise ValueError(f"increase percent must not be negative, got {percent!r}")
    return _floor(cur * (100 + pct) / 100)


def alarm_threshold(value: int | None) -> int:
    """The CloudWatch threshold for a computed threshold; a missing quota never fires."""
    return NEVER_FIRES_THRESHOLD if value is None else value


def render_threshold(value: int | None) -> str:
    """The string the custom resource returns / SSM stores: a plain integer, never an exponent."""
    return str(alarm_threshold(value))


def parse_threshold(text: str, what: str = "threshold") -> int | None:
    """Read a stored threshold back: "8000" and "8000.0" → 8000; the never-fire value or "NA" → None.

    A fractional value (hand-edited) is floored like a computed threshold; anything that is not a
    non-negative number raises ValueError naming ``what``.
    """
    if not isinstance(text, str):
        raise ValueError(f"{what} must be a string, got {text!r}")
    if text.strip().upper() in _NO_QUOTA_WORDS:
        return None
    value = _decimal(text, what)
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {text!r}")
    result = _floor(value)
    return None if result >= NEVER_FIRES_THRESHOLD else result

