"""usage_metrics.fetch_history: the forecast's 63 days at 5 minutes in ONE GetMetricData call,
profiles added up by metric math, whatever their number up to what one call's queries allow."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from ops_alert.forecast_history import HISTORY_DAYS
from ops_alert_aws.usage_metrics import (
    MAX_DATAPOINTS_PER_CALL,
    MAX_HISTORY_PROFILES,
    HistoryTooWide,
    fetch_history,
    history_unreadable_in_one_call,
    history_window,
)
from tests.fakes import StandardFakes

NOW = datetime.now(timezone.utc)
END = NOW.replace(second=0, microsecond=0)


def test_sixty_three_days_of_every_minute_arrive_in_one_call_at_the_real_limit(
    aws: StandardFakes, aws_calls: Counter[str]
) -> None:
    # The worst case for one model: traffic every minute of the 63 days (and older data, which
    # CloudWatch no longer keeps at 5 minutes).
    aws.metrics.now = lambda: END  # the retention's edge at the window's start, not seconds later
    minutes = {END - timedelta(minutes=m): 2.0 for m in range(1, (HISTORY_DAYS + 1) * 1440)}
    for metric in ("Invocations", "InputTokenCount", "EstimatedTPMQuotaUsage"):  # one series per sum: enough
        aws.metrics.put_series(metric, "model", minutes)
    usage = fetch_history(["model"], END)

    assert aws_calls["cloudwatch:GetMetricData"] == 1
    [params] = aws.metrics.params("GetMetricData")
    assert {q["MetricStat"]["Period"] for q in params["MetricDataQueries"] if "MetricStat" in q} == {300}
    periods = HISTORY_DAYS * 288 - 1  # whole 5-minute periods inside the aligned window
    assert 3 * periods <= MAX_DATAPOINTS_PER_CALL
    assert len(usage.invocations) == len(usage.estimated_tpm) == len(usage.tokens) >= periods
    assert set(usage.invocations.values_list) == {10.0}  # five minutes of 2 each
    assert set(usage.tokens.values_list) == {10.0}  # input tokens; no output tokens (embeddings)
    assert min(usage.invocations.seconds) >= (END - timedelta(days=HISTORY_DAYS)).timestamp()


def test_profiles_are_added_up_and_a_missing_series_does_not_hide_the_others(aws: StandardFakes) -> None:
    at = datetime.fromtimestamp(int((END - timedelta(days=30)).timestamp()) // 300 * 300, timezone.utc)
    aws.metrics.put_series("Invocations", "a", {at: 3.0})
    aws.metrics.put_series("Invocations", "b", {at: 4.0, at + timedelta(minutes=1): 1.0})
    aws.metrics.put_series("InputTokenCount", "a", {at: 100.0})  # no output tokens at all (embeddings)
    aws.metrics.put_series("OutputTokenCount", "b", {at: 50.0})
    usage = fetch_history(["a", "b"], END)
    assert dict(zip(usage.invocations.seconds, usage.invocations.values_list)) == {int(at.timestamp()): 8.0}
    assert usage.tokens.values_list == [150.0]
    assert not usage.estimated_tpm


@pytest.mark.parametrize(("profiles", "fits"), [(1, True), (12, True), (MAX_HISTORY_PROFILES, True),
                                                (MAX_HISTORY_PROFILES + 1, False)],
                         ids=["one", "twelve", "most-in-one-call", "one-too-many"])
def test_one_call_whatever_the_number_of_profiles_up_to_the_query_limit(
    aws: StandardFakes, aws_calls: Counter[str], profiles: int, fits: bool
) -> None:
    dims = [f"profile{i:03d}" for i in range(profiles)]
    at = END - timedelta(days=40)
    for dim in dims:
        aws.metrics.put_series("Invocations", dim, {at: 1.0})
    assert (history_unreadable_in_one_call(profiles) == "") is fits
    if not fits:
        assert "more than one GetMetricData call" in history_unreadable_in_one_call(profiles)
        with pytest.raises(ValueError):
            fetch_history(dims, END)
        assert aws_calls["cloudwatch:GetMetricData"] == 0
        return
    usage = fetch_history(dims, END)
    assert aws_calls["cloudwatch:GetMetricData"] == 1
    [params] = aws.metrics.params("GetMetricData")
    assert len(params["MetricDataQueries"]) == 4 * profiles + 3 <= 500
    assert usage.invocations.values_list == [float(profiles)]


def test_too_many_profiles_are_refused_with_the_reason_the_forecast_shows(aws_calls: Counter[str]) -> None:
    """The processor shows this reason in the forecast (not as a failure): the one check of the limit."""
    profiles = MAX_HISTORY_PROFILES + 1
    with pytest.raises(HistoryTooWide) as refused:
        fetch_history([f"profile{i:03d}" for i in range(profiles)], END)
    assert str(refused.value) == (f"{profiles} profiles need more than one GetMetricData call "
                                  f"(500 queries: at most {MAX_HISTORY_PROFILES} profiles)")
    assert sum(aws_calls.values()) == 0



def test_the_window_is_sixty_three_days_on_five_minute_boundaries() -> None:
    window = history_window(datetime(2026, 12, 1, 9, 17, tzinfo=timezone.utc))
    assert window.end == datetime(2026, 12, 1, 9, 15, tzinfo=timezone.utc)
    assert window.start == datetime(2026, 9, 29, 9, 20, tzinfo=timezone.utc)  # never beyond the retention


def test_one_minute_data_is_kept_fifteen_days_and_five_minute_data_sixty_three(aws: StandardFakes) -> None:
    # The fake serves CloudWatch's retention: what the history read exists for.
    from ops_alert_aws.usage_metrics import Window, fetch_model_series

    old = END - timedelta(days=20)
    aws.metrics.put_series("Invocations", "m", {old: 1.0, END - timedelta(days=70): 1.0})
    [per_minute] = fetch_model_series(["m"], Window(END - timedelta(days=30), END))
    assert not per_minute.invocations
    assert fetch_history(["m"], END).invocations.values_list == [1.0]
