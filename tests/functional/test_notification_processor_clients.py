"""Cold start, as packaged: the processor creates the AWS clients an event needs, on first use, once."""
from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import botocore.session
import pytest

from ops_alert_aws.api_operations import OPERATIONS
from tests.fakes import FakeLambdaContext
from tests.functional.packaged import PackagedFunctions
from tests.functional.processor_world import ProcessorWorld, fire, purge_processor_modules

ONE_ATTEMPT = False  # the ``retry`` flag of clients.created()


def _created() -> set[tuple[str, str | None, bool, bool]]:
    return set(sys.modules["ops_alert_aws.clients"].created())


def test_importing_the_handler_creates_no_client_and_no_follow_up_module(
        load_handler: Callable[[str], ModuleType], world: ProcessorWorld) -> None:
    purge_processor_modules()
    load_handler("notification_processor")
    try:
        # A client is created where a call needs it: the import pays for none (each is 5-20 ms of CPU).
        assert sys.modules["ops_alert_aws.clients"].created() == []
        # The follow-up path is imported when the first follow-up arrives.
        assert "processor_follow_up" not in sys.modules
    finally:
        purge_processor_modules()


def test_an_event_creates_the_clients_of_its_path_only(world: ProcessorWorld, processor: Any) -> None:
    # A server-error alarm opens an investigation case: no usage, no quotas, no follow-up queue.
    result = fire(world, processor, "ServerErrors")
    assert result["case"]["status"] == "NEW"
    services = {service for service, *_ in _created()}
    assert {"cloudwatch", "dynamodb", "ssm", "secretsmanager", "support", "sns", "events"} <= services
    assert not services & {"service-quotas", "sqs", "bedrock"}
    # CreateCase went through the one-attempt client (a lost reply must not open a second case).
    assert ("support", "us-east-1", False, ONE_ATTEMPT) in _created()


def test_later_invocations_of_the_container_reuse_the_clients(world: ProcessorWorld, processor: Any) -> None:
    world.load_usage(rpm=9_500, tpm=3_000_000)
    event = world.fire("Throttles")
    processor.handler(event, FakeLambdaContext())
    clients = sys.modules["ops_alert_aws.clients"]
    first = {key: clients.client(key[0], key[1], raw_timestamps=key[2], retry=key[3]) for key in clients.created()}
    assert processor.handler(event, FakeLambdaContext())["status"] == "duplicate"  # the same transition again
    assert clients.created() == list(first)
    assert all(clients.client(key[0], key[1], raw_timestamps=key[2], retry=key[3]) is made for key, made in first.items())


def _operation_names(service: str, region: str | None = None) -> list[str]:
    return list(sys.modules["ops_alert_aws.clients"].client(service, region).meta.service_model.operation_names)


def _declared(service: str) -> list[str]:
    """The declared operations and, where the model has one, botocore's own endpoint-discovery operation."""
    model = botocore.session.get_session().get_service_model(service)
    discovery = {n for n in model.operation_names if model.operation_model(n).is_endpoint_discovery_operation}
    return sorted(OPERATIONS[service] | discovery)


def test_the_packaged_clients_use_the_layers_service_models(world: ProcessorWorld, processor: Any) -> None:
    # The build's botocore is the one running here: every model file is the one each subset was made from.
    assert fire(world, processor, "ServerErrors")["case"]["status"] == "NEW"
    assert _operation_names("ssm") == sorted(OPERATIONS["ssm"])
    for service in OPERATIONS:
        assert _operation_names(service) == _declared(service), service


def test_a_model_file_other_than_the_subsets_source_gives_the_full_model(
        world: ProcessorWorld, processor: Any, packaged_functions: PackagedFunctions,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    layer_models = packaged_functions.opt / "python" / "ops_alert_aws" / "service_models"
    copy = Path(shutil.copytree(layer_models, tmp_path / "service_models"))
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["ssm"]["files"]["service-2.json.gz"] = "0" * 64  # as if Lambda's botocore shipped another ssm model
    (copy / "manifest.json").write_text(json.dumps(manifest))
    clients = sys.modules["ops_alert_aws.clients"]
    monkeypatch.setattr(clients, "SERVICE_MODELS", str(copy))
    clients.reset()
    assert fire(world, processor, "ServerErrors")["case"]["status"] == "NEW"
    assert _operation_names("ssm") == botocore.session.get_session().get_service_model("ssm").operation_names
    assert _operation_names("cloudwatch") == _declared("cloudwatch")
