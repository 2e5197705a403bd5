"""The 23 outputs of the original stack, same names and meanings, plus QuotaCodeWarnings (issue 8)."""
from __future__ import annotations

from troposphere import GetAtt, Output, Ref, Template

from templates.names import ssm_parameter_name

_REFS = {
    "MonitoredModelId": ("BedrockModelId", "Model or inference profile ID being monitored"),
    "BedrockOpsAlertEncryptionKeyId": ("BedrockOpsAlertEncryptionKey", "KMS key encrypting topics and secrets"),
    "BedrockOpsAlertEncryptionKeyAlias": ("BedrockOpsAlertEncryptionKeyAlias", "Alias of the KMS key"),
    "RawAlarmTopicArn": ("RawAlarmTopic", "Topic the composite alarm notifies"),
    "FormattedNotificationTopicArn": ("FormattedNotificationTopic", "Topic the SRE team's e-mails come from"),
    "CompositeAlarmName": ("BedrockQuotaHealthAlarm", "Name of the composite alarm"),
    "ErrorThreshold": ("ErrorThreshold", "Layer 1 error threshold"),
    "CriticalAlarmEvaluationPeriods": ("CriticalAlarmEvaluationPeriods", "Layer 1 evaluation periods"),
    "WarningAlarmEvaluationPeriods": ("WarningAlarmEvaluationPeriods", "Layer 2 evaluation periods"),
    "AlarmEvaluationPeriod": ("AlarmEvaluationPeriod", "Layer 1/2 alarm period (seconds)"),
    "LatencyThresholdMs": ("LatencyThresholdMs", "HighLatency threshold (ms)"),
    "AnomalySensitivity": ("AnomalySensitivity", "Anomaly band width"),
    "AnomalyEvaluationPeriods": ("AnomalyEvaluationPeriods", "Anomaly evaluation periods"),
    "AlarmUpdaterFunctionName": ("AlarmUpdater", "Invoke after a quota increase is approved to move thresholds now"),
    "ThresholdUpdateScheduleEnabled": ("EnableAutomatedThresholdUpdate", "Whether thresholds follow quotas on a schedule"),
    "ThresholdUpdateInterval": ("ThresholdUpdateScheduleIntervalDays", "Days between threshold updates"),
}
_ATTRIBUTES = {
    "BedrockOpsAlertEncryptionKeyArn": ("BedrockOpsAlertEncryptionKey", "Arn", "ARN of the KMS key"),
    "CalculatedRpmThreshold": ("QuotaCalculatorCustomResource", "RpmThreshold", "Layer 2 RPM alarm threshold"),
    "CalculatedTpmThreshold": ("QuotaCalculatorCustomResource", "TpmThreshold", "Layer 2 TPM alarm threshold"),
    "QuotaCodeWarnings": ("QuotaCalculatorCustomResource", "QuotaCodeWarnings",
                          "none, or the quota-code refusals deployed anyway (QuotaCodeCheck=WarnOnly)"),
}
_SSM = {
    "NotificationPreferenceParameter": "notification-preference",
    "EnableAutomatedSupportCaseParameter": "enable-automated-support-case",
    "TokensPerMinuteIncreasePercentParameter": "tokens-per-minute-increase-percent",
    "RequestsPerMinuteIncreasePercentParameter": "requests-per-minute-increase-percent",
}

# The original's output order.
ORDER = [
    "MonitoredModelId", "BedrockOpsAlertEncryptionKeyId", "BedrockOpsAlertEncryptionKeyArn",
    "BedrockOpsAlertEncryptionKeyAlias", "RawAlarmTopicArn", "FormattedNotificationTopicArn", "CompositeAlarmName",
    "CalculatedRpmThreshold", "CalculatedTpmThreshold", "ErrorThreshold", "CriticalAlarmEvaluationPeriods",
    "WarningAlarmEvaluationPeriods", "AlarmEvaluationPeriod", "LatencyThresholdMs", "AnomalySensitivity",
    "AnomalyEvaluationPeriods", "AlarmUpdaterFunctionName", "ThresholdUpdateScheduleEnabled",
    "ThresholdUpdateInterval", "NotificationPreferenceParameter", "EnableAutomatedSupportCaseParameter",
    "TokensPerMinuteIncreasePercentParameter", "RequestsPerMinuteIncreasePercentParameter",
    "QuotaCodeWarnings",  # not in the original (issue 8)
]


def add_outputs(t: Template) -> None:
    for name in ORDER:
        if name in _REFS:
            target, description = _REFS[name]
            t.add_output(Output(name, Value=Ref(target), Description=description))
        elif name in _ATTRIBUTES:
            target, attribute, description = _ATTRIBUTES[name]
            t.add_output(Output(name, Value=GetAtt(target, attribute), Description=description))
        else:
            t.add_output(Output(name, Value=ssm_parameter_name(_SSM[name]),
                                Description="SSM parameter to edit this setting without a stack update"))
