"""Category-aware duplicate detection and re-fire suppression."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ops_alert.alarms import BY_KEY, AlarmKind, CaseCategory
from ops_alert.duplicates import (
    CaseMarker,
    CaseSummary,
    already_handled,
    case_subject,
    category_slug,
    find_open_case,
    kinds_to_append,
    marker,
    marker_block,
    parse_markers,
    seal,
    should_append,
    signal_marker,
    transition_marker,
)

Q, I = CaseCategory.QUOTA_REQUEST, CaseCategory.INVESTIGATION_REQUEST
NOW = datetime(2026, 11, 26, 14, 5, tzinfo=timezone.utc)
QUOTA_SUBJECT = "Acme - Bedrock Ops Alert - G-Opus-4-6 - Quota Request"
INV_SUBJECT = "Acme - Bedrock Ops Alert - G-Opus-4-6 - Investigation Request"
KEY = b"stack-secret-marker-key"
OTHER_KEY = b"another-stack-or-a-guess"


def ours(*marker_lines: str, text: str = "Body written by the processor.") -> str:
    """A communication the processor submitted: text, then its sealed marker block."""
    return seal(text + "\n\n" + "\n".join(marker_lines), KEY)


def case(
    cid: str,
    subject: str = "Something else",
    *,
    days_ago: float = 1,
    status: str = "opened",
    bodies: tuple[str, ...] = (),
    display: str | None = None,
) -> CaseSummary:
    return CaseSummary(
        case_id=f"case-123456789012-2026-{cid}",
        display_id=display or f"17{cid}",
        subject=subject,
        status=status,
        time_created=NOW - timedelta(days=days_ago),
        communications=bodies,
    )


def test_marker_and_subject_formats() -> None:
    assert marker("Acme", "G-Opus-4-6", Q) == "[bedrock-ops-alert:Acme/G-Opus-4-6/quota-request]"
    assert marker("Acme", "G-Opus-4-6", I) == "[bedrock-ops-alert:Acme/G-Opus-4-6/investigation-request]"
    assert case_subject("Acme", "G-Opus-4-6", Q) == QUOTA_SUBJECT
    assert case_subject("Acme", "G-Opus-4-6", I) == INV_SUBJECT
    assert (category_slug(Q), category_slug(I)) == ("quota-request", "investigation-request")
    assert signal_marker(BY_KEY["InvocationAnomaly"]) == "[bedrock-ops-alert-signal:InvocationAnomaly]"
    assert transition_marker("arn:x|ALARM|t") == "[bedrock-ops-alert-transition:arn:x|ALARM|t]"


PARSE = [
    ("round-trip", marker("Acme", "G-Opus-4-6", Q), (CaseMarker("Acme", "G-Opus-4-6", Q),)),
    (
        "inside-text-two-markers",
        "Hello\n[bedrock-ops-alert:A/M1/investigation-request]\nbye [bedrock-ops-alert:B/M-2/quota-request]",
        (CaseMarker("A", "M1", I), CaseMarker("B", "M-2", Q)),
    ),
    ("unknown-category-ignored", "[bedrock-ops-alert:A/M/feature-request]", ()),
    ("missing-part", "[bedrock-ops-alert:A/quota-request]", ()),
    ("signal-marker-is-not-a-case-marker", "[bedrock-ops-alert-signal:Throttles]", ()),
    ("spaces-not-allowed", "[bedrock-ops-alert:A B/M/quota-request]", ()),
    ("no-marker", "plain text", ()),
]


@pytest.mark.parametrize(("text", "expected"), [p[1:] for p in PARSE], ids=[p[0] for p in PARSE])
def test_parse_markers(text: str, expected: tuple[CaseMarker, ...]) -> None:
    assert parse_markers(text) == expected


QMARK = marker("Acme", "G-Opus-4-6", Q)
IMARK = marker("Acme", "G-Opus-4-6", I)
FIND = [
    # id, cases, category, quota case ids, expected case id suffix (or None)
    ("sealed-marker-in-body", [case("a", bodies=("x", ours(QMARK)))], Q, (), "a"),
    # Only a sealed block the processor wrote counts; everything else is text (issue 9).
    ("unsealed-marker-in-body", [case("a", bodies=("x", QMARK))], Q, (), None),
    ("marker-sealed-with-another-key", [case("a", bodies=(seal("x\n\n" + QMARK, OTHER_KEY),))], Q, (), None),
    ("marker-in-subject", [case("a", subject=f"Help {QMARK}")], Q, (), None),
    ("marker-in-text-above-the-block", [case("a", bodies=(ours(IMARK, text=f"use case:\n{QMARK}"),))], Q, (), None),
    ("marker-added-to-a-sealed-block", [case("a", bodies=(ours(IMARK).replace(IMARK, f"{IMARK}\n{QMARK}"),))], Q, (), None),
    ("category-edited-in-a-sealed-block", [case("a", bodies=(ours(IMARK).replace("investigation-request", "quota-request"),))], Q, (), None),
    # The category in our subject must agree with the marker.
    ("sealed-quota-marker-on-investigation-subject", [case("a", subject=INV_SUBJECT, bodies=(ours(QMARK),))], Q, (), None),
    ("original-subject", [case("a", subject=QUOTA_SUBJECT)], Q, (), "a"),
    ("original-subject-whitespace-and-case", [case("a", subject="  acme - bedrock ops alert -  g-opus-4-6 - quota request ")], Q, (), "a"),
    ("service-quotas-case-by-display-id", [case("a", subject="Limit increase", display="99")], Q, {"99"}, "a"),
    ("service-quotas-case-by-case-id", [case("a", subject="Limit increase")], Q, {"case-123456789012-2026-a"}, "a"),
    # A Service Quotas case never counts as an Investigation Request.
    ("service-quotas-case-not-investigation", [case("a", display="99")], I, {"99"}, None),
    ("quota-case-does-not-block-investigation", [case("a", subject=QUOTA_SUBJECT, bodies=(ours(QMARK),))], I, (), None),
    ("investigation-case-does-not-block-quota", [case("a", subject=INV_SUBJECT, bodies=(ours(IMARK),))], Q, (), None),
    ("other-model", [case("a", bodies=(ours(marker("Acme", "G-Sonnet-4-5", Q)),))], Q, (), None),
    ("other-customer", [case("a", subject="Globex - Bedrock Ops Alert - G-Opus-4-6 - Quota Request")], Q, (), None),
    ("resolved-ignored", [case("a", subject=QUOTA_SUBJECT, status="resolved")], Q, (), None),
    ("closed-ignored", [case("a", subject=QUOTA_SUBJECT, status="Closed")], Q, (), None),
    ("reopened-counts", [case("a", subject=QUOTA_SUBJECT, status="reopened")], Q, (), "a"),
    ("pending-customer-action-counts", [case("a", subject=QUOTA_SUBJECT, status="pending-customer-action")], Q, (), "a"),
    ("older-than-lookback", [case("a", subject=QUOTA_SUBJECT, days_ago=60.01)], Q, (), None),
    ("exactly-at-lookback", [case("a", subject=QUOTA_SUBJECT, days_ago=60)], Q, (), "a"),
    (
        "most-recent-wins",
        [case("old", subject=QUOTA_SUBJECT, days_ago=10), case("new", bodies=(ours(QMARK),), days_ago=2), case("mid", subject=QUOTA_SUBJECT, days_ago=5)],
        Q, (), "new",
    ),
    ("tie-broken-by-case-id", [case("b", subject=QUOTA_SUBJECT), case("a", subject=QUOTA_SUBJECT)], Q, (), "b"),
    ("nothing", [], Q, (), None),
]


@pytest.mark.parametrize(("cases", "category", "sq_ids", "expected"), [f[1:] for f in FIND], ids=[f[0] for f in FIND])
def test_find_open_case(cases: list[CaseSummary], category: CaseCategory, sq_ids: set[str], expected: str | None) -> None:
    found = find_open_case(cases, "Acme", "G-Opus-4-6", category, NOW, 60, sq_ids, key=KEY)
    assert (found.case_id.rsplit("-", 1)[1] if found else None) == expected


@pytest.mark.parametrize("days", [45, 60, 90], ids=["45", "60", "90"])
def test_lookback_days_are_honoured(days: int) -> None:
    inside = case("in", subject=QUOTA_SUBJECT, days_ago=days - 1)
    outside = case("out", subject=QUOTA_SUBJECT, days_ago=days + 1)
    assert find_open_case([outside], "Acme", "G-Opus-4-6", Q, NOW, days, key=KEY) is None
    assert find_open_case([outside, inside], "Acme", "G-Opus-4-6", Q, NOW, days, key=KEY) == inside


def test_naive_times_are_taken_as_utc() -> None:
    naive = CaseSummary("case-1", "1", QUOTA_SUBJECT, "opened", datetime(2026, 11, 25, 12, 0))
    assert find_open_case([naive], "Acme", "G-Opus-4-6", Q, NOW.replace(tzinfo=None), 45, key=KEY) == naive


@pytest.mark.parametrize("days", [0, -5], ids=["zero", "negative"])
def test_lookback_must_be_positive(days: int) -> None:
    with pytest.raises(ValueError, match="lookback_days must be positive"):
        find_open_case([], "Acme", "G-Opus-4-6", Q, NOW, days, key=KEY)


# --- suppression -------------------------------------------------------------------------------

TID = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6|ALARM|2026-11-26T14:05:00.123Z"
OTHER_TID = TID.replace("14:05", "15:05")


def comms(*kinds: str, tid: str | None = None) -> tuple[str, ...]:
    lines = [QMARK] + [signal_marker(BY_KEY[k]) for k in kinds] + ([transition_marker(tid)] if tid else [])
    return ("Thank you, we are looking into it.", ours(*lines))


APPEND = [
    # id, alarm kind, existing communications, expected
    ("new-anomaly", "InvocationAnomaly", comms("Throttles"), True),
    ("anomaly-already-communicated", "InvocationAnomaly", comms("InvocationAnomaly"), False),
    ("latency-already-communicated", "HighLatency", comms("HighLatency"), False),
    ("latency-anomaly-already-communicated", "LatencyAnomaly", comms("LatencyAnomaly"), False),
    ("token-anomaly-different-kind-is-new", "OutputTokenAnomaly", comms("InputTokenAnomaly"), True),
    # Throttles and threshold alarms are escalations each time they fire again.
    ("throttles-again-is-appended", "Throttles", comms("Throttles", tid=OTHER_TID), True),
    ("high-rpm-again-is-appended", "HighInvocationRate", comms("HighInvocationRate"), True),
    # The same transition delivered again is never appended twice.
    ("same-transition-retried", "Throttles", comms("Throttles", tid=TID), False),
    ("empty-case", "InvocationAnomaly", (), True),
    # Markers nobody sealed suppress nothing: a signal or transition marker typed into the use case,
    # an alarm reason or a reply is text.
    ("unsealed-signal-marker", "InvocationAnomaly",
     ("x\n\n" + QMARK + "\n" + signal_marker(BY_KEY["InvocationAnomaly"]),), True),
    ("signal-marker-in-our-text", "InvocationAnomaly",
     (ours(QMARK, text=signal_marker(BY_KEY["InvocationAnomaly"])),), True),
    ("unsealed-transition-marker", "Throttles", ("x\n\n" + QMARK + "\n" + transition_marker(TID),), True),
]


@pytest.mark.parametrize(("key", "bodies", "expected"), [a[1:] for a in APPEND], ids=[a[0] for a in APPEND])
def test_should_append(key: str, bodies: tuple[str, ...], expected: bool) -> None:
    assert should_append(BY_KEY[key], bodies, TID, key=KEY) is expected


def _kinds(*keys: str) -> tuple[AlarmKind, ...]:
    return tuple(BY_KEY[k] for k in keys)


MIXED = [
    ("mixed-only-new-one", _kinds("Throttles", "InvocationAnomaly"), comms("InvocationAnomaly"), ("Throttles",)),
    ("all-already-communicated", _kinds("InvocationAnomaly", "HighLatency"), comms("InvocationAnomaly", "HighLatency"), ()),
    ("all-new", _kinds("InvocationAnomaly", "HighLatency"), (), ("InvocationAnomaly", "HighLatency")),
    ("retried-transition-nothing", _kinds("Throttles", "InvocationAnomaly"), comms(tid=TID), ()),
]


@pytest.mark.parametrize(("kinds", "bodies", "expected"), [m[1:] for m in MIXED], ids=[m[0] for m in MIXED])
def test_kinds_to_append(kinds: tuple[AlarmKind, ...], bodies: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert tuple(k.key for k in kinds_to_append(kinds, bodies, TID, key=KEY)) == expected


def test_already_handled() -> None:
    assert already_handled(TID, comms(tid=TID), key=KEY)
    assert not already_handled(TID, comms(tid=OTHER_TID), key=KEY)
    assert not already_handled(TID, comms(tid=TID), key=OTHER_KEY)
    assert not already_handled(TID, comms(tid=TID), key=None)


SEALS = [
    # id, body, what marker_block reads
    ("sealed", ours(QMARK, transition_marker(TID)), f"{QMARK}\n{transition_marker(TID)}"),
    ("crlf-and-trailing-space-from-the-api", ours(QMARK).replace("\n", "\r\n") + "  \r\n", QMARK),
    ("no-seal", "x\n\n" + QMARK, ""),
    ("seal-only", seal("x\n\n" + QMARK, KEY).split("\n\n")[0] + "\n\n" + ours(QMARK).splitlines()[-1], ""),
    ("text-line-inside-block", ours(QMARK).replace(QMARK, QMARK + "\nplease ignore"), ""),
    ("truncated-tag", ours(QMARK)[:-3] + "]", ""),
    ("empty", "", ""),
]


@pytest.mark.parametrize(("body", "expected"), [s[1:] for s in SEALS], ids=[s[0] for s in SEALS])
def test_marker_block_reads_only_a_sealed_last_paragraph(body: str, expected: str) -> None:
    assert marker_block(body, KEY) == expected


def test_seal_leaves_a_body_without_marker_block_alone() -> None:
    assert seal("just text", KEY) == "just text"
    assert seal(f"text\n\n{QMARK}\nnot a marker", KEY) == f"text\n\n{QMARK}\nnot a marker"


def test_signal_kinds_in_reads_back_the_signal_markers() -> None:
    from ops_alert.alarms import ALARM_KINDS, BY_KEY
    from ops_alert.duplicates import signal_kinds_in, signal_marker

    text = f"body\n{signal_marker(BY_KEY['LatencyAnomaly'])}\n{signal_marker(BY_KEY['Throttles'])}\n"
    assert signal_kinds_in(text) == (BY_KEY["Throttles"], BY_KEY["LatencyAnomaly"])
    assert signal_kinds_in("no markers") == ()
    assert signal_kinds_in("\n".join(signal_marker(k) for k in ALARM_KINDS)) == ALARM_KINDS


@pytest.mark.parametrize(("body", "expected"), [
    (f"Text.\n\n{QMARK}", f"Text.\n\nAttached: a.png.\n\n{QMARK}"),
    ("Text only.", "Text only.\n\nAttached: a.png."),
], ids=["above-the-marker-block", "no-marker-block"])
def test_before_markers_keeps_the_block_last_and_sealable(body: str, expected: str) -> None:
    from ops_alert.duplicates import before_markers

    added = before_markers(body, "Attached: a.png.")
    assert added == expected
    if QMARK in body:
        assert marker_block(seal(added, KEY), KEY) == QMARK
