"""`make bench`, second half: what Lambda pays for the processor itself, beside the original sample.

- Cold start: importing the handler from the packaged zips, then the modules and boto3 clients the
  first alarm events load (both are loaded on first use), in fresh processes
  (tests/bench/cold_start.py), CPU and peak memory; the same for the original sample, in interleaved
  rounds. Then ours and the original again with NEXT_PYTHON (the closest interpreter to the
  template's python3.14 that the machine has, in its own virtual environment under build/ with the
  same botocore and boto3), reported beside, not as the target.
  Lambda's /var/task and /opt are read-only and the zips carry no bytecode for the template's
  runtime, so every cold start compiles the modules it imports: the runs here do too
  (PYTHONDONTWRITEBYTECODE, zips freshly extracted).
- Usage reading: the raw HTTP bodies of GetMetricData, in the protocol the installed botocore speaks
  to CloudWatch, parsed by botocore through the processor's own client (ops_alert_aws.usage_metrics),
  then summarised (ops_alert.usage), for one model and for ten sibling profiles over 14 days with a
  datapoint every minute (the worst case), against the floor of decoding those bytes at all.
"""
from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from unittest import mock

from botocore.parsers import ResponseParserFactory

from bundle.artifacts import LAYER_NAME, build_artifacts
from ops_alert.usage import summarize
from ops_alert_aws import clients
from ops_alert_aws.usage_metrics import (
    MAX_DATAPOINTS_PER_CALL,
    MAX_QUERIES_PER_CALL,
    _queries,
    fetch_model_series,
    usage_window,
)
from tests.fakes import FAKE_ENV, metric_wire

COLD_START_SCRIPT = Path(__file__).with_name("cold_start.py")
COLD_START_RUNS = 9
# The template's runtime is python3.14, which no build or bench machine here has; the bench also
# measures with the closest interpreter it can find (informative, beside the like-for-like figures).
NEXT_PYTHON = "python3.13"
ROOT = Path(__file__).resolve().parents[2]
PARSE_RUNS = 3
# The original sample's processor: its role (original-stack.json, NotificationProcessorRole) allows
# CloudWatch, SSM, Secrets Manager, SNS, Service Quotas, Support and Bedrock; one module-level
# boto3.client() each, Support in us-east-1 (the only region that serves it).
ORIGINAL_CLIENTS = [["cloudwatch", None], ["ssm", None], ["secretsmanager", None], ["sns", None],
                    ["service-quotas", None], ["support", "us-east-1"], ["bedrock", None]]
# Targets (issue 14).
MAX_PEAK_MIB = 64.0
MAX_USAGE_CPU_S = {"1 model": 0.150, "10 profiles": 1.0}


@dataclass
class ColdStart:
    label: str
    cpu_s: list[float]
    peak_mib: list[float]
    modules: int

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_s)

    @property
    def peak(self) -> float:
        return statistics.median(self.peak_mib)


def _cold_start_once(python: str, spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run([python, str(COLD_START_SCRIPT), json.dumps(spec)], env=env, cwd=tempfile.gettempdir(),
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    result: dict[str, Any] = json.loads(out)
    return result


def _interleaved(python: str, specs: Sequence[tuple[str, dict[str, Any], dict[str, str]]], runs: int) -> list[ColdStart]:
    """``runs`` rounds, each running every spec once in turn: on a machine shared with other jobs, a
    load that comes and goes falls on ours and the original alike."""
    results = [ColdStart(label, [], [], 0) for label, _, _ in specs]
    for _ in range(runs):
        for result, (_, spec, env) in zip(results, specs):
            once = _cold_start_once(python, spec, env)
            result.cpu_s.append(once["cpu_s"])
            result.peak_mib.append(once["peak_mib"])
            result.modules = once["modules"]
    return results


def cold_starts(used_clients: Sequence[tuple[str, str | None, bool, bool]], used_modules: Sequence[str],
                runs: int = COLD_START_RUNS) -> tuple[list[ColdStart], list[ColdStart] | str]:
    """Ours from freshly extracted zips (no bytecode): the import alone, then with the modules and clients
    the first events load; the latter once bytecode exists; and the original, in interleaved rounds.
    Second, ours and the original again with the interpreter closest to the runtime's that can be had
    (NEXT_PYTHON), or why not."""
    root = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    for artifact in build_artifacts():
        for copy in ("fresh", "bytecode"):  # the runs without bytecode must not find the other row's
            target = root / copy / ("opt" if artifact.name == LAYER_NAME else f"task/{artifact.name}")
            zipfile.ZipFile(io.BytesIO(artifact.content)).extractall(target)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}, **FAKE_ENV,
           "PYTHONDONTWRITEBYTECODE": "1", "POWERTOOLS_SERVICE_NAME": "notification_processor"}
    fresh = root / "fresh"
    ours = {"kind": "ours", "task": str(fresh / "task" / "notification_processor"), "layer": str(fresh / "opt"),
            "handler": "notification_processor", "modules": list(used_modules), "clients": [list(c) for c in used_clients]}
    import_only = {**ours, "modules": [], "clients": []}
    original = {"kind": "original", "clients": ORIGINAL_CLIENTS}
    # Informative: what bytecode for the runtime would save (written once, then reused).
    bytecode = {**ours, "task": str(root / "bytecode" / "task" / "notification_processor"),
                "layer": str(root / "bytecode" / "opt")}
    cached = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    _cold_start_once(sys.executable, bytecode, cached)
    here = _interleaved(sys.executable, [
        ("ours: import the handler only", import_only, env),
        ("ours: import + the first events' modules and clients", ours, env),
        ("  the same if bytecode for the runtime were shipped", bytecode, cached),
        ("original sample (reconstructed, see below)", original, env)], runs)
    python, why_not = next_python()
    if python is None:
        return here, why_not
    return here, _interleaved(python, [("ours: import + the first events' modules and clients", ours, env),
                                       ("original sample (reconstructed)", original, env)], runs)


def next_python() -> tuple[str | None, str]:
    """A NEXT_PYTHON virtual environment under build/ with the botocore and boto3 versions this one has
    (created on first use, from the package index), or None and why not."""
    import boto3
    import botocore

    # pyenv's shims run a version only when it is selected: select the newest 3.13 for this look-up.
    env = {**os.environ, "PYENV_VERSION": os.environ.get("PYENV_VERSION") or NEXT_PYTHON.removeprefix("python")}
    try:
        found = subprocess.run([NEXT_PYTHON, "-c", "import sys; print(sys.executable)"], env=env, check=True,
                               capture_output=True, text=True, timeout=60).stdout.strip()
    except (subprocess.SubprocessError, OSError):
        return None, f"no {NEXT_PYTHON} on PATH"
    venv = ROOT / "build" / f"bench-{NEXT_PYTHON}"
    python = venv / "bin" / "python"
    pins = [f"botocore=={botocore.__version__}", f"boto3=={boto3.__version__}"]
    stamp = venv / "pins.txt"
    if not stamp.is_file() or stamp.read_text() != "\n".join(pins):
        try:
            subprocess.run([found, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True, timeout=300)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", *pins], check=True, capture_output=True,
                           timeout=300)
        except (subprocess.SubprocessError, OSError) as exc:
            return None, f"could not install {' '.join(pins)} for {NEXT_PYTHON}: {exc}"
        stamp.write_text("\n".join(pins))
    return str(python), ""


# --- usage reading from raw GetMetricData bytes ----------------------------------------------------


def _value(query: int, minute: int) -> float:
    # Deterministic, varied and realistic magnitudes: requests, tokens and quota usage per minute.
    base = (1_000.0, 400_000.0, 90_000.0, 850_000.0)[query % 4]
    return float(int(base * (0.5 + ((minute * 7919 + query * 104_729) % 1000) / 1000)))


def metric_data_pages(dimension_values: Sequence[str], start: datetime, minutes: int) -> list[dict[str, Any]]:
    """GetMetricData responses for every query, every minute, paginated as CloudWatch does."""
    queries = _queries(dimension_values)
    origin = int(start.timestamp())
    pages: list[dict[str, Any]] = []
    for batch_start in range(0, len(queries), MAX_QUERIES_PER_CALL):
        batch = queries[batch_start:batch_start + MAX_QUERIES_PER_CALL]
        offsets = [0] * len(batch)
        while True:
            budget = MAX_DATAPOINTS_PER_CALL
            results = []
            for index, query in enumerate(batch):
                take = min(budget, minutes - offsets[index])
                first = offsets[index]
                results.append({
                    "Id": query["Id"], "Label": query["Id"],
                    "Timestamps": [origin + 60 * m for m in range(first, first + take)],
                    "Values": [_value(batch_start + index, m) for m in range(first, first + take)],
                    "StatusCode": "Complete" if first + take == minutes else "PartialData",
                })
                offsets[index] += take
                budget -= take
            done = all(o == minutes for o in offsets)
            page: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
            if not done:
                page["NextToken"] = f"page-{len(pages) + 1}"
            pages.append(page)
            if done:
                break
    return pages


@dataclass
class UsageCost:
    label: str
    datapoints: int
    calls: int
    body_mib: float
    decode_floor_s: float  # json.loads of the bodies: reading the bytes at all
    parse_s: float  # botocore parsing the bodies (timestamps left raw)
    default_parse_s: float | None  # botocore with its default timestamp parser, as before
    fetch_s: float  # fetch_model_series over the bodies: requests, parsing, our lists
    summarize_s: float  # ops_alert.usage.summarize
    arithmetic_floor_s: float  # one sum and one max over every value list, in C

    @property
    def own_s(self) -> float:
        return max(self.fetch_s - self.parse_s, 0.0) + self.summarize_s

    @property
    def total_s(self) -> float:
        return self.fetch_s + self.summarize_s


def _cpu(work: Callable[[], Any], runs: int = PARSE_RUNS) -> float:
    best = []
    for _ in range(runs):
        start = time.process_time()
        work()
        best.append(time.process_time() - start)
    return statistics.median(best)


def usage_cost(label: str, profiles: int, *, with_default_parser: bool) -> UsageCost:
    dims = ["abc123def456", *(f"sibling{i:02d}" for i in range(1, profiles))]
    window = usage_window(datetime.now(timezone.utc), 14)
    pages = metric_data_pages(dims, window.start, window.minutes)
    with mock.patch.dict(os.environ, dict(FAKE_ENV)):
        clients.reset()
        cw = clients.client("cloudwatch", raw_timestamps=True)
        protocol = cw.meta.service_model.resolved_protocol
        bodies = [metric_wire.encode(p, protocol) for p in pages]
        output = cw.meta.service_model.operation_model("GetMetricData").output_shape

        def parse_all(factory: ResponseParserFactory) -> None:
            parser = factory.create_parser(protocol)
            for body in bodies:
                response = metric_wire.raw_response(body, protocol)
                parser.parse({"body": body, "headers": response.headers, "status_code": 200}, output)

        raw = ResponseParserFactory()
        raw.set_parser_defaults(timestamp_parser=lambda value: value)
        parse_s = _cpu(lambda: parse_all(raw))
        default_s = _cpu(lambda: parse_all(ResponseParserFactory()), runs=1) if with_default_parser else None
        decode_s = _cpu(lambda: [json.loads(b) for b in bodies]) if protocol == "json" else float("nan")

        def fetch() -> Any:
            with metric_wire.serve_raw(cw, bodies):
                return fetch_model_series(dims, window)

        fetch_s = _cpu(fetch)
        series = fetch()
        summarize_s = _cpu(lambda: summarize(series))
        lists = [v for p in pages for r in p["MetricDataResults"] for v in [r["Values"]]]
        floor_s = _cpu(lambda: [(sum(v), max(v, default=0.0)) for v in lists])
        clients.reset()
    return UsageCost(label, sum(len(v) for v in lists), len(bodies), sum(map(len, bodies)) / 2**20,
                     decode_s, parse_s, default_s, fetch_s, summarize_s, floor_s)
