"""AWS Support cases: support-plan check, open cases over all pages, communications, create, append.

The Support API is served from us-east-1 (``clients.support()``) and needs a Business, Enterprise
On-Ramp or Enterprise plan; without one every operation raises SubscriptionRequiredException,
turned into :class:`NoSupportPlan` here. DescribeCases is read over ALL pages (the original read
only the first, SPEC §8.4) and returns each case's most recent communications; when a case has
more, :func:`all_communications` reads the rest (DescribeCommunications, paginated).

Every body we submit is sealed with the stack's marker key (``ops_alert.duplicates.seal``), so our
markers, and only ours, count in duplicate detection. CreateCase is made once, never retried by the
client: a reply lost after the case was opened would otherwise open a second, identical case; the
caller looks the case up by its marker instead (processor_support).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ops_alert.duplicates import CaseSummary, seal
from ops_alert_aws.clients import support
from ops_alert_aws.errors import error_code

SERVICE_CODE = "service-bedrock"
CATEGORY_CODE = "general-guidance"
SEVERITY_CODE = "normal"
LANGUAGE = "en"
PAGE_SIZE = 100  # DescribeCases maxResults: 10..100
NO_PLAN = "SubscriptionRequiredException"
RECENT_COMMUNICATIONS = 5  # what DescribeCases includes per case


class NoSupportPlan(RuntimeError):
    """The account has no support plan that includes the AWS Support API."""


@dataclass(frozen=True)
class SupportCase:
    summary: CaseSummary
    communications_complete: bool  # False: DescribeCases showed only the most recent ones


def _call(operation: str, *, retry: bool = True, **kwargs: Any) -> Any:
    try:
        return getattr(support(retry=retry), operation)(**kwargs)
    except Exception as exc:
        if error_code(exc) == NO_PLAN:
            raise NoSupportPlan(
                "the AWS Support API needs a Business, Enterprise On-Ramp or Enterprise support plan"
            ) from exc
        raise


def _time(text: Any) -> datetime:
    if isinstance(text, datetime):
        moment = text
    else:
        try:
            moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        except ValueError:
            # An unreadable creation time must not hide the case: treat it as new.
            return datetime.now(timezone.utc)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _case(item: Mapping[str, Any]) -> SupportCase:
    recent = item.get("recentCommunications") or {}
    bodies = tuple(str(c.get("body", "")) for c in recent.get("communications", []))
    summary = CaseSummary(
        case_id=str(item.get("caseId", "")),
        display_id=str(item.get("displayId", "")),
        subject=str(item.get("subject", "")),
        status=str(item.get("status", "")),
        time_created=_time(item.get("timeCreated", "")),
        communications=bodies,
    )
    # DescribeCases returns at most the five most recent; a full page may hide older ones even
    # when no nextToken is given, so only a short list is known to be complete.
    complete = not recent.get("nextToken") and len(bodies) < RECENT_COMMUNICATIONS
    return SupportCase(summary, communications_complete=complete)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_cases_since(after: datetime) -> list[SupportCase]:
    """Every unresolved case created after ``after``, all pages, with recent communications."""
    kwargs: dict[str, Any] = {
        "afterTime": _iso(after),
        "includeResolvedCases": False,
        "includeCommunications": True,
        "language": LANGUAGE,
        "maxResults": PAGE_SIZE,
    }
    cases: list[SupportCase] = []
    while True:
        page = _call("describe_cases", **kwargs)
        cases.extend(_case(item) for item in page.get("cases", []))
        token = page.get("nextToken")
        if not token:
            return cases
        kwargs["nextToken"] = token


def find_case(*, case_id: str | None = None, display_id: str | None = None) -> SupportCase | None:
    """One case by case ID or display ID (Service Quotas reports the display ID), resolved included."""
    kwargs: dict[str, Any] = {"includeResolvedCases": True, "includeCommunications": True, "language": LANGUAGE}
    if case_id:
        kwargs["caseIdList"] = [case_id]
    elif display_id:
        kwargs["displayId"] = display_id
    else:
        raise ValueError("give case_id or display_id")
    try:
        cases = _call("describe_cases", **kwargs).get("cases", [])
    except NoSupportPlan:
        raise
    except Exception as exc:
        if error_code(exc) == "CaseIdNotFound":
            return None
        raise
    return _case(cases[0]) if cases else None


def all_communications(case_id: str) -> tuple[str, ...]:
    """Every communication body of a case, all pages."""
    kwargs: dict[str, Any] = {"caseId": case_id, "maxResults": PAGE_SIZE}
    bodies: list[str] = []
    while True:
        page = _call("describe_communications", **kwargs)
        bodies.extend(str(c.get("body", "")) for c in page.get("communications", []))
        token = page.get("nextToken")
        if not token:
            return tuple(bodies)
        kwargs["nextToken"] = token


def communications(case: SupportCase) -> tuple[str, ...]:
    """The case's communications, reading further pages only when DescribeCases left some out."""
    if case.communications_complete:
        return case.summary.communications
    return all_communications(case.summary.case_id)


# A set that expired or vanished between upload and use must not cost the case: retry without it.
_ATTACHMENT_SET_ERRORS = ("AttachmentSetIdNotFound", "AttachmentSetExpired")


def _with_attachments(operation: str, kwargs: dict[str, Any], attachment_set_id: str | None,
                      *, retry: bool = True) -> Any:
    if not attachment_set_id:
        return _call(operation, retry=retry, **kwargs)
    try:
        return _call(operation, retry=retry, **kwargs, attachmentSetId=attachment_set_id)
    except NoSupportPlan:
        raise
    except Exception as exc:
        if error_code(exc) not in _ATTACHMENT_SET_ERRORS:
            raise
        return _call(operation, retry=retry, **kwargs)


def _sealed(body: str, key: bytes | None) -> str:
    return seal(body, key) if key else body


def create_case(subject: str, body: str, cc: Sequence[str] = (), attachment_set_id: str | None = None,
                *, key: bytes | None) -> str:
    """Open a case (service-bedrock / general-guidance / normal / en) in ONE attempt; its case ID.

    Any error may mean the case was opened anyway (a lost reply): look for it before trying again.
    """
    kwargs: dict[str, Any] = {
        "subject": subject,
        "serviceCode": SERVICE_CODE,
        "categoryCode": CATEGORY_CODE,
        "severityCode": SEVERITY_CODE,
        "language": LANGUAGE,
        "communicationBody": _sealed(body, key),
    }
    if cc:
        kwargs["ccEmailAddresses"] = list(cc)
    return str(_with_attachments("create_case", kwargs, attachment_set_id, retry=False)["caseId"])


def add_communication(case_id: str, body: str, cc: Sequence[str] = (), attachment_set_id: str | None = None,
                      *, key: bytes | None) -> None:
    kwargs: dict[str, Any] = {"caseId": case_id, "communicationBody": _sealed(body, key)}
    if cc:
        kwargs["ccEmailAddresses"] = list(cc)
    response = _with_attachments("add_communication_to_case", kwargs, attachment_set_id)
    if response.get("result") is False:
        raise RuntimeError(f"AddCommunicationToCase on {case_id} returned result=false")
