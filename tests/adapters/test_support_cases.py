"""support_cases: all pages, communications beyond the five recent ones, support-plan check."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from ops_alert_aws import support_cases
from ops_alert_aws.support_cases import NoSupportPlan
from tests.fakes import StandardFakes


def test_open_cases_reads_every_page_and_skips_resolved(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    for i in range(250):
        aws.support.add_case(f"case {i}", "body", days_ago=1)
    aws.support.resolve(aws.support.cases[0])
    aws.support.add_case("too old", "body", days_ago=100)
    cases = support_cases.open_cases_since(datetime.now(timezone.utc) - timedelta(days=60))
    assert len(cases) == 249
    assert aws_calls["support:DescribeCases"] == 3  # 100 per page


def test_communications_beyond_the_recent_five_are_read(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    case = aws.support.add_case("s", "first [marker]")
    for i in range(6):
        aws.support.reply(case, f"reply {i}")
    [found] = support_cases.open_cases_since(datetime.now(timezone.utc) - timedelta(days=1))
    assert not found.communications_complete
    bodies = support_cases.communications(found)
    assert "first [marker]" in bodies and len(bodies) == 7


def test_short_history_needs_no_extra_call(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    aws.support.add_case("s", "only")
    [found] = support_cases.open_cases_since(datetime.now(timezone.utc) - timedelta(days=1))
    assert support_cases.communications(found) == ("only",)
    assert aws_calls["support:DescribeCommunications"] == 0


def test_create_case_uses_the_documented_fields(aws: StandardFakes) -> None:
    case_id = support_cases.create_case("subject", "body", ["a@example.com"], key=None)
    case = aws.support.case(case_id)
    assert (case.service_code, case.category_code, case.severity_code, case.language) == (
        "service-bedrock", "general-guidance", "normal", "en")
    assert case.cc_email_addresses == ["a@example.com"]
    found = support_cases.find_case(case_id=case_id)
    assert found is not None and found.summary.display_id == case.display_id
    assert support_cases.find_case(display_id=case.display_id).summary.case_id == case_id


def test_unknown_display_id_is_none(aws: StandardFakes) -> None:
    assert support_cases.find_case(display_id="999") is None


@pytest.mark.parametrize(
    "call",
    [
        lambda: support_cases.open_cases_since(datetime.now(timezone.utc)),
        lambda: support_cases.create_case("s", "b", key=None),
        lambda: support_cases.find_case(display_id="1"),
    ],
    ids=["describe-cases", "create-case", "find-case"],
)
def test_no_support_plan(aws: StandardFakes, call) -> None:
    """Every Support call says "no plan" the same way; the processor's first one is its plan check."""
    aws.support.subscribed = False
    with pytest.raises(NoSupportPlan, match="support plan"):
        call()


MARKERS = "Body.\n\n[bedrock-ops-alert:Acme/G-Opus-4-6/quota-request]"


@pytest.mark.parametrize("submit", [
    lambda case_id, key: support_cases.add_communication(case_id, MARKERS, key=key),
    lambda case_id, key: support_cases.create_case("s", MARKERS, key=key),
], ids=["add-communication", "create-case"])
def test_every_body_we_submit_is_sealed_with_the_stack_key(aws: StandardFakes, submit) -> None:
    from ops_alert.duplicates import marker_block

    first = aws.support.add_case("s", "first")
    submit(first.case_id, b"k" * 32)
    body = aws.support.cases[-1].communications[-1].body
    assert marker_block(body, b"k" * 32) == "[bedrock-ops-alert:Acme/G-Opus-4-6/quota-request]"
    assert marker_block(body, b"x" * 32) == ""


def test_create_case_is_attempted_once_and_support_follows_the_partition(monkeypatch: pytest.MonkeyPatch) -> None:
    """A retried CreateCase whose first reply was lost opens a second case: the client must not retry."""
    from ops_alert_aws import clients

    clients.reset()
    assert clients.support(retry=False).meta.config.retries["total_max_attempts"] == 1
    for region, endpoint in [("eu-west-1", "us-east-1"), ("us-gov-east-1", "us-gov-west-1"), ("cn-northwest-1", "cn-north-1")]:
        monkeypatch.setenv("AWS_REGION", region)
        assert clients.support().meta.region_name == endpoint
    clients.reset()
