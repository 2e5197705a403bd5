"""usage_metrics: every series in as few GetMetricData calls as the limits allow, all pages read."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from ops_alert.usage import ModelSeries, summarize
from ops_alert_aws import clients, usage_metrics
from ops_alert_aws.usage_metrics import (
    MAX_DATAPOINTS_PER_CALL,
    UsageUnavailable,
    Window,
    epoch_seconds,
    fetch_model_series,
    usage_window,
    worst_case_calls,
)
from tests.fakes import PASS, StandardFakes, metric_wire
from tests.fakes.cloudwatch import MAX_DATAPOINTS
from tests.fakes.core import active_hub
from tests.fakes.metric_wire import serve_raw

NOW = datetime.now(timezone.utc)
MINUTE = NOW.replace(second=0, microsecond=0)


def _load(aws: StandardFakes, dim: str, window: Window, value: float = 10.0) -> None:
    minutes = {window.start + timedelta(minutes=m): value for m in range(window.minutes)}
    for metric in ("Invocations", "InputTokenCount", "OutputTokenCount", "EstimatedTPMQuotaUsage"):
        aws.metrics.put_series(metric, dim, minutes)


def _minutes_window(minutes: int) -> Window:
    end = NOW.replace(second=0, microsecond=0)
    return Window(end - timedelta(minutes=minutes), end)


# (profiles, days, calls) at the real limits: 100,800 datapoints a call, 20,160 minutes in 14 days.
CALL_COUNTS = [(1, 14, 1), (1, 1, 1), (2, 14, 2), (5, 14, 4), (10, 14, 8)]
CALL_COUNT_IDS = ["one-model-14d", "one-model-1d", "2-profiles", "5-profiles", "10-profiles"]
# The datapoint limit is a count of points per call, not a volume: divided by 144 (100,800 -> 700
# points a call, a day -> 10 minutes, 14 days -> 140) every case needs the same pages, with series
# small enough to load and read in milliseconds.
SCALE = 144


def test_the_limits_are_those_of_the_api() -> None:
    assert MAX_DATAPOINTS_PER_CALL == MAX_DATAPOINTS == 100_800
    assert usage_window(NOW, 14).minutes == 20_160


@pytest.mark.parametrize(("profiles", "days", "calls"), CALL_COUNTS, ids=CALL_COUNT_IDS)
def test_worst_case_calls_at_the_real_limits(profiles: int, days: int, calls: int) -> None:
    assert worst_case_calls(profiles, usage_window(NOW, days)) == calls


@pytest.mark.parametrize(("profiles", "days", "calls"), CALL_COUNTS, ids=CALL_COUNT_IDS)
def test_calls_are_the_minimum_the_datapoint_limit_allows(
    aws: StandardFakes, aws_calls: Counter[str], monkeypatch: pytest.MonkeyPatch, profiles: int, days: int,
    calls: int,
) -> None:
    monkeypatch.setattr(usage_metrics, "MAX_DATAPOINTS_PER_CALL", MAX_DATAPOINTS_PER_CALL // SCALE)
    window = _minutes_window(days * 1_440 // SCALE)
    dims = [f"profile{i}" for i in range(profiles)]
    for dim in dims:
        _load(aws, dim, window)
    series = fetch_model_series(dims, window)

    assert aws_calls["cloudwatch:GetMetricData"] == calls == worst_case_calls(profiles, window)
    assert all(p["MaxDatapoints"] == 700 for p in aws.metrics.params("GetMetricData"))
    # Nothing truncated (SPEC §8.3): every minute of every series arrived.
    assert all(len(s.invocations) == len(s.estimated_tpm) == window.minutes for s in series)


def test_a_fortnight_of_one_model_arrives_whole_in_one_call_at_the_real_limit(
    aws: StandardFakes, aws_calls: Counter[str]
) -> None:
    window = usage_window(NOW, 14)
    _load(aws, "model", window)
    [series] = fetch_model_series(["model"], window)
    assert aws_calls["cloudwatch:GetMetricData"] == 1
    assert len(series.invocations) == len(series.input_tokens) == len(series.estimated_tpm) == 20_160


def test_more_profiles_than_one_call_takes_go_out_in_batches_of_500_queries(
    aws: StandardFakes, aws_calls: Counter[str]
) -> None:
    # 130 sibling profiles × 4 metrics = 520 queries: two batches (500 + 20). Short series keep the
    # test cheap: the 500-query limit is a count of queries, whatever their length.
    peak = NOW.replace(second=0, microsecond=0) - timedelta(minutes=5)
    dims = [f"profile{i:03d}" for i in range(130)]
    for i, dim in enumerate(dims):
        aws.metrics.put_series("Invocations", dim, {peak: 1.0 + i % 2, peak - timedelta(minutes=1): 1.0})
    window = usage_window(NOW, 1)
    series = fetch_model_series(dims, window)

    assert [len(p["MetricDataQueries"]) for p in aws.metrics.params("GetMetricData")] == [500, 20]
    assert aws_calls["cloudwatch:GetMetricData"] == 2 <= worst_case_calls(130, window)
    assert [s.invocations[peak] for s in series] == [1.0 + i % 2 for i in range(130)]  # each in its place
    assert summarize(series, 1).peak_rpm == 195.0  # 65 × 1 + 65 × 2 at the same minute


@pytest.mark.parametrize(
    ("profiles", "calls"),
    [(1, 1), (10, 8), (12, 10), (125, 100), (126, 101)],
    ids=["one", "ten", "twelve", "one-full-batch", "second-batch"],
)
def test_worst_case_calls_count_every_batch(profiles: int, calls: int) -> None:
    assert worst_case_calls(profiles, usage_window(NOW, 14)) == calls


def test_series_keep_their_profile_and_timestamps(aws: StandardFakes) -> None:
    peak = NOW.replace(second=0, microsecond=0) - timedelta(minutes=30)
    aws.metrics.put_series("Invocations", "a", {peak: 7.0})
    aws.metrics.put_series("Invocations", "b", {peak: 5.0, peak - timedelta(minutes=1): 1.0})
    a, b = fetch_model_series(["a", "b"], usage_window(NOW, 1))
    assert a.invocations == {peak: 7.0}
    assert b.invocations == {peak: 5.0, peak - timedelta(minutes=1): 1.0}
    assert summarize((a, b), 1).peak_rpm == 12.0


def test_no_data_gives_empty_series(aws: StandardFakes) -> None:
    [series] = fetch_model_series(["idle"], usage_window(NOW, 14))
    assert not series.invocations and not summarize(series).has_traffic


def test_query_error_message_is_not_silently_ignored(aws: StandardFakes, monkeypatch: pytest.MonkeyPatch) -> None:
    original = aws.metrics.GetMetricData

    def failing(params: dict) -> dict:
        response = original(params)
        response["Messages"] = [{"Code": "InternalError", "Value": "try again"}]
        return response

    monkeypatch.setattr(aws.metrics, "GetMetricData", failing)
    with pytest.raises(UsageUnavailable, match="InternalError"):
        fetch_model_series(["x"], usage_window(NOW, 1))


def test_no_dimension_is_a_programming_error(aws: StandardFakes) -> None:
    with pytest.raises(ValueError):
        fetch_model_series([], usage_window(NOW, 1))


def test_window_is_whole_minutes_ending_now() -> None:
    window = usage_window(datetime(2026, 11, 26, 14, 5, 42, tzinfo=timezone.utc), 14)
    assert window.end == datetime(2026, 11, 26, 14, 5, tzinfo=timezone.utc)
    assert window.minutes == 20_160


# --- real wire bytes: what botocore parses when CloudWatch, not a fake, answers --------------------

def _fetch_over_the_wire(aws: StandardFakes, monkeypatch: pytest.MonkeyPatch, dims: list[str], window: Window,
                         protocol: str | None = None) -> tuple[tuple[ModelSeries, ...], tuple[ModelSeries, ...]]:
    """The same usage read twice: as the fakes hand it to botocore (parsed), then as raw HTTP bodies."""
    responses: list[dict] = []
    original = aws.metrics.GetMetricData
    monkeypatch.setattr(aws.metrics, "GetMetricData", lambda params: responses.append(original(params)) or responses[-1])
    parsed = fetch_model_series(dims, window)
    monkeypatch.setattr(aws.metrics, "GetMetricData", lambda params: PASS)
    cw = clients.client("cloudwatch", raw_timestamps=True)
    if protocol:  # as a botocore that speaks another protocol of CloudWatch's would
        monkeypatch.setitem(cw.meta.service_model.__dict__, "resolved_protocol", protocol)
    with serve_raw(cw, [metric_wire.encode(r, protocol or cw.meta.service_model.resolved_protocol)
                        for r in responses]) as served:
        wire = fetch_model_series(dims, window)
    assert len(served) == len(responses)
    return parsed, wire


@pytest.mark.parametrize("protocol", [None, *metric_wire.PROTOCOLS],
                         ids=["installed-botocore", *metric_wire.PROTOCOLS])
def test_wire_bytes_give_the_same_usage_as_parsed_responses(
    aws: StandardFakes, monkeypatch: pytest.MonkeyPatch, protocol: str | None
) -> None:
    window = usage_window(NOW, 1)
    rng = random.Random(7)
    for dim in ("a", "b"):  # gaps, ties and zeros; b has minutes a lacks
        for metric in ("Invocations", "InputTokenCount", "OutputTokenCount", "EstimatedTPMQuotaUsage"):
            points = {window.start + timedelta(minutes=m): float(rng.choice([0, 1, 7, 7, 1234.5]))
                      for m in range(window.minutes) if rng.random() < (0.6 if dim == "a" else 0.3)}
            aws.metrics.put_series(metric, dim, points)
    parsed, wire = _fetch_over_the_wire(aws, monkeypatch, ["a", "b"], window, protocol)
    assert wire == parsed
    assert summarize(wire, 1) == summarize(parsed, 1)
    assert summarize(wire, 1).peak_rpm_at == summarize(parsed, 1).peak_rpm_at is not None


def test_wire_bytes_follow_every_page(aws: StandardFakes, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two profiles of 14 days need two calls at the real limit; at the scaled limit (a count of
    # points, see SCALE) the same two calls carry 140 minutes each instead of 20,160.
    monkeypatch.setattr(usage_metrics, "MAX_DATAPOINTS_PER_CALL", MAX_DATAPOINTS_PER_CALL // SCALE)
    dims = [f"profile{i}" for i in range(2)]
    window = _minutes_window(14 * 1_440 // SCALE)
    for dim in dims:
        _load(aws, dim, window, value=3.0)
    pages: list[dict] = []
    original = aws.metrics.GetMetricData
    monkeypatch.setattr(aws.metrics, "GetMetricData", lambda params: pages.append(original(params)) or pages[-1])
    parsed, wire = _fetch_over_the_wire(aws, monkeypatch, dims, window)
    assert len(pages) == 2 == worst_case_calls(2, window) and "NextToken" in pages[0]
    assert wire == parsed
    assert all(len(s.invocations) == window.minutes for s in wire)


def test_the_usage_client_leaves_timestamps_raw_and_every_other_client_parses_them(aws: StandardFakes) -> None:
    raw = clients.client("cloudwatch", raw_timestamps=True)
    parsed = clients.client("cloudwatch")
    assert raw is not parsed and raw is clients.client("cloudwatch", raw_timestamps=True)
    body = metric_wire.encode({"MetricDataResults": [
        {"Id": "q", "Label": "q", "Timestamps": [MINUTE], "Values": [1.0], "StatusCode": "Complete"}]}, "json")
    [raw_stamp] = _served_timestamps(raw, body)
    [parsed_stamp] = _served_timestamps(parsed, body)
    assert isinstance(raw_stamp, (int, float)) and isinstance(parsed_stamp, datetime)
    assert raw_stamp == parsed_stamp.timestamp() == MINUTE.timestamp()
    # A client created afterwards from the same Session parses timestamps again.
    assert isinstance(clients.client("cloudwatch", "eu-west-1").meta.config.retries, dict)
    assert isinstance(_served_timestamps(clients.client("cloudwatch", "eu-west-1"), body)[0], datetime)


def _served_timestamps(client: Any, body: bytes) -> list[Any]:
    # No fake answers these calls: the bodies go through botocore's parser like CloudWatch's.
    hub = active_hub()
    assert hub is not None
    hub.uninstall()
    try:
        with serve_raw(client, [body]):
            page = client.get_metric_data(MetricDataQueries=[], StartTime=NOW - timedelta(hours=1), EndTime=NOW)
    finally:
        hub.install()
    return page["MetricDataResults"][0]["Timestamps"]


EPOCH = [
    ("int-seconds", 1764597600, 1764597600),
    ("float-seconds", 1764597600.0, 1764597600),
    ("iso-text-z", "2025-12-01T14:00:00Z", 1764597600),
    ("iso-text-millis", "2025-12-01T14:00:00.000Z", 1764597600),
    ("iso-text-offset", "2025-12-01T15:00:00+01:00", 1764597600),
    ("aware-datetime", datetime(2025, 12, 1, 14, tzinfo=timezone.utc), 1764597600),
    ("naive-datetime-is-utc", datetime(2025, 12, 1, 14), 1764597600),
]


@pytest.mark.parametrize(("stamp", "seconds"), [c[1:] for c in EPOCH], ids=[c[0] for c in EPOCH])
def test_timestamps_in_every_form_botocore_hands_over(stamp: Any, seconds: int) -> None:
    assert epoch_seconds([stamp, stamp]) == [seconds, seconds]


def test_a_timestamp_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="not one"):
        epoch_seconds([None])
