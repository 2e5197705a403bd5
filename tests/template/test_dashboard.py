"""The dashboard resource: valid JSON once CloudFormation substitutes, the names and lines it shows."""
from __future__ import annotations

import json
import re

import pytest

DEPLOYED = {
    "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
    "CustomerName": "Acme", "BedrockModelName": "G-Opus-4-6",
    "QuotaCalculatorCustomResource.MetricDimensionValue": "global.anthropic.claude-opus-4-6-v1",
    "QuotaCalculatorCustomResource.RpmThreshold": "8000", "QuotaCalculatorCustomResource.TpmThreshold": "5000000",
    "QuotaCalculatorCustomResource.DailyTokenThreshold": "1800000000",
    "RequestsPerMinuteThresholdPercent": "80", "TokensPerMinuteThresholdPercent": "80",
    "AnomalySensitivity": "2", "AnomalyDetectionPeriod": "300", "LatencyThresholdMs": "10000",
}


def deployed_body(resources: dict) -> dict:
    text = resources["OpsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    used = set(re.findall(r"\$\{([^}]+)\}", text))
    assert used <= set(DEPLOYED), f"placeholders the test does not know: {used - set(DEPLOYED)}"
    return json.loads(re.sub(r"\$\{([^}]+)\}", lambda m: DEPLOYED[m.group(1)], text))


def test_dashboard_name_and_url_output(template: dict) -> None:
    resource = template["Resources"]["OpsDashboard"]
    assert resource["Type"] == "AWS::CloudWatch::Dashboard"
    assert resource["Properties"]["DashboardName"] == {"Fn::Sub": "${CustomerName}-Bedrock-Ops-Alert-${BedrockModelName}"}


@pytest.mark.parametrize(("partition", "console"), [
    ("aws", "https://console.aws.amazon.com/"),
    ("aws-us-gov", "https://console.amazonaws-us-gov.com/"),
    ("aws-cn", "https://console.amazonaws.cn/"),
])
def test_dashboard_url_opens_the_console_of_the_stack_partition(template: dict, partition: str, console: str) -> None:
    conditions = {name: _holds(c, partition) for name, c in template["Conditions"].items()
                  if _is_partition_test(c)}
    url = _resolve(template["Outputs"]["DashboardUrl"]["Value"], conditions)
    assert url == f"{console}cloudwatch/home?region=${{AWS::Region}}#dashboards/dashboard/${{OpsDashboard}}"


def _is_partition_test(condition: dict) -> bool:
    return list(condition) == ["Fn::Equals"] and condition["Fn::Equals"][0] == {"Ref": "AWS::Partition"}


def _holds(condition: dict, partition: str) -> bool:
    return condition["Fn::Equals"][1] == partition


def _resolve(value: dict, conditions: dict) -> str:
    if "Fn::If" in value:
        name, yes, no = value["Fn::If"]
        return _resolve(yes if conditions[name] else no, conditions)
    return value["Fn::Sub"]


def test_deployed_body_is_json_with_alarms_usage_and_lines(resources: dict) -> None:
    body = deployed_body(resources)
    widgets = {w["properties"]["title"]: w["properties"] for w in body["widgets"]}
    alarms = widgets["Alarm status: composite and its children"]["alarms"]
    assert alarms[0] == "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6"
    assert len(alarms) == 12 and alarms[-1].endswith(":alarm:Acme-Bedrock-HighDailyTokenUsage-Warning-G-Opus-4-6")
    rpm = widgets["Requests per minute vs threshold and quota"]["metrics"]
    assert rpm[0][3] == "global.anthropic.claude-opus-4-6-v1"
    assert [m[0]["label"] for m in rpm[2:]] == ["RPM alarm threshold", "RPM quota"]
    assert rpm[3][0]["expression"].endswith("FILL(m0, 0)*0 + 8000*100/80)")
    assert widgets["Invocation latency (ms)"]["annotations"]["horizontal"][0]["value"] == 10000
    # The per-day graph: its alarm's threshold and the per-day quota (threshold x 100 / TPM percent).
    daily = widgets["Tokens per 24 hours vs per-day threshold and quota"]["metrics"]
    assert [m[0]["label"] for m in daily[2:]] == ["Per-day tokens alarm threshold", "Per-day tokens quota"]
    assert daily[2][0]["expression"].endswith("FILL(m0, 0)*0 + 1800000000)")
    assert daily[3][0]["expression"].endswith("FILL(m0, 0)*0 + 1800000000*100/80)")
