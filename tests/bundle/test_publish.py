"""`make upload` / `make deploy`: fail fast with one clear line, upload only what is missing."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from bundle import publish

KEYS = ["alarm_updater.0123456789abcdef.zip", "quota_utils_layer.fedcba9876543210.zip"]


@pytest.fixture
def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in KEYS:
        (tmp_path / key).write_bytes(b"zip " + key.encode())
    (tmp_path / "template.yaml").write_text("Resources: {}\n")
    monkeypatch.setattr(publish, "BUILD", tmp_path)
    return tmp_path


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def test_upload_without_a_bucket_says_how(build: Path, capsys: pytest.CaptureFixture) -> None:
    assert publish.main(["upload"]) == 2
    assert "BUCKET is missing: make upload BUCKET=" in capsys.readouterr().err


def test_upload_without_credentials_stops_before_anything(build: Path, no_credentials: None,
                                                          capsys: pytest.CaptureFixture) -> None:
    assert publish.main(["upload", "--bucket", "artifacts"]) == 2
    assert "no AWS credentials" in capsys.readouterr().err


def test_upload_without_artifacts_asks_for_make_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(publish, "BUILD", tmp_path)
    assert publish.main(["upload", "--bucket", "artifacts"]) == 2
    assert "run `make package` first" in capsys.readouterr().err


@mock_aws
def test_upload_to_a_missing_bucket_names_it(build: Path, credentials: None, capsys: pytest.CaptureFixture) -> None:
    assert publish.main(["upload", "--bucket", "nope"]) == 2
    assert "bucket nope does not exist" in capsys.readouterr().err


@mock_aws
def test_upload_puts_every_zip_once_and_skips_keys_already_there(build: Path, credentials: None) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="artifacts")
    assert publish.upload("artifacts", "us-east-1") == sorted(KEYS)
    assert s3.get_object(Bucket="artifacts", Key=KEYS[0])["Body"].read() == (build / KEYS[0]).read_bytes()
    assert publish.upload("artifacts", "us-east-1") == []  # content-addressed: present means identical


@pytest.mark.parametrize("content", [
    [{"ParameterKey": "CustomerName", "ParameterValue": "Acme"},
     {"ParameterKey": "StakeholderEmailList", "ParameterValue": "a@example.com,b@example.com"}],
    {"CustomerName": "Acme", "StakeholderEmailList": ["a@example.com", "b@example.com"]},
    {"Parameters": {"CustomerName": "Acme", "StakeholderEmailList": "a@example.com,b@example.com"}},
], ids=["cloudformation-list", "plain-object", "codepipeline-object"])
def test_parameter_files_in_every_supported_shape(tmp_path: Path, content: object) -> None:
    path = tmp_path / "params.json"
    path.write_text(json.dumps(content))
    assert publish.read_parameters(str(path)) == {"CustomerName": "Acme",
                                                  "StakeholderEmailList": "a@example.com,b@example.com"}


@pytest.mark.parametrize("text,message", [
    (None, "does not exist"),
    ("{not json", "is not valid JSON"),
    ('[{"Key": "x"}]', "need ParameterKey and ParameterValue"),
    ('"a string"', "expected a JSON object"),
], ids=["missing-file", "bad-json", "list-without-keys", "wrong-type"])
def test_bad_parameter_files_are_refused(tmp_path: Path, text: str | None, message: str) -> None:
    path = tmp_path / "params.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(publish.PublishError, match=message):
        publish.read_parameters(str(path))


def test_deploy_command_stages_the_template_and_allows_named_iam(build: Path) -> None:
    command = publish.deploy_command("my-stack", {"CustomerName": "Acme"}, "artifacts", "eu-west-1")
    assert command[:3] == ["aws", "cloudformation", "deploy"]
    assert command[command.index("--capabilities") + 1] == "CAPABILITY_NAMED_IAM"
    assert command[command.index("--s3-bucket") + 1] == "artifacts"
    overrides = command[command.index("--parameter-overrides") + 1:]
    assert overrides == ["CustomerName=Acme", "LambdaS3Bucket=artifacts"]  # the bucket is the default


def test_deploy_without_the_aws_cli_says_so(build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture) -> None:
    params = tmp_path / "p.json"
    params.write_text('{"CustomerName": "Acme"}')
    monkeypatch.setattr(publish.shutil, "which", lambda name: None)
    assert publish.main(["deploy", "--stack", "s", "--params", str(params), "--bucket", "b"]) == 2
    assert "AWS CLI (`aws`) is not installed" in capsys.readouterr().err


def test_deploy_without_a_stack_name_says_how(build: Path, capsys: pytest.CaptureFixture) -> None:
    assert publish.main(["deploy", "--params", "x.json", "--bucket", "b"]) == 2
    assert "STACK is missing" in capsys.readouterr().err
