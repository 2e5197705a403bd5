"""The support step's write seam: a fire drill describes every write and makes none."""
from __future__ import annotations

import inspect
from collections import Counter

import boto3
import pytest

from ops_alert_aws.case_attachments import CaseFile
from ops_alert_aws.follow_up import FollowUp, StoredContext
from ops_alert_aws.quota_requests import QuotaRequest
from ops_alert_aws.support_writes import DryRunWrites, SupportWrites
from tests.fakes import StandardFakes


def _public(cls: type) -> set[str]:
    return {n for n, _ in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")}


def test_the_dry_run_overrides_every_write_of_the_live_seam() -> None:
    """A write added to SupportWrites without its dry-run twin would reach AWS in a drill."""
    assert _public(SupportWrites) <= {n for n in _public(DryRunWrites) if n in vars(DryRunWrites)}


REQUEST = QuotaRequest("", "L-3DCCFAA4", "PENDING", "bedrock", None, 7_812_500.0, None)


def test_a_dry_run_makes_no_call_and_says_what_it_would_have_done(
        aws: StandardFakes, aws_calls: Counter[str]) -> None:
    w = DryRunWrites()
    set_id = w.upload_attachments([CaseFile("rpm-14-days.png", b"x" * 2048), CaseFile("daily-usage.csv", b"a,b")])
    case_id = w.create_case("Acme - Bedrock Ops Alert - M - Quota Request", "body " * 100, ["sre@example.com"],
                            set_id, key=b"k" * 32)
    w.add_communication("case-1", "more", None, key=None, label="176543210987")
    submitted = w.submit_increase("L-3DCCFAA4", 7_812_500)
    w.store_follow_up_context("table", submitted.request, "t|ALARM|x", StoredContext("context", ("Throttles",)))
    w.schedule_follow_up("https://sqs/q", FollowUp("r", "L-3DCCFAA4", "t"), 60)

    assert sum(aws_calls.values()) == 0
    assert (case_id, w.display_id_of(case_id), submitted.already_pending, submitted.request.request_id) == (
        "", None, False, "")
    assert [d.action for d in w.done] == [
        "support:AddAttachmentsToSet", "support:CreateCase", "support:AddCommunicationToCase",
        "servicequotas:RequestServiceQuotaIncrease", "support:AddCommunicationToCase"]
    said = [d.description for d in w.done]
    assert said[0] == "upload rpm-14-days.png (2,048 bytes), daily-usage.csv (3 bytes) as one attachment set"
    assert said[1] == ("open the case 'Acme - Bedrock Ops Alert - M - Quota Request' (500 characters, "
                       "CC 1 stakeholder address(es), with the usage graphs and data attached)")
    assert said[2] == "append this alert (4 characters) to the unresolved case 176543210987"
    assert said[3] == "request the Bedrock quota L-3DCCFAA4 be raised to 7,812,500 (support case allowed)"
    assert "case Service Quotas opens for the request on quota L-3DCCFAA4" in said[4]


@pytest.mark.parametrize("display_id", ["176543210987", None], ids=["case-known", "case-not-yet-opened"])
def test_the_follow_up_it_would_queue_names_the_case(display_id: str | None) -> None:
    w = DryRunWrites()
    request = QuotaRequest("r-1", "L-3DCCFAA4", "CASE_OPENED", "bedrock", display_id, 1.0, None)
    w.store_follow_up_context("table", request, "t", StoredContext("context", ()))
    assert (f"case {display_id}" if display_id else "case Service Quotas opens") in w.done[0].description


@pytest.mark.parametrize("delay", [0, 60], ids=["case-open", "case-not-yet-opened"])
def test_the_live_seam_queues_one_follow_up_message(aws: StandardFakes, aws_calls: Counter[str], delay: int) -> None:
    queue = boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="follow-up")["QueueUrl"]
    item = FollowUp("r-1", "L-3DCCFAA4", "t|ALARM|x")
    SupportWrites().schedule_follow_up(queue, item, delay)
    [sent] = [c.params for c in aws.log if c.key == "sqs:SendMessage"]
    assert sent == {"QueueUrl": queue, "MessageBody": item.to_json(), "DelaySeconds": delay}
    assert sum(n for k, n in aws_calls.items() if k.startswith("sqs:")) == 2  # CreateQueue, SendMessage
