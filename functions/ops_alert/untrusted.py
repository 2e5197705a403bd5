"""Text the processor did not write: make it harmless before it reaches a case, an e-mail or a log.

Untrusted text is everything a person or another system can put into an alert: the use-case
description (an SSM parameter users edit), an alarm's state reason, alarm names that are not this
stack's, profile names, queue message fields. It is shown to people, so it is kept readable, but it
must never be able to speak for the processor:

- no bracketed ``[bedrock-ops-alert…]`` line can be formed, whatever the spelling (the marker
  syntax is made unparseable by turning its opening bracket into a parenthesis);
- no control or format characters (invisible text, terminal escapes, bidi overrides, NUL), only
  line breaks and tabs survive where ``multiline`` allows them.

:func:`neutralise` is the one place this happens; callers never escape text themselves.
:func:`one_line` is the same for a one-line field with a length budget (names, reasons, chat lines).
"""
from __future__ import annotations

import re
import unicodedata

# Every spelling that could parse as (or be mistaken for) one of our marker lines: an opening bracket,
# optional whitespace, then our prefix in any letter case. Fullwidth and other compatibility forms
# are folded (NFKC) before matching, so "［ｂｅｄｒｏｃｋ-ops-alert" is caught too.
_MARKER_OPENING = re.compile(r"\[(?=\s*bedrock\s*-\s*ops\s*-\s*alert)", re.IGNORECASE)
_KEEP_MULTILINE = frozenset("\n\t")


def _printable(ch: str, multiline: bool) -> str:
    if multiline and ch in _KEEP_MULTILINE:
        return ch
    # Cc control, Cf format (bidi overrides, zero-width), Cs surrogates, Co private use, Cn unassigned.
    return " " if unicodedata.category(ch).startswith("C") else ch


def neutralise(text: str, *, multiline: bool = True) -> str:
    """``text`` as plain, inert words: no marker can be formed, no control character survives.

    ``multiline=False`` also turns line breaks into spaces (names, one-line fields).
    """
    folded = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    printable = "".join(_printable(ch, multiline) for ch in folded)
    return _MARKER_OPENING.sub("(", printable)


def shorten(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters; a cut ends in an ellipsis, never in a space before it."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"


def one_line(text: str, limit: int) -> str:
    """Untrusted ``text`` as one bounded line: neutralised, every run of whitespace one space, at most
    ``limit`` characters."""
    return shorten(" ".join(neutralise(text, multiline=False).split()), limit)
