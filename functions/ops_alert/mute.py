"""Mute windows (issue 13): the stack's SSM mute document, and whether it holds one alert's notifications.

``make mute`` writes a small JSON document into the stack-owned SSM parameter ``…/mute``
(``StackNames.mute_parameter``); ``make unmute`` writes ``off``. The processor reads it in its one
GetParameters call. The value is untrusted text (anyone allowed to edit the parameter can put
anything there): it decides muted / not muted and nothing else. An unparsable, expired or
out-of-bounds document is reported as a problem and means "not muted", so a typo never silences
the alerts. Its reason is shown to people (e-mail, decision event), neutralised and bounded.

While a mute is on, e-mail and chat are held; support cases still follow the support settings.
Which alerts a mute holds (``mute_verdict``), from the routing categories of ``ops_alert.alarms``:

- the alert's case category (Quota Request if any quota-type alarm fired, else Investigation
  Request, ``alarms.case_category``) outside the mute's scope: not muted, sent as usual;
- inside the scope, a CRITICAL alarm among the fired ones whose own category is OUTSIDE the scope
  (e.g. ServerErrors, an Investigation alarm, escalating an alert muted as Quota Request): it
  breaks through, sent with a line saying the mute is on and when it ends;
- otherwise held. With the default scope (every category) every alert is held.
An alert whose alarms cannot be identified (the composite's, without a child) is held only by a
mute of every category: its category is unknown.
"""
from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ops_alert.alarms import AlarmKind, CaseCategory, Severity, case_category
from ops_alert.untrusted import one_line

OFF = "off"  # the template's value, and what `make unmute` writes
MAX_MUTE = timedelta(days=14)  # a longer mute is a forgotten one: refused by the CLI, ignored by the processor
MAX_REASON_CHARS = 200
MAX_SET_BY_CHARS = 200
MAX_DOCUMENT_CHARS = 4096  # an SSM String parameter of the standard tier holds at most 4 KB
ENDED_NOTE_FOR = timedelta(hours=24)  # after a mute, e-mails say for this long that (and when) it ended
CLOCK_SKEW = timedelta(minutes=5)  # `until` may lie this much beyond MAX_MUTE from "now" (the writer's clock)

# The words of the document's ``scope`` and of `make mute SCOPE=…`.
SCOPE_WORDS: dict[str, CaseCategory] = {
    "quota": CaseCategory.QUOTA_REQUEST,
    "investigation": CaseCategory.INVESTIGATION_REQUEST,
}
ALL_CATEGORIES = frozenset(CaseCategory)


@dataclass(frozen=True)
class Mute:
    """A mute in force now."""

    until: datetime  # UTC
    reason: str  # neutralised, one line, bounded
    set_by: str  # neutralised, one line, bounded ("" when not stated)
    set_at: datetime | None
    scope: frozenset[CaseCategory] = ALL_CATEGORIES

    @property
    def scope_words(self) -> list[str]:
        return [word for word, category in SCOPE_WORDS.items() if category in self.scope]

    def ends(self) -> str:
        """``2026-12-02 08:00 UTC``: when it ends, as people read it."""
        return self.until.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class MuteReading:
    mute: Mute | None  # None: not muted (off, expired or unusable)
    problem: str | None = None  # said once in the log; never stops the alert
    ended: Mute | None = None  # a mute that ended within ENDED_NOTE_FOR: the e-mail says so


NOT_MUTED = MuteReading(None)


class MuteVerdict(str, enum.Enum):
    NOT_MUTED = "not_muted"  # no mute in force, or the alert's category is outside its scope
    HELD = "held"  # e-mail and chat held
    BREAKTHROUGH = "breakthrough"  # muted category, but a CRITICAL outside the scope: sent


def _timestamp(value: object) -> datetime | None:
    """An ISO 8601 timestamp with its offset (``Z`` accepted), as UTC; None otherwise."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None  # a local time without offset cannot be placed: refused rather than guessed
    return moment.astimezone(timezone.utc)


def parse_scope(words: Iterable[str]) -> frozenset[CaseCategory]:
    """``quota`` / ``investigation`` / ``all`` (case-insensitive); raises ValueError for anything else."""
    found: set[CaseCategory] = set()
    for word in words:
        key = str(word).strip().lower()
        if key == "all":
            found |= ALL_CATEGORIES
        elif key in SCOPE_WORDS:
            found.add(SCOPE_WORDS[key])
        else:
            raise ValueError(f"unknown scope {str(word)[:30]!r} (quota, investigation or all)")
    if not found:
        raise ValueError("empty scope (quota, investigation or all)")
    return frozenset(found)


def parse_mute(text: str | None, now: datetime, name: str = "mute") -> MuteReading:
    """The mute in force at ``now`` from the parameter's value; pure, for the tests.

    Not muted, without a problem: ``off`` or an empty value; an expired mute (that is how mutes
    end; ``ended`` keeps it for a day so e-mails can say it ended). Not muted, with a problem: a
    missing parameter, anything unparsable or out of bounds.
    """
    if text is None:
        return MuteReading(None, f"SSM parameter {name} is missing: not muted")
    if text.strip().lower() in ("", OFF):
        return MuteReading(None)

    def refused(why: str) -> MuteReading:
        return MuteReading(None, f"SSM parameter {name} {why}: not muted")

    if len(text) > MAX_DOCUMENT_CHARS:
        return refused(f"holds {len(text):,} characters, more than a mute document's {MAX_DOCUMENT_CHARS:,}")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack (3.11)
        return refused(f"= {one_line(text, 40)!r} is neither 'off' nor a JSON mute document")
    if not isinstance(document, dict):
        return refused("is not a JSON object")
    until = _timestamp(document.get("until"))
    if until is None:
        return refused("has no 'until' UTC timestamp with offset (e.g. 2026-12-02T08:00:00Z)")
    if until - now > MAX_MUTE + CLOCK_SKEW:
        return refused(f"mutes until {until.isoformat()}, longer than the maximum of {MAX_MUTE.days} days")
    raw_scope = document.get("scope", ["all"])
    if isinstance(raw_scope, str):
        raw_scope = [raw_scope]
    if not isinstance(raw_scope, list):
        return refused("has a 'scope' that is not a list of quota / investigation / all")
    try:
        scope = parse_scope(raw_scope)
    except ValueError as exc:
        return refused(f"has {exc}")
    reason = document.get("reason")
    set_by = document.get("setBy")
    mute = Mute(
        until=until,
        reason=one_line(reason, MAX_REASON_CHARS) if isinstance(reason, str) and reason.strip() else "no reason given",
        set_by=one_line(set_by, MAX_SET_BY_CHARS) if isinstance(set_by, str) else "",
        set_at=_timestamp(document.get("setAt")),
        scope=scope,
    )
    if until <= now:  # how a mute ends: not a problem
        return MuteReading(None, ended=mute if now - until <= ENDED_NOTE_FOR else None)
    return MuteReading(mute)


def mute_document(until: datetime, reason: str, set_by: str, set_at: datetime,
                  scope: frozenset[CaseCategory] = ALL_CATEGORIES) -> str:
    """The JSON `make mute` writes (``parse_mute`` reads it back unchanged)."""
    words = ["all"] if scope == ALL_CATEGORIES else [w for w, c in SCOPE_WORDS.items() if c in scope]
    return json.dumps({
        "until": until.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "reason": reason,
        "setBy": set_by,
        "setAt": set_at.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "scope": words,
    }, separators=(",", ":"))


def mute_verdict(mute: Mute | None, kinds: Sequence[AlarmKind]) -> MuteVerdict:
    """Whether ``mute`` holds the notification of an alert whose alarms ``kinds`` fired (module doc)."""
    if mute is None:
        return MuteVerdict.NOT_MUTED
    if not kinds:  # unidentified: the category is unknown
        return MuteVerdict.HELD if mute.scope == ALL_CATEGORIES else MuteVerdict.NOT_MUTED
    if case_category(kinds) not in mute.scope:
        return MuteVerdict.NOT_MUTED
    if any(k.severity is Severity.CRITICAL and k.category not in mute.scope for k in kinds):
        return MuteVerdict.BREAKTHROUGH
    return MuteVerdict.HELD


def mute_note(reading: MuteReading, verdict: MuteVerdict, category: CaseCategory | None) -> tuple[str, ...]:
    """What an e-mail that does go out says about a mute in force or just ended (empty: nothing)."""
    mute = reading.mute
    if mute is not None and verdict is MuteVerdict.BREAKTHROUGH:
        return (f"Notifications are muted until {mute.ends()} ({mute.reason}). This alert breaks through: "
                "a CRITICAL alarm outside the muted scope fired.",)
    if mute is not None and verdict is MuteVerdict.NOT_MUTED:
        outside = f"this {category.value} alert is outside it" if category else "this alert is outside it"
        return (f"{' and '.join(mute.scope_words).capitalize()} alerts are muted until {mute.ends()} "
                f"({mute.reason}); {outside}.",)
    if mute is None and reading.ended is not None:
        return (f"The mute ({reading.ended.reason}) ended at {reading.ended.ends()}; alerts held during it "
                "are in the stack's decision events.",)
    return ()
