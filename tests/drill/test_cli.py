"""`make drill` against CloudFormation, SSM, CloudWatch, EventBridge and SQS in moto (+ the CloudWatch
fakes for the composite): the token the processor recognises, the alarm set with it, the decision
event waited for through a temporary rule and queue, and everything reset afterwards, whatever
happens. The deployed processor is simulated by the decision event it would put."""
from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest

from drill.cli import main, parse_timeout, wait_for_outcome
from ops_alert.decision_event import StackIdentity, decision_detail, decision_entry
from ops_alert.drill import WouldHaveDone, parse_drill_parameter, token_in
from ops_alert.results import EmailStatus, Processed
from preview.cli import _parameters
from preview.samples import PreviewScenario, StackSettings, sample_alert, sample_outcome
from tests.fakes import StandardFakes
from tests.functional import rendered
from tests.functional.decision_events import validator

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
TOKEN = "0123456789abcdef0123456789abcdef"
STACK = "acme-opus"
PARAMETER = "/Acme/bedrock/quota-monitoring/G-Opus-4-6/drill-token"
THROTTLES = "Acme-Bedrock-Throttles-Critical-G-Opus-4-6"
COMPOSITE = "Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6"


@pytest.fixture
def stack(aws: StandardFakes) -> str:
    """The stack's own DrillTokenParameter (as rendered) in CloudFormation; its alarms in CloudWatch."""
    template = {"Parameters": {"CustomerName": {"Type": "String"}, "BedrockModelName": {"Type": "String"}},
                "Resources": {"DrillTokenParameter": rendered.resources()["DrillTokenParameter"]}}
    boto3.client("cloudformation").create_stack(
        StackName=STACK, TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "CustomerName", "ParameterValue": "Acme"},
                    {"ParameterKey": "BedrockModelName", "ParameterValue": "G-Opus-4-6"}])
    cw = boto3.client("cloudwatch")
    for name in (THROTTLES, "Acme-Bedrock-HighLatency-Warning-G-Opus-4-6"):
        cw.put_metric_alarm(AlarmName=name, Namespace="AWS/Bedrock", MetricName="InvocationThrottles",
                            Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=5,
                            ComparisonOperator="GreaterThanThreshold")
        cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="quiet")
    cw.put_composite_alarm(AlarmName=COMPOSITE, AlarmRule=f"ALARM({THROTTLES})")
    aws.cloudwatch.set_composite_state(COMPOSITE, "OK")
    assert _value() == "off"  # as the template creates it
    return STACK


def _value() -> str:
    return str(boto3.client("ssm").get_parameter(Name=PARAMETER)["Parameter"]["Value"])


def _state(name: str = THROTTLES) -> str:
    return str(boto3.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"])


def drill_event(token: str, *, drill: bool = True, stack: str = STACK) -> dict[str, Any]:
    """The decision event the processor puts for a drill (or, drill=False, for a real alert), built by
    the processor's own decision module from a sample high-usage alert."""
    settings = StackSettings.from_parameters({**_parameters(None), "CustomerName": "Acme",
                                              "BedrockModelName": "G-Opus-4-6"})
    ctx = sample_alert(PreviewScenario.HIGH_USAGE, settings)
    outcome = sample_outcome(ctx)
    if drill:
        ctx = dataclasses.replace(ctx, drill=token)
        outcome = dataclasses.replace(outcome, display_id=None, quota_request_ids=(), would_have_done=(WouldHaveDone(
            "servicequotas:RequestServiceQuotaIncrease", "request the Bedrock quota L-3DCCFAA4 be raised to 7,812,500"),))
    detail = decision_detail(Processed(ctx, outcome, EmailStatus.SENT),
                             StackIdentity(stack, "Acme", "G-Opus-4-6", ctx.model_id, "us-east-1"), NOW)
    assert detail is not None and list(validator().iter_errors(detail)) == []
    return detail


class _Watched:
    """A CloudWatch client that, like the deployed stack, answers an alarm going to ALARM."""

    def __init__(self, real: Any, on_alarm: Callable[[str, str], None]) -> None:
        self._real, self._on_alarm = real, on_alarm

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def set_alarm_state(self, **kwargs: Any) -> Any:
        answer = self._real.set_alarm_state(**kwargs)
        if kwargs["StateValue"] == "ALARM":
            self._on_alarm(kwargs["AlarmName"], kwargs["StateReason"])
        return answer


def processor(*events: Callable[[str], dict[str, Any]]) -> Callable[[str, str], None]:
    """The stack's answer to the alarm: the given decision events, put on the default bus."""
    seen: list[str] = []

    def on_alarm(alarm: str, reason: str) -> None:
        token = token_in(reason)
        armed = parse_drill_parameter(_value())
        assert token and armed and armed.token == token and armed.alarm == alarm  # what the processor checks
        seen.append(token)
        boto3.client("events").put_events(Entries=[decision_entry(e(token)) for e in events])

    return on_alarm


def clients(on_alarm: Callable[[str, str], None] | None = None,
            wrap: Callable[[str, Any], Any] | None = None) -> Callable[[str], Any]:
    made: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in made:
            c = boto3.client(service, region_name="us-east-1")
            if service == "cloudwatch" and on_alarm is not None:
                c = _Watched(c, on_alarm)
            made[service] = wrap(service, c) if wrap else c
        return made[service]

    return client


def run(*args: str, client: Callable[[str], Any] | None = None, clock: Callable[[], float] | None = None,
        token: str = TOKEN) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err, client=client or clients(), now=NOW, clock=clock, token=token)
    return code, out.getvalue(), err.getvalue()


def _left_behind() -> dict[str, Any]:
    """What a drill must not leave: its rules, its queues, an armed token, an alarm in ALARM."""
    rules = [r["Name"] for r in boto3.client("events").list_rules(NamePrefix="bedrock-ops-alert-drill-")["Rules"]]
    queues = boto3.client("sqs").list_queues(QueueNamePrefix="bedrock-ops-alert-drill-").get("QueueUrls", [])
    return {"rules": rules, "queues": queues, "token": _value(), "alarm": _state()}


CLEAN = {"rules": [], "queues": [], "token": "off", "alarm": "OK"}


def test_a_drill_arms_sets_the_alarm_waits_for_its_event_prints_it_and_resets_everything(
        stack: str, aws: StandardFakes) -> None:
    history: list[str] = []

    def on_alarm(alarm: str, reason: str) -> None:
        history.append(reason)
        armed = parse_drill_parameter(_value())
        assert armed is not None and (armed.expires - NOW) == timedelta(minutes=7)  # TIMEOUT 5 min + 2
        processor(lambda t: drill_event(t))(alarm, reason)

    code, out, err = run("--stack", stack, client=clients(on_alarm))

    assert (code, err) == (0, ""), err
    assert history == [f"drill {TOKEN}: fire drill by make drill; reset to OK when it ends"]
    assert f"Fire drill on acme-opus: {THROTTLES} set to ALARM (token {TOKEN}" in out
    assert "outcome         processed (drill)" in out
    assert "scenario        high_usage (CRITICAL, Quota Request)" in out
    assert "case            NEW: fire drill, nothing written; a real alert: case opened" in out
    assert "1. servicequotas:RequestServiceQuotaIncrease: request the Bedrock quota L-3DCCFAA4" in out
    assert "e-mail          sent, its subject starts with [DRILL]" in out
    assert "chat            off (ChatNotifications=No)" in out  # the sample stack's event: chat off
    assert "Reset: the alarm is back to OK, the token is off, the temporary rule and queue are deleted." in out
    assert _left_behind() == CLEAN
    # CloudWatch's record: into ALARM naming the token (what the processor checks), then back to OK.
    reasons = [json.loads(h["HistoryData"])["newState"]["stateReason"] for h in aws.cloudwatch.history
               if h["AlarmName"] == THROTTLES][-2:]
    assert [token_in(r) for r in reasons] == [TOKEN, TOKEN] and "drill over" in reasons[1]


def test_the_temporary_queue_takes_events_only_from_its_rule(stack: str) -> None:
    policies: list[dict[str, Any]] = []
    patterns: list[dict[str, Any]] = []

    def spy(service: str, c: Any) -> Any:
        if service == "sqs":
            real = c.set_queue_attributes
            c.set_queue_attributes = lambda **kw: (policies.append(json.loads(kw["Attributes"]["Policy"])), real(**kw))[1]
        if service == "events":
            real_rule = c.put_rule
            c.put_rule = lambda **kw: (patterns.append(json.loads(kw["EventPattern"])), real_rule(**kw))[1]
        return c

    code, _, _ = run("--stack", stack, client=clients(processor(lambda t: drill_event(t)), spy))
    assert code == 0
    [statement] = policies[0]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"].endswith(f":rule/bedrock-ops-alert-drill-{TOKEN[:12]}")
    assert patterns == [{"source": ["bedrock-ops-alert"], "detail-type": ["Bedrock Ops Alert Decision"],
                         "detail": {"stack": [STACK]}}]


def test_other_events_of_the_stack_are_passed_over(stack: str) -> None:
    """An escalation skipped as covered, another stack's drill, an earlier drill's event: not this drill's."""
    covered = lambda t: {**drill_event(t, drill=False), "outcome": "covered_by_composite", "scenario": None}  # noqa: E731
    other_drill = lambda t: drill_event("f" * 32)  # noqa: E731
    other_stack = lambda t: drill_event(t, stack="another-stack")  # noqa: E731
    code, out, _ = run("--stack", stack, client=clients(processor(covered, other_drill, other_stack,
                                                                  lambda t: drill_event(t))))
    assert code == 0 and "outcome         processed (drill)" in out


def test_a_drill_the_stack_handled_as_a_real_alert_is_said_at_once(stack: str) -> None:
    code, out, err = run("--stack", stack, client=clients(processor(lambda t: drill_event(t, drill=False))))
    assert code == 1 and err == ""
    assert "The stack handled the drill as a REAL alert" in out and "outcome         processed\n" in out
    assert _left_behind() == CLEAN


class Clock:
    """Monotonic seconds that jump ahead at every look, so a wait runs out without waiting."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_no_event_within_the_timeout_is_one_line_and_everything_is_reset(stack: str) -> None:
    waits: list[int] = []

    def quiet(service: str, c: Any) -> Any:
        if service == "sqs":  # an empty queue, answered at once (the test does not wait out the long poll)
            c.receive_message = lambda **kw: (waits.append(kw["WaitTimeSeconds"]), {"Messages": []})[1]
        return c

    code, out, err = run("--stack", stack, "--timeout", "30", client=clients(lambda a, r: None, quiet),
                         clock=Clock(20))
    assert code == 2 and waits == [10]  # long polling, up to the time left, never past the deadline
    assert err == ("make drill: error: no decision event for the drill within 30 s: check the processor's logs (the "
                   "composite alarm's actions enabled? the raw topic subscribed?) and run again with a longer TIMEOUT\n")
    assert "Reset: the alarm is back to OK" in out and _left_behind() == CLEAN


def _failing(service_name: str, operation: str, code: str, exc: type[BaseException] | None = None):
    from botocore.exceptions import ClientError

    def wrap(service: str, c: Any) -> Any:
        if service == service_name:
            def fail(**kwargs: Any) -> Any:
                if exc is not None:
                    raise exc()
                raise ClientError({"Error": {"Code": code, "Message": "nope"}}, operation)
            setattr(c, {"SetAlarmState": "set_alarm_state", "PutParameter": "put_parameter",
                        "ReceiveMessage": "receive_message"}[operation], fail)
        return c

    return wrap


@pytest.mark.parametrize(("service", "operation", "code", "says"), [
    ("cloudwatch", "SetAlarmState", "AccessDenied", "not allowed to call SetAlarmState (AccessDenied: nope)"),
    ("ssm", "PutParameter", "AccessDeniedException", "not allowed to call PutParameter (AccessDeniedException: nope)"),
    ("ssm", "PutParameter", "ThrottlingException", "AWS throttled PutParameter (ThrottlingException: nope): wait a minute"),
    ("sqs", "ReceiveMessage", "AccessDenied", "not allowed to call ReceiveMessage"),
], ids=["set-alarm-state-denied", "put-parameter-denied", "put-parameter-throttled", "receive-denied"])
def test_an_aws_refusal_is_one_line_and_leaves_nothing_behind(
        stack: str, service: str, operation: str, code: str, says: str) -> None:
    exit_code, _, err = run("--stack", stack, client=clients(wrap=_failing(service, operation, code)))
    assert exit_code == 2 and err.startswith("make drill: error: ") and says in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert {**_left_behind(), "token": _value()} == CLEAN


def test_ctrl_c_while_waiting_resets_everything(stack: str) -> None:
    code, _, err = run("--stack", stack, client=clients(wrap=_failing("sqs", "ReceiveMessage", "", KeyboardInterrupt)))
    assert (code, err) == (130, "make drill: interrupted\n")
    assert _left_behind() == CLEAN


def test_a_failed_clean_up_step_says_what_to_remove_by_hand(stack: str) -> None:
    from botocore.exceptions import ClientError

    def wrap(service: str, c: Any) -> Any:
        if service == "events":
            def denied(**kwargs: Any) -> Any:
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "nope"}}, "DeleteRule")
            c.delete_rule = denied
        return c

    code, out, err = run("--stack", stack, client=clients(processor(lambda t: drill_event(t)), wrap))
    assert code == 2 and "Reset incomplete" in out
    assert err == (f"make drill: clean-up: could not delete the temporary EventBridge rule bedrock-ops-alert-drill-"
                   f"{TOKEN[:12]} (not allowed to call DeleteRule (AccessDenied: nope): grant it to the role or user "
                   "running this, or use another profile): do it by hand\n")
    assert (_value(), _state()) == ("off", "OK")  # the token and the alarm were still reset


@pytest.mark.parametrize(("text", "length"), [
    ("300", timedelta(minutes=5)), ("90s", timedelta(seconds=90)), ("5m", timedelta(minutes=5)), (" 5M ", timedelta(minutes=5)),
    ("0030", timedelta(seconds=30)), ("57m", timedelta(minutes=57)),
], ids=["seconds", "seconds-unit", "minutes", "spaces-and-case", "leading-zeros", "longest"])
def test_timeouts(text: str, length: timedelta) -> None:
    assert parse_timeout(text) == length


@pytest.mark.parametrize(("args", "says"), [
    (["--stack", ""], "STACK is missing: make drill STACK=<stack>"),
    (["--stack", STACK, "--alarm", "Throttle"], "ALARM='Throttle' is not a child alarm of the stack: use one of ClientErrors"),
    (["--stack", STACK, "--timeout", "soon"], "TIMEOUT='soon' is not a duration"),
    (["--stack", STACK, "--timeout", "5"], "TIMEOUT='5': wait from 30 seconds to 57 minutes"),
    (["--stack", STACK, "--timeout", "2h"], "TIMEOUT='2h' is not a duration"),
    (["--stack", "nope"], "stack 'nope' does not exist in us-east-1: check STACK and REGION"),
    (["--stack", STACK, "--timeout", "5sm"], "TIMEOUT='5sm' is not a duration"),
    (["--stack", STACK, "--timeout", "5ms"], "TIMEOUT='5ms' is not a duration"),
    (["--stack", STACK, "--timeout", "m"], "TIMEOUT='m' is not a duration"),
    (["--stack", STACK, "--timeout", "99999999999999999999999"], "TIMEOUT='99999999999999999999999': wait from 30 seconds to 57 minutes"),
    (["--stack", STACK, "--timeout", "58m"], "TIMEOUT='58m': wait from 30 seconds to 57 minutes"),
], ids=["no-stack", "unknown-alarm", "timeout-garbage", "timeout-too-short", "timeout-hours", "unknown-stack",
        "timeout-two-units", "timeout-milliseconds", "timeout-no-number", "timeout-huge", "timeout-too-long"])
def test_bad_input_is_one_line_before_anything_is_written(stack: str, args: list[str], says: str) -> None:
    code, out, err = run(*args)
    assert code == 2 and says in err and err.count("\n") == 1 and out == ""
    assert _left_behind() == CLEAN


def test_an_alarm_the_stack_does_not_have_is_one_line(stack: str) -> None:
    code, _, err = run("--stack", stack, "--alarm", "ServerErrors")
    assert code == 2 and "alarm 'Acme-Bedrock-ServerErrors-Critical-G-Opus-4-6' not found" in err
    assert _left_behind() == CLEAN


@pytest.mark.parametrize(("alarm", "says"), [
    (THROTTLES, f"{THROTTLES} is in ALARM now: a drill needs it to go into ALARM"),
    (COMPOSITE, f"the composite alarm {COMPOSITE} is in ALARM: a real alert is under way"),
], ids=["child-in-alarm", "real-alert-under-way"])
def test_no_drill_while_the_alarm_or_the_composite_is_in_alarm(stack: str, aws: StandardFakes, alarm: str,
                                                                says: str) -> None:
    boto3.client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="real")
    code, _, err = run("--stack", stack)
    assert code == 2 and says in err and _value() == "off"


def test_a_stack_that_predates_drills_is_told_to_update(aws: StandardFakes) -> None:
    template = {"Parameters": {"CustomerName": {"Type": "String"}, "BedrockModelName": {"Type": "String"}},
                "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    boto3.client("cloudformation").create_stack(
        StackName="old", TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "CustomerName", "ParameterValue": "Acme"},
                    {"ParameterKey": "BedrockModelName", "ParameterValue": "G-Opus-4-6"}])
    code, _, err = run("--stack", "old")
    assert code == 2 and "has no drill-token parameter: it predates `make drill`" in err


def test_make_drill_without_a_stack_is_one_line() -> None:
    result = subprocess.run(["make", "--no-print-directory", "drill", "REGION=us-east-1"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    said = [line for line in result.stderr.splitlines() if line.startswith("make drill")]
    assert said == ["make drill: error: STACK is missing: make drill STACK=<stack> [ALARM=Throttles] [REGION=…] "
                    "[TIMEOUT=300]"]


@pytest.mark.parametrize(("email", "chat", "held_by", "lines"), [
    ("sent", "sent", None, ["e-mail          sent, its subject starts with [DRILL]",
                            "chat            sent, its title starts with [DRILL]"]),
    ("held", "held", "mute", ["e-mail          held by mute", "chat            held by mute"]),
    ("filtered", "filtered", None, ["e-mail          not sent: the notification preference filters this severity out",
                                    "chat            filtered"]),
    ("sent", "no_channel", None, ["e-mail          sent, its subject starts with [DRILL]",
                                  "chat            published, but no chat channel is subscribed to the chat topic"]),
    ("sent", None, None, ["e-mail          sent, its subject starts with [DRILL]"]),
], ids=["sent", "held-by-mute", "filtered", "no-chat-channel", "no-chat-step"])
def test_the_outcome_says_what_reached_the_team(email: str, chat: str | None, held_by: str | None,
                                                lines: list[str]) -> None:
    from drill.cli import describe_outcome

    detail = {**drill_event(TOKEN), "email": email, "chat": chat, "heldBy": held_by}
    assert [line.strip() for line in describe_outcome(detail) if line.lstrip().startswith(("e-mail", "chat"))] == lines


def test_the_token_is_stamped_with_awss_clock_not_this_machines(stack: str) -> None:
    """A laptop minutes off would otherwise arm a window the processor judges closed: a REAL alert."""
    from drill.cli import aws_time

    seen: list[datetime] = []

    def on_alarm(alarm: str, reason: str) -> None:
        armed = parse_drill_parameter(_value())
        assert armed is not None
        seen.append(armed.issued)
        processor(lambda t: drill_event(t))(alarm, reason)

    def aws_says_nine(service: str, c: Any) -> Any:
        if service == "cloudwatch":  # AWS's clock three hours behind this machine's
            real = c.describe_alarms

            def describe_alarms(**kwargs: Any) -> Any:
                answer = real(**kwargs)
                answer["ResponseMetadata"]["HTTPHeaders"]["date"] = "Tue, 01 Dec 2026 09:00:00 GMT"
                return answer

            c.describe_alarms = describe_alarms
        return c

    out, err = io.StringIO(), io.StringIO()
    assert main(["--stack", stack], out=out, err=err, client=clients(on_alarm, aws_says_nine), token=TOKEN) == 0, \
        err.getvalue()
    assert seen == [datetime(2026, 12, 1, 8, 59, 55, tzinfo=timezone.utc)]  # 5 s before AWS's "now"
    assert "valid until 09:07:00 UTC" in out.getvalue()
    assert aws_time({"ResponseMetadata": {"HTTPHeaders": {"date": "Tue, 01 Dec 2026 12:03:04 GMT"}}}) == \
        datetime(2026, 12, 1, 12, 3, 4, tzinfo=timezone.utc)
    assert aws_time({"ResponseMetadata": {"HTTPHeaders": {}}}) is None


ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31m"  # retitle the terminal, clear it, turn the text red


@pytest.mark.parametrize("field", [
    {"reason": f"quota {ESCAPES}raised\nFAKE LINE"},
    {"case": {"status": "NEW", "why": f"opened {ESCAPES}", "error": "\x1b[1Aboom\r\nFAKE LINE", "displayId": f"1{ESCAPES}"}},
    {"wouldHaveDone": [{"action": f"support:CreateCase{ESCAPES}", "description": "open\nFAKE LINE"}]},
    {"wouldHaveDone": [f"just text {ESCAPES}"]},
    {"wouldHaveDone": f"not a list {ESCAPES}"},
    {"case": f"not a mapping {ESCAPES}"},
    {"email": f"sent{ESCAPES}", "chat": "sent\nFAKE LINE", "heldBy": ESCAPES},
    {"scenario": f"high_usage{ESCAPES}", "severity": "\u202eLACITIRC", "outcome": f"processed\x00{ESCAPES}"},
], ids=["reason", "case", "would-have-done", "would-have-done-text", "would-have-done-not-a-list", "case-not-a-mapping",
        "e-mail-and-chat", "scenario-bidi-nul"])
def test_a_forged_decision_event_cannot_write_escapes_or_lines(field: dict[str, Any]) -> None:
    """Anyone allowed events:PutEvents on the default bus can put an event shaped like the stack's: the
    outcome shows its text, but no control character (terminal escape, bidi override) and no line of its own."""
    from drill.cli import describe_outcome

    lines = describe_outcome({**drill_event(TOKEN), **field})
    shown = "\n".join(lines)
    assert not any(unicodedata.category(ch).startswith("C") for line in lines for ch in line), shown
    assert all(line.startswith("  ") for line in lines) and "FAKE LINE" not in [line.strip() for line in lines]
    assert any(word in shown for word in ("raised", "opened", "CreateCase", "just text", "not a list", "not a mapping",
                                          "sent", "high_usage"))


@pytest.mark.parametrize(
    ("alarms", "matches"),
    [(["Cust-Bedrock-Throttles-Critical-model"], True),
     ("xx Cust-Bedrock-Throttles-Critical-model xx", False),  # a forged string, not the processor's list
     (None, False)],
    ids=["list", "forged-string", "missing"])
def test_only_a_list_of_alarm_names_says_the_stack_handled_the_drill_as_real(alarms: Any, matches: bool) -> None:
    event = {"detail": {"outcome": "processed", "alarms": alarms}}
    outcome = wait_for_outcome(iter([event]), "0" * 32, "Cust-Bedrock-Throttles-Critical-model")
    assert (outcome.real is not None) is matches
