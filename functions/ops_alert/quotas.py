"""What a Service Quotas code and a quota are: the small rules every function needs.

``NA`` means "the model has no such quota" (the one NA rule); a code to look up is anything else
that is not blank; a well-formed code is ``L-`` and eight upper-case hex digits. Whether a code's
QuotaName belongs to the monitored model (the ranking of QuotaNames against model IDs) is
ops_alert.quota_codes, which only the quota calculator and the quota lookups need: kept apart, the
notification processor's cold start does not compile and run it (README "Speed and cost").
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

NO_QUOTA_CODE = "NA"

# Every Service Quotas code seen in the wild is "L-" and eight upper-case hex digits (L-3DCCFAA4).
# The API's own pattern is looser, but a code outside this shape is a typo (lower case, a space,
# a truncated paste), and saying so beats "not found".
_CODE_PATTERN = re.compile(r"L-[0-9A-F]{8}")


def means_no_quota(code: str) -> bool:
    """``NA`` in any case, blanks around: the model has no such quota."""
    return code.strip().upper() == NO_QUOTA_CODE


def is_quota_code(code: str) -> bool:
    """A code to look up in Service Quotas: not empty and not ``NA``."""
    return bool(code.strip()) and not means_no_quota(code)


def is_well_formed_code(code: str) -> bool:
    """``L-`` and eight upper-case hex digits, the shape of every Service Quotas code."""
    return bool(_CODE_PATTERN.fullmatch(code))


def suggested_code(code: str) -> str | None:
    """The well-formed code a typo most likely meant (case and spaces fixed), or None."""
    fixed = re.sub(r"\s+", "", code).upper()
    return fixed if fixed != code and is_well_formed_code(fixed) else None


@dataclass(frozen=True)
class QuotaInfo:
    """One Service Quotas quota of service ``bedrock``."""

    code: str
    name: str
    value: float
    adjustable: bool

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> QuotaInfo:
        """From a ``ServiceQuota`` as Service Quotas returns it (the listings, GetServiceQuota, and the
        listings' JSON that the AWS CLI saves)."""
        return cls(
            code=str(item["QuotaCode"]),
            name=str(item.get("QuotaName", "")),
            value=float(item.get("Value", 0.0)),
            adjustable=bool(item.get("Adjustable", False)),
        )
