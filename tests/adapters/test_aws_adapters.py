"""The AWS adapters against moto + the fakes: pagination, what is written back, what is left alone."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest

from ops_alert.names import StackNames
from ops_alert.thresholds import NEVER_FIRES_THRESHOLD, Thresholds
from ops_alert_aws import inference_profiles, layer2_alarms, quota_catalogue, subscriptions, threshold_store
from tests.fakes import StandardFakes, bedrock_quota_catalogue, model_arn

NAMES = StackNames("Acme", "G-Opus-4-6")
TOPIC = "arn:aws:sns:us-east-1:123456789012:Acme-Bedrock-Alarms-Formatted-G-Opus-4-6"


# -- Service Quotas ---------------------------------------------------------------------------
def test_the_quota_list_reads_every_page(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    aws.service_quotas.add_quotas(bedrock_quota_catalogue())
    listed = quota_catalogue.list_bedrock_quotas()
    assert len(listed) == len(aws.service_quotas.quotas) > 200
    assert aws_calls["service-quotas:ListServiceQuotas"] == -(-len(listed) // quota_catalogue.PAGE_SIZE)
    opus = next(q for q in listed if q.code == "L-3DCCFAA4")
    assert (opus.value, opus.adjustable) == (6_250_000.0, True)
    assert "Claude Opus 4.6" in opus.name


def test_one_quota_by_code(aws: StandardFakes) -> None:
    aws.service_quotas.add_quota("L-3DD46812", "Global cross-region model inference requests per minute for "
                                 "Anthropic Claude Opus 4.6 V1", 10_000)
    assert quota_catalogue.get_bedrock_quota("L-3DD46812").value == 10_000.0


OPUS_RPM = "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1"


def test_a_quota_with_only_its_default_value_is_still_found(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    """ListServiceQuotas/GetServiceQuota omit quotas that were never applied; the default value counts."""
    aws.service_quotas.add_quota("L-3DD46812", OPUS_RPM, 10_000, applied=False)
    aws.service_quotas.add_quota("L-3DCCFAA4", OPUS_RPM.replace("requests", "tokens"), 6_250_000)
    listed = {q.code: q.value for q in quota_catalogue.list_bedrock_quotas(("L-3DD46812", "L-3DCCFAA4", "NA"))}
    assert listed == {"L-3DD46812": 10_000.0, "L-3DCCFAA4": 6_250_000.0}
    # one default lookup, only for the code the applied list lacked (none for "NA" or listed codes)
    assert aws_calls["service-quotas:GetAWSDefaultServiceQuota"] == 1
    assert quota_catalogue.get_bedrock_quota("L-3DD46812").value == 10_000.0


def test_a_code_that_exists_nowhere_stays_unknown(aws: StandardFakes) -> None:
    assert quota_catalogue.list_bedrock_quotas(("L-00000000",)) == []
    with pytest.raises(Exception) as err:
        quota_catalogue.get_bedrock_quota("L-00000000")
    assert "NoSuchResourceException" in str(err.value)


def test_no_default_lookup_when_every_code_is_applied(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    aws.service_quotas.add_quota("L-3DD46812", OPUS_RPM, 10_000)
    quota_catalogue.list_bedrock_quotas(("L-3DD46812",))
    quota_catalogue.get_bedrock_quota("L-3DD46812")
    assert aws_calls["service-quotas:GetAWSDefaultServiceQuota"] == 0


# -- Bedrock inference profiles -----------------------------------------------------------------
def test_profiles_of_one_type_read_every_page(aws: StandardFakes, aws_calls: Counter[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inference_profiles, "PAGE_SIZE", 2)
    aws.bedrock.add_system_catalogue()
    for i in range(5):
        aws.bedrock.add_application_profile(f"app{i:09d}", [model_arn("anthropic.claude-opus-4-6-v1")])
    apps = inference_profiles.list_inference_profiles("APPLICATION")
    assert sorted(p.profile_id for p in apps) == [f"app{i:09d}" for i in range(5)]
    assert aws_calls["bedrock:ListInferenceProfiles"] == 3
    system = inference_profiles.list_inference_profiles("SYSTEM_DEFINED")
    assert {p.type for p in system} == {"SYSTEM_DEFINED"} and len(system) == 9


def test_a_profile_carries_its_models(aws: StandardFakes) -> None:
    aws.bedrock.add_application_profile("abc123", [model_arn("meta.llama3-1-70b-instruct-v1:0")], status="ACTIVE")
    profile = inference_profiles.get_inference_profile("abc123")
    assert (profile.type, profile.status) == ("APPLICATION", "ACTIVE")
    assert profile.model_arns == (model_arn("meta.llama3-1-70b-instruct-v1:0"),)
    assert profile.arn.endswith(":application-inference-profile/abc123")


def test_listing_rejects_an_unknown_type() -> None:
    with pytest.raises(ValueError, match="SYSTEM_DEFINED or APPLICATION"):
        inference_profiles.list_inference_profiles("CUSTOM")


def test_siblings_are_every_active_application_profile_on_the_same_models(
    aws: StandardFakes, aws_calls: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inference_profiles, "PAGE_SIZE", 5)  # 15 profiles: three pages
    opus = [model_arn("anthropic.claude-opus-4-6-v1", r) for r in ("us-east-1", "us-east-2", "us-west-2")]
    aws.bedrock.add_application_profile("mine0000000a", opus)
    twelve = [f"sib{i:09d}" for i in range(12)]
    for sibling in twelve:
        aws.bedrock.add_application_profile(sibling, list(reversed(opus)))  # same set, other order
    aws.bedrock.add_application_profile("subset000000", opus[:2])  # another model list
    aws.bedrock.add_application_profile("llama0000000", [model_arn("meta.llama3-1-70b-instruct-v1:0")])

    siblings = inference_profiles.application_siblings(
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/mine0000000a")

    assert siblings.profile_ids == ("mine0000000a", *twelve)  # all thirteen, not ten
    assert siblings.alarm_profile_ids == ("mine0000000a", *twelve[:9])
    assert (aws_calls["bedrock:GetInferenceProfile"], aws_calls["bedrock:ListInferenceProfiles"]) == (1, 3)


@pytest.mark.parametrize(
    ("identifier", "error"),
    [("missing00000", "ResourceNotFoundException"), ("global.anthropic.claude-opus-4-6-v1", "not APPLICATION"),
     ("arn:aws:s3:::bucket/key", "not an inference profile ARN")],
    ids=["unknown-profile", "system-defined-profile", "not-a-profile-arn"],
)
def test_siblings_of_a_profile_the_stack_cannot_monitor_fail_clearly(
    aws: StandardFakes, identifier: str, error: str
) -> None:
    aws.bedrock.add_system_catalogue()
    with pytest.raises(Exception, match=error):
        inference_profiles.application_siblings(identifier)


# -- SSM ----------------------------------------------------------------------------------------
def test_thresholds_are_written_read_and_deleted(aws: StandardFakes) -> None:
    ssm = boto3.client("ssm")
    stamp = threshold_store.write_thresholds(NAMES, Thresholds(rpm=None, tpm=5_000_000),
                                             datetime(2026, 1, 31, 9, 15, 0, 999, tzinfo=timezone.utc))
    threshold_store.write_display_model_id(NAMES, "global.anthropic.claude-opus-4-6-v1")
    assert stamp == "2026-01-31T09:15:00Z"
    stored = threshold_store.read_thresholds(NAMES)
    assert (stored.rpm, stored.tpm) == (str(NEVER_FIRES_THRESHOLD), "5000000")
    assert ssm.get_parameter(Name=NAMES.thresholds_updated_parameter)["Parameter"]["Value"] == stamp
    deleted = threshold_store.delete_written_parameters(NAMES)
    assert sorted(deleted) == sorted(threshold_store.written_parameters(NAMES))
    assert threshold_store.read_thresholds(NAMES) == threshold_store.StoredThresholds(None, None)
    # Deleting again is fine: nothing left.
    assert threshold_store.delete_written_parameters(NAMES) == ()


def test_the_timestamp_is_utc() -> None:
    from datetime import timedelta

    local = datetime(2026, 1, 31, 10, 15, tzinfo=timezone(timedelta(hours=1)))
    assert threshold_store.utc_timestamp(local) == "2026-01-31T09:15:00Z"


# -- SNS ----------------------------------------------------------------------------------------
def test_email_subscriptions_are_listed_across_pages(aws: StandardFakes) -> None:
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    for i in range(130):  # SNS pages at 100
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=f"user{i}@example.com")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:q")
    subs = subscriptions.list_email_subscriptions(topic)
    assert len(subs) == 130 and all(not s.pending for s in subs)
    subscriptions.unsubscribe(subs[0].arn)
    assert len(subscriptions.list_email_subscriptions(topic)) == 129


@pytest.mark.parametrize(("arn", "pending"), [
    ("PendingConfirmation", True), ("pending confirmation", True), ("", True),
    ("arn:aws:sns:us-east-1:123456789012:t:1f2e", False)], ids=["pending", "old-spelling", "blank", "confirmed"])
def test_pending_subscriptions_are_recognised(arn: str, pending: bool) -> None:
    assert subscriptions.Subscription("a@example.com", arn).pending is pending


# -- CloudWatch Layer 2 alarms ----------------------------------------------------------------------
ALARM = "Acme-Bedrock-HighInvocationRate-Warning-G-Opus-4-6"


def layer2_alarm(**overrides: Any) -> dict[str, Any]:
    """PutMetricAlarm arguments shaped like the template's Layer 2 alarm, plus every optional setting."""
    settings: dict[str, Any] = dict(
        AlarmName=ALARM,
        AlarmDescription="Layer 2: requests per minute above 80 % of the RPM quota",
        ActionsEnabled=False,
        AlarmActions=["arn:aws:sns:us-east-1:123456789012:alarm-topic"],
        OKActions=["arn:aws:sns:us-east-1:123456789012:ok-topic"],
        InsufficientDataActions=["arn:aws:sns:us-east-1:123456789012:data-topic"],
        EvaluationPeriods=3,
        DatapointsToAlarm=2,
        ComparisonOperator="GreaterThanThreshold",
        Threshold=8000.0,
        TreatMissingData="notBreaching",
        Metrics=[
            {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/Bedrock", "MetricName": "Invocations",
                                                   "Dimensions": [{"Name": "ModelId", "Value": "app1"}]},
                                        "Period": 60, "Stat": "Sum"}, "ReturnData": False},
            {"Id": "total", "Expression": "m1", "Label": "CombinedRPM", "ReturnData": True},
        ],
        Tags=[{"Key": "team", "Value": "sre"}],
    )
    settings.update(overrides)
    return settings


def describe(name: str = ALARM) -> dict[str, Any]:
    return layer2_alarms.describe_metric_alarms([name])[name]


def test_an_update_changes_only_threshold_and_metrics(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    cw = boto3.client("cloudwatch")
    cw.put_metric_alarm(**layer2_alarm())
    before = describe()
    update = layer2_alarms.update_alarm(before, 9600, ["app1", "app2", "app3"])
    after = describe()
    assert update.changed and update.threshold_changed and update.metrics_changed
    assert (update.old_threshold, update.new_threshold) == (8000.0, 9600)
    assert (update.old_profiles, update.new_profiles) == (("app1",), ("app1", "app2", "app3"))
    assert after["Threshold"] == 9600.0
    assert [q["Id"] for q in after["Metrics"]] == ["m1", "m2", "m3", "total"]
    assert layer2_alarms.aggregated_profiles(after) == ("app1", "app2", "app3")
    total = after["Metrics"][-1]
    assert (total["Expression"], total["Label"], total["ReturnData"]) == ("m1+m2+m3", "CombinedRPM", True)
    for query in after["Metrics"][:-1]:
        assert (query["MetricStat"]["Period"], query["MetricStat"]["Stat"], query["ReturnData"]) == (60, "Sum", False)
        assert query["MetricStat"]["Metric"]["MetricName"] == "Invocations"
    ignored = {"Threshold", "Metrics", "AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp",
               "StateReason", "StateReasonData", "StateValue", "StateTransitionedTimestamp"}
    assert {k: v for k, v in after.items() if k not in ignored} == {k: v for k, v in before.items() if k not in ignored}
    assert cw.list_tags_for_resource(ResourceARN=after["AlarmArn"])["Tags"] == [{"Key": "team", "Value": "sre"}]
    assert aws_calls["cloudwatch:PutMetricAlarm"] == 2  # the test's own create + one update


def test_nothing_is_written_when_nothing_differs(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    boto3.client("cloudwatch").put_metric_alarm(**layer2_alarm())
    update = layer2_alarms.update_alarm(describe(), 8000, ["app1"])
    assert not update.changed
    assert aws_calls["cloudwatch:PutMetricAlarm"] == 1


def test_fewer_siblings_shrink_the_expression(aws: StandardFakes) -> None:
    boto3.client("cloudwatch").put_metric_alarm(**layer2_alarm())
    layer2_alarms.update_alarm(describe(), 8000, ["app1", "app2"])
    layer2_alarms.update_alarm(describe(), 8000, ["app1"])
    after = describe()
    assert [q["Id"] for q in after["Metrics"]] == ["m1", "total"] and after["Metrics"][-1]["Expression"] == "m1"


@pytest.mark.parametrize("metrics", [
    None,
    [{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/Bedrock", "MetricName": "Invocations"},
                                 "Period": 60, "Stat": "Sum"}, "ReturnData": True}],
], ids=["single-metric-alarm", "no-expression"])
def test_an_alarm_changed_outside_the_stack_is_refused(aws: StandardFakes, metrics: Any) -> None:
    settings = layer2_alarm(Metrics=metrics)
    if metrics is None:
        del settings["Metrics"]
        settings.update(MetricName="Invocations", Namespace="AWS/Bedrock", Statistic="Sum", Period=60)
    boto3.client("cloudwatch").put_metric_alarm(**settings)
    with pytest.raises(layer2_alarms.AlarmShapeError, match="changed outside the stack"):
        layer2_alarms.update_alarm(describe(), 9000, ["app1"])


def test_describe_returns_only_existing_alarms(aws: StandardFakes) -> None:
    assert layer2_alarms.describe_metric_alarms(["nope"]) == {}
