"""The stack's CloudWatch dashboard (usage against thresholds and quotas, anomaly bands, latency,
errors, alarm status) and its URL output.

The body comes from the same pure builder the alarm updater uses to rewrite it when the quotas
change (``functions/ops_alert/dashboard.py``), filled in here with CloudFormation placeholders:
the quota calculator's thresholds and resolved dimension, and the parameters. The quota line is
derived at deploy time as threshold × 100 / percent (within one unit of the quota); the alarm
updater replaces it with the quota value itself on its first run.
"""
from __future__ import annotations

from troposphere import AWS_PARTITION, Equals, If, Output, Ref, Sub, Template
from troposphere.cloudformation import CustomResource
from troposphere.cloudwatch import Dashboard

from ops_alert.dashboard import (  # on sys.path: bundle/lambda_code.py
    DAILY_LABEL,
    DashboardSpec,
    Line,
    body_json,
    dashboard,
)
from ops_alert.names import StackNames
from ops_alert.partition import CONSOLE_DOMAINS
from templates.names import DASHBOARD_NAME, C, M, named, placeholder
from templates.parameters import Parameters


def _lines(what: str, calculator: CustomResource, attribute: str, percent_parameter: object) -> tuple[Line, ...]:
    threshold = placeholder(calculator, attribute)
    return (
        Line(f"{what} alarm threshold", threshold, "#ff7f0e"),
        Line(f"{what} quota", f"{threshold}*100/{placeholder(percent_parameter)}", "#d62728"),
    )


def template_spec(params: Parameters, calculator: CustomResource) -> DashboardSpec:
    return DashboardSpec(
        names=StackNames(C, M),
        region="${AWS::Region}",
        account="${AWS::AccountId}",
        partition="${AWS::Partition}",
        dimensions=(placeholder(calculator, "MetricDimensionValue"),),
        lines={
            "rpm": _lines("RPM", calculator, "RpmThreshold", params.requests_per_minute_threshold_percent),
            "tpm": _lines("TPM", calculator, "TpmThreshold", params.tokens_per_minute_threshold_percent),
            # The per-day alarm's threshold is TPM threshold percent of the per-day quota (issue 12).
            "daily": _lines(DAILY_LABEL, calculator, "DailyTokenThreshold", params.tokens_per_minute_threshold_percent),
        },
        anomaly_band_width=placeholder(params.anomaly_sensitivity),
        anomaly_period=placeholder(params.anomaly_detection_period),
        latency_threshold_ms=placeholder(params.latency_threshold_ms),
    )


CHINA_PARTITION = "ChinaPartition"
GOVCLOUD_PARTITION = "GovCloudPartition"


def add_dashboard(t: Template, params: Parameters, calculator: CustomResource) -> None:
    ops_dashboard = t.add_resource(Dashboard(
        "OpsDashboard",
        DashboardName=named(DASHBOARD_NAME),
        DashboardBody=Sub(body_json(dashboard(template_spec(params, calculator)))),
    ))
    # The console host differs per partition: a commercial link does not open in GovCloud or China.
    t.add_condition(CHINA_PARTITION, Equals(Ref(AWS_PARTITION), "aws-cn"))
    t.add_condition(GOVCLOUD_PARTITION, Equals(Ref(AWS_PARTITION), "aws-us-gov"))

    def url(partition: str) -> Sub:
        return Sub(f"https://{CONSOLE_DOMAINS[partition]}/cloudwatch/home?region=${{AWS::Region}}"
                   f"#dashboards/dashboard/{placeholder(ops_dashboard)}")

    t.add_output(Output(
        "DashboardUrl",
        Description="CloudWatch dashboard of this model: usage against thresholds and quotas, anomalies, alarms",
        Value=If(CHINA_PARTITION, url("aws-cn"), If(GOVCLOUD_PARTITION, url("aws-us-gov"), url("aws"))),
    ))
