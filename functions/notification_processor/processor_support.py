"""Step 6 of SPEC §4.4: the support action — request ONE quota increase, open or append to a case.

Never raises: whatever fails here, the e-mail of step 7 is still sent, saying what happened.
The case side is safe to run again (a retried invocation): duplicate detection finds the case this
transition opened or updated, and the transition marker on it stops a second append.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from processor_capacity import AttachmentPlan

from ops_alert.alarms import CaseCategory
from ops_alert.content.case import case_body, case_subject, communication_body
from ops_alert.content.model import AlertContext, AttachmentNote, CaseOutcome, CaseOutcomeStatus, Escalation
from ops_alert.duplicates import already_handled, carries_transition, find_open_case, kinds_to_append
from ops_alert.names import StackNames
from ops_alert.quotas import is_quota_code
from ops_alert.routing import QuotaRequestPlan, SupportAction, quota_to_request
from ops_alert_aws import follow_up, quota_requests, support_cases
from ops_alert_aws.errors import describe
from ops_alert_aws.log import Logger
from ops_alert_aws.quota_requests import QuotaPathUnavailable, QuotaRequest
from ops_alert_aws.settings import ProcessorEnv, RuntimeSettings, read_case_marker_key, read_stakeholder_emails
from ops_alert_aws.support_cases import NoSupportPlan, SupportCase
from ops_alert_aws.support_writes import SupportWrites

CREATE_ATTEMPTS = 2  # CreateCase calls per run, each after looking for a case a lost reply opened
_LOST_REPLY_WINDOW = timedelta(hours=1)  # how far back the look-up searches for the case we opened
_marker_keys: dict[str, bytes] = {}


def marker_key(env: ProcessorEnv, log: Logger) -> bytes | None:
    """The stack's marker key, read once per container; None (logged) when it cannot be read."""
    secret = env.case_marker_key_secret
    if not secret:
        log.warning("CASE_MARKER_KEY_SECRET is not set: our case markers are not sealed, and cases are "
                    "matched by their subject only")
        return None
    if secret not in _marker_keys:
        try:
            _marker_keys[secret] = read_case_marker_key(secret)
        except Exception as exc:  # noqa: BLE001 - subjects still find our cases
            log.warning(describe(exc, "Reading the case marker key") + ": cases are matched by their subject only")
            return None
    return _marker_keys[secret]


@dataclass(frozen=True)
class SupportStep:
    ctx: AlertContext
    action: SupportAction
    plans: tuple[QuotaRequestPlan, ...]
    env: ProcessorEnv
    names: StackNames
    now: datetime
    logger: Logger
    # The usage graphs and CSV, made into one attachment set right before a case text goes out
    # (a set expires after an hour); None when there is no usage to draw.
    attach: AttachmentPlan | None = None
    # Every Support / Service Quotas write goes through this seam; a fire drill's only describes them.
    writes: SupportWrites = field(default_factory=SupportWrites)

    @cached_property
    def key(self) -> bytes | None:
        """The stack's marker key: seals what we submit, and only sealed markers count. Cached for
        the signal, so a key that cannot be read is asked for once, not at every seal and look-up."""
        return marker_key(self.env, self.logger)


def _attachments(step: SupportStep) -> tuple[str | None, AttachmentNote | None]:
    """(attachment set ID, what the text says about it); never raises."""
    if step.attach is None:
        return None, None
    try:
        made, note = step.attach.make(step.logger, step.writes.upload_attachments)
    except Exception as exc:  # noqa: BLE001 - a failed attachment never blocks the case
        step.logger.warning(describe(exc, "Preparing the case attachments") + ": the case goes without them")
        return None, None
    return made.set_id, note


def act(step: SupportStep, settings: RuntimeSettings) -> CaseOutcome:
    """Run the support action; the outcome says what happened, failures included."""
    if not settings.automated_support_case:
        step.logger.info("automated support cases are disabled in SSM: no case opened or updated")
        return CaseOutcome(CaseOutcomeStatus.AUTOMATION_DISABLED)
    try:
        return _act(step)
    except NoSupportPlan as exc:
        step.logger.warning(f"no support case: {exc}")
        return CaseOutcome(CaseOutcomeStatus.NO_SUPPORT_PLAN, error=str(exc))
    except Exception as exc:  # the e-mail must still go out (SPEC §7)
        message = describe(exc, "The support action")
        step.logger.exception(message)
        return CaseOutcome(CaseOutcomeStatus.FAILED, error=message)


def _quota_codes(env: ProcessorEnv) -> list[str]:
    return [code for code in env.quota_codes.values() if is_quota_code(code)]


def _act(step: SupportStep) -> CaseOutcome:
    ctx, env = step.ctx, step.env
    lookback = env.support_case_lookback_days
    # The first Support call doubles as the support-plan check: without a plan every Support
    # operation raises SubscriptionRequiredException, exactly like DescribeSeverityLevels.
    cases = support_cases.open_cases_since(step.now - timedelta(days=lookback))
    history: list[QuotaRequest] = []
    if ctx.category is CaseCategory.QUOTA_REQUEST and _quota_codes(env):
        try:
            history = quota_requests.request_history(_quota_codes(env))
        except Exception as exc:  # noqa: BLE001 - our markers and subject still find our own cases
            step.logger.warning(describe(exc, "Reading the Service Quotas request history") +
                                ": cases opened by Service Quotas are not matched this time")
    quota_case_ids = {r.case_display_id for r in history if r.case_display_id}
    by_id = {c.summary.case_id: c for c in cases}
    existing = find_open_case(
        [c.summary for c in cases], ctx.customer, ctx.model_name, ctx.category, step.now, lookback, quota_case_ids,
        key=step.key)
    if existing is not None:
        return _append_or_suppress(step, by_id[existing.case_id])
    if step.action is SupportAction.SUBMIT_QUOTA_INCREASE and step.plans:
        return _request_increase(step, history)
    return _open_case(step)


def _append_or_suppress(step: SupportStep, case: SupportCase) -> CaseOutcome:
    ctx, summary = step.ctx, case.summary
    comms = support_cases.communications(case)

    def on_case(status: CaseOutcomeStatus) -> CaseOutcome:
        return CaseOutcome(status, display_id=summary.display_id or None, case_id=summary.case_id)

    if already_handled(ctx.transition_id, comms, key=step.key):
        # A retry of a run that already acted on this case (e.g. its e-mail failed).
        opened_now = summary.time_created >= ctx.time
        step.logger.info(f"case {summary.display_id} already carries this transition: not appended again")
        return on_case(CaseOutcomeStatus.NEW if opened_now else CaseOutcomeStatus.UPDATED)
    new = kinds_to_append(ctx.triggered_kinds, comms, ctx.transition_id, key=step.key)
    if not new:
        step.logger.info(f"case {summary.display_id} already has these signals: suppressed")
        return on_case(CaseOutcomeStatus.NOT_UPDATED_ALREADY_COMMUNICATED)
    escalation = Escalation(summary.display_id or None, summary.time_created,
                            tuple(step.names.alarm_name(k) for k in new))
    set_id, note = _attachments(step)
    step.writes.add_communication(summary.case_id, communication_body(ctx, escalation, attachments=note), set_id,
                                  key=step.key, label=summary.display_id)
    step.logger.info(f"appended the new signal to unresolved case {summary.display_id}")
    return dataclasses.replace(on_case(CaseOutcomeStatus.UPDATED), attachments=note)


def _pending_request(history: Sequence[QuotaRequest], plans: Sequence[QuotaRequestPlan],
                     chosen: QuotaRequestPlan) -> QuotaRequest | None:
    """The open increase request this alert's context belongs on: the chosen quota's, else another
    planned quota's. A model's open request is its one conversation with support about quotas."""
    for code in dict.fromkeys([chosen.code, *(p.code for p in plans)]):
        pending = quota_requests.open_request(history, code)
        if pending is not None:
            return pending
    return None


def _request_increase(step: SupportStep, history: Sequence[QuotaRequest]) -> CaseOutcome:
    """Service Quotas path: ONE request per alert, our context (every planned quota) on its case.

    AWS's Bedrock quota page asks for one request on the tokens-per-minute quota for any mix of a
    model's quotas; the support team offers the others, listed with their values in our context.
    """
    chosen = quota_to_request(step.plans)
    if chosen is None:  # cannot happen with plans; keeps the type checker and readers honest
        return _open_case(step)
    pending = _pending_request(history, step.plans, chosen)
    if pending is None:
        try:
            submitted = step.writes.submit_increase(chosen.code, chosen.requested)
        except QuotaPathUnavailable as exc:
            step.logger.warning(f"{exc}: falling back to our own Quota Request case")
            return _open_case(step)
        if submitted.already_pending:
            pending = submitted.request
        else:
            request = submitted.request
            step.logger.info(f"requested {chosen.kind.value} {chosen.code} -> {chosen.requested} "
                             f"({request.request_id}, {request.status}); the other quotas ride in its context")
            _add_context(step, request, pending=False)
            return CaseOutcome(CaseOutcomeStatus.NEW, display_id=request.case_display_id,
                               quota_request_ids=(request.request_id,) if request.request_id else ())
    step.logger.info(f"increase request {pending.request_id} for {pending.quota_code} is already pending: "
                     "this alert's context goes to its case, no second request")
    _add_context(step, pending, pending=True)
    return CaseOutcome(CaseOutcomeStatus.UPDATED, display_id=pending.case_display_id)


def _context_body(step: SupportStep, request: QuotaRequest, pending: bool) -> str:
    if not pending:
        return communication_body(step.ctx)
    escalation = Escalation(request.case_display_id, request.created, step.ctx.triggering_alarms)
    return communication_body(step.ctx, escalation)


def _add_context(step: SupportStep, request: QuotaRequest, *, pending: bool) -> None:
    """Queue our context for the case of the request (never sleep in Lambda).

    A case Service Quotas already opened gets it at once (no delay); otherwise the follow-up waits
    for AWS to open it. Appending from the follow-up keeps this invocation within its call budget,
    and its marker check makes a redelivered message harmless.
    """
    queue, table = step.env.follow_up_queue_url, step.env.idempotency_table
    if not queue or not table:
        step.logger.warning("FOLLOW_UP_QUEUE_URL or IDEMPOTENCY_TABLE is not set: our context is not added to "
                            "the Service Quotas cases")
        return
    graphs, files = step.attach.for_follow_up() if step.attach else ((), ())
    kinds = tuple(k.key for k in step.ctx.triggered_kinds)
    try:
        # The text to append is stored here; the queued message only names it (issue 9).
        step.writes.store_follow_up_context(table, request, step.ctx.transition_id, follow_up.StoredContext(
            _context_body(step, request, pending), kinds, graphs, files))
        step.writes.schedule_follow_up(
            queue, follow_up.FollowUp(request.request_id, request.quota_code, step.ctx.transition_id),
            0 if request.case_display_id else follow_up.delay_for(1))
    except Exception as exc:  # noqa: BLE001 - the request is in; only our context is missing
        step.logger.warning(describe(exc, "Queueing the follow-up that adds our context to the quota case"))
        return
    step.logger.info(f"queued our context for the case of quota request {request.request_id}")


def _open_case(step: SupportStep) -> CaseOutcome:
    ctx = step.ctx
    try:
        cc = read_stakeholder_emails(step.env.stakeholder_emails_secret)
    except Exception as exc:  # noqa: BLE001 - the case matters more than its CC list
        step.logger.warning(describe(exc, "Reading the stakeholder e-mail secret") + ": case opened without CC")
        cc = ()
    case_id, note = _create_case(step, cc)
    display_id: str | None = None
    try:
        display_id = step.writes.display_id_of(case_id)
    except Exception as exc:  # noqa: BLE001 - the case exists; only its display ID is unknown
        step.logger.warning(describe(exc, f"Reading the display ID of new case {case_id}"))
    if ctx.drill is not None:  # the dry run opened nothing: no ID to name
        step.logger.info(f"fire drill: would have opened a new {ctx.category.value} case")
    else:
        step.logger.info(f"opened {ctx.category.value} case {display_id or case_id}")
    return CaseOutcome(CaseOutcomeStatus.NEW, display_id=display_id, case_id=case_id or None, attachments=note)



def _create_case(step: SupportStep, cc: Sequence[str]) -> tuple[str, AttachmentNote | None]:
    """CreateCase without blind retries: after an error or timeout, find the case a lost reply opened.

    The client makes one attempt per call (a retried CreateCase whose first reply was lost opens a
    second, identical case). Before each further attempt, and before giving up, the cases opened in
    the last hour are searched for our sealed transition marker.
    """
    ctx = step.ctx
    set_id, note = _attachments(step)  # once: the same set serves a second attempt within its hour
    error: Exception | None = None
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        if error is not None:
            found = _case_opened_for_this_transition(step)
            if found is not None:
                step.logger.warning(f"CreateCase failed ({describe(error, 'CreateCase')}), but case "
                                    f"{found.summary.display_id or found.summary.case_id} was opened: using it")
                return found.summary.case_id, note
        try:
            return step.writes.create_case(case_subject(ctx), case_body(ctx, attachments=note), cc, set_id,
                                           key=step.key), note
        except NoSupportPlan:
            raise
        except Exception as exc:  # noqa: BLE001 - maybe a lost reply: look before trying again
            step.logger.warning(describe(exc, f"CreateCase, attempt {attempt} of {CREATE_ATTEMPTS}"))
            error = exc
    found = _case_opened_for_this_transition(step)
    if found is not None:
        return found.summary.case_id, note
    assert error is not None
    raise error


def _case_opened_for_this_transition(step: SupportStep) -> SupportCase | None:
    if step.key is None or not step.ctx.transition_id:
        return None  # without a sealed marker our case cannot be told apart: a retry is the lesser risk
    try:
        recent = support_cases.open_cases_since(step.now - _LOST_REPLY_WINDOW)
    except Exception as exc:  # noqa: BLE001 - then we cannot tell; the caller decides
        step.logger.warning(describe(exc, "Looking for a case opened by a lost CreateCase reply"))
        return None
    subject = case_subject(step.ctx)
    for case in recent:
        if case.summary.subject == subject and carries_transition(case.summary, step.ctx.transition_id, step.key):
            return case
    return None
