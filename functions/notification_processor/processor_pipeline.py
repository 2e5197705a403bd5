"""SPEC §4.4 for one alarm signal: step 1 (which children fired), then steps 2-7 once per transition.

``handle`` is the one entry point: it classifies the signal, reads the alarm states (ONE
DescribeAlarms call), lets ``ops_alert.triggered`` decide which children fired, and then, once per
transition (ops_alert_aws.idempotency, on DynamoDB), runs ``process``: 2. usage over the lookback,
3. thresholds, 4. scenario, 5. case type and quota routing, 6. support action, 7. e-mail, then the
chat message under the e-mail's decision (:func:`chat_for`).
Results are typed (``ops_alert.results``); the handler turns them into JSON.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

import processor_capacity

from ops_alert.alarm_message import AlarmSignal, SignalSource, classify
from ops_alert.alarms import AlarmKind, CaseCategory, QuotaKind, Severity
from ops_alert.content.chat import chat_message, unidentified_chat_message
from ops_alert.content.email import (
    UNIDENTIFIED_SEVERITY,
    email_body,
    email_subject,
    unidentified_alarm_email,
    unidentified_alarm_subject,
)
from ops_alert.content.model import AlertContext, CaseOutcome, CaseOutcomeStatus, UnidentifiedAlarm
from ops_alert.drill import DrillToken, check_drill, child_transitions, idempotency_key, names_a_drill
from ops_alert.forecast_history import FiveMinuteUsage
from ops_alert.holds import HeldBy, Notice
from ops_alert.mute import MuteVerdict, mute_note, mute_verdict
from ops_alert.names import StackNames
from ops_alert.partition import OwnIdentity
from ops_alert.profiles import PARAMETER_APPLICATION, Siblings, short_profile_id
from ops_alert.quotas import QuotaInfo
from ops_alert.renotify import renotify_key
from ops_alert.results import (
    ChatStatus,
    CoveredByComposite,
    Duplicate,
    EmailStatus,
    Ignored,
    Processed,
    Rejected,
    SignalResult,
    Unidentified,
)
from ops_alert.routing import plan_quota_requests, route, should_email, support_action
from ops_alert.scenario import Scenario, decide_scenario
from ops_alert.transitions import Confirmation, StateChange, check_history, check_identity, claims
from ops_alert.triggered import Verdict, triggered, usage_dimensions
from ops_alert.usage import CombinedSeries, UsageStats, combined_series, summarize
from ops_alert_aws import alarm_history, inference_profiles, renotify_state
from ops_alert_aws.alarm_states import AlarmState, describe_alarm_states
from ops_alert_aws.chat import channel_attached, publish_chat
from ops_alert_aws.email import publish_email
from ops_alert_aws.errors import describe
from ops_alert_aws.idempotency import run_once
from ops_alert_aws.log import Logger
from ops_alert_aws.settings import ProcessorEnv, RuntimeSettings, load_runtime_settings
from ops_alert_aws.support_writes import DryRunWrites, SupportWrites
from ops_alert_aws.usage_metrics import HistoryTooWide, fetch_history, fetch_model_series, usage_window

from processor_support import SupportStep, act

_Result = TypeVar("_Result", Processed, Unidentified)


@dataclass(frozen=True)
class Job:
    """What handling the signals of one invocation needs besides the signal."""

    env: ProcessorEnv
    names: StackNames
    now: datetime
    log: Logger
    lambda_context: Any  # for the idempotency record's in-progress expiry
    count: Callable[[str], None]  # adds 1 to the named CloudWatch metric


def handle(signal: AlarmSignal, job: Job) -> SignalResult:
    """Step 1, then steps 2-7 once per transition. Raises when nothing useful can be done, so Lambda retries."""
    log = job.log
    classification = classify(signal, job.names)
    if not classification.actionable:
        log.info(f"ignored: {classification.ignored_reason}")
        job.count("IgnoredEvents")
        return Ignored(classification.ignored_reason or "")
    if classification.unknown_children:
        log.warning(f"not children of this stack, ignored: {', '.join(classification.unknown_children)}")
        job.count("UnknownChildAlarms")
    own = OwnIdentity.from_function_arn(str(getattr(job.lambda_context, "invoked_function_arn", "") or ""))
    confirmation, verified = _confirm(signal, own, job)  # raises when CloudWatch cannot say: Lambda retries
    if not confirmation.confirmed or own is None:
        log.warning(f"alarm signal not acted on, CloudWatch does not confirm it: {confirmation.reason}")
        job.count("UnverifiedSignals")
        return Rejected(f"not confirmed by CloudWatch: {confirmation.reason}")
    region = own.region
    states = _alarm_states(job.names, signal, log)
    history = _composite_history(signal, job) if signal.source is SignalSource.CHILD else []
    step1 = triggered(signal, classification, states, job.names, history)
    if step1.verdict is Verdict.UNDECIDABLE:
        raise RuntimeError(step1.why)
    if step1.verdict is Verdict.COVERED_BY_COMPOSITE:
        log.info("covered by the composite alarm's own notification: skipped")
        job.count("CoveredChildEvents")
        return CoveredByComposite(signal.alarm_name)
    if step1.verdict is Verdict.UNIDENTIFIED:
        log.error("the composite is in ALARM but no child alarm of this stack could be identified: "
                  "e-mailing the team without a case")
        job.count("UnidentifiedAlarms")
        return _once(step1.key, job, lambda: email_unidentified(signal, step1.key, states or {}, region, job))
    alarm = Alarm(signal, step1.kinds, classification.unknown_children, states, step1.key, region, own.account)
    drill, settings = _drill(signal, verified, job)
    result = _once(idempotency_key(alarm.key, drill), job, lambda: process(alarm, job, settings, drill))
    if isinstance(result, Processed):
        job.count("ProcessedAlarms")
        if result.outcome.status is CaseOutcomeStatus.FAILED:
            job.count("SupportActionFailures")
    return result


def _confirm(signal: AlarmSignal, own: OwnIdentity | None, job: Job) -> tuple[Confirmation, list[StateChange]]:
    """This stack's own alarms, and CloudWatch's history shows each claimed transition (issue 9);
    with the history read, whose recorded reasons alone can name a fire drill."""
    identity = check_identity(signal, job.names, own)
    if not identity.confirmed:
        return identity, []
    history = [change for claim in claims(signal, job.names)
               for change in alarm_history.changes_around(claim.alarm_name, claim.at)]
    return check_history(signal, job.names, history), history


def _drill(signal: AlarmSignal, verified: Sequence[StateChange],
           job: Job) -> tuple[DrillToken | None, RuntimeSettings | None]:
    """The armed fire drill this signal is (ops_alert.drill), else None: a real alert.

    The settings (with the stored token) are read here only when CloudWatch's record of a claimed
    transition names a drill token; they are then reused, so no alert costs an extra call.
    """
    transitions = child_transitions(signal, job.names, verified)
    if not names_a_drill(transitions):
        return None, None
    settings = _settings(job)
    if not settings.read:
        # A hand-set alarm naming a drill token, and the stored token unknown: guessing "real" would open
        # a real case for a drill, guessing "drill" could hide a real alert. Lambda retries instead.
        raise RuntimeError("the alarm's state reason names a drill token, but the stack's settings (with the "
                           "stored token) cannot be read from SSM: retried")
    check = check_drill(settings.drill, transitions, job.now)
    if check.drill is None:
        job.log.warning(check.why_real)
        return None, settings
    job.log.info(f"fire drill for {check.drill.alarm}: every Support and Service Quotas write is only described")
    job.count("Drills")
    return check.drill, settings


def _composite_history(signal: AlarmSignal, job: Job) -> list[StateChange]:
    """The composite's state updates next to a child's transition time, to judge the escalation then."""
    return alarm_history.changes_next_to(job.names.composite_alarm_name, signal.state_change_time)


def _alarm_states(names: StackNames, signal: AlarmSignal, log: Logger) -> dict[str, AlarmState] | None:
    try:
        return describe_alarm_states([names.composite_alarm_name, *names.child_alarm_names])
    except Exception as exc:  # noqa: BLE001 - step 1 decides whether it can go on without
        log.warning(describe(exc, f"Reading alarm states for {signal.alarm_name} (DescribeAlarms)"))
        return None


def _once(key: str, job: Job, work: Callable[[], _Result]) -> _Result | Duplicate:
    """``work()`` once per alarm transition; a repeat returns :class:`Duplicate` and does nothing."""
    if not job.env.idempotency_table:
        job.log.warning("IDEMPOTENCY_TABLE is not set: a redelivered event would be processed again")
        return work()
    done: list[_Result] = []

    def run() -> dict[str, Any]:
        done.append(work())
        return done[-1].to_json()

    once = run_once(key, run, job.env.idempotency_table, job.lambda_context)
    if once.warning:
        job.log.warning(once.warning)
    if once.duplicate:
        job.log.info("this transition was processed already: nothing done")
        job.count("DuplicateEvents")
        return Duplicate(once.result)
    return done[-1]


# --- steps 2-7 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alarm:
    """One actionable transition of this stack, ready for steps 2-7."""

    signal: AlarmSignal
    kinds: tuple[AlarmKind, ...]
    unknown_children: tuple[str, ...]
    states: Mapping[str, AlarmState] | None
    key: str
    region: str  # the function's own region: never the message's (console links)
    account: str  # the function's own account (the alarms' ARNs in the chat message)


@dataclass(frozen=True)
class Usage:
    stats: UsageStats
    series: CombinedSeries  # per minute, profiles added up: the forecast's input
    dimensions: tuple[str, ...]
    end: datetime  # end of the window (the last complete minute)
    history: FiveMinuteUsage | str  # 63 days at 5 minutes for the forecast, or why there is none


def usage_profiles(alarm: Alarm, job: Job) -> Siblings:
    """ModelId dimension values whose usage counts against the quota, the monitored one first.

    System-defined: the model ID. Application profile: the profile and EVERY sibling sharing its
    model list, discovered now from Bedrock (as the alarm updater does), so the figures are right
    from the first alert after deployment, even with more siblings than an alarm can add up. If
    Bedrock cannot be read, the profiles the Layer 2 alarms add up (at most ten) stand in.
    """
    env = job.env
    if env.profile_type != PARAMETER_APPLICATION:
        return Siblings((env.model_id,))
    try:
        return inference_profiles.application_siblings(env.model_id)
    except Exception as exc:  # noqa: BLE001 - the alarms' own list is a good second best
        job.log.warning(describe(exc, "Discovering the sibling application profiles (Bedrock)")
                        + ": usage combines the profiles the Layer 2 alarms add up")
        return Siblings(usage_dimensions(env.model_id, env.profile_type, alarm.states, job.names))


def read_usage(profiles: Siblings, job: Job) -> Usage | None:
    env = job.env
    dims = profiles.profile_ids
    window = usage_window(job.now, env.usage_lookback_days)
    try:
        series = fetch_model_series(dims, window)
    except Exception as exc:  # noqa: BLE001 - "usage could not be read" is a defined scenario input
        job.log.warning(describe(exc, "Reading usage from CloudWatch (GetMetricData)") + ": treated as unknown usage")
        return None
    combined = combined_series(series)
    return Usage(summarize(combined, env.usage_lookback_days), combined, tuple(dims), window.end,
                 read_history(dims, window.end, job))


def read_history(dims: Sequence[str], end: datetime, job: Job) -> FiveMinuteUsage | str:
    """The forecast's 63 days at 5 minutes: one more GetMetricData call, or none when the profiles
    would need more than one (then, as when it fails, the forecast keeps to the 1-minute window)."""
    try:
        return fetch_history(dims, end)
    except HistoryTooWide as exc:  # refused before any call: the reason is the forecast's, not a failure
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - the forecast is advice: it keeps to the 1-minute window
        job.log.warning(describe(exc, "Reading 63 days of 5-minute usage (GetMetricData)")
                        + ": the forecast uses the 1-minute window only")
        return "it could not be read"


def current_quotas(env: ProcessorEnv, settings: RuntimeSettings, quotas: frozenset[QuotaKind],
                   reads: processor_capacity.QuotaReads) -> dict[QuotaKind, QuotaInfo]:
    """Applied values of the routed quotas the model has and whose increase percent is > 0."""
    found: dict[QuotaKind, QuotaInfo] = {}
    for kind in QuotaKind:
        if kind not in quotas or settings.increase_percents.get(kind, 0) <= 0:
            continue  # not asked for
        info = reads.read(env.quota_codes[kind])  # None: the model has no such quota, or unreadable
        if info is not None:
            found[kind] = info
    return found


def _settings(job: Job) -> RuntimeSettings:
    settings = load_runtime_settings(job.env, job.names, job.now)  # step 3 (thresholds) and the tunables, one call
    for problem in settings.problems:
        job.log.warning(problem)
    return settings


def process(alarm: Alarm, job: Job, settings: RuntimeSettings | None = None,
            drill: DrillToken | None = None) -> Processed:
    signal, env, names, log = alarm.signal, job.env, job.names, job.log
    settings = settings or _settings(job)
    routing = route(alarm.kinds)  # step 1: severity, case category and quotas, decided once
    investigate_only = routing.category is CaseCategory.INVESTIGATION_REQUEST
    profiles = None if investigate_only else usage_profiles(alarm, job)
    read = None if profiles is None else read_usage(profiles, job)  # step 2
    usage = read.stats if read else None
    # Each quota code is read at most once in this alert, a failure included (QuotaReads).
    reads = processor_capacity.QuotaReads(log)
    # The per-day token quota (issue 12, one GetServiceQuota when the model has one): its threshold
    # counts in the scenario like the RPM and TPM ones, and a per-day request reuses the value read.
    daily = (processor_capacity.daily_quota(env.daily_token_quota_code, env.tpm_threshold_percent, reads)
             if read else processor_capacity.DailyQuota())
    per_day = processor_capacity.per_day_usage(read.series, daily) if read else None
    scenario = decide_scenario(alarm.kinds, usage, settings.thresholds, per_day)  # step 4
    action = support_action(scenario)  # step 5
    current = {} if scenario is Scenario.NON_QUOTA else current_quotas(env, settings, routing.quotas, reads)
    plans = plan_quota_requests(routing, scenario, current, settings.increase_percents)
    # Where usage is heading (issue 12): from the usage already read, and the quotas (≤ 2 more calls).
    try:
        quotas = processor_capacity.forecast_quotas(env.quota_codes, reads) if read else {}
        capacity = processor_capacity.assess(
            read.series if read else None, usage, alarm.kinds, settings.thresholds, quotas,
            read.end if read else job.now, env.usage_lookback_days, daily, read.history if read else "")
    except Exception as exc:  # noqa: BLE001 - the forecast is advice: the case and the e-mail go without it
        log.error(describe(exc, "Forecasting capacity") + ": the alert goes on without the forecast")
        capacity = processor_capacity.Capacity(None, None, {})
    ctx = AlertContext(
        customer=names.customer,
        model_name=env.model_name,
        model_id=env.model_id_display,
        composite_alarm=names.composite_alarm_name,
        triggering_alarms=tuple(names.alarm_name(k) for k in alarm.kinds) + alarm.unknown_children,
        triggered_kinds=alarm.kinds,
        time=signal.state_change_time,
        region=alarm.region,
        routing=routing,
        scenario=scenario,
        use_case=settings.use_case,
        usage=usage,
        thresholds=settings.thresholds,
        input_modalities=env.input_modalities,
        geo_residency=env.geo_residency,
        quota_requests=plans,
        application_profile_id=short_profile_id(env.model_id) if env.profile_type == PARAMETER_APPLICATION else None,
        usage_profiles=profiles if env.profile_type == PARAMETER_APPLICATION else None,
        transition_id=alarm.key,
        alarm_reason=signal.reason,
        outlook=capacity.outlook,
        reservation=capacity.reservation,
        dashboard_url=processor_capacity.stack_dashboard_url(names, alarm.region),
        per_day=per_day,
        drill=drill.token if drill else None,
    )
    log.info(f"{routing.severity.value} {scenario.value}: {', '.join(ctx.triggering_alarms)}")
    attach = processor_capacity.attachment_plan(
        capacity, names, alarm.region, read.dimensions if read else (), settings.thresholds)
    writes = DryRunWrites() if drill else SupportWrites()
    outcome = act(SupportStep(ctx, action, plans, env, names, job.now, log, attach, writes), settings)  # step 6
    if isinstance(writes, DryRunWrites):
        outcome = replace(outcome, would_have_done=tuple(writes.done))
    email, notice, note = send_email(ctx, outcome, settings, job)  # step 7, raises when SNS fails
    chat = chat_for(email, lambda: chat_message(ctx, outcome, account=alarm.account, mute_note=note), job)
    return Processed(ctx, outcome, email, notice, chat)


def send_email(ctx: AlertContext, outcome: CaseOutcome, settings: RuntimeSettings,
               job: Job) -> tuple[EmailStatus, Notice, tuple[str, ...]]:
    """Sent, filtered or held (and the mute note it carried); an SNS failure propagates so the invocation is retried."""
    notice = _notice(settings, ctx.triggered_kinds)
    note = mute_note(settings.mute, notice.verdict, ctx.category)
    # A fire drill never claims the re-notify window: the real alert after it must not be held for it.
    window = renotify_key(ctx.customer, ctx.model_name, ctx.category) if ctx.drill is None else None
    email, notice = _email(settings, ctx.severity, notice, job,
                           lambda: (email_subject(ctx), email_body(ctx, outcome, note)), window, ctx.transition_id)
    return email, notice, note


def _notice(settings: RuntimeSettings, kinds: Sequence[AlarmKind]) -> Notice:
    """What the mute says about an alert whose alarms ``kinds`` fired (() when unidentified)."""
    return Notice(settings.mute, mute_verdict(settings.mute.mute, kinds), settings.renotify_minutes)


def _email(settings: RuntimeSettings, severity: Severity, notice: Notice, job: Job,
           content: Callable[[], tuple[str, str]], renotify: str | None, transition: str) -> tuple[EmailStatus, Notice]:
    """Publish ``content()`` (subject, body) unless the preference filters ``severity`` out, a mute holds
    it, or the re-notify window does (``renotify``: the state item; None: no window for this alert).

    The returned Notice says which held it; the chat message follows the same decision.
    """
    if not should_email(settings.notification_preference, severity):
        job.log.info(f"e-mail filtered: preference {settings.notification_preference!r}, severity {severity.value}")
        return EmailStatus.FILTERED, notice
    mute = settings.mute.mute
    if notice.verdict is MuteVerdict.HELD and mute is not None:
        job.log.info(f"notification held: muted until {mute.until.isoformat()} ({mute.reason})")
        job.count("HeldNotifications")
        return EmailStatus.HELD, replace(notice, held_by=HeldBy.MUTE)
    claimed = _claim_renotify(notice, severity, renotify, transition, job)
    if claimed is not None and not claimed.granted:
        last = claimed.last
        job.log.info(f"notification held: this category was notified within {notice.renotify_minutes} minutes"
                     + (f" ({last.severity.value} at {last.at.isoformat()})" if last else ""))
        job.count("HeldNotifications")
        return EmailStatus.HELD, replace(notice, held_by=HeldBy.RENOTIFY, last_notice=last)
    subject, body = content()
    try:
        message_id = publish_email(job.env.formatted_topic_arn, subject, body)
    except Exception:
        if claimed is not None and renotify is not None:
            _release_renotify(renotify, transition, job)
        raise
    job.log.info(f"e-mail published ({message_id})")
    return EmailStatus.SENT, notice


def _claim_renotify(notice: Notice, severity: Severity, key: str | None, transition: str,
                    job: Job) -> renotify_state.Claim | None:
    """The window's conditional write (None: no window, or the state cannot be kept: notify)."""
    table = job.env.idempotency_table
    if notice.renotify_minutes <= 0 or key is None or not table:
        return None
    try:
        return renotify_state.claim(table, key, severity, transition, job.now, notice.renotify_minutes)
    except Exception as exc:  # noqa: BLE001 - an alert is never lost for the window: notify without it
        job.log.warning(describe(exc, "Recording the notification for the re-notify window (DynamoDB PutItem)")
                        + ": notifying without the window")
        return None


def _release_renotify(key: str, transition: str, job: Job) -> None:
    """The e-mail failed after its claim: forget the claim so other alerts are not held for it."""
    try:
        renotify_state.release(job.env.idempotency_table or "", key, transition)
    except Exception as exc:  # noqa: BLE001 - the retry of this transition passes the window anyway
        job.log.warning(describe(exc, "Forgetting the re-notify claim of a failed e-mail (DynamoDB DeleteItem)"))


# --- the chat message: follows the e-mail's decision (issue 13) --------------------------------------


def chat_for(email: EmailStatus, build: Callable[[], dict[str, Any]], job: Job) -> ChatStatus:
    """The chat message under the decision ``_email`` made for this alert (filtered, held or sent).

    Sent after the e-mail; a failure never fails the alert (logged, counted, in the decision event).
    """
    if not job.env.chat_topic_arn:
        return ChatStatus.OFF
    if email is EmailStatus.FILTERED:
        return ChatStatus.FILTERED
    if email is EmailStatus.HELD:
        return ChatStatus.HELD
    return send_chat(build, job)


def send_chat(build: Callable[[], dict[str, Any]], job: Job) -> ChatStatus:
    topic = job.env.chat_topic_arn
    try:
        message_id = publish_chat(topic, build())
    except Exception as exc:  # noqa: BLE001 - the e-mail went: a chat failure is logged and counted, never fatal
        job.log.error(describe(exc, "Publishing the chat message to the chat topic (SNS Publish)")
                      + ": the e-mail was sent; the decision event records chat=failed")
        job.count("ChatFailures")
        return ChatStatus.FAILED
    job.log.info(f"chat message published ({message_id})")
    try:
        attached = channel_attached(topic)
    except Exception as exc:  # noqa: BLE001 - the message went out; whether anyone listens is advice
        job.log.warning(describe(exc, "Checking the chat topic's subscriptions (ListSubscriptionsByTopic)"))
        return ChatStatus.SENT
    if not attached:
        job.log.warning(f"the chat topic {topic} has no confirmed subscription, so no channel receives the "
                        "message: attach it to your Amazon Q Developer channel configuration (README \"Chat\")")
        job.count("ChatWithoutChannel")
        return ChatStatus.NO_CHANNEL
    return ChatStatus.SENT


# --- a composite alarm without an identifiable child -----------------------------------------------


def email_unidentified(signal: AlarmSignal, key: str, states: Mapping[str, AlarmState], region: str,
                       job: Job) -> Unidentified:
    """Tell the team about a composite ALARM whose children cannot be identified (no case)."""
    env, names = job.env, job.names
    settings = _settings(job)
    children = [(n, states[n].state if n in states else "unknown") for n in names.child_alarm_names]

    notice = _notice(settings, ())
    note = mute_note(settings.mute, notice.verdict, None)

    alarm = UnidentifiedAlarm(names.customer, env.model_name, env.model_id_display, signal.alarm_name,
                              signal.state_change_time, region, signal.reason, children, note)

    def content() -> tuple[str, str]:
        return unidentified_alarm_subject(names.customer, env.model_name), unidentified_alarm_email(alarm)

    def chat() -> dict[str, Any]:
        return unidentified_chat_message(alarm, transition=key)

    # No re-notify window: the kind of problem is unknown, so "the same category" cannot be told.
    email, notice = _email(settings, UNIDENTIFIED_SEVERITY, notice, job, content, None, key)
    return Unidentified(key, signal.alarm_name, email, notice, chat_for(email, chat, job))
