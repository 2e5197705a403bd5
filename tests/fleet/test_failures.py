"""Every way the fleet command fails ends in one line saying what to do (no traceback), and
`apply` records a failed target and goes on with the others. `plan --offline` needs no AWS."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.parsers import ResponseParserError

from fleet.cli import main
from tests.fleet.conftest import World, manifest

ACME = {"customer": "Acme", "model": "Opus", "targets": [{"region": "us-east-1"}]}
BETA = {"customer": "Beta", "model": "Haiku", "targets": [{"region": "us-east-1"}, {"region": "eu-west-1"}]}


def run(*args: str, session: boto3.session.Session | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(args), session=session, out=out)
    return code, out.getvalue()


def assert_one_line(output: str, expected: str) -> None:
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("python -m fleet: error: ") and expected in lines[0], output


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


class NoAws:
    """A session that fails the test if anything asks it for a client."""

    region_name = "us-east-1"

    def client(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"AWS was called: {args}")


def test_plan_offline_validates_without_any_aws_access(world: World, no_credentials: None) -> None:
    path = world.write(manifest(ACME, BETA))
    code, output = run("plan", "--offline", "--manifest", str(path), "--template", str(world.template),
                       session=NoAws())  # type: ignore[arg-type]
    assert code == 0, output
    assert "VALID      bedrock-ops-alert-beta-haiku (stack) this account eu-west-1" in output
    assert "0 problem(s)" in output and "Not checked without AWS: the artifact buckets" in output


def test_plan_offline_reports_every_problem_of_the_manifest(world: World, no_credentials: None) -> None:
    bad = dict(ACME, parameters={"BedrockModelID": "x", "ErrorThreshold": "five"}, targets=[{"region": "us-east-7"}])
    code, output = run("plan", "--offline", "--manifest", str(world.write(manifest(bad))), "--template", str(world.template))
    assert code == 1
    assert "parameters.BedrockModelID: not a parameter of the template. Fix: rename it to `BedrockModelId`" in output
    assert "parameters.ErrorThreshold: 'five' is not a number" in output
    assert "region: region 'us-east-7' does not exist" in output


def test_plan_offline_cannot_read_the_registry_table(world: World) -> None:
    code, output = run("plan", "--offline", "--registry-table", "t", "--template", str(world.template))
    assert code == 2
    assert_one_line(output, "`plan --offline` needs --manifest")


@pytest.mark.parametrize("command", ["plan", "apply", "status"])
def test_missing_manifest_says_to_copy_the_example(world: World, command: str) -> None:
    code, output = run(command, "--manifest", str(world.tmp / "fleet.yaml"), "--template", str(world.template))
    assert code == 2
    assert_one_line(output, f"manifest {world.tmp / 'fleet.yaml'} does not exist: copy the example "
                            f"(cp fleet/examples/fleet.yaml {world.tmp / 'fleet.yaml'})")


def test_missing_template_says_make_package(world: World) -> None:
    code, output = run("plan", "--manifest", str(world.write(manifest(ACME))), "--template", str(world.tmp / "none.yaml"))
    assert code == 2
    assert_one_line(output, "run `make package` first")


BAD_FILES = [  # (id, bytes, what the one line says is wrong)
    ("not-utf8", b"Description: caf\xe9\n", "not UTF-8 text: byte 0xe9 at offset 16"),
    ("broken-yaml", b"Resources: [\n", "not valid YAML: expected the node content, but found '<stream end>' (line 2, column 1)"),
    ("bad-indent", b"a: 1\n b: 2\n", "not valid YAML: mapping values are not allowed here (line 2, column 3)"),
    ("nested-too-deeply", b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", "not valid YAML: nested deeper than the parser's stack"),
    ("a-list", b"- 1\n", "not a template (the document is not a mapping)"),
]


@pytest.mark.parametrize(("content", "wrong"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_a_bad_template_file_is_one_line_naming_it(world: World, content: bytes, wrong: str) -> None:
    template = world.tmp / "template.yaml"
    template.write_bytes(content)
    code, output = run("plan", "--offline", "--manifest", str(world.write(manifest(ACME))), "--template", str(template))
    assert code == 2
    assert_one_line(output, f"cannot read the template {template} ({wrong}): run `make package` first")


@pytest.mark.parametrize(("content", "wrong"), [c[1:] for c in BAD_FILES[:4]], ids=[c[0] for c in BAD_FILES[:4]])
def test_a_bad_manifest_file_is_one_problem_line_naming_it(world: World, content: bytes, wrong: str) -> None:
    path = world.tmp / "fleet.yaml"
    path.write_bytes(content)
    code, output = run("plan", "--offline", "--manifest", str(path), "--template", str(world.template))
    assert code == 1 and "Traceback" not in output
    problems = [line for line in output.splitlines() if line.startswith("  ! ")]
    assert len(problems) == 1 and problems[0].startswith(f"  ! {path}: : {wrong}. Fix: "), output
    assert "Problems (1)" in output


@pytest.mark.parametrize("command", ["plan", "apply", "status"])
def test_no_credentials_is_one_line(world: World, no_credentials: None, command: str) -> None:
    code, output = run(command, "--manifest", str(world.write(manifest(ACME))), "--template", str(world.template),
                       "--region", "us-east-1", session=boto3.session.Session(region_name="us-east-1"))
    assert code == 2
    assert_one_line(output, "no usable AWS credentials")


def test_unknown_profile_is_one_line(world: World) -> None:
    code, output = run("plan", "--manifest", str(world.write(manifest(ACME))), "--template", str(world.template),
                       "--profile", "nonexistent")
    assert code == 2
    assert_one_line(output, "AWS profile 'nonexistent' does not exist")


def test_a_region_that_does_not_exist_is_one_line(world: World) -> None:
    code, output = run("plan", "--manifest", str(world.write(manifest(ACME))), "--template", str(world.template),
                       "--region", "us-east-7", session=world.session)
    assert code == 2
    assert_one_line(output, "region 'us-east-7' does not exist")


def test_missing_registry_table_is_one_line(world: World) -> None:
    code, output = run("plan", "--registry-table", "bedrock-registry", "--template", str(world.template), session=world.session)
    assert code == 2
    assert_one_line(output, "registry table bedrock-registry does not exist in us-east-1: check --registry-table")


def test_debug_shows_the_traceback(world: World) -> None:
    code, output = run("plan", "--manifest", str(world.tmp / "fleet.yaml"), "--template", str(world.template), "--debug")
    assert code == 2
    assert "Traceback (most recent call last)" in output and output.rstrip().splitlines()[-1].startswith("python -m fleet: error:")


def test_an_unparsable_answer_mid_apply_fails_that_target_and_the_others_go_on(world: World) -> None:
    """An HTTP 500 page the SDK cannot parse is not a ClientError; it used to abort the whole run."""
    def broken(params: dict[str, Any], **_: Any) -> None:
        if params["body"].get("StackName") == "bedrock-ops-alert-acme-opus":
            raise ResponseParserError("Unable to parse response (syntax error: line 1, column 0), invalid XML received")

    world.session.events.register("before-call.cloudformation.CreateStack", broken)
    result = world.run("apply", "--manifest", str(world.write(manifest(ACME, BETA))), "--yes")
    assert result.code == 1
    assert "Traceback" not in result.output
    assert "Applied: 2 succeeded, 1 failed" in result.output
    assert ("FAILED BLOCKED    bedrock-ops-alert-acme-opus 123456789012 us-east-1: unexpected answer from AWS "
            "(ResponseParserError: Unable to parse response") in result.output
    assert world.stacks() == {"bedrock-ops-alert-beta-haiku": "CREATE_COMPLETE"}
    assert world.stacks("eu-west-1") == {"bedrock-ops-alert-beta-haiku": "CREATE_COMPLETE"}


def test_a_throttled_status_row_does_not_hide_the_others(world: World) -> None:
    from botocore.exceptions import ClientError

    def throttled(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "DescribeStacks")

    world.session.events.register("before-call.cloudformation.DescribeStacks", throttled)
    result = world.run("status", "--manifest", str(world.write(manifest(ACME))))
    assert result.code == 0, result.output
    assert "UNKNOWN: AWS throttled DescribeStacks (Throttling: Rate exceeded): wait a minute" in result.output


def test_the_template_is_re_uploaded_when_the_object_holds_other_bytes(world: World) -> None:
    """Same key, other bytes (an edited or truncated object): the checksum differs, so upload again."""
    from fleet.artifacts import template_source
    from fleet.aws import Clients
    from fleet.template import TEMPLATE_BODY_LIMIT, template_from_body
    from tests.fleet.conftest import template_document

    document = template_document()
    document["Description"] = "x" * TEMPLATE_BODY_LIMIT
    big = template_from_body(json.dumps(document))
    s3 = world.session.client("s3", region_name="eu-west-1")
    s3.put_object(Bucket="artifacts-eu-west-1", Key=big.s3_key, Body=b"truncated")
    template_source(Clients(world.session), big, "artifacts-eu-west-1", "eu-west-1")
    assert s3.get_object(Bucket="artifacts-eu-west-1", Key=big.s3_key)["Body"].read() == big.body.encode()


@pytest.mark.parametrize("entry", ["fleet.cli", "bundle.publish"])
def test_the_deploying_commands_import_none_of_the_build(entry: str) -> None:
    """`python -m fleet` and make upload/check/deploy read artifact keys, they never build: the build
    machinery (bytecode, the runtime interpreter, the dataclass recorder, troposphere) stays unloaded."""
    import subprocess
    import sys

    loaded = subprocess.run([sys.executable, "-c", f"import sys, {entry}; print(' '.join(sorted(sys.modules)))"],
                            cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, check=True).stdout.split()
    build = ("bundle.artifacts", "bundle.bytecode", "bundle.runtime_python", "bundle.dataclass_code", "troposphere", "templates")
    assert [name for name in loaded if name.startswith(build)] == []
