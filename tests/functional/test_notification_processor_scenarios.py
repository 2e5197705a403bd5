"""End to end, as packaged: the four scenarios of SPEC §4.4 and the support action of each."""
from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.functional.processor_world import (  # noqa: F401 - fixtures
    RPM_CODE,
    TPM_CODE,
    ProcessorWorld,
    processor,
    run,
    world,
)


def _fire(world: ProcessorWorld, processor: Any, *children: str) -> dict[str, Any]:
    for child in children:
        world.set_child(child)
    world.set_composite("ALARM")
    return run(processor, world.composite_event(children))


@pytest.mark.parametrize(
    ("children", "rpm", "tpm", "codes"),
    [
        (("Throttles",), 9_500, 3_000_000, {RPM_CODE, TPM_CODE}),  # SPEC worked example
        (("HighInvocationRate",), 9_000, 100_000, {RPM_CODE}),
        (("HighTPMQuotaUsage",), 100, 5_500_000, {TPM_CODE}),
        (("InputTokenAnomaly",), 100, 5_000_000, {TPM_CODE}),  # peak == threshold counts
    ],
    ids=["throttles-both-quotas", "rpm-alarm-rpm-only", "tpm-alarm-tpm-only", "tpm-peak-equals-threshold"],
)
def test_high_usage_requests_the_routed_quotas_through_service_quotas(
    world: ProcessorWorld, processor: Any, children: tuple[str, ...], rpm: float, tpm: float, codes: set[str]
) -> None:
    world.load_usage(rpm=rpm, tpm=tpm)
    result = _fire(world, processor, *children)

    assert result["scenario"] == "high_usage"
    requests = world.aws.service_quotas.requests
    assert {r.quota.code for r in requests} == codes
    assert {r.quota.code: r.desired_value for r in requests} == {
        c: {RPM_CODE: 12_500, TPM_CODE: 7_812_500}[c] for c in codes}
    assert result["case"]["status"] == "NEW"
    assert world.our_cases() == []  # AWS opened the cases, we did not open our own
    [email] = world.emails()
    assert "Quota increase requested" in email["body"].replace("QUOTA INCREASE REQUESTED", "Quota increase requested")


def test_high_usage_context_reaches_the_case_service_quotas_opened(world: ProcessorWorld, processor: Any) -> None:
    world.load_usage(rpm=9_500, tpm=3_000_000)
    _fire(world, processor, "Throttles")
    follow_ups = world.follow_ups()
    assert len(follow_ups) == 2 and world.follow_up_delays == [0, 0]  # cases already open: no wait

    for event in follow_ups:
        assert run(processor, event)["results"][0]["status"] == "appended"
    for request in world.aws.service_quotas.requests:
        case = world.aws.support.case(request.case_id)
        assert len(case.communications) == 2
        assert "Context from Bedrock Ops Alert" in case.communications[1].body
        assert "Throttles" in case.communications[1].body


def test_high_usage_waits_for_the_case_without_sleeping(world: ProcessorWorld, processor: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", lambda s: slept.append(s))
    world.aws.service_quotas.auto_open_case = False  # AWS opens the case later
    world.load_usage(rpm=9_500, tpm=10)
    _fire(world, processor, "HighInvocationRate")
    [event] = world.follow_ups()
    assert world.follow_up_delays == [60]
    assert run(processor, event)["results"][0]["status"] == "requeued"  # no case yet
    [event] = world.follow_ups()
    assert world.follow_up_delays == [120]
    request = world.aws.service_quotas.requests[0]
    world.aws.service_quotas.open_case(request)
    assert run(processor, event)["results"][0]["status"] == "appended"
    assert slept == []


def test_new_model_without_usage_requests_headroom(world: ProcessorWorld, processor: Any,
                                                    aws_calls: Counter[str]) -> None:
    result = _fire(world, processor, "Throttles")
    assert result["scenario"] == "new_model"
    assert len(world.aws.service_quotas.requests) == 2
    [email] = world.emails()
    assert "new model" in email["body"]


def test_low_usage_opens_an_investigate_first_case_and_submits_nothing(world: ProcessorWorld, processor: Any) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    result = _fire(world, processor, "InvocationAnomaly")

    assert result["scenario"] == "low_usage"
    assert world.aws.service_quotas.requests == []  # SPEC §8.6
    [case] = world.our_cases()
    assert case.subject == "Acme - Bedrock Ops Alert - G-Opus-4-6 - Quota Request"
    assert (case.service_code, case.category_code, case.severity_code, case.language) == (
        "service-bedrock", "general-guidance", "normal", "en")
    assert "reference only" in case.body and "NOT been submitted" in case.body
    assert case.cc_email_addresses == ["sre@example.com", "oncall@example.com"]
    assert result["case"]["display_id"] == case.display_id
    [email] = world.emails()
    assert email["subject"] == "[WARNING] Acme - Bedrock Ops Alert - G-Opus-4-6 - Quota Request"
    assert f"displayId={case.display_id}" in email["body"]


def test_non_quota_opens_an_investigation_case_without_reading_usage(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    world.load_usage(rpm=9_500, tpm=6_000_000)  # would be high usage, but is not looked at
    result = _fire(world, processor, "ServerErrors")

    assert result["scenario"] == "non_quota"
    assert aws_calls["cloudwatch:GetMetricData"] == 0
    assert world.aws.service_quotas.requests == []
    [case] = world.our_cases()
    assert case.subject.endswith(" - Investigation Request")
    assert "QUOTA INCREASE" not in case.body
    [email] = world.emails()
    assert email["subject"].startswith("[CRITICAL] ")


def test_application_profile_combines_sibling_usage_minute_by_minute(
    aws: Any, monkeypatch: pytest.MonkeyPatch, load_handler: Any
) -> None:
    from tests.functional.processor_world import purge_processor_modules
    import sys

    w = ProcessorWorld(aws, model_id="abc123def456", profile_type="Application", siblings=("sib1", "sib2"))
    for key, value in w.deploy().items():
        monkeypatch.setenv(key, value)
    # Each profile alone stays below 8,000 RPM; together they reach it at the same minute.
    for dim in ("abc123def456", "sib1", "sib2"):
        w.load_usage(rpm=3_000, tpm=100_000, dimension=dim)
    purge_processor_modules()
    module = load_handler("notification_processor")
    sys.modules["ops_alert_aws.clients"].reset()
    result = _fire(w, module, "HighInvocationRate")
    purge_processor_modules()
    assert result["scenario"] == "high_usage"
    [email] = w.emails()
    assert "9,000" in email["body"]  # 3 × 3,000 at the same minute
    assert "abc123def456" in email["body"]
