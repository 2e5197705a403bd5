"""The clients' service models: the layer's subset where the runtime's botocore has the very model
files it was made from, botocore's full model everywhere else (ops_alert_aws.model_subsets)."""
from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.loaders
import botocore.session
import pytest

from bundle.service_models import layer_entries
from ops_alert_aws import clients, model_subsets
from ops_alert_aws.api_operations import OPERATIONS


def _full_operations(service: str) -> list[str]:
    return list(botocore.session.get_session().get_service_model(service).operation_names)


def _subset_operations(service: str) -> list[str]:
    model = botocore.session.get_session().get_service_model(service)
    discovery = {n for n in model.operation_names if model.operation_model(n).is_endpoint_discovery_operation}
    return sorted(OPERATIONS[service] | discovery)


def _operations(service: str) -> list[str]:
    return list(clients.client(service).meta.service_model.operation_names)


@pytest.fixture
def subsets(aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The layer's service_models directory, as the build writes it, where clients looks for it."""
    directory = tmp_path / "service_models"
    directory.mkdir()
    for name, content in layer_entries().items():
        (directory / name.rsplit("/", 1)[-1]).write_bytes(content)
    monkeypatch.setattr(clients, "SERVICE_MODELS", str(directory))
    clients.reset()
    return directory


def _edit_manifest(directory: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads((directory / "manifest.json").read_text())
    edit(manifest)
    (directory / "manifest.json").write_text(json.dumps(manifest))


def test_without_the_layers_models_the_session_loads_botocores_as_before(aws: Any) -> None:
    assert not Path(clients.SERVICE_MODELS).exists()  # the source tree has none
    assert type(clients.session().get_component("data_loader")) is botocore.loaders.Loader
    assert _operations("ssm") == _full_operations("ssm")


@pytest.mark.parametrize("service", sorted(OPERATIONS))
def test_a_service_whose_model_files_are_the_subsets_gets_the_subset(subsets: Path, service: str) -> None:
    assert _operations(service) == _subset_operations(service)
    assert len(_operations(service)) < len(_full_operations(service))


MISMATCHES: list[tuple[str, str, Callable[[dict[str, Any]], None]]] = [
    ("another SHA-256", "ssm", lambda m: m["ssm"]["files"].update({"service-2.json.gz": "0" * 64})),
    ("another API version", "ssm", lambda m: m["ssm"].update(api_version="2014-11-05")),
    ("made from an uncompressed file", "ssm",
     lambda m: m["ssm"].update(files={"service-2.json": m["ssm"]["files"]["service-2.json.gz"]})),
    ("made with extras the runtime lacks", "sns",
     lambda m: m["sns"]["files"].update({"service-2.sdk-extras.json": "0" * 64})),
    ("made without the extras the runtime has", "secretsmanager",
     lambda m: m["secretsmanager"]["files"].pop("service-2.sdk-extras.json")),
]


@pytest.mark.parametrize(("case", "service", "edit"), MISMATCHES, ids=[m[0] for m in MISMATCHES])
def test_a_service_whose_runtime_files_differ_gets_botocores_full_model(
        subsets: Path, case: str, service: str, edit: Callable[[dict[str, Any]], None]) -> None:
    _edit_manifest(subsets, edit)
    assert _operations(service) == _full_operations(service), case
    assert _operations("cloudwatch") == _subset_operations("cloudwatch")  # the others keep theirs


def test_a_model_earlier_on_the_data_path_is_the_one_compared(
        subsets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore reads the first ssm model along its search path (AWS_DATA_PATH first): not the
    # file the subset was made from, even with the same content uncompressed.
    shipped = Path(botocore.__file__).parent / "data" / "ssm" / "2014-11-06" / "service-2.json.gz"
    override = tmp_path / "models" / "ssm" / "2014-11-06" / "service-2.json"
    override.parent.mkdir(parents=True)
    override.write_bytes(gzip.decompress(shipped.read_bytes()))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path / "models"))
    clients.reset()
    assert _operations("ssm") == _full_operations("ssm")
    assert _operations("sns") == _subset_operations("sns")


def test_a_service_the_manifest_does_not_name_gets_botocores_model(subsets: Path) -> None:
    assert clients.client("sts").meta.service_model.operation_names == _full_operations("sts")


def test_each_service_is_checked_once_and_the_rest_stays_botocores(
        subsets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = model_subsets.model_files

    def counting(loader: Any, service: str, api_version: str) -> dict[str, str]:
        checked.append(service)
        return real(loader, service, api_version)

    monkeypatch.setattr(model_subsets, "model_files", counting)
    clients.client("cloudwatch")
    clients.client("cloudwatch", raw_timestamps=True)
    clients.client("cloudwatch", "eu-west-1")
    assert checked == ["cloudwatch"]
    # Paginators, modeled errors and the endpoint rules are botocore's own.
    assert clients.client("sns").get_paginator("list_subscriptions_by_topic").paginate(TopicArn="arn") is not None
    assert issubclass(clients.client("dynamodb").exceptions.ConditionalCheckFailedException, Exception)
    assert clients.client("sqs", "eu-west-1").meta.endpoint_url == "https://sqs.eu-west-1.amazonaws.com"
