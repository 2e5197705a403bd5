"""Untrusted text is neutralised: readable, but never a marker and never a control character."""
from __future__ import annotations

import pytest

from ops_alert.alarms import BY_KEY, CaseCategory
from ops_alert.duplicates import marker, parse_markers, signal_kinds_in, signal_marker, transition_marker
from ops_alert.untrusted import neutralise

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
