"""FakeCloudWatchExtras (composite alarms, anomaly detectors) and FakeMetrics (GetMetricData)."""

from __future__ import annotations

import datetime as dt
import json
import struct

import boto3
import pytest
from botocore.exceptions import ClientError

MINUTE = dt.timedelta(minutes=1)
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.timezone.utc)
START = NOW - dt.timedelta(days=14)
DIMS = [{"Name": "ModelId", "Value": "model"}]


@pytest.fixture
def cw(aws):
    # The data of these tests ends at NOW: the fake's retention (15 days at one minute) counts from it.
    aws.metrics.now = lambda: NOW
    return boto3.client("cloudwatch")


def _put_child(cw, name="child"):
    cw.put_metric_alarm(
        AlarmName=name, MetricName="Invocations", Namespace="AWS/Bedrock", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold", Dimensions=DIMS,
    )


@pytest.mark.parametrize(
    ("types", "composites", "metrics"),
    [(None, [], ["child"]), (["CompositeAlarm"], ["comp"], []), (["CompositeAlarm", "MetricAlarm"], ["comp"], ["child"])],
    ids=["default-metric-only", "composite-only", "both"],
)
def test_describe_alarms_merges_composites_with_moto(cw, types, composites, metrics):
    _put_child(cw)
    cw.put_composite_alarm(AlarmName="comp", AlarmRule='ALARM("child")', AlarmActions=["arn:aws:sns:us-east-1:123456789012:t"])
    response = cw.describe_alarms(**({"AlarmTypes": types} if types else {}))
    assert [a["AlarmName"] for a in response["CompositeAlarms"]] == composites
    assert [a["AlarmName"] for a in response["MetricAlarms"]] == metrics


def test_composite_state_and_delete(cw, cloudwatch_extras):
    _put_child(cw)
    cw.put_composite_alarm(AlarmName="comp", AlarmRule='ALARM("child")')
    cw.set_alarm_state(AlarmName="comp", StateValue="ALARM", StateReason="r")
    cw.set_alarm_state(AlarmName="child", StateValue="ALARM", StateReason="r")  # moto's
    alarms = cw.describe_alarms(AlarmTypes=["CompositeAlarm", "MetricAlarm"], StateValue="ALARM")
    assert [a["AlarmName"] for a in alarms["CompositeAlarms"] + alarms["MetricAlarms"]] == ["comp", "child"]
    cw.delete_alarms(AlarmNames=["comp", "child"])
    assert cloudwatch_extras.composites == {}
    assert cw.describe_alarms()["MetricAlarms"] == []


def test_anomaly_detectors(cw, cloudwatch_extras):
    for metric in ("Invocations", "InputTokenCount", "InvocationLatency"):
        cw.put_anomaly_detector(SingleMetricAnomalyDetector={
            "Namespace": "AWS/Bedrock", "MetricName": metric, "Dimensions": DIMS,
            "Stat": "Average" if metric == "InvocationLatency" else "Sum"})
    cw.put_anomaly_detector(SingleMetricAnomalyDetector={  # same key: replaced, not added
        "Namespace": "AWS/Bedrock", "MetricName": "Invocations", "Dimensions": DIMS, "Stat": "Sum"})
    detectors = cw.describe_anomaly_detectors(Namespace="AWS/Bedrock", Dimensions=DIMS)["AnomalyDetectors"]
    assert sorted(d["MetricName"] for d in detectors) == ["InputTokenCount", "InvocationLatency", "Invocations"]
    assert len(cw.describe_anomaly_detectors(MetricName="Invocations")["AnomalyDetectors"]) == 1
    cw.delete_anomaly_detector(SingleMetricAnomalyDetector={
        "Namespace": "AWS/Bedrock", "MetricName": "Invocations", "Dimensions": DIMS, "Stat": "Sum"})
    assert len(cloudwatch_extras.detectors) == 2
    with pytest.raises(cw.exceptions.ResourceNotFoundException):
        cw.delete_anomaly_detector(SingleMetricAnomalyDetector={
            "Namespace": "AWS/Bedrock", "MetricName": "Invocations", "Dimensions": DIMS, "Stat": "Sum"})


def _query(qid, metric, stat="Sum", period=60, **extra):
    return {"Id": qid, "MetricStat": {"Metric": {"Namespace": "AWS/Bedrock", "MetricName": metric,
                                                  "Dimensions": DIMS}, "Period": period, "Stat": stat}, **extra}


@pytest.fixture
def fortnight(metrics):
    """Five series of 14 days of per-minute data: 5 x 20,160 = 100,800 points."""
    names = ["Invocations", "InputTokenCount", "OutputTokenCount", "EstimatedTPMQuotaUsage", "InvocationThrottles"]
    for offset, name in enumerate(names):
        metrics.put_series(name, "model", {START + i * MINUTE: float(i + offset) for i in range(20_160)})
    return names


def test_five_fortnight_series_fit_one_call(cw, fortnight, aws_calls):
    response = cw.get_metric_data(
        MetricDataQueries=[_query(f"m{i}", n) for i, n in enumerate(fortnight)], StartTime=START, EndTime=NOW)
    assert "NextToken" not in response
    assert [len(r["Values"]) for r in response["MetricDataResults"]] == [20_160] * 5
    assert {r["StatusCode"] for r in response["MetricDataResults"]} == {"Complete"}
    first = response["MetricDataResults"][0]
    assert first["Timestamps"][0] == NOW - MINUTE and first["Values"][0] == 20_159.0  # newest first
    assert aws_calls["cloudwatch:GetMetricData"] == 1


def test_pagination_when_over_the_datapoint_budget(cw, fortnight):
    queries = [_query(f"m{i}", n) for i, n in enumerate(fortnight)] + [_query("m5", "Invocations", "Maximum")]
    pages = list(cw.get_paginator("get_metric_data").paginate(MetricDataQueries=queries, StartTime=START, EndTime=NOW))
    assert len(pages) == 2
    assert [r["StatusCode"] for r in pages[0]["MetricDataResults"]] == ["Complete"] * 5 + ["PartialData"]
    totals = {}
    for page in pages:
        for result in page["MetricDataResults"]:
            totals[result["Id"]] = totals.get(result["Id"], 0) + len(result["Values"])
    assert totals == {f"m{i}": 20_160 for i in range(6)}


def test_max_datapoints_and_scan_by(cw, metrics):
    metrics.put_series("Invocations", "model", {START + i * MINUTE: float(i) for i in range(10)})
    first = cw.get_metric_data(MetricDataQueries=[_query("m", "Invocations")], StartTime=START,
                               EndTime=NOW, MaxDatapoints=4, ScanBy="TimestampAscending")
    assert first["MetricDataResults"][0]["Values"] == [0.0, 1.0, 2.0, 3.0]
    second = cw.get_metric_data(MetricDataQueries=[_query("m", "Invocations")], StartTime=START, EndTime=NOW,
                                MaxDatapoints=4, ScanBy="TimestampAscending", NextToken=first["NextToken"])
    assert second["MetricDataResults"][0]["Values"] == [4.0, 5.0, 6.0, 7.0]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [("m1+m2", [11.0, 22.0]), ("m1*2", [2.0, 4.0]), ("SUM([m1,m2])", [11.0, 22.0, 30.0]),
     ("FILL(m1, 0)+m2", [11.0, 22.0, 30.0]), ("m2/m1", [10.0, 10.0])],
    ids=["add", "scale", "sum", "fill", "divide"],
)
def test_metric_math(cw, metrics, expression, expected):
    metrics.put_series("Invocations", "a", {START: 1.0, START + MINUTE: 2.0})
    metrics.put_series("Invocations", "b", {START: 10.0, START + MINUTE: 20.0, START + 2 * MINUTE: 30.0})
    queries = [
        {**_query("m1", "Invocations"), "ReturnData": False},
        {"Id": "m2", "ReturnData": False, "MetricStat": {"Metric": {
            "Namespace": "AWS/Bedrock", "MetricName": "Invocations", "Dimensions": [{"Name": "ModelId", "Value": "b"}]},
            "Period": 60, "Stat": "Sum"}},
        {"Id": "e", "Expression": expression},
    ]
    queries[0]["MetricStat"]["Metric"]["Dimensions"] = [{"Name": "ModelId", "Value": "a"}]
    response = cw.get_metric_data(MetricDataQueries=queries, StartTime=START, EndTime=START + 3 * MINUTE,
                                  ScanBy="TimestampAscending")
    assert [r["Id"] for r in response["MetricDataResults"]] == ["e"]
    assert response["MetricDataResults"][0]["Values"] == expected


@pytest.mark.parametrize(("stat", "expected"), [("Sum", 6.0), ("Average", 2.0), ("Maximum", 3.0), ("SampleCount", 3.0)],
                         ids=["sum", "average", "maximum", "samples"])
def test_period_aggregation(cw, metrics, stat, expected):
    metrics.put_series("InvocationLatency", "model", {START + i * MINUTE: float(i + 1) for i in range(3)})
    response = cw.get_metric_data(MetricDataQueries=[_query("m", "InvocationLatency", stat, period=300)],
                                  StartTime=START, EndTime=START + 5 * MINUTE)
    assert response["MetricDataResults"][0]["Values"] == [expected]


def test_put_metric_data_is_readable(cw):
    cw.put_metric_data(Namespace="AWS/Bedrock", MetricData=[
        {"MetricName": "Invocations", "Dimensions": DIMS, "Timestamp": START, "Value": 5.0}])
    response = cw.get_metric_data(MetricDataQueries=[_query("m", "Invocations")], StartTime=START, EndTime=NOW)
    assert response["MetricDataResults"][0]["Values"] == [5.0]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"MetricDataQueries": [_query(f"m{i}", "Invocations") for i in range(501)]}, "ValidationError"),
        ({"MaxDatapoints": 100_801}, "ValidationError"),
        ({"StartTime": NOW, "EndTime": START}, "ValidationError"),
        ({"NextToken": "bogus"}, "InvalidNextToken"),
        ({"MetricDataQueries": [_query("m", "Invocations"), _query("m", "Invocations")]}, "ValidationError"),
    ],
    ids=["501-queries", "too-many-datapoints", "start-after-end", "bad-token", "duplicate-ids"],
)
def test_limits(cw, kwargs, code):
    params = {"MetricDataQueries": [_query("m", "Invocations")], "StartTime": START, "EndTime": NOW, **kwargs}
    with pytest.raises(ClientError) as raised:
        cw.get_metric_data(**params)
    assert raised.value.response["Error"]["Code"] == code


def test_metric_widget_image_is_a_png_of_the_requested_size(cw, metrics):
    widget = {"metrics": [["AWS/Bedrock", "Invocations", "ModelId", "model"]], "width": 800, "height": 300}
    image = cw.get_metric_widget_image(MetricWidget=json.dumps(widget))["MetricWidgetImage"]
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", image[16:24]) == (800, 300)
    assert metrics.widget_images == [widget]


@pytest.mark.parametrize(
    "definition",
    ["not json", json.dumps({"metrics": []}), json.dumps({"metrics": [["a", "b"]], "width": 2001})],
    ids=["not-json", "no-metrics", "too-wide"],
)
def test_metric_widget_image_refuses_bad_definitions(cw, definition):
    with pytest.raises(ClientError) as raised:
        cw.get_metric_widget_image(MetricWidget=definition)
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"


# --- DescribeAlarmHistory (moto lacks it) ---------------------------------------------------------


def test_alarm_history_records_real_transitions_of_metric_and_composite_alarms(aws, cw):
    _put_child(cw)
    cw.put_composite_alarm(AlarmName="comp", AlarmRule='ALARM("child")')
    cw.set_alarm_state(AlarmName="child", StateValue="ALARM", StateReason="r1")
    cw.set_alarm_state(AlarmName="child", StateValue="ALARM", StateReason="again")  # no transition
    cw.set_alarm_state(AlarmName="comp", StateValue="ALARM", StateReason="r2")
    cw.set_alarm_state(AlarmName="child", StateValue="OK", StateReason="r3")

    child = cw.describe_alarm_history(AlarmName="child", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in child] == ["Alarm updated from ALARM to OK",
                                                    "Alarm updated from OK to ALARM"]
    comp = cw.describe_alarm_history(AlarmName="comp", AlarmTypes=["CompositeAlarm"])["AlarmHistoryItems"]
    assert [json.loads(i["HistoryData"])["newState"]["stateValue"] for i in comp] == ["ALARM"]
    # Metric alarms only unless AlarmTypes says otherwise, as in the API.
    assert cw.describe_alarm_history(AlarmName="comp")["AlarmHistoryItems"] == []


def test_alarm_history_filters_by_time_scans_both_ways_and_pages(aws, cw):
    for minute in range(5):
        aws.cloudwatch.record_state_change("a", "OK", "ALARM", NOW + minute * MINUTE)
    window = dict(AlarmName="a", StartDate=NOW + MINUTE, EndDate=NOW + 3 * MINUTE)
    newest = cw.describe_alarm_history(**window)["AlarmHistoryItems"]
    assert [i["Timestamp"] for i in newest] == [NOW + 3 * MINUTE, NOW + 2 * MINUTE, NOW + MINUTE]
    oldest = cw.describe_alarm_history(ScanBy="TimestampAscending", **window)["AlarmHistoryItems"]
    assert oldest == newest[::-1]
    first = cw.describe_alarm_history(AlarmName="a", MaxRecords=2)
    second = cw.describe_alarm_history(AlarmName="a", MaxRecords=2, NextToken=first["NextToken"])
    assert len(first["AlarmHistoryItems"]) == len(second["AlarmHistoryItems"]) == 2
    with pytest.raises(ClientError, match="InvalidNextToken"):
        cw.describe_alarm_history(AlarmName="b", NextToken=first["NextToken"])
