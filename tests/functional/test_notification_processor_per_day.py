"""End to end, as packaged: the per-day token alarm (issue 12) handled as a quota alert about the
model's per-day token quota, with and without such a quota."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from tests.functional.processor_world import RPM_CODE, TPM_CODE, ProcessorWorld, fire, run

PER_DAY_CODE = "L-9C972E3A"
PER_DAY_NAME = "Model invocation max tokens per day for Anthropic Claude Opus 4.6 V1"
DAILY = "HighDailyTokenUsage"


def per_day_quota(world: ProcessorWorld, monkeypatch: pytest.MonkeyPatch, value: float) -> None:
    """The model has a per-day token quota of ``value`` (the quota calculator found its code)."""
    monkeypatch.setenv("DAILY_TOKEN_QUOTA_CODE", PER_DAY_CODE)
    world.aws.service_quotas.add_quota(PER_DAY_CODE, PER_DAY_NAME, value)


def flat(text: str) -> str:
    return " ".join(text.split())


# A steady 500,000 tokens every 10 minutes for 14 days and one 1,000,000-token minute: any 24 hours
# hold 144 steady minutes, the busiest also the peak, so 73,000,000 tokens; the per-minute peaks
# (2,000 RPM, 1,000,000 TPM) stay far below their thresholds (8,000 and 5,000,000).
RPM, TPM = 2_000, 1_000_000
ROLLING_PEAK = "73,000,000"


def test_per_day_alarm_at_high_daily_usage_requests_through_the_tpm_quota(
    world: ProcessorWorld, processor: Any, monkeypatch: pytest.MonkeyPatch, aws_calls: Counter[str]
) -> None:
    per_day_quota(world, monkeypatch, 80_000_000)  # threshold 80 % = 64,000,000 < 73,000,000
    world.load_usage(rpm=RPM, tpm=TPM)
    result = fire(world, processor, DAILY)

    assert result["scenario"] == "high_usage"
    # One request per alert, on the TPM quota as AWS asks for any mix of per-minute and per-day quotas.
    [request] = world.aws.service_quotas.requests
    assert (request.quota.code, request.desired_value) == (TPM_CODE, 7_812_500)
    # The per-day quota is read once (scenario, forecast and request share it); TPM for the request, RPM for the forecast.
    assert aws_calls["service-quotas:GetServiceQuota"] == 3
    [follow_up] = world.follow_ups()
    assert run(processor, follow_up)["results"][0]["status"] == "appended"
    [case] = world.aws.support.cases
    context = case.communications[-1].body
    assert re.search(rf"TPM\s+{TPM_CODE}\s+6,250,000\s+7,812,500\b", context)
    assert re.search(rf"TPD\s+{PER_DAY_CODE}\s+80,000,000\s+100,000,000\b", context)  # per-day code, +25 %
    assert f"TPD quota name: {PER_DAY_NAME}" in context
    assert RPM_CODE not in context  # the per-day alarm does not route the RPM quota
    assert f"peak rolling 24-hour tokens {ROLLING_PEAK} vs per-day threshold 64,000,000" in flat(context)
    [email] = world.emails()
    body = flat(email["body"])
    assert "Acme-Bedrock-HighDailyTokenUsage-Warning-G-Opus-4-6" in body
    assert "QUOTA INCREASE REQUESTED" in email["body"]
    assert (f"the TPM quota {TPM_CODE}, to 7,812,500." in body
            and "The per-day token (TPD) increase is asked for in the context added to that case" in body)
    assert f"peak rolling 24-hour tokens {ROLLING_PEAK} vs per-day threshold 64,000,000" in body


def test_per_day_alarm_at_low_daily_usage_investigates_first(
    world: ProcessorWorld, processor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    per_day_quota(world, monkeypatch, 200_000_000)  # threshold 160,000,000 > 73,000,000
    world.load_usage(rpm=RPM, tpm=TPM)
    result = fire(world, processor, DAILY)

    assert result["scenario"] == "low_usage"
    assert world.aws.service_quotas.requests == []  # never a real increase at low usage
    [case] = world.our_cases()
    body = flat(case.body)
    assert case.subject.endswith(" - Quota Request")
    assert "reference only" in body and "NOT been submitted" in body
    assert re.search(rf"TPD\s+{PER_DAY_CODE}\s+200,000,000\s+250,000,000\b", case.body)
    assert re.search(r"Tokens / 24 h\s+160,000,000\s+46 %", case.body)  # 73,000,000 of 160,000,000


def test_per_day_alarm_without_a_per_day_quota_is_judged_by_the_per_minute_peaks(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    """The alarm's threshold never fires without a per-day quota (NA); should it be in ALARM anyway
    (set by hand), the alert still goes out, without a per-day row or a per-day quota read."""
    world.load_usage(rpm=RPM, tpm=TPM)
    result = fire(world, processor, DAILY)

    assert result["scenario"] == "low_usage"
    assert world.aws.service_quotas.requests == []
    [case] = world.our_cases()
    assert not re.search(r"\bTPD\s+L-", case.body)  # no per-day quota row
    assert not re.search(r"Tokens / 24 h\s+[\d,]+\s+\d+ %", case.body)  # no per-day threshold row
    assert re.search(rf"TPM\s+{TPM_CODE}\s+6,250,000\s+7,812,500\b", case.body)  # TPM as reference
    assert "per-day token quota not known" in flat(case.body)
    assert aws_calls["service-quotas:GetServiceQuota"] == 2  # TPM for the request, RPM for the forecast
    assert len(world.emails()) == 1


def test_a_model_without_a_tpm_quota_requests_the_per_day_quota_itself(
    world: ProcessorWorld, processor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENS_PER_MINUTE_QUOTA_CODE", "NA")
    per_day_quota(world, monkeypatch, 80_000_000)
    world.load_usage(rpm=RPM, tpm=TPM)
    result = fire(world, processor, DAILY)

    assert result["scenario"] == "high_usage"
    [request] = world.aws.service_quotas.requests
    assert (request.quota.code, request.desired_value) == (PER_DAY_CODE, 100_000_000)


def test_a_quota_that_cannot_be_read_is_asked_for_once(
    world: ProcessorWorld, processor: Any, monkeypatch: pytest.MonkeyPatch, fault: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The scenario (per-day), the request (TPM, per-day) and the forecast (RPM, TPM) share the
    reads: a failed read is not asked again in the same alert (it was: five calls for three codes)."""
    per_day_quota(world, monkeypatch, 80_000_000)
    world.load_usage(rpm=RPM, tpm=TPM)
    fault.fail("service-quotas", "GetServiceQuota", "AccessDeniedException", times=None)
    result = fire(world, processor, DAILY)

    reads = Counter(c.params["QuotaCode"] for c in world.aws.log if c.key == "service-quotas:GetServiceQuota")
    assert reads == {PER_DAY_CODE: 1, TPM_CODE: 1, RPM_CODE: 1}
    assert caplog.text.count("(GetServiceQuota)") == 3  # one warning per quota left out
    assert world.aws.service_quotas.requests == []  # no current value: nothing to request from
    assert result["email"] == "sent" and len(world.emails()) == 1
