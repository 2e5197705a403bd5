"""The alert context: severity and case category come from the routing decided once."""
from __future__ import annotations

import dataclasses

import pytest

from ops_alert.alarms import BY_KEY, CaseCategory, Severity
from ops_alert.content.model import AlertContext
from ops_alert.routing import route
from tests.unit.content.contexts import HIGH

ROUTED = [
    ("throttles", ("Throttles",), Severity.CRITICAL, CaseCategory.QUOTA_REQUEST),
    ("server-errors", ("ServerErrors",), Severity.CRITICAL, CaseCategory.INVESTIGATION_REQUEST),
    ("latency-anomaly", ("LatencyAnomaly",), Severity.WARNING, CaseCategory.INVESTIGATION_REQUEST),
    ("mixed", ("HighLatency", "InputTokenAnomaly"), Severity.WARNING, CaseCategory.QUOTA_REQUEST),
]


@pytest.mark.parametrize(("keys", "severity", "category"), [r[1:] for r in ROUTED], ids=[r[0] for r in ROUTED])
def test_severity_and_category_are_the_routing_result(
    keys: tuple[str, ...], severity: Severity, category: CaseCategory
) -> None:
    ctx: AlertContext = dataclasses.replace(HIGH, routing=route(tuple(BY_KEY[k] for k in keys)))
    assert (ctx.severity, ctx.category) == (severity, category)


@pytest.mark.parametrize(
    ("model_id", "is_global"),
    [("global.anthropic.claude-opus-4-6-v1", True), ("us.anthropic.claude-opus-4-6-v1", False),
     ("anthropic.claude-opus-4-6-v1", False)],
    ids=["global", "geo", "in-region"],
)
def test_is_global(model_id: str, is_global: bool) -> None:
    assert dataclasses.replace(HIGH, model_id=model_id).is_global is is_global
