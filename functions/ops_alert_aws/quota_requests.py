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
from datetime import datetime, timedelta, timezone
from typing import Any

from ops_alert_aws.clients import client
from ops_alert_aws.errors import describe, error_code

SERVICE_CODE = "bedrock"
PAGE_SIZE = 100
# A request in one of these still blocks a new one for the same quota.
OPEN_STATUSES = frozenset({"PENDING", "CASE_OPENED"})
ALREADY_EXISTS = "ResourceAlreadyExistsException"
# Answers that mean "this path cannot be used", not "maybe filed": the fallback case follows at once.
REFUSALS = frozenset({
    "DependencyAccessDeniedException", "NoSuchResourceException", "QuotaExceededException",
    "IllegalArgumentException", "InvalidResourceStateException", "AccessDeniedException",
    "NoAvailableOrganizationException", "TemplatesNotAvailableInRegionException",
    "AWSServiceAccessNotEnabledException", "ValidationException",
})
SUBMIT_ATTEMPTS = 2
_CLOCK_SKEW = timedelta(seconds=30)  # AWS's Created vs. our clock, when telling our request apart


class QuotaPathUnavailable(RuntimeError):
    """The Service Quotas path cannot be used for this quota (no service-linked role, not
    adjustable, no such quota, API error…): the caller falls back to its own support case."""


@dataclass(frozen=True)
class QuotaRequest:
    request_id: str
    quota_code: str
    status: str
    service_code: str
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
        service_code=str(item.get("ServiceCode", "")),
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
    """RequestServiceQuotaIncrease (support case allowed), never filed twice.

    The call is made without client retries: when a reply is lost after the request was filed, a
    retry answers ResourceAlreadyExists (or files nothing and fails). So after any error that is not
    a refusal the request history decides: an open request created since this call began is ours
    (new); an older open one was pending already (append to its case). Only when neither exists is
    the request tried again. A refusal, or no request after the last attempt, raises
    QuotaPathUnavailable (the caller opens its own case).
    """
    started = datetime.now(timezone.utc)
    error: Exception | None = None
    for attempt in range(1, SUBMIT_ATTEMPTS + 1):
        try:
            response = client("service-quotas", retry=False).request_service_quota_increase(
                ServiceCode=SERVICE_CODE, QuotaCode=code, DesiredValue=float(desired_value),
                SupportCaseAllowed=True)
            return Submitted(_request(response["RequestedQuota"]), already_pending=False)
        except Exception as exc:  # refusals mean "use the fallback case"
            if error_code(exc) in REFUSALS:
                raise QuotaPathUnavailable(describe(exc, f"RequestServiceQuotaIncrease for {code}")) from exc
            error = exc
        try:
            pending = open_request(request_history([code]), code)
        except Exception as lookup:
            raise QuotaPathUnavailable(describe(lookup, f"Finding the pending request for {code}")) from lookup
        if pending is not None:
            # On the first attempt, ResourceAlreadyExists can only mean an earlier request. After an
            # error that may have filed ours, a request created since we began is ours.
            before_us = attempt == 1 and error_code(error) == ALREADY_EXISTS
            ours = not before_us and pending.created is not None and pending.created >= started - _CLOCK_SKEW
            return Submitted(pending, already_pending=not ours)
    assert error is not None
    raise QuotaPathUnavailable(describe(error, f"RequestServiceQuotaIncrease for {code}")) from error


def get_request(request_id: str) -> QuotaRequest:
    """GetRequestedServiceQuotaChange: the request's status and, once opened, its case display ID."""
    response = client("service-quotas").get_requested_service_quota_change(RequestId=request_id)
    return _request(response["RequestedQuota"])
