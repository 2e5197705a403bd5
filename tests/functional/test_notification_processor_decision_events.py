"""End to end, as packaged: one decision event per signal on the default EventBridge bus (issue 13).

The events are read back through the README's rule (source + detail-type → an SQS target), so
what a team's PagerDuty / Opsgenie rule would receive is what these tests see. Every event any
packaged handler puts is also validated against docs/decision-event.schema.json
(tests/functional/decision_events.py).
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

import boto3
import pytest

from tests.functional.processor_world import RPM_CODE, TPM_CODE, ProcessorWorld, fire, run


def _clear(world: ProcessorWorld) -> None:
    from ops_alert.alarms import ALARM_KINDS

    for kind in ALARM_KINDS:
        world.set_child(kind.key, "OK")
    world.set_composite("OK")


def _ssm(world: ProcessorWorld, key: str, value: str) -> None:
    boto3.client("ssm").put_parameter(Name=world.names.ssm(key), Value=value, Type="String", Overwrite=True)


def test_a_high_usage_alert_is_one_event_with_the_whole_decision(
    world: ProcessorWorld, processor: Any, aws_calls: Counter[str]
) -> None:
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles")

    [event] = world.decision_events()
    assert aws_calls["events:PutEvents"] == 1
    assert (event["source"], event["detail-type"]) == ("bedrock-ops-alert", "Bedrock Ops Alert Decision")
    d = event["detail"]
    assert d["schemaVersion"] == "1.1" and d["outcome"] == "processed"
    assert (d["stack"], d["customer"], d["model"], d["modelId"], d["region"]) == (
        "acme-opus", "Acme", "G-Opus-4-6", "global.anthropic.claude-opus-4-6-v1", "us-east-1")
    assert d["alarms"] == [world.child_name("Throttles")] and d["compositeAlarm"] == world.names.composite_alarm_name
    assert (d["severity"], d["category"], d["scenario"]) == ("CRITICAL", "Quota Request", "high_usage")
    assert d["usage"]["peakRpm"] == 9_500 and d["thresholds"] == {"rpm": 8000, "tpm": 5000000}
    assert {f["measure"] for f in d["forecast"]} == {f["measure"] for f in result["forecast"]} != set()
    assert d["case"]["status"] == "NEW" and d["case"]["displayId"] == result["case"]["display_id"]
    # One request (TPM, as AWS asks); the RPM increase rides in its context.
    rpm, tpm = sorted(d["quotaRequests"], key=lambda r: r["kind"])
    assert (tpm["code"], tpm["current"], tpm["requested"], tpm["percent"]) == (TPM_CODE, 6_250_000, 7_812_500, 25)
    assert tpm["requestId"] == result["case"]["quota_request_ids"][0]
    assert (rpm["code"], rpm["requested"], rpm["requestId"]) == (RPM_CODE, 12_500, None)
    assert d["email"] == "sent" and d["chat"] == "off" and d["reason"] is None


@pytest.mark.parametrize(
    ("setup", "child", "case_status", "email"),
    [
        ({"enable-automated-support-case": "No"}, "Throttles", "AUTOMATION_DISABLED", "sent"),
        ({"notification-preference": "critical"}, "InvocationAnomaly", "NEW", "filtered"),
        ({"notification-preference": "warning"}, "ServerErrors", "NEW", "filtered"),
    ],
    ids=["support-automation-off", "warning-filtered", "critical-filtered"],
)
def test_case_and_email_outcomes_are_in_the_event(
    world: ProcessorWorld, processor: Any, setup: dict[str, str], child: str, case_status: str, email: str
) -> None:
    for key, value in setup.items():
        _ssm(world, key, value)
    world.load_usage(rpm=2_000, tpm=1_000_000)
    fire(world, processor, child)
    [event] = world.decision_events()
    assert (event["detail"]["case"]["status"], event["detail"]["email"]) == (case_status, email)
    assert event["detail"]["case"]["why"]


def test_a_refire_not_appended_says_why(world: ProcessorWorld, processor: Any) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    fire(world, processor, "InvocationAnomaly")
    _clear(world)
    fire(world, processor, "InvocationAnomaly")  # re-fires: a new transition, already on the case
    first, second = (e["detail"] for e in world.decision_events())
    assert first["case"]["status"] == "NEW"
    assert second["case"]["status"] == "NOT_UPDATED_ALREADY_COMMUNICATED"
    assert "already on the unresolved case" in second["case"]["why"]
    assert second["case"]["displayId"] == first["case"]["displayId"]


def test_no_support_plan_and_a_new_model_without_usage(world: ProcessorWorld, processor: Any) -> None:
    world.aws.support.subscribed = False
    fire(world, processor, "InvocationAnomaly")  # no usage at all
    [event] = world.decision_events()
    d = event["detail"]
    assert (d["scenario"], d["case"]["status"], d["usage"]) == ("new_model", "NO_SUPPORT_PLAN", d["usage"])
    assert "support plan" in d["case"]["why"]


def test_a_redelivered_transition_emits_no_second_event(world: ProcessorWorld, processor: Any) -> None:
    world.load_usage(rpm=2_000, tpm=1_000_000)
    world.set_child("Throttles")
    world.set_composite("ALARM")
    event = world.composite_event(["Throttles"])
    run(processor, event)
    assert run(processor, event)["status"] == "duplicate"
    assert len(world.decision_events()) == 1


@pytest.mark.parametrize(
    ("event", "outcome"),
    [
        ({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": "{not json"}}]}, "rejected"),
        ({"hello": "world"}, "rejected"),
    ],
    ids=["malformed-sns", "unknown-shape"],
)
def test_a_rejected_signal_is_an_event_with_the_reason(world: ProcessorWorld, processor: Any, event: Any,
                                                      outcome: str) -> None:
    assert run(processor, event)["status"] == "rejected"
    [decision] = world.decision_events()
    assert decision["detail"]["outcome"] == outcome and decision["detail"]["reason"]
    assert decision["detail"]["customer"] == "Acme" and decision["detail"]["case"] is None


def test_ignored_and_covered_signals_are_events_too(world: ProcessorWorld, processor: Any) -> None:
    run(processor, world.composite_event(["Throttles"], composite="Other-Bedrock-QuotaHealth-Composite-X"))
    [ignored] = world.decision_events()
    assert ignored["detail"]["outcome"] == "ignored"


def test_unidentified_composite_is_an_event(world: ProcessorWorld, processor: Any) -> None:
    world.set_composite("ALARM")
    result = run(processor, world.composite_event([]))
    [event] = world.decision_events()
    assert result["status"] == event["detail"]["outcome"] == "no_child_identified"
    assert event["detail"]["email"] == "sent"


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 400), ("InternalException", 500), ("AccessDeniedException", 400)],
    ids=["throttled", "failing", "denied"],
)
def test_putevents_failing_never_loses_the_alert(world: ProcessorWorld, processor: Any, fault: Any,
                                                 caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
                                                 code: str, status: int) -> None:
    fault.fail("events", "PutEvents", code, status=status, times=None)
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles")  # no exception: nothing to retry
    assert result["status"] == "processed" and result["case"]["status"] == "NEW"
    assert len(world.emails()) == 1 and world.decision_events() == []
    assert "Putting the decision event on EventBridge (PutEvents) failed" in caplog.text
    # The detail is in the log line: the decision is not lost for the event.
    logged = caplog.text.split("the event's detail: ", 1)[1].splitlines()[0]
    assert json.loads(logged)["case"]["displayId"] == result["case"]["display_id"]
    # Counted for an alarm on the metric (embedded-metric log line on stdout).
    assert '"DecisionEventFailures":[1.0]' in capsys.readouterr().out


def test_an_event_that_cannot_be_built_never_fails_the_alert(world: ProcessorWorld, processor: Any,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture,
                                                             capsys: pytest.CaptureFixture[str],
                                                             aws_calls: Counter[str]) -> None:
    # Built after the case and the e-mail: a failure there must not make Lambda retry the alert.
    def broken(*_: Any) -> Any:
        raise TypeError("cannot build the detail")

    monkeypatch.setattr(processor, "decision_detail", broken)
    world.load_usage(rpm=9_500, tpm=3_000_000)
    result = fire(world, processor, "Throttles")
    assert result["status"] == "processed" and result["case"]["status"] == "NEW"
    assert len(world.emails()) == 1 and world.decision_events() == []
    assert "cannot build the detail" in caplog.text
    # Said as what failed: no PutEvents was made, so the log must not blame it.
    assert "Building the decision event failed: TypeError: cannot build the detail" in caplog.text
    assert "PutEvents" not in caplog.text and aws_calls["events:PutEvents"] == 0
    assert '"DecisionEventFailures":[1.0]' in capsys.readouterr().out
