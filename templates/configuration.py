"""SSM parameters that users may edit after deployment (SPEC §5); read by the functions at run time."""
from __future__ import annotations

from dataclasses import dataclass

from troposphere import Parameter, Ref, Template
from troposphere.ssm import Parameter as SsmParameter

from templates.names import ssm_parameter_name
from templates.parameters import Parameters


@dataclass(frozen=True)
class Settings:
    """The editable settings, each seeded from the template parameter of the same name."""

    notification_preference: SsmParameter
    inference_profile_type: SsmParameter
    enable_automated_support_case: SsmParameter
    use_case_description: SsmParameter
    tokens_per_minute_increase_percent: SsmParameter
    requests_per_minute_increase_percent: SsmParameter


def user_setting(t: Template, logical_id: str, leaf: str, source: Parameter) -> SsmParameter:
    return t.add_resource(SsmParameter(
        logical_id,
        Name=ssm_parameter_name(leaf),
        Type="String",
        Value=Ref(source),
        Description=f"Bedrock Ops Alert setting '{leaf}', editable without a stack update",
    ))


def add_configuration(t: Template, params: Parameters) -> Settings:
    return Settings(
        notification_preference=user_setting(
            t, "NotificationPreferenceParameter", "notification-preference", params.notification_preference),
        inference_profile_type=user_setting(
            t, "InferenceProfileTypeParameter", "inference-profile-type", params.inference_profile_type),
        enable_automated_support_case=user_setting(
            t, "EnableAutomatedSupportCaseParameter", "enable-automated-support-case",
            params.enable_automated_support_case),
        use_case_description=user_setting(
            t, "UseCaseDescriptionParameter", "use-case-description", params.use_case_description),
        tokens_per_minute_increase_percent=user_setting(
            t, "TokensPerMinuteIncreasePercentParameter", "tokens-per-minute-increase-percent",
            params.tokens_per_minute_increase_percent),
        requests_per_minute_increase_percent=user_setting(
            t, "RequestsPerMinuteIncreasePercentParameter", "requests-per-minute-increase-percent",
            params.requests_per_minute_increase_percent),
    )
