"""`make check` / `make upload` / `make deploy`: the parameter file is checked against the rendered
template before AWS is touched, every problem is reported together with its fix, the bucket is this
account's and in the stack's region, and upload skips only objects with the same checksum."""
from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bundle import publish
from bundle.artifacts import FUNCTION_NAMES, LAYER_NAME
from templates import build_template

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"  # moto's
BUCKET = "artifacts-us-east-1"

# The original sample's parameter file, as its users keep it (CloudFormation list form): it must
# pass unchanged.
ORIGINAL_SAMPLE = [
    {"ParameterKey": "CustomerName", "ParameterValue": "Acme"},
    {"ParameterKey": "StakeholderEmailList", "ParameterValue": "sre@example.com,oncall@example.com"},
    {"ParameterKey": "BedrockModelName", "ParameterValue": "G-Opus-4-6"},
    {"ParameterKey": "BedrockModelId", "ParameterValue": "global.anthropic.claude-opus-4-6-v1"},
    {"ParameterKey": "InferenceProfileType", "ParameterValue": "System-Defined"},
    {"ParameterKey": "LambdaS3Bucket", "ParameterValue": BUCKET},
    {"ParameterKey": "TokensPerMinuteQuotaCode", "ParameterValue": "L-3DCCFAA4"},
    {"ParameterKey": "RequestsPerMinuteQuotaCode", "ParameterValue": "L-3DD46812"},
    {"ParameterKey": "SupportCaseLookbackDays", "ParameterValue": "60"},
    {"ParameterKey": "NotificationPreference", "ParameterValue": "all"},
]
GOOD = {p["ParameterKey"]: p["ParameterValue"] for p in ORIGINAL_SAMPLE if p["ParameterKey"] != "LambdaS3Bucket"}


def zip_name(name: str) -> tuple[str, bytes]:
    content = b"PK zip of " + name.encode()
    return f"{name}.{hashlib.sha256(content).hexdigest()[:16]}.zip", content


@pytest.fixture(scope="module")
def template_yaml() -> str:
    """The real template naming the zips of ``build`` (rendered once: the text never changes)."""
    return build_template({name: zip_name(name)[0] for name in (*FUNCTION_NAMES, LAYER_NAME)}).to_yaml()


@pytest.fixture
def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template_yaml: str) -> Path:
    """A build/ like `make package` makes: the real template, naming zips that exist beside it."""
    out = tmp_path / "build"
    out.mkdir()
    for name in (*FUNCTION_NAMES, LAYER_NAME):
        key, content = zip_name(name)
        (out / key).write_bytes(content)
    (out / "template.yaml").write_text(template_yaml)
    monkeypatch.setattr(publish, "BUILD", out)
    return out


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails the test if the command so much as creates an AWS session."""
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("AWS was contacted")

    monkeypatch.setattr(publish, "_session", refuse)


def params_file(tmp_path: Path, content: Any) -> str:
    path = tmp_path / "params.json"
    path.write_text(json.dumps(content))
    return str(path)


def bucket(region: str = "us-east-1", name: str = BUCKET) -> Any:
    s3 = boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket=name, **({} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}))
    return s3


# --- the parameter file against the template ----------------------------------------------------

BAD_FILES = [
    ("wrong-name-model-id", {**GOOD, "BedrockModelID": "x"}, "BedrockModelID: not a parameter of the template. Fix: rename it to `BedrockModelId`"),
    ("wrong-name-emails", {**{k: v for k, v in GOOD.items() if k != "StakeholderEmailList"}, "StakeholderEmails": "a@example.com"},
     "StakeholderEmails: not a parameter of the template. Fix: rename it to `StakeholderEmailList`"),
    ("missing-required", {k: v for k, v in GOOD.items() if k != "CustomerName"},
     "CustomerName: missing (the template has no default). Fix: set `CustomerName` in the parameter file"),
    ("not-allowed", {**GOOD, "NotificationPreference": "some"}, "NotificationPreference: 'some' is not allowed. Fix: use one of all, critical, warning"),
    ("pattern", {**GOOD, "CustomerName": "Acme_Co"}, "CustomerName: 'Acme_Co' does not match ^[a-zA-Z0-9-]+$"),
    ("too-long", {**GOOD, "BedrockModelName": "Claude-Opus-4-6-v1"}, "BedrockModelName: is 18 characters long, the maximum is 15"),
    ("not-a-number", {**GOOD, "ErrorThreshold": "five"}, "ErrorThreshold: 'five' is not a number"),
    ("below-minimum", {**GOOD, "LatencyThresholdMs": "1000"}, "LatencyThresholdMs: 1000 is below the minimum. Fix: use at least 15000"),
    ("number-not-allowed", {**GOOD, "SupportCaseLookbackDays": "30"}, "SupportCaseLookbackDays: 30 is not allowed. Fix: use one of 45, 60, 90"),
    ("bad-email", {**GOOD, "StakeholderEmailList": "sre@example.com,bob@"}, "StakeholderEmailList: 'bob@' is not an e-mail address"),
    ("bad-quota-code", {**GOOD, "TokensPerMinuteQuotaCode": "L-123"}, "TokensPerMinuteQuotaCode: 'L-123' is not a Service Quotas code"),
    ("bucket-mismatch", {**GOOD, "LambdaS3Bucket": "other-bucket"},
     "LambdaS3Bucket: is 'other-bucket' but BUCKET is 'artifacts-us-east-1': the zips would go to artifacts-us-east-1"),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
@pytest.mark.parametrize("command", ["check", "deploy"])
def test_bad_parameter_files_fail_before_aws_is_contacted(build: Path, tmp_path: Path, no_aws: None,
                                                          capsys: pytest.CaptureFixture, command: str,
                                                          content: dict[str, str], expected: str) -> None:
    path = params_file(tmp_path, content)
    args = ["--params", path, "--bucket", BUCKET] + (["--stack", "bedrock-ops-alert-acme-g-opus-4-6"] if command == "deploy" else [])
    assert publish.main([command, *args]) == 1
    err = capsys.readouterr().err
    assert f"{path}: {expected}" in err
    assert "AWS was not contacted" in err and "Traceback" not in err


def test_every_problem_is_reported_together(build: Path, tmp_path: Path, no_aws: None, capsys: pytest.CaptureFixture) -> None:
    content = {**GOOD, "BedrockModelID": "x", "ErrorThreshold": "five", "LambdaS3Bucket": "other-bucket"}
    del content["CustomerName"]
    assert publish.main(["check", "--params", params_file(tmp_path, content), "--bucket", BUCKET]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Problems (4): ")
    assert all("Fix: " in line for line in err.splitlines()[1:])


@pytest.mark.parametrize("content", [ORIGINAL_SAMPLE, {**GOOD, "StakeholderEmailList": ["sre@example.com"]},
                                     {"Parameters": GOOD}], ids=["original-list-form", "plain-object", "codepipeline-object"])
def test_the_original_samples_parameter_files_pass_unchanged(build: Path, tmp_path: Path, no_aws: None,
                                                             capsys: pytest.CaptureFixture, content: Any) -> None:
    assert publish.main(["check", "--offline", "--params", params_file(tmp_path, content), "--bucket", BUCKET]) == 0
    declared = len(publish._template().parameters)  # the original's 30, and any this project adds
    assert f"valid against build/template.yaml ({declared} parameters)" in capsys.readouterr().out


@pytest.mark.parametrize(("content", "wrong"), [
    (b"Resources: [\n", "is not valid YAML: expected the node content, but found '<stream end>' (line 2, column 1)"),
    (b"Description: caf\xe9\n", "is not UTF-8 text: byte 0xe9 at offset 16"),
], ids=["broken-yaml", "not-utf8"])
def test_a_damaged_template_is_one_line(build: Path, tmp_path: Path, no_aws: None, capsys: pytest.CaptureFixture,
                                        content: bytes, wrong: str) -> None:
    (build / "template.yaml").write_bytes(content)
    assert publish.main(["check", "--offline", "--params", params_file(tmp_path, ORIGINAL_SAMPLE)]) == 2
    assert capsys.readouterr().err == (f"python -m bundle.publish: error: {build / 'template.yaml'} {wrong}: "
                                       "run `make package` again\n")


def test_the_bucket_may_come_from_the_file_alone(build: Path, tmp_path: Path, no_aws: None) -> None:
    assert publish.main(["check", "--offline", "--params", params_file(tmp_path, ORIGINAL_SAMPLE)]) == 0


def test_no_bucket_at_all_is_a_problem(build: Path, tmp_path: Path, no_aws: None, capsys: pytest.CaptureFixture) -> None:
    assert publish.main(["check", "--offline", "--params", params_file(tmp_path, GOOD)]) == 1
    assert "LambdaS3Bucket: missing: no BUCKET and none in the file. Fix: pass BUCKET=" in capsys.readouterr().err


@pytest.mark.parametrize("content", [
    [{"ParameterKey": "CustomerName", "ParameterValue": "Acme"},
     {"ParameterKey": "StakeholderEmailList", "ParameterValue": "a@example.com,b@example.com"}],
    {"CustomerName": "Acme", "StakeholderEmailList": ["a@example.com", "b@example.com"]},
    {"Parameters": {"CustomerName": "Acme", "StakeholderEmailList": "a@example.com,b@example.com"}},
], ids=["cloudformation-list", "plain-object", "codepipeline-object"])
def test_parameter_files_in_every_supported_shape(tmp_path: Path, content: object) -> None:
    assert publish.read_parameters(params_file(tmp_path, content)) == {"CustomerName": "Acme",
                                                                       "StakeholderEmailList": "a@example.com,b@example.com"}


@pytest.mark.parametrize("text,message", [
    (None, "does not exist"),
    ("{not json", "is not valid JSON"),
    ('[{"Key": "x"}]', "need ParameterKey and ParameterValue"),
    ('"a string"', "expected a JSON object"),
    (b"\xff\xfe[]", "is not valid JSON"),
], ids=["missing-file", "bad-json", "list-without-keys", "wrong-type", "not-utf-8"])
def test_bad_parameter_files_are_refused(tmp_path: Path, text: str | bytes | None, message: str) -> None:
    path = tmp_path / "params.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text)
    with pytest.raises(publish.PublishError, match=message):
        publish.read_parameters(str(path))


# --- upload: the bucket is this account's, in the region; skip only identical objects --------

def test_upload_without_a_bucket_says_how(build: Path, capsys: pytest.CaptureFixture) -> None:
    assert publish.main(["upload"]) == 2
    assert "BUCKET is missing: make upload BUCKET=" in capsys.readouterr().err


def test_upload_without_credentials_is_one_line(build: Path, no_credentials: None, capsys: pytest.CaptureFixture) -> None:
    assert publish.main(["upload", "--bucket", "artifacts"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m bundle.publish: error: no usable AWS credentials") and err.count("\n") == 1


def test_upload_without_artifacts_asks_for_make_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(publish, "BUILD", tmp_path)
    assert publish.main(["upload", "--bucket", "artifacts"]) == 2
    assert "run `make package` first" in capsys.readouterr().err


def test_a_region_that_does_not_exist_is_one_line(build: Path, credentials: None, capsys: pytest.CaptureFixture) -> None:
    assert publish.main(["upload", "--bucket", BUCKET, "--region", "us-east-7"]) == 2
    assert "region 'us-east-7' does not exist" in capsys.readouterr().err


@mock_aws
def test_upload_to_a_missing_bucket_names_it(build: Path, credentials: None, capsys: pytest.CaptureFixture) -> None:
    assert publish.main(["upload", "--bucket", "nope"]) == 2
    assert "bucket nope does not exist" in capsys.readouterr().err


@mock_aws
def test_upload_to_a_bucket_in_another_region_is_refused(build: Path, credentials: None, capsys: pytest.CaptureFixture) -> None:
    bucket("eu-west-1", "artifacts-eu-west-1")
    assert publish.main(["upload", "--bucket", "artifacts-eu-west-1", "--region", "us-east-1"]) == 2
    assert "bucket artifacts-eu-west-1 is in eu-west-1, the stack in us-east-1" in capsys.readouterr().err


@mock_aws
def test_upload_puts_every_zip_and_skips_only_identical_objects(build: Path, credentials: None) -> None:
    s3 = bucket()
    keys = sorted(p.name for p in build.glob("*.zip"))
    assert publish.upload(BUCKET, "us-east-1") == keys
    head = s3.head_object(Bucket=BUCKET, Key=keys[0], ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"]  # stored, so the next upload compares checksums
    assert publish.upload(BUCKET, "us-east-1") == []
    s3.put_object(Bucket=BUCKET, Key=keys[0], Body=b"truncated")  # same key, other bytes
    assert publish.upload(BUCKET, "us-east-1") == [keys[0]]
    assert s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == (build / keys[0]).read_bytes()


@mock_aws
def test_an_object_without_a_checksum_is_compared_by_size_and_etag(build: Path, credentials: None) -> None:
    s3 = bucket()
    key = min(p.name for p in build.glob("*.zip"))
    s3.put_object(Bucket=BUCKET, Key=key, Body=(build / key).read_bytes())  # uploaded by hand: no checksum
    assert key not in publish.upload(BUCKET, "us-east-1")


@mock_aws
def test_every_bucket_request_expects_this_account_as_owner(build: Path, credentials: None) -> None:
    bucket()
    seen: list[tuple[str, str | None]] = []
    original = boto3.session.Session.client

    def client(self: Any, *args: Any, **kwargs: Any) -> Any:
        made = original(self, *args, **kwargs)
        made.meta.events.register("provide-client-params.s3.*",
                                  lambda params, model, **_: seen.append((model.name, params.get("ExpectedBucketOwner"))))
        return made

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(boto3.session.Session, "client", client)
        publish.upload(BUCKET, "us-east-1")
    assert {name for name, _ in seen} >= {"HeadBucket", "HeadObject", "PutObject"}
    assert {owner for _, owner in seen} == {ACCOUNT}


# --- check and deploy against AWS (read-only until the problems are none) ----------------------

@mock_aws
def test_check_finds_the_zips_missing_from_the_bucket(build: Path, tmp_path: Path, credentials: None,
                                                      capsys: pytest.CaptureFixture) -> None:
    bucket()
    assert publish.main(["check", "--params", params_file(tmp_path, GOOD), "--bucket", BUCKET]) == 1
    assert f"s3://{BUCKET}/ lacks (or holds other bytes for)" in capsys.readouterr().err
    publish.upload(BUCKET, "us-east-1")
    assert publish.main(["check", "--params", params_file(tmp_path, GOOD), "--bucket", BUCKET]) == 0
    assert "ready to deploy" in capsys.readouterr().out


@mock_aws
def test_deploy_to_a_bucket_in_another_region_writes_nothing(build: Path, tmp_path: Path, credentials: None,
                                                             monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    s3 = bucket("eu-west-1", "artifacts-eu-west-1")
    monkeypatch.setattr(publish.subprocess, "call", lambda command: pytest.fail("deployed"))
    code = publish.main(["deploy", "--stack", "s", "--params", params_file(tmp_path, GOOD), "--bucket", "artifacts-eu-west-1",
                         "--region", "us-east-1"])
    assert code == 1
    assert "bucket artifacts-eu-west-1 is in eu-west-1, the stack in us-east-1" in capsys.readouterr().err
    assert "Contents" not in s3.list_objects_v2(Bucket="artifacts-eu-west-1")


@mock_aws
def test_deploy_uploads_then_echoes_a_command_that_can_be_copied(build: Path, tmp_path: Path, credentials: None,
                                                                 monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    bucket()
    ran: list[list[str]] = []
    monkeypatch.setattr(publish.subprocess, "call", lambda command: ran.append(command) or 0)
    content = {**GOOD, "UseCaseDescription": "Chat assistant; answers 'billing' questions"}
    assert publish.main(["deploy", "--stack", "bedrock-ops-alert-acme-g-opus-4-6", "--params", params_file(tmp_path, content),
                         "--bucket", BUCKET]) == 0
    out = capsys.readouterr().out
    echoed = next(line for line in out.splitlines() if line.startswith("$ "))[2:]
    assert shlex.split(echoed) == ran[0]  # shell-quoted: pasting it runs exactly this
    assert "UseCaseDescription=Chat assistant; answers 'billing' questions" in ran[0]
    assert f"LambdaS3Bucket={BUCKET}" in ran[0]
    assert out.count("uploaded") == 5


def test_deploy_command_stages_the_template_and_allows_named_iam(build: Path) -> None:
    command = publish.deploy_command("my-stack", {"CustomerName": "Acme"}, "artifacts", "eu-west-1", execute=False)
    assert command[:3] == ["aws", "cloudformation", "deploy"]
    assert command[command.index("--capabilities") + 1] == "CAPABILITY_NAMED_IAM"
    assert command[command.index("--s3-bucket") + 1] == "artifacts"
    assert "--no-execute-changeset" in command
    overrides = command[command.index("--parameter-overrides") + 1:]
    assert overrides == ["CustomerName=Acme", "LambdaS3Bucket=artifacts"]  # the bucket is the default


def test_deploy_without_the_aws_cli_says_so(build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(publish.shutil, "which", lambda name: None)
    assert publish.main(["deploy", "--stack", "s", "--params", params_file(tmp_path, GOOD), "--bucket", BUCKET]) == 2
    assert "AWS CLI (`aws`) is not installed" in capsys.readouterr().err


def test_deploy_without_a_stack_name_says_how(build: Path, capsys: pytest.CaptureFixture) -> None:
    assert publish.main(["deploy", "--params", "x.json", "--bucket", "b"]) == 2
    assert "STACK is missing" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["upload", "--bucket", BUCKET], ["check", "--params", "{tmp}/p.json", "--bucket", BUCKET]],
                         ids=["upload", "check"])
def test_an_unknown_profile_is_one_line_not_a_traceback(tmp_path: Path, argv: list[str]) -> None:
    """In a subprocess, as `make` runs it: the profile is read lazily, deep inside boto3."""
    (tmp_path / "p.json").write_text(json.dumps(ORIGINAL_SAMPLE))
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_PROFILE": "nonexistent", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": str(tmp_path / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials")}
    result = subprocess.run([sys.executable, "-m", "bundle.publish", *argv], cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("python -m bundle.publish: error: AWS profile 'nonexistent' does not exist")
