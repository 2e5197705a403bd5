"""SSM parameters that users may edit after deployment (SPEC §5); read by the functions at run time."""
from __future__ import annotations

from dataclasses import dataclass

from troposphere import Parameter, Ref, Template
from troposphere.ssm import Parameter as SsmParameter

from ops_alert import drill
from templates.names import ssm_parameter_name
from templates.parameters import Parameters


@dataclass(frozen=True)
class Settings:
    """The editable settings, each seeded from the template parameter of the same name, and the
    settings the stack owns (issue 13), written after deployment by `make mute` / `make unmute` or by hand,
    and the fire drill token `make drill` arms."""

    notification_preference: SsmParameter
    inference_profile_type: SsmParameter
    enable_automated_support_case: SsmParameter
    use_case_description: SsmParameter
    tokens_per_minute_increase_percent: SsmParameter
    requests_per_minute_increase_percent: SsmParameter
    mute: SsmParameter  # ops_alert.mute: "off", or a JSON mute document
    renotify_window: SsmParameter  # ops_alert.renotify: minutes, "0" = off
    # Stack-owned, not a setting: `make drill` arms a fire drill here for minutes (token, alarm,
    # expiry) and sets it back to "off"; the processor reads it in its one GetParameters call.
    drill_token: SsmParameter


def user_setting(t: Template, logical_id: str, leaf: str, source: Parameter) -> SsmParameter:
    return t.add_resource(SsmParameter(
        logical_id,
        Name=ssm_parameter_name(leaf),
        Type="String",
        Value=Ref(source),
        Description=f"Bedrock Ops Alert setting '{leaf}', editable without a stack update",
    ))


def stack_setting(t: Template, logical_id: str, leaf: str, initial: str) -> SsmParameter:
    """A setting with no template parameter: created with ``initial``, then changed only in SSM."""
    return t.add_resource(SsmParameter(
        logical_id,
        Name=ssm_parameter_name(leaf),
        Type="String",
        Value=initial,
        Description=f"Bedrock Ops Alert setting '{leaf}' (make mute / unmute, or edit), read on every alert",
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
        mute=stack_setting(t, "MuteParameter", "mute", "off"),
        renotify_window=stack_setting(t, "RenotifyWindowParameter", "renotify-window-minutes", "0"),
        drill_token=t.add_resource(SsmParameter(
            "DrillTokenParameter",
            Name=ssm_parameter_name(drill.PARAMETER_LEAF),
            Type="String",
            Value=drill.OFF,
            Description="Bedrock Ops Alert fire drill token (make drill); off when no drill is armed",
        )),
    )
