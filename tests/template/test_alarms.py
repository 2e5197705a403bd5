"""The monitoring layers behave as SPEC §3 describes."""
from __future__ import annotations

import pytest


def alarms(resources: dict) -> dict:
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::CloudWatch::Alarm"}


def test_ten_child_alarms_all_treat_missing_data_as_not_breaching(resources: dict) -> None:
    children = alarms(resources)
    assert len([k for k in children if not k.startswith("Processor")]) >= 10
    for lid, p in children.items():
        assert p["TreatMissingData"] == "notBreaching", lid


def test_composite_ors_the_ten_original_children_then_the_per_day_alarm(resources: dict) -> None:
    rule = resources["BedrockQuotaHealthAlarm"]["Properties"]["AlarmRule"]["Fn::Sub"]
    clauses = rule.split(" OR ")
    assert len(clauses) == 11 and len(set(clauses)) == 11
    assert clauses[0] == "ALARM(${ClientErrorAlarm})" and clauses[-1] == "ALARM(${HighDailyTokenUsageAlarm})"
    assert resources["BedrockQuotaHealthAlarm"]["Properties"]["AlarmActions"] == [{"Ref": "RawAlarmTopic"}]


@pytest.mark.parametrize("lid", ["InvocationAnomalyAlarm", "InputTokenAnomalyAlarm",
                                 "OutputTokenAnomalyAlarm", "LatencyAnomalyAlarm"])
def test_anomaly_alarms_fire_on_the_upper_side_only(resources: dict, lid: str) -> None:
    p = resources[lid]["Properties"]
    assert p["ComparisonOperator"] == "GreaterThanUpperThreshold"
    band = next(m for m in p["Metrics"] if m["Id"] == p["ThresholdMetricId"])
    assert band["Expression"]["Fn::Sub"].startswith("ANOMALY_DETECTION_BAND(")
    assert "Threshold" not in p


@pytest.mark.parametrize("lid,metric,attribute", [
    ("HighInvocationRateAlarm", "Invocations", "RpmThreshold"),
    ("HighTPMQuotaUsageAlarm", "EstimatedTPMQuotaUsage", "TpmThreshold"),
    ("HighDailyTokenUsageAlarm", "EstimatedTPMQuotaUsage", "DailyTokenThreshold"),
])
def test_usage_alarms_use_metric_math_over_the_resolved_dimension(resources: dict, lid, metric, attribute) -> None:
    p = resources[lid]["Properties"]
    assert p["Threshold"] == {"Fn::GetAtt": ["QuotaCalculatorCustomResource", attribute]}
    m1 = p["Metrics"][0]["MetricStat"]["Metric"]
    assert m1["MetricName"] == metric
    assert m1["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["QuotaCalculatorCustomResource", "MetricDimensionValue"]}
    assert p["Metrics"][1]["Expression"] == "m1" and p["Metrics"][1]["ReturnData"] is True


@pytest.mark.parametrize("lid", ["HighInvocationRateAlarm", "HighTPMQuotaUsageAlarm"])
def test_usage_alarms_compare_per_minute_sums_with_per_minute_thresholds(resources: dict, lid: str) -> None:
    """The thresholds are requests / tokens per minute (SPEC §3: "Sum per minute"). A longer
    AlarmEvaluationPeriod must not turn them into per-5-minute (or per-hour) sums, which would fire
    at a fraction of the quota and open needless support cases."""
    (stat,) = [q["MetricStat"] for q in resources[lid]["Properties"]["Metrics"] if "MetricStat" in q]
    assert stat["Period"] == 60 and stat["Stat"] == "Sum"


def test_the_per_day_alarm_sums_a_rolling_24_hours_at_the_per_day_threshold(resources: dict) -> None:
    """One 86,400-second period, evaluated once: every evaluation sums the last 24 hours (sliding
    window), and reaching the threshold counts; it is the TPM alarm's measure, named as the
    catalogue names it, and missing data never breaches."""
    p = resources["HighDailyTokenUsageAlarm"]["Properties"]
    (stat,) = [q["MetricStat"] for q in p["Metrics"] if "MetricStat" in q]
    assert (stat["Period"], stat["Stat"]) == (86_400, "Sum")
    assert (p["EvaluationPeriods"], p["DatapointsToAlarm"]) == (1, 1)
    assert p["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert "EvaluationWindow" not in p  # the default sliding window, not midnight-aligned days
    assert p["AlarmName"] == {"Fn::Sub": "${CustomerName}-Bedrock-HighDailyTokenUsage-Warning-${BedrockModelName}"}
    tpm = resources["HighTPMQuotaUsageAlarm"]["Properties"]["Metrics"][0]["MetricStat"]["Metric"]
    assert stat["Metric"] == tpm
