"""SPEC §4.4 steps 1–7 for one alarm transition that concerns this stack.

``signal_kinds`` answers step 1 (which children fired, including the escalation rule of §8.7);
``process`` runs steps 2–7 and returns a JSON-serialisable result (stored by the idempotency layer).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ops_alert.alarm_message import ALARM, AlarmSignal, Classification, SignalSource, kinds_in_alarm
from ops_alert.alarms import BY_KEY, AlarmKind, CaseCategory, QuotaKind, Severity
from ops_alert.content.email import (
    UNIDENTIFIED_SEVERITY,
    email_body,
    email_subject,
    unidentified_alarm_email,
    unidentified_alarm_subject,
)
from ops_alert.content.model import AlertContext, CaseOutcome
from ops_alert.names import StackNames
from ops_alert.profiles import PARAMETER_APPLICATION, short_profile_id
from ops_alert.quota_codes import QuotaInfo, is_quota_code
from ops_alert.routing import plan_quota_requests, route, should_email, support_action
from ops_alert.scenario import Scenario, decide_scenario
from ops_alert.usage import UsageStats, summarize
from ops_alert_aws.alarm_states import AlarmState
from ops_alert_aws.email import publish_email
from ops_alert_aws.errors import describe
from ops_alert_aws.quota_catalogue import get_bedrock_quota
from ops_alert_aws.settings import ProcessorEnv, RuntimeSettings, load_runtime_settings
from ops_alert_aws.usage_metrics import fetch_model_series, usage_window
from processor_support import SupportStep, act

# Layer 2 alarms aggregate the sibling application profiles as m1+…+mN (kept by the alarm updater).
_AGGREGATING_ALARMS = ("HighInvocationRate", "HighTPMQuotaUsage")


# --- step 1: which children fired ----------------------------------------------------------------


def composite_covers(child: AlarmSignal, composite: AlarmState | None) -> bool:
    """Whether the composite's own notification reports this child transition.

    Composite alarms notify only on their own transitions (SPEC §9). If the composite was already
    in ALARM before the child transitioned, no notification will come: the child event is an
    escalation of its own. Otherwise (composite not in ALARM yet, or it entered ALARM at or after
    the child) the composite notification covers it.
    """
    if composite is None or composite.transitioned_at is None:
        return False  # cannot tell: process it (duplicates are caught later, losses are not)
    escalation = composite.state == ALARM and composite.transitioned_at < child.state_change_time
    return not escalation


def signal_kinds(
    signal: AlarmSignal,
    classification: Classification,
    states: Mapping[str, AlarmState] | None,
    names: StackNames,
) -> tuple[AlarmKind, ...]:
    """The children this signal reports, in catalogue order.

    For the composite: its TriggeringChildren, plus every child in ALARM that transitioned no later
    than the composite (their own events are skipped as covered, so they must be reported here),
    plus — when nothing else is known — children named in the state reason.
    """
    if signal.source is SignalSource.CHILD:
        return classification.kinds
    found = [n for n in signal.triggering_children]
    for state in (states or {}).values():
        if (
            not state.composite
            and state.state == ALARM
            and state.transitioned_at is not None
            and state.transitioned_at <= signal.state_change_time
        ):
            found.append(state.name)
    kinds = kinds_in_alarm(found, names)
    if not kinds and signal.reason:
        kinds = kinds_in_alarm([n for n in names.child_alarm_names if n in signal.reason], names)
    return kinds


def transition_key(signal: AlarmSignal) -> str:
    """Idempotency key: the child transition(s) the signal reports.

    A composite notification that names one child and that child's own event share the key, so at
    most one of them is processed even if the escalation rule misjudges.
    """
    if signal.source is SignalSource.COMPOSITE and signal.child_transition_ids:
        return ",".join(sorted(set(signal.child_transition_ids)))
    return signal.transition_id


# --- steps 2-7 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alarm:
    """One actionable transition of this stack, ready for steps 2-7."""

    signal: AlarmSignal
    kinds: tuple[AlarmKind, ...]
    unknown_children: tuple[str, ...]
    states: Mapping[str, AlarmState] | None
    key: str


def usage_dimensions(env: ProcessorEnv, names: StackNames, states: Mapping[str, AlarmState] | None) -> tuple[str, ...]:
    """ModelId dimension values whose usage counts against the quota.

    System-defined: the model ID. Application profile: the profile plus its siblings, read from
    the Layer 2 alarms' metric math (the alarm updater keeps it current), so no Bedrock call.
    """
    if env.profile_type != PARAMETER_APPLICATION:
        return (env.model_id,)
    own = short_profile_id(env.model_id)
    found = [own]
    for kind_key in _AGGREGATING_ALARMS:
        state = (states or {}).get(names.alarm_name(BY_KEY[kind_key]))
        for value in state.model_dimensions if state else ():
            if value not in found:
                found.append(value)
    return tuple(found)


def read_usage(env: ProcessorEnv, names: StackNames, alarm: Alarm, now: datetime, log: logging.Logger) -> UsageStats | None:
    dims = usage_dimensions(env, names, alarm.states)
    try:
        series = fetch_model_series(dims, usage_window(now, env.usage_lookback_days))
    except Exception as exc:  # noqa: BLE001 - "usage could not be read" is a defined scenario input
        log.warning(describe(exc, "Reading usage from CloudWatch (GetMetricData)") + ": treated as unknown usage")
        return None
    return summarize(series, env.usage_lookback_days)


def current_quotas(
    env: ProcessorEnv, settings: RuntimeSettings, quotas: frozenset[QuotaKind], log: logging.Logger
) -> dict[QuotaKind, QuotaInfo]:
    """Applied values of the routed quotas the model has and whose increase percent is > 0."""
    found: dict[QuotaKind, QuotaInfo] = {}
    for kind in QuotaKind:
        code = env.quota_codes[kind]
        if kind not in quotas or settings.increase_percents.get(kind, 0) <= 0:
            continue
        if not is_quota_code(code):
            continue  # the model has no such quota
        try:
            found[kind] = get_bedrock_quota(code)
        except Exception as exc:  # noqa: BLE001 - the quota is then left out of the request
            log.warning(describe(exc, f"Reading quota {code} (GetServiceQuota)") + ": not requested")
    return found


def process(alarm: Alarm, env: ProcessorEnv, names: StackNames, now: datetime, log: logging.Logger) -> dict[str, Any]:
    signal = alarm.signal
    settings = load_runtime_settings(env, names)  # step 3 (thresholds) and the tunables, one call
    for problem in settings.problems:
        log.warning(problem)
    routing = route(alarm.kinds)  # step 1: severity
    investigate_only = routing.category is CaseCategory.INVESTIGATION_REQUEST
    usage = None if investigate_only else read_usage(env, names, alarm, now, log)  # step 2
    scenario = decide_scenario(alarm.kinds, usage, settings.thresholds)  # step 4
    action = support_action(scenario)  # step 5
    current = {} if scenario is Scenario.NON_QUOTA else current_quotas(env, settings, routing.quotas, log)
    plans = plan_quota_requests(routing, scenario, current, settings.increase_percents)
    ctx = AlertContext(
        customer=names.customer,
        model_name=env.model_name,
        model_id=env.model_id_display,
        composite_alarm=names.composite_alarm_name,
        triggering_alarms=tuple(names.alarm_name(k) for k in alarm.kinds) + alarm.unknown_children,
        triggered_kinds=alarm.kinds,
        time=signal.state_change_time,
        region=signal.region,
        routing=routing,
        scenario=scenario,
        use_case=settings.use_case,
        usage=usage,
        thresholds=settings.thresholds,
        input_modalities=env.input_modalities,
        geo_residency=env.geo_residency,
        quota_requests=plans,
        application_profile_id=short_profile_id(env.model_id) if env.profile_type == PARAMETER_APPLICATION else None,
        transition_id=alarm.key,
        alarm_reason=signal.reason,
    )
    log.info(f"{routing.severity.value} {scenario.value}: {', '.join(ctx.triggering_alarms)}")
    outcome = act(SupportStep(ctx, action, plans, env, names, now, log), settings)  # step 6, never raises
    emailed = send_email(ctx, outcome, settings, env, log)  # step 7, raises when SNS fails
    return {
        "status": "processed",
        "transition": alarm.key,
        "severity": routing.severity.value,
        "scenario": scenario.value,
        "alarms": list(ctx.triggering_alarms),
        "case": {
            "status": outcome.status.value,
            "display_id": outcome.display_id,
            "case_id": outcome.case_id,
            "quota_request_ids": list(outcome.quota_request_ids),
            "updated_display_ids": list(outcome.updated_display_ids),
            "error": outcome.error,
        },
        "quota_requests": [{"code": p.code, "current": p.current, "requested": p.requested} for p in plans],
        "email": emailed,
    }


def send_email(
    ctx: AlertContext, outcome: CaseOutcome, settings: RuntimeSettings, env: ProcessorEnv, log: logging.Logger
) -> str:
    """``sent`` or ``filtered``; an SNS failure propagates so the invocation is retried."""
    return _email(settings, ctx.severity, env, log, lambda: (email_subject(ctx), email_body(ctx, outcome)))


def _email(settings: RuntimeSettings, severity: Severity, env: ProcessorEnv, log: logging.Logger,
           content: Callable[[], tuple[str, str]]) -> str:
    """Publish ``content()`` (subject, body) unless the notification preference filters ``severity`` out."""
    if not should_email(settings.notification_preference, severity):
        log.info(f"e-mail filtered: preference {settings.notification_preference!r}, severity {severity.value}")
        return "filtered"
    subject, body = content()
    message_id = publish_email(env.formatted_topic_arn, subject, body)
    log.info(f"e-mail published ({message_id})")
    return "sent"


# --- a composite alarm without an identifiable child -----------------------------------------------


def email_unidentified(
    signal: AlarmSignal, states: Mapping[str, AlarmState], env: ProcessorEnv, names: StackNames, log: logging.Logger
) -> dict[str, Any]:
    """Tell the team about a composite ALARM whose children cannot be identified (no case)."""
    settings = load_runtime_settings(env, names)
    for problem in settings.problems:
        log.warning(problem)
    children = [(n, states[n].state if n in states else "unknown") for n in names.child_alarm_names]

    def content() -> tuple[str, str]:
        return unidentified_alarm_subject(names.customer, env.model_name), unidentified_alarm_email(
            names.customer, env.model_name, env.model_id_display, signal.alarm_name, signal.state_change_time,
            signal.region, signal.reason, children)

    return {"status": "no_child_identified", "transition": transition_key(signal), "alarm": signal.alarm_name,
            "email": _email(settings, UNIDENTIFIED_SEVERITY, env, log, content)}
