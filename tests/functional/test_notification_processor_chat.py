"""End to end, as packaged: the chat message through Amazon Q Developer in chat applications (issue 13).

The chat topic is subscribed by an SQS queue standing in for the channel configuration (both are
SNS subscriptions; SQS lets the test read what Amazon Q Developer would receive). Every chat
message any packaged handler publishes is also validated against the custom-notification format
(tests/chat_format, wrapped around the handler in packaged.py), so a message Amazon Q Developer
would drop fails the test that caused it.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import boto3
import pytest

from tests.chat_format import problems
from tests.fakes import StandardFakes
from tests.functional.processor_world import ProcessorWorld, fire, run, utc_now


@pytest.fixture
def chat_setup(request: pytest.FixtureRequest) -> str:
    """How the stack is deployed: "channel" (default here), "no_channel" or "off" (indirect parametrize)."""
    return str(getattr(request, "param", "channel"))


@pytest.fixture
def world(aws: StandardFakes, monkeypatch: pytest.MonkeyPatch, chat_setup: str) -> ProcessorWorld:
    """The stack deployed with ChatNotifications=Yes (unless ``chat_setup`` says otherwise), its environment set."""
    w = ProcessorWorld(aws)
    for key, value in w.deploy(chat=chat_setup).items():
        monkeypatch.setenv(key, value)
    return w


@pytest.mark.parametrize("chat_setup", ["off"], indirect=True)
def test_chat_off_publishes_nothing_but_the_email(world: ProcessorWorld, processor: Any,
                                                           aws_calls: Counter[str]) -> None:
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles")
    assert (result["email"], result["chat"]) == ("sent", "off")
    assert aws_calls["sns:Publish"] == 1 and aws_calls["sns:ListSubscriptionsByTopic"] == 0
    [event] = world.decision_events()
    assert event["detail"]["chat"] == "off"


def test_a_high_usage_alert_reaches_the_channel_threaded_by_model_and_category(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles")

    assert (result["email"], result["chat"]) == ("sent", "sent")
    [email], [chat] = world.emails(), world.chat_messages()
    assert email["subject"].startswith("[CRITICAL]")
    assert problems(chat) == []
    assert (chat["version"], chat["source"], chat["content"]["textType"]) == ("1.0", "custom", "client-markdown")
    assert chat["content"]["title"].endswith("[CRITICAL] Acme / G-Opus-4-6: Quota Request")
    description = chat["content"]["description"]
    assert world.child_name("Throttles") in description and "9,500" in description
    assert f"case {result['case']['display_id']}" in description
    assert chat["metadata"]["threadId"] == "bedrock-ops-alert:Acme:G-Opus-4-6:quota-request"
    resources = chat["metadata"]["relatedResources"]
    assert any(result["case"]["display_id"] in r for r in resources)
    assert any("#dashboards/dashboard/Acme-Bedrock-Ops-Alert-G-Opus-4-6" in r for r in resources)
    assert f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{world.child_name('Throttles')}" in resources
    assert chat["content"]["nextSteps"] and chat["metadata"]["additionalContext"]["scenario"] == "high_usage"
    [event] = world.decision_events()
    assert (event["detail"]["email"], event["detail"]["chat"]) == ("sent", "sent")
    # A channel seen once is not looked up again in this container for the next alert.
    assert aws_calls["sns:ListSubscriptionsByTopic"] == 1


def test_the_same_category_threads_together_and_another_category_starts_its_own_thread(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    world.load_usage(rpm=9_500, tpm=3_000_000)
    fire(world, processor, "Throttles")
    world.set_child("Throttles", "OK")
    world.set_composite("OK")
    fire(world, processor, "HighTPMQuotaUsage")  # Quota Request again
    world.set_child("HighTPMQuotaUsage", "OK")
    world.set_composite("OK")
    fire(world, processor, "ServerErrors")  # Investigation Request
    threads = [m["metadata"]["threadId"] for m in world.chat_messages()]
    assert threads[0] == threads[1] != threads[2]
    assert threads[2].endswith(":investigation-request")
    assert aws_calls["sns:ListSubscriptionsByTopic"] == 1  # one look-up per container while a channel listens


@pytest.mark.parametrize(("preference", "child", "email", "chat"), [
    ("critical", "InvocationAnomaly", "filtered", "filtered"),
    ("warning", "ServerErrors", "filtered", "filtered"),
    ("warning", "InvocationAnomaly", "sent", "sent"),
], ids=["warning-filtered", "critical-filtered", "warning-sent"])
def test_the_notification_preference_filters_chat_like_the_email(
    world: ProcessorWorld, processor: Any, preference: str, child: str, email: str, chat: str
) -> None:
    boto3.client("ssm").put_parameter(Name=world.names.ssm("notification-preference"), Value=preference,
                                      Type="String", Overwrite=True)
    world.load_usage(rpm=2_000, tpm=1_000_000)
    result = fire(world, processor, child)
    assert (result["email"], result["chat"]) == (email, chat)
    assert len(world.emails()) == len(world.chat_messages()) == (email == "sent")
    [event] = world.decision_events()
    assert (event["detail"]["email"], event["detail"]["chat"]) == (email, chat)


@pytest.mark.parametrize("chat_setup", ["no_channel"], indirect=True)
def test_a_chat_topic_without_a_channel_is_a_defined_outcome(
    world: ProcessorWorld, processor: Any, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str], aws_calls: Counter[str]
) -> None:
    lonely = world
    lonely.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(lonely, processor, "Throttles")
    assert (result["email"], result["chat"]) == ("sent", "no_channel")
    [event] = lonely.decision_events()
    assert event["detail"]["chat"] == "no_channel"
    assert len(lonely.emails()) == 1
    assert "has no confirmed subscription" in caplog.text and "Amazon Q Developer channel configuration" in caplog.text
    assert '"ChatWithoutChannel"' in capsys.readouterr().out  # the metric, as an EMF log line
    # Not cached while no channel listens: the next alert looks again (a channel attached meanwhile counts).
    lonely.set_child("Throttles", "OK")
    lonely.set_composite("OK")
    fire(lonely, processor, "ServerErrors")
    assert aws_calls["sns:ListSubscriptionsByTopic"] == 2


def test_a_failing_chat_publish_never_loses_the_alert(
    world: ProcessorWorld, processor: Any, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("sns").delete_topic(TopicArn=world.chat_topic_arn)  # e.g. deleted by hand: Publish fails
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles")  # no exception: nothing to retry
    assert (result["status"], result["case"]["status"], result["email"], result["chat"]) == (
        "processed", "NEW", "sent", "failed")
    assert len(world.emails()) == 1
    [event] = world.decision_events()
    assert event["detail"]["chat"] == "failed"
    assert "Publishing the chat message" in caplog.text
    assert '"ChatFailures"' in capsys.readouterr().out


def test_a_failing_subscription_check_still_counts_the_message_as_sent(
    world: ProcessorWorld, processor: Any, fault: Any
) -> None:
    fault.fail("sns", "ListSubscriptionsByTopic", "AuthorizationError", status=403)
    world.load_usage(rpm=9_500, tpm=3_000_000)
    assert fire(world, processor, "Throttles")["chat"] == "sent"
    assert len(world.chat_messages()) == 1


def test_an_unidentified_composite_alarm_is_posted_too(world: ProcessorWorld, processor: Any) -> None:
    world.set_composite("ALARM")
    event = world.composite_event(())
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["NewStateReason"] = "<!channel> *see* [here](https://evil.example) @here"
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    result = run(processor, event)
    assert (result["status"], result["email"], result["chat"]) == ("no_child_identified", "sent", "sent")
    [chat] = world.chat_messages()
    assert chat["metadata"]["threadId"] == "bedrock-ops-alert:Acme:G-Opus-4-6:unidentified-alarm"
    description = chat["content"]["description"]
    assert world.names.composite_alarm_name in description
    assert "\N{FULLWIDTH COMMERCIAL AT}here" in description  # the words are shown, the mention is not made
    for hostile in ("<!channel>", "](", "@here", "*see*"):
        assert hostile not in description


def test_a_hostile_alarm_reason_is_shown_inert(world: ProcessorWorld, processor: Any) -> None:
    world.load_usage(rpm=9_500, tpm=3_000_000)
    world.set_child("Throttles", "ALARM")
    event = world.composite_event(["Throttles"])
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["NewStateReason"] = "<https://evil.example|Approve quota> `rm -rf` <@U123> ~x~ " + "A" * 5_000
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    world.set_composite("ALARM")
    run(processor, event)
    [chat] = world.chat_messages()
    description = chat["content"]["description"]
    assert len(description) <= 3_000
    assert "\N{SINGLE LEFT-POINTING ANGLE QUOTATION MARK}https://evil.example\N{DIVIDES}Approve quota" in description  # shown, inert
    for hostile in ("<https://", "|Approve", "`rm", "<@U123>", "~x~"):
        assert hostile not in description


def _mute(world: ProcessorWorld, reason: str, scope: list[str]) -> None:
    until = (utc_now() + timedelta(hours=4)).replace(microsecond=0)
    boto3.client("ssm").put_parameter(
        Name=world.names.ssm("mute"), Type="String", Overwrite=True,
        Value=json.dumps({"until": until.isoformat(), "reason": reason, "setBy": "ana",
                          "setAt": utc_now().isoformat(), "scope": scope}))


def test_a_mute_holds_the_chat_message_like_the_email(world: ProcessorWorld, processor: Any,
                                                       aws_calls: Counter[str]) -> None:
    _mute(world, "planned load test", ["all"])
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles")
    assert (result["email"], result["chat"], result["held_by"]) == ("held", "held", "mute")
    assert world.emails() == [] and world.chat_messages() == []
    assert aws_calls["sns:Publish"] == 0
    [event] = world.decision_events()
    assert (event["detail"]["email"], event["detail"]["chat"], event["detail"]["heldBy"]) == ("held", "held", "mute")


def test_a_breakthrough_says_the_mute_is_on_and_its_reason_stays_inert(world: ProcessorWorld, processor: Any) -> None:
    _mute(world, "<!channel> *freeze* @here", ["quota"])
    world.load_usage(rpm=2_000, tpm=1_000_000)
    result = fire(world, processor, "ServerErrors")  # Investigation Request: outside the muted scope
    assert (result["email"], result["chat"]) == ("sent", "sent")
    [chat] = world.chat_messages()
    description = chat["content"]["description"]
    assert "*Mute:*" in description and "freeze" in description
    for hostile in ("<!channel>", "*freeze*", "@here"):
        assert hostile not in description
