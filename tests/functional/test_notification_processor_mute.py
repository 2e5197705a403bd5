"""End to end, as packaged: mute windows and the re-notify window (issue 13).

A mute holds the e-mail (and chat) while the support step still follows the support settings;
every held notification is still a decision event. The re-notify window keeps one category of
one model from notifying twice within N minutes unless severity rises.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import boto3
import pytest

from ops_alert.alarms import ALARM_KINDS
from tests.fakes import StandardFakes
from tests.functional.processor_world import ProcessorWorld, fire, run, utc_now


@pytest.fixture
def world(aws: StandardFakes, monkeypatch: pytest.MonkeyPatch) -> ProcessorWorld:
    """The stack with chat on and a channel attached: what holds the e-mail must hold the chat message."""
    w = ProcessorWorld(aws)
    for key, value in w.deploy(chat="channel").items():
        monkeypatch.setenv(key, value)
    return w


def _ssm(world: ProcessorWorld, key: str, value: str) -> None:
    boto3.client("ssm").put_parameter(Name=world.names.ssm(key), Value=value, Type="String", Overwrite=True)


def _mute(world: ProcessorWorld, *, hours: float = 4, reason: str = "load test", scope: list[str] | None = None) -> str:
    until = (utc_now() + timedelta(hours=hours)).replace(microsecond=0)
    _ssm(world, "mute", json.dumps({"until": until.isoformat(), "reason": reason, "setBy": "ana",
                                    "setAt": utc_now().isoformat(), "scope": scope or ["all"]}))
    return until.strftime("%Y-%m-%d %H:%M UTC")


def _clear(world: ProcessorWorld) -> None:
    for kind in ALARM_KINDS:
        world.set_child(kind.key, "OK")
    world.set_composite("OK")


def _detail(world: ProcessorWorld) -> dict[str, Any]:
    [event] = world.decision_events()
    return event["detail"]


# --- mute -------------------------------------------------------------------------------------------


def test_muted_no_email_the_case_is_still_opened_and_the_event_says_held(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    _mute(world, reason="planned load test")
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles")

    assert (result["status"], result["email"], result["chat"], result["held_by"]) == ("processed", "held", "held", "mute")
    assert world.emails() == [] and world.chat_messages() == [] and aws_calls["sns:Publish"] == 0
    assert result["case"]["status"] == "NEW" and result["case"]["quota_request_ids"]  # support settings still rule
    d = _detail(world)
    assert (d["email"], d["heldBy"], d["case"]["status"]) == ("held", "mute", "NEW")
    assert d["mute"]["reason"] == "planned load test" and d["mute"]["verdict"] == "held"
    assert d["mute"]["until"] > utc_now().isoformat() and d["mute"]["scope"] == ["quota", "investigation"]
    assert aws_calls["ssm:GetParameters"] == 1  # the mute came with the other settings


def test_muted_with_support_cases_off_opens_nothing_and_sends_nothing(world: ProcessorWorld, processor: Any) -> None:
    _mute(world)
    _ssm(world, "enable-automated-support-case", "No")
    world.load_usage(rpm=2_000, tpm=1_000_000)
    result = fire(world, processor, "ServerErrors")
    assert (result["email"], result["case"]["status"]) == ("held", "AUTOMATION_DISABLED")
    assert world.emails() == [] and world.our_cases() == []
    assert _detail(world)["heldBy"] == "mute"


def test_a_critical_outside_the_muted_scope_breaks_through_and_says_when_the_mute_ends(
    world: ProcessorWorld, processor: Any
) -> None:
    ends = _mute(world, scope=["quota"])
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles", "ServerErrors")  # quota alert + an AWS-side CRITICAL

    assert (result["email"], result["chat"], result["held_by"]) == ("sent", "sent", None)
    [email] = world.emails()
    assert len(world.chat_messages()) == 1
    body = " ".join(email["body"].split())
    assert f"Notifications are muted until {ends} (load test). This alert breaks through" in body
    d = _detail(world)
    assert (d["email"], d["heldBy"], d["mute"]["verdict"], d["mute"]["scope"]) == ("sent", None, "breakthrough", ["quota"])


def test_an_alert_outside_the_muted_scope_is_sent_and_names_the_mute(world: ProcessorWorld, processor: Any) -> None:
    ends = _mute(world, scope=["quota"])
    world.load_usage(rpm=2_000, tpm=1_000_000)
    assert fire(world, processor, "HighLatency")["email"] == "sent"
    [email] = world.emails()
    assert f"Quota alerts are muted until {ends} (load test); this Investigation Request alert is outside it." in " ".join(
        email["body"].split())
    assert _detail(world)["mute"]["verdict"] == "not_muted"


def test_a_warning_inside_the_muted_scope_stays_held(world: ProcessorWorld, processor: Any) -> None:
    _mute(world, scope=["quota"])
    world.load_usage(rpm=9_500, tpm=3_000_000)
    assert fire(world, processor, "HighInvocationRate", "HighLatency")["email"] == "held"  # warnings only
    assert world.emails() == []


def test_an_expired_mute_holds_nothing_and_the_e_mail_says_it_ended(world: ProcessorWorld, processor: Any) -> None:
    ends = _mute(world, hours=-1, reason="maintenance")
    world.load_usage(rpm=2_000, tpm=1_000_000)
    result = fire(world, processor, "InvocationAnomaly")
    assert result["email"] == "sent"
    [email] = world.emails()
    assert f"The mute (maintenance) ended at {ends}" in " ".join(email["body"].split())
    d = _detail(world)
    assert (d["heldBy"], d["mute"]) == (None, None)


@pytest.mark.parametrize("value", [
    "mute everything",
    '{"until": "2999-01-01T00:00:00Z", "reason": "forever"}',
    '{"until": "tomorrow", "reason": "x"}',
    '{"until": "2999-01-01T00:00:00Z", "scope": ["nothing-we-know"]}',
], ids=["not-json", "beyond-the-maximum", "unreadable-until", "unknown-scope"])
def test_a_garbage_or_out_of_bounds_mute_is_reported_and_not_muted(
    world: ProcessorWorld, processor: Any, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    _ssm(world, "mute", value)
    world.load_usage(rpm=2_000, tpm=1_000_000)
    assert fire(world, processor, "Throttles")["email"] == "sent"
    assert len(world.emails()) == 1
    assert f"SSM parameter {world.names.mute_parameter}" in caplog.text
    assert _detail(world)["mute"] is None


def test_the_mute_reason_is_neutralised_everywhere_it_is_shown(world: ProcessorWorld, processor: Any) -> None:
    _mute(world, scope=["quota"], reason="[bedrock-ops-alert:Acme/G-Opus-4-6/quota] \x1b[2Jclose\u202e\nit")
    world.load_usage(rpm=9_500, tpm=3_000_000)
    fire(world, processor, "Throttles", "ServerErrors")
    [email] = world.emails()
    assert "[bedrock-ops-alert" not in email["body"] and "\x1b" not in email["body"] and "\u202e" not in email["body"]
    assert "(bedrock-ops-alert:Acme/G-Opus-4-6/quota][2Jcloseit" in "".join(email["body"].split())  # wrapped at will
    reason = _detail(world)["mute"]["reason"]
    assert reason.startswith("(bedrock-ops-alert") and reason.isprintable()
    assert all("[bedrock-ops-alert" not in c.body for c in world.our_cases())


def test_an_unidentified_composite_alarm_is_held_by_a_mute_of_everything(world: ProcessorWorld, processor: Any) -> None:
    _mute(world)
    world.set_composite("ALARM")
    result = run(processor, world.composite_event([]))
    assert (result["status"], result["email"], result["held_by"]) == ("no_child_identified", "held", "mute")
    assert world.emails() == [] and _detail(world)["heldBy"] == "mute"


# --- re-notify window --------------------------------------------------------------------------------


def _age_last_notice(world: ProcessorWorld, category: str, minutes: int) -> None:
    """Time passes: the category's last notice is ``minutes`` older."""
    ddb = world.client("dynamodb")
    key = {"id": {"S": f"renotify#{world.customer}/{world.model_name}/{category}"}}
    at = int(ddb.get_item(TableName="idempotency", Key=key)["Item"]["notifiedAt"]["N"])
    ddb.update_item(TableName="idempotency", Key=key, UpdateExpression="SET notifiedAt = :at",
                    ExpressionAttributeValues={":at": {"N": str(at - minutes * 60)}})


def test_renotify_window_holds_the_same_category_until_it_passes_or_severity_rises(
    world: ProcessorWorld, processor: Any
) -> None:
    _ssm(world, "renotify-window-minutes", "30")
    world.load_usage(rpm=2_000, tpm=1_000_000)

    assert fire(world, processor, "InvocationAnomaly")["email"] == "sent"  # WARNING, Quota Request
    first = _detail(world)
    assert first["renotify"] == {"windowMinutes": 30, "lastNotifiedAt": None, "lastSeverity": None}
    _clear(world)
    assert len(world.chat_messages()) == 1
    within = fire(world, processor, "HighInvocationRate")  # WARNING, same category, within 30 minutes
    assert (within["email"], within["chat"], within["held_by"]) == ("held", "held", "renotify")
    assert world.chat_messages() == []
    held = _detail(world)
    assert (held["heldBy"], held["chat"], held["renotify"]["lastSeverity"]) == ("renotify", "held", "WARNING")
    assert held["renotify"]["lastNotifiedAt"] <= held["time"] and held["case"]["status"]  # the case step ran
    _clear(world)
    assert fire(world, processor, "HighLatency")["email"] == "sent"  # another category: its own window
    world.decision_events()
    _clear(world)
    assert fire(world, processor, "Throttles")["email"] == "sent"  # CRITICAL: severity rises
    _clear(world)
    assert fire(world, processor, "ClientErrors")["email"] == "held"  # CRITICAL again, within the window
    _age_last_notice(world, "Quota Request", 31)
    _clear(world)
    assert fire(world, processor, "InvocationAnomaly")["email"] == "sent"  # the window has passed
    assert len(world.emails()) == 4


def test_renotify_costs_one_conditional_write_and_off_costs_nothing(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    fire(world, processor, "InvocationAnomaly")
    off = aws_calls["dynamodb:PutItem"]
    _ssm(world, "renotify-window-minutes", "30")
    _clear(world)
    fire(world, processor, "HighInvocationRate")
    assert aws_calls["dynamodb:PutItem"] - off == off + 1  # the idempotency record's, plus the window's claim


def test_a_failed_e_mail_does_not_hold_the_next_alert(world: ProcessorWorld, processor: Any, fault: Any) -> None:
    _ssm(world, "renotify-window-minutes", "30")
    world.load_usage(rpm=2_000, tpm=1_000_000)
    fault.fail("sns", "Publish", "InternalError", status=500)
    with pytest.raises(Exception, match="InternalError"):
        fire(world, processor, "InvocationAnomaly")  # Lambda retries; the claim is forgotten
    _clear(world)
    assert fire(world, processor, "HighInvocationRate")["email"] == "sent"


def test_the_window_state_unavailable_never_loses_the_alert(world: ProcessorWorld, processor: Any, fault: Any,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    _ssm(world, "renotify-window-minutes", "30")
    world.load_usage(rpm=2_000, tpm=1_000_000)
    fault.fail("dynamodb", "PutItem", "ProvisionedThroughputExceededException", times=None)
    assert fire(world, processor, "InvocationAnomaly")["email"] == "sent"
    assert "notifying without the window" in caplog.text


def test_a_muted_alert_does_not_count_as_notified(world: ProcessorWorld, processor: Any) -> None:
    _ssm(world, "renotify-window-minutes", "30")
    _mute(world)
    world.load_usage(rpm=2_000, tpm=1_000_000)
    assert fire(world, processor, "InvocationAnomaly")["email"] == "held"
    _ssm(world, "mute", "off")  # make unmute
    _clear(world)
    assert fire(world, processor, "HighInvocationRate")["email"] == "sent"
