"""The e-mail list of the stack and what to change on the topic to match it (pure rules).

CloudFormation passes the CommaDelimitedList parameter StakeholderEmailList as a JSON list; a
comma-separated string is accepted too (hand-written events, older templates). Addresses are
compared case-insensitively (one person, one subscription), in the order given.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# Deliberately simple: one "@", no spaces or list separators, a dot in the domain. SNS is the real
# judge (it rejects what it cannot deliver to); this catches typos such as a missing "@", a ";"
# separator or two addresses run together, before anything is subscribed.
_ADDRESS = re.compile(r"[^@\s,;<>()\[\]\"']+@[^@\s,;<>()\[\]\"']+\.[^@\s,;<>()\[\]\"'.]{2,}")
MAX_LENGTH = 254  # RFC 5321 path limit


class EmailListError(ValueError):
    """The e-mail list cannot be used; the message says what to fix."""


class ExistingSubscription(Protocol):
    @property
    def endpoint(self) -> str: ...

    @property
    def pending(self) -> bool: ...


@dataclass(frozen=True)
class Plan:
    """What to do on the topic: subscribe, unsubscribe (confirmed), and what is left alone."""

    subscribe: tuple[str, ...]
    unsubscribe: tuple[Any, ...]  # the confirmed subscriptions of addresses no longer wanted
    unchanged: tuple[str, ...]  # wanted addresses already subscribed (confirmed or pending)
    pending_removed: tuple[str, ...]  # unwanted but unconfirmed: SNS drops them after 3 days


def parse_email_list(value: Any) -> list[str]:
    """The addresses in a JSON list or a comma-separated string; blanks dropped, order kept."""
    if value is None:
        return []
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = (part for item in value for part in str(item).split(","))
    else:
        raise EmailListError(f"EmailList must be a list of e-mail addresses, got {type(value).__name__}")
    return [text for text in (str(item).strip() for item in items) if text]


def mask_email(address: str) -> str:
    """``j***@example.com``: enough to tell addresses apart in a log, not enough to harvest them."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


_ADDRESS_IN_TEXT = re.compile(r"([^\s@,;:<>()\[\]\"']+)@([^\s@,;:<>()\[\]\"']+\.[^\s@,;:<>()\[\]\"']+)")


def mask_emails_in(value: Any) -> Any:
    """``value`` (text, or lists and mappings of it) with every e-mail address in it masked, for logs."""
    if isinstance(value, str):
        return _ADDRESS_IN_TEXT.sub(lambda m: mask_email(m.group(0)), value)
    if isinstance(value, (list, tuple)):
        return [mask_emails_in(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_emails_in(v) for k, v in value.items()}
    return value


def is_email_address(text: str) -> bool:
    """The one test of "is this an e-mail address" for every list the stack reads."""
    return len(text) <= MAX_LENGTH and _ADDRESS.fullmatch(text) is not None


def invalid_addresses(addresses: Sequence[str]) -> list[str]:
    return [a for a in addresses if not is_email_address(a)]


def unique(addresses: Sequence[str]) -> list[str]:
    """First spelling of each address, case-insensitively."""
    seen: set[str] = set()
    result = []
    for address in addresses:
        key = address.lower()
        if key not in seen:
            seen.add(key)
            result.append(address)
    return result


def wanted_addresses(value: Any) -> list[str]:
    """The validated, de-duplicated list; EmailListError when empty or when an address is bad."""
    addresses = parse_email_list(value)
    bad = invalid_addresses(addresses)
    if bad:
        raise EmailListError(
            f"StakeholderEmailList has invalid e-mail addresses: {', '.join(bad)}; separate addresses "
            f"with commas, like ops@example.com,sre@example.com")
    if not addresses:
        raise EmailListError(
            "StakeholderEmailList is empty: give at least one e-mail address to receive the alerts")
    return unique(addresses)


def plan(wanted: Sequence[str], existing: Sequence[ExistingSubscription]) -> Plan:
    """Subscribe wanted addresses the topic lacks; unsubscribe confirmed ones no longer wanted."""
    wanted_keys = {a.lower() for a in wanted}
    present = {s.endpoint.lower() for s in existing}
    return Plan(
        subscribe=tuple(a for a in wanted if a.lower() not in present),
        unsubscribe=tuple(s for s in existing if s.endpoint.lower() not in wanted_keys and not s.pending),
        unchanged=tuple(a for a in wanted if a.lower() in present),
        pending_removed=tuple(s.endpoint for s in existing if s.endpoint.lower() not in wanted_keys and s.pending),
    )
