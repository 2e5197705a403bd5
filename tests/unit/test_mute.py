"""Mute windows (issue 13): reading the untrusted SSM document, and which alerts a mute holds."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from ops_alert.alarms import BY_KEY, AlarmKind, CaseCategory
from ops_alert.mute import (
    ALL_CATEGORIES,
    MAX_REASON_CHARS,
    Mute,
    MuteReading,
    MuteVerdict,
    mute_document,
    mute_note,
    mute_verdict,
    parse_mute,
    parse_scope,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
Q, I = CaseCategory.QUOTA_REQUEST, CaseCategory.INVESTIGATION_REQUEST


def doc(**fields: object) -> str:
    return json.dumps({"until": "2026-12-02T08:00:00Z", "reason": "load test", **fields})


READINGS = [
    # (id, value, muted, problem contains, until)
    ("off", "off", False, None),
    ("off-any-case", " OFF \n", False, None),
    ("empty", "", False, None),
    ("missing", None, False, "is missing"),
    ("active", doc(), True, None),
    ("active-offset", doc(until="2026-12-02T09:00:00+01:00"), True, None),
    ("expired", doc(until="2026-12-01T11:59:59Z"), False, None),
    ("garbage", "mute it all", False, "neither 'off' nor a JSON mute document"),
    ("nested-too-deep", "[" * 2000 + "]" * 2000, False, "neither 'off' nor a JSON mute document"),
    ("json-not-object", "[1, 2]", False, "not a JSON object"),
    ("no-until", json.dumps({"reason": "x"}), False, "no 'until'"),
    ("until-not-a-time", doc(until="tomorrow"), False, "no 'until'"),
    ("until-without-offset", doc(until="2026-12-02T08:00:00"), False, "no 'until'"),
    ("until-a-number", doc(until=1764662400), False, "no 'until'"),
    ("longer-than-max", doc(until="2026-12-15T12:06:00Z"), False, "longer than the maximum of 14 days"),
    ("max-exactly", doc(until="2026-12-15T12:00:00Z"), True, None),
    ("centuries", doc(until="2999-01-01T00:00:00Z"), False, "longer than the maximum"),
    ("scope-as-one-word", doc(scope="quota"), True, None),
    ("scope-unknown", doc(scope=["everything"]), False, "unknown scope 'everything'"),
    ("scope-empty", doc(scope=[]), False, "empty scope"),
    ("scope-not-a-list", doc(scope={"quota": True}), False, "not a list"),
    ("too-long", doc(reason="x" * 5000), False, "more than a mute document's"),
]


@pytest.mark.parametrize(("text", "muted", "problem"), [r[1:] for r in READINGS], ids=[r[0] for r in READINGS])
def test_reading_the_mute_parameter(text: str | None, muted: bool, problem: str | None) -> None:
    reading = parse_mute(text, NOW, "/Acme/mute")
    assert (reading.mute is not None) == muted
    if problem is None:
        assert reading.problem is None
    else:
        assert reading.problem is not None and problem in reading.problem and "/Acme/mute" in reading.problem
        assert reading.problem.endswith("not muted")


def test_an_active_mute_as_read() -> None:
    mute = parse_mute(doc(setBy="arn:aws:iam::123456789012:user/ana", setAt="2026-12-01T11:00:00Z",
                          scope=["Quota"]), NOW).mute
    assert mute == Mute(datetime(2026, 12, 2, 8, tzinfo=timezone.utc), "load test",
                        "arn:aws:iam::123456789012:user/ana", datetime(2026, 12, 1, 11, tzinfo=timezone.utc),
                        frozenset({Q}))
    assert mute.ends() == "2026-12-02 08:00 UTC" and mute.scope_words == ["quota"]


@pytest.mark.parametrize(("reason", "shown"), [
    ("[bedrock-ops-alert:Acme/M/quota] close the case", "(bedrock-ops-alert:Acme/M/quota] close the case"),
    ("line one\nline two\x1b[31m red\u202e", "line one line two [31m red"),
    ("x" * 300, "x" * (MAX_REASON_CHARS - 1) + "…"),
    ("   ", "no reason given"),
    (42, "no reason given"),
], ids=["marker", "control-and-bidi", "bounded", "blank", "not-text"])
def test_the_reason_is_neutralised_and_bounded(reason: object, shown: str) -> None:
    mute = parse_mute(doc(reason=reason), NOW).mute
    assert mute is not None and mute.reason == shown


def test_an_expired_mute_is_remembered_for_a_day_to_say_it_ended() -> None:
    just = parse_mute(doc(until="2026-12-01T10:00:00Z"), NOW)
    assert just.mute is None and just.problem is None and just.ended is not None
    assert parse_mute(doc(until="2026-11-30T11:00:00Z"), NOW).ended is None


def test_the_document_the_cli_writes_reads_back() -> None:
    until = NOW + timedelta(hours=24)
    text = mute_document(until, "load test", "ana", NOW, frozenset({I}))
    assert json.loads(text) == {"until": "2026-12-02T12:00:00Z", "reason": "load test", "setBy": "ana",
                                "setAt": "2026-12-01T12:00:00Z", "scope": ["investigation"]}
    mute = parse_mute(text, NOW).mute
    assert mute is not None and (mute.until, mute.scope, mute.set_at) == (until, frozenset({I}), NOW)
    assert json.loads(mute_document(until, "r", "a", NOW))["scope"] == ["all"]


@pytest.mark.parametrize(("words", "scope"), [
    (["all"], ALL_CATEGORIES), (["quota"], {Q}), (["Investigation", "quota"], {Q, I}),
], ids=["all", "quota", "both"])
def test_scope_words(words: list[str], scope: set[CaseCategory]) -> None:
    assert parse_scope(words) == scope


def kinds(*keys: str) -> tuple[AlarmKind, ...]:
    return tuple(BY_KEY[k] for k in keys)


def muting(*scope: CaseCategory) -> Mute:
    return Mute(NOW + timedelta(hours=1), "load test", "", None, frozenset(scope))


HELD, SENT_THROUGH, NOT_MUTED = MuteVerdict.HELD, MuteVerdict.BREAKTHROUGH, MuteVerdict.NOT_MUTED
VERDICTS = [
    # No mute: nothing held.
    ("no-mute", None, kinds("Throttles"), NOT_MUTED),
    # Every category muted (the default): every alert held, CRITICAL too: nothing is outside the scope.
    ("all-warning-quota", muting(Q, I), kinds("HighInvocationRate"), HELD),
    ("all-critical-quota", muting(Q, I), kinds("Throttles"), HELD),
    ("all-critical-investigation", muting(Q, I), kinds("ServerErrors"), HELD),
    ("all-unidentified", muting(Q, I), (), HELD),
    # Quota muted (a load test): quota alerts held; a CRITICAL investigation alarm breaks through.
    ("quota-warning", muting(Q), kinds("HighTPMQuotaUsage"), HELD),
    ("quota-critical-throttles", muting(Q), kinds("Throttles", "ClientErrors"), HELD),
    ("quota-plus-server-errors", muting(Q), kinds("Throttles", "ServerErrors"), SENT_THROUGH),
    ("quota-anomaly-plus-server-errors", muting(Q), kinds("InvocationAnomaly", "ServerErrors"), SENT_THROUGH),
    ("quota-plus-warning-latency", muting(Q), kinds("HighInvocationRate", "HighLatency"), HELD),
    ("quota-investigation-alone", muting(Q), kinds("ServerErrors"), NOT_MUTED),
    ("quota-latency-alone", muting(Q), kinds("HighLatency"), NOT_MUTED),
    ("quota-unidentified", muting(Q), (), NOT_MUTED),
    # Investigation muted (a known AWS-side event): investigation alerts held, quota alerts not muted.
    ("investigation-server-errors", muting(I), kinds("ServerErrors", "HighLatency"), HELD),
    ("investigation-quota-alert", muting(I), kinds("Throttles"), NOT_MUTED),
    ("investigation-mixed-is-quota", muting(I), kinds("ServerErrors", "HighInvocationRate"), NOT_MUTED),
]


@pytest.mark.parametrize(("mute", "fired", "verdict"), [v[1:] for v in VERDICTS], ids=[v[0] for v in VERDICTS])
def test_which_alerts_a_mute_holds(mute: Mute | None, fired: tuple[AlarmKind, ...], verdict: MuteVerdict) -> None:
    assert mute_verdict(mute, fired) is verdict


NOTES = [
    ("breakthrough", MuteReading(muting(Q)), SENT_THROUGH, Q, "muted until 2026-12-01 13:00 UTC (load test). This alert breaks through"),
    ("outside-scope", MuteReading(muting(Q)), NOT_MUTED, I, "Quota alerts are muted until 2026-12-01 13:00 UTC (load test); this Investigation Request alert is outside it."),
    ("ended", MuteReading(None, ended=muting(Q, I)), NOT_MUTED, Q, "The mute (load test) ended at 2026-12-01 13:00 UTC"),
    ("held-no-note", MuteReading(muting(Q, I)), HELD, Q, None),
    ("nothing", MuteReading(None), NOT_MUTED, Q, None),
]


@pytest.mark.parametrize(("reading", "verdict", "category", "says"), [n[1:] for n in NOTES], ids=[n[0] for n in NOTES])
def test_the_e_mail_says_when_the_mute_ends(reading: MuteReading, verdict: MuteVerdict, category: CaseCategory,
                                            says: str | None) -> None:
    note = mute_note(reading, verdict, category)
    assert (says in note[0]) if says else note == ()
