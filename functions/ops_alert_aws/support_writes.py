"""Every write the support step makes to AWS Support and Service Quotas, and the work queued to make
more of them later, behind one seam: :class:`SupportWrites` makes them, :class:`DryRunWrites` (a fire
drill, ``make drill``) only describes what it would have done.

The support step (processor_support) calls nothing else that writes; reads (DescribeCases, the
request history, GetServiceQuota, the graphs) run unchanged in a drill, so what a drill says it
would have done is what the real alert would have done at that moment. The dry run overrides every
method of the live seam (a test keeps it so): a write added here without its dry-run twin fails.
"""
from __future__ import annotations

from collections.abc import Sequence

from ops_alert.drill import WouldHaveDone
from ops_alert_aws import case_attachments, follow_up, quota_requests, support_cases
from ops_alert_aws.case_attachments import CaseFile
from ops_alert_aws.follow_up import FollowUp, StoredContext
from ops_alert_aws.quota_requests import QuotaRequest, Submitted


class SupportWrites:
    """The live writes (one method per AWS write the support step makes)."""

    def create_case(self, subject: str, body: str, cc: Sequence[str], attachment_set_id: str | None,
                    *, key: bytes | None) -> str:
        """CreateCase (one attempt); the new case's ID."""
        return support_cases.create_case(subject, body, cc, attachment_set_id, key=key)

    def display_id_of(self, case_id: str) -> str | None:
        """The display ID of a case this seam opened (a read, but only of what the seam wrote)."""
        case = support_cases.find_case(case_id=case_id)
        return case.summary.display_id or None if case else None

    def add_communication(self, case_id: str, body: str, attachment_set_id: str | None, *,
                          key: bytes | None, label: str = "") -> None:
        """AddCommunicationToCase; ``label`` (the display ID) is only for describing it."""
        support_cases.add_communication(case_id, body, attachment_set_id=attachment_set_id, key=key)

    def submit_increase(self, code: str, desired_value: int) -> Submitted:
        """RequestServiceQuotaIncrease (never filed twice, see quota_requests.submit_increase)."""
        return quota_requests.submit_increase(code, desired_value)

    def upload_attachments(self, files: Sequence[CaseFile]) -> str:
        """AddAttachmentsToSet; the set's ID."""
        return case_attachments.upload(files)

    def store_follow_up_context(self, table: str, request: QuotaRequest, transition_id: str,
                                context: StoredContext) -> None:
        """Keep the text a follow-up will append to the request's case (DynamoDB PutItem)."""
        follow_up.store_context(table, request.request_id, transition_id, context)

    def schedule_follow_up(self, queue_url: str, item: FollowUp, delay_seconds: int) -> None:
        """Queue the follow-up that appends it once the case exists (SQS SendMessage)."""
        follow_up.schedule(queue_url, item, delay_seconds)


class DryRunWrites(SupportWrites):
    """A fire drill: nothing is written; each write is described in :attr:`done`, in order."""

    def __init__(self) -> None:
        self.done: list[WouldHaveDone] = []

    def _note(self, action: str, description: str) -> None:
        self.done.append(WouldHaveDone(action, description))

    def create_case(self, subject: str, body: str, cc: Sequence[str], attachment_set_id: str | None,
                    *, key: bytes | None) -> str:
        extras = [f"CC {len(cc)} stakeholder address(es)"] if cc else []
        if attachment_set_id:
            extras.append("with the usage graphs and data attached")
        self._note("support:CreateCase", f"open the case {subject!r} ({len(body):,} characters"
                   + "".join(f", {e}" for e in extras) + ")")
        return ""  # no case: nothing to look up or to name

    def display_id_of(self, case_id: str) -> str | None:
        return None  # the drill opened no case

    def add_communication(self, case_id: str, body: str, attachment_set_id: str | None, *,
                          key: bytes | None, label: str = "") -> None:
        attached = ", with the usage graphs and data attached" if attachment_set_id else ""
        self._note("support:AddCommunicationToCase",
                   f"append this alert ({len(body):,} characters{attached}) to the unresolved case {label or case_id}")

    def submit_increase(self, code: str, desired_value: int) -> Submitted:
        self._note("servicequotas:RequestServiceQuotaIncrease",
                   f"request the Bedrock quota {code} be raised to {desired_value:,} (support case allowed)")
        return Submitted(QuotaRequest(request_id="", quota_code=code, status="NOT_SUBMITTED (drill)",
                                      service_code=quota_requests.SERVICE_CODE, case_display_id=None,
                                      desired_value=float(desired_value), created=None), already_pending=False)

    def upload_attachments(self, files: Sequence[CaseFile]) -> str:
        listed = ", ".join(f"{f.name} ({len(f.data):,} bytes)" for f in files)
        self._note("support:AddAttachmentsToSet", f"upload {listed} as one attachment set")
        return "drill-attachment-set-not-uploaded"  # named only in the descriptions above

    def store_follow_up_context(self, table: str, request: QuotaRequest, transition_id: str,
                                context: StoredContext) -> None:
        case = f"case {request.case_display_id}" if request.case_display_id else \
            "case Service Quotas opens for the request"
        self._note("support:AddCommunicationToCase",
                   f"later, from the follow-up queue: add this alert's context ({len(context.body):,} characters) "
                   f"to the {case} on quota {request.quota_code}")

    def schedule_follow_up(self, queue_url: str, item: FollowUp, delay_seconds: int) -> None:
        return None  # described with the context it would carry (store_follow_up_context)
