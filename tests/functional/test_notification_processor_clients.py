"""Cold start, as packaged: the processor creates the AWS clients an event needs, on first use, once."""
from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from tests.fakes import FakeLambdaContext
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
