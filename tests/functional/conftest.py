"""Fixtures for the end-to-end handler tests."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

from tests.functional.packaged import PackagedFunctions


@pytest.fixture(scope="session")
def packaged_functions(tmp_path_factory: pytest.TempPathFactory) -> PackagedFunctions:
    return PackagedFunctions(tmp_path_factory.mktemp("lambda"))


@pytest.fixture
def load_handler(packaged_functions: PackagedFunctions) -> Iterator[Callable[[str], ModuleType]]:
    """``load_handler("quota_calculator").handler(event, context)`` runs the packaged code."""
    yield packaged_functions.load
    packaged_functions.restore()
