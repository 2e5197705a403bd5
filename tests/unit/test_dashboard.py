"""Dashboard body and case graphs: one builder for the template, the alarm updater and the processor."""
from __future__ import annotations

import json

import pytest

from ops_alert.dashboard import (
    DAILY_TITLE,
    MEASURES,
    DashboardSpec,
    Line,
    body_json,
    dashboard,
    dashboard_url,
    graph_image_request,
    lines_for,
    number,
    refresh_usage_widgets,
)
from ops_alert.names import StackNames
from ops_alert.thresholds import NEVER_FIRES_THRESHOLD

NAMES = StackNames("Acme", "G-Opus-4-6")


def spec(**overrides: object) -> DashboardSpec:
    values: dict[str, object] = dict(
        names=NAMES, region="us-east-1", account="123456789012", partition="aws",
        dimensions=("profile1", "profile2"),
        lines={"rpm": lines_for(8000, 10000, "RPM"), "tpm": lines_for(5_000_000, 6_250_000, "TPM"),
               "daily": lines_for(7_200_000_000, 9_000_000_000, "Tokens per day")},
        latency_threshold_ms="5000",
    )
    values.update(overrides)
    return DashboardSpec(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("threshold", "quota", "labels"),
    [
        pytest.param(8000, 10000.0, ["RPM alarm threshold", "RPM quota"], id="both"),
        pytest.param(NEVER_FIRES_THRESHOLD, None, [], id="no-quota-NA-draws-nothing"),
        pytest.param(None, 10000.0, ["RPM quota"], id="quota-only"),
    ],
)
def test_lines_of_a_measure(threshold: int | None, quota: float | None, labels: list[str]) -> None:
    assert [line.label for line in lines_for(threshold, quota, "RPM")] == labels


@pytest.mark.parametrize(("value", "text"), [(8000, "8000"), (8000.0, "8000"), (12.5, "12.5")],
                         ids=["int", "integral-float", "fraction"])
def test_number_literals(value: float, text: str) -> None:
    assert number(value) == text


def test_dashboard_has_the_widgets_an_sre_expects() -> None:
    body = json.loads(body_json(dashboard(spec())))
    titles = [w["properties"].get("title") for w in body["widgets"]]
    assert titles == ["Alarm status: composite and its children", MEASURES["rpm"][0], MEASURES["tpm"][0],
                      DAILY_TITLE, "Anomaly bands (Layer 3; only the upper side alarms)", "Invocation latency (ms)",
                      "Errors and throttles (Layer 1)"]
    alarms = body["widgets"][0]["properties"]["alarms"]
    assert len(alarms) == 12  # the composite and its eleven children
    assert alarms[0] == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6"
    rpm = body["widgets"][1]["properties"]["metrics"]
    assert [m[3] for m in rpm[:2]] == ["profile1", "profile2"]  # siblings summed
    assert rpm[2][0]["expression"] == "(m0+m1)*60/PERIOD(m0)"
    assert rpm[3][0] == {"expression": f"IF(FILL(m0, 0)*0 + 8000 < {NEVER_FIRES_THRESHOLD}, FILL(m0, 0)*0 + 8000)",
                         "label": "RPM alarm threshold", "id": "l0", "color": "#ff7f0e"}
    assert body["widgets"][5]["properties"]["annotations"]["horizontal"][0]["value"] == 5000
    bands = [m[0]["expression"] for m in body["widgets"][4]["properties"]["metrics"] if "expression" in m[0]]
    assert bands[0] == "ANOMALY_DETECTION_BAND(a0, 2)"


def test_template_placeholders_become_bare_tokens_where_numbers_belong() -> None:
    text = body_json(dashboard(spec(
        region="${AWS::Region}", anomaly_period="${AnomalyDetectionPeriod}", latency_threshold_ms="${LatencyThresholdMs}",
        lines={"rpm": (Line("RPM alarm threshold", "${Calc.RpmThreshold}", "#000"),)})))
    assert '"period":${AnomalyDetectionPeriod}' in text
    assert '"value":${LatencyThresholdMs}' in text
    assert '"region":"${AWS::Region}"' in text
    assert "@@" not in text


def test_case_graph_is_14_days_of_5_minute_per_minute_rates() -> None:
    widget = json.loads(graph_image_request(spec(), "tpm"))
    assert (widget["start"], widget["period"], widget["width"], widget["height"]) == ("-P14D", 300, 1000, 400)
    assert "region" not in widget
    assert [m[0]["label"] for m in widget["metrics"][3:]] == ["TPM alarm threshold", "TPM quota"]


def test_refresh_rewrites_only_the_usage_graphs_and_keeps_layout() -> None:
    old = json.loads(body_json(dashboard(spec(dimensions=("profile1",)))))
    old["widgets"][1]["width"] = 24  # the user widened the RPM graph
    old["widgets"].append({"type": "text", "x": 0, "y": 30, "width": 6, "height": 2, "properties": {"markdown": "x"}})
    new_lines = {"rpm": lines_for(9600, 12000, "RPM"), "tpm": lines_for(5_000_000, 6_250_000, "TPM"),
                 "daily": lines_for(7_200_000_000, 9_000_000_000, "Tokens per day")}
    body, changed = refresh_usage_widgets(old, spec(dimensions=("profile1",), lines=new_lines))
    assert changed
    assert body["widgets"][1]["width"] == 24
    assert "9600" in body["widgets"][1]["properties"]["metrics"][2][0]["expression"]
    assert body["widgets"][2] == old["widgets"][2]  # TPM unchanged
    assert body["widgets"][-1] == old["widgets"][-1]
    assert refresh_usage_widgets(body, spec(dimensions=("profile1",), lines=new_lines)) == (body, False)


def test_refresh_tolerates_a_hand_edited_body() -> None:
    assert refresh_usage_widgets({"widgets": ["junk", {"properties": "x"}]}, spec()) == (
        {"widgets": ["junk", {"properties": "x"}]}, False)


@pytest.mark.parametrize(("region", "url"), [
    ("eu-west-1", "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/Acme-Bedrock-Ops-Alert-M"),
    ("us-gov-east-1",
     "https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-east-1#dashboards/dashboard/Acme-Bedrock-Ops-Alert-M"),
    ("cn-north-1", "https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#dashboards/dashboard/Acme-Bedrock-Ops-Alert-M"),
], ids=["commercial", "govcloud", "china"])
def test_dashboard_url_is_in_the_partition_of_the_region(region: str, url: str) -> None:
    assert dashboard_url(region, "Acme-Bedrock-Ops-Alert-M") == url
