"""End to end, as packaged: case management — duplicates, append, suppression, categories, paths."""
from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from ops_alert.alarms import CaseCategory
from ops_alert.duplicates import marker
from tests.functional.processor_world import CUSTOMER, MODEL_NAME, RPM_CODE, TPM_CODE, ProcessorWorld, fire, run

QUOTA_SUBJECT = f"{CUSTOMER} - Bedrock Ops Alert - {MODEL_NAME} - Quota Request"
INVESTIGATION_SUBJECT = f"{CUSTOMER} - Bedrock Ops Alert - {MODEL_NAME} - Investigation Request"


def _escalate(world: ProcessorWorld, processor: Any, child: str) -> dict[str, Any]:
    """A child entering ALARM while the composite already is: only its EventBridge event arrives."""
    world.set_child(child)
    return run(processor, world.child_event(child))


def _clear(world: ProcessorWorld) -> None:
    from ops_alert.alarms import ALARM_KINDS

    for kind in ALARM_KINDS:
        world.set_child(kind.key, "OK")
    world.set_composite("OK")


def _low_usage(world: ProcessorWorld) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)


def test_second_signal_appends_an_escalation_to_the_open_case(world: ProcessorWorld, processor: Any) -> None:
    _low_usage(world)
    first = fire(world, processor, "InvocationAnomaly")
    world.emails()
    second = _escalate(world, processor, "Throttles")  # composite already in ALARM: SPEC §8.7

    [case] = world.our_cases()
    assert second["case"] == {**second["case"], "status": "UPDATED", "display_id": first["case"]["display_id"]}
    assert "ESCALATION" in case.communications[-1].body
    assert "Throttles" in case.communications[-1].body
    [email] = world.emails()
    assert "was updated with this new signal" in email["body"]


def test_anomaly_already_communicated_is_suppressed(world: ProcessorWorld, processor: Any) -> None:
    _low_usage(world)
    fire(world, processor, "InvocationAnomaly")
    _clear(world)
    world.emails()
    result = fire(world, processor, "InvocationAnomaly")  # re-fires: a new transition

    [case] = world.our_cases()
    assert result["case"]["status"] == "NOT_UPDATED_ALREADY_COMMUNICATED"
    assert len(case.communications) == 1
    [email] = world.emails()  # the team is still told
    assert "already has this signal" in email["body"]


def test_quota_case_never_blocks_an_investigation_case(world: ProcessorWorld, processor: Any) -> None:
    _low_usage(world)
    fire(world, processor, "InvocationAnomaly")
    result = _escalate(world, processor, "ServerErrors")
    assert result["case"]["status"] == "NEW"
    assert sorted(c.subject for c in world.our_cases()) == [INVESTIGATION_SUBJECT, QUOTA_SUBJECT]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda s, c: s.resolve(c), "NEW"),
        (lambda s, c: s.age_case(c, 61), "NEW"),  # older than SupportCaseLookbackDays (60)
        (lambda s, c: s.age_case(c, 59), "UPDATED"),
    ],
    ids=["resolved-case-ignored", "too-old-case-ignored", "case-inside-lookback-updated"],
)
def test_only_unresolved_cases_inside_the_lookback_count(
    world: ProcessorWorld, processor: Any, setup: Any, expected: str
) -> None:
    existing = world.aws.support.add_case(QUOTA_SUBJECT, "opened by the original solution",
                                          submitted_by="someone")
    setup(world.aws.support, existing)
    _low_usage(world)
    result = fire(world, processor, "Throttles")
    assert result["case"]["status"] == expected


def test_case_of_the_original_solution_is_found_on_a_later_page(world: ProcessorWorld, processor: Any,
                                                                 aws_calls: Counter[str]) -> None:
    old = world.aws.support.add_case(QUOTA_SUBJECT, "opened by the original solution", days_ago=10)
    for i in range(120):  # newest first: ours ends up on page 2
        world.aws.support.add_case(f"unrelated {i}", "other team", days_ago=1)
    _low_usage(world)
    result = fire(world, processor, "Throttles")
    assert result["case"]["display_id"] == old.display_id
    assert result["case"]["status"] == "UPDATED"
    assert aws_calls["support:CreateCase"] == 0


def test_marker_matches_even_when_the_subject_was_edited(world: ProcessorWorld, processor: Any) -> None:
    from ops_alert.duplicates import seal
    from tests.functional.processor_world import MARKER_KEY

    body = seal("edited\n\n" + marker(CUSTOMER, MODEL_NAME, CaseCategory.QUOTA_REQUEST), MARKER_KEY.encode())
    existing = world.aws.support.add_case("Bedrock quota (renamed)", body, submitted_by="us")
    _low_usage(world)
    assert fire(world, processor, "Throttles")["case"]["display_id"] == existing.display_id


def test_case_service_quotas_opened_for_this_model_counts_as_quota_case(world: ProcessorWorld, processor: Any) -> None:
    sq = world.aws.service_quotas
    sq.auto_open_case = True
    sq.quota(RPM_CODE)  # exists
    import boto3
    boto3.client("service-quotas").request_service_quota_increase(
        ServiceCode="bedrock", QuotaCode=RPM_CODE, DesiredValue=11_000)
    sq_case = world.aws.support.case(sq.requests[0].case_id)
    _low_usage(world)
    result = fire(world, processor, "InvocationAnomaly")
    assert result["case"]["display_id"] == sq_case.display_id
    assert world.our_cases() == []
    assert "ESCALATION" in sq_case.communications[-1].body


def test_pending_request_without_case_gets_our_context_later(world: ProcessorWorld, processor: Any) -> None:
    sq = world.aws.service_quotas
    sq.auto_open_case = False
    import boto3
    boto3.client("service-quotas").request_service_quota_increase(
        ServiceCode="bedrock", QuotaCode=RPM_CODE, DesiredValue=11_000)
    world.load_usage(rpm=9_500, tpm=10)
    result = fire(world, processor, "HighInvocationRate")

    assert len(sq.requests) == 1  # no second request for the same quota
    assert result["case"]["status"] == "UPDATED" and result["case"]["quota_request_ids"] == []
    sq.open_case(sq.requests[0])
    [event] = world.follow_ups()
    assert run(processor, event)["results"][0]["status"] == "appended"
    case = world.aws.support.case(sq.requests[0].case_id)
    assert "ESCALATION" in case.communications[-1].body


def test_a_pending_request_for_another_routed_quota_takes_the_alert_instead_of_a_second_request(
    world: ProcessorWorld, processor: Any
) -> None:
    """RPM has a request still open whose case is older than SupportCaseLookbackDays (so no duplicate
    by our own rule). Throttles routes RPM and TPM: the model's open request is its one conversation
    with support, so the alert's context (both quotas) goes to that case, and no TPM request is added.
    The e-mail must not call that case new."""
    sq = world.aws.service_quotas
    sq.auto_open_case = True
    import boto3
    boto3.client("service-quotas").request_service_quota_increase(
        ServiceCode="bedrock", QuotaCode=RPM_CODE, DesiredValue=11_000)
    pending_case = world.aws.support.age_case(sq.requests[0].case_id, 100)
    world.emails()
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles")

    assert len(sq.requests) == 1 and result["case"]["quota_request_ids"] == []
    assert result["case"]["status"] == "UPDATED" and result["case"]["display_id"] == pending_case.display_id
    [email] = world.emails()
    assert f"A new Quota Request case was opened: {pending_case.display_id}" not in email["body"]
    assert f"displayId={pending_case.display_id}" in email["body"]
    [event] = world.follow_ups()
    assert run(processor, event)["results"][0]["status"] == "appended"
    appended = pending_case.communications[-1].body
    assert "ESCALATION" in appended and TPM_CODE in appended and "7,812,500" in appended


@pytest.mark.parametrize(
    "break_path",
    [
        lambda sq: setattr(sq, "service_linked_role", False),
        lambda sq: setattr(sq.quota(RPM_CODE), "adjustable", False) or setattr(sq.quota(TPM_CODE), "adjustable", False),
    ],
    ids=["no-service-linked-role", "quota-not-adjustable"],
)
def test_service_quotas_unavailable_falls_back_to_our_quota_case(
    world: ProcessorWorld, processor: Any, break_path: Any
) -> None:
    break_path(world.aws.service_quotas)
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles")

    [case] = world.our_cases()
    assert case.subject == QUOTA_SUBJECT
    assert "12,500" in case.body and "7,812,500" in case.body
    assert result["case"]["status"] == "NEW" and result["case"]["display_id"] == case.display_id


def test_automation_disabled_opens_nothing_but_emails(world: ProcessorWorld, processor: Any,
                                                      aws_calls: Counter[str]) -> None:
    import boto3
    boto3.client("ssm").put_parameter(Name=world.names.ssm("enable-automated-support-case"), Value="No",
                                      Type="String", Overwrite=True)
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles")
    assert result["case"]["status"] == "AUTOMATION_DISABLED"
    assert not any(k.startswith("support:") for k in aws_calls)
    assert world.aws.service_quotas.requests == []
    [email] = world.emails()
    assert "Automated support cases are disabled" in email["body"]


def test_no_support_plan_is_reported_in_the_email(world: ProcessorWorld, processor: Any) -> None:
    world.aws.support.subscribed = False
    _low_usage(world)
    result = fire(world, processor, "Throttles")
    assert result["case"]["status"] == "NO_SUPPORT_PLAN"
    [email] = world.emails()
    assert "support plan" in email["body"]


@pytest.mark.parametrize(
    ("preference", "child", "emailed"),
    [
        ("critical", "Throttles", True),
        ("critical", "InvocationAnomaly", False),
        ("warning", "Throttles", False),
        ("warning", "InvocationAnomaly", True),
        ("all", "InvocationAnomaly", True),
        ("bogus", "Throttles", True),  # a typo must not silence alerts
    ],
    ids=["critical-critical", "critical-warning", "warning-critical", "warning-warning", "all", "unknown"],
)
def test_notification_preference_filters_by_severity(
    world: ProcessorWorld, processor: Any, preference: str, child: str, emailed: bool
) -> None:
    import boto3
    boto3.client("ssm").put_parameter(Name=world.names.ssm("notification-preference"), Value=preference,
                                      Type="String", Overwrite=True)
    _low_usage(world)
    result = fire(world, processor, child)
    assert result["email"] == ("sent" if emailed else "filtered")
    assert len(world.emails()) == (1 if emailed else 0)
    assert result["case"]["status"] == "NEW"  # the filter is about e-mail only


def test_anomaly_refire_is_suppressed_on_the_service_quotas_case_too(world: ProcessorWorld, processor: Any) -> None:
    # High usage: the anomaly's increase goes through Service Quotas, which opens its case later.
    # The anomaly re-fires before that: both follow-ups wait for the same case, and once it exists
    # only the first may append (SPEC §4.4 step 6: re-fired anomaly/latency alarms are suppressed).
    sq = world.aws.service_quotas
    sq.auto_open_case = False
    world.load_usage(rpm=9_500, tpm=10)
    first = fire(world, processor, "InvocationAnomaly")
    _clear(world)
    second = fire(world, processor, "InvocationAnomaly")  # re-fires: a new transition
    assert first["scenario"] == second["scenario"] == "high_usage"
    assert len(sq.requests) == 1
    sq.open_case(sq.requests[0])
    results = [run(processor, event)["results"][0]["status"] for event in world.follow_ups()]
    assert results == ["appended", "already_communicated"]
    case = world.aws.support.case(sq.requests[0].case_id)
    assert sum("Bedrock Ops Alert" in c.body for c in case.communications) == 1


def test_throttles_refire_is_still_appended_on_the_service_quotas_case(world: ProcessorWorld, processor: Any) -> None:
    # Errors and throttles are not suppressed: a repeat is an escalation worth telling.
    sq = world.aws.service_quotas
    sq.auto_open_case = False
    world.load_usage(rpm=9_500, tpm=10)
    fire(world, processor, "HighInvocationRate")
    _clear(world)
    fire(world, processor, "HighInvocationRate")
    sq.open_case(sq.requests[0])
    results = [run(processor, event)["results"][0]["status"] for event in world.follow_ups()]
    assert results == ["appended", "appended"]
