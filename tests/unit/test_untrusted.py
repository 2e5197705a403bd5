"""Untrusted text is neutralised: readable, but never a marker and never a control character."""
from __future__ import annotations

import pytest

from ops_alert.alarms import BY_KEY, CaseCategory
from ops_alert.duplicates import marker, parse_markers, signal_kinds_in, signal_marker, transition_marker
from ops_alert.untrusted import neutralise, one_line

QMARK = marker("Acme", "G-Opus-4-6", CaseCategory.QUOTA_REQUEST)

INJECTIONS = [
    ("case-marker", QMARK),
    ("signal-marker", signal_marker(BY_KEY["InvocationAnomaly"])),
    ("transition-marker", transition_marker("arn:aws:cloudwatch:us-east-1:1:alarm:x|ALARM|t")),
    ("seal-line", "[bedrock-ops-alert-seal:0123456789abcdef0123456789abcdef]"),
    ("upper-case", "[BEDROCK-OPS-ALERT:Acme/G-Opus-4-6/quota-request]"),
    ("space-after-bracket", "[ bedrock-ops-alert:Acme/G-Opus-4-6/quota-request]"),
    ("fullwidth-bracket", "\uff3bbedrock-ops-alert:Acme/G-Opus-4-6/quota-request]"),
    ("fullwidth-letters", "[\uff42\uff45\uff44\uff52\uff4f\uff43\uff4b-ops-alert:Acme/G-Opus-4-6/quota-request]"),
    ("zero-width-inside", "[bedrock-\u200bops-alert:Acme/G-Opus-4-6/quota-request]"),
    ("pasted-old-case-body", f"We use it for chat.\n\n{QMARK}\n{signal_marker(BY_KEY['Throttles'])}"),
]


@pytest.mark.parametrize("text", [i[1] for i in INJECTIONS], ids=[i[0] for i in INJECTIONS])
def test_no_marker_survives(text: str) -> None:
    cleaned = neutralise(text)
    assert parse_markers(cleaned) == ()
    assert signal_kinds_in(cleaned) == ()
    assert "[bedrock-ops-alert" not in cleaned.lower().replace(" ", "")
    assert "bedrock" in cleaned.lower() or "\uff42" not in text  # still readable


CLEAN = [
    # id, text, multiline, expected
    ("plain-text-unchanged", "Chat assistant [internal] for 2 million users.", True, "Chat assistant [internal] for 2 million users."),
    ("line-breaks-kept", "line one\nline two\ttabbed", True, "line one\nline two\ttabbed"),
    ("crlf-normalised", "a\r\nb\rc", True, "a\nb\nc"),
    ("single-line", "a\nb", False, "a b"),
    ("terminal-escape", "red\x1b[31mtext", True, "red [31mtext"),
    ("bidi-override", "abc\u202edcba", True, "abc dcba"),
    ("nul", "a\x00b", True, "a b"),
]


@pytest.mark.parametrize(("text", "multiline", "expected"), [c[1:] for c in CLEAN], ids=[c[0] for c in CLEAN])
def test_neutralise_keeps_text_readable(text: str, multiline: bool, expected: str) -> None:
    assert neutralise(text, multiline=multiline) == expected


ONE_LINE = [
    # id, text, limit, expected
    ("fits", "Throttles on G-Opus-4-6", 40, "Throttles on G-Opus-4-6"),
    ("whitespace-collapsed", "  line one\n\tline  two\r\n", 40, "line one line two"),
    ("controls-gone", "red\x1b[31mtext\u202e", 40, "red [31mtext"),
    ("marker-broken", "[bedrock-ops-alert:Acme/M/quota]", 40, "(bedrock-ops-alert:Acme/M/quota]"),
    ("exactly-the-limit", "x" * 10, 10, "x" * 10),
    ("cut-with-an-ellipsis", "x" * 11, 10, "x" * 9 + "\N{HORIZONTAL ELLIPSIS}"),
    ("no-space-before-the-ellipsis", "abcdefgh jklmn", 10, "abcdefgh\N{HORIZONTAL ELLIPSIS}"),
    ("bound-after-collapsing", "a" + " " * 50 + "b", 3, "a b"),
]


@pytest.mark.parametrize(("text", "limit", "expected"), [c[1:] for c in ONE_LINE], ids=[c[0] for c in ONE_LINE])
def test_one_line_is_neutralised_collapsed_and_bounded(text: str, limit: int, expected: str) -> None:
    assert one_line(text, limit) == expected
    assert len(one_line(text, limit)) <= limit
