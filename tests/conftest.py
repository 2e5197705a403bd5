"""Shared fixtures: AWS (moto + tests/fakes), call counting, faults, custom resources, Lambda context.

The logic lives in tests/fakes; fixtures here only wire it up.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import botocore.endpoint
import botocore.loaders
import botocore.session
import moto.core.botocore_stubber
import moto.sns.models
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

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
from tests.fakes.core import FakeAws, FaultInjector

# -- botocore service models ---------------------------------------------------------------------
# Every boto3 client made in a fresh session (each test, each packaged handler load) would parse the
# service's JSON model again: most of a functional test's time. The model files never change during
# a run, so all sessions share one Loader per search path (its instance cache holds the parsed models,
# exactly what boto3's default session already shares between its clients).
_create_loader = botocore.loaders.create_loader
_loaders: dict[str | None, botocore.loaders.Loader] = {}


def _shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    if search_path_string not in _loaders:
        _loaders[search_path_string] = _create_loader(search_path_string)
    return _loaders[search_path_string]


botocore.session.create_loader = _shared_loader

# moto signs every SNS delivery with a fresh 2048-bit RSA key per subscription (~0.1 s each); the
# signature is not what the tests check, so one key per test process serves every subscription.
_SNS_SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
moto.sns.models.Subscription.private_key = lambda self: _SNS_SIGNING_KEY  # type: ignore[method-assign]


# -- coverage ------------------------------------------------------------------------------------
# Coverage is measured over functions/ by the tests of functions/: the decision module (tests/unit),
# the adapters (tests/adapters) and the handlers as packaged (tests/functional). The tests of the
# rest (template, build, fleet, deploy, the operator CLIs, the fakes) run without the coverage
# tracer: on Python 3.11 it is called for every function call, which more than doubles the CPU time
# of call-heavy code such as troposphere, cfn-lint and moto.
_MEASURED = ("tests/unit/", "tests/adapters/", "tests/functional/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if not item.nodeid.startswith(_MEASURED):
            item.add_marker(pytest.mark.no_cover)


@contextlib.contextmanager
def _coverage_paused(item: pytest.Item) -> Iterator[None]:
    """pytest-cov pauses coverage for a ``no_cover`` test's call only; its fixtures (a moto server,
    rendering and linting the template, a fleet of fake stacks) are most of such a test's work, so
    they run untraced too. Measured: tests/fleet and tests/template took 1.5x their CPU time under
    --cov while only their calls were paused."""
    plugin = item.config.pluginmanager.get_plugin("_cov")
    controller = getattr(plugin, "cov_controller", None)
    if controller is None or item.get_closest_marker("no_cover") is None:
        yield
        return
    controller.pause()
    try:
        yield
    finally:
        controller.resume()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _coverage_paused(item):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    with _coverage_paused(item):
        yield


def _untraced(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` run with this thread's tracer (coverage's) off, and back on when it returns.

    For moto and the fakes answering an AWS call, the SDK building and signing the request, and the
    SDK's client construction: no code of functions/ runs inside them (response parsing stays
    traced: ops_alert_aws.clients puts its raw timestamp parser there), yet they make most of the
    Python calls of a functional test (counted with a profiler over the processor's: moto and the
    fakes 33 %, creating clients 24 %), and on Python 3.11 the tracer slows each one. Coverage's
    tracer is made to be re-installed with sys.settrace, as debuggers do; without coverage the
    tracer is None and nothing changes.
    """

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        tracer = sys.gettrace()
        if tracer is None:
            return function(*args, **kwargs)
        sys.settrace(None)
        try:
            return function(*args, **kwargs)
        finally:
            sys.settrace(tracer)

    return run


moto.core.botocore_stubber.BotocoreStubber.__call__ = _untraced(  # type: ignore[method-assign]
    moto.core.botocore_stubber.BotocoreStubber.__call__)
FakeAws.handle = _untraced(FakeAws.handle)  # type: ignore[method-assign]
botocore.endpoint.Endpoint.create_request = _untraced(botocore.endpoint.Endpoint.create_request)  # type: ignore[method-assign]
botocore.session.Session.create_client = _untraced(botocore.session.Session.create_client)  # type: ignore[method-assign]


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
