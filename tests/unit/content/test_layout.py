"""Formatting and the one assembly mechanism with its length control (ops_alert.content.layout)."""
from __future__ import annotations

import pytest

from ops_alert.content.layout import Section, assemble, num, numbered, single_line


def test_fit_without_a_use_case_section_cuts_the_body() -> None:
    sections = [Section("Title", ("a" * 500,)), Section("Optional", ("b" * 50,), optional=True)]
    text = assemble(sections, [Section("", ("[marker]",))], limit=300)
    assert len(text) <= 300 and text.startswith("TITLE\naaa") and text.endswith("\n\n[marker]")
    assert "bbb" not in text




def test_assemble_joins_sections_and_tail_with_blank_lines_and_the_ending() -> None:
    text = assemble([Section("One", ("  a",)), Section("", ("b",))], [Section("Tail", ("  t",))], limit=1_000, end="\n")
    assert text == "ONE\n  a\n\nb\n\nTAIL\n  t\n"


def test_assemble_without_tail_adds_nothing_after_the_last_section() -> None:
    assert assemble([Section("", ("x",))], limit=10) == "x"


def test_assemble_counts_the_ending_within_the_limit() -> None:
    sections = [Section("Title", ("a" * 500,))]
    text = assemble(sections, [Section("Links", ("  l",))], limit=200, end="\n")
    assert len(text) <= 200 and text.endswith("LINKS\n  l\n")


def test_use_case_section_is_shortened_before_the_body_is_cut() -> None:
    sections = [Section("Use case", (), use_case="word " * 400), Section("Facts", ("  9,500",))]
    text = assemble(sections, [Section("", ("[marker]",))], limit=1_000)
    assert len(text) <= 1_000 and "use case shortened" in " ".join(text.split())
    assert "9,500" in text and text.endswith("[marker]")


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, "0"), (8_000, "8,000"), (8_000.0, "8,000"), (10.5, "10.5"), (1_234_567.25, "1,234,567.2")],
    ids=["zero", "int", "whole-float", "fraction", "large-fraction"],
)
def test_num(value: float, shown: str) -> None:
    assert num(value) == shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a\r\nb", "a b"), ("  x \t y  ", "x y"), ("\u200bA\u2028B", "A B"), ("plain", "plain")],
    ids=["line-break", "whitespace", "format-and-separator", "plain"],
)
def test_single_line(text: str, expected: str) -> None:
    assert single_line(text) == expected


def test_numbered_steps_indent_their_continuation_lines() -> None:
    lines = numbered(["short", "long " * 30])
    assert lines[0] == "  1. short" and lines[1].startswith("  2. long")
    assert all(line.startswith("     long") for line in lines[2:]) and len(lines) > 2
