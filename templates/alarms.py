"""The three monitoring layers (SPEC §3) and the composite alarm that ORs them.

Layer 1 critical errors, Layer 2 usage rate and rolling 24-hour tokens (metric math so the updater
can later aggregate sibling application profiles as m1+…+mN), Layer 3 upper-side anomaly bands.
Missing data never breaches.
"""
from __future__ import annotations

from dataclasses import dataclass

from troposphere import GetAtt, Parameter, Ref, Sub, Template
from troposphere.cloudformation import CustomResource
from troposphere.cloudwatch import (
    Alarm,
    AnomalyDetector,
    CompositeAlarm,
    Metric,
    MetricDataQuery,
    MetricDimension,
    MetricStat,
)

from ops_alert.alarms import BY_KEY, DAILY_TOKENS, AlarmKind
from templates.names import CHILD_ALARMS, alarm_name, child_alarm_id, named, placeholder
from templates.notifications import Topics
from templates.parameters import Parameters

NAMESPACE = "AWS/Bedrock"
PER_MINUTE = 60  # Layer 2 compares per-minute sums with per-minute (RPM / TPM) thresholds


def model_dimension(params: Parameters) -> list[MetricDimension]:
    return [MetricDimension(Name="ModelId", Value=Ref(params.bedrock_model_id))]


def resolved_dimension(calculator: CustomResource) -> list[MetricDimension]:
    """Layer 2 watches the short profile ID for application profiles (resolved by the quota calculator)."""
    return [MetricDimension(Name="ModelId", Value=GetAtt(calculator, "MetricDimensionValue"))]


def single_metric_alarm(params: Parameters, kind: AlarmKind, description: str, statistic: str, period: Parameter,
                        evaluation_periods: Parameter, threshold: Parameter) -> Alarm:
    """A child alarm on the model's ``kind`` metric against a threshold parameter (Layers 1 and 2)."""
    return Alarm(
        child_alarm_id(kind),
        AlarmName=alarm_name(kind),
        AlarmDescription=description,
        MetricName=kind.metric_name,
        Namespace=NAMESPACE,
        Statistic=statistic,
        Period=Ref(period),
        EvaluationPeriods=Ref(evaluation_periods),
        Threshold=Ref(threshold),
        ComparisonOperator="GreaterThanThreshold",
        Dimensions=model_dimension(params),
        TreatMissingData="notBreaching",
    )


def critical_error_alarm(params: Parameters, kind: AlarmKind, description: str) -> Alarm:
    return single_metric_alarm(params, kind, description, "Sum", params.alarm_evaluation_period,
                               params.critical_alarm_evaluation_periods, params.error_threshold)


def usage_rate_alarm(params: Parameters, calculator: CustomResource, kind: AlarmKind, threshold_attribute: str,
                     label: str, description: str) -> Alarm:
    return Alarm(
        child_alarm_id(kind),
        AlarmName=alarm_name(kind),
        AlarmDescription=description,
        EvaluationPeriods=Ref(params.warning_alarm_evaluation_periods),
        ComparisonOperator="GreaterThanThreshold",
        Threshold=GetAtt(calculator, threshold_attribute),
        TreatMissingData="notBreaching",
        # The thresholds are per minute (SPEC §3), so the sum is too, whatever AlarmEvaluationPeriod says:
        # a 5-minute sum against a per-minute threshold would fire at a fifth of the budget.
        Metrics=summed_usage(calculator, kind, PER_MINUTE, label),
    )


def summed_usage(calculator: CustomResource, kind: AlarmKind, period: int, label: str) -> list[MetricDataQuery]:
    """The model's ``kind`` metric summed per ``period`` as metric math (``total`` = m1): the alarm
    updater rewrites the expression to m1+...+mN for an application profile's siblings."""
    return [
        MetricDataQuery(
            Id="m1",
            MetricStat=MetricStat(
                Metric=Metric(MetricName=kind.metric_name, Namespace=NAMESPACE, Dimensions=resolved_dimension(calculator)),
                Period=period,
                Stat="Sum",
            ),
            ReturnData=False,
        ),
        MetricDataQuery(Id="total", Expression="m1", Label=label, ReturnData=True),
    ]


# The per-day alarm (issue 12) sums one whole day: Period 86,400 with one evaluation period. A
# metric period may be any multiple of 60 and Period x EvaluationPeriods up to 7 days (PutMetricAlarm),
# and the default sliding evaluation window ends when the alarm is evaluated (every minute for
# periods of a minute or more), so each evaluation sums the last 24 hours: a rolling day, not a
# calendar day, re-checked every minute. 24 hourly periods would compare each hour with the per-day
# budget, and metric math has no moving-window sum, so one daily period is the only true rolling
# 24-hour total. Metric math (m1, later m1+...+mN) lets the updater add siblings as for TPM.
DAY = 86_400


def daily_token_alarm(calculator: CustomResource) -> Alarm:
    return Alarm(
        child_alarm_id(DAILY_TOKENS),
        AlarmName=alarm_name(DAILY_TOKENS),
        AlarmDescription="Layer 2: rolling 24-hour token quota usage at TokensPerMinuteThresholdPercent of the "
                         "per-day token quota (never fires when the model has none)",
        EvaluationPeriods=1,
        DatapointsToAlarm=1,
        # "Reaches": the threshold itself counts, as in the scenario rule (peak >= threshold).
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        # NEVER_FIRES_THRESHOLD (10^15) when the model has no per-day quota, as for RPM with NA.
        Threshold=GetAtt(calculator, "DailyTokenThreshold"),
        TreatMissingData="notBreaching",
        Metrics=summed_usage(calculator, DAILY_TOKENS, DAY, "CombinedDailyTokens"),
    )


def anomaly_alarm(params: Parameters, kind: AlarmKind, index: int, stat: str, description: str) -> Alarm:
    metric_id, band_id = f"m{index}", f"ad{index}"
    return Alarm(
        child_alarm_id(kind),
        AlarmName=alarm_name(kind),
        AlarmDescription=description,
        # Upper side only: a drop in usage is good news, not an incident.
        ComparisonOperator="GreaterThanUpperThreshold",
        EvaluationPeriods=Ref(params.anomaly_evaluation_periods),
        Metrics=[
            MetricDataQuery(
                Id=metric_id,
                MetricStat=MetricStat(
                    Metric=Metric(MetricName=kind.metric_name, Namespace=NAMESPACE, Dimensions=model_dimension(params)),
                    Period=Ref(params.anomaly_detection_period),
                    Stat=stat,
                ),
            ),
            MetricDataQuery(Id=band_id, Expression=Sub(
                f"ANOMALY_DETECTION_BAND({metric_id}, {placeholder(params.anomaly_sensitivity)})")),
        ],
        ThresholdMetricId=band_id,
        TreatMissingData="notBreaching",
    )


@dataclass(frozen=True)
class Alarms:
    children: tuple[Alarm, ...]  # in the catalogue's order (names.CHILD_ALARMS)
    composite: CompositeAlarm


def add_alarms(t: Template, params: Parameters, calculator: CustomResource, topics: Topics) -> Alarms:
    children = [
        # Layer 1: critical errors
        critical_error_alarm(params, BY_KEY["ClientErrors"],
                             "Layer 1: Bedrock client errors (4xx, often quota-related) above ErrorThreshold"),
        critical_error_alarm(params, BY_KEY["ServerErrors"],
                             "Layer 1: Bedrock server errors (5xx) above ErrorThreshold"),
        critical_error_alarm(params, BY_KEY["Throttles"],
                             "Layer 1: Bedrock throttled requests above ErrorThreshold"),
        # Layer 2: usage rate against the quota-derived thresholds
        usage_rate_alarm(params, calculator, BY_KEY["HighInvocationRate"], "RpmThreshold", "CombinedRPM",
                         "Layer 2: requests per minute above RequestsPerMinuteThresholdPercent of the RPM quota"),
        usage_rate_alarm(params, calculator, BY_KEY["HighTPMQuotaUsage"], "TpmThreshold", "CombinedTPM",
                         "Layer 2: tokens per minute above TokensPerMinuteThresholdPercent of the TPM quota"),
        daily_token_alarm(calculator),
        single_metric_alarm(params, BY_KEY["HighLatency"], "Layer 2: average invocation latency above LatencyThresholdMs",
                            "Average", params.latency_alarm_period, params.latency_alarm_evaluation_periods,
                            params.latency_threshold_ms),
        # Layer 3: anomaly detection
        anomaly_alarm(params, BY_KEY["InvocationAnomaly"], 1, "Sum",
                      "Layer 3: invocations above the anomaly band"),
        anomaly_alarm(params, BY_KEY["InputTokenAnomaly"], 2, "Sum",
                      "Layer 3: input tokens above the anomaly band"),
        anomaly_alarm(params, BY_KEY["OutputTokenAnomaly"], 3, "Sum",
                      "Layer 3: output tokens above the anomaly band"),
        anomaly_alarm(params, BY_KEY["LatencyAnomaly"], 4, "Average",
                      "Layer 3: average latency above the anomaly band"),
    ]
    detectors = [
        ("InvocationAnomalyDetector", "Invocations", "Sum"),
        ("InputTokenAnomalyDetector", "InputTokenCount", "Sum"),
        ("OutputTokenAnomalyDetector", "OutputTokenCount", "Sum"),
        ("LatencyAnomalyDetector", "InvocationLatency", "Average"),
    ]
    for logical_id, metric, stat in detectors:
        t.add_resource(AnomalyDetector(logical_id, MetricName=metric, Namespace=NAMESPACE, Stat=stat,
                                       Dimensions=model_dimension(params)))
    # The composite's rule lists the children in the catalogue's order, every one of them.
    ordered = tuple(sorted(children, key=lambda alarm: list(CHILD_ALARMS).index(alarm.title)))
    if [alarm.title for alarm in ordered] != list(CHILD_ALARMS):
        raise ValueError("templates/alarms.py must create exactly the child alarms of names.CHILD_ALARMS")
    for alarm in ordered:
        t.add_resource(alarm)
    # Composite: any child in ALARM; notifies the raw topic, which triggers the processor.
    composite = t.add_resource(CompositeAlarm(
        "BedrockQuotaHealthAlarm",
        AlarmName=named("{C}-Bedrock-QuotaHealth-Composite-{M}"),
        AlarmDescription="Bedrock model quota health: any of the eleven Layer 1-3 alarms is in ALARM",
        AlarmRule=Sub(" OR ".join(f"ALARM({placeholder(alarm)})" for alarm in ordered)),
        AlarmActions=[Ref(topics.raw)],
        ActionsEnabled=True,
    ))
    return Alarms(children=ordered, composite=composite)
