"""The re-notify window (issue 13): one e-mail per category and model within N minutes, unless severity rises.

The window is a stack-owned SSM parameter (``StackNames.renotify_window_parameter``, minutes,
``0`` = off, the template's value). The last notification of each category is remembered in the
idempotency table (``ops_alert_aws.renotify_state``) and claimed with ONE conditional write whose
condition is exactly :func:`renotify_allows`, so two concurrent alerts cannot both notify. Only
notifications that go out count: a held or filtered one leaves the last notice as it was.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ops_alert.alarms import CaseCategory, Severity

OFF = 0
MAX_WINDOW_MINUTES = 1440  # a day; longer would hide a new incident the next morning
# Severity order for "rises": a CRITICAL after a WARNING of the same category is always sent.
SEVERITY_RANK: dict[Severity, int] = {Severity.WARNING: 1, Severity.CRITICAL: 2}


@dataclass(frozen=True)
class LastNotice:
    """The last notification sent for one category of one model."""

    severity: Severity
    at: datetime
    transition: str  # the alarm transition it was for


@dataclass(frozen=True)
class WindowReading:
    minutes: int  # 0: off
    problem: str | None = None


def parse_window(text: str | None, name: str) -> WindowReading:
    """Whole minutes from 0 to MAX_WINDOW_MINUTES; anything else is a problem and means off."""
    if text is None:
        return WindowReading(OFF, f"SSM parameter {name} is missing: re-notify window off")
    word = text.strip().lower()
    if word in ("", "off", "0"):
        return WindowReading(OFF)
    try:
        minutes = int(word)
    except ValueError:
        minutes = -1
    if not 0 <= minutes <= MAX_WINDOW_MINUTES:
        return WindowReading(OFF, f"SSM parameter {name} = {text[:40]!r} is not a whole number of minutes "
                                  f"from 0 to {MAX_WINDOW_MINUTES}: re-notify window off")
    return WindowReading(minutes)


def renotify_key(customer: str, model: str, category: CaseCategory) -> str:
    """The idempotency-table item holding the last notice (Powertools' own keys never start so)."""
    return f"renotify#{customer}/{model}/{category.value}"


def renotify_allows(last: LastNotice | None, severity: Severity, transition: str, now: datetime,
                    minutes: int) -> bool:
    """May this alert notify? The state adapter's write condition says exactly this.

    A retry of the transition that made the last notice is allowed: its e-mail may not have gone out
    (the publish failed after the claim) and an alert is never lost for the window.
    """
    if minutes <= OFF or last is None or last.transition == transition:
        return True
    if SEVERITY_RANK[severity] > SEVERITY_RANK[last.severity]:
        return True
    return now - last.at >= timedelta(minutes=minutes)
