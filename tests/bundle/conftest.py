"""The zips as `make package` builds them for the runtime interpreter, and extracted as Lambda does."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bundle.artifacts import LAYER_NAME, Artifact, build_artifacts
from bundle.runtime_python import RuntimePython
from tests.runtime_site import required_runtime


def extract(artifacts: list[Artifact], root: Path) -> Path:
    """As Lambda does: each function's zip in its own task directory, the layer under opt/."""
    for artifact in artifacts:
        target = root / "opt" if artifact.name == LAYER_NAME else root / "task" / artifact.name
        zipfile.ZipFile(io.BytesIO(artifact.content)).extractall(target)
    return root


@pytest.fixture(scope="module")
def runtime() -> RuntimePython:
    """The runtime interpreter `make package` installed (skipped without one, a failure in CI)."""
    return required_runtime()


@pytest.fixture(scope="module")
def artifacts(runtime: RuntimePython) -> list[Artifact]:
    return build_artifacts(runtime)


@pytest.fixture(scope="module")
def extracted(artifacts: list[Artifact], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return extract(artifacts, tmp_path_factory.mktemp("lambda"))
