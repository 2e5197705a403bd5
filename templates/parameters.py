"""The 30 parameters of the original stack (plus QuotaCodeCheck, issue 8, and ChatNotifications,
issue 13), their console groups and labels, and the conditions.

Names, types, defaults, allowed values and constraints are a compatibility contract (SPEC §2):
existing parameter files must deploy unchanged. Descriptions are ours.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from troposphere import Equals, Parameter, Ref, Template


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    type: str
    description: str
    constraints: dict[str, Any] = field(default_factory=dict)


_NAME_PATTERN = "^[a-zA-Z0-9-]+$"
_PERIODS = [60, 300, 900, 3600]
_PERCENT_STEPS = [0, 25, 50, 75, 100]

# Console groups in display order, each with its parameters in display order.
GROUPS: list[tuple[str, list[Param]]] = [
    ("General Configuration", [
        Param("CustomerName", "Customer Name", "String",
              "Short name of the team or customer; prefixes every resource name (letters, digits, hyphens).",
              {"MinLength": 1, "MaxLength": 10, "AllowedPattern": _NAME_PATTERN,
               "ConstraintDescription": "1-10 letters, digits or hyphens."}),
        Param("StakeholderEmailList", "Stakeholder Email List", "CommaDelimitedList",
              "E-mail addresses of the SRE team that receives the alert summaries (comma-separated)."),
        Param("NotificationPreference", "Notification Preference", "String",
              "Which alerts are e-mailed (and posted to chat): all, critical only, or warning only. Editable later in SSM.",
              {"Default": "all", "AllowedValues": ["all", "critical", "warning"]}),
        Param("ChatNotifications", "Chat Notifications", "String",
              "Yes creates a chat topic (ChatTopicArn output) for an Amazon Q Developer in chat applications "
              "Slack or Microsoft Teams channel configuration; the processor posts each alert there too.",
              {"Default": "No", "AllowedValues": ["No", "Yes"]}),
    ]),
    ("Lambda Deployment Configuration", [
        Param("LambdaS3Bucket", "Lambda S3 Bucket", "String",
              "S3 bucket in this region holding the artifacts uploaded by `make upload`.",
              {"MinLength": 3, "MaxLength": 63}),
    ]),
    ("Model Specification", [
        Param("BedrockModelName", "Bedrock Model Name", "String",
              "Short name of the monitored model used in resource names, e.g. G-Opus-4-6.",
              {"Default": "G-Opus-4-6", "MinLength": 1, "MaxLength": 15, "AllowedPattern": _NAME_PATTERN,
               "ConstraintDescription": "1-15 letters, digits or hyphens."}),
        Param("InferenceProfileType", "Inference Profile Type", "String",
              "System-Defined for a model ID or system inference profile; Application for an application "
              "inference profile ID.",
              {"Default": "System-Defined", "AllowedValues": ["System-Defined", "Application"]}),
        Param("BedrockModelId", "Bedrock Model/Inference Profile ID", "String",
              "The ModelId metric dimension: model ID, system inference profile ID or application profile ID.",
              {"Default": "global.anthropic.claude-opus-4-6-v1"}),
        Param("GeoDataResidencyRequirement", "Geographic Data Residency Requirement", "String",
              "Whether requests must stay in a geography; if Yes, global cross-region inference is never proposed.",
              {"Default": "No", "AllowedValues": ["Yes", "No", "NA"]}),
        Param("InputModalities", "Input Modalities", "String",
              "Input types the workload sends; quoted in support cases.",
              {"Default": "TEXT and IMAGE", "AllowedValues": ["TEXT and IMAGE", "TEXT Only", "IMAGE Only"]}),
    ]),
    ("Model Quota Configuration", [
        Param("TokensPerMinuteIncreasePercent", "Tokens Per Minute Increase Percent", "Number",
              "Percentage by which to request a TPM quota increase (0 = never request). Editable later in SSM.",
              {"Default": 25, "AllowedValues": _PERCENT_STEPS}),
        Param("TokensPerMinuteQuotaCode", "Tokens Per Minute Quota Code", "String",
              "Service Quotas code of the model's tokens-per-minute quota; validated against the model at deploy.",
              {"Default": "L-3DCCFAA4"}),
        Param("RequestsPerMinuteIncreasePercent", "Requests Per Minute Increase Percent", "Number",
              "Percentage by which to request an RPM quota increase (0 = never request). Editable later in SSM.",
              {"Default": 25, "AllowedValues": _PERCENT_STEPS}),
        Param("RequestsPerMinuteQuotaCode", "Requests Per Minute Quota Code", "String",
              "Service Quotas code of the model's requests-per-minute quota, or NA when the model has none.",
              {"Default": "L-3DD46812"}),
        Param("QuotaCodeCheck", "Quota Code Check", "String",
              "Strict fails the stack when a quota code does not fit the model; WarnOnly deploys with a code "
              "of the right kind anyway and reports the refusal in the QuotaCodeWarnings output.",
              {"Default": "Strict", "AllowedValues": ["Strict", "WarnOnly"]}),
    ]),
    ("Model Usage Budget (Threshold)", [
        Param("RequestsPerMinuteThresholdPercent", "Requests Per Minute Threshold Percent", "Number",
              "Layer 2 RPM alarm threshold as a percentage of the RPM quota.",
              {"Default": 80, "MinValue": 1, "MaxValue": 100}),
        Param("TokensPerMinuteThresholdPercent", "Tokens Per Minute Threshold Percent", "Number",
              "Layer 2 TPM alarm threshold as a percentage of the TPM quota.",
              {"Default": 80, "MinValue": 1, "MaxValue": 100}),
        Param("LatencyThresholdMs", "Latency Threshold (ms)", "Number",
              "Average invocation latency above which the HighLatency alarm fires.",
              {"Default": 240000, "MinValue": 15000}),
    ]),
    ("Automated Support Case Configuration", [
        Param("EnableAutomatedSupportCase", "Enable Automated Support Case", "String",
              "Open or update AWS Support cases and quota requests automatically. Editable later in SSM.",
              {"Default": "Yes", "AllowedValues": ["Yes", "No"]}),
        Param("SupportCaseLookbackDays", "Support Case Lookback Days", "Number",
              "How far back an unresolved case counts as the same issue (no duplicate case is opened).",
              {"Default": 60, "AllowedValues": [45, 60, 90]}),
        Param("UseCaseDescription", "Use Case Description", "String",
              "Business use case quoted in support cases and quota requests. Editable later in SSM.",
              {"Default": "Enterprise production workload serving real-time AI-powered features to end users.",
               "MaxLength": 1000}),
    ]),
    ("Automated Threshold Update Configuration", [
        Param("EnableAutomatedThresholdUpdate", "Enable Automated Threshold Update", "String",
              "Re-read the quotas on a schedule and move the Layer 2 thresholds with them.",
              {"Default": "Yes", "AllowedValues": ["Yes", "No"]}),
        Param("ThresholdUpdateScheduleIntervalDays", "Threshold Update Schedule Interval (Days)", "Number",
              "Days between scheduled threshold updates.",
              {"Default": 1, "MinValue": 1, "MaxValue": 30}),
    ]),
    ("Layer 1: Critical Error Detection Alarm Configuration", [
        Param("ErrorThreshold", "Error Threshold", "Number",
              "Errors or throttles per evaluation period above which a Layer 1 alarm fires.",
              {"Default": 5, "MinValue": 0}),
        Param("CriticalAlarmEvaluationPeriods", "Critical Alarm Evaluation Periods", "Number",
              "Consecutive breaching periods before a Layer 1 alarm fires.",
              {"Default": 5, "MinValue": 1}),
    ]),
    ("Layer 2: Usage Rate Monitoring Alarm Configuration", [
        Param("WarningAlarmEvaluationPeriods", "Warning Alarm Evaluation Periods", "Number",
              "Consecutive breaching minutes before a Layer 2 usage alarm fires.",
              {"Default": 5, "MinValue": 1}),
        Param("LatencyAlarmPeriod", "Latency Alarm Period", "Number",
              "Period in seconds of the HighLatency alarm.",
              {"Default": 300, "AllowedValues": _PERIODS}),
        Param("LatencyAlarmEvaluationPeriods", "Latency Alarm Evaluation Periods", "Number",
              "Consecutive breaching periods before the HighLatency alarm fires.",
              {"Default": 2, "MinValue": 1}),
    ]),
    ("Layer 3: Anomaly Detection Alarm Configuration", [
        Param("AnomalyDetectionPeriod", "Anomaly Detection Period", "Number",
              "Period in seconds of the anomaly detection alarms.",
              {"Default": 900, "AllowedValues": _PERIODS}),
        Param("AnomalyEvaluationPeriods", "Anomaly Evaluation Periods", "Number",
              "Consecutive periods above the band before an anomaly alarm fires.",
              {"Default": 12, "MinValue": 1}),
        Param("AnomalySensitivity", "Anomaly Sensitivity", "Number",
              "Width of the anomaly band in standard deviations (higher = fewer alarms).",
              {"Default": 9, "MinValue": 1}),
    ]),
    ("Common Alarm Configuration", [
        Param("AlarmEvaluationPeriod", "Alarm Evaluation Period", "Number",
              "Period in seconds of the Layer 1 alarms (the Layer 2 usage alarms always sum per minute, "
              "like their RPM / TPM thresholds).",
              {"Default": 60, "AllowedValues": _PERIODS}),
    ]),
]

@dataclass(frozen=True)
class Parameters:
    """The template's parameters, one troposphere object each, created once by add_parameters and
    passed to the modules that use them (``Ref(params.customer_name)``, ``placeholder(...)`` in a Sub).

    Field order is the order in which the original template declared its parameters (kept for
    readable diffs); QuotaCodeCheck (not in the original) follows the quota codes it governs,
    ChatNotifications (issue 13) the notification preference. Each
    field is its parameter's name in snake case (``lambda_s3_bucket`` → LambdaS3Bucket).
    """

    customer_name: Parameter
    stakeholder_email_list: Parameter
    notification_preference: Parameter
    chat_notifications: Parameter
    bedrock_model_name: Parameter
    inference_profile_type: Parameter
    bedrock_model_id: Parameter
    geo_data_residency_requirement: Parameter
    input_modalities: Parameter
    lambda_s3_bucket: Parameter
    enable_automated_support_case: Parameter
    support_case_lookback_days: Parameter
    use_case_description: Parameter
    tokens_per_minute_increase_percent: Parameter
    tokens_per_minute_quota_code: Parameter
    requests_per_minute_increase_percent: Parameter
    requests_per_minute_quota_code: Parameter
    quota_code_check: Parameter
    error_threshold: Parameter
    critical_alarm_evaluation_periods: Parameter
    requests_per_minute_threshold_percent: Parameter
    tokens_per_minute_threshold_percent: Parameter
    latency_threshold_ms: Parameter
    warning_alarm_evaluation_periods: Parameter
    latency_alarm_period: Parameter
    latency_alarm_evaluation_periods: Parameter
    anomaly_detection_period: Parameter
    anomaly_evaluation_periods: Parameter
    anomaly_sensitivity: Parameter
    alarm_evaluation_period: Parameter
    enable_automated_threshold_update: Parameter
    threshold_update_schedule_interval_days: Parameter


def parameter_name(field_name: str) -> str:
    """``lambda_s3_bucket`` → ``LambdaS3Bucket``: the template parameter behind a Parameters field."""
    return "".join(part.capitalize() for part in field_name.split("_"))


DECLARATION_ORDER = [parameter_name(f.name) for f in fields(Parameters)]

SCHEDULE_ENABLED = "EnableAutomatedThresholdUpdateCondition"
SINGLE_DAY_SCHEDULE = "IsSingleDaySchedule"
CHAT_ENABLED = "ChatNotificationsEnabled"  # ChatNotifications=Yes: the chat topic and what uses it (issue 13)


def add_parameters(t: Template) -> Parameters:
    by_name = {p.name: p for _, params in GROUPS for p in params}
    if set(by_name) != set(DECLARATION_ORDER):
        raise ValueError("each parameter is a Param in GROUPS and a field of Parameters (its name in snake case): "
                         f"{sorted(set(by_name) ^ set(DECLARATION_ORDER))} is in only one of them")
    created = {}
    for f in fields(Parameters):
        p = by_name[parameter_name(f.name)]
        created[f.name] = t.add_parameter(Parameter(p.name, Type=p.type, Description=p.description, **p.constraints))
    t.set_metadata({
        "AWS::CloudFormation::Interface": {
            "ParameterGroups": [
                {"Label": {"default": label}, "Parameters": [p.name for p in params]}
                for label, params in GROUPS
            ],
            "ParameterLabels": {p.name: {"default": p.label} for _, params in GROUPS for p in params},
        }
    })
    parameters = Parameters(**created)
    t.add_condition(SCHEDULE_ENABLED, Equals(Ref(parameters.enable_automated_threshold_update), "Yes"))
    t.add_condition(SINGLE_DAY_SCHEDULE, Equals(Ref(parameters.threshold_update_schedule_interval_days), 1))
    t.add_condition(CHAT_ENABLED, Equals(Ref(parameters.chat_notifications), "Yes"))
    return parameters
