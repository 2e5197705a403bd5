"""The alarm catalogue and the one "investigation only" rule."""
from __future__ import annotations

import pytest

from ops_alert.alarms import ALARM_KINDS, BY_KEY, CaseCategory, case_category

CATEGORY = [
    ("server-errors", ("ServerErrors",), CaseCategory.INVESTIGATION_REQUEST),
    ("all-investigation", ("ServerErrors", "HighLatency", "LatencyAnomaly"), CaseCategory.INVESTIGATION_REQUEST),
    ("throttles", ("Throttles",), CaseCategory.QUOTA_REQUEST),
    ("one-quota-among-investigation", ("ServerErrors", "HighLatency", "InputTokenAnomaly"), CaseCategory.QUOTA_REQUEST),
    ("all-ten", tuple(k.key for k in ALARM_KINDS), CaseCategory.QUOTA_REQUEST),
]


@pytest.mark.parametrize(("keys", "category"), [c[1:] for c in CATEGORY], ids=[c[0] for c in CATEGORY])
def test_case_category(keys: tuple[str, ...], category: CaseCategory) -> None:
    assert case_category(BY_KEY[k] for k in keys) is category


def test_investigation_kinds_are_errors_and_latency() -> None:
    investigation = {k.key for k in ALARM_KINDS if case_category((k,)) is CaseCategory.INVESTIGATION_REQUEST}
    assert investigation == {"ServerErrors", "HighLatency", "LatencyAnomaly"}
