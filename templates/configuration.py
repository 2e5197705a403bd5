"""SSM parameters that users may edit after deployment (SPEC §5); read by the functions at run time."""
from __future__ import annotations

from troposphere import Ref, Template
from troposphere.ssm import Parameter as SsmParameter

from templates.names import ssm_parameter_name

# Logical ID → (SSM leaf name, template parameter it is seeded from)
USER_SETTINGS: dict[str, tuple[str, str]] = {
    "NotificationPreferenceParameter": ("notification-preference", "NotificationPreference"),
    "InferenceProfileTypeParameter": ("inference-profile-type", "InferenceProfileType"),
    "EnableAutomatedSupportCaseParameter": ("enable-automated-support-case", "EnableAutomatedSupportCase"),
    "UseCaseDescriptionParameter": ("use-case-description", "UseCaseDescription"),
    "TokensPerMinuteIncreasePercentParameter": ("tokens-per-minute-increase-percent", "TokensPerMinuteIncreasePercent"),
    "RequestsPerMinuteIncreasePercentParameter": ("requests-per-minute-increase-percent", "RequestsPerMinuteIncreasePercent"),
}


def add_configuration(t: Template) -> None:
    for logical_id, (leaf, source) in USER_SETTINGS.items():
        t.add_resource(SsmParameter(
            logical_id,
            Name=ssm_parameter_name(leaf),
            Type="String",
            Value=Ref(source),
            Description=f"Bedrock Ops Alert setting '{leaf}', editable without a stack update",
        ))
