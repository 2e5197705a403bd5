"""CloudFormation custom resources: a local endpoint for the response PUT, and real-shaped events.

CloudFormation hands a custom resource a pre-signed S3 URL (ResponseURL). The URL is signed with an
empty Content-Type, so the PUT must send `Content-Type: ""` (not urllib's form default) and a
Content-Length; `CfnResponseServer` records the body and headers of every PUT so tests can check both.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.core import ACCOUNT_ID, REGION

STACK_NAME = "bedrock-ops-alert"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{STACK_NAME}/{uuid.UUID(int=1)}"
REQUEST_TYPES = ("Create", "Update", "Delete")


@dataclasses.dataclass(frozen=True)
class CfnResponse:
    """One PUT received on the ResponseURL."""

    body: dict[str, Any]
    headers: dict[str, str]  # header names as sent; look up case-insensitively with `header()`
    path: str

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    @property
    def status(self) -> str:
        return str(self.body.get("Status"))


class CfnResponseServer:
    """http.server on 127.0.0.1 (random port, daemon thread) collecting custom-resource responses."""

    def __init__(self) -> None:
        self.responses: list[CfnResponse] = []
        responses = self.responses

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:  # http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = {"_unparseable": raw.decode(errors="replace")}
                responses.append(CfnResponse(body, dict(self.headers.items()), self.path))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """A ResponseURL shaped like the pre-signed S3 URL CloudFormation sends."""
        host, port = self._server.server_address[:2]
        return (
            f"http://{host}:{port}/{STACK_ID.replace(':', '%3A').replace('/', '%7C')}"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature=fake"
        )

    @property
    def last(self) -> CfnResponse:
        assert self.responses, "no response was PUT to the ResponseURL"
        return self.responses[-1]

    def event(self, request_type: str, properties: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """`custom_resource_event(...)` with ResponseURL pointing at this server."""
        return custom_resource_event(request_type, properties, response_url=self.url, **kwargs)

    def start(self) -> CfnResponseServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> CfnResponseServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _as_cfn_value(value: Any) -> Any:
    """CloudFormation passes every scalar property as a string (booleans as "true"/"false")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {k: _as_cfn_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_cfn_value(v) for v in value]
    return str(value)


def custom_resource_event(
    request_type: str,
    properties: dict[str, Any],
    old_properties: dict[str, Any] | None = None,
    physical_id: str | None = None,
    *,
    response_url: str = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
    logical_id: str = "QuotaCalculator",
    resource_type: str = "Custom::QuotaCalculator",
    service_token: str = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:quota-calculator",
    stack_id: str = STACK_ID,
) -> dict[str, Any]:
    """A custom-resource request in the shape CloudFormation sends.

    Update and Delete carry a PhysicalResourceId (generated when not given); Update carries
    OldResourceProperties. ServiceToken is in ResourceProperties too, as CloudFormation does.
    """
    if request_type not in REQUEST_TYPES:
        raise ValueError(f"request_type must be one of {REQUEST_TYPES}")
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": service_token,
        "ResponseURL": response_url,
        "StackId": stack_id,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": {"ServiceToken": service_token, **_as_cfn_value(properties)},
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = physical_id or f"{STACK_NAME}-{logical_id}-{uuid.uuid4().hex[:12]}"
    if request_type == "Update":
        event["OldResourceProperties"] = {"ServiceToken": service_token, **_as_cfn_value(old_properties or {})}
    return event
