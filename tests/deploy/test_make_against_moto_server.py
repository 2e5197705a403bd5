"""The README's deploy commands as a user runs them: `make upload|check|deploy|plan` with the real
AWS CLI (the `awscli` package) and boto3, both pointed by AWS_ENDPOINT_URL at a moto server this
module starts on 127.0.0.1 (a free port; stopped at the end).

What the server received is read from moto's own request recorder (MOTO_ENABLE_RECORDING: one
JSON line per request the server handled), so "fails before any request reaches AWS" is proven
by the recording not growing.

moto's CloudFormation cannot run this template's Lambda-backed custom resources, so `make deploy`
runs with NO_EXECUTE=1: the test stops at the change set (parameters, capabilities, staged
template URL), which is everything this project hands to CloudFormation.

`make -o package`: `make test` has just built build/, and other tests read those zips while this
module runs; rebuilding them here would rewrite files under their feet.
"""
from __future__ import annotations

import base64
import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
ACCOUNT = "123456789012"  # moto's default account
BUCKET = "artifacts-e2e-us-east-1"
OTHER_REGION_BUCKET = "artifacts-e2e-eu-west-1"
STACK = "bedrock-ops-alert-acme-g-opus-4-6"
GOOD = {
    "CustomerName": "Acme",
    "StakeholderEmailList": "sre@example.com,oncall@example.com",
    "BedrockModelName": "G-Opus-4-6",
    "BedrockModelId": "global.anthropic.claude-opus-4-6-v1",
    "NotificationPreference": "critical",
}

pytestmark = pytest.mark.skipif(not (BUILD / "template.yaml").is_file(), reason="needs `make package` (make test runs it first)")


@dataclass
class Server:
    endpoint: str
    recording: Path
    home: Path

    def requests(self) -> list[dict[str, Any]]:
        """Every request the server handled so far, oldest first."""
        if not self.recording.exists():
            return []
        return [json.loads(line) for line in self.recording.read_text().splitlines() if line.strip()]

    def env(self, **changes: str | None) -> dict[str, str]:
        """A clean environment: no user AWS config, test credentials, the endpoint for CLI and boto3."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE", "MFLAGS"))}
        env.update({
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",  # the venv's `aws`
            "HOME": str(self.home),
            "AWS_CONFIG_FILE": str(self.home / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.home / "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_ENDPOINT_URL": self.endpoint,
        })
        for key, value in changes.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def make(self, *args: str, **env: str | None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["make", "--no-print-directory", "-o", "package", *args], cwd=ROOT, env=self.env(**env),
                              capture_output=True, text=True, timeout=180, check=False)

    def aws(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["aws", *args], env=self.env(), capture_output=True, text=True, timeout=60, check=True)

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                     region_name=region).client(service, endpoint_url=self.endpoint)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("moto-server")
    port = _free_port()
    recording = tmp / "requests.jsonl"
    env = {**os.environ, "MOTO_ENABLE_RECORDING": "true", "MOTO_RECORDER_FILEPATH": str(recording)}
    log = (tmp / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/data.json", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto server did not start: {(tmp / 'server.log').read_text()}") from None
                time.sleep(0.1)
        # `localhost`, not the IP: moto's CloudFormation reads a TemplateURL from its own S3 only
        # when the URL says localhost (path-style), which is what the AWS CLI stages.
        yield Server(f"http://localhost:{port}", recording, tmp)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def buckets(server: Server) -> None:
    """Created with the real AWS CLI, as the README tells users to."""
    server.aws("s3", "mb", f"s3://{BUCKET}", "--region", "us-east-1")
    server.aws("s3", "mb", f"s3://{OTHER_REGION_BUCKET}", "--region", "eu-west-1")


@pytest.fixture(scope="module")
def uploaded(server: Server, buckets: None) -> subprocess.CompletedProcess[str]:
    before = len(server.requests())
    result = server.make("upload", f"BUCKET={BUCKET}", "REGION=us-east-1")
    result.requests = server.requests()[before:]  # type: ignore[attr-defined]
    return result


def _header(request: dict[str, Any], name: str) -> str | None:
    return next((v for k, v in request["headers"].items() if k.lower() == name.lower()), None)


def _form(request: dict[str, Any]) -> dict[str, list[str]]:
    body = request.get("body") or ""
    if request.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    return parse_qs(body)


def _params_file(tmp: Path, content: Any, name: str = "params.json") -> str:
    path = tmp / name
    path.write_text(json.dumps(content))
    return str(path)


def _one_line_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if not line.startswith("make: ***")]
    assert len(errors) == 1 and expected in errors[0], result.stderr


# --- make upload --------------------------------------------------------------------------------

def test_make_upload_puts_every_zip_with_its_checksum_and_the_owner_expected(server: Server,
                                                                              uploaded: subprocess.CompletedProcess[str]) -> None:
    assert uploaded.returncode == 0, uploaded.stderr
    zips = sorted(p.name for p in BUILD.glob("*.zip"))
    s3 = server.client("s3")
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]) == zips
    for key in zips:
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == (BUILD / key).read_bytes()
    puts = [r for r in uploaded.requests if r["method"] == "PUT"]  # type: ignore[attr-defined]
    assert len(puts) == len(zips)
    assert {_header(r, "x-amz-expected-bucket-owner") for r in puts} == {ACCOUNT}
    assert all(_header(r, "x-amz-checksum-sha256") for r in puts)


def test_make_upload_again_skips_identical_objects_and_replaces_a_changed_one(server: Server,
                                                                               uploaded: subprocess.CompletedProcess[str]) -> None:
    key = min(p.name for p in BUILD.glob("*.zip"))
    server.client("s3").put_object(Bucket=BUCKET, Key=key, Body=b"not the zip")  # same key, other bytes
    before = len(server.requests())
    again = server.make("upload", f"BUCKET={BUCKET}", "REGION=us-east-1")
    assert again.returncode == 0, again.stderr
    assert f"s3://{BUCKET}/{key}  uploaded" in again.stdout
    assert again.stdout.count("already present (same SHA-256)") == len(list(BUILD.glob("*.zip"))) - 1
    assert [r["url"].rsplit("/", 1)[-1] for r in server.requests()[before:] if r["method"] == "PUT"] == [key]


def test_make_upload_refuses_a_bucket_in_another_region(server: Server, buckets: None) -> None:
    before = len(server.requests())
    result = server.make("upload", f"BUCKET={OTHER_REGION_BUCKET}", "REGION=us-east-1")
    _one_line_error(result, f"bucket {OTHER_REGION_BUCKET} is in eu-west-1, the stack in us-east-1")
    assert not [r for r in server.requests()[before:] if r["method"] == "PUT"]


# --- make check / make deploy -------------------------------------------------------------------

def test_make_check_passes_the_good_file_after_upload(server: Server, uploaded: subprocess.CompletedProcess[str],
                                                      tmp_path: Path) -> None:
    result = server.make("check", f"PARAMS={_params_file(tmp_path, GOOD)}", f"BUCKET={BUCKET}", "REGION=us-east-1")
    assert result.returncode == 0, result.stderr
    assert "ready to deploy" in result.stdout


def test_make_deploy_reaches_cloudformation_with_the_expected_change_set(server: Server, tmp_path: Path,
                                                                         uploaded: subprocess.CompletedProcess[str]) -> None:
    """The original sample's list form of the parameter file; LambdaS3Bucket comes from BUCKET."""
    listed = [{"ParameterKey": k, "ParameterValue": v} for k, v in GOOD.items()]
    before = len(server.requests())
    result = server.make("deploy", f"STACK={STACK}", f"PARAMS={_params_file(tmp_path, listed)}", f"BUCKET={BUCKET}",
                         "REGION=us-east-1", "NO_EXECUTE=1")
    assert result.returncode == 0, result.stdout + result.stderr
    echoed = next(line[2:] for line in result.stdout.splitlines() if line.startswith("$ aws cloudformation deploy"))
    assert "--no-execute-changeset" in shlex.split(echoed)

    received = [r for r in server.requests()[before:] if _form(r).get("Action") == ["CreateChangeSet"]]
    assert len(received) == 1
    form = _form(received[0])
    assert "aws-cli/" in (_header(received[0], "User-Agent") or "")  # the real CLI sent it
    assert form["StackName"] == [STACK] and form["ChangeSetType"] == ["CREATE"]
    assert form["Capabilities.member.1"] == ["CAPABILITY_NAMED_IAM"]
    url = form["TemplateURL"][0]
    assert url.startswith(f"{server.endpoint}/{BUCKET}/templates/") and url.endswith(".template")
    staged = server.client("s3").get_object(Bucket=BUCKET, Key=url.split(f"/{BUCKET}/", 1)[1])["Body"].read()
    assert staged == (BUILD / "template.yaml").read_bytes()

    cfn = server.client("cloudformation")
    [summary] = cfn.list_change_sets(StackName=STACK)["Summaries"]
    change_set = cfn.describe_change_set(StackName=STACK, ChangeSetName=summary["ChangeSetName"])
    assert {p["ParameterKey"]: p["ParameterValue"] for p in change_set["Parameters"]} == {**GOOD, "LambdaS3Bucket": BUCKET}
    assert change_set["ExecutionStatus"] == "AVAILABLE"  # stopped at the change set (see the module docstring)


BAD_FILES = [
    ("wrong-names", {**{k: v for k, v in GOOD.items() if k not in ("BedrockModelId", "StakeholderEmailList")},
                     "BedrockModelID": "amazon.nova-pro-v1:0", "StakeholderEmails": "sre@example.com"},
     ["BedrockModelID: not a parameter of the template. Fix: rename it to `BedrockModelId`",
      "StakeholderEmails: not a parameter of the template. Fix: rename it to `StakeholderEmailList`",
      "StakeholderEmailList: missing (the template has no default)"]),
    ("missing-required", {k: v for k, v in GOOD.items() if k != "CustomerName"},
     ["CustomerName: missing (the template has no default). Fix: set `CustomerName` in the parameter file"]),
    ("not-an-allowed-value", {**GOOD, "NotificationPreference": "everything"},
     ["NotificationPreference: 'everything' is not allowed. Fix: use one of all, critical, warning"]),
    ("pattern", {**GOOD, "CustomerName": "Acme Corp"}, ["CustomerName: 'Acme Corp' does not match ^[a-zA-Z0-9-]+$"]),
    ("bucket-mismatch", {**GOOD, "LambdaS3Bucket": OTHER_REGION_BUCKET},
     [f"LambdaS3Bucket: is '{OTHER_REGION_BUCKET}' but BUCKET is '{BUCKET}'"]),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
@pytest.mark.parametrize("target", ["check", "deploy"])
def test_bad_parameter_files_fail_before_any_request_reaches_the_server(server: Server, tmp_path: Path, target: str,
                                                                        content: dict[str, str], expected: list[str]) -> None:
    path = _params_file(tmp_path, content)
    before = len(server.requests())
    result = server.make(target, f"STACK={STACK}", f"PARAMS={path}", f"BUCKET={BUCKET}", "REGION=us-east-1")
    assert result.returncode != 0
    for text in expected:
        assert f"{path}: {text}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert len(server.requests()) == before  # the recording did not grow: nothing reached AWS


# --- one line for every failure, before any request --------------------------------------------

@pytest.mark.parametrize(("env", "variables", "expected"), [
    ({"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}, ["REGION=us-east-1"], "no usable AWS credentials"),
    ({"AWS_PROFILE": "nonexistent"}, ["REGION=us-east-1"], "AWS profile 'nonexistent' does not exist"),
    ({}, ["REGION=us-east-7"], "region 'us-east-7' does not exist"),
    ({"AWS_REGION": None, "AWS_DEFAULT_REGION": None}, ["REGION="], "no AWS region: pass REGION=us-east-1"),
], ids=["no-credentials", "bad-profile", "region-that-does-not-exist", "no-region"])
def test_make_upload_fails_in_one_line_without_reaching_the_server(server: Server, env: dict[str, str | None],
                                                                   variables: list[str], expected: str) -> None:
    before = len(server.requests())
    result = server.make("upload", f"BUCKET={BUCKET}", *variables, **env)
    _one_line_error(result, expected)
    assert len(server.requests()) == before


def test_an_unreachable_endpoint_is_one_line(server: Server) -> None:
    result = server.make("upload", f"BUCKET={BUCKET}", "REGION=us-east-1", AWS_ENDPOINT_URL=f"http://127.0.0.1:{_free_port()}")
    _one_line_error(result, "cannot reach AWS")


def test_debug_shows_the_traceback(server: Server) -> None:
    result = server.make("upload", f"BUCKET={BUCKET}", "REGION=us-east-1", "DEBUG=1", AWS_PROFILE="nonexistent")
    assert result.returncode != 0 and "Traceback (most recent call last)" in result.stderr


# --- the fleet through make ---------------------------------------------------------------------

def _manifest(tmp: Path) -> str:
    path = tmp / "fleet.yaml"
    path.write_text(json.dumps({
        "defaults": {"parameters": {
            "StakeholderEmailList": ["sre@example.com"], "LambdaS3Bucket": "artifacts-e2e-{region}",
            "BedrockModelId": "global.anthropic.claude-opus-4-6-v1", "InferenceProfileType": "System-Defined",
            "TokensPerMinuteQuotaCode": "L-3DCCFAA4", "RequestsPerMinuteQuotaCode": "L-3DD46812",
            "UseCaseDescription": "Chat assistant"}},
        "deployments": [{"customer": "Beta", "model": "Haiku", "targets": [{"region": "us-east-1"}]}]}))
    return str(path)


def test_make_plan_without_the_manifest_says_to_copy_the_example(server: Server, tmp_path: Path) -> None:
    before = len(server.requests())
    result = server.make("plan", f"MANIFEST={tmp_path / 'fleet.yaml'}", "REGION=us-east-1")
    _one_line_error(result, f"manifest {tmp_path / 'fleet.yaml'} does not exist: copy the example (cp fleet/examples/fleet.yaml")
    assert len(server.requests()) == before


def test_make_plan_offline_needs_no_aws(server: Server, tmp_path: Path) -> None:
    before = len(server.requests())
    result = server.make("plan", f"MANIFEST={_manifest(tmp_path)}", "FLEET_ARGS=--offline",
                         AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID      bedrock-ops-alert-beta-haiku (stack) this account us-east-1" in result.stdout
    assert len(server.requests()) == before


def test_make_plan_reads_the_server_and_plans_a_create(server: Server, tmp_path: Path,
                                                       uploaded: subprocess.CompletedProcess[str]) -> None:
    result = server.make("plan", f"MANIFEST={_manifest(tmp_path)}", "REGION=us-east-1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"CREATE     bedrock-ops-alert-beta-haiku (stack) {ACCOUNT} us-east-1" in result.stdout
