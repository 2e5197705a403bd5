"""How the texts are laid out, and the one mechanism that assembles them within a limit.

Every text (case body, communication, e-mail) is a list of :class:`Section` blocks plus a tail
that must survive whole (the case markers; the e-mail's next steps and links), joined by
:func:`assemble`. A case body or communication must fit the Support API's 1..8,000 characters
(SPEC §9); :func:`assemble` shortens deterministically and never drops the tail or the numbers.
"""
from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from ops_alert.duplicates import SEAL_LENGTH

SUPPORT_BODY_LIMIT = 8000  # Support API communicationBody limit
# Room for the seal that support_cases adds to every body it submits (ops_alert.duplicates.seal).
MAX_COMMUNICATION_CHARS = SUPPORT_BODY_LIMIT - SEAL_LENGTH
# SNS Publish takes at most 256 KiB of UTF-8; at 4 bytes a character at most, this always fits.
MAX_EMAIL_CHARS = 256 * 1024 // 4
MAX_SUBJECT_CHARS = 99  # SNS Subject: fewer than 100 characters
WIDTH = 92
NOT_NAMED = "(not named in the notification)"


# --- small formatters --------------------------------------------------------------------------


def num(value: float) -> str:
    """Thousands separators; one decimal only when the value is not whole."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def when(moment: datetime | None) -> str:
    if moment is None:
        return "n/a"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    """Rows aligned in columns; indices in ``right`` are right-aligned (numbers)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def pairs(items: Sequence[tuple[str, str]]) -> list[str]:
    """``key: value`` lines with the values aligned."""
    width = max(len(k) for k, _ in items) + 1
    return [f"  {(k + ':').ljust(width)} {v}" for k, v in items]


def wrap(text: str, indent: str = "") -> list[str]:
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(para, WIDTH, initial_indent=indent, subsequent_indent=indent) or [""])
    return lines


def numbered(steps: Sequence[str]) -> list[str]:
    """``1. step`` lines, continuation lines indented under the text."""
    lines: list[str] = []
    for i, step in enumerate(steps, 1):
        lines += textwrap.wrap(f"{i}. {step}", WIDTH, initial_indent="  ", subsequent_indent="     ")
    return lines


def single_line(text: str) -> str:
    """No line breaks or control/format characters (SNS subject rules), whitespace collapsed."""
    cleaned = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return " ".join(cleaned.split())


def use_case_lines(text: str, limit: int | None = None) -> list[str]:
    """The use case as the team configured it, cut to ``limit`` characters with a note saying so."""
    body = text.strip() or "(no use case description configured)"
    if limit is not None and len(body) > limit:
        note = f" [... use case shortened: {limit} of {len(body)} characters shown]"
        body = body[:limit].rstrip() + note
    return wrap(body, "  ")


# --- assembly -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One titled block of a text, as :func:`assemble` handles it."""

    title: str
    lines: tuple[str, ...]
    optional: bool = False  # dropped (last first) when the text is too long
    use_case: str | None = None  # the use-case section: shortened after optional sections go

    def render(self, use_case_limit: int | None = None) -> str:
        lines = self.lines if self.use_case is None else tuple(use_case_lines(self.use_case, use_case_limit))
        head = [self.title.upper()] if self.title else []
        return "\n".join(head + list(lines))


def assemble(
    sections: Sequence[Section],
    tail: Sequence[Section] = (),
    limit: int = MAX_COMMUNICATION_CHARS,
    end: str = "",
) -> str:
    """Sections, then the tail, separated by blank lines, followed by ``end``: at most ``limit`` characters.

    Deterministic: 1. everything; 2. drop optional sections, last first; 3. shorten the use case
    (the only free text of unbounded length); 4. cut the body and keep the tail whole.
    """
    tail_text = "\n\n".join(s.render() for s in tail)
    kept = list(sections)

    def render(limit_uc: int | None = None) -> str:
        blocks = [s.render(limit_uc) for s in kept] + ([tail_text] if tail else [])
        return "\n\n".join(blocks) + end

    text = render()
    for section in [s for s in reversed(sections) if s.optional]:
        if len(text) <= limit:
            return text
        kept.remove(section)
        text = render()
    if len(text) <= limit:
        return text
    use_case = next((s.use_case for s in kept if s.use_case is not None), None)
    if use_case is not None:
        excess = len(text) - limit
        # The shortening note and re-wrapping add a little: keep a margin, never below 200 chars.
        shortened = render(max(200, len(use_case.strip()) - excess - 120))
        if len(shortened) <= limit:
            return shortened
        text = shortened
    cut_note = f"\n[... shortened to fit the {limit:,}-character limit]\n\n"
    room = limit - len(tail_text) - len(cut_note) - len(end)
    return text[: max(room, 0)].rstrip() + cut_note + tail_text + end
