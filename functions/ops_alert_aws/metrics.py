"""Counters as CloudWatch embedded-metric-format (EMF) log lines: no API call, no extra latency.

``metrics = Metrics(namespace=..., service=...)`` at import time, ``metrics.add_metric(name, COUNT,
1)`` while handling, ``metrics.flush_metrics()`` in the handler's ``finally``: one JSON line on
stdout with every value added since the last flush, the dimension ``service``, in the shape AWS
Lambda Powertools' Metrics wrote before (``{"_aws": {"Timestamp": ms, "CloudWatchMetrics":
[{"Namespace", "Dimensions": [["service"]], "Metrics": [{"Name", "Unit"}]}]}, "service": ...,
"Name": [1.0, ...]}``; tests/adapters/test_metrics.py compares the two). Nothing is written when
nothing was added. CloudWatch accepts at most 100 metrics per line: the 100th name flushes.
"""
from __future__ import annotations

import json
import time

COUNT = "Count"
MAX_METRICS_PER_LINE = 100


class Metrics:
    def __init__(self, namespace: str, service: str) -> None:
        self.namespace = namespace
        self.service = service
        self._values: dict[str, list[float]] = {}
        self._units: dict[str, str] = {}

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self._values.setdefault(name, []).append(float(value))
        self._units[name] = unit
        if len(self._values) == MAX_METRICS_PER_LINE:
            self.flush_metrics()

    def serialize(self) -> dict[str, object]:
        """The EMF document of the values added since the last flush."""
        return {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [["service"]],
                    "Metrics": [{"Name": name, "Unit": self._units[name]} for name in self._values],
                }],
            },
            "service": self.service,
            **self._values,
        }

    def flush_metrics(self) -> None:
        """Write the values added since the last flush as one line, then forget them."""
        if self._values:
            print(json.dumps(self.serialize(), separators=(",", ":")))
        self._values = {}
        self._units = {}
