"""Notification processor (SPEC §4.4): an alarm of this stack → usage check → support case → e-mail.

Invoked three ways: (a) SNS from the raw topic (the composite alarm's notification), (b) the
EventBridge "CloudWatch Alarm State Change" event of a child alarm (the only signal of an
escalation while the composite is already in ALARM, SPEC §8.7), (c) SQS follow-up messages for
work that must wait for AWS; on that queue also the events of failed invocations, when the
dead-letter queue is redriven to it (README runbook), which are processed like (a) and (b).
Anything else is bad input: logged, counted, rejected, not retried.

For one alarm signal, ONE call: processor_pipeline.handle
  1. classify it (ours? into ALARM?), read the alarm states (ONE DescribeAlarms call) and decide
     which children fired (ops_alert.triggered); a child event the composite notification covers
     is skipped;
  then, once per transition (ops_alert_aws.idempotency: a DynamoDB record per transition):
  2. usage over the lookback, 3. thresholds, 4. scenario, 5. case type and quota routing,
  6. support action, 7. e-mail.
Results are typed (ops_alert.results) until the handler returns their JSON. Each signal's result
is also put on the default EventBridge bus as ONE decision event (ops_alert.decision_event); a
PutEvents failure is logged and counted, never lost as an alert.
A failure that leaves nothing useful done (configuration, DescribeAlarms for a child event, the
SNS publish) raises, so Lambda retries and finally dead-letters the event.
"""
from __future__ import annotations

import gc

# The imports below create ~55,000 objects that live as long as the container (modules, classes,
# functions, constants); the cyclic garbage collector would rescan them again and again while they
# load. It is paused until they are loaded; one collection of the young objects then frees the few
# reference cycles creating classes leaves behind, and the rest is moved out of later collections'
# way (gc.freeze), like the clients' (ops_alert_aws.clients; README "Speed and cost").
gc.disable()

from ops_alert_aws.dataclass_code import shipped_dataclass_code

# Our dataclasses' methods come compiled in the layer (ops_alert_aws.dataclass_code: 50 → 21 ms
# of this import on python3.14).
with shipped_dataclass_code():
    import json
    import os
    from collections.abc import Callable, Mapping
    from datetime import datetime, timezone
    from typing import Any

    from ops_alert.alarm_message import (
        AlarmSignal,
        DeadLettered,
        MalformedAlarmMessage,
        dead_lettered_event,
        parse_signals,
    )
    from ops_alert.decision_event import StackIdentity, decision_detail
    from ops_alert.names import StackNames
    from ops_alert.results import (
        Batch,
        EventResult,
        FollowUpResult,
        Ignored,
        RecordResult,
        Rejected,
        SignalResult,
        Status,
    )
    from ops_alert_aws.decision_events import put_decision_event
    from ops_alert_aws.errors import describe
    from ops_alert_aws.follow_up import is_sqs_record
    from ops_alert_aws.log import bind, get_logger
    from ops_alert_aws.metrics import COUNT, Metrics
    from ops_alert_aws.settings import ProcessorEnv, read_customer_name

    import processor_pipeline

gc.collect(0)  # the young generation: what the imports created (gc.collect(1) differs on 3.14)
gc.freeze()
gc.enable()

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "notification_processor"
NAMESPACE = "BedrockOpsAlert"
logger = get_logger(SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

_customer_cache: dict[str, str] = {}


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind(logger, context)
    try:
        return _handle(event, context).to_json()
    except Exception:
        # Re-raised so Lambda retries and finally dead-letters the event; counted for the alarm.
        _count("FailedInvocations")
        raise
    finally:
        # Counts go out as CloudWatch embedded-metric log lines: no API call.
        metrics.flush_metrics()


def _count(name: str) -> None:
    metrics.add_metric(name, COUNT, 1)


def _reject(reason: str) -> Rejected:
    logger.error(f"rejected event: {reason}")
    _count("RejectedEvents")
    return Rejected(reason)


def _is_sqs_event(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, Mapping) else None
    return isinstance(records, list) and bool(records) and all(is_sqs_record(r) for r in records)


def _handle(event: Any, context: Any) -> EventResult:
    if _is_sqs_event(event):
        env = ProcessorEnv.from_env()
        return Batch(Status.FOLLOW_UP, [_sqs_record(r, env, context) for r in event["Records"]])
    return _alarm_event(event, ProcessorEnv.from_env, context)


def _sqs_record(record: Mapping[str, Any], env: ProcessorEnv, context: Any) -> RecordResult | Batch:
    """A follow-up, or an event redriven from the dead-letter queue (README runbook)."""
    body = record.get("body")
    redriven = dead_lettered_event(body) if isinstance(body, str) else None
    if redriven is None:
        # Imported on the first follow-up only: an alarm's cold start does not compile it.
        import processor_follow_up

        result = processor_follow_up.process(record, env, logger)
        _count("FollowUps" if isinstance(result, FollowUpResult) else "RejectedEvents")
        return result
    kind, original = redriven
    if kind is DeadLettered.SCHEDULED_EVENT:
        logger.info("redriven alarm-updater run ignored: its next schedule (or a manual invoke) repeats it")
        return Ignored("scheduled alarm-updater event")
    logger.info(f"replaying dead-lettered event {record.get('messageId')!r}")
    _count("ReplayedEvents")
    return _alarm_event(original, lambda: env, context)


def _alarm_event(event: Any, load_env: Callable[[], ProcessorEnv], context: Any) -> SignalResult | Batch:
    try:
        signals = parse_signals(event)
    except MalformedAlarmMessage as exc:
        rejected = _reject(str(exc))
        _emit_rejected(rejected, load_env)
        return rejected
    env = load_env()
    names = StackNames(_customer(env), env.model_name)
    results = [_process_signal(s, env, names, context) for s in signals]
    if len(results) == 1:
        return results[0]
    return Batch(Status.BATCH, results)


def _customer(env: ProcessorEnv) -> str:
    if env.customer:
        return env.customer
    if env.customer_name_secret not in _customer_cache:
        _customer_cache[env.customer_name_secret] = read_customer_name(env.customer_name_secret)
    return _customer_cache[env.customer_name_secret]


def _process_signal(signal: AlarmSignal, env: ProcessorEnv, names: StackNames, context: Any) -> SignalResult:
    logger.append_keys(alarm=signal.alarm_name, transition=signal.transition_id, source=signal.source.value)
    job = processor_pipeline.Job(env, names, datetime.now(timezone.utc), logger, context, _count)
    result = processor_pipeline.handle(signal, job)
    _emit(result, _identity(env, names.customer, signal.region))
    return result


# --- decision events (issue 13) -------------------------------------------------------------------


def _identity(env: ProcessorEnv, customer: str, region: str = "") -> StackIdentity:
    return StackIdentity(env.stack_name, customer, env.model_name, env.model_id_display,
                         region or os.environ.get("AWS_REGION", ""))


def _emit(result: SignalResult, identity: StackIdentity) -> None:
    """Put the signal's decision event; a failure (to build it or to put it) is logged and counted,
    the alert stands: the case and the e-mail are done, never fail the alert for its event."""
    try:
        detail = decision_detail(result, identity, datetime.now(timezone.utc))
    except Exception as exc:  # noqa: BLE001 - see above
        logger.error(describe(exc, "Building the decision event") + ": the alert itself was handled; no event put")
        _count("DecisionEventFailures")
        return
    if detail is None:
        return  # a repeat: the first run's event stands
    try:
        event_id = put_decision_event(detail)
    except Exception as exc:  # noqa: BLE001 - see above
        logger.error(describe(exc, "Putting the decision event on EventBridge (PutEvents)")
                     + f": the alert itself was handled; the event's detail: {json.dumps(detail, default=str)}")
        _count("DecisionEventFailures")
        return
    logger.info(f"decision event put ({event_id})")
    _count("DecisionEvents")


def _emit_rejected(rejected: Rejected, load_env: Callable[[], ProcessorEnv]) -> None:
    try:
        env = load_env()
        customer = _customer(env)
    except Exception as exc:  # noqa: BLE001 - without a configuration there is no stack to name
        logger.warning(describe(exc, "Naming the stack for the decision event") + ": no event for this rejection")
        return
    _emit(rejected, _identity(env, customer))
