"""Notification processor (SPEC §4.4): an alarm of this stack → usage check → support case → e-mail.

Invoked three ways: (a) SNS from the raw topic (the composite alarm's notification), (b) the
EventBridge "CloudWatch Alarm State Change" event of a child alarm (the only signal of an
escalation while the composite is already in ALARM, SPEC §8.7), (c) SQS follow-up messages for
work that must wait for AWS; on that queue also the events of failed invocations, when the
dead-letter queue is redriven to it (README runbook), which are processed like (a) and (b).
Anything else is bad input: logged, counted, rejected, not retried.

For one alarm signal:
  1. classify it (ours? into ALARM?), read the alarm states (ONE DescribeAlarms call) and decide
     which children fired; a child event the composite notification covers is skipped;
  then, once per transition (Powertools idempotency on DynamoDB), processor_pipeline.process:
  2. usage over the lookback, 3. thresholds, 4. scenario, 5. case type and quota routing,
  6. support action, 7. e-mail.
A failure that leaves nothing useful done (configuration, DescribeAlarms for a child event, the
SNS publish) raises, so Lambda retries and finally dead-letters the event.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from ops_alert.alarm_message import (
    AlarmSignal,
    DeadLettered,
    MalformedAlarmMessage,
    SignalSource,
    classify,
    dead_lettered_event,
    parse_signals,
)
from ops_alert.names import StackNames
from ops_alert_aws.alarm_states import AlarmState, describe_alarm_states
from ops_alert_aws.errors import describe
from ops_alert_aws.follow_up import is_sqs_record
from ops_alert_aws.idempotency import run_once
from ops_alert_aws.log import bind, get_logger
from ops_alert_aws.settings import ProcessorEnv, read_customer_name

import processor_follow_up
import processor_pipeline
from processor_pipeline import Alarm

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "notification_processor"
NAMESPACE = "BedrockOpsAlert"
logger = get_logger(SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

_customer_cache: dict[str, str] = {}


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind(logger, context)
    try:
        return _handle(event, context)
    except Exception:
        # Re-raised so Lambda retries and finally dead-letters the event; counted for the alarm.
        _count("FailedInvocations")
        raise
    finally:
        # Counts go out as CloudWatch embedded-metric log lines: no API call.
        metrics.flush_metrics(raise_on_empty_metrics=False)


def _count(name: str) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def _reject(reason: str) -> dict[str, Any]:
    logger.error(f"rejected event: {reason}")
    _count("RejectedEvents")
    return {"status": "rejected", "reason": reason}


def _is_sqs_event(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, Mapping) else None
    return isinstance(records, list) and bool(records) and all(is_sqs_record(r) for r in records)


def _handle(event: Any, context: Any) -> dict[str, Any]:
    if _is_sqs_event(event):
        env = ProcessorEnv.from_env()
        return {"status": "follow_up", "results": [_sqs_record(r, env, context) for r in event["Records"]]}
    return _alarm_event(event, ProcessorEnv.from_env, context)


def _sqs_record(record: Mapping[str, Any], env: ProcessorEnv, context: Any) -> dict[str, Any]:
    """A follow-up, or an event redriven from the dead-letter queue (README runbook)."""
    body = record.get("body")
    redriven = dead_lettered_event(body) if isinstance(body, str) else None
    if redriven is None:
        result = processor_follow_up.process(record, env, logger)
        _count("RejectedEvents" if result.get("status") == "rejected" else "FollowUps")
        return result
    kind, original = redriven
    if kind is DeadLettered.SCHEDULED_EVENT:
        logger.info("redriven alarm-updater run ignored: its next schedule (or a manual invoke) repeats it")
        return {"status": "ignored", "reason": "scheduled alarm-updater event"}
    logger.info(f"replaying dead-lettered event {record.get('messageId')!r}")
    _count("ReplayedEvents")
    return _alarm_event(original, lambda: env, context)


def _alarm_event(event: Any, load_env: Callable[[], ProcessorEnv], context: Any) -> dict[str, Any]:
    try:
        signals = parse_signals(event)
    except MalformedAlarmMessage as exc:
        return _reject(str(exc))
    env = load_env()
    names = StackNames(_customer(env), env.model_name)
    results = [_process_signal(s, env, names, context) for s in signals]
    if len(results) == 1:
        return results[0]
    return {"status": "batch", "results": results}


def _customer(env: ProcessorEnv) -> str:
    if env.customer:
        return env.customer
    if env.customer_name_secret not in _customer_cache:
        _customer_cache[env.customer_name_secret] = read_customer_name(env.customer_name_secret)
    return _customer_cache[env.customer_name_secret]


def _alarm_states(names: StackNames, signal: AlarmSignal) -> dict[str, AlarmState] | None:
    try:
        return describe_alarm_states([names.composite_alarm_name, *names.child_alarm_names])
    except Exception as exc:  # noqa: BLE001 - the caller decides whether it can go on without
        logger.warning(describe(exc, f"Reading alarm states for {signal.alarm_name} (DescribeAlarms)"))
        return None


def _once(key: str, env: ProcessorEnv, context: Any, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``work()`` once per alarm transition; a repeat returns status ``duplicate`` and does nothing."""
    if not env.idempotency_table:
        logger.warning("IDEMPOTENCY_TABLE is not set: a redelivered event would be processed again")
        return work()
    once = run_once(key, work, env.idempotency_table, context)
    if once.warning:
        logger.warning(once.warning)
    if once.duplicate:
        logger.info("this transition was processed already: nothing done")
        _count("DuplicateEvents")
        return {**once.result, "status": "duplicate", "first_status": once.result.get("status")}
    return once.result


def _process_signal(signal: AlarmSignal, env: ProcessorEnv, names: StackNames, context: Any) -> dict[str, Any]:
    log_keys = {"alarm": signal.alarm_name, "transition": signal.transition_id, "source": signal.source.value}
    logger.append_keys(**log_keys)
    classification = classify(signal, names)
    if not classification.actionable:
        logger.info(f"ignored: {classification.ignored_reason}")
        _count("IgnoredEvents")
        return {"status": "ignored", "reason": classification.ignored_reason}
    if classification.unknown_children:
        logger.warning(f"not children of this stack, ignored: {', '.join(classification.unknown_children)}")
        _count("UnknownChildAlarms")

    # Step 1: which children fired (one DescribeAlarms call for the composite and the ten children).
    states = _alarm_states(names, signal)
    if signal.source is SignalSource.CHILD:
        if states is None:
            # Without the composite's state an escalation cannot be told from a covered child:
            # fail, so Lambda retries, rather than lose or double it.
            raise RuntimeError(f"cannot read the composite alarm's state for child event {signal.transition_id}")
        if processor_pipeline.composite_covers(signal, states.get(names.composite_alarm_name)):
            logger.info("covered by the composite alarm's own notification: skipped")
            _count("CoveredChildEvents")
            return {"status": "covered_by_composite", "alarm": signal.alarm_name}
    kinds = processor_pipeline.signal_kinds(signal, classification, states, names)
    if not kinds:
        if states is None:
            raise RuntimeError(f"no child alarm named in {signal.transition_id} and their states are unreadable")
        logger.error("the composite is in ALARM but no child alarm of this stack could be identified: "
                     "e-mailing the team without a case")
        _count("UnidentifiedAlarms")
        known_states = states  # not None here; a name of its own keeps that for the closure
        return _once(processor_pipeline.transition_key(signal), env, context,
                     lambda: processor_pipeline.email_unidentified(signal, known_states, env, names, logger))
    alarm = Alarm(signal, kinds, classification.unknown_children, states, processor_pipeline.transition_key(signal))
    now = datetime.now(timezone.utc)
    result = _once(alarm.key, env, context, lambda: processor_pipeline.process(alarm, env, names, now, logger))
    if result["status"] == "duplicate":
        return result
    _count("ProcessedAlarms")
    if result.get("case", {}).get("status") == "FAILED":
        _count("SupportActionFailures")
    return result
