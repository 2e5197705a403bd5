"""usage_metrics: every series in as few GetMetricData calls as the limits allow, all pages read."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from ops_alert.usage import summarize
from ops_alert_aws.usage_metrics import UsageUnavailable, fetch_model_series, usage_window, worst_case_calls
from tests.fakes import StandardFakes

NOW = datetime.now(timezone.utc)


def _load(aws: StandardFakes, dim: str, days: int, value: float = 10.0) -> None:
    window = usage_window(NOW, days)
    minutes = {window.start + timedelta(minutes=m): value for m in range(window.minutes)}
    for metric in ("Invocations", "InputTokenCount", "OutputTokenCount", "EstimatedTPMQuotaUsage"):
        aws.metrics.put_series(metric, dim, minutes)


@pytest.mark.parametrize(
    ("profiles", "days", "calls"),
    [(1, 14, 1), (1, 1, 1), (2, 14, 2), (5, 14, 4), (10, 14, 8)],
    ids=["one-model-14d", "one-model-1d", "2-profiles", "5-profiles", "10-profiles"],
)
def test_calls_are_the_minimum_the_datapoint_limit_allows(
    aws: StandardFakes, aws_calls: Counter[str], profiles: int, days: int, calls: int
) -> None:
    dims = [f"profile{i}" for i in range(profiles)]
    for dim in dims:
        _load(aws, dim, days)
    window = usage_window(NOW, days)
    series = fetch_model_series(dims, window)

    assert aws_calls["cloudwatch:GetMetricData"] == calls == worst_case_calls(profiles, window)
    # Nothing truncated (SPEC §8.3): every minute of every series arrived.
    assert all(len(s.invocations) == len(s.estimated_tpm) == window.minutes for s in series)


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
