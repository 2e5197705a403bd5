"""End to end, as packaged: the four scenarios of SPEC §4.4 and the support action of each."""
from __future__ import annotations

import re
import sys
from collections import Counter
from typing import Any

import pytest

from tests.functional.processor_world import RPM_CODE, TPM_CODE, ProcessorWorld, fire, purge_processor_modules, run


@pytest.mark.parametrize(
    ("children", "rpm", "tpm", "code"),
    [
        (("Throttles",), 9_500, 3_000_000, TPM_CODE),  # SPEC worked example: RPM and TPM routed, TPM requested
        (("HighInvocationRate",), 9_000, 100_000, RPM_CODE),
        (("HighTPMQuotaUsage",), 100, 5_500_000, TPM_CODE),
        (("InputTokenAnomaly",), 100, 5_000_000, TPM_CODE),  # peak == threshold counts
        (("HighInvocationRate", "HighTPMQuotaUsage"), 9_000, 5_500_000, TPM_CODE),
    ],
    ids=["throttles-rpm-and-tpm", "rpm-alarm-rpm-only", "tpm-alarm-tpm-only", "tpm-peak-equals-threshold",
         "rpm-and-tpm-alarms"],
)
def test_high_usage_submits_one_service_quotas_request(
    world: ProcessorWorld, processor: Any, children: tuple[str, ...], rpm: float, tpm: float, code: str
) -> None:
    world.load_usage(rpm=rpm, tpm=tpm)
    result = fire(world, processor, *children)

    assert result["scenario"] == "high_usage"
    [request] = world.aws.service_quotas.requests
    assert (request.quota.code, request.desired_value) == (code, {RPM_CODE: 12_500, TPM_CODE: 7_812_500}[code])
    assert result["case"]["status"] == "NEW" and len(result["case"]["quota_request_ids"]) == 1
    assert world.our_cases() == []  # AWS opened the case, we did not open our own
    [email] = world.emails()
    assert "QUOTA INCREASE REQUESTED" in email["body"]


def test_high_usage_throttling_opens_one_case_whose_context_lists_both_quotas(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    """AWS's Bedrock quota page: one request on the TPM quota; support offers the RPM one, which our
    context on that one case names with its current and requested values."""
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles")
    assert aws_calls["service-quotas:RequestServiceQuotaIncrease"] == 1
    [follow_up] = world.follow_ups()
    assert world.follow_up_delays == [0]  # the case is already open: no wait

    assert run(processor, follow_up)["results"][0]["status"] == "appended"
    [case] = world.aws.support.cases  # exactly one case in the account, opened by Service Quotas
    [request] = world.aws.service_quotas.requests
    assert world.aws.support.case(request.case_id) is case and result["case"]["display_id"] == case.display_id
    context = case.communications[-1].body
    assert "Context from Bedrock Ops Alert" in context and "Throttles" in context
    # Every routed quota's row: kind, code, current, requested.
    assert re.search(rf"RPM\s+{RPM_CODE}\s+10,000\s+12,500\b", context)
    assert re.search(rf"TPM\s+{TPM_CODE}\s+6,250,000\s+7,812,500\b", context)


def test_high_usage_waits_for_the_case_without_sleeping(world: ProcessorWorld, processor: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", lambda s: slept.append(s))
    world.aws.service_quotas.auto_open_case = False  # AWS opens the case later
    world.load_usage(rpm=9_500, tpm=10)
    fire(world, processor, "HighInvocationRate")
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
    result = fire(world, processor, "Throttles")
    assert result["scenario"] == "new_model"
    [request] = world.aws.service_quotas.requests  # one request per alert: the TPM quota
    assert request.quota.code == TPM_CODE
    [email] = world.emails()
    assert "new model" in email["body"]


def test_low_usage_opens_an_investigate_first_case_and_submits_nothing(world: ProcessorWorld, processor: Any) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    result = fire(world, processor, "InvocationAnomaly")

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
    result = fire(world, processor, "ServerErrors")

    assert result["scenario"] == "non_quota"
    assert aws_calls["cloudwatch:GetMetricData"] == 0
    assert world.aws.service_quotas.requests == []
    [case] = world.our_cases()
    assert case.subject.endswith(" - Investigation Request")
    assert "QUOTA INCREASE" not in case.body
    [email] = world.emails()
    assert email["subject"].startswith("[CRITICAL] ")


@pytest.fixture
def app_world(aws: Any, monkeypatch: pytest.MonkeyPatch, load_handler: Any) -> Any:
    """An application-profile stack with ``count`` profiles on the same models (monitored first),
    each at ``rpm`` peak RPM at the same minute; returns (world, packaged processor)."""
    def build(count: int, rpm: float) -> tuple[ProcessorWorld, Any]:
        siblings = tuple(f"sib{i:02d}" for i in range(1, count))
        w = ProcessorWorld(aws, model_id="abc123def456", profile_type="Application", siblings=siblings)
        for key, value in w.deploy().items():
            monkeypatch.setenv(key, value)
        for dim in ("abc123def456", *siblings):  # short series: one point an hour, one peak minute
            w.load_usage(rpm=rpm, tpm=100_000, dimension=dim, days=1, every_minutes=60)
        purge_processor_modules()
        module = load_handler("notification_processor")
        sys.modules["ops_alert_aws.clients"].reset()
        return w, module

    yield build
    purge_processor_modules()


@pytest.mark.parametrize(("profiles", "history_calls", "said"), [
    pytest.param(12, 1, "History: 1 day at 1-minute (5-minute history not used: no usage older than the 1-minute data)",
                 id="twelve-profiles-one-call"),
    pytest.param(125, 0, "History: 1 day at 1-minute (5-minute history not used: 125 profiles need more than one "
                 "GetMetricData call (500 queries: at most 124 profiles))", id="more-than-one-call-takes"),
])
def test_the_forecast_history_costs_one_call_for_all_profiles_or_none(
    app_world: Any, aws_calls: Counter[str], profiles: int, history_calls: int, said: str
) -> None:
    w, module = app_world(profiles, 10)
    fire(w, module, "Throttles")
    history = [p for p in w.aws.metrics.params("GetMetricData")
               if any(q.get("MetricStat", {}).get("Period") == 300 for q in p["MetricDataQueries"])]
    assert len(history) == history_calls
    for params in history:  # every profile in it, added up by one expression per measure
        sums = [q for q in params["MetricDataQueries"] if "Expression" in q]
        assert [q["Id"] for q in sums] == ["invocations", "estimated_tpm", "tokens"]
        assert len(params["MetricDataQueries"]) == 4 * profiles + 3
    [email] = w.emails()
    assert said in " ".join(email["body"].split())


def test_application_profile_combines_sibling_usage_minute_by_minute(app_world: Any) -> None:
    w, module = app_world(3, 3_000)
    result = fire(w, module, "HighInvocationRate")
    assert result["scenario"] == "high_usage"
    [email] = w.emails()
    assert "9,000" in email["body"]  # 3 × 3,000 at the same minute
    assert "abc123def456" in email["body"]


def test_twelve_sibling_profiles_at_700_rpm_give_a_combined_peak_of_8400(
    app_world: Any, aws_calls: Counter[str]
) -> None:
    """More siblings than the alarm's metric math holds (10): usage still combines all twelve,
    discovered from Bedrock by the processor itself, so 12 × 700 = 8,400 crosses the 8,000 threshold
    (the ten the alarm adds up would show 7,000)."""
    w, module = app_world(12, 700)
    result = fire(w, module, "Throttles")

    assert result["scenario"] == "high_usage"
    assert aws_calls["bedrock:ListInferenceProfiles"] == 1
    queried = {q["MetricStat"]["Metric"]["Dimensions"][0]["Value"]
               for p in w.aws.metrics.params("GetMetricData") for q in p["MetricDataQueries"] if "MetricStat" in q}
    assert queried == {"abc123def456", *(f"sib{i:02d}" for i in range(1, 12))}  # not "otherprofile"
    [email] = w.emails()
    assert re.search(r"Requests per minute \(RPM\)\s+\S+\s+8,400\b", email["body"])
    # The e-mail and the context on the case both say the alarms watch only ten of the twelve.
    [follow_up] = w.follow_ups()
    run(module, follow_up)
    [case] = w.aws.support.cases
    for text in (email["body"], case.communications[-1].body):
        flat = " ".join(text.split())
        assert "over the 12 application profiles" in flat
        assert "alarms watch only 10 of them" in flat and "the traffic of sib10, sib11 counts" in flat


def test_sibling_discovery_failing_falls_back_to_the_alarms_profiles(
    app_world: Any, fault: Any, caplog: pytest.LogCaptureFixture
) -> None:
    w, module = app_world(3, 3_000)
    fault.fail("bedrock", "ListInferenceProfiles", "AccessDeniedException", times=None)
    result = fire(w, module, "HighInvocationRate")
    assert result["scenario"] == "high_usage"  # the three the alarms add up still combine to 9,000
    assert "9,000" in w.emails()[0]["body"]
    assert any("Discovering the sibling application profiles" in r.getMessage() for r in caplog.records)
