"""The re-notify window's state in the idempotency table: ONE conditional PutItem per notification.

One item per model and category (``ops_alert.renotify.renotify_key``) holds the last notification
that went out: severity, time, transition. ``claim`` overwrites it only when
``ops_alert.renotify.renotify_allows`` says the alert may notify; DynamoDB evaluates that condition
atomically, so of two concurrent alerts of one category exactly one notifies. A refused claim
returns the item that refused it (ReturnValuesOnConditionCheckFailure), at no extra call.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ops_alert.alarms import Severity
from ops_alert.renotify import SEVERITY_RANK, LastNotice
from ops_alert_aws.clients import client
from ops_alert_aws.idempotency import TTL_ATTRIBUTE

# The item outlives its window by a day (then the table's TTL removes it).
KEEP_AFTER_WINDOW = timedelta(days=1)

# renotify_allows, as DynamoDB evaluates it: no notice yet, or the same transition (a retry), or a
# higher severity, or the last notice at or before the window's start. An item without a time (not
# written by us) never holds an alert: a comparison with a missing attribute is false.
_CONDITION = ("attribute_not_exists(id) OR attribute_not_exists(#at) OR #transition = :transition "
              "OR #rank < :rank OR #at <= :cutoff")


@dataclass(frozen=True)
class Claim:
    granted: bool  # True: this alert notifies (the item now records it)
    last: LastNotice | None = None  # refused: the notification within the window


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _last_notice(item: dict[str, Any]) -> LastNotice | None:
    try:
        return LastNotice(Severity(item["severity"]["S"]),
                          datetime.fromtimestamp(int(item["notifiedAt"]["N"]), timezone.utc),
                          item["transition"]["S"])
    except (KeyError, ValueError):
        return None


def claim(table: str, key: str, severity: Severity, transition: str, now: datetime, minutes: int) -> Claim:
    """Record this notification unless one of the category went out within ``minutes``; raises on AWS errors."""
    ddb = client("dynamodb")
    try:
        ddb.put_item(
            TableName=table,
            Item={
                "id": {"S": key},
                "severity": {"S": severity.value},
                "rank": {"N": str(SEVERITY_RANK[severity])},
                "notifiedAt": {"N": str(_epoch(now))},
                "transition": {"S": transition},
                TTL_ATTRIBUTE: {"N": str(_epoch(now + timedelta(minutes=minutes) + KEEP_AFTER_WINDOW))},
            },
            ConditionExpression=_CONDITION,
            ExpressionAttributeNames={"#transition": "transition", "#rank": "rank", "#at": "notifiedAt"},
            ExpressionAttributeValues={
                ":transition": {"S": transition},
                ":rank": {"N": str(SEVERITY_RANK[severity])},
                ":cutoff": {"N": str(_epoch(now - timedelta(minutes=minutes)))},
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ddb.exceptions.ConditionalCheckFailedException as exc:
        item = getattr(exc, "response", {}).get("Item") or {}
        return Claim(False, _last_notice(item))
    return Claim(True)


def release(table: str, key: str, transition: str) -> None:
    """Forget this transition's claim (its notification did not go out); raises on AWS errors.

    Only the item this transition wrote is removed: a later alert's claim stays.
    """
    ddb = client("dynamodb")
    with contextlib.suppress(ddb.exceptions.ConditionalCheckFailedException):  # another alert's notice: it stands
        ddb.delete_item(TableName=table, Key={"id": {"S": key}}, ConditionExpression="#transition = :transition",
                        ExpressionAttributeNames={"#transition": "transition"},
                        ExpressionAttributeValues={":transition": {"S": transition}})
