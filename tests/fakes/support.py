"""FakeSupport: the AWS Support API (moto has no communications, severity levels or pagination).

Behaviour follows the API reference: DescribeCases excludes resolved cases unless asked, includes
the recent communications unless asked not to, pages with `maxResults` 10-100 / `nextToken`, newest
first; `communicationBody` is 1-8,000 characters; without a Business / Enterprise support plan every
operation fails with SubscriptionRequiredException (set `support.subscribed = False`).
Adding a communication to a resolved case reopens it, as in the Support Center.
AddAttachmentsToSet: at most 3 attachments per set and 5 MB per attachment, the set expires one
hour after it was created; CreateCase and AddCommunicationToCase take its `attachmentSetId` and
the communication then lists the attachments (`Communication.attachments`, with their bytes).

Helpers for tests: `add_case(...)` (a case opened by someone else, e.g. Service Quotas),
`resolve(case)`, `age_case(case, days)`, `reply(case, body)`, `case(id_or_display_id)`,
`cases` (all cases, oldest first), `open_cases()`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import secrets
from collections.abc import Callable
from typing import Any

from tests.fakes.core import ACCOUNT_ID, AwsError, Fake, api, paginate

SEVERITY_LEVELS = (
    ("low", "General guidance"),
    ("normal", "System impaired"),
    ("high", "Production system impaired"),
    ("urgent", "Production system down"),
    ("critical", "Business-critical system down"),
)
RESOLVED = "resolved"
SUPPORT_AGENT = "Amazon Web Services"
RECENT_COMMUNICATIONS = 5
MAX_ATTACHMENTS_PER_SET = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ATTACHMENT_SET_LIFETIME = dt.timedelta(hours=1)


def iso(moment: dt.datetime) -> str:
    """The Support API's timestamp format, e.g. "2026-11-26T14:05:00.123Z"."""
    utc = moment.astimezone(dt.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


@dataclasses.dataclass(frozen=True)
class Attachment:
    attachment_id: str
    file_name: str
    data: bytes


@dataclasses.dataclass
class AttachmentSet:
    attachment_set_id: str
    expiry_time: dt.datetime
    attachments: list[Attachment] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Communication:
    body: str
    submitted_by: str
    time_created: dt.datetime
    cc_email_addresses: list[str] = dataclasses.field(default_factory=list)
    attachments: list[Attachment] = dataclasses.field(default_factory=list)

    def to_api(self, case_id: str) -> dict[str, Any]:
        return {
            "caseId": case_id,
            "body": self.body,
            "submittedBy": self.submitted_by,
            "timeCreated": iso(self.time_created),
            "attachmentSet": [{"attachmentId": a.attachment_id, "fileName": a.file_name} for a in self.attachments],
        }


@dataclasses.dataclass
class Case:
    case_id: str
    display_id: str
    subject: str
    status: str
    service_code: str
    category_code: str
    severity_code: str
    submitted_by: str
    time_created: dt.datetime
    language: str = "en"
    issue_type: str = "technical"
    cc_email_addresses: list[str] = dataclasses.field(default_factory=list)
    communications: list[Communication] = dataclasses.field(default_factory=list)  # oldest first

    @property
    def body(self) -> str:
        """The opening communication (the case description)."""
        return self.communications[0].body

    @property
    def resolved(self) -> bool:
        return self.status == RESOLVED

    def to_api(self, include_communications: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "caseId": self.case_id,
            "displayId": self.display_id,
            "subject": self.subject,
            "status": self.status,
            "serviceCode": self.service_code,
            "categoryCode": self.category_code,
            "severityCode": self.severity_code,
            "submittedBy": self.submitted_by,
            "timeCreated": iso(self.time_created),
            "ccEmailAddresses": list(self.cc_email_addresses),
            "language": self.language,
        }
        if include_communications:
            recent = list(reversed(self.communications))[:RECENT_COMMUNICATIONS]
            data["recentCommunications"] = {"communications": [c.to_api(self.case_id) for c in recent]}
        return data


class FakeSupport(Fake):
    """Stateful AWS Support. `submitted_by` is who the code under test appears as."""

    service = "support"

    def __init__(
        self,
        *,
        account_id: str = ACCOUNT_ID,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
        submitted_by: str = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/ops-alert-processor/session",
    ) -> None:
        super().__init__()
        self.account_id = account_id
        self.clock = clock
        self.submitted_by = submitted_by
        self.subscribed = True
        self.cases: list[Case] = []  # oldest first
        self.attachment_sets: dict[str, AttachmentSet] = {}
        self._display_ids = itertools.count(176_400_000_001)

    # -- helpers for tests ----------------------------------------------------------------
    def add_case(
        self,
        subject: str,
        body: str,
        *,
        submitted_by: str = "Service Quotas",
        days_ago: float = 0.0,
        status: str = "opened",
        service_code: str = "service-bedrock",
        category_code: str = "general-guidance",
        severity_code: str = "normal",
        language: str = "en",
        cc_email_addresses: list[str] | None = None,
    ) -> Case:
        """Open a case directly (as another person or AWS service did), `days_ago` in the past."""
        created = self.clock() - dt.timedelta(days=days_ago)
        year = created.year
        case = Case(
            case_id=f"case-{self.account_id}-muen-{year}-{secrets.token_hex(8)}",
            display_id=str(next(self._display_ids)),
            subject=subject,
            status=status,
            service_code=service_code,
            category_code=category_code,
            severity_code=severity_code,
            submitted_by=submitted_by,
            time_created=created,
            language=language,
            cc_email_addresses=list(cc_email_addresses or []),
            communications=[Communication(body, submitted_by, created, list(cc_email_addresses or []))],
        )
        self.cases.append(case)
        return case

    def case(self, case_id_or_display_id: str) -> Case:
        for case in self.cases:
            if case_id_or_display_id in (case.case_id, case.display_id):
                return case
        raise KeyError(case_id_or_display_id)

    def open_cases(self) -> list[Case]:
        return [case for case in self.cases if not case.resolved]

    def resolve(self, case: Case | str) -> Case:
        case = self._as_case(case)
        case.status = RESOLVED
        return case

    def age_case(self, case: Case | str, days: float) -> Case:
        """Move a case (and its communications) `days` further into the past."""
        case = self._as_case(case)
        delta = dt.timedelta(days=days)
        case.time_created -= delta
        for communication in case.communications:
            communication.time_created -= delta
        return case

    def reply(self, case: Case | str, body: str, submitted_by: str = SUPPORT_AGENT) -> Communication:
        """A communication from the support engineer (or anyone else) on a case."""
        case = self._as_case(case)
        communication = Communication(body, submitted_by, self.clock())
        case.communications.append(communication)
        return communication

    def _as_case(self, case: Case | str) -> Case:
        return case if isinstance(case, Case) else self.case(case)

    def expire_attachment_sets(self) -> None:
        """Move every attachment set past its one-hour lifetime."""
        for attachment_set in self.attachment_sets.values():
            attachment_set.expiry_time = self.clock() - dt.timedelta(seconds=1)

    def _attachments(self, params: dict[str, Any]) -> list[Attachment]:
        set_id = params.get("attachmentSetId")
        if not set_id:
            return []
        return list(self._attachment_set(set_id).attachments)

    def _attachment_set(self, set_id: str) -> AttachmentSet:
        found = self.attachment_sets.get(set_id)
        if found is None:
            raise AwsError("AttachmentSetIdNotFound", f"An attachment set with the specified ID could not be found: {set_id}")
        if found.expiry_time <= self.clock():
            raise AwsError("AttachmentSetExpired", "The expiration time of the attachment set has passed.")
        return found

    def _find(self, case_id: str) -> Case:
        for case in self.cases:
            if case.case_id == case_id:
                return case
        raise AwsError("CaseIdNotFound", f"Invalid case ID: {case_id}")

    # -- API ------------------------------------------------------------------------------
    def pre_dispatch(self, operation: str, params: dict[str, Any]) -> None:
        if not self.subscribed:
            raise AwsError(
                "SubscriptionRequiredException",
                "AWS Premium Support Subscription is required to use this service.",
                400,
            )

    @api
    def AddAttachmentsToSet(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("attachmentSetId"):
            target = self._attachment_set(params["attachmentSetId"])
        else:
            target = AttachmentSet(f"as-{secrets.token_hex(16)}", self.clock() + ATTACHMENT_SET_LIFETIME)
        attachments = params["attachments"]
        too_large = [a.get("fileName", "") for a in attachments if len(a.get("data", b"")) > MAX_ATTACHMENT_BYTES]
        if too_large or len(target.attachments) + len(attachments) > MAX_ATTACHMENTS_PER_SET:
            raise AwsError(
                "AttachmentSetSizeLimitExceeded",
                "A limit for the size of an attachment set has been exceeded. "
                "The limits are three attachments and 5 MB per attachment.",
            )
        for attachment in attachments:
            target.attachments.append(
                Attachment(f"att-{secrets.token_hex(16)}", attachment.get("fileName", ""), bytes(attachment.get("data", b"")))
            )
        self.attachment_sets[target.attachment_set_id] = target
        return {"attachmentSetId": target.attachment_set_id, "expiryTime": iso(target.expiry_time)}

    @api
    def CreateCase(self, params: dict[str, Any]) -> dict[str, Any]:
        attachments = self._attachments(params)
        case = self.add_case(
            params["subject"],
            params["communicationBody"],
            submitted_by=self.submitted_by,
            service_code=params.get("serviceCode", "general-info"),
            category_code=params.get("categoryCode", "using-aws"),
            severity_code=params.get("severityCode", "low"),
            language=params.get("language", "en"),
            cc_email_addresses=params.get("ccEmailAddresses"),
        )
        case.issue_type = params.get("issueType", "technical")
        case.communications[0].attachments = attachments
        return {"caseId": case.case_id}

    @api
    def DescribeCases(self, params: dict[str, Any]) -> dict[str, Any]:
        cases = list(reversed(self.cases))  # newest first
        if params.get("caseIdList"):
            wanted = params["caseIdList"]
            for case_id in wanted:
                self._find(case_id)
            cases = [case for case in cases if case.case_id in wanted]
        if params.get("displayId"):
            cases = [case for case in cases if case.display_id == params["displayId"]]
            if not cases:
                raise AwsError("CaseIdNotFound", f"Invalid display ID: {params['displayId']}")
        if not params.get("includeResolvedCases", False):
            cases = [case for case in cases if not case.resolved]
        cases = _between(cases, params, lambda case: case.time_created)
        page, token = paginate(
            cases,
            params.get("nextToken"),
            params.get("maxResults", 100),
            scope=_scope(params),
            error_code="ValidationException",
        )
        include = params.get("includeCommunications", True)
        response: dict[str, Any] = {"cases": [case.to_api(include) for case in page]}
        if token:
            response["nextToken"] = token
        return response

    @api
    def AddCommunicationToCase(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("caseId"):
            case = self._find(params["caseId"])
        elif self.cases:
            case = self.cases[-1]  # the API defaults to the most recent case
        else:
            raise AwsError("CaseIdNotFound", "No case found")
        case.communications.append(
            Communication(
                params["communicationBody"],
                self.submitted_by,
                self.clock(),
                list(params.get("ccEmailAddresses", [])),
                self._attachments(params),
            )
        )
        if case.resolved:
            case.status = "reopened"
        return {"result": True}

    @api
    def DescribeCommunications(self, params: dict[str, Any]) -> dict[str, Any]:
        case = self._find(params["caseId"])
        communications = _between(
            list(reversed(case.communications)), params, lambda comm: comm.time_created
        )
        page, token = paginate(
            communications,
            params.get("nextToken"),
            params.get("maxResults", 100),
            scope=_scope(params),
            error_code="ValidationException",
        )
        response: dict[str, Any] = {"communications": [c.to_api(case.case_id) for c in page]}
        if token:
            response["nextToken"] = token
        return response

    @api
    def DescribeSeverityLevels(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"severityLevels": [{"code": code, "name": name} for code, name in SEVERITY_LEVELS]}

    @api
    def ResolveCase(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("caseId"):
            raise AwsError("CaseIdNotFound", "No case ID given")
        case = self._find(params["caseId"])
        initial = case.status
        case.status = RESOLVED
        return {"initialCaseStatus": initial, "finalCaseStatus": RESOLVED}


def _scope(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in ("nextToken", "maxResults")}


def _between(items: list[Any], params: dict[str, Any], created: Callable[[Any], dt.datetime]) -> list[Any]:
    after = _parse_time(params.get("afterTime"), "afterTime")
    before = _parse_time(params.get("beforeTime"), "beforeTime")
    return [
        item
        for item in items
        if (after is None or created(item) >= after) and (before is None or created(item) <= before)
    ]


def _parse_time(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise AwsError("ValidationException", f"Invalid {name}: {value}") from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
