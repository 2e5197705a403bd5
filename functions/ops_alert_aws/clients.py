"""AWS clients: one botocore Session per container, each client created on first use and then reused.

The one way the functions reach AWS: ``client("sns").publish(...)`` where the call is made. A
client is created the first time an invocation needs it (a path that never calls Support never pays
for a Support client) and kept for the container's later invocations.

A Session loads and keeps its own copy of the endpoint rules and service models: a Session per
client made the notification processor's cold start 3.6 times the original's (0.83 s of CPU for its
clients alone). Every client here comes from one shared Session. The clients are botocore's own
(what boto3.client returns too): importing boto3 itself, with s3transfer and its resource layer that
no function uses, cost every cold start about 15 ms (README "Speed and cost"). Tests call
``reset()`` so every test gets a new Session and clients bound to its own mocks and environment.

Creating a client allocates tens of thousands of objects (service model, endpoint rules, event
handlers) that live as long as the container. Python's cyclic garbage collector kept running during
that, rescanning every long-lived object each time and freeing none (measured: a full collection
right after the processor's cold start finds 0 unreachable objects), about 40 ms of its cold start.
So collection is paused while a client is created, and what exists then is moved out of later
collections' way (``gc.freeze``, the permanent generation): the modules and clients are never
garbage, and every later collection of the container scans only what invocations allocate.

In the layer, the Session's data loader serves each service's model from the layer's small copy
when the runtime's botocore ships the very file it was made from (ops_alert_aws.model_subsets:
decoding the whole models was most of the clients' cost). From the source tree there is none.
"""
from __future__ import annotations

import gc
import os
import threading
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.parsers import ResponseParserFactory

from ops_alert.partition import support_region
from ops_alert_aws.model_subsets import SubsetLoader

# Adaptive mode backs off client-side when AWS throttles (Service Quotas and Support throttle
# aggressively); 5 retries (botocore counts 6 attempts) stay well inside every function's timeout.
RETRIES = Config(
    retries={"mode": "adaptive", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="bedrock-ops-alert",
)
# One attempt, for calls that are not safe to repeat blindly: CreateCase whose reply was lost has
# opened the case, and a retry would open a second one. The caller looks the case up instead.
ONCE = RETRIES.merge(Config(retries={"mode": "standard", "total_max_attempts": 1}))

# Made by the build (bundle/service_models.py), in the layer only.
SERVICE_MODELS = os.path.join(os.path.dirname(__file__), "service_models")

# Creating clients from one Session in several threads at once is not safe in botocore.
_lock = threading.RLock()
_session: botocore.session.Session | None = None
_clients: dict[tuple[str, str | None, bool, bool], Any] = {}


def session() -> botocore.session.Session:
    """The container's one Session (created on first use)."""
    global _session
    with _lock:
        if _session is None:
            _session = botocore.session.get_session()
            if os.path.isdir(SERVICE_MODELS):
                loader = SubsetLoader(_session.get_component("data_loader"), SERVICE_MODELS)
                _session.register_component("data_loader", loader)
        return _session


def _raw_timestamp(value: Any) -> Any:
    return value


def _create(service: str, region: str | None, raw_timestamps: bool, config: Config) -> Any:
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _create_client(service, region, raw_timestamps, config)
    finally:
        if collecting:
            gc.freeze()
            gc.enable()


def _create_client(service: str, region: str | None, raw_timestamps: bool, config: Config) -> Any:
    shared: Any = session()  # typed stubs want a literal service name
    if not raw_timestamps:
        return shared.create_client(service, region_name=region, config=config)
    # botocore takes the response-parser factory from the session when it creates a client: one
    # with a pass-through timestamp parser, registered for the duration of this one creation,
    # applies to this client only, while models, credentials and endpoint rules stay shared.
    default = shared.get_component("response_parser_factory")
    raw = ResponseParserFactory()
    raw.set_parser_defaults(timestamp_parser=_raw_timestamp)
    shared.register_component("response_parser_factory", raw)
    try:
        return shared.create_client(service, region_name=region, config=config)
    finally:
        shared.register_component("response_parser_factory", default)


def client(service: str, region: str | None = None, *, raw_timestamps: bool = False, retry: bool = True) -> Any:
    """The container's client for ``service`` in ``region`` (the Lambda's region when None).

    ``raw_timestamps``: timestamps in responses stay as they arrive (epoch seconds with CloudWatch's
    JSON and CBOR protocols, ISO 8601 text with its query protocol) instead of becoming one
    ``datetime`` each: for GetMetricData, whose tens of thousands of timestamps would otherwise
    cost most of the invocation (ops_alert_aws.usage_metrics).
    ``retry=False``: one attempt, for calls a blind retry could repeat (CreateCase, quota requests).
    """
    key = (service, region, raw_timestamps, retry)
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        if key not in _clients:
            _clients[key] = _create(service, region, raw_timestamps, RETRIES if retry else ONCE)
        return _clients[key]


def created() -> list[tuple[str, str | None, bool, bool]]:
    """(service, region, raw_timestamps, retry) of every client made since the last reset (for the bench)."""
    with _lock:
        return list(_clients)


def support(*, retry: bool = True) -> Any:
    """The AWS Support API of this function's partition (SPEC §9); ``retry=False``: one attempt."""
    own = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return client("support", support_region(own), retry=retry)


def reset() -> None:
    """Forget the Session and every client (tests: new mocks, new environment)."""
    global _session
    with _lock:
        _clients.clear()
        _session = None
        gc.unfreeze()  # what the forgotten clients held can be collected again
