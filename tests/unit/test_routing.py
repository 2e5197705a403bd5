"""Case category, quota routing, severity, quota plans, support action and the e-mail filter."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from ops_alert.alarms import BY_KEY, AlarmKind, CaseCategory, QuotaKind, Severity
from ops_alert.routing import (
    QuotaRequestPlan,
    Routing,
    SupportAction,
    has_quota,
    is_known_preference,
    plan_quota_requests,
    quota_to_request,
    route,
    should_email,
    support_action,
)
from ops_alert.scenario import Scenario

RPM, TPM, TPD = QuotaKind.RPM, QuotaKind.TPM, QuotaKind.TPD
Q, I = CaseCategory.QUOTA_REQUEST, CaseCategory.INVESTIGATION_REQUEST
C, W = Severity.CRITICAL, Severity.WARNING


def kinds(*keys: str) -> tuple[AlarmKind, ...]:
    return tuple(BY_KEY[k] for k in keys)


ROUTES = [
    # SPEC §4.4 step 5 table, one row per alarm.
    ("HighInvocationRate", kinds("HighInvocationRate"), Q, {RPM}, W),
    ("InvocationAnomaly", kinds("InvocationAnomaly"), Q, {RPM}, W),
    ("HighTPMQuotaUsage", kinds("HighTPMQuotaUsage"), Q, {TPM}, W),
    ("InputTokenAnomaly", kinds("InputTokenAnomaly"), Q, {TPM}, W),
    ("OutputTokenAnomaly", kinds("OutputTokenAnomaly"), Q, {TPM}, W),
    ("Throttles", kinds("Throttles"), Q, {RPM, TPM}, C),
    ("ClientErrors", kinds("ClientErrors"), Q, {RPM, TPM}, C),
    ("ServerErrors", kinds("ServerErrors"), I, set(), C),
    ("HighLatency", kinds("HighLatency"), I, set(), W),
    ("LatencyAnomaly", kinds("LatencyAnomaly"), I, set(), W),
    # Issue 12: the per-day quota, raised (as AWS directs) through the TPM quota's request.
    ("HighDailyTokenUsage", kinds("HighDailyTokenUsage"), Q, {TPM, TPD}, W),
    ("per-day-plus-throttles", kinds("Throttles", "HighDailyTokenUsage"), Q, {RPM, TPM, TPD}, C),
    # Combinations: union of quotas; any quota-type alarm makes it a Quota Request.
    ("rpm-plus-tpm-alarms", kinds("HighInvocationRate", "OutputTokenAnomaly"), Q, {RPM, TPM}, W),
    ("server-errors-plus-anomaly", kinds("ServerErrors", "InvocationAnomaly"), Q, {RPM}, C),
    ("latency-pair", kinds("HighLatency", "LatencyAnomaly"), I, set(), W),
]


@pytest.mark.parametrize(("triggered", "category", "quotas", "severity"), [r[1:] for r in ROUTES], ids=[r[0] for r in ROUTES])
def test_route(triggered: tuple[AlarmKind, ...], category: CaseCategory, quotas: set[QuotaKind], severity: Severity) -> None:
    assert route(triggered) == Routing(category, frozenset(quotas), severity)


def test_route_refuses_an_empty_trigger() -> None:
    with pytest.raises(ValueError, match="no triggered alarm"):
        route(())


ACTIONS = [
    (Scenario.HIGH_USAGE, SupportAction.SUBMIT_QUOTA_INCREASE),
    (Scenario.NEW_MODEL, SupportAction.SUBMIT_QUOTA_INCREASE),
    (Scenario.LOW_USAGE, SupportAction.INVESTIGATE_FIRST_QUOTA_CASE),
    (Scenario.NON_QUOTA, SupportAction.INVESTIGATION_CASE),
]


@pytest.mark.parametrize(("scenario", "action"), ACTIONS, ids=[s.value for s, _ in ACTIONS])
def test_support_action(scenario: Scenario, action: SupportAction) -> None:
    assert support_action(scenario) is action


@dataclass(frozen=True)
class Quota:
    code: str
    name: str
    value: float


RPM_Q = Quota("L-3DD46812", "Global cross-region model inference requests per minute for Claude Opus 4.6", 10_000.0)
TPM_Q = Quota("L-3DCCFAA4", "Global cross-region model inference tokens per minute for Claude Opus 4.6", 6_250_000.0)
BOTH = route(kinds("Throttles"))
ONLY_RPM = route(kinds("HighInvocationRate"))
CURRENT = {RPM: RPM_Q, TPM: TPM_Q}
P25 = {RPM: 25, TPM: 25}
# The catalogue's per-day quota of the model (TPM x 1,440 / 4); its percent is the TPM one.
TPD_Q = Quota("L-9C972E3A", "Model invocation max tokens per day for Anthropic Claude Opus 4.6 V1", 2_250_000_000.0)
DAILY = route(kinds("HighDailyTokenUsage"))
WITH_DAY = {RPM: RPM_Q, TPM: TPM_Q, TPD: TPD_Q}
P25_DAY = {RPM: 25, TPM: 25, TPD: 25}

PLANS = [
    (
        "throttles-both-quotas-rpm-first",
        BOTH, Scenario.HIGH_USAGE, CURRENT, P25,
        [(RPM, "L-3DD46812", 10_000, 12_500, 25), (TPM, "L-3DCCFAA4", 6_250_000, 7_812_500, 25)],
    ),
    ("routing-limits-to-rpm", ONLY_RPM, Scenario.HIGH_USAGE, CURRENT, P25, [(RPM, "L-3DD46812", 10_000, 12_500, 25)]),
    ("new-model-plans-too", ONLY_RPM, Scenario.NEW_MODEL, CURRENT, {RPM: 100}, [(RPM, "L-3DD46812", 10_000, 20_000, 100)]),
    # Low usage still shows the numbers (reference only); submitting is the action's business.
    ("low-usage-reference", ONLY_RPM, Scenario.LOW_USAGE, CURRENT, P25, [(RPM, "L-3DD46812", 10_000, 12_500, 25)]),
    ("non-quota-never", BOTH, Scenario.NON_QUOTA, CURRENT, P25, []),
    ("percent-zero-skips", BOTH, Scenario.HIGH_USAGE, CURRENT, {RPM: 0, TPM: 50}, [(TPM, "L-3DCCFAA4", 6_250_000, 9_375_000, 50)]),
    ("percent-missing-skips", BOTH, Scenario.HIGH_USAGE, CURRENT, {TPM: 25}, [(TPM, "L-3DCCFAA4", 6_250_000, 7_812_500, 25)]),
    ("negative-percent-skips", BOTH, Scenario.HIGH_USAGE, CURRENT, {RPM: -10, TPM: 0}, []),
    ("model-without-rpm-quota", BOTH, Scenario.HIGH_USAGE, {TPM: TPM_Q}, P25, [(TPM, "L-3DCCFAA4", 6_250_000, 7_812_500, 25)]),
    ("rpm-code-NA", BOTH, Scenario.HIGH_USAGE, {RPM: Quota("NA", "", 0), TPM: TPM_Q}, P25, [(TPM, "L-3DCCFAA4", 6_250_000, 7_812_500, 25)]),
    ("rpm-code-na-lowercase", ONLY_RPM, Scenario.HIGH_USAGE, {RPM: Quota(" na ", "", 5)}, P25, []),
    ("rpm-code-empty", ONLY_RPM, Scenario.HIGH_USAGE, {RPM: Quota("", "", 5)}, P25, []),
    # floor(1 × 1.25) = 1 does not exceed 1: Service Quotas would reject it.
    ("increase-rounds-to-nothing", ONLY_RPM, Scenario.HIGH_USAGE, {RPM: Quota("L-1", "tiny", 1)}, P25, []),
    ("floor-not-round", ONLY_RPM, Scenario.HIGH_USAGE, {RPM: Quota("L-1", "odd", 7)}, P25, [(RPM, "L-1", 7, 8, 25)]),
    ("per-day-alarm-plans-tpm-and-per-day", DAILY, Scenario.HIGH_USAGE, WITH_DAY, P25_DAY,
     [(TPM, "L-3DCCFAA4", 6_250_000, 7_812_500, 25), (TPD, "L-9C972E3A", 2_250_000_000, 2_812_500_000, 25)]),
    ("per-day-low-usage-reference", DAILY, Scenario.LOW_USAGE, WITH_DAY, P25_DAY,
     [(TPM, "L-3DCCFAA4", 6_250_000, 7_812_500, 25), (TPD, "L-9C972E3A", 2_250_000_000, 2_812_500_000, 25)]),
    ("model-without-per-day-quota", DAILY, Scenario.HIGH_USAGE, CURRENT, P25_DAY,
     [(TPM, "L-3DCCFAA4", 6_250_000, 7_812_500, 25)]),
    ("per-day-code-NA", DAILY, Scenario.HIGH_USAGE, {**CURRENT, TPD: Quota("NA", "", 0)}, P25_DAY,
     [(TPM, "L-3DCCFAA4", 6_250_000, 7_812_500, 25)]),
    ("rpm-alarm-never-plans-per-day", ONLY_RPM, Scenario.HIGH_USAGE, WITH_DAY, P25_DAY,
     [(RPM, "L-3DD46812", 10_000, 12_500, 25)]),
    ("fractional-current", ONLY_RPM, Scenario.HIGH_USAGE, {RPM: Quota("L-1", "f", 10.5)}, {RPM: 50}, [(RPM, "L-1", 10.5, 15, 50)]),
]


@pytest.mark.parametrize(("routing", "scenario", "current", "percents", "expected"), [p[1:] for p in PLANS], ids=[p[0] for p in PLANS])
def test_plan_quota_requests(
    routing: Routing,
    scenario: Scenario,
    current: dict[QuotaKind, Quota],
    percents: dict[QuotaKind, int],
    expected: list[tuple[QuotaKind, str, float, int, int]],
) -> None:
    plans = plan_quota_requests(routing, scenario, current, percents)
    assert [(p.kind, p.code, p.current, p.requested, p.percent) for p in plans] == expected
    assert all(p.requested > p.current for p in plans)


def test_plan_carries_the_quota_name() -> None:
    (plan,) = plan_quota_requests(ONLY_RPM, Scenario.HIGH_USAGE, CURRENT, P25)
    assert plan == QuotaRequestPlan(RPM, "L-3DD46812", RPM_Q.name, 10_000.0, 12_500, 25)


ONE_REQUEST = [
    # (id, routing, percents, current quotas, kind submitted through Service Quotas or None)
    ("throttles-rpm-and-tpm-requests-tpm", BOTH, P25, CURRENT, TPM),
    ("client-errors-rpm-and-tpm-requests-tpm", route(kinds("ClientErrors")), P25, CURRENT, TPM),
    ("rpm-and-tpm-alarms-together-request-tpm", route(kinds("HighInvocationRate", "HighTPMQuotaUsage")), P25, CURRENT, TPM),
    ("tpm-only-requests-tpm", route(kinds("HighTPMQuotaUsage")), P25, CURRENT, TPM),
    ("rpm-only-requests-rpm", ONLY_RPM, P25, CURRENT, RPM),
    ("invocation-anomaly-requests-rpm", route(kinds("InvocationAnomaly")), P25, CURRENT, RPM),
    # TPM routed but not requestable: the RPM quota is the one left to ask for.
    ("tpm-percent-zero-falls-back-to-rpm", BOTH, {RPM: 25, TPM: 0}, CURRENT, RPM),
    ("model-without-tpm-quota-requests-rpm", BOTH, P25, {RPM: RPM_Q, TPM: Quota("NA", "", 0)}, RPM),
    ("rpm-percent-zero-requests-tpm", BOTH, {RPM: 0, TPM: 25}, CURRENT, TPM),
    ("nothing-requestable", BOTH, {RPM: 0, TPM: 0}, CURRENT, None),
    ("investigation-routes-no-quota", route(kinds("ServerErrors")), P25, CURRENT, None),
    # Per-day alarm: one request, on the TPM quota (AWS's process for any mix of per-minute and
    # per-day quotas); the per-day quota is asked for directly only when no TPM quota carries it.
    ("per-day-requests-tpm", DAILY, P25_DAY, WITH_DAY, TPM),
    ("per-day-with-throttles-requests-tpm", route(kinds("Throttles", "HighDailyTokenUsage")), P25_DAY, WITH_DAY, TPM),
    ("per-day-model-without-tpm-quota-requests-per-day", DAILY, P25_DAY,
     {RPM: RPM_Q, TPM: Quota("NA", "", 0), TPD: TPD_Q}, TPD),
    ("per-day-tpm-percent-zero-requests-nothing", DAILY, {RPM: 25, TPM: 0, TPD: 0}, WITH_DAY, None),
    ("per-day-without-per-day-quota-requests-tpm", DAILY, P25_DAY, CURRENT, TPM),
]


@pytest.mark.parametrize(("routing", "percents", "current", "submitted"), [r[1:] for r in ONE_REQUEST],
                         ids=[r[0] for r in ONE_REQUEST])
def test_one_service_quotas_request_per_alert(
    routing: Routing, percents: dict[QuotaKind, int], current: dict[QuotaKind, Quota], submitted: QuotaKind | None
) -> None:
    plans = plan_quota_requests(routing, Scenario.HIGH_USAGE, current, percents)
    chosen = quota_to_request(plans)
    assert (chosen.kind if chosen else None) is submitted
    if chosen is not None:
        assert chosen in plans  # the request carries the planned value; the others stay in the context
        assert chosen.code == {TPM: TPM_Q, RPM: RPM_Q, TPD: TPD_Q}[submitted].code


@pytest.mark.parametrize(
    ("info", "expected"),
    [(None, False), (Quota("NA", "", 0), False), (Quota("  ", "", 0), False), (RPM_Q, True)],
    ids=["missing", "NA", "blank", "present"],
)
def test_has_quota(info: Quota | None, expected: bool) -> None:
    assert has_quota(info) is expected


EMAIL = [
    ("all", C, True), ("all", W, True),
    ("critical", C, True), ("critical", W, False),
    ("warning", C, False), ("warning", W, True),
    (" Critical ", W, False),  # SSM values are hand-edited: case and spaces do not matter
    ("WARNING", W, True),
    ("everything", C, True), ("", W, True),  # unknown → "all": a typo must not silence alerts
]


@pytest.mark.parametrize(("preference", "severity", "expected"), EMAIL, ids=[f"{p.strip() or 'empty'}-{s.value}" for p, s, _ in EMAIL])
def test_should_email(preference: str, severity: Severity, expected: bool) -> None:
    assert should_email(preference, severity) is expected


@pytest.mark.parametrize(
    ("preference", "known"),
    [("all", True), ("critical", True), ("Warning ", True), ("everything", False), ("", False)],
    ids=["all", "critical", "warning-mixed-case", "typo", "empty"],
)
def test_unknown_preference_is_flagged(preference: str, known: bool) -> None:
    assert is_known_preference(preference) is known
