"""GetMetricData responses as CloudWatch sends them over HTTP, for botocore to parse.

Timestamps may be datetimes or epoch seconds. The fakes hand botocore already-parsed responses (``before-call``), so botocore's response parser
never runs on them; real CloudWatch answers with bytes that botocore must parse, one timestamp at a
time. ``encode`` turns a GetMetricData response dict (as FakeMetrics returns it) into the body of
the protocol a client speaks: ``json`` (awsJson1_0, timestamps as epoch seconds), ``query`` (XML,
timestamps as ISO 8601 text) or ``smithy-rpc-v2-cbor`` (CBOR, timestamps as tag 1 epoch seconds).
``serve_raw`` makes one client receive given bodies as its HTTP responses (the bench and the
wire-level tests of ops_alert_aws.usage_metrics).
"""
from __future__ import annotations

import json
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any
from xml.sax.saxutils import escape

from botocore.awsrequest import AWSResponse

PROTOCOLS = ("json", "query", "smithy-rpc-v2-cbor")
CONTENT_TYPES = {"json": "application/x-amz-json-1.0", "query": "text/xml",
                 "smithy-rpc-v2-cbor": "application/cbor"}
_XMLNS = "http://monitoring.amazonaws.com/doc/2010-08-01/"
_REQUEST_ID = "8f4d2c5e-1b7a-4e0f-9c3d-2a6b5e7f9d10"


def _seconds(moment: datetime | float) -> float:
    if isinstance(moment, (int, float)):
        return moment
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _number(value: float) -> int | float:
    # CloudWatch writes whole epoch seconds as integers (1764597600), not 1764597600.0.
    return int(value) if float(value).is_integer() else value


def encode(response: dict[str, Any], protocol: str) -> bytes:
    if protocol == "json":
        return _json(response)
    if protocol == "query":
        return _xml(response)
    if protocol == "smithy-rpc-v2-cbor":
        return _cbor(response)
    raise ValueError(f"no encoder for protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")


def _wire_results(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**r, "Timestamps": [_seconds(t) for t in r.get("Timestamps", [])]}
            for r in response.get("MetricDataResults", [])]


def _json(response: dict[str, Any]) -> bytes:
    body: dict[str, Any] = {"MetricDataResults": [
        {**r, "Timestamps": [_number(t) for t in r["Timestamps"]]} for r in _wire_results(response)],
        "Messages": response.get("Messages", [])}
    if response.get("NextToken"):
        body["NextToken"] = response["NextToken"]
    return json.dumps(body, separators=(",", ":")).encode()


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _members(tag: str, items: Sequence[str]) -> str:
    return f"<{tag}>" + "".join(f"<member>{i}</member>" for i in items) + f"</{tag}>"


def _messages(messages: Sequence[dict[str, str]]) -> str:
    return _members("Messages", [f"<Code>{escape(m.get('Code', ''))}</Code><Value>{escape(m.get('Value', ''))}</Value>"
                                 for m in messages])


def _xml(response: dict[str, Any]) -> bytes:
    results = []
    for r in _wire_results(response):
        results.append(
            f"<Id>{escape(r['Id'])}</Id><Label>{escape(r.get('Label', ''))}</Label>"
            + _members("Timestamps", [_iso(t) for t in r["Timestamps"]])
            + _members("Values", [repr(float(v)) for v in r.get("Values", [])])
            + f"<StatusCode>{r.get('StatusCode', 'Complete')}</StatusCode>" + _messages(r.get("Messages", [])))
    token = f"<NextToken>{escape(response['NextToken'])}</NextToken>" if response.get("NextToken") else ""
    return (f'<GetMetricDataResponse xmlns="{_XMLNS}"><GetMetricDataResult>'
            + _members("MetricDataResults", results) + token + _messages(response.get("Messages", []))
            + f"</GetMetricDataResult><ResponseMetadata><RequestId>{_REQUEST_ID}</RequestId>"
            "</ResponseMetadata></GetMetricDataResponse>").encode()


class _Timestamp(float):
    """Marks a number to be written as CBOR tag 1 (epoch-based date/time)."""


def _cbor(response: dict[str, Any]) -> bytes:
    body: dict[str, Any] = {"MetricDataResults": [
        {**r, "Timestamps": [_Timestamp(t) for t in r["Timestamps"]]} for r in _wire_results(response)],
        "Messages": response.get("Messages", [])}
    if response.get("NextToken"):
        body["NextToken"] = response["NextToken"]
    out = bytearray()
    _cbor_item(body, out)
    return bytes(out)


def _cbor_head(major: int, length: int, out: bytearray) -> None:
    if length < 24:
        out.append(major << 5 | length)
    elif length < 1 << 8:
        out += bytes([major << 5 | 24, length])
    elif length < 1 << 16:
        out += bytes([major << 5 | 25]) + struct.pack(">H", length)
    elif length < 1 << 32:
        out += bytes([major << 5 | 26]) + struct.pack(">I", length)
    else:
        out += bytes([major << 5 | 27]) + struct.pack(">Q", length)


def _cbor_item(item: Any, out: bytearray) -> None:
    if isinstance(item, _Timestamp):
        out.append(0xC1)  # tag 1
        _cbor_item(_number(float(item)), out)
    elif isinstance(item, bool):
        out.append(0xF5 if item else 0xF4)
    elif isinstance(item, int):
        _cbor_head(0, item, out) if item >= 0 else _cbor_head(1, -1 - item, out)
    elif isinstance(item, float):
        out += b"\xfb" + struct.pack(">d", item)
    elif isinstance(item, str):
        data = item.encode()
        _cbor_head(3, len(data), out)
        out += data
    elif isinstance(item, (list, tuple)):
        _cbor_head(4, len(item), out)
        for element in item:
            _cbor_item(element, out)
    elif isinstance(item, dict):
        _cbor_head(5, len(item), out)
        for key, value in item.items():
            _cbor_item(key, out)
            _cbor_item(value, out)
    else:
        raise TypeError(f"cannot encode {type(item).__name__} as CBOR")


def raw_response(body: bytes, protocol: str) -> AWSResponse:
    headers = {"x-amzn-requestid": _REQUEST_ID, "content-type": CONTENT_TYPES[protocol],
               "content-length": str(len(body))}
    if protocol == "smithy-rpc-v2-cbor":
        headers["smithy-protocol"] = "rpc-v2-cbor"
    return AWSResponse("https://monitoring.us-east-1.amazonaws.com/", 200, headers, _Raw(body))


class _Raw:
    """Minimal stand-in for urllib3's response, enough for ``AWSResponse.content``."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@contextmanager
def serve_raw(client: Any, bodies: Sequence[bytes]) -> Iterator[list[dict[str, Any]]]:
    """``client``'s next GetMetricData calls receive ``bodies`` in turn as their HTTP responses.

    Registered first on the client's own events, so it answers before moto; yields the request
    parameters of each call. Use on a client that the fakes do not answer (see ``bypass_fakes``).
    """
    protocol = client.meta.service_model.resolved_protocol
    queue = list(bodies)
    seen: list[dict[str, Any]] = []

    def send(request: Any, **_: Any) -> AWSResponse:
        if not queue:
            raise AssertionError("GetMetricData called more often than bodies were given")
        seen.append({"body": request.body})
        return raw_response(queue.pop(0), protocol)

    event = "before-send.cloudwatch.GetMetricData"
    client.meta.events.register_first(event, send, unique_id="metric-wire")
    try:
        yield seen
    finally:
        client.meta.events.unregister(event, unique_id="metric-wire")
