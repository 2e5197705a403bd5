"""Service Quotas increase requests for the monitored model's Bedrock quotas (SPEC §4.4 step 6, §9).

Service Quotas allows one open request per quota (ResourceAlreadyExistsException) and opens a
support case for each request asynchronously; the case ID it reports is the *display* ID. The
request history per quota code tells the processor which requests are still open (so it appends
to their case instead of asking twice) and which cases Service Quotas opened for this model (so
duplicate detection counts them as this model's Quota Request cases).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ops_alert_aws.clients import client
from ops_alert_aws.errors import describe, error_code

SERVICE_CODE = "bedrock"
PAGE_SIZE = 100
# A request in one of these still blocks a new one for the same quota.
OPEN_STATUSES = frozenset({"PENDING", "CASE_OPENED"})
ALREADY_EXISTS = "ResourceAlreadyExistsException"


class QuotaPathUnavailable(RuntimeError):
    """The Service Quotas path cannot be used for this quota (no service-linked role, not
    adjustable, no such quota, API error…): the caller falls back to its own support case."""


@dataclass(frozen=True)
class QuotaRequest:
    request_id: str
    quota_code: str
    status: str
    case_display_id: str | None  # the support case Service Quotas opened, once it has one
    desired_value: float | None
    created: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def _request(item: Mapping[str, Any]) -> QuotaRequest:
    created = item.get("Created")
    if isinstance(created, datetime) and created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    desired = item.get("DesiredValue")
    return QuotaRequest(
        request_id=str(item.get("Id", "")),
        quota_code=str(item.get("QuotaCode", "")),
        status=str(item.get("Status", "")),
        case_display_id=str(item["CaseId"]) if item.get("CaseId") else None,
        desired_value=float(desired) if desired is not None else None,
        created=created if isinstance(created, datetime) else None,
    )


def request_history(codes: Iterable[str]) -> list[QuotaRequest]:
    """Every increase request ever made for the given Bedrock quota codes, newest first."""
    sq = client("service-quotas")
    requests: list[QuotaRequest] = []
    for code in dict.fromkeys(codes):
        kwargs: dict[str, Any] = {"ServiceCode": SERVICE_CODE, "QuotaCode": code, "MaxResults": PAGE_SIZE}
        while True:
            page = sq.list_requested_service_quota_change_history_by_quota(**kwargs)
            requests.extend(_request(r) for r in page.get("RequestedQuotas", []))
            token = page.get("NextToken")
            if not token:
                break
            kwargs["NextToken"] = token
    epoch = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(requests, key=lambda r: r.created or epoch, reverse=True)


def open_request(history: Iterable[QuotaRequest], code: str) -> QuotaRequest | None:
    """The newest still-open request for ``code``."""
    return next((r for r in history if r.quota_code == code and r.is_open), None)


@dataclass(frozen=True)
class Submitted:
    request: QuotaRequest
    already_pending: bool  # ResourceAlreadyExistsException: an earlier request for the quota is open


def submit_increase(code: str, desired_value: int) -> Submitted:
    """RequestServiceQuotaIncrease (support case allowed). A pending request for the quota is
    returned instead when one exists; any other failure raises QuotaPathUnavailable."""
    try:
        response = client("service-quotas").request_service_quota_increase(
            ServiceCode=SERVICE_CODE, QuotaCode=code, DesiredValue=float(desired_value),
            SupportCaseAllowed=True)
    except Exception as exc:  # every failure means "use the fallback case"
        if error_code(exc) == ALREADY_EXISTS:
            try:
                pending = open_request(request_history([code]), code)
            except Exception as lookup:
                raise QuotaPathUnavailable(describe(lookup, f"Finding the pending request for {code}")) from lookup
            if pending is not None:
                return Submitted(pending, already_pending=True)
        raise QuotaPathUnavailable(describe(exc, f"RequestServiceQuotaIncrease for {code}")) from exc
    return Submitted(_request(response["RequestedQuota"]), already_pending=False)


def get_request(request_id: str) -> QuotaRequest:
    """GetRequestedServiceQuotaChange: the request's status and, once opened, its case display ID."""
    response = client("service-quotas").get_requested_service_quota_change(RequestId=request_id)
    return _request(response["RequestedQuota"])
