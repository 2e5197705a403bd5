"""`make mute` / `make unmute` against CloudFormation and SSM in moto: the stack's own mute parameter,
a document the processor honours, and one clear line for every bad input or AWS refusal."""
from __future__ import annotations

import io
import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest

from bundle.cli_errors import EXIT_FAILED
from mute.cli import main, parse_duration
from ops_alert.mute import parse_mute
from tests.fakes import StandardFakes
from tests.functional import rendered

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
NAME = "/Acme/bedrock/quota-monitoring/G-Opus-4-6/mute"


def _stack_template(with_output: bool = True) -> str:
    """The template's own MuteParameter resource and output (as rendered), with the two parameters they use."""
    resources = rendered.resources()
    template: dict[str, Any] = {
        "Parameters": {"CustomerName": {"Type": "String"}, "BedrockModelName": {"Type": "String"}},
        "Resources": {"MuteParameter": resources["MuteParameter"]},
    }
    if with_output:
        template["Outputs"] = {"MuteParameter": {"Value": resources["MuteParameter"]["Properties"]["Name"]}}
    return json.dumps(template)


@pytest.fixture
def stack(aws: StandardFakes) -> str:
    boto3.client("cloudformation").create_stack(
        StackName="acme-opus", TemplateBody=_stack_template(),
        Parameters=[{"ParameterKey": "CustomerName", "ParameterValue": "Acme"},
                    {"ParameterKey": "BedrockModelName", "ParameterValue": "G-Opus-4-6"}])
    assert _value() == "off"  # as the template creates it
    return "acme-opus"


def _value(name: str = NAME) -> str:
    return str(boto3.client("ssm").get_parameter(Name=name)["Parameter"]["Value"])


def run(*args: str, now: datetime = NOW) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err, now=now)
    return code, out.getvalue(), err.getvalue()


def test_mute_writes_a_document_the_processor_honours(stack: str) -> None:
    code, out, err = run("on", "--stack", stack, "--for", "24h", "--reason", "planned load test")
    assert (code, err) == (0, "")
    assert "Muted stack acme-opus until 2026-12-02 12:00 UTC (for 1d)" in out and "held for every alert;" in out
    assert "make unmute STACK=acme-opus" in out
    document = json.loads(_value())
    assert (document["until"], document["reason"], document["scope"]) == ("2026-12-02T12:00:00Z", "planned load test", ["all"])
    assert document["setBy"].startswith("arn:aws:") and document["setAt"] == "2026-12-01T12:00:00Z"
    mute = parse_mute(_value(), NOW + timedelta(hours=23)).mute
    assert mute is not None and mute.reason == "planned load test"
    assert parse_mute(_value(), NOW + timedelta(hours=24)).mute is None  # and it ends by itself


def test_unmute_writes_off(stack: str) -> None:
    _, out, _ = run("on", "--stack", stack, "--for", "2d", "--reason", "x", "--scope", "quota")
    assert json.loads(_value())["scope"] == ["quota"]
    assert "held for quota alerts (a CRITICAL investigation alarm among them breaks through)" in out
    code, out, err = run("off", "--stack", stack)
    assert (code, err, _value()) == (0, "", "off")
    assert "Unmuted stack acme-opus" in out


def test_a_stack_without_the_output_is_found_by_its_resource(aws: StandardFakes) -> None:
    boto3.client("cloudformation").create_stack(
        StackName="older", TemplateBody=_stack_template(with_output=False),
        Parameters=[{"ParameterKey": "CustomerName", "ParameterValue": "Acme"},
                    {"ParameterKey": "BedrockModelName", "ParameterValue": "G-Opus-4-6"}])
    assert run("on", "--stack", "older", "--for", "30m", "--reason", "x")[0] == 0
    assert json.loads(_value())["until"] == "2026-12-01T12:30:00Z"


DURATIONS = [("30m", timedelta(minutes=30)), ("4h", timedelta(hours=4)), ("2d", timedelta(days=2)),
             ("1d12h", timedelta(days=1, hours=12)), (" 90M ", timedelta(minutes=90)), ("14d", timedelta(days=14)),
             ("0000001h", timedelta(hours=1)), ("20159m", timedelta(days=13, hours=23, minutes=59))]


@pytest.mark.parametrize(("text", "length"), DURATIONS, ids=[d[0].strip() for d in DURATIONS])
def test_durations(text: str, length: timedelta) -> None:
    assert parse_duration(text) == length


BAD = [
    ("unparsable-for", ["on", "--for", "tomorrow", "--reason", "x"], "FOR='tomorrow' is not a duration: use minutes, hours or days"),
    ("weeks", ["on", "--for", "2w", "--reason", "x"], "FOR='2w' is not a duration"),
    ("bare-number", ["on", "--for", "30", "--reason", "x"], "FOR='30' is not a duration"),
    ("beyond-max", ["on", "--for", "15d", "--reason", "x"], "FOR='15d' is 15d: a mute lasts from 1 minute to 14 days"),
    ("zero", ["on", "--for", "0m", "--reason", "x"], "a mute lasts from 1 minute"),
    ("no-for", ["on", "--reason", "x"], "FOR is missing: make mute STACK=<stack> FOR=24h"),
    ("no-reason", ["on", "--for", "1h"], "REASON is missing"),
    ("long-reason", ["on", "--for", "1h", "--reason", "x" * 201], "REASON has 201 characters: at most 200"),
    ("unknown-scope", ["on", "--for", "1h", "--reason", "x", "--scope", "latency"], "SCOPE='latency': unknown scope 'latency'"),
    ("huge-number", ["on", "--for", "99999999999999999999d", "--reason", "x"],
     "FOR='99999999999999999999d' is more than 14d: a mute lasts from 1 minute to 14 days"),
    ("thousand-digits", ["on", "--for", "9" * 1000 + "m", "--reason", "x"], "is more than 14d: a mute lasts from 1 minute"),
    ("many-parts", ["on", "--for", "999999d" * 2000, "--reason", "x"], "is 1999998000d: a mute lasts from 1 minute"),
    ("just-over", ["on", "--for", "14d1m", "--reason", "x"], "FOR='14d1m' is 14d 1m: a mute lasts"),
    ("unit-first", ["on", "--for", "h4", "--reason", "x"], "FOR='h4' is not a duration"),
    ("two-units", ["on", "--for", "4hm", "--reason", "x"], "FOR='4hm' is not a duration"),
]


@pytest.mark.parametrize(("args", "line"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_and_writes_nothing(stack: str, args: list[str], line: str) -> None:
    code, out, err = run(*args[:1], "--stack", stack, *args[1:])
    assert code == EXIT_FAILED and out == "" and len(err.splitlines()) == 1
    assert err.startswith("make mute: error: ") and line in err
    assert _value() == "off"


def test_an_unknown_stack_is_one_line(aws: StandardFakes) -> None:
    code, _, err = run("on", "--stack", "nope", "--for", "1h", "--reason", "x")
    assert code == EXIT_FAILED
    assert err == "make mute: error: stack 'nope' does not exist in us-east-1: check STACK and REGION\n"
    assert run("off", "--stack", "nope")[2] == "make unmute: error: stack 'nope' does not exist in us-east-1: check STACK and REGION\n"


@pytest.mark.parametrize(("service", "operation", "code", "says"), [
    ("ssm", "PutParameter", "AccessDeniedException", "not allowed to call PutParameter (AccessDeniedException"),
    ("cloudformation", "DescribeStacks", "AccessDeniedException", "not allowed to call DescribeStacks"),
    ("ssm", "PutParameter", "ThrottlingException", "AWS throttled PutParameter (ThrottlingException"),
    ("cloudformation", "DescribeStacks", "Throttling", "AWS throttled DescribeStacks"),
], ids=["denied-put", "denied-describe", "throttled-put", "throttled-describe"])
def test_aws_refusals_are_one_line(stack: str, fault: Any, service: str, operation: str, code: str, says: str) -> None:
    fault.fail(service, operation, code)
    status, _, err = run("on", "--stack", stack, "--for", "1h", "--reason", "x")
    assert status == EXIT_FAILED and len(err.splitlines()) == 1 and says in err and "Traceback" not in err
    assert _value() == "off"


def test_debug_adds_the_traceback(stack: str, fault: Any) -> None:
    fault.fail("ssm", "PutParameter", "AccessDeniedException")
    _, _, err = run("off", "--stack", stack, "--debug")
    assert "Traceback" in err and err.splitlines()[-1].startswith("make unmute: error: not allowed to call PutParameter")


def test_make_mute_passes_a_reason_with_quotes_safely() -> None:
    """The Makefile hands REASON over through the environment: quotes reach the command as typed."""
    made = subprocess.run(["make", "-s", "-n", "mute", "STACK=s", "FOR=1h", "REASON=it's a \"test\"; rm -rf /"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    assert '--reason "$MUTE_REASON"' in made.stdout and "rm -rf" not in made.stdout


def test_unmute_without_a_stack_is_one_line_before_any_aws_call() -> None:
    def no_aws(service: str) -> Any:
        raise AssertionError(f"AWS was called: {service}")

    out, err = io.StringIO(), io.StringIO()
    assert main(["off", "--stack", "  "], out=out, err=err, client=no_aws) == EXIT_FAILED
    assert out.getvalue() == ""
    assert err.getvalue() == ('make unmute: error: STACK is missing: make mute STACK=<stack> FOR=24h '
                              'REASON="planned load test" (make unmute STACK=<stack>)\n')


def test_a_document_the_processor_would_not_honour_is_never_written(stack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last check before PutParameter: the processor's own reading of the document (here a broken writer)."""
    import mute.cli

    monkeypatch.setattr(mute.cli, "mute_document", lambda *args: '{"until": "soon"}')
    code, out, err = run("on", "--stack", stack, "--for", "1h", "--reason", "x")
    assert (code, out) == (EXIT_FAILED, "")
    assert err == ("make mute: error: the mute document would not be honoured by the processor: SSM parameter mute has "
                   "no 'until' UTC timestamp with offset (e.g. 2026-12-02T08:00:00Z): not muted\n")
    assert _value() == "off"
