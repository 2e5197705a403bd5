"""The decision event's detail (issue 13): built from the typed result, valid against the schema."""
from __future__ import annotations

import dataclasses
import json
import math
from datetime import datetime, timezone
from typing import Any

import pytest

from ops_alert.content.model import CaseOutcome, CaseOutcomeStatus
from ops_alert.decision_event import (
    DETAIL_TYPE,
    MAX_TEXT,
    SOURCE,
    StackIdentity,
    bounded,
    decision_detail,
    decision_entry,
)
from ops_alert.results import (
    Batch,
    CoveredByComposite,
    Duplicate,
    EmailStatus,
    Ignored,
    Processed,
    Rejected,
    SignalResult,
    Status,
    Unidentified,
)
from ops_alert.usage import UsageStats
from tests.functional.decision_events import problems
from tests.unit.content.contexts import ALL, HIGH, NEW_CASE, NON_QUOTA
from tests.unit.content.test_capacity import FORECAST

IDENTITY = StackIdentity("acme-opus", "Acme", "G-Opus-4-6", "global.anthropic.claude-opus-4-6-v1", "us-east-1")
AT = datetime(2026, 11, 26, 14, 5, 1, tzinfo=timezone.utc)


def _valid(detail: dict[str, Any] | None) -> dict[str, Any]:
    assert detail is not None
    assert problems(decision_entry(detail)) == []
    return detail


RESULTS: list[tuple[str, SignalResult, str]] = [
    *[(f"processed-{name}", Processed(ctx, NEW_CASE, EmailStatus.SENT), "processed") for name, ctx in ALL],
    ("processed-forecast", Processed(FORECAST, NEW_CASE, EmailStatus.FILTERED), "processed"),
    *[(f"case-{s.value}", Processed(NON_QUOTA, CaseOutcome(s, error="boom" if s is CaseOutcomeStatus.FAILED else None),
                                    EmailStatus.SENT), "processed") for s in CaseOutcomeStatus],
    ("unidentified", Unidentified("tid", "Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6", EmailStatus.SENT),
     "no_child_identified"),
    ("covered", CoveredByComposite("Acme-Bedrock-Throttles-Critical-G-Opus-4-6"), "covered_by_composite"),
    ("ignored", Ignored("not into ALARM (OK)"), "ignored"),
    ("rejected", Rejected("not an alarm notification"), "rejected"),
]


@pytest.mark.parametrize(("result", "outcome"), [(r, o) for _, r, o in RESULTS], ids=[i for i, _, _ in RESULTS])
def test_every_outcome_is_a_valid_event(result: SignalResult, outcome: str) -> None:
    detail = _valid(decision_detail(result, IDENTITY, AT))
    assert detail["outcome"] == outcome
    assert (detail["stack"], detail["customer"], detail["time"]) == ("acme-opus", "Acme", "2026-11-26T14:05:01+00:00")
    if outcome == "processed":
        assert detail["case"]["why"] and detail["reason"] is None
    else:
        assert detail["case"] is None and detail["reason"]


def test_a_repeat_emits_nothing() -> None:
    first = Processed(HIGH, NEW_CASE, EmailStatus.SENT).to_json()
    assert decision_detail(Duplicate(first), IDENTITY, AT) is None


def test_a_batch_is_not_one_signal() -> None:
    with pytest.raises(TypeError, match="Batch"):
        decision_detail(Batch(Status.BATCH, []), IDENTITY, AT)  # type: ignore[arg-type]


def test_the_one_quota_request_carries_its_id_the_others_ride_in_its_context() -> None:
    detail = _valid(decision_detail(Processed(HIGH, NEW_CASE, EmailStatus.SENT), IDENTITY, AT))
    ids = {r["kind"]: r["requestId"] for r in detail["quotaRequests"]}
    assert ids == {"RPM": None, "TPM": "a1b2c3"}


def test_non_finite_figures_become_null_not_invalid_json() -> None:
    assert HIGH.usage is not None
    usage = dataclasses.replace(HIGH.usage, avg_input_tokens_per_request=math.nan, peak_tpm=math.inf)
    ctx = dataclasses.replace(HIGH, usage=usage)
    detail = _valid(decision_detail(Processed(ctx, NEW_CASE, EmailStatus.SENT), IDENTITY, AT))
    assert detail["usage"]["avgInputTokensPerRequest"] is None and detail["usage"]["peakTpm"] is None
    json.dumps(detail, allow_nan=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("plain", "plain"), ("line\nbreak\x00", "line break "), ("x" * (MAX_TEXT + 5), "x" * (MAX_TEXT - 1) + "…"),
     (None, None)],
    ids=["plain", "control-characters", "too-long", "none"],
)
def test_outside_text_is_bounded_and_without_control_characters(text: str | None, expected: str | None) -> None:
    assert bounded(text) == expected


def test_a_long_rejection_reason_still_validates() -> None:
    detail = _valid(decision_detail(Rejected("bad\n" * 2_000), IDENTITY, AT))
    assert len(detail["reason"]) == MAX_TEXT and "\n" not in detail["reason"]


def test_the_entry_goes_to_the_default_bus_as_json() -> None:
    entry = decision_entry({"outcome": "ignored"})
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (SOURCE, DETAIL_TYPE, "default")
    assert json.loads(entry["Detail"]) == {"outcome": "ignored"}


def test_usage_stats_fields_are_all_reported() -> None:
    """A new usage figure must be added to the event (and the schema) deliberately."""
    reported = {"steady_rpm", "peak_rpm", "steady_tpm", "peak_tpm", "avg_input_tokens_per_request",
                "avg_output_tokens_per_request", "lookback_days"}
    internal = {"peak_rpm_at", "peak_tpm_at", "minutes_with_data", "tpm_source"}
    assert {f.name for f in dataclasses.fields(UsageStats)} == reported | internal
