"""Fixtures for the adapter tests (AWS comes from the shared ``aws`` fixture): fresh clients, and a
local HTTP endpoint whose answers a test scripts (the custom-resource response PUT and its retries)."""
from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from ops_alert_aws import clients
from tests.fakes import StandardFakes


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    """Adapters cache boto3 clients per container; each test gets its own."""
    clients.reset()
    yield
    clients.reset()


@pytest.fixture
def table(aws: StandardFakes) -> str:
    """The idempotency table as the template creates it (key ``id``), in moto: the exactly-once
    records and the re-notify window's state share it."""
    boto3.client("dynamodb").create_table(
        TableName="idem", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    return "idem"


@dataclass
class ScriptedEndpoint:
    """Answers PUTs with the scripted status codes in turn (then 200) and records the requests."""

    url: str
    statuses: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def endpoint() -> Iterator[ScriptedEndpoint]:
    state = ScriptedEndpoint(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:  # http.server's naming
            length = int(self.headers.get("Content-Length", "0"))
            state.requests.append({"path": self.path, "headers": dict(self.headers),
                                   "body": self.rfile.read(length).decode()})
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/presigned?X-Amz-Signature=abc"
    yield state
    server.shutdown()
    server.server_close()
