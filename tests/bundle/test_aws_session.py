"""The operator commands' AWS session (bundle/aws_session.py): make mute, make unmute, make drill and
make quota-codes each say in one line that the region is missing or does not exist, before any call."""
from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from bundle.aws_session import session_clients
from drill.cli import main as drill
from mute.cli import main as mute
from quota_lookup.cli import main as quota_codes

Command = Callable[[list[str], io.StringIO], int]
COMMANDS: list[tuple[str, Command, str, str]] = [  # (id, run with extra arguments, prefix, suffix of the line)
    ("mute", lambda extra, err: mute(["on", "--stack", "s", "--for", "1h", "--reason", "x", *extra], err=err),
     "make mute: error: ", ""),
    ("unmute", lambda extra, err: mute(["off", "--stack", "s", *extra], err=err), "make unmute: error: ", ""),
    ("drill", lambda extra, err: drill(["--stack", "s", *extra], err=err), "make drill: error: ", ""),
    ("quota-codes", lambda extra, err: quota_codes(["--model", "m", *extra], err=err), "quota-codes: error: ",
     "; or work offline with QUOTAS=<saved listing>"),
]
NO_REGION = {
    "mute": "no AWS region: pass REGION=us-east-1 (or set AWS_REGION)",
    "unmute": "no AWS region: pass REGION=us-east-1 (or set AWS_REGION)",
    "drill": "no AWS region: pass REGION=us-east-1 (or set AWS_REGION)",
    "quota-codes": "no AWS region: pass REGION=us-east-1 (or --region), or set AWS_REGION",
}


@pytest.fixture
def no_aws_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.parametrize(("command", "prefix", "suffix", "no_region"), [(c[1], c[2], c[3], NO_REGION[c[0]]) for c in COMMANDS],
                         ids=[c[0] for c in COMMANDS])
def test_no_region_is_one_line(no_aws_config: None, command: Command, prefix: str, suffix: str, no_region: str) -> None:
    err = io.StringIO()
    assert command([], err) == 2
    assert err.getvalue() == f"{prefix}{no_region}{suffix}\n"


@pytest.mark.parametrize(("command", "prefix", "suffix"), [c[1:] for c in COMMANDS], ids=[c[0] for c in COMMANDS])
def test_a_region_that_does_not_exist_is_one_line(no_aws_config: None, command: Command, prefix: str, suffix: str) -> None:
    err = io.StringIO()
    assert command(["--region", "us-east-7"], err) == 2
    line = err.getvalue()
    assert line.startswith(f"{prefix}region 'us-east-7' does not exist") and line.endswith(f"{suffix}\n")
    assert "did you mean us-east-2 or us-east-1" in line and line.count("\n") == 1


def test_each_service_gets_one_client(no_aws_config: None) -> None:
    """One client per service, made on first use (a client costs milliseconds and an endpoint lookup)."""
    client = session_clients("eu-west-1", None)
    assert client("ssm") is client("ssm")
    assert client("ssm") is not client("cloudformation")
    assert client("ssm").meta.region_name == "eu-west-1"
