"""Category-aware duplicate detection over support cases, and re-fire suppression (SPEC §4.4 step 6, §9).

Three marker lines make our cases machine-readable, where subject matching alone is brittle:
- ``[bedrock-ops-alert:<customer>/<model>/<category-slug>]`` — this case is ours for that
  customer, model and category;
- ``[bedrock-ops-alert-signal:<alarm-key>]`` — that alarm kind was communicated on the case;
- ``[bedrock-ops-alert-transition:<transition-id>]`` — that exact alarm transition was handled
  (a retried delivery must not append twice).
Every case body and every appended communication carries all three: DescribeCases returns only
the most recent communications, so the first body alone may fall out of view.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ops_alert.alarms import ALARM_KINDS, AlarmKind, CaseCategory

_CLOSED_STATUSES = frozenset({"resolved", "closed"})
_MARKER_RE = re.compile(r"\[bedrock-ops-alert:([^/\]\s]+)/([^/\]\s]+)/([a-z-]+)\]")
_SLUGS = {c: c.value.lower().replace(" ", "-") for c in CaseCategory}
_BY_SLUG = {slug: c for c, slug in _SLUGS.items()}


@dataclass(frozen=True)
class CaseSummary:
    """What duplicate detection needs from one DescribeCases result."""

    case_id: str
    display_id: str
    subject: str
    status: str
    time_created: datetime  # naive values are taken as UTC
    communications: tuple[str, ...] = ()  # bodies, any order


@dataclass(frozen=True)
class CaseMarker:
    customer: str
    model: str
    category: CaseCategory


def category_slug(category: CaseCategory) -> str:
    """``quota-request`` / ``investigation-request``."""
    return _SLUGS[category]


def marker(customer: str, model: str, category: CaseCategory) -> str:
    return f"[bedrock-ops-alert:{customer}/{model}/{category_slug(category)}]"


def parse_markers(text: str) -> tuple[CaseMarker, ...]:
    """Every well-formed case marker in ``text``; unknown category slugs are ignored."""
    return tuple(
        CaseMarker(m.group(1), m.group(2), _BY_SLUG[m.group(3)])
        for m in _MARKER_RE.finditer(text)
        if m.group(3) in _BY_SLUG
    )


def case_subject(customer: str, model: str, category: CaseCategory) -> str:
    """The subject of the cases we open; identical to the original solution's (SPEC §4.4)."""
    return f"{customer} - Bedrock Ops Alert - {model} - {category.value}"


def signal_marker(kind: AlarmKind) -> str:
    return f"[bedrock-ops-alert-signal:{kind.key}]"


def signal_kinds_in(text: str) -> tuple[AlarmKind, ...]:
    """The alarm kinds whose signal marker ``text`` carries, in catalogue order."""
    return tuple(k for k in ALARM_KINDS if signal_marker(k) in text)


def transition_marker(transition_id: str) -> str:
    return f"[bedrock-ops-alert-transition:{transition_id}]"


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _is_ours(
    case: CaseSummary,
    customer: str,
    model: str,
    category: CaseCategory,
    quota_case_ids: Collection[str],
) -> bool:
    wanted = CaseMarker(customer, model, category)
    if any(wanted in parse_markers(body) for body in (case.subject, *case.communications)):
        return True
    if _normal(case.subject) == _normal(case_subject(customer, model, category)):
        return True
    # Cases that Service Quotas opened for this model's quotas carry AWS's own subject and body.
    return category is CaseCategory.QUOTA_REQUEST and bool(
        {case.case_id, case.display_id} & set(quota_case_ids)
    )


def find_open_case(
    cases: Iterable[CaseSummary],
    customer: str,
    model: str,
    category: CaseCategory,
    now: datetime,
    lookback_days: int,
    quota_case_ids: Collection[str] = (),
) -> CaseSummary | None:
    """The most recent unresolved case of this customer, model and category within the lookback.

    ``quota_case_ids``: case IDs or display IDs of the Service Quotas requests for this model's
    quota codes; they count for Quota Request only. A Quota Request case never blocks an
    Investigation Request and vice versa.
    """
    if lookback_days <= 0:
        raise ValueError(f"lookback_days must be positive, got {lookback_days}")
    since = _utc(now) - timedelta(days=lookback_days)
    matches = [
        c
        for c in cases
        if c.status.strip().lower() not in _CLOSED_STATUSES
        and _utc(c.time_created) >= since
        and _is_ours(c, customer, model, category, quota_case_ids)
    ]
    # Most recent first; the case ID breaks ties so the choice never depends on API order.
    return max(matches, key=lambda c: (_utc(c.time_created), c.case_id), default=None)


# --- re-fire suppression ------------------------------------------------------------------------


def already_handled(transition_id: str, communications: Sequence[str]) -> bool:
    """This exact transition was appended already (a retried delivery)."""
    tag = transition_marker(transition_id)
    return any(tag in body for body in communications)


def should_append(kind: AlarmKind, communications: Sequence[str], transition_id: str) -> bool:
    """Whether ``kind`` still needs a communication on the case.

    Not when this transition was handled already (idempotency) nor when the alarm kind re-fires
    often (anomaly / latency) and was already communicated on this case. Errors, throttles and
    threshold alarms are appended every time: a repeat is an escalation worth telling.
    """
    if already_handled(transition_id, communications):
        return False
    if kind.re_fires_often:
        tag = signal_marker(kind)
        return not any(tag in body for body in communications)
    return True


def kinds_to_append(
    kinds: Sequence[AlarmKind], communications: Sequence[str], transition_id: str
) -> tuple[AlarmKind, ...]:
    """For a mixed trigger, the kinds that are new on the case; empty = do not append at all.

    E.g. Throttles + InvocationAnomaly with the anomaly already communicated → (Throttles,).
    """
    return tuple(k for k in kinds if should_append(k, communications, transition_id))
