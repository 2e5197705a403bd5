"""Alarm updater end to end, from the packaged zips (SPEC §4.2, issue 3)."""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

from ops_alert.dashboard import DashboardSpec, body_json, dashboard, lines_for
from ops_alert.names import StackNames
from ops_alert.thresholds import NEVER_FIRES_THRESHOLD
from tests.fakes import FakeLambdaContext, StandardFakes, bedrock_quota_catalogue, model_arn
from tests.fakes.service_quotas import quota_code

pytestmark = pytest.mark.packaged

OPUS_GLOBAL = "global.anthropic.claude-opus-4-6-v1"
RPM_CODE, TPM_CODE = "L-3DD46812", "L-3DCCFAA4"  # 10,000 RPM and 6,250,000 TPM in the catalogue
RPM_ALARM = "Acme-Bedrock-HighInvocationRate-Warning-G-Opus-4-6"
TPM_ALARM = "Acme-Bedrock-HighTPMQuotaUsage-Warning-G-Opus-4-6"
LATENCY_ALARM = "Acme-Bedrock-HighLatency-Warning-G-Opus-4-6"
DAILY_ALARM = "Acme-Bedrock-HighDailyTokenUsage-Warning-G-Opus-4-6"
# The fake catalogue's per-day quota of the model: 6,250,000 × 1,440 / 4 = 2,250,000,000 tokens.
DAILY_CODE = quota_code("Model invocation max tokens per day for Anthropic Claude Opus 4.6 V1")
NEVER = str(NEVER_FIRES_THRESHOLD)
PREFIX = "/Acme/bedrock/quota-monitoring/G-Opus-4-6/thresholds/"
ENV = {
    "CUSTOMER_NAME": "Acme", "BEDROCK_MODEL_NAME": "G-Opus-4-6", "BEDROCK_MODEL_ID": OPUS_GLOBAL,
    "INFERENCE_PROFILE_TYPE": "System-Defined", "RPM_QUOTA_CODE": RPM_CODE, "TPM_QUOTA_CODE": TPM_CODE,
    "RPM_THRESHOLD_PERCENT": "80", "TPM_THRESHOLD_PERCENT": "80",
}
SCHEDULED = {"version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event",
             "source": "aws.events", "account": "123456789012", "time": "2026-11-26T06:00:00Z", "region": "us-east-1",
             "resources": ["arn:aws:events:us-east-1:123456789012:rule/Acme-Threshold-Update-Schedule-G-Opus-4-6"],
             "detail": {}}
APP_ID = "abcd1234efgh"


def layer2_alarm(name: str, metric: str, label: str, threshold: float, dimension: str,
                 period: int = 60) -> dict[str, Any]:
    """As the template creates it, plus the alarm actions a team may have added."""
    return dict(
        AlarmName=name, AlarmDescription=f"Layer 2: {metric}", ActionsEnabled=True,
        AlarmActions=["arn:aws:sns:us-east-1:123456789012:Acme-Bedrock-Alarms-Raw-G-Opus-4-6"],
        EvaluationPeriods=2, DatapointsToAlarm=2, ComparisonOperator="GreaterThanThreshold", Threshold=threshold,
        TreatMissingData="notBreaching",
        Metrics=[{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/Bedrock", "MetricName": metric,
                                                        "Dimensions": [{"Name": "ModelId", "Value": dimension}]},
                                             "Period": period, "Stat": "Sum"}, "ReturnData": False},
                 {"Id": "total", "Expression": "m1", "Label": label, "ReturnData": True}])


DASHBOARD = "Acme-Bedrock-Ops-Alert-G-Opus-4-6"


def dashboard_body(dimensions: tuple[str, ...], rpm: tuple[float, float], tpm: tuple[float, float],
                   daily: tuple[float | None, float | None] = (None, None)) -> str:
    return body_json(dashboard(DashboardSpec(
        names=StackNames("Acme", "G-Opus-4-6"), region="us-east-1", account="123456789012", partition="aws",
        dimensions=dimensions, lines={"rpm": lines_for(*rpm, "RPM"), "tpm": lines_for(*tpm, "TPM"),
                                      "daily": lines_for(*daily, "Per-day tokens")},
        latency_threshold_ms="10000")))


def usage_lines(name: str) -> dict[str, list[str]]:
    """Per usage graph of the deployed dashboard: its profiles and its line expressions."""
    body = json.loads(boto3.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
    found = {}
    for widget in body["widgets"]:
        props = widget["properties"]
        if props.get("title", "").startswith(("Requests per minute", "Tokens per minute", "Tokens per 24 hours")):
            found[props["title"].split(" vs ")[0]] = [m[3] for m in props["metrics"] if isinstance(m[0], str)] + [
                m[0]["expression"].rsplit("+ ", 1)[-1].rstrip(")") for m in props["metrics"]
                if isinstance(m[0], dict) and m[0]["id"].startswith("l")]
    return found


def deploy(dimension: str = OPUS_GLOBAL, rpm: str = "8000", tpm: str = "5000000", daily: str = NEVER) -> None:
    """What the stack leaves behind: the three Layer 2 usage alarms, another alarm, the stored thresholds,
    the dashboard (``daily``: the per-day alarm's threshold, never firing without a per-day quota)."""
    cw = boto3.client("cloudwatch")
    per_day = (None, None) if daily == NEVER else (float(daily), float(daily) * 1.25)
    cw.put_dashboard(DashboardName=DASHBOARD, DashboardBody=dashboard_body(
        (dimension,), (float(rpm), float(rpm) * 1.25), (float(tpm), float(tpm) * 1.25), per_day))
    cw.put_metric_alarm(**layer2_alarm(RPM_ALARM, "Invocations", "CombinedRPM", float(rpm), dimension))
    cw.put_metric_alarm(**layer2_alarm(TPM_ALARM, "EstimatedTPMQuotaUsage", "CombinedTPM", float(tpm), dimension))
    cw.put_metric_alarm(**layer2_alarm(DAILY_ALARM, "EstimatedTPMQuotaUsage", "CombinedDailyTokens", float(daily),
                                       dimension, period=86_400))
    cw.put_metric_alarm(AlarmName=LATENCY_ALARM, MetricName="InvocationLatency", Namespace="AWS/Bedrock",
                        Statistic="Average", Period=300, EvaluationPeriods=3, Threshold=10000,
                        ComparisonOperator="GreaterThanThreshold")
    ssm = boto3.client("ssm")
    for name, value in (("rpm-threshold-calculated", rpm), ("tpm-threshold-calculated", tpm),
                        ("last-updated", "2026-01-01T00:00:00Z")):
        ssm.put_parameter(Name=PREFIX + name, Value=value, Type="String", Overwrite=True)


def alarm(name: str) -> dict[str, Any]:
    return boto3.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def stored(name: str) -> str:
    return boto3.client("ssm").get_parameter(Name=PREFIX + name)["Parameter"]["Value"]


@pytest.fixture
def world(aws: StandardFakes, monkeypatch: pytest.MonkeyPatch) -> StandardFakes:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    aws.service_quotas.add_quotas(bedrock_quota_catalogue())
    aws.bedrock.add_system_catalogue()
    return aws


@pytest.fixture
def updater(load_handler: Callable[[str], ModuleType], world: StandardFakes) -> ModuleType:
    return load_handler("alarm_updater")


@pytest.fixture
def run(updater: ModuleType, lambda_context: FakeLambdaContext) -> Callable[..., dict[str, Any]]:
    def invoke(event: Any = None) -> dict[str, Any]:
        result = updater.handler(SCHEDULED if event is None else event, lambda_context)
        json.dumps(result)  # the summary is the invocation's JSON result
        return result

    return invoke


def test_a_raised_quota_updates_only_that_alarm(run: Callable[..., dict[str, Any]], world: StandardFakes,
                                                aws_calls: Counter[str]) -> None:
    deploy()
    latency_before = alarm(LATENCY_ALARM)
    world.service_quotas.quota(RPM_CODE).value = 12_000  # an increase was approved
    aws_calls.clear()
    summary = run()
    calls = dict(aws_calls)
    assert summary["changed"] == [RPM_ALARM, PREFIX] and summary["unchanged"] == [TPM_ALARM, DAILY_ALARM]
    assert summary["thresholds"] == {"rpm": "9600", "tpm": "5000000", "daily": NEVER}
    assert "threshold 8000 -> 9600" in summary["message"]
    rpm = alarm(RPM_ALARM)
    assert rpm["Threshold"] == 9600.0
    assert rpm["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:Acme-Bedrock-Alarms-Raw-G-Opus-4-6"]
    assert (rpm["EvaluationPeriods"], rpm["DatapointsToAlarm"], rpm["TreatMissingData"]) == (2, 2, "notBreaching")
    assert [q["Id"] for q in rpm["Metrics"]] == ["m1", "total"] and rpm["Metrics"][1]["Label"] == "CombinedRPM"
    assert alarm(TPM_ALARM)["Threshold"] == 5_000_000.0
    assert alarm(LATENCY_ALARM) == latency_before
    assert (stored("rpm-threshold-calculated"), stored("tpm-threshold-calculated")) == ("9600", "5000000")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stored("last-updated"))
    assert stored("last-updated") != "2026-01-01T00:00:00Z"
    # The dashboard's RPM lines follow; the TPM graph is as it was.
    assert summary["dashboard"] == "redrawn"
    assert usage_lines(DASHBOARD) == {"Requests per minute": [OPUS_GLOBAL, "9600", "12000"],
                                      "Tokens per minute (quota usage)": [OPUS_GLOBAL, "5000000", "6250000"],
                                      "Tokens per 24 hours": [OPUS_GLOBAL]}
    # Measured: 2 quota reads, 1 describe, 1 alarm write, 2 SSM reads, 3 SSM writes, dashboard read + write.
    assert calls == {"service-quotas:GetServiceQuota": 2, "cloudwatch:DescribeAlarms": 1,
                     "cloudwatch:PutMetricAlarm": 1, "ssm:GetParameter": 2, "ssm:PutParameter": 3,
                     "cloudwatch:GetDashboard": 1, "cloudwatch:PutDashboard": 1}


def test_a_deleted_dashboard_does_not_fail_the_update(run: Callable[..., dict[str, Any]], world: StandardFakes,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    deploy()
    boto3.client("cloudwatch").delete_dashboards(DashboardNames=[DASHBOARD])
    world.service_quotas.quota(RPM_CODE).value = 12_000
    summary = run()
    assert summary["changed"] == [RPM_ALARM, PREFIX] and summary["dashboard"] == "unchanged"
    assert alarm(RPM_ALARM)["Threshold"] == 9600.0
    assert f"Redrawing the dashboard {DASHBOARD} (CloudWatch) failed" in caplog.text


@pytest.mark.parametrize("event", [None, {}, {"reason": "quota increase approved"}], ids=["schedule", "empty", "manual"])
def test_nothing_changed_writes_nothing_and_says_so(run: Callable[..., dict[str, Any]], aws_calls: Counter[str],
                                                    event: Any) -> None:
    deploy()
    aws_calls.clear()
    summary = run(event)
    assert summary["changed"] == [] and summary["unchanged"] == [RPM_ALARM, TPM_ALARM, DAILY_ALARM, PREFIX]
    assert summary["message"].startswith("Nothing changed")
    assert aws_calls["cloudwatch:PutMetricAlarm"] == 0 and aws_calls["ssm:PutParameter"] == 0
    assert aws_calls["cloudwatch:PutDashboard"] == 0 and summary["dashboard"] == "unchanged"
    assert stored("last-updated") == "2026-01-01T00:00:00Z"


def test_stale_stored_thresholds_are_rewritten_even_when_the_alarms_are_right(run: Callable[..., dict[str, Any]]) -> None:
    deploy()
    boto3.client("ssm").delete_parameter(Name=PREFIX + "tpm-threshold-calculated")
    summary = run()
    assert summary["changed"] == [PREFIX] and "alarms already up to date" in summary["message"]
    assert stored("tpm-threshold-calculated") == "5000000"


def test_a_model_without_rpm_quota_never_fires(run: Callable[..., dict[str, Any]], world: StandardFakes,
                                               monkeypatch: pytest.MonkeyPatch, aws_calls: Counter[str]) -> None:
    monkeypatch.setenv("RPM_QUOTA_CODE", "NA")
    deploy()
    summary = run()
    assert summary["thresholds"]["rpm"] == str(NEVER_FIRES_THRESHOLD)
    assert alarm(RPM_ALARM)["Threshold"] == float(NEVER_FIRES_THRESHOLD)
    assert aws_calls["service-quotas:GetServiceQuota"] == 1


def _app_world(world: StandardFakes, monkeypatch: pytest.MonkeyPatch, siblings: int) -> list[str]:
    monkeypatch.setenv("INFERENCE_PROFILE_TYPE", "Application")
    monkeypatch.setenv("BEDROCK_MODEL_ID", f"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/{APP_ID}")
    opus = world.bedrock.profiles[OPUS_GLOBAL].models
    world.bedrock.add_application_profile(APP_ID, opus)
    ids = [f"sib{i:03d}xxxxxx" for i in range(siblings)]
    for sibling in ids:
        world.bedrock.add_application_profile(sibling, list(reversed(opus)))  # same set, other order
    world.bedrock.add_application_profile("otherxxxxxxx", opus[:2])  # another model list: not a sibling
    world.bedrock.add_application_profile("llamaxxxxxxx", [model_arn("meta.llama3-1-70b-instruct-v1:0")])
    deploy(dimension=APP_ID)
    return ids


def test_application_profiles_aggregate_their_siblings(run: Callable[..., dict[str, Any]], world: StandardFakes,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    siblings = _app_world(world, monkeypatch, 2)
    summary = run()
    assert summary["profiles"] == [APP_ID, *siblings]
    assert summary["changed"] == [RPM_ALARM, TPM_ALARM, DAILY_ALARM]  # same thresholds, new metric lists
    for name in (RPM_ALARM, TPM_ALARM, DAILY_ALARM):
        metrics = alarm(name)["Metrics"]
        assert [q["Id"] for q in metrics] == ["m1", "m2", "m3", "total"]
        assert [q["MetricStat"]["Metric"]["Dimensions"][0]["Value"] for q in metrics[:3]] == [APP_ID, *siblings]
        assert metrics[-1]["Expression"] == "m1+m2+m3"
    assert run()["changed"] == []  # idempotent


def test_at_most_ten_profiles_are_aggregated_and_the_cut_is_logged(run: Callable[..., dict[str, Any]],
                                                                   world: StandardFakes,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    siblings = _app_world(world, monkeypatch, 12)
    summary = run()
    assert summary["profiles"] == [APP_ID, *siblings[:9]]
    assert alarm(RPM_ALARM)["Metrics"][-1]["Expression"] == "+".join(f"m{i}" for i in range(1, 11))
    warning = next(r for r in caplog.records if "not in the Layer 2 alarms" in r.getMessage())
    assert (warning.levelname, warning.qualifying, len(warning.aggregated)) == ("WARNING", 13, 10)


# -- Faults: logged, and the invocation fails so Lambda retries and the DLQ catch it ---------------------
@pytest.mark.parametrize(("env", "expected"), [
    ({"TPM_QUOTA_CODE": ""}, "Environment variables missing or empty: TPM_QUOTA_CODE"),
    ({"CUSTOMER_NAME": None, "BEDROCK_MODEL_ID": None}, "missing or empty: CUSTOMER_NAME, BEDROCK_MODEL_ID"),
    ({"RPM_THRESHOLD_PERCENT": "150"}, "RPM_THRESHOLD_PERCENT must be between 1 and 100"),
    ({"INFERENCE_PROFILE_TYPE": "Custom"}, "INFERENCE_PROFILE_TYPE must be System-Defined or Application"),
    ({"RPM_QUOTA_CODE": "L-00000000"}, "RPM_QUOTA_CODE L-00000000 is not an Amazon Bedrock quota"),
    ({"RPM_QUOTA_CODE": "L-00000000"}, "update the stack with the right quota code"),
    # No parameter sets the per-day code: the fix is to have the quota calculator look it up again.
    ({"DAILY_TOKEN_QUOTA_CODE": "L-00000000"}, "DAILY_TOKEN_QUOTA_CODE L-00000000 is not an Amazon Bedrock quota "
     "in this account and region: no parameter sets this code, the stack's quota calculator found it: update "
     "the stack with a changed quota parameter"),
    ({"INFERENCE_PROFILE_TYPE": "Application", "BEDROCK_MODEL_ID": "missing00000"}, "ResourceNotFoundException"),
], ids=["empty-variable", "missing-variables", "bad-percent", "bad-profile-type", "unknown-quota-code",
        "unknown-quota-code-fix", "unknown-per-day-code", "missing-profile"])
def test_bad_configuration_fails_the_invocation(updater: ModuleType, run: Callable[..., dict[str, Any]],
                                                monkeypatch: pytest.MonkeyPatch, env: dict[str, str | None],
                                                expected: str, caplog: pytest.LogCaptureFixture) -> None:
    deploy()
    for key, value in env.items():
        if value is None:
            monkeypatch.delenv(key)
        else:
            monkeypatch.setenv(key, value)
    with pytest.raises(updater.UpdateFailed, match=re.escape(expected)):
        run()
    failure = next(r for r in caplog.records if r.getMessage() == "Alarm update failed")
    assert failure.levelname == "ERROR" and expected in failure.reason
    assert alarm(RPM_ALARM)["Threshold"] == 8000.0


@pytest.mark.parametrize(("service", "operation", "code", "expected"), [
    ("service-quotas", "GetServiceQuota", "TooManyRequestsException", "throttled the call past the retries"),
    ("cloudwatch", "DescribeAlarms", "Throttling", "retry in a few minutes"),
    ("cloudwatch", "PutMetricAlarm", "LimitExceeded", "Updating the Layer 2 alarms"),
    ("ssm", "PutParameter", "InternalServerError", "Recording the thresholds in SSM"),
], ids=["quotas-throttled", "alarms-throttled", "alarm-write-fails", "ssm-write-fails"])
def test_aws_faults_fail_the_invocation(updater: ModuleType, run: Callable[..., dict[str, Any]],
                                        world: StandardFakes, fault: Any, service: str, operation: str,
                                        code: str, expected: str) -> None:
    deploy()
    world.service_quotas.quota(TPM_CODE).value = 7_000_000
    fault.fail(service, operation, code, times=None)
    with pytest.raises(updater.UpdateFailed, match=expected):
        run()
    fault.clear()
    assert run()["thresholds"]["tpm"] == "5600000"  # the retry converges


def test_a_missing_alarm_fails_the_invocation(updater: ModuleType, run: Callable[..., dict[str, Any]]) -> None:
    deploy()
    boto3.client("cloudwatch").delete_alarms(AlarmNames=[TPM_ALARM])
    with pytest.raises(updater.UpdateFailed, match=f"Alarms not found: {TPM_ALARM}"):
        run()


def test_an_alarm_rewritten_outside_the_stack_fails_the_invocation(updater: ModuleType,
                                                                   run: Callable[..., dict[str, Any]]) -> None:
    deploy()
    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName=RPM_ALARM, MetricName="Invocations", Namespace="AWS/Bedrock", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    with pytest.raises(updater.UpdateFailed, match="changed outside the stack"):
        run()


# -- The per-day token quota (issue 12) ----------------------------------------------------------------
def test_the_per_day_alarm_and_lines_follow_the_per_day_quota(run: Callable[..., dict[str, Any]],
                                                              world: StandardFakes, monkeypatch: pytest.MonkeyPatch,
                                                              aws_calls: Counter[str]) -> None:
    monkeypatch.setenv("DAILY_TOKEN_QUOTA_CODE", DAILY_CODE)
    deploy(daily="1800000000")  # 80 % of 2,250,000,000, as the quota calculator set it
    assert run()["changed"] == []  # in step: nothing written
    world.service_quotas.quota(DAILY_CODE).value = 3_000_000_000  # a per-day increase was approved
    aws_calls.clear()
    summary = run()
    assert summary["changed"] == [DAILY_ALARM] and summary["unchanged"] == [RPM_ALARM, TPM_ALARM, PREFIX]
    assert summary["thresholds"]["daily"] == "2400000000" and summary["quotas"]["daily"] == 3_000_000_000
    daily = alarm(DAILY_ALARM)
    assert daily["Threshold"] == 2_400_000_000.0 and daily["Metrics"][0]["MetricStat"]["Period"] == 86_400
    assert alarm(RPM_ALARM)["Threshold"] == 8000.0 and alarm(TPM_ALARM)["Threshold"] == 5_000_000.0
    assert usage_lines(DASHBOARD)["Tokens per 24 hours"] == [OPUS_GLOBAL, "2400000000", "3000000000"]
    assert aws_calls["service-quotas:GetServiceQuota"] == 3 and aws_calls["cloudwatch:PutMetricAlarm"] == 1


def test_without_a_per_day_quota_the_per_day_alarm_never_fires(run: Callable[..., dict[str, Any]],
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               aws_calls: Counter[str]) -> None:
    # The stack said the model has a per-day quota; the code is now NA (a stack update found none).
    monkeypatch.setenv("DAILY_TOKEN_QUOTA_CODE", "NA")
    deploy(daily="1800000000")
    summary = run()
    assert summary["changed"] == [DAILY_ALARM] and summary["thresholds"]["daily"] == NEVER
    assert alarm(DAILY_ALARM)["Threshold"] == float(NEVER_FIRES_THRESHOLD)
    assert usage_lines(DASHBOARD)["Tokens per 24 hours"] == [OPUS_GLOBAL]  # no line at 10^15
    assert aws_calls["service-quotas:GetServiceQuota"] == 2  # NA is never looked up
