"""Fixtures for the fleet tests: a template built from the fact sheet, a moto world with
artifact buckets, a fake clock, and a helper that runs the CLI like a user would."""
from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from fleet.cli import main
from fleet.waiting import Poller
from tests.fakes.core import FakeAws
from tests.fakes.service_quotas import FakeServiceQuotas, bedrock_quota_catalogue
from tests.fleet import faults

FACT_SHEET = Path(__file__).resolve().parents[2] / ".." / "shared" / "spec" / "original-stack.json"
ACCOUNT = "123456789012"
MEMBER_A, MEMBER_B = "111111111111", "222222222222"
OU = "ou-ab12-cdef3456"
ARTIFACTS = ("layer.0123456789abcdef.zip", "functions.fedcba9876543210.zip")
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


def fact_sheet_parameters() -> dict[str, dict[str, Any]]:
    """The 30 parameters of the original stack, as a template's Parameters section."""
    sheet = json.loads(FACT_SHEET.read_text())
    return {p["Name"]: {k: v for k, v in p.items() if k not in ("Name", "Group", "Label")} for p in sheet["Parameters"]}


def template_document() -> dict[str, Any]:
    """Real parameters; two resources moto can create, whose S3 keys are the artifacts."""
    def layer(key: str, suffix: str) -> dict[str, Any]:
        return {"Type": "AWS::Lambda::LayerVersion", "Properties": {
            "LayerName": {"Fn::Sub": "${CustomerName}-" + suffix + "-${BedrockModelName}"},
            "Content": {"S3Bucket": {"Ref": "LambdaS3Bucket"}, "S3Key": key}}}

    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": fact_sheet_parameters(),
        "Resources": {"QuotaUtilsLayer": layer(ARTIFACTS[0], "layer"), "FunctionsLayer": layer(ARTIFACTS[1], "fn")},
    }


BASE_PARAMETERS = {
    "StakeholderEmailList": ["sre@example.com", "oncall@example.com"],
    "LambdaS3Bucket": "artifacts-{region}",
    "BedrockModelId": "global.anthropic.claude-opus-4-6-v1",
    "InferenceProfileType": "System-Defined",
    "TokensPerMinuteQuotaCode": "L-3DCCFAA4",
    "RequestsPerMinuteQuotaCode": "L-3DD46812",
    "UseCaseDescription": "Production chat assistant",
}


def manifest(*deployments: dict[str, Any], defaults: dict[str, Any] | None = None) -> str:
    return json.dumps({"defaults": defaults if defaults is not None else {"parameters": BASE_PARAMETERS, "tags": {"team": "ai-platform"}},
                       "deployments": list(deployments)})


@dataclass
class FakeClock:
    """sleep() advances time and lets the fake world move on; never really sleeps."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)
    on_sleep: list[Callable[[], None]] = field(default_factory=list)
    interrupt_at: int | None = None  # raise KeyboardInterrupt on this sleep call (1-based)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.interrupt_at == len(self.sleeps):
            raise KeyboardInterrupt
        self.now += seconds
        for tick in self.on_sleep:
            tick()

    def clock(self) -> float:
        return self.now


@dataclass
class Result:
    code: int
    output: str


@dataclass
class World:
    tmp: Path
    session: boto3.session.Session
    clock: FakeClock
    template: Path
    aws: FakeAws  # the fakes' hub (Service Quotas): .fault, .calls

    def write(self, text: str, name: str = "fleet.yaml") -> Path:
        path = self.tmp / name
        path.write_text(text)
        return path

    def run(self, *args: str, stdin: str = "", tty: bool = False, timeout: float = 600.0) -> Result:
        out = io.StringIO()
        stream = io.StringIO(stdin)
        stream.isatty = lambda: tty  # type: ignore[method-assign]
        poller = Poller(sleep=self.clock.sleep, clock=self.clock.clock, timeout=timeout)
        code = main([*args, "--template", str(self.template)], session=self.session, poller=poller, stdin=stream, out=out)
        return Result(code, out.getvalue())

    def cfn(self, region: str = "us-east-1") -> Any:
        return self.session.client("cloudformation", region_name=region)

    def stacks(self, region: str = "us-east-1") -> dict[str, str]:
        return {s["StackName"]: s["StackStatus"] for s in self.cfn(region).describe_stacks()["Stacks"]}


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    # Service Quotas (moto lacks bedrock's) for the plan's quota-code check (issue 8).
    quotas = FakeServiceQuotas()
    quotas.add_quotas(bedrock_quota_catalogue())
    with FakeAws([quotas]) as hub, mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        for region in REGIONS:
            s3 = session.client("s3", region_name=region)
            config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            s3.create_bucket(Bucket=f"artifacts-{region}", **config)
            for key in ARTIFACTS:
                s3.put_object(Bucket=f"artifacts-{region}", Key=key, Body=b"PK\x05\x06" + bytes(18))
        faults.service_managed_targets(session)
        faults.comma_lists(session)
        faults.merged_overrides(monkeypatch)
        template = tmp_path / "template.json"
        template.write_text(json.dumps(template_document(), indent=1))
        yield World(tmp_path, session, FakeClock(), template, hub)
