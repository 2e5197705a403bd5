"""The alert contexts the content tests render: the SPEC worked example and its variants."""
from __future__ import annotations

import dataclasses
import os
from datetime import datetime, timezone
from pathlib import Path

from ops_alert.alarms import BY_KEY, QuotaKind
from ops_alert.content.case import case_body, communication_body
from ops_alert.content.email import email_body
from ops_alert.content.model import AlertContext, CaseOutcome, CaseOutcomeStatus
from ops_alert.names import StackNames
from ops_alert.routing import QuotaRequestPlan, route
from ops_alert.scenario import Scenario
from ops_alert.thresholds import Thresholds
from ops_alert.usage import TPM_FROM_QUOTA_USAGE, UsageStats

GOLDEN = Path(__file__).parent / "golden"
NAMES = StackNames("Acme", "G-Opus-4-6")
TIME = datetime(2026, 11, 26, 14, 5, 0, 123000, tzinfo=timezone.utc)
TID = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6|ALARM|2026-11-26T14:05:00.123Z"
RPM_NAME = "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6"
TPM_NAME = "Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6"

# SPEC worked example: RPM quota 10,000 → threshold 8,000, peak 9,500; TPM 6,250,000 → 5,000,000, peak 3,000,000.
USAGE = UsageStats(
    steady_rpm=4_120.4,
    peak_rpm=9_500,
    steady_tpm=1_234_567.8,
    peak_tpm=3_000_000,
    avg_input_tokens_per_request=2_345.6,
    avg_output_tokens_per_request=512.2,
    peak_rpm_at=datetime(2026, 11, 24, 10, 31, tzinfo=timezone.utc),
    peak_tpm_at=datetime(2026, 11, 25, 16, 2, tzinfo=timezone.utc),
    minutes_with_data=12_960,
    tpm_source=TPM_FROM_QUOTA_USAGE,
    lookback_days=14,
)
PLANS = (
    QuotaRequestPlan(QuotaKind.RPM, "L-3DD46812", RPM_NAME, 10_000.0, 12_500, 25),
    QuotaRequestPlan(QuotaKind.TPM, "L-3DCCFAA4", TPM_NAME, 6_250_000.0, 7_812_500, 25),
)
THROTTLES = BY_KEY["Throttles"]

HIGH = AlertContext(
    customer="Acme",
    model_name="G-Opus-4-6",
    model_id="global.anthropic.claude-opus-4-6-v1",
    composite_alarm=NAMES.composite_alarm_name,
    triggering_alarms=(NAMES.alarm_name(THROTTLES),),
    triggered_kinds=(THROTTLES,),
    time=TIME,
    region="us-east-1",
    routing=route((THROTTLES,)),
    scenario=Scenario.HIGH_USAGE,
    use_case="Enterprise production workload serving real-time AI-powered features to end users.",
    usage=USAGE,
    thresholds=Thresholds(rpm=8_000, tpm=5_000_000),
    input_modalities="TEXT and IMAGE",
    geo_residency="No",
    quota_requests=PLANS,
    transition_id=TID,
)
NEW_CASE = CaseOutcome(CaseOutcomeStatus.NEW, display_id="176543210987", case_id="case-123456789012-muen-2026-1a2b3c4d5e6f7a8b", quota_request_ids=("a1b2c3",))


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":  # regenerate after a deliberate wording change
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


LOW = dataclasses.replace(
    HIGH,
    scenario=Scenario.LOW_USAGE,
    routing=route((BY_KEY["InvocationAnomaly"],)),
    triggered_kinds=(BY_KEY["InvocationAnomaly"],),
    triggering_alarms=(NAMES.alarm_name(BY_KEY["InvocationAnomaly"]),),
    usage=dataclasses.replace(USAGE, peak_rpm=800, peak_tpm=300_000),
    quota_requests=PLANS[:1],
)
NEW_MODEL = dataclasses.replace(HIGH, scenario=Scenario.NEW_MODEL, usage=None, thresholds=None, application_profile_id="a1b2c3d4e5f6")
NON_QUOTA = dataclasses.replace(
    HIGH,
    scenario=Scenario.NON_QUOTA,
    routing=route((BY_KEY["ServerErrors"], BY_KEY["HighLatency"])),
    triggered_kinds=(BY_KEY["ServerErrors"], BY_KEY["HighLatency"]),
    triggering_alarms=(NAMES.alarm_name(BY_KEY["ServerErrors"]), NAMES.alarm_name(BY_KEY["HighLatency"])),
    quota_requests=(),
)
ALL = [("high_usage", HIGH), ("low_usage", LOW), ("new_model", NEW_MODEL), ("non_quota", NON_QUOTA)]
ALL_IDS = [a for a, _ in ALL]
ALL_CTX = [c for _, c in ALL]


def renderings(ctx: AlertContext) -> list[str]:
    return [case_body(ctx), communication_body(ctx), email_body(ctx, NEW_CASE)]

