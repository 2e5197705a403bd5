"""The usage-validation decision tree (SPEC §4.4 step 4): what kind of problem fired."""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ops_alert.alarms import AlarmKind, CaseCategory, case_category
from ops_alert.usage import UsageStats


class Scenario(str, enum.Enum):
    NON_QUOTA = "non_quota"  # only errors/latency on AWS's side: investigate, no quota talk
    NEW_MODEL = "new_model"  # no usage history (or it could not be read): headroom for launch
    HIGH_USAGE = "high_usage"  # a measured peak reached its alarm threshold
    LOW_USAGE = "low_usage"  # quota-type alarm while peaks stay below thresholds: investigate first


class ThresholdsLike(Protocol):
    """Alarm thresholds; ``None`` for a quota the model does not have (code ``NA``)."""

    @property
    def rpm(self) -> int | None: ...

    @property
    def tpm(self) -> int | None: ...


@dataclass(frozen=True)
class PerDayUsage:
    """Tokens against the per-day quota (issue 12): the largest rolling 24-hour quota usage of the
    lookback, and TPM-threshold-percent of the per-day quota (None: the model has none, or it could
    not be read)."""

    peak_24h_tokens: float
    threshold: int | None


def _reached(peak: float, threshold: int | None) -> bool:
    # A model without an RPM (or TPM) quota has no threshold: it can never be "reached".
    return threshold is not None and peak >= threshold


def decide_scenario(
    triggered: Sequence[AlarmKind],
    usage: UsageStats | None,
    thresholds: ThresholdsLike | None,
    per_day: PerDayUsage | None = None,
) -> Scenario:
    """Classify one alarm event.

    ``triggered`` must not be empty: the caller resolves "which children fired" first (from the
    notification, else from DescribeAlarms); deciding on nothing would silently pick a scenario.
    ``usage`` / ``thresholds`` are None when they could not be read. The per-day quota counts like
    the RPM and TPM ones: a rolling 24-hour peak at its threshold is high usage, whichever alarm
    fired; without a per-day quota (or its value) only the per-minute peaks decide.
    """
    if not triggered:
        raise ValueError("no triggered alarm: resolve the children in ALARM before deciding")
    if case_category(triggered) is CaseCategory.INVESTIGATION_REQUEST:
        return Scenario.NON_QUOTA
    if usage is None or thresholds is None or (usage.peak_rpm == 0 and usage.peak_tpm == 0):
        return Scenario.NEW_MODEL
    if _reached(usage.peak_rpm, thresholds.rpm) or _reached(usage.peak_tpm, thresholds.tpm):
        return Scenario.HIGH_USAGE
    if per_day is not None and _reached(per_day.peak_24h_tokens, per_day.threshold):
        return Scenario.HIGH_USAGE
    return Scenario.LOW_USAGE
