"""Service Quotas for Amazon Bedrock: the account's quota list and single quota values.

ListServiceQuotas is paginated (Bedrock has hundreds of quotas, 100 per page at most); one list
serves both quota codes of a deployment, so the quota calculator lists once per request.

ListServiceQuotas and GetServiceQuota know only quotas with an *applied* value; a quota that still
has just its AWS default is missing there. Rather than reject a correct code, the codes the stack
asks for are looked up with GetAWSDefaultServiceQuota when the applied list lacks them: no extra
call when everything is applied. Where a quota's absence matters (``NA``), ``with_default_quotas``
adds the never-applied ones from ListAWSDefaultServiceQuotas.
"""
from __future__ import annotations

from ops_alert.quotas import QuotaInfo, is_well_formed_code
from ops_alert_aws.clients import client
from ops_alert_aws.errors import AwsError, is_not_found

SERVICE_CODE = "bedrock"
PAGE_SIZE = 100  # the API's maximum: fewer round trips for the same list


def list_bedrock_quotas(codes: tuple[str, ...] = ()) -> list[QuotaInfo]:
    """Every applied Bedrock quota of the account and region, all pages, plus the default value of
    each of ``codes`` that has no applied value (codes that exist nowhere stay missing)."""
    quotas = _list_all("list_service_quotas")
    listed = {q.code for q in quotas}
    for code in dict.fromkeys(codes):
        if code not in listed and is_well_formed_code(code):
            default = _default_quota(code)
            if default is not None:
                quotas.append(default)
    return quotas


def with_default_quotas(quotas: list[QuotaInfo]) -> list[QuotaInfo]:
    """``quotas`` plus every Bedrock quota ListAWSDefaultServiceQuotas knows that it lacks (all pages).

    Needed where the *absence* of a quota matters (a code given as ``NA``, the code to suggest):
    a quota never raised in this account is missing from ListServiceQuotas but not from here.
    """
    listed = {q.code for q in quotas}
    return [*quotas, *(q for q in _list_all("list_aws_default_service_quotas") if q.code not in listed)]


def _list_all(operation: str) -> list[QuotaInfo]:
    """Every Bedrock quota one Service Quotas list operation returns, all pages."""
    pages = client("service-quotas").get_paginator(operation).paginate(
        ServiceCode=SERVICE_CODE, PaginationConfig={"PageSize": PAGE_SIZE})
    return [QuotaInfo.from_api(item) for page in pages for item in page.get("Quotas", [])]


def get_bedrock_quota(code: str) -> QuotaInfo:
    """One Bedrock quota by code: its applied value, else its AWS default value
    (NoSuchResourceException when the code is not a Bedrock quota at all)."""
    try:
        response = client("service-quotas").get_service_quota(ServiceCode=SERVICE_CODE, QuotaCode=code)
    except AwsError as exc:
        default = _default_quota(code) if is_not_found(exc) else None
        if default is None:
            raise
        return default
    return QuotaInfo.from_api(response["Quota"])


def _default_quota(code: str) -> QuotaInfo | None:
    try:
        response = client("service-quotas").get_aws_default_service_quota(ServiceCode=SERVICE_CODE, QuotaCode=code)
    except AwsError as exc:
        if is_not_found(exc):
            return None
        raise
    return QuotaInfo.from_api(response["Quota"])
