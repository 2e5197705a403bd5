"""The processor's typed results and the JSON it returns (and stores for exactly-once)."""
from __future__ import annotations

import dataclasses
import json

import pytest

from ops_alert.content.model import AttachmentNote, CaseOutcome, CaseOutcomeStatus
from ops_alert.holds import HeldBy, Notice
from ops_alert.mute import MuteVerdict
from ops_alert.results import (
    Batch,
    ChatStatus,
    CoveredByComposite,
    Duplicate,
    EmailStatus,
    FollowUpResult,
    FollowUpStatus,
    Ignored,
    Json,
    Processed,
    Rejected,
    Status,
    Unidentified,
)
from tests.unit.content.contexts import HIGH, NEW_CASE, TID
from tests.unit.content.test_capacity import FORECAST


def test_processed_says_what_was_decided_and_done() -> None:
    assert Processed(HIGH, NEW_CASE, EmailStatus.SENT, chat=ChatStatus.NO_CHANNEL).to_json() == {
        "status": "processed",
        "transition": TID,
        "severity": "CRITICAL",
        "scenario": "high_usage",
        "alarms": ["Acme-Bedrock-Throttles-Critical-G-Opus-4-6"],
        "case": {
            "status": "NEW",
            "display_id": "176543210987",
            "case_id": "case-123456789012-muen-2026-1a2b3c4d5e6f7a8b",
            "quota_request_ids": ["a1b2c3"],  # one request per alert
            "error": None,
        },
        "quota_requests": [
            {"code": "L-3DD46812", "current": 10_000.0, "requested": 12_500},
            {"code": "L-3DCCFAA4", "current": 6_250_000.0, "requested": 7_812_500},
        ],
        "email": "sent",
        "held_by": None,
        "chat": "no_channel",
        "forecast": [],
        "attachments": None,
    }


def test_a_held_e_mail_says_what_held_it() -> None:
    held = Notice(verdict=MuteVerdict.HELD, held_by=HeldBy.MUTE)
    assert Processed(HIGH, NEW_CASE, EmailStatus.HELD, held).to_json()["email"] == "held"
    assert Processed(HIGH, NEW_CASE, EmailStatus.HELD, held).to_json()["held_by"] == "mute"
    again = Unidentified("k", "c", EmailStatus.HELD, Notice(held_by=HeldBy.RENOTIFY)).to_json()
    assert (again["email"], again["held_by"]) == ("held", "renotify")


def test_processed_carries_the_forecast_and_the_attachments() -> None:
    outcome = dataclasses.replace(NEW_CASE, attachments=AttachmentNote(("daily-usage.csv",), ("rpm-14-days.png",)))
    result = Processed(FORECAST, outcome, EmailStatus.SENT).to_json()
    assert [f["measure"] for f in result["forecast"]] == ["Peak RPM", "Peak TPM", "Tokens / 24 h"]
    assert result["forecast"][0]["quota"] == {"target": 10_000.0, "outlook": "in_days", "days": 5}
    assert result["attachments"] == {"attached": ["daily-usage.csv"], "missing": ["rpm-14-days.png"]}
    json.dumps(result)


def test_a_duplicate_returns_the_first_runs_result_marked() -> None:
    first = Processed(HIGH, CaseOutcome(CaseOutcomeStatus.FAILED, error="x"), EmailStatus.FILTERED).to_json()
    again = Duplicate(json.loads(json.dumps(first))).to_json()
    assert again == {**first, "status": "duplicate", "first_status": "processed"}


FOLLOW_UPS = [
    ("appended", FollowUpResult(FollowUpStatus.APPENDED, "r-1", 2, "1764"),
     {"status": "appended", "request_id": "r-1", "attempt": 2, "display_id": "1764"}),
    ("no-case", FollowUpResult(FollowUpStatus.NO_CASE, "r-1", 1, request_status="APPROVED"),
     {"status": "no_case", "request_id": "r-1", "attempt": 1, "request_status": "APPROVED"}),
    ("requeued", FollowUpResult(FollowUpStatus.REQUEUED, "r-1", 3), {"status": "requeued", "request_id": "r-1", "attempt": 3}),
]


@pytest.mark.parametrize(("result", "expected"), [f[1:] for f in FOLLOW_UPS], ids=[f[0] for f in FOLLOW_UPS])
def test_follow_up_results(result: FollowUpResult, expected: Json) -> None:
    assert result.to_json() == expected


def test_the_other_results_and_batches() -> None:
    batch = Batch(Status.FOLLOW_UP, [
        Ignored("not ours"),
        Rejected("bad body"),
        Batch(Status.BATCH, [CoveredByComposite("a"), Unidentified("k", "c", EmailStatus.SENT, chat=ChatStatus.FAILED)]),
    ])
    assert batch.to_json() == {"status": "follow_up", "results": [
        {"status": "ignored", "reason": "not ours"},
        {"status": "rejected", "reason": "bad body"},
        {"status": "batch", "results": [
            {"status": "covered_by_composite", "alarm": "a"},
            {"status": "no_child_identified", "transition": "k", "alarm": "c", "email": "sent", "held_by": None,
             "chat": "failed"},
        ]},
    ]}
    json.dumps(batch.to_json())  # what Lambda returns and Powertools stores must be JSON
