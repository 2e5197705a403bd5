"""The 23 outputs of the original stack, same names and meanings, plus QuotaCodeWarnings (issue 8), the
mute and re-notify parameters and, with ChatNotifications=Yes, ChatTopicArn (issue 13)."""
from __future__ import annotations

from typing import Any

from troposphere import GetAtt, Output, Ref, Template

from templates.alarms import Alarms
from templates.configuration import Settings
from templates.functions import Functions
from templates.notifications import Topics
from templates.parameters import CHAT_ENABLED, Parameters
from templates.security import Security

_SETTING = "SSM parameter to edit this setting without a stack update"


def add_outputs(t: Template, params: Parameters, security: Security, settings: Settings, topics: Topics,
                functions: Functions, alarms: Alarms) -> None:
    calculator = functions.quota_calculator_resource
    # Output name → (value, description), in the original's order.
    outputs: dict[str, tuple[Any, str]] = {
        "MonitoredModelId": (Ref(params.bedrock_model_id), "Model or inference profile ID being monitored"),
        "BedrockOpsAlertEncryptionKeyId": (Ref(security.key), "KMS key encrypting topics and secrets"),
        "BedrockOpsAlertEncryptionKeyArn": (GetAtt(security.key, "Arn"), "ARN of the KMS key"),
        "BedrockOpsAlertEncryptionKeyAlias": (Ref(security.key_alias), "Alias of the KMS key"),
        "RawAlarmTopicArn": (Ref(topics.raw), "Topic the composite alarm notifies"),
        "FormattedNotificationTopicArn": (Ref(topics.formatted), "Topic the SRE team's e-mails come from"),
        "CompositeAlarmName": (Ref(alarms.composite), "Name of the composite alarm"),
        "CalculatedRpmThreshold": (GetAtt(calculator, "RpmThreshold"), "Layer 2 RPM alarm threshold"),
        "CalculatedTpmThreshold": (GetAtt(calculator, "TpmThreshold"), "Layer 2 TPM alarm threshold"),
        "ErrorThreshold": (Ref(params.error_threshold), "Layer 1 error threshold"),
        "CriticalAlarmEvaluationPeriods": (Ref(params.critical_alarm_evaluation_periods), "Layer 1 evaluation periods"),
        "WarningAlarmEvaluationPeriods": (Ref(params.warning_alarm_evaluation_periods), "Layer 2 evaluation periods"),
        "AlarmEvaluationPeriod": (Ref(params.alarm_evaluation_period), "Layer 1/2 alarm period (seconds)"),
        "LatencyThresholdMs": (Ref(params.latency_threshold_ms), "HighLatency threshold (ms)"),
        "AnomalySensitivity": (Ref(params.anomaly_sensitivity), "Anomaly band width"),
        "AnomalyEvaluationPeriods": (Ref(params.anomaly_evaluation_periods), "Anomaly evaluation periods"),
        "AlarmUpdaterFunctionName": (Ref(functions.alarm_updater),
                                     "Invoke after a quota increase is approved to move thresholds now"),
        "ThresholdUpdateScheduleEnabled": (Ref(params.enable_automated_threshold_update),
                                           "Whether thresholds follow quotas on a schedule"),
        "ThresholdUpdateInterval": (Ref(params.threshold_update_schedule_interval_days),
                                    "Days between threshold updates"),
        # The parameter's name, not a Ref: the original's outputs gave the name.
        "NotificationPreferenceParameter": (settings.notification_preference.Name, _SETTING),
        "EnableAutomatedSupportCaseParameter": (settings.enable_automated_support_case.Name, _SETTING),
        "TokensPerMinuteIncreasePercentParameter": (settings.tokens_per_minute_increase_percent.Name, _SETTING),
        "RequestsPerMinuteIncreasePercentParameter": (settings.requests_per_minute_increase_percent.Name, _SETTING),
        # Not in the original (issue 8).
        "QuotaCodeWarnings": (GetAtt(calculator, "QuotaCodeWarnings"),
                              "none, or the quota-code refusals deployed anyway (QuotaCodeCheck=WarnOnly)"),
        # Not in the original (issue 13): `make mute` finds the mute parameter here.
        "MuteParameter": (settings.mute.Name, "SSM parameter holding the mute (make mute / make unmute)"),
        "RenotifyWindowParameter": (settings.renotify_window.Name,
                                    "SSM parameter: minutes within which a category is not e-mailed again (0 = off)"),
    }
    for name, (value, description) in outputs.items():
        t.add_output(Output(name, Value=value, Description=description))
    # Not in the original (issue 13): what to attach the Amazon Q Developer channel configuration to.
    t.add_output(Output("ChatTopicArn", Condition=CHAT_ENABLED, Value=Ref(topics.chat),
                        Description="Topic to attach to your Amazon Q Developer in chat applications "
                                    "channel configuration (Slack or Microsoft Teams)"))
