"""Fixtures for the end-to-end handler tests."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.fakes import StandardFakes
from tests.functional.packaged import PackagedFunctions
from tests.functional.processor_world import ProcessorWorld, purge_processor_modules


@pytest.fixture(scope="session")
def packaged_functions(tmp_path_factory: pytest.TempPathFactory) -> PackagedFunctions:
    return PackagedFunctions(tmp_path_factory.mktemp("lambda"))


@pytest.fixture
def load_handler(packaged_functions: PackagedFunctions) -> Iterator[Callable[[str], ModuleType]]:
    """``load_handler("quota_calculator").handler(event, context)`` runs the packaged code."""
    yield packaged_functions.load
    packaged_functions.restore()


@pytest.fixture
def world(aws: StandardFakes, monkeypatch: pytest.MonkeyPatch) -> ProcessorWorld:
    """The notification processor's stack, deployed in moto + fakes, its environment set."""
    w = ProcessorWorld(aws)
    for key, value in w.deploy().items():
        monkeypatch.setenv(key, value)
    return w


@pytest.fixture
def processor(load_handler: Callable[[str], ModuleType], world: ProcessorWorld) -> Iterator[Any]:
    """The packaged handler module, with fresh boto3 clients bound to this test's fakes."""
    purge_processor_modules()
    module = load_handler("notification_processor")
    sys.modules["ops_alert_aws.clients"].reset()
    yield module
    purge_processor_modules()
