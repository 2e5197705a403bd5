"""Category-aware duplicate detection over support cases, and re-fire suppression (SPEC §4.4 step 6, §9).

Three marker lines make our cases machine-readable, where subject matching alone is brittle:
- ``[bedrock-ops-alert:<customer>/<model>/<category-slug>]`` — this case is ours for that
  customer, model and category;
- ``[bedrock-ops-alert-signal:<alarm-key>]`` — that alarm kind was communicated on the case;
- ``[bedrock-ops-alert-transition:<transition-id>]`` — that exact alarm transition was handled
  (a retried delivery must not append twice).
Every case body and every appended communication carries all three: DescribeCases returns only
the most recent communications, so the first body alone may fall out of view.

Nobody but the processor can write a marker that counts (issue 9). Markers are read only from the
*marker block* — the last paragraph of a communication, made only of marker lines and closed by
``[bedrock-ops-alert-seal:<tag>]``, an HMAC-SHA256 of the block under the stack's own secret key
(:func:`seal`, applied to every body the processor submits). A marker anywhere else (the subject,
the use case, an alarm reason, a pasted old case body, a communication someone else wrote) is text,
not a marker; and untrusted text is neutralised (``ops_alert.untrusted``) so it cannot even look
like one. A case whose subject is ours for the other category never counts, whatever its markers
say. Cases of the original solution, which carry no seal, are still found by their subject.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ops_alert.alarms import ALARM_KINDS, AlarmKind, CaseCategory

_CLOSED_STATUSES = frozenset({"resolved", "closed"})
_MARKER_RE = re.compile(r"\[bedrock-ops-alert:([^/\]\s]+)/([^/\]\s]+)/([a-z-]+)\]")
_MARKER_LINE = re.compile(r"\[bedrock-ops-alert[a-z-]*:[^\]\n]*\]")
_SEAL_PREFIX = "[bedrock-ops-alert-seal:"
SEAL_HEX_CHARS = 32  # 128 bits of HMAC-SHA256
# What sealing adds to a body: a line break and the seal line. Callers keep bodies this much shorter.
SEAL_LENGTH = 1 + len(_SEAL_PREFIX) + SEAL_HEX_CHARS + 1
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


# --- the sealed marker block ----------------------------------------------------------------------


def _tag(key: bytes, block: Sequence[str]) -> str:
    return hmac.new(key, "\n".join(block).encode("utf-8"), hashlib.sha256).hexdigest()[:SEAL_HEX_CHARS]


def _last_paragraph(body: str) -> list[str]:
    lines = [line.strip() for line in body.replace("\r\n", "\n").strip().split("\n")]
    start = max((i + 1 for i, line in enumerate(lines) if not line), default=0)
    return lines[start:]


def seal(body: str, key: bytes) -> str:
    """``body`` with its marker block (the last paragraph) sealed under ``key``.

    A body without a marker block is returned unchanged (nothing to vouch for).
    """
    block = _last_paragraph(body)
    if not block or not all(_MARKER_LINE.fullmatch(line) for line in block):
        return body
    return body.rstrip() + "\n" + _SEAL_PREFIX + _tag(key, block) + "]"


def before_markers(body: str, text: str) -> str:
    """``body`` with ``text`` added as a paragraph just above its marker block (which must stay last)."""
    head, sep, last = body.rstrip().rpartition("\n\n")
    lines = [line.strip() for line in last.split("\n")]
    if not sep or not all(_MARKER_LINE.fullmatch(line) for line in lines):
        return body.rstrip() + "\n\n" + text
    return f"{head}\n\n{text}\n\n{last}"


def marker_block(body: str, key: bytes | None) -> str:
    """The sealed marker block of ``body`` when ``key`` vouches for it, else ``""``.

    Only this text is read for markers: a forged, edited or unsealed block counts for nothing.
    """
    if not key:
        return ""
    block = _last_paragraph(body)
    if len(block) < 2 or not block[-1].startswith(_SEAL_PREFIX) or not block[-1].endswith("]"):
        return ""
    markers, tag = block[:-1], block[-1][len(_SEAL_PREFIX):-1]
    if not all(_MARKER_LINE.fullmatch(line) and not line.startswith(_SEAL_PREFIX) for line in markers):
        return ""
    if not hmac.compare_digest(tag, _tag(key, markers)):
        return ""
    return "\n".join(markers)


def _blocks(communications: Iterable[str], key: bytes | None) -> list[str]:
    return [b for b in (marker_block(body, key) for body in communications) if b]


# --- duplicate detection ---------------------------------------------------------------------------


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _subject_category(subject: str, customer: str, model: str) -> CaseCategory | None:
    """The category when ``subject`` is exactly the subject we (or the original) give that category."""
    return next((c for c in CaseCategory if _normal(subject) == _normal(case_subject(customer, model, c))), None)


def _is_ours(
    case: CaseSummary,
    customer: str,
    model: str,
    category: CaseCategory,
    quota_case_ids: Collection[str],
    key: bytes | None,
) -> bool:
    named = _subject_category(case.subject, customer, model)
    if named is not None:
        # Our subject decides, for our cases and the original solution's alike; a marker can never
        # make an Investigation Request case answer for quotas, or the reverse.
        return named is category
    wanted = CaseMarker(customer, model, category)
    if any(wanted in parse_markers(block) for block in _blocks(case.communications, key)):
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
    *,
    key: bytes | None,
) -> CaseSummary | None:
    """The most recent unresolved case of this customer, model and category within the lookback.

    ``quota_case_ids``: case IDs or display IDs of the Service Quotas requests for this model's
    quota codes; they count for Quota Request only. A Quota Request case never blocks an
    Investigation Request and vice versa. ``key``: the stack's marker key (None: no marker counts).
    """
    if lookback_days <= 0:
        raise ValueError(f"lookback_days must be positive, got {lookback_days}")
    since = _utc(now) - timedelta(days=lookback_days)
    matches = [
        c
        for c in cases
        if c.status.strip().lower() not in _CLOSED_STATUSES
        and _utc(c.time_created) >= since
        and _is_ours(c, customer, model, category, quota_case_ids, key)
    ]
    # Most recent first; the case ID breaks ties so the choice never depends on API order.
    return max(matches, key=lambda c: (_utc(c.time_created), c.case_id), default=None)


def carries_transition(case: CaseSummary, transition_id: str, key: bytes | None) -> bool:
    """Whether ``case`` carries our sealed marker for this transition (a case we opened for it)."""
    return already_handled(transition_id, case.communications, key=key)


# --- re-fire suppression ------------------------------------------------------------------------


def already_handled(transition_id: str, communications: Sequence[str], *, key: bytes | None) -> bool:
    """This exact transition was appended already (a retried delivery)."""
    tag = transition_marker(transition_id)
    return any(tag in block.split("\n") for block in _blocks(communications, key))


def should_append(
    kind: AlarmKind, communications: Sequence[str], transition_id: str, *, key: bytes | None
) -> bool:
    """Whether ``kind`` still needs a communication on the case.

    Not when this transition was handled already (idempotency) nor when the alarm kind re-fires
    often (anomaly / latency) and was already communicated on this case. Errors, throttles and
    threshold alarms are appended every time: a repeat is an escalation worth telling.
    """
    if already_handled(transition_id, communications, key=key):
        return False
    if kind.re_fires_often:
        tag = signal_marker(kind)
        return not any(tag in block.split("\n") for block in _blocks(communications, key))
    return True


def kinds_to_append(
    kinds: Sequence[AlarmKind], communications: Sequence[str], transition_id: str, *, key: bytes | None
) -> tuple[AlarmKind, ...]:
    """For a mixed trigger, the kinds that are new on the case; empty = do not append at all.

    E.g. Throttles + InvocationAnomaly with the anomaly already communicated → (Throttles,).
    """
    return tuple(k for k in kinds if should_append(k, communications, transition_id, key=key))
