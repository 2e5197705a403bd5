"""FakeSupport: the behaviours of the AWS Support API the project relies on."""

from __future__ import annotations

import datetime as dt
import re

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def client(aws):
    return boto3.client("support", region_name="us-east-1")


def _error(raised: pytest.ExceptionInfo[ClientError]) -> str:
    return raised.value.response["Error"]["Code"]


def test_create_case_shapes(client, support):
    case_id = client.create_case(subject="S", communicationBody="B", severityCode="normal")["caseId"]
    assert re.fullmatch(r"case-123456789012-muen-\d{4}-[0-9a-f]{16}", case_id)
    case = client.describe_cases(caseIdList=[case_id])["cases"][0]
    assert case["displayId"].isdigit()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", case["timeCreated"])
    assert case["status"] == "opened"
    assert case["recentCommunications"]["communications"][0]["body"] == "B"
    assert support.cases[-1].body == "B"


def test_describe_cases_pages_newest_first(client, support):
    for index in range(25):
        support.add_case(f"case {index}", "body", days_ago=25 - index)
    pages = list(client.get_paginator("describe_cases").paginate(PaginationConfig={"PageSize": 10}))
    subjects = [c["subject"] for page in pages for c in page["cases"]]
    assert [len(p["cases"]) for p in pages] == [10, 10, 5]
    assert subjects == [f"case {i}" for i in reversed(range(25))]


def test_describe_cases_excludes_resolved_by_default(client, support):
    kept = support.add_case("open", "b")
    support.resolve(support.add_case("done", "b"))
    assert [c["caseId"] for c in client.describe_cases()["cases"]] == [kept.case_id]
    assert len(client.describe_cases(includeResolvedCases=True)["cases"]) == 2


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"afterTime": "AFTER"}, ["new"]),
        ({"beforeTime": "AFTER"}, ["old"]),
        ({"displayId": "DISPLAY"}, ["new"]),
    ],
    ids=["afterTime", "beforeTime", "displayId"],
)
def test_describe_cases_filters(client, support, kwargs, expected):
    support.add_case("old", "b", days_ago=60)
    new = support.add_case("new", "b", days_ago=1)
    after = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=45)).strftime("%Y-%m-%dT%H:%M:%SZ")
    kwargs = {k: {"AFTER": after, "DISPLAY": new.display_id}[v] for k, v in kwargs.items()}
    assert [c["subject"] for c in client.describe_cases(**kwargs)["cases"]] == expected


def test_include_communications_false_omits_them(client, support):
    support.add_case("s", "b")
    assert "recentCommunications" not in client.describe_cases(includeCommunications=False)["cases"][0]


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda c: c.describe_cases(maxResults=101), "ValidationException"),
        (lambda c: c.add_communication_to_case(caseId="case-x", communicationBody="b"), "CaseIdNotFound"),
        (lambda c: c.describe_cases(caseIdList=["case-x"]), "CaseIdNotFound"),
        (lambda c: c.describe_communications(caseId="case-x"), "CaseIdNotFound"),
        (lambda c: c.resolve_case(caseId="case-x"), "CaseIdNotFound"),
        (lambda c: c.describe_cases(nextToken="garbage"), "ValidationException"),
    ],
    ids=["maxResults-101", "add-unknown-case", "describe-unknown-case", "comms-unknown-case",
         "resolve-unknown-case", "bad-token"],
)
def test_errors(client, call, code):
    with pytest.raises(ClientError) as raised:
        call(client)
    assert _error(raised) == code


@pytest.mark.parametrize(("length", "ok"), [(8000, True), (8001, False)], ids=["8000-ok", "8001-rejected"])
def test_communication_body_limit(client, support, length, ok):
    case = support.add_case("s", "b")
    if ok:
        response = client.add_communication_to_case(caseId=case.case_id, communicationBody="x" * length)
        assert response["result"] is True
        assert len(case.communications) == 2
    else:
        with pytest.raises(ClientError) as raised:
            client.add_communication_to_case(caseId=case.case_id, communicationBody="x" * length)
        assert _error(raised) == "ValidationException"
        assert "8000" in raised.value.response["Error"]["Message"]
        assert len(case.communications) == 1


def test_communications_page_newest_first(client, support):
    case = support.add_case("s", "first")
    for index in range(14):
        client.add_communication_to_case(caseId=case.case_id, communicationBody=f"c{index}")
    pages = list(client.get_paginator("describe_communications").paginate(
        caseId=case.case_id, PaginationConfig={"PageSize": 10}))
    bodies = [c["body"] for p in pages for c in p["communications"]]
    assert len(pages) == 2
    assert bodies[0] == "c13" and bodies[-1] == "first" and len(bodies) == 15


def test_recent_communications_are_the_latest_five(client, support):
    case = support.add_case("s", "first")
    for index in range(7):
        support.reply(case, f"r{index}")
    recent = client.describe_cases()["cases"][0]["recentCommunications"]["communications"]
    assert [c["body"] for c in recent] == ["r6", "r5", "r4", "r3", "r2"]


def test_add_communication_reopens_resolved_case(client, support):
    case = support.resolve(support.add_case("s", "b"))
    client.add_communication_to_case(caseId=case.case_id, communicationBody="again")
    assert case.status == "reopened"


def test_resolve_case(client, support):
    case = support.add_case("s", "b")
    assert client.resolve_case(caseId=case.case_id)["finalCaseStatus"] == "resolved"
    assert support.open_cases() == []


def test_age_case_moves_it_out_of_the_window(client, support):
    case = support.add_case("s", "b")
    support.age_case(case, 50)
    after = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=45)).isoformat()
    assert client.describe_cases(afterTime=after)["cases"] == []


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.describe_severity_levels(),
        lambda c: c.create_case(subject="s", communicationBody="b"),
        lambda c: c.describe_cases(),
    ],
    ids=["severity", "create", "describe"],
)
def test_subscription_required(client, support, call):
    support.subscribed = False
    with pytest.raises(ClientError) as raised:
        call(client)
    assert _error(raised) == "SubscriptionRequiredException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert support.cases == []


def test_severity_levels(client):
    codes = [level["code"] for level in client.describe_severity_levels()["severityLevels"]]
    assert codes == ["low", "normal", "high", "urgent", "critical"]


# -- attachments ------------------------------------------------------------------------------


def test_attachment_set_goes_with_a_new_case_and_an_appended_communication(client, support):
    first = client.add_attachments_to_set(attachments=[{"fileName": "usage.png", "data": b"\x89PNG"}])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["expiryTime"])
    same = client.add_attachments_to_set(attachmentSetId=first["attachmentSetId"],
                                          attachments=[{"fileName": "usage.csv", "data": b"day,peak\n"}])
    assert same["attachmentSetId"] == first["attachmentSetId"]
    case_id = client.create_case(subject="S", communicationBody="B", attachmentSetId=first["attachmentSetId"])["caseId"]
    second = client.add_attachments_to_set(attachments=[{"fileName": "later.csv", "data": b"x"}])
    client.add_communication_to_case(caseId=case_id, communicationBody="more", attachmentSetId=second["attachmentSetId"])

    case = support.case(case_id)
    assert [(a.file_name, a.data) for a in case.communications[0].attachments] == [
        ("usage.png", b"\x89PNG"), ("usage.csv", b"day,peak\n")]
    listed = client.describe_communications(caseId=case_id)["communications"]
    assert [[a["fileName"] for a in c["attachmentSet"]] for c in listed] == [["later.csv"], ["usage.png", "usage.csv"]]


@pytest.mark.parametrize(
    ("attachments", "code"),
    [
        ([{"fileName": f"f{i}.csv", "data": b"x"} for i in range(4)], "AttachmentSetSizeLimitExceeded"),
        ([{"fileName": "big.png", "data": b"x" * (5 * 1024 * 1024 + 1)}], "AttachmentSetSizeLimitExceeded"),
    ],
    ids=["four-attachments", "over-5-MB"],
)
def test_attachment_set_limits(client, attachments, code):
    with pytest.raises(ClientError) as raised:
        client.add_attachments_to_set(attachments=attachments)
    assert _error(raised) == code


def test_fourth_attachment_added_to_an_existing_set_is_refused(client):
    set_id = client.add_attachments_to_set(attachments=[{"fileName": f"f{i}", "data": b"x"} for i in range(3)])[
        "attachmentSetId"]
    with pytest.raises(ClientError) as raised:
        client.add_attachments_to_set(attachmentSetId=set_id, attachments=[{"fileName": "f4", "data": b"x"}])
    assert _error(raised) == "AttachmentSetSizeLimitExceeded"


@pytest.mark.parametrize("expire", [True, False], ids=["expired-after-an-hour", "unknown-id"])
def test_case_with_an_unusable_attachment_set_is_refused(client, support, expire):
    set_id = client.add_attachments_to_set(attachments=[{"fileName": "f", "data": b"x"}])["attachmentSetId"]
    if expire:
        support.expire_attachment_sets()
    else:
        set_id = "as-unknown"
    with pytest.raises(ClientError) as raised:
        client.create_case(subject="S", communicationBody="B", attachmentSetId=set_id)
    assert _error(raised) == ("AttachmentSetExpired" if expire else "AttachmentSetIdNotFound")
    assert support.cases == []
