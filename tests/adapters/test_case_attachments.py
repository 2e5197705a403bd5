"""Case attachments: usage graphs and CSV in one Support attachment set; failures never block a case."""
from __future__ import annotations

import json
import logging
from collections import Counter

import pytest

from ops_alert_aws import case_attachments, support_cases
from ops_alert_aws.case_attachments import Attachments, CaseFile, GraphRequest
from tests.fakes import StandardFakes

WIDGET = json.dumps({"metrics": [["AWS/Bedrock", "Invocations", "ModelId", "m"]], "width": 1000, "height": 400})
GRAPHS = (GraphRequest("rpm-14-days.png", WIDGET), GraphRequest("tpm-14-days.png", WIDGET))
CSV = CaseFile("daily-usage.csv", b"day,peak\n")
LOG = logging.getLogger("test")


def test_two_graphs_and_the_csv_go_in_one_set_with_three_calls(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    result = case_attachments.prepare(GRAPHS, [CSV], LOG)
    assert result.attached == ("rpm-14-days.png", "tpm-14-days.png", "daily-usage.csv") and result.missing == ()
    assert dict(aws_calls) == {"cloudwatch:GetMetricWidgetImage": 2, "support:AddAttachmentsToSet": 1}
    case_id = support_cases.create_case("S", "B", attachment_set_id=result.set_id, key=None)
    files = aws.support.case(case_id).communications[0].attachments
    assert [f.file_name for f in files] == list(result.attached)
    assert files[0].data.startswith(b"\x89PNG") and files[2].data == b"day,peak\n"


def test_a_failed_graph_is_reported_missing_and_the_rest_is_attached(aws: StandardFakes, fault,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    fault.fail("cloudwatch", "GetMetricWidgetImage", "InternalFailure", status=500)
    result = case_attachments.prepare(GRAPHS, [CSV], LOG)
    assert result.missing == ("rpm-14-days.png",)
    assert result.attached == ("tpm-14-days.png", "daily-usage.csv") and result.set_id
    assert "Rendering rpm-14-days.png (CloudWatch GetMetricWidgetImage) failed: InternalFailure" in caplog.text


def test_a_failed_upload_attaches_nothing_and_says_what_is_missing(aws: StandardFakes, fault) -> None:
    fault.fail("support", "AddAttachmentsToSet", "AttachmentLimitExceeded")
    assert case_attachments.prepare(GRAPHS, [CSV], LOG) == Attachments(
        None, (), ("rpm-14-days.png", "tpm-14-days.png", "daily-usage.csv"))


def test_files_beyond_the_set_limits_are_left_out(aws: StandardFakes) -> None:
    big = CaseFile("huge.csv", b"x" * (5 * 1024 * 1024 + 1))
    extra = [CaseFile(f"{i}.csv", b"1") for i in range(4)]
    result = case_attachments.prepare((), [big, *extra], LOG)
    assert result.attached == ("0.csv", "1.csv", "2.csv")
    assert result.missing == ("huge.csv", "3.csv")


def test_nothing_to_attach_makes_no_call(aws: StandardFakes, aws_calls: Counter[str]) -> None:
    assert case_attachments.prepare((), [], LOG) == Attachments(None)
    assert sum(aws_calls.values()) == 0


@pytest.mark.parametrize("operation", ["create", "append"])
def test_an_expired_set_does_not_cost_the_case(aws: StandardFakes, operation: str) -> None:
    set_id = case_attachments.prepare((), [CSV], LOG).set_id
    aws.support.expire_attachment_sets()
    if operation == "create":
        case_id = support_cases.create_case("S", "B", attachment_set_id=set_id, key=None)
        communication = aws.support.case(case_id).communications[0]
    else:
        case = aws.support.add_case("S", "B")
        support_cases.add_communication(case.case_id, "more", attachment_set_id=set_id, key=None)
        communication = case.communications[-1]
    assert communication.attachments == [] and communication.body in ("B", "more")


def test_other_case_errors_still_raise(aws: StandardFakes, fault) -> None:
    set_id = case_attachments.prepare((), [CSV], LOG).set_id
    fault.fail("support", "CreateCase", "CaseCreationLimitExceeded")
    with pytest.raises(Exception, match="CaseCreationLimitExceeded"):
        support_cases.create_case("S", "B", attachment_set_id=set_id, key=None)
