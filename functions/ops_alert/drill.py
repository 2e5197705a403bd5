"""Fire drills (``make drill``, issue 13): which alarm signal is a drill, decided only from AWS's record.

A drill is armed by writing a short-lived token to the stack's SSM parameter ``drill-token`` (JSON:
token, alarm, issued, expires) and setting that child alarm to ALARM with a state reason naming the
token (``drill <token>``). The processor treats a signal as a drill only when

- the stored token is armed and not expired (the parameter holds ``off`` otherwise),
- every child transition the signal claims is of the armed alarm, within the token's window, and
- CloudWatch's own history of each such transition (the reason it recorded, never the message) names
  exactly the stored token.

Anything else is a real alert: a message saying "drill", a forged or stale token, a token for another
alarm, a real alarm firing beside the drill. A real alert is never dry-run; a drill the processor
cannot recognise is handled as real (with a log line saying why), which is the safe side.
"""
from __future__ import annotations

import hmac
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ops_alert.alarm_message import AlarmSignal
from ops_alert.names import StackNames
from ops_alert.transitions import TOLERANCE, StateChange, claims, entries_into_alarm

PARAMETER_LEAF = "drill-token"  # under the stack's SSM prefix (StackNames.drill_token_parameter)
OFF = "off"  # what the parameter holds when no drill is armed (the template's value)
TOKEN_HEX_CHARS = 32  # 128 bits
MAX_LIFETIME = timedelta(hours=1)  # a token that claims to live longer is refused: drills take minutes
REASON_PREFIX = "drill"
MAX_DOCUMENT_CHARS = 4096  # an SSM String parameter of the standard tier holds at most 4 KB
# The stack's child alarm names are CustomerName-Bedrock-<kind>-<severity>-BedrockModelName, the
# template's names being letters, digits and hyphens: anything else in the user-editable parameter
# is refused before it reaches a log line (why_real names the armed alarm).
MAX_ALARM_NAME_CHARS = 255  # CloudWatch's limit on an alarm name
_ALARM_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_TOKEN = re.compile(rf"^[0-9a-f]{{{TOKEN_HEX_CHARS}}}$")
_IN_REASON = re.compile(rf"\b{REASON_PREFIX} ([0-9a-f]{{{TOKEN_HEX_CHARS}}})\b")


class BadDrillToken(ValueError):
    """The stored drill parameter is neither ``off`` nor a valid token (reported, never a drill)."""


@dataclass(frozen=True)
class DrillToken:
    """An armed drill: one token, for one child alarm, valid from ``issued`` to ``expires``."""

    token: str
    alarm: str  # the child alarm's full name
    issued: datetime
    expires: datetime

    def to_json(self) -> str:
        return json.dumps({"token": self.token, "alarm": self.alarm, "issued": _iso(self.issued),
                           "expires": _iso(self.expires)}, sort_keys=True)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _moment(value: object, field: str) -> datetime:
    if not isinstance(value, str):
        raise BadDrillToken(f"{field} is not a timestamp")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadDrillToken(f"{field} {value[:40]!r} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise BadDrillToken(f"{field} has no time zone")
    return moment.astimezone(timezone.utc)


def parse_drill_parameter(text: str | None) -> DrillToken | None:
    """The armed drill the parameter holds; None when it is missing or ``off``. Raises BadDrillToken."""
    if text is None or text.strip().lower() in (OFF, ""):
        return None
    if len(text) > MAX_DOCUMENT_CHARS:
        raise BadDrillToken(f"{len(text):,} characters, more than a drill token document's {MAX_DOCUMENT_CHARS:,}")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack (3.11)
        raise BadDrillToken("not JSON") from None
    if not isinstance(data, dict):
        raise BadDrillToken("not a JSON object")
    token, alarm = data.get("token"), data.get("alarm")
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise BadDrillToken(f"the token is not {TOKEN_HEX_CHARS} lowercase hex digits")
    if not isinstance(alarm, str) or not alarm.strip():
        raise BadDrillToken("no alarm name")
    if len(alarm) > MAX_ALARM_NAME_CHARS:
        raise BadDrillToken(f"the alarm name is longer than {MAX_ALARM_NAME_CHARS} characters")
    if not _ALARM_NAME.fullmatch(alarm):
        raise BadDrillToken("the alarm name holds characters other than letters, digits, '_', '.' and '-'")
    issued, expires = _moment(data.get("issued"), "issued"), _moment(data.get("expires"), "expires")
    if not issued < expires <= issued + MAX_LIFETIME:
        raise BadDrillToken(f"expires must be after issued and at most {MAX_LIFETIME} later")
    return DrillToken(token, alarm, issued, expires)


def state_reason(token: str, note: str = "") -> str:
    """The StateReason ``make drill`` sets on the child alarm (SetAlarmState allows 1,023 characters)."""
    return f"{REASON_PREFIX} {token}" + (f": {note}" if note else "")


def token_in(reason: str) -> str | None:
    """The drill token a state reason names, if any."""
    found = _IN_REASON.search(reason or "")
    return found.group(1) if found else None


@dataclass(frozen=True)
class ChildTransition:
    """A child's transition into ALARM that a signal claims, with the reasons CloudWatch recorded for it."""

    alarm_name: str
    at: datetime
    reasons: tuple[str, ...]  # of the matching history items (normally one)


def child_transitions(signal: AlarmSignal, names: StackNames,
                      history: Iterable[StateChange]) -> tuple[ChildTransition, ...]:
    """The signal's claimed child transitions, each with the recorded reasons of its history items."""
    items = list(history)
    children = names.child_alarm_names
    return tuple(
        ChildTransition(c.alarm_name, c.at, tuple(h.reason for h in entries_into_alarm(items, c.alarm_name, c.at)))
        for c in claims(signal, names) if c.alarm_name in children)


def names_a_drill(transitions: Sequence[ChildTransition]) -> bool:
    """Whether any recorded reason names a drill token (only then is the stored token read first)."""
    return any(token_in(r) for t in transitions for r in t.reasons)


@dataclass(frozen=True)
class DrillCheck:
    drill: DrillToken | None  # the armed drill this signal is; None: a real alert
    why_real: str = ""  # when a reason names a drill token but the signal is handled as real


REAL = DrillCheck(None)


def _real(why: str) -> DrillCheck:
    return DrillCheck(None, f"{why}: handled as a real alert")


def check_drill(stored: DrillToken | None, transitions: Sequence[ChildTransition], now: datetime) -> DrillCheck:
    """Whether these verified child transitions are the armed drill (see the module docstring)."""
    if not names_a_drill(transitions):
        return REAL
    if stored is None:
        return _real("the alarm's state reason names a drill token, but no drill is armed (SSM drill-token is off)")
    if now > stored.expires:
        return _real(f"the armed drill token expired at {_iso(stored.expires)}")
    for t in transitions:
        if t.alarm_name != stored.alarm:
            return _real(f"{t.alarm_name} went to ALARM too, and the drill is armed for {stored.alarm} only")
        named = [token_in(r) for r in t.reasons]
        if not named or not all(n is not None and hmac.compare_digest(n, stored.token) for n in named):
            return _real(f"CloudWatch's record of {t.alarm_name}'s transition does not name the armed drill token")
        if not stored.issued - TOLERANCE <= t.at <= stored.expires:
            return _real(f"{t.alarm_name}'s transition at {_iso(t.at)} is outside the drill token's window")
    return DrillCheck(stored)


@dataclass(frozen=True)
class WouldHaveDone:
    """One write a fire drill left out: the API action and what it would have done."""

    action: str  # e.g. "support:CreateCase"
    description: str


def idempotency_key(transition_key: str, drill: DrillToken | None) -> str:
    """A drill's exactly-once record never answers for a real alert of the same transition."""
    return transition_key if drill is None else f"{transition_key}|drill:{drill.token}"
