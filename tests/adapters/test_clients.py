"""clients: one botocore Session per container shared by every client, each client created once."""
from __future__ import annotations

import gc
import threading
from typing import Any

import botocore.exceptions
import botocore.session
import pytest

from ops_alert_aws import clients

# The clients the notification processor creates on a cold start (ops_alert_aws adapters).
PROCESSOR_CLIENTS = [("cloudwatch", None), ("ssm", None), ("secretsmanager", None), ("sns", None),
                     ("service-quotas", None), ("dynamodb", None), ("sqs", None), ("support", "us-east-1")]


@pytest.fixture
def sessions_created(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    created: list[Any] = []
    real = botocore.session.get_session

    def counting(*args: Any, **kwargs: Any) -> Any:
        created.append(real(*args, **kwargs))
        return created[-1]

    monkeypatch.setattr(botocore.session, "get_session", counting)
    return created


def test_every_client_comes_from_one_session(aws: Any, sessions_created: list[Any]) -> None:
    made = [clients.client(service, region) for service, region in PROCESSOR_CLIENTS]
    assert len(sessions_created) == 1  # a Session per client made the cold start 3.6x the original's
    assert len({id(c) for c in made}) == len(PROCESSOR_CLIENTS)
    assert clients.session() is sessions_created[0]


def test_a_client_is_created_once_per_service_and_region(aws: Any) -> None:
    assert clients.client("ssm") is clients.client("ssm")
    assert clients.client("ssm", "eu-west-1") is not clients.client("ssm")
    assert clients.client("ssm", "eu-west-1").meta.region_name == "eu-west-1"
    assert clients.support() is clients.client("support", "us-east-1")
    assert clients.support().meta.region_name == "us-east-1"


def test_every_client_retries_adaptively_with_bounded_timeouts(aws: Any) -> None:
    for service, region in PROCESSOR_CLIENTS:
        config = clients.client(service, region).meta.config
        # botocore counts max_attempts=5 as retries: 6 attempts in all.
        assert (config.retries["mode"], config.retries["total_max_attempts"]) == ("adaptive", 6), service
        assert (config.connect_timeout, config.read_timeout) == (5, 30), service
        assert "bedrock-ops-alert" in config.user_agent_extra, service


def test_reset_gives_a_new_session_and_new_clients(aws: Any, sessions_created: list[Any]) -> None:
    before = clients.client("sns")
    clients.reset()
    assert clients.client("sns") is not before
    assert len(sessions_created) == 2


def test_concurrent_first_use_creates_one_client(aws: Any, sessions_created: list[Any]) -> None:
    start = threading.Barrier(8)
    seen: list[Any] = []

    def use() -> None:
        start.wait()
        seen.append(clients.client("cloudwatch"))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(c) for c in seen}) == 1
    assert len(sessions_created) == 1


def test_the_bench_can_describe_and_recreate_every_client_listed(aws: Any) -> None:
    # make bench reads created() to label the clients and re-create them in a fresh process
    # (tests/bench/cold_start.py); a change of its shape once crashed the bench with a traceback.
    from tests.bench.run import _client_label

    clients.client("cloudwatch", raw_timestamps=True)
    clients.support(retry=False)
    listed = clients.created()
    assert [_client_label(*c) for c in listed] == [
        "cloudwatch (raw timestamps)", "support@us-east-1 (one attempt)"]
    clients.reset()
    for service, region, raw, retry in listed:
        clients.client(service, region, raw_timestamps=raw, retry=retry)
    assert clients.created() == listed


def test_the_one_attempt_variant_is_its_own_client_with_the_same_settings(aws: Any) -> None:
    # CreateCase and RequestServiceQuotaIncrease must never be retried blindly (a lost reply has
    # done the work): their client makes one attempt, everything else as the retrying one.
    for service, region in (("support", "us-east-1"), ("service-quotas", None)):
        once, retrying = clients.client(service, region, retry=False), clients.client(service, region)
        assert once is not retrying and once is clients.client(service, region, retry=False)
        assert once.meta.config.retries["total_max_attempts"] == 1
        assert (once.meta.config.connect_timeout, once.meta.config.read_timeout) == (5, 30)
        assert "bedrock-ops-alert" in once.meta.config.user_agent_extra
        assert once.meta.region_name == retrying.meta.region_name


def test_nothing_is_created_before_it_is_asked_for(aws: Any) -> None:
    assert clients.created() == []
    clients.client("sns")
    assert clients.created() == [("sns", None, False, True)]


def test_creating_a_client_leaves_the_garbage_collector_running_and_its_objects_frozen(aws: Any) -> None:
    # Collection is paused only while a client is created; what exists then is frozen (never garbage:
    # it lives as long as the container), and reset() makes it collectable again.
    assert gc.isenabled()
    clients.client("sns")
    assert gc.isenabled()
    assert gc.get_freeze_count() > 10_000  # the service model, endpoint rules and handlers at least
    clients.reset()
    assert gc.get_freeze_count() == 0


def test_a_collector_the_caller_switched_off_stays_off(aws: Any) -> None:
    gc.disable()
    try:
        clients.client("sqs")
        assert not gc.isenabled()
        assert gc.get_freeze_count() == 0  # nothing is frozen behind the caller's back
    finally:
        gc.enable()


def test_a_failed_creation_resumes_collection(aws: Any) -> None:
    with pytest.raises(botocore.exceptions.UnknownServiceError):
        clients.client("no-such-service")
    assert gc.isenabled()
