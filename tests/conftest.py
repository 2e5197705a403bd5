"""Shared fixtures: AWS (moto + tests/fakes), call counting, faults, custom resources, Lambda context.

The logic lives in tests/fakes; fixtures here only wire it up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from tests.fakes import (
    FAKE_ENV,
    CfnResponseServer,
    FakeBedrock,
    FakeCloudWatchExtras,
    FakeLambdaContext,
    FakeMetrics,
    FakeServiceQuotas,
    FakeSupport,
    StandardFakes,
    fake_aws,
)
from tests.fakes.core import FaultInjector


# -- AWS -----------------------------------------------------------------------------------------
@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandardFakes]:
    """Fake credentials and region, moto's mock_aws and the fakes, all active for one test."""
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    with fake_aws() as hub:
        yield hub


@pytest.fixture
def support(aws: StandardFakes) -> FakeSupport:
    return aws.support


@pytest.fixture
def service_quotas(aws: StandardFakes) -> FakeServiceQuotas:
    return aws.service_quotas


@pytest.fixture
def bedrock(aws: StandardFakes) -> FakeBedrock:
    return aws.bedrock


@pytest.fixture
def cloudwatch_extras(aws: StandardFakes) -> FakeCloudWatchExtras:
    return aws.cloudwatch


@pytest.fixture
def metrics(aws: StandardFakes) -> FakeMetrics:
    return aws.metrics


@pytest.fixture
def aws_calls(aws: StandardFakes) -> Counter[str]:
    """Every AWS call made so far in the test, fakes and moto alike: Counter of "service:Operation"."""
    return aws.calls


@pytest.fixture
def fault(aws: StandardFakes) -> FaultInjector:
    """`fault.fail(service, operation, code, status=400, times=1)` makes the next calls fail."""
    return aws.fault


# -- Lambda runtime ------------------------------------------------------------------------------
@pytest.fixture
def cfn_responses() -> Iterator[CfnResponseServer]:
    """Local ResponseURL endpoint: `.url`, `.event(...)`, `.responses`, `.last`."""
    with CfnResponseServer() as server:
        yield server


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()
