"""Case type, quota routing, support action and e-mail filter (SPEC §4.4 steps 1, 5, 6, 7)."""
from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ops_alert.alarms import AlarmKind, CaseCategory, QuotaKind, Severity, case_category
from ops_alert.quotas import is_quota_code
from ops_alert.scenario import Scenario
from ops_alert.thresholds import increase


@dataclass(frozen=True)
class Routing:
    category: CaseCategory
    quotas: frozenset[QuotaKind]
    severity: Severity


def route(triggered: Sequence[AlarmKind]) -> Routing:
    """Union of the quotas of the triggered alarms; Quota Request if any of them is quota-type.

    Throttles and ClientErrors route to both quotas because the metric cannot tell which one was
    hit. Severity is CRITICAL as soon as one Layer 1 alarm is among them.
    """
    if not triggered:
        raise ValueError("no triggered alarm to route")
    quotas = frozenset(q for k in triggered for q in k.quotas)
    return Routing(
        category=case_category(triggered),
        quotas=quotas,
        severity=Severity.CRITICAL if any(k.layer == 1 for k in triggered) else Severity.WARNING,
    )


class SupportAction(str, enum.Enum):
    # One Service Quotas request per alert (see quota_to_request); our own case on failure.
    SUBMIT_QUOTA_INCREASE = "submit_quota_increase"
    # Quota Request case in an investigate-first tone; the increase is reference only.
    INVESTIGATE_FIRST_QUOTA_CASE = "investigate_first_quota_case"
    INVESTIGATION_CASE = "investigation_case"


_ACTIONS = {
    Scenario.HIGH_USAGE: SupportAction.SUBMIT_QUOTA_INCREASE,
    Scenario.NEW_MODEL: SupportAction.SUBMIT_QUOTA_INCREASE,
    # Defect §8.6: a low-usage anomaly must never submit a real increase.
    Scenario.LOW_USAGE: SupportAction.INVESTIGATE_FIRST_QUOTA_CASE,
    Scenario.NON_QUOTA: SupportAction.INVESTIGATION_CASE,
}


def support_action(scenario: Scenario) -> SupportAction:
    return _ACTIONS[scenario]


class QuotaInfoLike(Protocol):
    """The applied value of one Service Quotas quota."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def value(self) -> float: ...


@dataclass(frozen=True)
class QuotaRequestPlan:
    kind: QuotaKind
    code: str
    name: str
    current: float
    requested: int
    percent: int


def has_quota(info: QuotaInfoLike | None) -> bool:
    """A model has a quota when its code is known (not ``NA``, not empty)."""
    return info is not None and is_quota_code(info.code)


def plan_quota_requests(
    routing: Routing,
    scenario: Scenario,
    current: Mapping[QuotaKind, QuotaInfoLike],
    percents: Mapping[QuotaKind, int],
) -> tuple[QuotaRequestPlan, ...]:
    """The increases to request (or, for low usage, to quote as reference): RPM, TPM, per-day.

    A routed quota is skipped when its percent is 0 (disabled in SSM), the model does not have
    it, or the rounded new value would not exceed the current one (Service Quotas rejects it).
    Non-quota scenarios never carry a quota section.
    """
    if scenario is Scenario.NON_QUOTA:
        return ()
    plans: list[QuotaRequestPlan] = []
    for kind in QuotaKind:
        info = current.get(kind)
        percent = percents.get(kind, 0)
        if kind not in routing.quotas or percent <= 0 or info is None or not has_quota(info):
            continue
        requested = increase(info.value, percent)
        if requested <= info.value:
            continue
        plans.append(QuotaRequestPlan(kind, info.code.strip(), info.name, info.value, requested, percent))
    return tuple(plans)


# AWS's Bedrock quota-increase page: to raise any combination of a model's per-minute and per-day
# quotas, request its tokens-per-minute quota; the support team then offers the others.
BEDROCK_QUOTA_INCREASE_DOC = "https://docs.aws.amazon.com/bedrock/latest/userguide/quotas-increase.html"


def quota_to_request(plans: Sequence[QuotaRequestPlan]) -> QuotaRequestPlan | None:
    """The ONE quota an alert asks Service Quotas to raise; the others ride along as context.

    One alert, one request, one case for the support engineer, as AWS's Bedrock quota page
    directs: the TPM quota whenever it is planned (alone, with RPM, or with the per-day quota),
    else the per-day quota (its own code: the model has no TPM quota to carry it), else the RPM
    quota, None when nothing qualifies. The context appended to the case AWS opens lists every
    planned quota's current and requested values.
    """
    by_kind = {p.kind: p for p in plans}
    return by_kind.get(QuotaKind.TPM) or by_kind.get(QuotaKind.TPD) or by_kind.get(QuotaKind.RPM)


# --- e-mail filter -------------------------------------------------------------------------------

PREFERENCES = ("all", "critical", "warning")


def is_known_preference(preference: str) -> bool:
    """False for a value outside all/critical/warning: the caller logs it (and e-mails anyway)."""
    return preference.strip().lower() in PREFERENCES


def should_email(preference: str, severity: Severity) -> bool:
    """``critical`` → CRITICAL only; ``warning`` → WARNING only; ``all`` (or unknown) → both.

    An unknown value falls back to "all": a typo in SSM must not silence the alerts.
    """
    pref = preference.strip().lower()
    if pref == "critical":
        return severity is Severity.CRITICAL
    if pref == "warning":
        return severity is Severity.WARNING
    return True
