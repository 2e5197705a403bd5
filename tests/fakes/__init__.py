"""Stateful fakes for the AWS APIs moto 5.2.1 lacks, routed through botocore's event system.

Entry point: `with fake_aws() as aws:` (the `aws` fixture in tests/conftest.py does this). Inside,
every boto3/botocore client created meanwhile is answered by:
- `aws.support` (FakeSupport), `aws.service_quotas` (FakeServiceQuotas, linked to support),
  `aws.bedrock` (FakeBedrock), `aws.cloudwatch` (FakeCloudWatchExtras: composite alarms, anomaly
  detectors), `aws.metrics` (FakeMetrics: PutMetricData/GetMetricData) for their operations;
- moto's `mock_aws` for everything else (SSM, Secrets Manager, SNS, metric alarms, IAM, KMS, ...).
`aws.calls` counts every call ("service:Operation"), `aws.fault.fail(...)` injects errors into any
operation, and each fake lists the calls it served in `.calls` / `.count(op)` / `.params(op)`.
Requests are validated against botocore's model (client- and server-side constraints); fake
responses are checked against the output shape (strict mode, on by default).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from moto import mock_aws

from tests.fakes.bedrock import FakeBedrock, model_arn
from tests.fakes.cfn import CfnResponse, CfnResponseServer, custom_resource_event
from tests.fakes.cloudwatch import FakeCloudWatchExtras, FakeMetrics
from tests.fakes.core import ACCOUNT_ID, PASS, REGION, AwsError, Call, Fake, FakeAws, FakeDriftError, api
from tests.fakes.lambda_context import FakeLambdaContext
from tests.fakes.service_quotas import MANTLE_MARKER, FakeServiceQuotas, Quota, bedrock_quota_catalogue
from tests.fakes.support import FakeSupport

__all__ = [
    "ACCOUNT_ID",
    "FAKE_ENV",
    "MANTLE_MARKER",
    "PASS",
    "REGION",
    "AwsError",
    "Call",
    "CfnResponse",
    "CfnResponseServer",
    "Fake",
    "FakeAws",
    "FakeBedrock",
    "FakeCloudWatchExtras",
    "FakeDriftError",
    "FakeLambdaContext",
    "FakeMetrics",
    "FakeServiceQuotas",
    "FakeSupport",
    "Quota",
    "StandardFakes",
    "api",
    "bedrock_quota_catalogue",
    "custom_resource_event",
    "fake_aws",
    "model_arn",
]

#: Environment that keeps boto3 away from real credentials and config files.
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


class StandardFakes(FakeAws):
    """The hub with every fake of this package installed; Service Quotas opens cases in Support."""

    def __init__(self, *, strict: bool = True) -> None:
        super().__init__(strict=strict)
        self.support = FakeSupport()
        self.service_quotas = FakeServiceQuotas(support=self.support)
        self.bedrock = FakeBedrock()
        self.cloudwatch = FakeCloudWatchExtras()
        self.metrics = FakeMetrics()
        for fake in (self.support, self.service_quotas, self.bedrock, self.cloudwatch, self.metrics):
            self.add(fake)


@contextlib.contextmanager
def fake_aws(*, strict: bool = True) -> Iterator[StandardFakes]:
    """Install the fakes, then start moto (which resets boto3's default session so new clients
    pick up the dispatcher). Set FAKE_ENV first (the `aws` fixture does)."""
    hub = StandardFakes(strict=strict)
    with hub, mock_aws():
        yield hub
