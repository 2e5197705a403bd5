"""The stakeholder e-mail list: parsing, validation, de-duplication and the subscribe/unsubscribe diff."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from ops_alert.email_list import EmailListError, is_email_address, parse_email_list, plan, wanted_addresses


@dataclass(frozen=True)
class Sub:
    endpoint: str
    pending: bool = False


@pytest.mark.parametrize("value,expected", [
    (["a@example.com", "b@example.com"], ["a@example.com", "b@example.com"]),
    ("a@example.com, b@example.com", ["a@example.com", "b@example.com"]),
    (["a@example.com,b@example.com"], ["a@example.com", "b@example.com"]),  # a list item holding a comma list
    (["", " a@example.com ", ""], ["a@example.com"]),
    (None, []),
], ids=["json-list", "comma-string", "nested-commas", "blanks-dropped", "none"])
def test_parse(value, expected) -> None:
    assert parse_email_list(value) == expected


def test_parse_rejects_other_types() -> None:
    with pytest.raises(EmailListError, match="list of e-mail addresses, got int"):
        parse_email_list(42)


@pytest.mark.parametrize("value,bad", [
    ("ops.example.com", "ops.example.com"),
    ("ops@example.com;sre@example.com", "ops@example.com;sre@example.com"),
    ("ops@example", "ops@example"),
    ("o ps@example.com", "o ps@example.com"),
    ("x" * 250 + "@example.com", "x" * 250 + "@example.com"),
], ids=["no-at", "semicolon-separator", "no-dot-in-domain", "space", "too-long"])
def test_invalid_addresses_are_named_in_the_error(value: str, bad: str) -> None:
    with pytest.raises(EmailListError) as err:
        wanted_addresses(["good@example.com", value])
    assert bad in str(err.value) and "good@example.com" not in str(err.value)


def test_an_empty_list_is_refused() -> None:
    with pytest.raises(EmailListError, match="empty"):
        wanted_addresses(" , ")


def test_duplicates_differing_in_case_collapse_to_the_first_spelling() -> None:
    assert wanted_addresses("Ops@Example.com,ops@example.com,sre@example.com") == ["Ops@Example.com", "sre@example.com"]


def test_plan_adds_new_removes_dropped_and_leaves_the_rest() -> None:
    existing = [Sub("keep@example.com"), Sub("drop@example.com"), Sub("PENDING@example.com", pending=True),
                Sub("gone-pending@example.com", pending=True)]
    p = plan(["keep@example.com", "new@example.com", "pending@example.com"], existing)
    assert p.subscribe == ("new@example.com",)
    assert [s.endpoint for s in p.unsubscribe] == ["drop@example.com"]
    assert p.unchanged == ("keep@example.com", "pending@example.com")  # pending: not subscribed twice
    assert p.pending_removed == ("gone-pending@example.com",)  # cannot be unsubscribed before confirmation


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("sre@example.com", True),
        ("first.last+alerts@sub.example.co.uk", True),
        ("bob@", False),
        ("no-at.example.com", False),
        ("a@b@example.com", False),
        ("a@example.c", False),
        ("<a@example.com>", False),
        ("a@example.com;b@example.com", False),
        ("a b@example.com", False),
        ("x" * 250 + "@example.com", False),
    ],
    ids=["plain", "plus-and-subdomains", "no-domain", "no-at", "two-at", "one-letter-tld", "angle-brackets",
         "two-run-together", "space", "too-long"],
)
def test_is_email_address(text: str, ok: bool) -> None:
    assert is_email_address(text) is ok


@pytest.mark.parametrize(("address", "masked"), [("sre@example.com", "s***@example.com"),
                                                 ("a@b.co", "a***@b.co"), ("not an address", "***")],
                         ids=["plain", "one-letter", "no-at-sign"])
def test_mask_email(address: str, masked: str) -> None:
    from ops_alert.email_list import mask_email

    assert mask_email(address) == masked


def test_mask_emails_in_properties() -> None:
    from ops_alert.email_list import mask_emails_in

    props = {"EmailList": ["ops.lead@example.com", "sre@example.com"], "Note": "ask <dev@corp.example.org>", "N": 3}
    assert mask_emails_in(props) == {"EmailList": ["o***@example.com", "s***@example.com"],
                                     "Note": "ask <d***@corp.example.org>", "N": 3}
