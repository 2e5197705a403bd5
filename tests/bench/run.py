"""`make bench`: the packaged notification processor, in-process against moto + tests/fakes.

For each scenario of SPEC §4.4 (plus append and suppressed) it prints the AWS API calls by
operation, the total, the seconds of sleep requested (time.sleep is patched to count, never to
wait) and the handler's wall time; then how calls and time grow with the usage lookback (1, 7, 14
days) and with sibling application profiles (1, 5, 10, 12). Usage is loaded at full 1-minute
resolution for every day, the worst case for GetMetricData pagination. Then what Lambda pays for
the processor itself (tests/bench/lambda_cost.py): the cold start (import + clients, fresh
processes, from the zips) beside the original sample's, and reading usage from the raw bytes of
GetMetricData responses (botocore parsing + our own work); last the zip and layer sizes.

Targets (issue 5): usage for one model over 14 days in ≤ 2 CloudWatch calls; an alarm that opens
a new case in ≤ 15 AWS calls; zero sleep on the happy path. Issue 14: cold start CPU ≤ the
original's, peak memory ≤ 64 MiB, reading usage (parsing + own work) ≤ 150 ms CPU for one model
over 14 days and ≤ 1 s for ten profiles. Issue 12: the forecast costs ≤ 2 more AWS calls and the
case attachments ≤ 3 (each scenario is run again with both switched off to show before/after), and
the forecast's own work over 63 days of 1-minute usage stays under 100 ms. Exit status 1 when one
is missed.

    .venv/bin/python -m tests.bench.run
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import botocore.client

from bundle.artifacts import built_keys

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "functions") not in sys.path:  # ops_alert for the test world (pytest's pythonpath)
    sys.path.insert(0, str(ROOT / "functions"))

from ops_alert.processor_env import DAILY_TOKEN_QUOTA_CODE  # noqa: E402 - needs the sys.path entry above
from tests.bench import lambda_cost  # noqa: E402 - needs the sys.path entry above
from tests.fakes import FAKE_ENV, FakeLambdaContext, fake_aws  # noqa: E402 - needs the sys.path entry above
from tests.functional.packaged import PackagedFunctions  # noqa: E402 - needs the sys.path entry above
from tests.functional.processor_world import ProcessorWorld, purge_processor_modules, utc_now  # noqa: E402 - needs the sys.path entry above

MAX_USAGE_CALLS = 2
MAX_NEW_CASE_CALLS = 15  # without issue 12's attachments and forecast quota reads, nor the decision event
DECISION_EVENT_CALL = "events:PutEvents"  # one per handled signal (issue 13)
MAX_FORECAST_CALLS = 2  # issue 12: more calls for the forecast
MAX_ATTACHMENT_CALLS = 3  # issue 12: graphs + attachment set on a new case
MAX_FORECAST_MS = 100  # issue 12: the handler's own work for a 63-day forecast
MAX_HISTORY_CALLS = 1  # issue 12: the forecast's 63 days at 5 minutes


@dataclass
class Measure:
    name: str
    calls: Counter[str]
    sleep: float
    seconds: float
    aws_seconds: float  # inside botocore calls: moto and the fakes stand in for AWS's latency here
    result: dict[str, Any]
    clients: list[tuple[str, str | None, bool, bool]]  # the boto3 clients the handler created
    modules: list[str]  # every module the import and the call loaded from the zips

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def own_ms(self) -> str:
        """Handler time outside AWS calls: our parsing, usage arithmetic and content."""
        return f"{max(self.seconds - self.aws_seconds, 0.0) * 1000:.0f}"


@contextmanager
def _timed_aws_calls(spent: list[float]) -> Iterator[None]:
    """Add the time of every botocore API call to ``spent[0]``.

    The fakes evaluate GetMetricData over every 1-minute point in Python, which costs far more
    than our own work; without this split the wall time would mostly measure the test doubles.
    """
    original = botocore.client.BaseClient._make_api_call

    def timed(client: Any, operation: str, params: dict[str, Any]) -> Any:
        start = time.perf_counter()
        try:
            return original(client, operation, params)
        finally:
            spent[0] += time.perf_counter() - start

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", timed):
        yield


class Bench:
    def __init__(self) -> None:
        self.packaged = PackagedFunctions(Path(tempfile.mkdtemp(prefix="bench-lambda-")))

    def measure(self, name: str, prepare: Callable[[ProcessorWorld], dict[str, Any]], *,
                world_args: dict[str, Any] | None = None, env: dict[str, str] | None = None,
                without_capacity: bool = False, chat: str = "off") -> Measure:
        with mock.patch.dict(os.environ, dict(FAKE_ENV)), fake_aws() as aws:
            world = ProcessorWorld(aws, **(world_args or {}))
            with mock.patch.dict(os.environ, {**world.deploy(chat=chat), **(env or {})}):
                event = prepare(world)
                purge_processor_modules()
                slept: list[float] = []
                in_aws = [0.0]
                # The handler's JSON log lines (written as in Lambda) would drown the tables.
                with contextlib.redirect_stdout(io.StringIO()):
                    processor = self.packaged.load("notification_processor")
                    sys.modules["ops_alert_aws.clients"].reset()
                    if without_capacity:
                        _without_capacity(sys.modules["processor_capacity"], sys.modules["processor_pipeline"])
                    before = Counter(aws.calls)
                    with mock.patch("time.sleep", side_effect=lambda s: slept.append(float(s))), \
                            _timed_aws_calls(in_aws):
                        start = time.perf_counter()
                        result = processor.handler(event, FakeLambdaContext())
                        seconds = time.perf_counter() - start
                    created = sys.modules["ops_alert_aws.clients"].created()
                    loaded = self.packaged.loaded_modules()
                calls = Counter(aws.calls)
                calls.subtract(before)
                self.packaged.restore()
                purge_processor_modules()
        return Measure(name, +calls, sum(slept), seconds, in_aws[0], result, created, loaded)


def _without_capacity(capacity: Any, pipeline: Any) -> None:
    """The processor as before issue 12: no quota read for the forecast alone, no 63-day history
    read, no attachments."""
    capacity.forecast_quotas = lambda codes, reads: {
        kind: info.value for kind, code in codes.items() if (info := reads.remembered(code))}
    capacity.attachment_plan = lambda *args, **kwargs: None
    pipeline.read_history = lambda dims, end, job: "switched off (bench: before)"


# --- scenarios -----------------------------------------------------------------------------------


def non_quota(w: ProcessorWorld) -> dict[str, Any]:
    return w.fire("ServerErrors")


def new_model(w: ProcessorWorld) -> dict[str, Any]:
    return w.fire("Throttles")


def high_usage(w: ProcessorWorld) -> dict[str, Any]:
    w.load_usage(rpm=9_500, tpm=3_000_000, every_minutes=1)
    return w.fire("Throttles")


def low_usage(w: ProcessorWorld) -> dict[str, Any]:
    w.load_usage(rpm=2_000, tpm=1_000_000, every_minutes=1)
    return w.fire("InvocationAnomaly")


def _existing_case(w: ProcessorWorld, body: str) -> None:
    w.aws.support.add_case(f"{w.customer} - Bedrock Ops Alert - {w.model_name} - Quota Request", body,
                           submitted_by="us", days_ago=3)


def append(w: ProcessorWorld) -> dict[str, Any]:
    _existing_case(w, "earlier alarm\n[bedrock-ops-alert-signal:InvocationAnomaly]")
    w.load_usage(rpm=2_000, tpm=1_000_000, every_minutes=1)
    return w.fire("Throttles")


def suppressed(w: ProcessorWorld) -> dict[str, Any]:
    _existing_case(w, "earlier alarm\n[bedrock-ops-alert-signal:InvocationAnomaly]")
    w.load_usage(rpm=2_000, tpm=1_000_000, every_minutes=1)
    return w.fire("InvocationAnomaly")


def per_day(w: ProcessorWorld) -> dict[str, Any]:
    """Issue 12: the per-day token alarm of a model with a per-day quota (read once: scenario, request
    context and forecast share it). The steady 500,000 tokens a minute make 720 million a day, below
    80 % of the 1.5 billion quota: the investigate-first case, with its graphs and CSV."""
    os.environ[DAILY_TOKEN_QUOTA_CODE] = "L-9C972E3A"  # restored by the measure's patched environment
    w.aws.service_quotas.add_quota("L-9C972E3A", "Model invocation max tokens per day for Anthropic Claude Opus 4.6 V1",
                                   1_500_000_000)
    w.load_usage(rpm=2_000, tpm=1_000_000, every_minutes=1)
    return w.fire("HighDailyTokenUsage")


SCENARIOS: dict[str, Callable[[ProcessorWorld], dict[str, Any]]] = {
    "non_quota": non_quota, "new_model": new_model, "high_usage": high_usage,
    "low_usage": low_usage, "append": append, "suppressed": suppressed, "per_day": per_day,
}


# --- mute and re-notify window (issue 13): the low_usage alert with each setting ---------------------


def _setting(w: ProcessorWorld, key: str, value: str) -> None:
    w.client("ssm").put_parameter(Name=w.names.ssm(key), Value=value, Type="String", Overwrite=True)


def window_on(w: ProcessorWorld) -> dict[str, Any]:
    _setting(w, "renotify-window-minutes", "30")
    return low_usage(w)


def window_held(w: ProcessorWorld) -> dict[str, Any]:
    """The category was e-mailed a minute ago by another transition: this one is held."""
    _setting(w, "renotify-window-minutes", "30")
    at = int(time.time()) - 60
    w.client("dynamodb").put_item(TableName="idempotency", Item={
        "id": {"S": f"renotify#{w.customer}/{w.model_name}/Quota Request"}, "severity": {"S": "WARNING"},
        "rank": {"N": "1"}, "notifiedAt": {"N": str(at)}, "transition": {"S": "earlier"},
        "expiration": {"N": str(at + 86_400)}})
    return low_usage(w)


def muted(w: ProcessorWorld) -> dict[str, Any]:
    until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    _setting(w, "mute", json.dumps({"until": until, "reason": "bench", "scope": ["all"]}))
    return low_usage(w)


# --- fire drills (issue 13): the same alerts as drills ---------------------------------------------------


def _as_drill(w: ProcessorWorld, child: str) -> dict[str, Any]:
    """What make drill sets off: the armed token, the child set to ALARM naming it, the composite's notification."""
    from ops_alert.drill import DrillToken, state_reason

    now = utc_now()
    token = os.urandom(16).hex()
    _setting(w, "drill-token", DrillToken(token, w.child_name(child), now - timedelta(minutes=1),
                                          now + timedelta(minutes=10)).to_json())
    reason = state_reason(token)
    w.client("cloudwatch").set_alarm_state(AlarmName=w.child_name(child), StateValue="ALARM", StateReason=reason)
    w.set_composite("ALARM")
    return w.composite_event([child], reason=reason)


def high_usage_drill(w: ProcessorWorld) -> dict[str, Any]:
    w.load_usage(rpm=9_500, tpm=3_000_000, every_minutes=1)
    return _as_drill(w, "Throttles")


def low_usage_drill(w: ProcessorWorld) -> dict[str, Any]:
    w.load_usage(rpm=2_000, tpm=1_000_000, every_minutes=1)
    return _as_drill(w, "InvocationAnomaly")


def append_drill(w: ProcessorWorld) -> dict[str, Any]:
    _existing_case(w, "earlier alarm\n[bedrock-ops-alert-signal:InvocationAnomaly]")
    w.load_usage(rpm=2_000, tpm=1_000_000, every_minutes=1)
    return _as_drill(w, "Throttles")


DRILLS: dict[str, Callable[[ProcessorWorld], dict[str, Any]]] = {
    "high_usage": high_usage_drill, "low_usage": low_usage_drill, "append": append_drill,
}
# What a drill must never call: every Support and Service Quotas write, and the follow-up that leads to more.
SUPPORT_WRITES = ("support:CreateCase", "support:AddCommunicationToCase", "support:AddAttachmentsToSet",
                  "service-quotas:RequestServiceQuotaIncrease", "sqs:SendMessage")


HOLDS: dict[str, Callable[[ProcessorWorld], dict[str, Any]]] = {
    "window_on": window_on, "window_held": window_held, "muted": muted,
}
MAX_WINDOW_CALLS = 1  # the window's one conditional PutItem per notification
# Chat (issue 13): one Publish, and at most one ListSubscriptionsByTopic (a container that has seen the
# channel within 15 minutes makes none).
MAX_CHAT_CALLS = 2


def _siblings(count: int) -> dict[str, Any]:
    return {"model_id": "abc123def456", "profile_type": "Application",
            "siblings": tuple(f"sibling{i:02d}" for i in range(1, count))}


def _with_sibling_usage(count: int) -> Callable[[ProcessorWorld], dict[str, Any]]:
    def prepare(w: ProcessorWorld) -> dict[str, Any]:
        for dim in ("abc123def456", *(f"sibling{i:02d}" for i in range(1, count))):
            w.load_usage(rpm=1_000, tpm=500_000, dimension=dim, every_minutes=1)
        return w.fire("HighInvocationRate")
    return prepare


def _with_days(days: int) -> Callable[[ProcessorWorld], dict[str, Any]]:
    def prepare(w: ProcessorWorld) -> dict[str, Any]:
        w.load_usage(rpm=9_500, tpm=3_000_000, days=days, every_minutes=1)
        return w.fire("Throttles")
    return prepare


# --- output --------------------------------------------------------------------------------------


def _forecast_ms() -> float:
    """Median wall time of the forecast as the processor runs it: 14 days of RPM and TPM per minute
    (every minute with data) and the 63 days of 5-minute sums (every period with data), bucketed,
    calibrated and fitted (three Theil-Sen fits over 63 days)."""
    from datetime import datetime, timezone

    from ops_alert.forecast_history import HISTORY_DAYS, FiveMinuteUsage, extended_outlook
    from ops_alert.usage import TPM_FROM_QUOTA_USAGE, CombinedSeries, MinuteSeries

    end = datetime(2026, 12, 1, tzinfo=timezone.utc)
    last = int(end.timestamp())

    def series(days: int, period: int) -> tuple[MinuteSeries, MinuteSeries]:
        count = days * 86_400 // period
        seconds = [last - period * (count - i) for i in range(count)]
        per_day = 86_400 // period
        rpm = [float(100 + (i % per_day) * 144 // per_day + (HISTORY_DAYS - days) + i // per_day) * period / 60
               for i in range(count)]
        return MinuteSeries(seconds, rpm), MinuteSeries(seconds, [v * 1000 for v in rpm])

    rpm, tpm = series(14, 60)
    rpm5, tpm5 = series(HISTORY_DAYS, 300)
    recent = CombinedSeries(rpm, tpm, tpm, tpm, tpm, TPM_FROM_QUOTA_USAGE)
    history = FiveMinuteUsage(rpm5, tpm5, tpm5)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        outlook = extended_outlook(recent, history, end, 14, (8000, 5_000_000, None), (10_000.0, 6_250_000.0, None))
        runs.append((time.perf_counter() - start) * 1000)
    if outlook.rpm.days_of_history != HISTORY_DAYS:  # the measurement must be of the 63-day path
        raise AssertionError(f"bench forecast used {outlook.rpm.days_of_history} days, not {HISTORY_DAYS}")
    return sorted(runs)[2]


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)  # noqa: E731 - a one-line cell formatter
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def main() -> int:
    bench = Bench()
    failures: list[str] = []
    print("Notification processor bench (packaged zips, moto + tests/fakes, 1-minute usage for every day)\n")
    measures = [bench.measure(name, prepare) for name, prepare in SCENARIOS.items()]
    ops = sorted({op for m in measures for op in m.calls})
    print(_table(["AWS calls by operation", *[m.name for m in measures]],
                 [[op, *[str(m.calls.get(op, 0) or "") for m in measures]] for op in ops]
                 + [["TOTAL", *[str(m.total) for m in measures]],
                    ["case outcome", *[str(m.result.get("case", {}).get("status", m.result.get("status"))) for m in measures]],
                    ["sleep requested (s)", *[f"{m.sleep:g}" for m in measures]],
                    ["handler wall time (ms)", *[f"{m.seconds * 1000:.0f}" for m in measures]],
                    ["  of which outside AWS calls (ms)", *[m.own_ms for m in measures]]]))
    print("\nCapacity foresight (issue 12): AWS calls per alarm event before and after the forecast and"
          "\nthe case attachments (before = the same run with both switched off):")
    rows = []
    for m in measures:
        before = bench.measure(m.name, SCENARIOS[m.name], without_capacity=True)
        quota_reads = (m.calls.get("service-quotas:GetServiceQuota", 0)
                       - before.calls.get("service-quotas:GetServiceQuota", 0))
        history = m.calls.get("cloudwatch:GetMetricData", 0) - before.calls.get("cloudwatch:GetMetricData", 0)
        forecast = quota_reads + history
        attach = m.calls.get("cloudwatch:GetMetricWidgetImage", 0) + m.calls.get("support:AddAttachmentsToSet", 0)
        rows.append([m.name, str(before.total), str(m.total), f"+{quota_reads}", f"+{history}", f"+{attach}",
                     ", ".join(m.result.get("attachments", {}).get("attached", [])
                               if m.result.get("attachments") else []) or "-"])
        if forecast > MAX_FORECAST_CALLS:
            failures.append(f"{m.name}: {forecast} more calls for the forecast > {MAX_FORECAST_CALLS}")
        if history > MAX_HISTORY_CALLS:
            failures.append(f"{m.name}: {history} GetMetricData calls for the 63-day history > {MAX_HISTORY_CALLS}")
        if attach > MAX_ATTACHMENT_CALLS:
            failures.append(f"{m.name}: {attach} calls for attachments > {MAX_ATTACHMENT_CALLS}")
        # The target predates the decision event (issue 13): its one PutEvents is reported on its own.
        alert_calls = before.total - before.calls.get(DECISION_EVENT_CALL, 0)
        if m.result.get("case", {}).get("status") == "NEW" and alert_calls > MAX_NEW_CASE_CALLS:
            failures.append(f"{m.name}: {alert_calls} AWS calls for a new case > {MAX_NEW_CASE_CALLS}")
    print(_table(["scenario", "calls before", "calls after", "forecast quotas", "63-day history", "attachments",
                  "attached"], rows))
    forecast_ms = _forecast_ms()
    print(f"\nForecast own work over 63 days (14 days of RPM and TPM per minute and 63 days of 5-minute sums: daily "
          f"buckets, calibration, three Theil-Sen fits, projections; median of 5): {forecast_ms:.1f} ms")
    if forecast_ms >= MAX_FORECAST_MS:
        failures.append(f"forecast over 63 days took {forecast_ms:.1f} ms >= {MAX_FORECAST_MS} ms")

    for m in measures:
        usage_calls = m.calls.get("cloudwatch:GetMetricData", 0)
        if usage_calls > MAX_USAGE_CALLS:
            failures.append(f"{m.name}: {usage_calls} GetMetricData calls > {MAX_USAGE_CALLS}")
        if m.sleep:
            failures.append(f"{m.name}: {m.sleep:g} s of sleep requested")

    print("\nGrowth with the usage lookback (high_usage, one model):")
    rows = []
    for days in (1, 7, 14):
        m = bench.measure(f"{days}d", _with_days(days), env={"USAGE_LOOKBACK_DAYS": str(days)})
        rows.append([f"{days} days", str(m.calls.get("cloudwatch:GetMetricData", 0)), str(m.total),
                     f"{m.seconds * 1000:.0f}", m.own_ms])
    print(_table(["lookback", "GetMetricData", "total calls", "wall ms", "outside AWS ms"], rows))

    print("\nGrowth with sibling application profiles (14 days, every minute with traffic):")
    rows = []
    for count in (1, 5, 10, 12):  # 12: more siblings than the alarms add up (10), all in the usage
        m = bench.measure(f"{count} profiles", _with_sibling_usage(count), world_args=_siblings(count))
        rows.append([str(count), str(m.calls.get("cloudwatch:GetMetricData", 0)), str(m.total),
                     f"{m.seconds * 1000:.0f}", m.own_ms, m.result.get("scenario", "?")])
    print(_table(["profiles", "GetMetricData", "total calls", "wall ms", "outside AWS ms", "scenario"], rows))

    print("\nMute and re-notify window (issue 13): the low_usage alert with each setting, calls against the"
          "\nsame alert with both off (both are read in the existing GetParameters call):")
    base = next(m for m in measures if m.name == "low_usage")
    rows = []
    for name, prepare in HOLDS.items():
        m = bench.measure(name, prepare)
        extra = Counter(m.calls)
        extra.subtract(base.calls)
        said = ", ".join(f"{n:+d} {op}" for op, n in sorted(extra.items()) if n) or "none"
        rows.append([name, str(m.result.get("email")), str(m.result.get("held_by") or "-"), str(m.total), said])
        window_calls = extra.get("dynamodb:PutItem", 0)
        if window_calls > MAX_WINDOW_CALLS:
            failures.append(f"{name}: {window_calls} more DynamoDB PutItem calls > {MAX_WINDOW_CALLS}")
        if extra.get("ssm:GetParameters", 0):
            failures.append(f"{name}: the mute or window cost another GetParameters call")
    print(_table(["setting", "e-mail", "held by", "total calls", "difference to both off"], rows))

    print("\nChat (issue 13): the high_usage alert with ChatNotifications=Yes, calls against the same alert with"
          "\nchat off (a cold container: the channel check is remembered for 15 minutes once a channel is seen):")
    base = next(m for m in measures if m.name == "high_usage")
    rows = []
    for setup in ("channel", "no_channel"):
        m = bench.measure(f"chat_{setup}", high_usage, chat=setup)
        extra = Counter(m.calls)
        extra.subtract(base.calls)
        said = ", ".join(f"{n:+d} {op}" for op, n in sorted(extra.items()) if n) or "none"
        rows.append([setup, str(m.result.get("email")), str(m.result.get("chat")), str(m.total), said])
        if sum(extra.values()) > MAX_CHAT_CALLS:
            failures.append(f"chat {setup}: {sum(extra.values())} more calls > {MAX_CHAT_CALLS}")
    print(_table(["chat topic", "e-mail", "chat", "total calls", "difference to chat off"], rows))

    print("\nFire drills (issue 13): the same alerts as drills (make drill), calls against the real alert:")
    rows = []
    for name, prepare in DRILLS.items():
        real = next(m for m in measures if m.name == name)
        m = bench.measure(f"{name} drill", prepare)
        extra = Counter(m.calls)
        extra.subtract(real.calls)
        said = ", ".join(f"{n:+d} {op}" for op, n in sorted(extra.items()) if n) or "none"
        writes = sum(m.calls.get(op, 0) for op in SUPPORT_WRITES)
        rows.append([name, str(m.result.get("case", {}).get("status")), str(len(m.result.get("would_have_done", []))),
                     str(writes), str(real.total), str(m.total), said])
        if writes or not m.result.get("drill"):
            failures.append(f"{name} drill: {writes} Support / Service Quotas writes (drill: {m.result.get('drill')})")
        if extra.get("ssm:GetParameters", 0) > 0:
            failures.append(f"{name} drill: the drill token cost another GetParameters call")
    print(_table(["scenario", "would be", "would have done", "writes", "real calls", "drill calls",
                  "difference to the real alert"], rows))

    used = sorted({c for m in measures for c in m.clients}, key=str)
    failures += _lambda_cost(used, sorted({n for m in measures for n in m.modules}))

    print("\nArtifacts (build/, from `make package`):")
    keys = built_keys(ROOT / "build")
    if keys:
        rows = []
        for name, key in sorted(keys.items()):
            path = ROOT / "build" / key
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
            pycs = [i.file_size for i in infos if i.filename.endswith(".pyc")]
            rows.append([name, key, f"{path.stat().st_size / 1024:,.1f}", str(len(infos)),
                         f"{sum(i.file_size for i in infos) / 1024:,.1f}", f"{len(pycs)} ({sum(pycs) / 1024:,.1f})"])
        print(_table(["artifact", "key", "zip KiB", "files", "unzipped KiB", "of which .pyc: files (KiB)"], rows))
    else:
        print("  build/ holds no artifacts: run `make package` first")

    events = sorted({m.calls.get(DECISION_EVENT_CALL, 0) for m in measures})
    print(f"\nDecision events (issue 13): {DECISION_EVENT_CALL} per alarm event: {', '.join(map(str, events))} "
          "(one per handled signal; in the totals above, outside the new-case target).")
    if events != [1]:
        failures.append(f"decision events: {events} PutEvents per alarm event, expected exactly 1")
    print("\nWall time includes moto and the fakes answering in-process; 'outside AWS' is the handler's own\n"
          "work: creating its boto3 clients (a cold start each run here; warm invocations reuse them), event\n"
          "parsing, per-minute usage arithmetic, case and e-mail content.")
    print("\nTargets: usage ≤ 2 CloudWatch GetMetricData calls (one model, 14 days); new case ≤ 15 AWS calls "
          "(before issues 12 and 13),\n  forecast ≤ 2 more calls, attachments ≤ 3 calls, 63-day forecast < 100 ms; "
          "no sleep;\n  cold start CPU ≤ the original's, peak ≤ 64 MiB; reading usage ≤ 150 ms CPU (one model, "
          "14 days), ≤ 1 s (10 profiles);\n  mute: no extra call; re-notify window ≤ 1 conditional PutItem per alert; "
          "chat ≤ 2 more calls per alert;\n  fire drill: no Support or Service Quotas write, no extra call.")
    for failure in failures:
        print(f"  MISSED: {failure}")
    print("  all met" if not failures else "")
    return 1 if failures else 0


def _client_label(service: str, region: str | None, raw_timestamps: bool, retry: bool) -> str:
    """``support@us-east-1 (one attempt)``: a client as ops_alert_aws.clients.created() lists it."""
    return (service + (f"@{region}" if region else "") + (" (raw timestamps)" if raw_timestamps else "")
            + ("" if retry else " (one attempt)"))


def _print_cold_starts(table: lambda_cost.ColdStartTable) -> None:
    print(_table(["", "CPU ms", "peak MiB", "modules imported", "× original CPU"],
                 [[c.label, f"{c.cpu * 1000:.0f}", f"{c.peak:.1f}", str(c.modules), f"{c.cpu / table.original.cpu:.2f}"]
                  for c in table.rows]))


def _print_usage(costs: list[lambda_cost.UsageCost], *, targets: bool) -> None:
    rows = [
        ["datapoints", *[f"{c.datapoints:,}" for c in costs]],
        ["GetMetricData calls (response MiB)", *[f"{c.calls} ({c.body_mib:.1f})" for c in costs]],
        ["floor: decoding the bytes (json.loads)", *[f"{c.decode_floor_s * 1000:.0f}" for c in costs]],
        ["botocore parsing, timestamps left raw", *[f"{c.parse_s * 1000:.0f}" for c in costs]],
    ]
    if any(c.default_parse_s is not None for c in costs):
        rows.append(["  (with botocore's datetime per timestamp, as before)",
                     *[f"{c.default_parse_s * 1000:.0f}" if c.default_parse_s is not None else "-" for c in costs]])
    rows += [
        ["own work: requests, lists, checks, summarising", *[f"{c.own_s * 1000:.1f}" for c in costs]],
        ["  of which summarize()", *[f"{c.summarize_s * 1000:.1f}" for c in costs]],
        ["  floor: one sum and one max per value list", *[f"{c.arithmetic_floor_s * 1000:.1f}" for c in costs]],
        ["TOTAL (fetch_model_series + summarize)", *[f"{c.total_s * 1000:.0f}" for c in costs]],
    ]
    if targets:
        rows.append(["target", *[f"≤ {lambda_cost.MAX_USAGE_CPU_S[c.label] * 1000:.0f}" for c in costs]])
    print(_table(["", *[c.label for c in costs]], rows))


def _lambda_cost(used_clients: list[tuple[str, str | None, bool, bool]], used_modules: list[str]) -> list[str]:
    failures: list[str] = []
    runs = lambda_cost.COLD_START_RUNS
    print(f"\nCold start: a fresh process from the zips, median of {runs} interleaved rounds (each runs every row once;\n"
          "CPU = user + system; no bytecode written: Lambda's /var/task and /opt are read-only). Clients and modules\n"
          "are loaded on first use, so the figure that counts is the second row: the import, then every module\n"
          f"({len(used_modules)}) and client ({len(used_clients)}) that the first alarm event of any scenario above "
          "loads, together (more than any one event loads).")
    headline, build = lambda_cost.cold_starts(used_clients, used_modules)
    print(f"On {headline.interpreter}" + (", the template's runtime interpreter, with the SDK as Lambda's runtime has it"
                                          " (compiled by one warm-up run of each row):" if build else ":"))
    _print_cold_starts(headline)
    print(f"  ours: the processor's zip + layer as `make package` builds them; clients: "
          f"{', '.join(_client_label(*c) for c in used_clients)}\n"
          "  original: no layer code; the standard-library modules a one-file processor uses, boto3, then one\n"
          "  module-level boto3.client() per service its role allows (original-stack.json): "
          f"{', '.join(s + ('@' + r if r else '') for s, r in lambda_cost.ORIGINAL_CLIENTS)}.\n"
          "  The original's own function code is not available, so compiling it is not counted: its figure is a\n"
          "  lower bound. Peak memory is the whole process (interpreter included), as Lambda reports it.")
    if build:
        print(f"\nThe same on {build.interpreter}, with its botocore (informative, not the target):")
        _print_cold_starts(build)
    ours, original = headline.ours, headline.original
    if ours.cpu > original.cpu:
        failures.append(f"cold start {ours.cpu * 1000:.0f} ms CPU > the original's {original.cpu * 1000:.0f} ms "
                        f"({ours.cpu / original.cpu:.2f}×)")
    if ours.peak > lambda_cost.MAX_PEAK_MIB:
        failures.append(f"cold start peak {ours.peak:.1f} MiB > {lambda_cost.MAX_PEAK_MIB:.0f} MiB")

    print("\nReading usage from raw GetMetricData bytes (14 days, a datapoint every minute of every series; "
          f"CPU ms, median of {lambda_cost.PARSE_RUNS}; parsing and fetching: {lambda_cost.PAIRED_RUNS} rounds back to back, own work\n"
          "is the fetch's time beyond the parsing in the same round):")
    headline_usage, build_usage = lambda_cost.usage_tables()
    print(f"On {headline_usage.interpreter}" + (", the template's runtime interpreter: a fresh process, the "
                                                "packaged layer as extracted, the bodies as files:" if build_usage else ":"))
    _print_usage(headline_usage.costs, targets=True)
    if build_usage:
        print(f"\nThe same on {build_usage.interpreter}, in the bench's process from functions/ (informative, "
              "not the target):")
        _print_usage(build_usage.costs, targets=False)
    for c in headline_usage.costs:
        if c.total_s > lambda_cost.MAX_USAGE_CPU_S[c.label]:
            failures.append(f"reading usage for {c.label}: {c.total_s * 1000:.0f} ms CPU > "
                            f"{lambda_cost.MAX_USAGE_CPU_S[c.label] * 1000:.0f} ms")
    return failures


if __name__ == "__main__":
    sys.exit(main())
