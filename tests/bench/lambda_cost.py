"""`make bench`, second half: what Lambda pays for the processor itself, beside the original sample.

- Cold start: importing the handler from the packaged zips, then the modules and boto3 clients the
  first alarm events load (both are loaded on first use), in fresh processes
  (tests/bench/cold_start.py), CPU and peak memory; the same for the original sample, in interleaved
  rounds. On the template's runtime interpreter (python3.14, bundle/runtime_python.py, never
  downloaded here) with the SDK as Lambda's runtime has it (tests/runtime_site.py): ours as
  packaged (with the 3.14 bytecode the zips ship), ours from source only, and the original. Lambda's
  /var/task and /opt are read-only: the measured runs write no bytecode (PYTHONDONTWRITEBYTECODE,
  zips freshly extracted), after one warm-up run of each row on a copy, so that the runtime's
  standard library and SDK have their bytecode as on Lambda. Then ours and the original on the
  build's Python (3.11, which ignores 3.14 bytecode and compiles), informative. Without a runtime
  interpreter, the build's Python is the headline, labelled so.
- Usage reading: the raw HTTP bodies of GetMetricData, in the protocol the installed botocore speaks
  to CloudWatch, parsed by botocore through the processor's own client (ops_alert_aws.usage_metrics),
  then summarised (ops_alert.usage), for one model and for ten sibling profiles over 14 days with a
  datapoint every minute (the worst case), against the floor of decoding those bytes at all. On the
  runtime interpreter in a child process (tests/bench/usage_reading.py) from the packaged layer as
  extracted (its bytecode and service-model subsets), the bodies made here and passed as files; then
  in this process on the build's Python, with botocore's default timestamp parser beside (informative).
  Without a runtime interpreter, the build's Python is the headline, labelled so.
"""
from __future__ import annotations

import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from unittest import mock

from botocore.parsers import ResponseParserFactory

from bundle import runtime_python
from bundle.artifacts import LAYER_NAME, Artifact, build_artifacts, found_runtime
from bundle.runtime_python import RuntimePython
from ops_alert.usage import summarize
from ops_alert_aws import clients
from ops_alert_aws.usage_metrics import (
    MAX_DATAPOINTS_PER_CALL,
    MAX_QUERIES_PER_CALL,
    Window,
    _queries,
    fetch_model_series,
    usage_window,
)
from tests.bench.usage_reading import cpu, paired_cpu
from tests.fakes import FAKE_ENV, metric_wire
from tests.runtime_site import runtime_env

COLD_START_SCRIPT = Path(__file__).with_name("cold_start.py")
USAGE_SCRIPT = Path(__file__).with_name("usage_reading.py")
COLD_START_RUNS = 9
PARSE_RUNS = 3
PAIRED_RUNS = 5  # parsing and fetching timed back to back: own work is their difference
# The original sample's processor: its role (original-stack.json, NotificationProcessorRole) allows
# CloudWatch, SSM, Secrets Manager, SNS, Service Quotas, Support and Bedrock; one module-level
# boto3.client() each, Support in us-east-1 (the only region that serves it).
ORIGINAL_CLIENTS = [["cloudwatch", None], ["ssm", None], ["secretsmanager", None], ["sns", None],
                    ["service-quotas", None], ["support", "us-east-1"], ["bedrock", None]]
# Targets (issue 14).
MAX_PEAK_MIB = 64.0
MAX_USAGE_CPU_S = {"1 model": 0.150, "10 profiles": 1.0}
USAGE_CASES = (("1 model", 1), ("10 profiles", 10))  # label, dimension values (the model and its siblings)


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


@dataclass(frozen=True)
class Run:
    """One row: what to start (``argv`` + tests/bench/cold_start.py + ``spec``) in ``env``."""

    label: str
    argv: tuple[str, ...]
    spec: dict[str, Any]
    env: dict[str, str]


@dataclass
class ColdStartTable:
    interpreter: str
    rows: list[ColdStart]

    @property
    def ours(self) -> ColdStart:
        """The target row: import + the first events' modules and clients, as packaged."""
        return self.rows[1]

    @property
    def original(self) -> ColdStart:
        return self.rows[-1]


def _cold_start_once(run: Run) -> dict[str, Any]:
    out = subprocess.run([*run.argv, str(COLD_START_SCRIPT), json.dumps(run.spec)], env=run.env,
                         cwd=tempfile.gettempdir(), capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _interleaved(runs: Sequence[Run], rounds: int) -> list[ColdStart]:
    """``rounds`` rounds, each running every row once in turn: on a machine shared with other jobs, a
    load that comes and goes falls on ours and the original alike."""
    results = [ColdStart(run.label, [], [], 0) for run in runs]
    for _ in range(rounds):
        for result, run in zip(results, runs):
            once = _cold_start_once(run)
            result.cpu_s.append(once["cpu_s"])
            result.peak_mib.append(once["peak_mib"])
            result.modules = once["modules"]
    return results


def _extract(artifacts: Sequence[Artifact], target: Path) -> Path:
    """The zips extracted as Lambda does (function under task/, layer as opt/)."""
    for artifact in artifacts:
        where = target / ("opt" if artifact.name == LAYER_NAME else f"task/{artifact.name}")
        zipfile.ZipFile(io.BytesIO(artifact.content)).extractall(where)
    return target


def _ours(extracted: Path, used_clients: Sequence[tuple[str, str | None, bool, bool]],
          used_modules: Sequence[str]) -> dict[str, Any]:
    return {"kind": "ours", "task": str(extracted / "task" / "notification_processor"),
            "layer": str(extracted / "opt"), "handler": "notification_processor",
            "modules": list(used_modules), "clients": [list(c) for c in used_clients]}


IMPORT_ONLY: dict[str, Any] = {"modules": [], "clients": []}
ORIGINAL: dict[str, Any] = {"kind": "original", "clients": ORIGINAL_CLIENTS}


def cold_starts(used_clients: Sequence[tuple[str, str | None, bool, bool]], used_modules: Sequence[str],
                rounds: int = COLD_START_RUNS) -> tuple[ColdStartTable, ColdStartTable | None]:
    """The headline table on the runtime interpreter: ours as packaged (the import alone, then with
    the modules and clients the first events load), the latter from source only, and the original;
    then ours as packaged and the original on the build's Python. Without a runtime interpreter, the
    headline on the build's Python (saying why) and no second table."""
    python, why_not = found_runtime()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
        return _cold_start_tables(python, why_not, Path(scratch), used_clients, used_modules, rounds)


BUILD_NAME = f"Python {platform.python_version()} (the build's)"


def _child_env() -> dict[str, str]:
    """The fake credentials and region, none of this machine's AWS or Python settings."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}, **FAKE_ENV,
            "POWERTOOLS_SERVICE_NAME": "notification_processor"}


def _cold_start_tables(python: RuntimePython | None, why_not: str, root: Path,
                       used_clients: Sequence[tuple[str, str | None, bool, bool]], used_modules: Sequence[str],
                       rounds: int) -> tuple[ColdStartTable, ColdStartTable | None]:
    env = _child_env()
    quiet = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
    build = (sys.executable,)
    if python is None:
        source = _extract(build_artifacts(None), root / "source")
        ours = _ours(source, used_clients, used_modules)
        return ColdStartTable(f"{BUILD_NAME}; no runtime interpreter: {why_not}", _interleaved([
            Run("ours: import the handler only", build, {**ours, **IMPORT_ONLY}, quiet),
            Run("ours: import + the first events' modules and clients", build, ours, quiet),
            Run("original sample (reconstructed)", build, ORIGINAL, quiet)], rounds)), None

    packaged = build_artifacts(python)
    source_only = build_artifacts(None)
    argv = python.argv

    def rows(copy: str, env: dict[str, str]) -> list[Run]:
        ours = _ours(_extract(packaged, root / copy / "packaged"), used_clients, used_modules)
        source = _ours(_extract(source_only, root / copy / "source"), used_clients, used_modules)
        return [Run("ours: import the handler only", argv, {**ours, **IMPORT_ONLY}, env),
                Run("ours: import + the first events' modules and clients", argv, ours, env),
                Run("  the same without the shipped bytecode (source only)", argv, source, env),
                Run("original sample (reconstructed)", argv, ORIGINAL, env)]

    # Lambda's runtime ships its standard library and SDK compiled: one run of each row, on copies of
    # the zips (whose bytecode these may write), compiles them for this interpreter.
    for run in rows("warm-up", runtime_env(python, base=env)):
        _cold_start_once(run)
    runtime = _interleaved(rows("measured", {**runtime_env(python, base=env), "PYTHONDONTWRITEBYTECODE": "1"}), rounds)
    ours = _ours(root / "measured" / "packaged", used_clients, used_modules)
    here = _interleaved([Run("ours: import + the first events' modules and clients (compiles: the zips' "
                             f"bytecode is for {runtime_python.NAME})", build, ours, quiet),
                         Run("original sample (reconstructed)", build, ORIGINAL, quiet)], rounds)
    return ColdStartTable(python.describe(), runtime), ColdStartTable(BUILD_NAME, here)


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
    fetch_beyond_parse_s: float  # fetch_model_series minus the parsing, timed back to back each round

    @property
    def own_s(self) -> float:
        return self.fetch_beyond_parse_s + self.summarize_s

    @property
    def total_s(self) -> float:
        return self.fetch_s + self.summarize_s


@dataclass
class UsageTable:
    interpreter: str
    costs: list[UsageCost]


def usage_tables() -> tuple[UsageTable, UsageTable | None]:
    """The headline on the runtime interpreter (a child process, from the packaged layer), then the
    build's Python in this process with botocore's default parser for one model (informative). Without
    a runtime interpreter, the build's Python is the headline (saying why) and there is no second table."""
    python, why_not = found_runtime()
    build = UsageTable(BUILD_NAME, [usage_cost(label, profiles, with_default_parser=profiles == 1)
                                    for label, profiles in USAGE_CASES])
    if python is None:
        return UsageTable(f"{BUILD_NAME}; no runtime interpreter: {why_not}", build.costs), None
    with tempfile.TemporaryDirectory(prefix="bench-usage-") as scratch:
        root = Path(scratch)
        layer = _extract([a for a in build_artifacts(python) if a.name == LAYER_NAME], root) / "opt"
        env = {**runtime_env(python, base=_child_env()), "PYTHONDONTWRITEBYTECODE": "1"}
        runtime = [runtime_usage_cost(label, profiles, python, layer, env, root) for label, profiles in USAGE_CASES]
    return UsageTable(python.describe(), runtime), build


def _usage_input(profiles: int) -> tuple[list[str], Window, list[dict[str, Any]]]:
    """The model and its siblings, the 14-day window ending now, and every GetMetricData page."""
    dims = ["abc123def456", *(f"sibling{i:02d}" for i in range(1, profiles))]
    window = usage_window(datetime.now(timezone.utc), 14)
    return dims, window, metric_data_pages(dims, window.start, window.minutes)


def _value_lists(pages: Sequence[dict[str, Any]]) -> list[list[float]]:
    return [r["Values"] for p in pages for r in p["MetricDataResults"]]


def runtime_usage_cost(label: str, profiles: int, python: RuntimePython, layer: Path, env: dict[str, str],
                       scratch: Path) -> UsageCost:
    """The same bodies as usage_cost, read on ``python`` by tests/bench/usage_reading.py: the child's
    client resolves the protocol with the same installed botocore (and says so, or stops)."""
    dims, window, pages = _usage_input(profiles)
    with mock.patch.dict(os.environ, dict(FAKE_ENV)):
        clients.reset()
        protocol = clients.client("cloudwatch", raw_timestamps=True).meta.service_model.resolved_protocol
        clients.reset()
    bodies = [metric_wire.encode(p, protocol) for p in pages]
    files = []
    for index, body in enumerate(bodies):
        files.append(scratch / f"{profiles}-{index}.body")
        files[-1].write_bytes(body)
    spec = {"layer": str(layer), "bodies": [str(f) for f in files], "protocol": protocol, "dimensions": dims,
            "start": window.start.timestamp(), "end": window.end.timestamp(), "runs": PARSE_RUNS,
            "paired_runs": PAIRED_RUNS}
    out = subprocess.run([*python.argv, str(USAGE_SCRIPT), json.dumps(spec)], env=env, cwd=scratch,
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{USAGE_SCRIPT.name} on {python.describe()} failed (exit {out.returncode}): "
                           + (out.stderr.strip().splitlines() or ["no output"])[-1])
    got = json.loads(out.stdout.strip().splitlines()[-1])
    decode = got["decode_floor_s"]
    return UsageCost(label, sum(map(len, _value_lists(pages))), len(bodies), sum(map(len, bodies)) / 2**20,
                     float("nan") if decode is None else decode, got["parse_s"], None, got["fetch_s"],
                     got["summarize_s"], got["arithmetic_floor_s"], got["fetch_beyond_parse_s"])


def usage_cost(label: str, profiles: int, *, with_default_parser: bool) -> UsageCost:
    """In this process, on the build's Python, through the processor's modules from functions/."""
    dims, window, pages = _usage_input(profiles)
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
        default_s = cpu(lambda: parse_all(ResponseParserFactory()), 1) if with_default_parser else None
        decode_s = cpu(lambda: [json.loads(b) for b in bodies], PARSE_RUNS) if protocol == "json" else float("nan")

        def fetch() -> Any:
            with metric_wire.serve_raw(cw, bodies):
                return fetch_model_series(dims, window)

        parse_s, fetch_s, beyond_s = paired_cpu(lambda: parse_all(raw), fetch, PAIRED_RUNS)
        series = fetch()
        summarize_s = cpu(lambda: summarize(series), PARSE_RUNS)
        lists = _value_lists(pages)
        floor_s = cpu(lambda: [(sum(v), max(v, default=0.0)) for v in lists], PARSE_RUNS)
        clients.reset()
    return UsageCost(label, sum(len(v) for v in lists), len(bodies), sum(map(len, bodies)) / 2**20,
                     decode_s, parse_s, default_s, fetch_s, summarize_s, floor_s, beyond_s)
