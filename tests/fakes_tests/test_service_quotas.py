"""FakeServiceQuotas: bedrock quotas, increase requests and their support cases."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.fakes import MANTLE_MARKER, bedrock_quota_catalogue

OPUS_RPM = "L-3DD46812"
OPUS_TPM = "L-3DCCFAA4"


@pytest.fixture
def client(service_quotas):
    service_quotas.add_quotas(bedrock_quota_catalogue())
    return boto3.client("service-quotas")


def _code(raised: pytest.ExceptionInfo[ClientError]) -> str:
    return raised.value.response["Error"]["Code"]


def test_catalogue_is_large_and_realistic():
    quotas = {q.name: q for q in bedrock_quota_catalogue()}
    assert len(quotas) > 200
    opus = "Anthropic Claude Opus 4.6 V1"
    assert quotas[f"Global cross-region model inference requests per minute for {opus}"].code == OPUS_RPM
    assert quotas[f"Global cross-region model inference requests per minute for {opus}"].value == 10_000
    assert quotas[f"Global cross-region model inference tokens per minute for {opus}"].value == 6_250_000
    for name in (
        "Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1",
        "On-demand model inference requests per minute for Meta Llama 3.1 70B Instruct",
        "On-demand model inference tokens per minute for Meta Llama 4 Scout 17B Instruct",
        "On-demand model inference requests per minute for Anthropic Claude 3.5 Sonnet",
        "On-demand model inference requests per minute for Anthropic Claude 3 Sonnet",
        "Model units per provisioned model for Anthropic Claude 3.5 Sonnet",
    ):
        assert name in quotas
    assert any(name.endswith(MANTLE_MARKER) for name in quotas)
    assert all(q.code.startswith("L-") and len(q.code) == 10 for q in quotas.values())


def test_list_paginates_every_quota(client, service_quotas):
    pages = list(client.get_paginator("list_service_quotas").paginate(ServiceCode="bedrock"))
    codes = [q["QuotaCode"] for p in pages for q in p["Quotas"]]
    assert len(pages) > 2
    assert sorted(codes) == sorted(service_quotas.quotas)


def test_quota_shape(client):
    quota = client.get_service_quota(ServiceCode="bedrock", QuotaCode=OPUS_RPM)["Quota"]
    assert quota["QuotaArn"] == f"arn:aws:servicequotas:us-east-1:123456789012:bedrock/{OPUS_RPM}"
    assert quota["Value"] == 10_000.0 and quota["Adjustable"] is True
    assert quota["Period"] == {"PeriodValue": 1, "PeriodUnit": "MINUTE"}


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda c: c.list_service_quotas(ServiceCode="ec2"), "NoSuchResourceException"),
        (lambda c: c.get_service_quota(ServiceCode="bedrock", QuotaCode="L-00000000"), "NoSuchResourceException"),
        (lambda c: c.get_aws_default_service_quota(ServiceCode="bedrock", QuotaCode="L-0"), "NoSuchResourceException"),
        (lambda c: c.list_service_quotas(ServiceCode="bedrock", NextToken="bogus"), "InvalidPaginationTokenException"),
        (lambda c: c.request_service_quota_increase(ServiceCode="bedrock", QuotaCode=OPUS_RPM, DesiredValue=10_000),
         "IllegalArgumentException"),
        (lambda c: c.request_service_quota_increase(ServiceCode="bedrock", QuotaCode=OPUS_RPM, DesiredValue=9_000),
         "IllegalArgumentException"),
        (lambda c: c.get_requested_service_quota_change(RequestId="nope"), "NoSuchResourceException"),
    ],
    ids=["other-service", "unknown-code", "unknown-default", "bad-token", "desired-equal", "desired-lower",
         "unknown-request"],
)
def test_errors(client, call, code):
    with pytest.raises(ClientError) as raised:
        call(client)
    assert _code(raised) == code


def test_not_adjustable_quota_is_refused(client, service_quotas):
    fixed = next(q for q in service_quotas.quotas.values() if not q.adjustable)
    with pytest.raises(ClientError) as raised:
        client.request_service_quota_increase(ServiceCode="bedrock", QuotaCode=fixed.code, DesiredValue=fixed.value + 1)
    assert _code(raised) == "IllegalArgumentException"


def test_request_opens_a_support_case_with_display_id(client, service_quotas, support):
    requested = client.request_service_quota_increase(
        ServiceCode="bedrock", QuotaCode=OPUS_RPM, DesiredValue=12_000
    )["RequestedQuota"]
    assert requested["Status"] == "CASE_OPENED"
    case = support.case(requested["CaseId"])
    assert requested["CaseId"] == case.display_id
    assert case.subject.startswith("Service Quotas: Limit increase request")
    assert OPUS_RPM in case.body
    found = boto3.client("support").describe_cases(displayId=requested["CaseId"])["cases"]
    assert [c["caseId"] for c in found] == [case.case_id]


@pytest.mark.parametrize(
    ("setup", "kwargs"),
    [
        (lambda sq: setattr(sq, "auto_open_case", False), {}),
        (lambda sq: None, {"SupportCaseAllowed": False}),
    ],
    ids=["aws-has-not-opened-it-yet", "support-case-not-allowed"],
)
def test_request_stays_pending_without_case(client, service_quotas, support, setup, kwargs):
    setup(service_quotas)
    requested = client.request_service_quota_increase(
        ServiceCode="bedrock", QuotaCode=OPUS_RPM, DesiredValue=12_000, **kwargs
    )["RequestedQuota"]
    assert requested["Status"] == "PENDING" and "CaseId" not in requested
    assert support.cases == []


def test_one_open_request_per_quota(client, service_quotas):
    client.request_service_quota_increase(ServiceCode="bedrock", QuotaCode=OPUS_RPM, DesiredValue=12_000)
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
        client.request_service_quota_increase(ServiceCode="bedrock", QuotaCode=OPUS_RPM, DesiredValue=13_000)
    # A different quota is independent; once decided, the same quota may be requested again.
    client.request_service_quota_increase(ServiceCode="bedrock", QuotaCode=OPUS_TPM, DesiredValue=7_000_000)
    service_quotas.deny(service_quotas.requests[0])
    client.request_service_quota_increase(ServiceCode="bedrock", QuotaCode=OPUS_RPM, DesiredValue=13_000)


def test_missing_service_linked_role(client, service_quotas):
    service_quotas.service_linked_role = False
    with pytest.raises(client.exceptions.DependencyAccessDeniedException):
        client.request_service_quota_increase(ServiceCode="bedrock", QuotaCode=OPUS_RPM, DesiredValue=12_000)


def test_approve_raises_the_quota_and_resolves_the_case(client, service_quotas, support):
    request_id = client.request_service_quota_increase(
        ServiceCode="bedrock", QuotaCode=OPUS_RPM, DesiredValue=12_000
    )["RequestedQuota"]["Id"]
    service_quotas.approve(request_id)
    assert client.get_service_quota(ServiceCode="bedrock", QuotaCode=OPUS_RPM)["Quota"]["Value"] == 12_000
    assert client.get_aws_default_service_quota(ServiceCode="bedrock", QuotaCode=OPUS_RPM)["Quota"]["Value"] == 10_000
    assert client.get_requested_service_quota_change(RequestId=request_id)["RequestedQuota"]["Status"] == "APPROVED"
    assert support.open_cases() == []


def test_history_filters_and_pages(client, service_quotas):
    codes = [q.code for q in list(service_quotas.quotas.values()) if q.adjustable][:25]
    for code in codes:
        client.request_service_quota_increase(
            ServiceCode="bedrock", QuotaCode=code, DesiredValue=service_quotas.quota(code).value + 1
        )
    for request in service_quotas.requests[:5]:
        service_quotas.approve(request)
    pages = list(client.get_paginator("list_requested_service_quota_change_history").paginate(
        ServiceCode="bedrock", Status="CASE_OPENED", PaginationConfig={"PageSize": 7}))
    assert [len(p["RequestedQuotas"]) for p in pages] == [7, 7, 6]
    by_quota = client.list_requested_service_quota_change_history_by_quota(ServiceCode="bedrock", QuotaCode=codes[0])
    assert [r["Status"] for r in by_quota["RequestedQuotas"]] == ["APPROVED"]
    newest = client.list_requested_service_quota_change_history(ServiceCode="bedrock")["RequestedQuotas"][0]
    assert newest["QuotaCode"] == codes[-1]
