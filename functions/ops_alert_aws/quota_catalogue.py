"""Service Quotas for Amazon Bedrock: the account's quota list and single quota values.

ListServiceQuotas is paginated (Bedrock has hundreds of quotas, 100 per page at most); one list
serves both quota codes of a deployment, so the quota calculator lists once per request.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ops_alert.quota_codes import QuotaInfo
from ops_alert_aws.clients import client

SERVICE_CODE = "bedrock"
PAGE_SIZE = 100  # the API's maximum: fewer round trips for the same list


def _quota(item: Mapping[str, Any]) -> QuotaInfo:
    return QuotaInfo(
        code=str(item["QuotaCode"]),
        name=str(item.get("QuotaName", "")),
        value=float(item.get("Value", 0.0)),
        adjustable=bool(item.get("Adjustable", False)),
    )


def list_bedrock_quotas() -> list[QuotaInfo]:
    """Every applied Bedrock quota of the account and region, all pages."""
    pages = client("service-quotas").get_paginator("list_service_quotas").paginate(
        ServiceCode=SERVICE_CODE, PaginationConfig={"PageSize": PAGE_SIZE})
    return [_quota(item) for page in pages for item in page.get("Quotas", [])]


def get_bedrock_quota(code: str) -> QuotaInfo:
    """One Bedrock quota by code (NoSuchResourceException when the code is not a Bedrock quota)."""
    response = client("service-quotas").get_service_quota(ServiceCode=SERVICE_CODE, QuotaCode=code)
    return _quota(response["Quota"])
