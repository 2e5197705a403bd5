"""Follow-up messages from the SQS queue: add our context to the case Service Quotas opened.

Service Quotas opens the case some time after the request. Each message is one bounded attempt:
append when the case exists (unless this transition is already on it), else re-queue with a longer
delay, giving up after AUTOMATION_REPLY_MAX_ATTEMPTS. AWS errors propagate, so SQS redelivers.
The usage graphs and CSV stored with the context are attached when appending (issue 12); a failed
attachment is logged and never stops the append.

Nothing in the message is taken at its word (issue 9): its quota code must be one of this model's,
the request must be a Bedrock request for that code, and the text (and attachments) appended are
the context this processor stored when it made the request — a message naming anything else is
rejected.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from processor_capacity import AttachmentPlan

from ops_alert.alarms import BY_KEY
from ops_alert.content.case import attachment_sentences
from ops_alert.content.layout import MAX_COMMUNICATION_CHARS
from ops_alert.duplicates import already_handled, before_markers, kinds_to_append
from ops_alert.quotas import is_quota_code
from ops_alert.results import FollowUpResult, FollowUpStatus, Rejected
from ops_alert.untrusted import neutralise
from ops_alert_aws import follow_up, quota_requests, support_cases
from ops_alert_aws.errors import error_code, is_not_found
from ops_alert_aws.follow_up import FollowUp, MalformedFollowUp, StoredContext
from ops_alert_aws.log import Logger
from ops_alert_aws.settings import ProcessorEnv
from ops_alert_aws.support_cases import NoSupportPlan

from processor_support import marker_key


def _reject(record: Mapping[str, Any], reason: str, log: Logger) -> Rejected:
    log.warning(f"rejected SQS message {neutralise(str(record.get('messageId')), multiline=False)!r}: {reason}")
    return Rejected(reason)


def _with_attachments(item: StoredContext, log: Logger) -> tuple[str | None, str]:
    """The graphs and data made now (a set expires in an hour), and the body saying what went with it."""
    if not (item.graphs or item.files):
        return None, item.body
    made, note = AttachmentPlan.from_follow_up(item.graphs, item.files).make(log)
    extra = " ".join(s for s in attachment_sentences(note) if s)
    # The body already fits the 8,000-character limit; the note goes only where it still fits, and
    # above the marker block, which must stay the body's last paragraph to be sealed.
    fits = len(item.body) + len(extra) + 2 <= MAX_COMMUNICATION_CHARS
    body = before_markers(item.body, extra) if fits and extra else item.body
    return made.set_id, body


def process(record: Mapping[str, Any], env: ProcessorEnv, log: Logger) -> FollowUpResult | Rejected:
    try:
        item = FollowUp.from_json(follow_up.body_of(record))
    except MalformedFollowUp as exc:
        return _reject(record, neutralise(str(exc), multiline=False), log)
    if item.quota_code not in {c.strip() for c in env.quota_codes.values() if is_quota_code(c)}:
        return _reject(record, "follow-up for a quota code that is not one of this model's", log)

    def result(status: FollowUpStatus, display_id: str | None = None, request_status: str | None = None) -> FollowUpResult:
        return FollowUpResult(status, item.request_id, item.attempt, display_id, request_status)

    try:
        request = quota_requests.get_request(item.request_id)
    except Exception as exc:  # an unknown request ID is a forged message, not a fault
        if is_not_found(exc) or error_code(exc) == "IllegalArgumentException":
            return _reject(record, "follow-up for a quota request that does not exist", log)
        raise
    if request.service_code != quota_requests.SERVICE_CODE or request.quota_code != item.quota_code:
        return _reject(record, "follow-up for a request that is not this model's Bedrock quota request", log)
    stored = follow_up.stored_context(env.idempotency_table, item.request_id, item.transition_id) \
        if env.idempotency_table else None
    if stored is None:
        return _reject(record, "no context stored by this processor for that request and transition", log)
    if request.case_display_id:
        try:
            case = support_cases.find_case(display_id=request.case_display_id)
            if case is not None:
                key = marker_key(env, log)
                comms = support_cases.communications(case)
                if already_handled(item.transition_id, comms, key=key):
                    log.info(f"case {request.case_display_id} already has our context")
                    return result(FollowUpStatus.ALREADY_APPENDED, request.case_display_id)
                # A re-fired anomaly/latency alarm queued before the case existed: suppressed
                # like on any other case once an earlier follow-up communicated it.
                kinds = tuple(BY_KEY[k] for k in stored.kinds if k in BY_KEY)
                if kinds and not kinds_to_append(kinds, comms, item.transition_id, key=key):
                    log.info(f"case {request.case_display_id} already has these signals: suppressed")
                    return result(FollowUpStatus.ALREADY_COMMUNICATED, request.case_display_id)
                set_id, body = _with_attachments(stored, log)
                support_cases.add_communication(case.summary.case_id, body, attachment_set_id=set_id, key=key)
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
