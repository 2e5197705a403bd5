"""The eleven child alarms of a stack: their names, severity, layer and what each one means.

The first ten are the original stack's; HighDailyTokenUsage (issue 12) watches the per-day token quota.

One table drives naming, severity, quota routing, case category and re-fire suppression, so the
rules elsewhere never match alarm names with ad-hoc string tests.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Severity(str, enum.Enum):
    CRITICAL = "CRITICAL"
    WARNING = "WARNING"


class QuotaKind(str, enum.Enum):
    RPM = "RPM"  # requests per minute
    TPM = "TPM"  # tokens per minute
    TPD = "TPD"  # tokens per day ("Model invocation max tokens per day for X"; issue 12)

    @property
    def label(self) -> str:
        """How a sentence names it: "RPM", "TPM", "per-day token (TPD)"."""
        return "per-day token (TPD)" if self is QuotaKind.TPD else self.value


class CaseCategory(str, enum.Enum):
    QUOTA_REQUEST = "Quota Request"
    INVESTIGATION_REQUEST = "Investigation Request"


@dataclass(frozen=True)
class AlarmKind:
    """One child alarm type, e.g. ``Throttles`` (named ``C-Bedrock-Throttles-Critical-M``)."""

    key: str
    severity: Severity
    layer: int
    metric_name: str
    quotas: frozenset[QuotaKind]
    category: CaseCategory
    # Anomaly and latency alarms flap: the same signal is communicated on a case only once.
    re_fires_often: bool

    @property
    def suffix(self) -> str:
        """``Critical`` or ``Warning``: the severity word in the alarm name."""
        return self.severity.value.capitalize()


_RPM = frozenset({QuotaKind.RPM})
_TPM = frozenset({QuotaKind.TPM})
_BOTH = frozenset({QuotaKind.RPM, QuotaKind.TPM})
# The per-day quota, and the TPM quota: AWS raises a model's per-day quota through a request on
# its tokens-per-minute quota (routing.quota_to_request), so the case carries both.
_DAILY = frozenset({QuotaKind.TPM, QuotaKind.TPD})
_NONE: frozenset[QuotaKind] = frozenset()
_Q = CaseCategory.QUOTA_REQUEST
_I = CaseCategory.INVESTIGATION_REQUEST
_C = Severity.CRITICAL
_W = Severity.WARNING

# Order = the order of the composite alarm rule in the original stack, then the added alarm.
ALARM_KINDS: tuple[AlarmKind, ...] = (
    AlarmKind("ClientErrors", _C, 1, "InvocationClientErrors", _BOTH, _Q, False),
    AlarmKind("ServerErrors", _C, 1, "InvocationServerErrors", _NONE, _I, False),
    AlarmKind("Throttles", _C, 1, "InvocationThrottles", _BOTH, _Q, False),
    AlarmKind("HighInvocationRate", _W, 2, "Invocations", _RPM, _Q, False),
    AlarmKind("HighTPMQuotaUsage", _W, 2, "EstimatedTPMQuotaUsage", _TPM, _Q, False),
    AlarmKind("HighLatency", _W, 2, "InvocationLatency", _NONE, _I, True),
    AlarmKind("InvocationAnomaly", _W, 3, "Invocations", _RPM, _Q, True),
    AlarmKind("InputTokenAnomaly", _W, 3, "InputTokenCount", _TPM, _Q, True),
    AlarmKind("OutputTokenAnomaly", _W, 3, "OutputTokenCount", _TPM, _Q, True),
    AlarmKind("LatencyAnomaly", _W, 3, "InvocationLatency", _NONE, _I, True),
    # Rolling 24-hour quota usage against TPM-threshold-percent of the per-day quota (issue 12).
    AlarmKind("HighDailyTokenUsage", _W, 2, "EstimatedTPMQuotaUsage", _DAILY, _Q, False),
)

BY_KEY: dict[str, AlarmKind] = {k.key: k for k in ALARM_KINDS}
#: The per-day token alarm (issue 12), the one child the original stack did not have.
DAILY_TOKENS = BY_KEY["HighDailyTokenUsage"]


def case_category(kinds: Iterable[AlarmKind]) -> CaseCategory:
    """Quota Request as soon as one quota-type alarm fired; Investigation Request only when every one
    is investigation-type (errors or latency on AWS's side). The one "investigation only" rule.
    """
    quota_type = any(k.category is CaseCategory.QUOTA_REQUEST for k in kinds)
    return CaseCategory.QUOTA_REQUEST if quota_type else CaseCategory.INVESTIGATION_REQUEST
