"""renotify_state: the window's ONE conditional write says exactly what ops_alert.renotify's rule says."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import boto3
import pytest

from ops_alert.alarms import Severity
from ops_alert.renotify import LastNotice, renotify_allows
from ops_alert_aws import renotify_state
from tests.unit.test_renotify import NOW, RULES

KEY = "renotify#Acme/M/Quota Request"




def item(table: str) -> dict[str, str] | None:
    found = boto3.client("dynamodb").get_item(TableName=table, Key={"id": {"S": KEY}}).get("Item")
    return None if found is None else {k: next(iter(v.values())) for k, v in found.items()}


@pytest.mark.parametrize(("last", "severity", "minutes", "notifies"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_the_write_condition_is_the_rule(table: str, last: LastNotice | None, severity: Severity, minutes: int,
                                         notifies: bool) -> None:
    if last is not None:
        renotify_state.claim(table, KEY, last.severity, last.transition, last.at, 30)
    claim = renotify_state.claim(table, KEY, severity, "t-now", NOW, minutes)
    assert claim.granted is notifies is renotify_allows(last, severity, "t-now", NOW, minutes)
    stored = item(table)
    assert stored is not None
    if notifies:  # the item now records this notification
        assert (stored["severity"], stored["transition"], int(stored["notifiedAt"])) == (
            severity.value, "t-now", int(NOW.timestamp()))
        assert int(stored["expiration"]) > int((NOW + timedelta(minutes=minutes)).timestamp())
    else:  # refused: the item is untouched, and says which notice held this one
        assert last is not None and claim.last == last and stored["transition"] == last.transition


def test_of_two_concurrent_alerts_one_notifies(table: str, aws_calls: Counter[str]) -> None:
    first = renotify_state.claim(table, KEY, Severity.WARNING, "t-1", NOW, 30)
    second = renotify_state.claim(table, KEY, Severity.WARNING, "t-2", NOW, 30)
    assert (first.granted, second.granted) == (True, False)
    assert aws_calls["dynamodb:PutItem"] == 2 and sum(aws_calls.values()) - aws_calls["dynamodb:CreateTable"] == 2


def test_release_forgets_only_its_own_claim(table: str) -> None:
    renotify_state.claim(table, KEY, Severity.WARNING, "t-1", NOW, 30)
    renotify_state.release(table, KEY, "t-other")
    assert item(table) is not None
    renotify_state.release(table, KEY, "t-1")
    assert item(table) is None
    assert renotify_state.claim(table, KEY, Severity.WARNING, "t-2", NOW, 30).granted


def test_an_item_not_written_by_the_window_never_holds_an_alert(table: str) -> None:
    """A hand-edited item without its time cannot silence the category; one with a strange severity
    still holds within the window, without saying what it was."""
    ddb = boto3.client("dynamodb")
    ddb.put_item(TableName=table, Item={"id": {"S": KEY}, "note": {"S": "edited by hand"}})
    assert renotify_state.claim(table, KEY, Severity.WARNING, "t-1", NOW, 30).granted
    ddb.put_item(TableName=table, Item={"id": {"S": KEY}, "severity": {"S": "INFO"}, "rank": {"N": "1"},
                                        "notifiedAt": {"N": str(int(NOW.timestamp()))}, "transition": {"S": "x"}})
    assert renotify_state.claim(table, KEY, Severity.WARNING, "t-2", NOW, 30) == renotify_state.Claim(False, None)
