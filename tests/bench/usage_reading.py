"""Reading usage from raw GetMetricData bodies, in the fresh process this script runs in.

Run by tests/bench/lambda_cost.py on the runtime interpreter (which imports only its timing helpers):
``python tests/bench/usage_reading.py SPEC_JSON`` prints one JSON line of CPU seconds (median of
``runs``): ``decode_floor_s`` (json.loads of the bodies, JSON protocol only), ``parse_s`` (botocore
parsing them, timestamps left raw), ``fetch_s`` (ops_alert_aws.usage_metrics.fetch_model_series, each
GetMetricData answered with the next body), ``summarize_s`` (ops_alert.usage.summarize) and
``arithmetic_floor_s`` (one sum and one max per value list). SPEC_JSON: ``{"layer": DIR,
"bodies": [FILE, ...], "protocol": ..., "dimensions": [...], "start": EPOCH, "end": EPOCH, "runs": N}``.

Self-contained: the standard library, the runtime's botocore and the layer's ``python/`` (first on
sys.path, as Lambda puts /opt/python, with its shipped bytecode and service-model subsets); the
answering mirrors tests/fakes/metric_wire.serve_raw, which cannot be imported here.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

REQUEST_ID = "8f4d2c5e-1b7a-4e0f-9c3d-2a6b5e7f9d10"
CONTENT_TYPES = {"json": "application/x-amz-json-1.0", "query": "text/xml",
                 "smithy-rpc-v2-cbor": "application/cbor"}


class _Raw:
    """Minimal stand-in for urllib3's response, enough for ``AWSResponse.content``."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _headers(body: bytes, protocol: str) -> dict[str, str]:
    headers = {"x-amzn-requestid": REQUEST_ID, "content-type": CONTENT_TYPES[protocol],
               "content-length": str(len(body))}
    if protocol == "smithy-rpc-v2-cbor":
        headers["smithy-protocol"] = "rpc-v2-cbor"
    return headers


def cpu(work: Callable[[], Any], runs: int) -> float:
    """Median CPU seconds of ``runs`` calls of ``work`` (also used by tests/bench/lambda_cost.py)."""
    spent = []
    for _ in range(runs):
        start = time.process_time()
        work()
        spent.append(time.process_time() - start)
    return statistics.median(spent)


def paired_cpu(parse: Callable[[], Any], fetch: Callable[[], Any], runs: int) -> tuple[float, float, float]:
    """Medians of the parsing, of the fetch (which parses too) and of their difference, the two timed
    back to back in each round: two separate medians on a busy machine can make the difference
    negative. Also used by tests/bench/lambda_cost.py for the build's Python."""
    rounds = []
    for _ in range(runs):
        start = time.process_time()
        parse()
        middle = time.process_time()
        fetch()
        rounds.append((middle - start, time.process_time() - middle))
    return (statistics.median(p for p, _ in rounds), statistics.median(f for _, f in rounds),
            max(statistics.median(f - p for p, f in rounds), 0.0))


def main() -> None:
    spec = json.loads(sys.argv[1])
    sys.path.insert(0, os.path.join(spec["layer"], "python"))
    from botocore.awsrequest import AWSResponse
    from botocore.parsers import ResponseParserFactory

    from ops_alert.usage import summarize
    from ops_alert_aws import clients
    from ops_alert_aws.usage_metrics import Window, fetch_model_series

    bodies = []
    for path in spec["bodies"]:
        with open(path, "rb") as file:
            bodies.append(file.read())
    protocol, runs, dims = spec["protocol"], spec["runs"], spec["dimensions"]
    cw = clients.client("cloudwatch", raw_timestamps=True)
    if cw.meta.service_model.resolved_protocol != protocol:
        raise SystemExit(f"this botocore speaks {cw.meta.service_model.resolved_protocol} to CloudWatch, "
                         f"the bodies are {protocol}")
    output = cw.meta.service_model.operation_model("GetMetricData").output_shape
    raw = ResponseParserFactory()
    raw.set_parser_defaults(timestamp_parser=lambda value: value)

    def parse_all() -> list[dict[str, Any]]:
        parser = raw.create_parser(protocol)
        return [parser.parse({"body": b, "headers": _headers(b, protocol), "status_code": 200}, output)
                for b in bodies]

    queue: list[bytes] = []

    def send(request: Any, **_: Any) -> AWSResponse:
        if not queue:
            raise SystemExit("GetMetricData called more often than bodies were given")
        return AWSResponse("https://monitoring.us-east-1.amazonaws.com/", 200, _headers(queue[0], protocol),
                           _Raw(queue.pop(0)))

    cw.meta.events.register_first("before-send.cloudwatch.GetMetricData", send, unique_id="metric-wire")
    window = Window(*(datetime.fromtimestamp(spec[k], timezone.utc) for k in ("start", "end")))

    def fetch() -> Any:
        queue[:] = bodies
        series = fetch_model_series(dims, window)
        if queue:
            raise SystemExit(f"fetch_model_series read {len(bodies) - len(queue)} of {len(bodies)} bodies")
        return series

    lists = [r["Values"] for page in parse_all() for r in page["MetricDataResults"]]
    series = fetch()
    parse_s, fetch_s, beyond_s = paired_cpu(parse_all, fetch, spec["paired_runs"])
    print(json.dumps({
        "python": sys.version.split()[0],
        "decode_floor_s": cpu(lambda: [json.loads(b) for b in bodies], runs) if protocol == "json" else None,
        "parse_s": parse_s,
        "fetch_s": fetch_s,
        "fetch_beyond_parse_s": beyond_s,
        "summarize_s": cpu(lambda: summarize(series), runs),
        "arithmetic_floor_s": cpu(lambda: [(sum(v), max(v, default=0.0)) for v in lists], runs),
    }))


if __name__ == "__main__":
    main()
