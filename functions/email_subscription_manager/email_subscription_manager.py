"""E-mail subscriptions custom resource (SPEC §4.3): keep the formatted topic's e-mail
subscriptions equal to StakeholderEmailList.

Create / Update:
  1. read TopicArn and EmailList; validate the addresses (FAILED lists the bad ones; an empty
     list is FAILED too: the stack exists to e-mail someone);
  2. list what is really subscribed on the topic (all pages) — not OldResourceProperties, so
     hand-made changes and a retried request converge;
  3. subscribe the missing addresses, unsubscribe confirmed subscriptions no longer listed,
     leave the others alone. Unconfirmed ("PendingConfirmation") subscriptions cannot be
     unsubscribed; they are logged and SNS drops them after three days unconfirmed.
Delete: unsubscribe the topic's confirmed e-mail subscriptions; never block the stack's deletion.

The physical ID names the topic, so it is stable across updates and changes only when the topic is
replaced; the Delete CloudFormation then sends for the old ID cleans up the old topic.
"""
from __future__ import annotations

from ops_alert_aws.dataclass_code import shipped_dataclass_code

# Our dataclasses' methods come compiled in the layer (ops_alert_aws.dataclass_code: why).
with shipped_dataclass_code():
    from collections.abc import Iterable, Mapping
    from typing import Any

    from ops_alert.email_list import EmailListError, mask_email, plan, wanted_addresses
    from ops_alert_aws import subscriptions
    from ops_alert_aws.custom_resource import (
        CREATE,
        DELETE,
        UPDATE,
        Outcome,
        Request,
        ResourceFailed,
        physical_id_for,
        run,
    )
    from ops_alert_aws.errors import AwsError, describe, is_not_found
    from ops_alert_aws.log import bind, get_logger

logger = get_logger("email_subscription_manager")

PHYSICAL_ID_PREFIX = "bedrock-ops-alert/email-subscriptions/"


def physical_id(topic_arn: str) -> str:
    return PHYSICAL_ID_PREFIX + topic_arn


def topic_from_physical_id(value: str | None) -> str | None:
    if value and value.startswith(PHYSICAL_ID_PREFIX) and len(value) > len(PHYSICAL_ID_PREFIX):
        return value[len(PHYSICAL_ID_PREFIX):]
    return None


def _topic_arn(props: Any) -> str | None:
    if not isinstance(props, Mapping):
        return None
    topic = str(props.get("TopicArn") or "").strip()
    return topic or None


def _outcome_id(request: Request, topic_arn: str) -> str:
    """Keep the current physical ID while the topic stays the same (also one from an older version)."""
    return physical_id_for(request, topic_arn, physical_id(topic_arn), topic_from_physical_id, _topic_arn)


def _masked(addresses: Iterable[str]) -> list[str]:
    """Addresses as logged: masked, so the function's logs hold no list of the team's e-mails."""
    return [mask_email(a) for a in addresses]


def create_or_update(request: Request) -> Outcome:
    topic_arn = request.require("TopicArn")["TopicArn"]  # 1
    try:
        wanted = wanted_addresses(request.require_properties().get("EmailList"))
    except EmailListError as exc:
        raise ResourceFailed(str(exc)) from None
    outcome_id = _outcome_id(request, topic_arn)
    try:
        existing = subscriptions.list_email_subscriptions(topic_arn)  # 2
    except AwsError as exc:
        raise ResourceFailed(describe(exc, f"Listing the subscriptions of {topic_arn} (SNS ListSubscriptionsByTopic)")) from None
    todo = plan(wanted, existing)
    done: list[str] = []
    try:  # 3
        for address in todo.subscribe:
            subscriptions.subscribe_email(topic_arn, address)
            done.append(address)
        for sub in todo.unsubscribe:
            subscriptions.unsubscribe(sub.arn)
    except AwsError as exc:
        # On Create, answer the real ID so the rollback's Delete removes what was subscribed.
        raise ResourceFailed(describe(exc, f"Updating the e-mail subscriptions of {topic_arn} (SNS)"),
                             physical_id=outcome_id if request.request_type == CREATE else None) from None
    if todo.pending_removed:
        logger.warning("Removed addresses still pending confirmation cannot be unsubscribed; SNS deletes "
                       "them after 3 days unconfirmed", extra={"addresses": _masked(todo.pending_removed)})
    logger.info("E-mail subscriptions in step", extra={
        "topic_arn": topic_arn, "subscribed": _masked(done), "unsubscribed": _masked(s.endpoint for s in todo.unsubscribe),
        "unchanged": _masked(todo.unchanged)})
    return Outcome(outcome_id, {"TopicArn": topic_arn, "AddressCount": str(len(wanted))})


def delete(request: Request) -> Outcome:
    current = str(request.physical_resource_id or "")
    topic_arn = topic_from_physical_id(current) or _topic_arn(request.properties)
    if topic_arn is None:
        logger.warning("Delete without a TopicArn: no subscriptions to remove")
        return Outcome(current)
    try:
        existing = subscriptions.list_email_subscriptions(topic_arn)
        confirmed = [s for s in existing if not s.pending]
        for sub in confirmed:
            subscriptions.unsubscribe(sub.arn)
    except AwsError as exc:
        if is_not_found(exc):  # the topic is gone, and its subscriptions with it
            logger.info("Topic already deleted", extra={"topic_arn": topic_arn})
        else:  # subscriptions of a topic being deleted must not leave the stack in DELETE_FAILED
            logger.error("E-mail subscriptions left on the topic; remove them by hand",
                         extra={"error": describe(exc, "SNS Unsubscribe"), "topic_arn": topic_arn})
        return Outcome(current)
    pending = [s.endpoint for s in existing if s.pending]
    logger.info("E-mail subscriptions removed", extra={
        "topic_arn": topic_arn, "unsubscribed": _masked(s.endpoint for s in confirmed), "pending_left": _masked(pending)})
    return Outcome(current)


HANDLERS = {CREATE: create_or_update, UPDATE: create_or_update, DELETE: delete}


def handler(event: Any, context: Any) -> dict[str, Any] | None:
    bind(logger, context)
    return run(event, context, HANDLERS, logger)
