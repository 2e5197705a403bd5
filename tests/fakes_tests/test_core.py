"""The routing layer: interception for every client, counting, faults, validation, strict mode."""

from __future__ import annotations

import boto3
import botocore.handlers
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from tests.fakes import AwsError, Fake, FakeAws, FakeDriftError, api
from tests.fakes.core import _DISPATCHER


def test_clients_created_any_way_reach_the_fakes(support):
    clients = [
        boto3.client("support", region_name="us-east-1"),
        boto3.Session().client("support", region_name="eu-west-1"),
        boto3.session.Session(region_name="us-west-2").client("support"),
    ]
    for client in clients:
        client.create_case(subject="s", communicationBody="b")
    assert support.count("CreateCase") == 3
    assert [c.region for c in support.calls] == ["us-east-1", "eu-west-1", "us-west-2"]


def test_aws_calls_counts_fakes_and_moto(aws_calls):
    boto3.client("ssm").put_parameter(Name="/p", Value="v", Type="String")
    boto3.client("ssm").get_parameter(Name="/p")
    boto3.client("support").describe_severity_levels()
    assert aws_calls == {"ssm:PutParameter": 1, "ssm:GetParameter": 1, "support:DescribeSeverityLevels": 1}


def test_fake_records_params_as_called(support):
    boto3.client("support").create_case(subject="S", communicationBody="B", severityCode="normal")
    assert support.params("CreateCase") == [{"subject": "S", "communicationBody": "B", "severityCode": "normal"}]


@pytest.mark.parametrize(
    ("service", "operation", "call", "code", "status"),
    [
        ("cloudwatch", "GetMetricData", lambda c: c.get_metric_data(
            MetricDataQueries=[{"Id": "e", "Expression": "1"}],
            StartTime="2026-01-01T00:00:00Z", EndTime="2026-01-01T01:00:00Z"), "Throttling", 400),
        ("sns", "Publish", lambda c: c.publish(TopicArn="arn:aws:sns:us-east-1:123456789012:t", Message="m"),
         "InternalError", 500),
        ("support", "DescribeSeverityLevels", lambda c: c.describe_severity_levels(), "ThrottlingException", 400),
        ("ssm", "GetParameter", lambda c: c.get_parameter(Name="/x"), "ServiceUnavailable", 503),
    ],
    ids=["moto-cloudwatch-throttle", "moto-sns-5xx", "fake-support-throttle", "moto-ssm-503"],
)
def test_fault_fails_next_call_then_clears(aws, fault, service, operation, call, code, status):
    client = boto3.client(service, config=Config(retries={"max_attempts": 1}))
    if service == "sns":
        client.create_topic(Name="t")
    if service == "ssm":
        client.put_parameter(Name="/x", Value="v", Type="String")
    fault.fail(service, operation, code, status=status)
    with pytest.raises(ClientError) as raised:
        call(client)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    call(client)  # only one call was faulted
    assert aws.calls[f"{service}:{operation}"] == 2


def test_fault_times_and_unlimited(aws, fault):
    client = boto3.client("support")
    fault.fail("support", "DescribeSeverityLevels", times=2)
    assert fault.pending("support", "DescribeSeverityLevels") == 2
    for _ in range(2):
        with pytest.raises(ClientError):
            client.describe_severity_levels()
    client.describe_severity_levels()
    fault.fail("support", "DescribeSeverityLevels", times=None)
    for _ in range(3):
        with pytest.raises(ClientError):
            client.describe_severity_levels()
    fault.clear()
    client.describe_severity_levels()


def test_fault_raises_the_modeled_exception_class(aws, fault):
    client = boto3.client("service-quotas")
    fault.fail("service-quotas", "ListServiceQuotas", "TooManyRequestsException")
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.list_service_quotas(ServiceCode="bedrock")


def test_botocore_rejects_below_minimum_before_the_fake(support):
    with pytest.raises(ParamValidationError):
        boto3.client("support").describe_cases(maxResults=5)
    assert support.count() == 0


def test_server_side_validation_when_client_validation_is_off(support):
    client = boto3.client("support", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as raised:
        client.describe_cases(maxResults=5)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_server_side_validation_rejects_unknown_enum(aws):
    client = boto3.client("bedrock")
    with pytest.raises(ClientError) as raised:
        client.list_inference_profiles(typeEquals="CUSTOM")
    assert "enum value set" in raised.value.response["Error"]["Message"]


class _Drifting(Fake):
    service = "support"

    @api
    def DescribeSeverityLevels(self, params):
        return {"severityLevels": [{"code": "low", "label": "not a real member"}]}

    @api
    def ResolveCase(self, params):
        raise AwsError("NoSuchThingException", "not in the model")


@pytest.mark.parametrize(
    "call",
    [lambda c: c.describe_severity_levels(), lambda c: c.resolve_case(caseId="x")],
    ids=["unknown-response-member", "unmodeled-error-code"],
)
def test_strict_mode_catches_fakes_that_drift_from_the_model(monkeypatch, call):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with FakeAws([_Drifting()]), pytest.raises(FakeDriftError):
        call(boto3.session.Session().client("support", region_name="us-east-1"))


def test_uninstall_restores_builtin_handlers(monkeypatch):
    before = list(botocore.handlers.BUILTIN_HANDLERS)
    with FakeAws():
        assert len(botocore.handlers.BUILTIN_HANDLERS) == len(before) + 2
    assert before == botocore.handlers.BUILTIN_HANDLERS
    assert _DISPATCHER.active is None
