"""Follow-up messages from the SQS queue: add our context to the case Service Quotas opened.

Service Quotas opens the case some time after the request. Each message is one bounded attempt:
append when the case exists (unless this transition is already on it), else re-queue with a longer
delay, giving up after AUTOMATION_REPLY_MAX_ATTEMPTS. AWS errors propagate, so SQS redelivers.
The usage graphs and CSV the message carries are attached when appending (issue 12); a failed
attachment is logged and never stops the append.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger
from processor_capacity import AttachmentPlan

from ops_alert.content.layout import MAX_COMMUNICATION_CHARS
from ops_alert.duplicates import already_handled, kinds_to_append, signal_kinds_in
from ops_alert.results import FollowUpResult, FollowUpStatus, Rejected
from ops_alert_aws import follow_up, quota_requests, support_cases
from ops_alert_aws.follow_up import FollowUp, MalformedFollowUp
from ops_alert_aws.settings import ProcessorEnv
from ops_alert_aws.support_cases import NoSupportPlan


def _with_attachments(item: FollowUp, log: Logger) -> tuple[str | None, str]:
    """The graphs and data made now (a set expires in an hour), and the body saying what went with it."""
    if not (item.graphs or item.files):
        return None, item.body
    made, note = AttachmentPlan.from_follow_up(item.graphs, item.files).make(log)
    lines = [f"Attached: {', '.join(note.attached)}."] if note.attached else []
    if note.missing:
        lines.append(f"Missing: {', '.join(note.missing)} could not be attached this time.")
    extra = "\n\n" + " ".join(lines)
    # The body already fits the 8,000-character limit; the note goes only where it still fits.
    body = item.body + extra if len(item.body) + len(extra) <= MAX_COMMUNICATION_CHARS else item.body
    return made.set_id, body


def process(record: Mapping[str, Any], env: ProcessorEnv, log: Logger) -> FollowUpResult | Rejected:
    try:
        item = FollowUp.from_json(follow_up.body_of(record))
    except MalformedFollowUp as exc:
        log.error(f"rejected SQS message {record.get('messageId')!r}: {exc}")
        return Rejected(str(exc))

    def result(status: FollowUpStatus, display_id: str | None = None, request_status: str | None = None) -> FollowUpResult:
        return FollowUpResult(status, item.request_id, item.attempt, display_id, request_status)

    request = quota_requests.get_request(item.request_id)
    if request.case_display_id:
        try:
            case = support_cases.find_case(display_id=request.case_display_id)
            if case is not None:
                comms = support_cases.communications(case)
                if already_handled(item.transition_id, comms):
                    log.info(f"case {request.case_display_id} already has our context")
                    return result(FollowUpStatus.ALREADY_APPENDED, request.case_display_id)
                # A re-fired anomaly/latency alarm queued before the case existed: suppressed
                # like on any other case once an earlier follow-up communicated it.
                kinds = signal_kinds_in(item.body)
                if kinds and not kinds_to_append(kinds, comms, item.transition_id):
                    log.info(f"case {request.case_display_id} already has these signals: suppressed")
                    return result(FollowUpStatus.ALREADY_COMMUNICATED, request.case_display_id)
                set_id, body = _with_attachments(item, log)
                support_cases.add_communication(case.summary.case_id, body, attachment_set_id=set_id)
                log.info(f"added our context to case {request.case_display_id} of request {item.request_id}")
                return result(FollowUpStatus.APPENDED, request.case_display_id)
        except NoSupportPlan as exc:
            log.warning(f"cannot add context to case {request.case_display_id}: {exc}")
            return result(FollowUpStatus.NO_SUPPORT_PLAN)
    elif not request.is_open:
        # Approved or closed without a case (auto-approval): nothing to add to.
        log.info(f"request {item.request_id} is {request.status} without a support case: nothing to append")
        return result(FollowUpStatus.NO_CASE, request_status=request.status)
    if item.attempt >= env.automation_reply_max_attempts:
        log.warning(f"gave up adding context to request {item.request_id}'s case after {item.attempt} attempts")
        return result(FollowUpStatus.GAVE_UP)
    if not env.follow_up_queue_url:
        log.warning("FOLLOW_UP_QUEUE_URL is not set: cannot retry later")
        return result(FollowUpStatus.GAVE_UP)
    follow_up.schedule(env.follow_up_queue_url, item.next_attempt())
    log.info(f"case of request {item.request_id} not open yet: retry {item.attempt + 1} queued")
    return result(FollowUpStatus.REQUEUED)
