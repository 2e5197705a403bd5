"""metrics: counters as embedded-metric-format lines, in the shape Powertools' Metrics wrote."""
from __future__ import annotations

import json
import time
import warnings
from typing import Any

import pytest
from aws_lambda_powertools import Metrics as PowertoolsMetrics
from aws_lambda_powertools.metrics import MetricUnit

from ops_alert_aws.metrics import COUNT, MAX_METRICS_PER_LINE, Metrics


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


@pytest.mark.parametrize("names", [["FailedInvocations"], ["RejectedEvents", "RejectedEvents", "FollowUps"], []],
                         ids=["one", "repeated-and-two-names", "none"])
def test_a_flush_writes_what_powertools_wrote(capsys: pytest.CaptureFixture[str], names: list[str]) -> None:
    theirs, ours = PowertoolsMetrics(namespace="BedrockOpsAlert", service="svc"), Metrics("BedrockOpsAlert", "svc")
    written = []
    for metrics, unit in ((theirs, MetricUnit.Count), (ours, COUNT)):
        capsys.readouterr()
        for name in names:
            metrics.add_metric(name=name, unit=unit, value=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Powertools warns when there is nothing to flush; we do not
            metrics.flush_metrics()
            metrics.flush_metrics()  # flushed values are not written again
        lines = _lines(capsys)
        for line in lines:
            assert abs(line["_aws"].pop("Timestamp") / 1000 - time.time()) < 60
        written.append(lines)
    assert written[1] == written[0]
    assert len(written[1]) == (1 if names else 0)


def test_the_hundredth_metric_name_flushes(capsys: pytest.CaptureFixture[str]) -> None:
    # CloudWatch takes at most 100 metrics per EMF document.
    metrics = Metrics("BedrockOpsAlert", "svc")
    for i in range(MAX_METRICS_PER_LINE + 1):
        metrics.add_metric(f"M{i}", COUNT, 1)
    metrics.flush_metrics()
    first, second = _lines(capsys)
    assert len(first["_aws"]["CloudWatchMetrics"][0]["Metrics"]) == MAX_METRICS_PER_LINE
    assert second["M100"] == [1.0] and "M0" not in second
