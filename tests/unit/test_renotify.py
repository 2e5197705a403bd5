"""The re-notify window (issue 13): the parameter's bounds and the rule the conditional write enforces."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ops_alert.alarms import CaseCategory, Severity
from ops_alert.renotify import LastNotice, parse_window, renotify_allows, renotify_key

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
C, W = Severity.CRITICAL, Severity.WARNING

WINDOWS = [
    ("zero-off", "0", 0, None),
    ("off-word", "off", 0, None),
    ("thirty", " 30 ", 30, None),
    ("a-day", "1440", 1440, None),
    ("beyond-a-day", "1441", 0, "from 0 to 1440"),
    ("negative", "-5", 0, "from 0 to 1440"),
    ("fraction", "7.5", 0, "whole number"),
    ("words", "half an hour", 0, "whole number"),
    ("missing", None, 0, "is missing"),
]


@pytest.mark.parametrize(("text", "minutes", "problem"), [w[1:] for w in WINDOWS], ids=[w[0] for w in WINDOWS])
def test_window_parameter(text: str | None, minutes: int, problem: str | None) -> None:
    reading = parse_window(text, "/Acme/renotify-window-minutes")
    assert reading.minutes == minutes
    assert (problem in (reading.problem or "")) if problem else reading.problem is None
    if problem:
        assert "/Acme/renotify-window-minutes" in (reading.problem or "") and "off" in (reading.problem or "")


def notice(severity: Severity, minutes_ago: float, transition: str = "t-earlier") -> LastNotice:
    return LastNotice(severity, NOW - timedelta(minutes=minutes_ago), transition)


RULES = [
    # (id, last notice, severity now, window minutes, notifies)
    ("window-off", notice(W, 1), W, 0, True),
    ("first-notice", None, W, 30, True),
    ("same-severity-within", notice(W, 10), W, 30, False),
    ("critical-within", notice(C, 29), C, 30, False),
    ("lower-severity-within", notice(C, 10), W, 30, False),
    ("severity-rises-within", notice(W, 1), C, 30, True),
    ("exactly-at-window-end", notice(W, 30), W, 30, True),
    ("after-window", notice(C, 31), W, 30, True),
    ("retry-of-the-same-transition", notice(W, 1, "t-now"), W, 30, True),
]


@pytest.mark.parametrize(("last", "severity", "minutes", "notifies"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_renotify_rule(last: LastNotice | None, severity: Severity, minutes: int, notifies: bool) -> None:
    assert renotify_allows(last, severity, "t-now", NOW, minutes) is notifies


def test_one_state_item_per_model_and_category() -> None:
    keys = {renotify_key(c, m, cat) for c in ("Acme", "Beta") for m in ("M1", "M2") for cat in CaseCategory}
    assert len(keys) == 8 and all(k.startswith("renotify#") for k in keys)
