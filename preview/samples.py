"""Sample alerts, one per scenario, decided by the processor's rules from sample usage and quotas.

Only the inputs are made up (which alarm fired, 14 days of usage figures, the applied quotas, the
case Support gave back); everything decided from them — severity, category, scenario, thresholds,
the quota request — comes from ``ops_alert`` exactly as in the processor, and a sample whose
inputs would not lead to its scenario fails loudly instead of printing a wrong preview.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ops_alert.alarms import BY_KEY, AlarmKind, QuotaKind
from ops_alert.content.model import AlertContext, CaseOutcome, CaseOutcomeStatus, Escalation
from ops_alert.names import StackNames
from ops_alert.profiles import PARAMETER_APPLICATION, short_profile_id
from ops_alert.quota_codes import QuotaInfo, is_quota_code
from ops_alert.routing import plan_quota_requests, route
from ops_alert.scenario import Scenario, decide_scenario
from ops_alert.thresholds import Quotas, compute_thresholds
from ops_alert.usage import TPM_FROM_QUOTA_USAGE, UsageStats

# A fixed moment, so the rendered examples under docs/examples/ do not change from run to run.
SAMPLE_TIME = datetime(2026, 11, 26, 14, 5, 0, tzinfo=timezone.utc)
SAMPLE_REGION = "us-east-1"
SAMPLE_ACCOUNT = "123456789012"  # the documentation account ID
SAMPLE_DISPLAY_ID = "176543210987"
SAMPLE_CASE_ID = "case-123456789012-muen-2026-1a2b3c4d5e6f7a8b"
SAMPLE_REQUEST_ID = "a1b2c3d4e5f64a7b8c9d0e1f2a3b4c5d"
# Applied quotas when the parameter file's quota codes are the sample's; any other code gets
# the same values under its own code (the preview cannot read the account's quotas).
SAMPLE_QUOTAS = {QuotaKind.RPM: 10_000.0, QuotaKind.TPM: 6_250_000.0}


class PreviewScenario(str, enum.Enum):
    HIGH_USAGE = "high_usage"
    LOW_USAGE = "low_usage"
    NEW_MODEL = "new_model"
    NON_QUOTA = "non_quota"


@dataclass(frozen=True)
class Sample:
    """The made-up inputs of one scenario."""

    alarms: tuple[str, ...]  # alarm kinds (catalogue keys) that fired
    peak_rpm: float
    peak_tpm: float


SAMPLES: Mapping[PreviewScenario, Sample] = {
    # Throttles, both peaks at 95 % / 88 % of the sample quotas: high usage whichever quota the model has.
    PreviewScenario.HIGH_USAGE: Sample(("Throttles",), 9_500, 5_500_000),
    PreviewScenario.LOW_USAGE: Sample(("InvocationAnomaly",), 800, 300_000),
    PreviewScenario.NEW_MODEL: Sample(("HighTPMQuotaUsage",), 0, 0),
    PreviewScenario.NON_QUOTA: Sample(("ServerErrors", "HighLatency"), 4_000, 2_000_000),
}


@dataclass(frozen=True)
class StackSettings:
    """What the preview takes from a parameter file (the template defaults otherwise)."""

    customer: str
    model_name: str
    model_id: str
    profile_type: str
    geo_residency: str
    input_modalities: str
    use_case: str
    rpm_code: str
    tpm_code: str
    rpm_increase_percent: int
    tpm_increase_percent: int
    rpm_threshold_percent: int
    tpm_threshold_percent: int

    @classmethod
    def from_parameters(cls, values: Mapping[str, str]) -> StackSettings:
        return cls(
            customer=values["CustomerName"],
            model_name=values["BedrockModelName"],
            model_id=values["BedrockModelId"],
            profile_type=values["InferenceProfileType"],
            geo_residency=values["GeoDataResidencyRequirement"],
            input_modalities=values["InputModalities"],
            use_case=values["UseCaseDescription"],
            rpm_code=values["RequestsPerMinuteQuotaCode"],
            tpm_code=values["TokensPerMinuteQuotaCode"],
            rpm_increase_percent=int(float(values["RequestsPerMinuteIncreasePercent"])),
            tpm_increase_percent=int(float(values["TokensPerMinuteIncreasePercent"])),
            rpm_threshold_percent=int(float(values["RequestsPerMinuteThresholdPercent"])),
            tpm_threshold_percent=int(float(values["TokensPerMinuteThresholdPercent"])),
        )


# The stack the README's examples describe (used when no parameter file is given).
SAMPLE_PARAMETERS: Mapping[str, str] = {
    "CustomerName": "Acme",
    "BedrockModelName": "G-Opus-4-6",
    "BedrockModelId": "global.anthropic.claude-opus-4-6-v1",
    "InferenceProfileType": "System-Defined",
    "GeoDataResidencyRequirement": "No",
    "InputModalities": "TEXT and IMAGE",
    "UseCaseDescription": "Customer-facing chat assistant for 2 million users.",
    "ChatNotifications": "Yes",  # the sample stack posts to chat, so the preview's event says so
    # Public quota codes of Claude Opus 4.6 global cross-region inference (Service Quotas, bedrock).
    "RequestsPerMinuteQuotaCode": "L-3DD46812",
    "TokensPerMinuteQuotaCode": "L-3DCCFAA4",
    "RequestsPerMinuteIncreasePercent": "25",
    "TokensPerMinuteIncreasePercent": "25",
    "RequestsPerMinuteThresholdPercent": "80",
    "TokensPerMinuteThresholdPercent": "80",
}


def _usage(sample: Sample) -> UsageStats:
    requests = sample.peak_rpm / 2
    return UsageStats(
        steady_rpm=requests,
        peak_rpm=sample.peak_rpm,
        steady_tpm=sample.peak_tpm / 2,
        peak_tpm=sample.peak_tpm,
        avg_input_tokens_per_request=(sample.peak_tpm * 0.3 / requests) if requests else 0.0,
        avg_output_tokens_per_request=(sample.peak_tpm * 0.2 / requests) if requests else 0.0,
        peak_rpm_at=SAMPLE_TIME - timedelta(days=2, hours=3, minutes=34) if sample.peak_rpm else None,
        peak_tpm_at=SAMPLE_TIME - timedelta(days=1, hours=22, minutes=3) if sample.peak_tpm else None,
        minutes_with_data=14 * 1_440 if sample.peak_rpm else 0,
        tpm_source=TPM_FROM_QUOTA_USAGE,
        lookback_days=14,
    )


def _quotas(settings: StackSettings) -> dict[QuotaKind, QuotaInfo]:
    codes = {QuotaKind.RPM: settings.rpm_code, QuotaKind.TPM: settings.tpm_code}
    unit = {QuotaKind.RPM: "requests", QuotaKind.TPM: "tokens"}
    return {
        kind: QuotaInfo(code, f"Sample {unit[kind]} per minute quota for {settings.model_id}", SAMPLE_QUOTAS[kind], True)
        for kind, code in codes.items() if is_quota_code(code)
    }


def sample_alert(scenario: PreviewScenario, settings: StackSettings) -> AlertContext:
    """The alert of ``scenario`` for this stack, decided by the processor's rules."""
    sample = SAMPLES[scenario]
    names = StackNames(settings.customer, settings.model_name)
    kinds: tuple[AlarmKind, ...] = tuple(BY_KEY[k] for k in sample.alarms)
    routing = route(kinds)
    quotas = _quotas(settings)
    thresholds = compute_thresholds(
        Quotas(rpm=quotas[QuotaKind.RPM].value if QuotaKind.RPM in quotas else None,
               tpm=quotas[QuotaKind.TPM].value if QuotaKind.TPM in quotas else None),
        settings.rpm_threshold_percent, settings.tpm_threshold_percent)
    usage = _usage(sample)
    decided = decide_scenario(kinds, usage, thresholds)
    if decided.value != scenario.value:
        raise ValueError(f"the {scenario.value} sample decides {decided.value} with these parameters "
                         "(thresholds from the quota codes and threshold percents)")
    percents = {QuotaKind.RPM: settings.rpm_increase_percent, QuotaKind.TPM: settings.tpm_increase_percent}
    plans = plan_quota_requests(routing, decided, quotas, percents)
    application = settings.profile_type == PARAMETER_APPLICATION
    return AlertContext(
        customer=settings.customer,
        model_name=settings.model_name,
        model_id=settings.model_id,
        composite_alarm=names.composite_alarm_name,
        triggering_alarms=tuple(names.alarm_name(k) for k in kinds),
        triggered_kinds=kinds,
        time=SAMPLE_TIME,
        region=SAMPLE_REGION,
        routing=routing,
        scenario=decided,
        use_case=settings.use_case,
        usage=None if decided is Scenario.NON_QUOTA else usage,  # non_quota: usage is not read
        thresholds=thresholds,
        input_modalities=settings.input_modalities,
        geo_residency=settings.geo_residency,
        quota_requests=plans,
        application_profile_id=short_profile_id(settings.model_id) if application else None,
        transition_id=f"arn:aws:cloudwatch:{SAMPLE_REGION}:{SAMPLE_ACCOUNT}:alarm:{names.composite_alarm_name}"
                      f"|ALARM|{SAMPLE_TIME.strftime('%Y-%m-%dT%H:%M:%S.000Z')}",
        alarm_reason=f"{', '.join(names.alarm_name(k) for k in kinds)} transitioned to ALARM",
    )


def sample_outcome(ctx: AlertContext) -> CaseOutcome:
    """What Support / Service Quotas would answer: a request (and AWS's case) or our own new case."""
    if ctx.scenario in (Scenario.HIGH_USAGE, Scenario.NEW_MODEL) and ctx.quota_requests:
        return CaseOutcome(CaseOutcomeStatus.NEW, display_id=SAMPLE_DISPLAY_ID, quota_request_ids=(SAMPLE_REQUEST_ID,))
    return CaseOutcome(CaseOutcomeStatus.NEW, display_id=SAMPLE_DISPLAY_ID, case_id=SAMPLE_CASE_ID)


def sample_escalation(ctx: AlertContext) -> Escalation:
    """A later signal on the still-unresolved case (what the appended communication is for)."""
    return Escalation(SAMPLE_DISPLAY_ID, SAMPLE_TIME - timedelta(days=3), ctx.triggering_alarms)
