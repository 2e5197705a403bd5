"""The one error boundary of every command: one line saying what to do, non-zero exit, the
traceback only with --debug."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from botocore import exceptions as bx
from botocore.parsers import ResponseParserError

from bundle import regions
from bundle.cli_errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    UserError,
    describe,
    guarded,
)

ROOT = Path(__file__).resolve().parents[2]


def client_error(code: str, status: int = 400, message: str = "it said no") -> bx.ClientError:
    return bx.ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
                          "DescribeStacks")


CASES = [
    ("user-error", UserError("BUCKET is missing: pass BUCKET=b"), "BUCKET is missing: pass BUCKET=b"),
    ("profile-not-found", bx.ProfileNotFound(profile="nonexistent"), "AWS profile 'nonexistent' does not exist: create it"),
    ("no-credentials", bx.NoCredentialsError(), "no usable AWS credentials"),
    ("partial-credentials", bx.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"), "aws configure"),
    ("sso-expired", bx.TokenRetrievalError(provider="sso", error_msg="expired"), "aws sso login"),
    ("no-region", bx.NoRegionError(), "pass REGION=us-east-1"),
    ("unreachable-endpoint", bx.EndpointConnectionError(endpoint_url="https://cloudformation.us-east-7.amazonaws.com"),
     "cannot reach AWS (Could not connect to the endpoint URL: \"https://cloudformation.us-east-7.amazonaws.com\"): check the region"),
    ("connect-timeout", bx.ConnectTimeoutError(endpoint_url="https://sts.amazonaws.com"), "cannot reach AWS"),
    ("throttled", client_error("Throttling", 400, "Rate exceeded"), "AWS throttled DescribeStacks (Throttling: Rate exceeded): wait a minute"),
    # CloudFormation's LimitExceededException is a quota reached: waiting would not help.
    ("quota-reached", client_error("LimitExceededException", 400, "Stack limit exceeded"),
     "AWS refused DescribeStacks: LimitExceededException: Stack limit exceeded"),
    ("expired-token", client_error("ExpiredToken"), "AWS rejected the credentials on DescribeStacks"),
    ("access-denied", client_error("AccessDenied", 403), "not allowed to call DescribeStacks"),
    ("server-error", client_error("InternalFailure", 500), "AWS answered DescribeStacks with HTTP 500"),
    ("other-client-error", client_error("ValidationError", 400, "Template format error"),
     "AWS refused DescribeStacks: ValidationError: Template format error"),
    ("unparsable-response", ResponseParserError("Unable to parse response (not well-formed), invalid XML received"),
     "unexpected answer from AWS (ResponseParserError"),
    ("missing-file", FileNotFoundError(2, "No such file or directory", "fleet.yaml"), "fleet.yaml: No such file or directory"),
    ("bug", ZeroDivisionError("division by zero"), "unexpected error ZeroDivisionError: division by zero (run again with --debug"),
]


@pytest.mark.parametrize(("exc", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_failure_is_one_line_saying_what_to_do(exc: Exception, expected: str) -> None:
    line = describe(exc)
    assert expected in line
    assert "\n" not in line


def _raise(exc: BaseException) -> int:
    raise exc


def test_the_boundary_prints_one_line_and_fails_without_a_traceback() -> None:
    err = io.StringIO()
    assert guarded(lambda: _raise(bx.NoCredentialsError()), debug=False, prog="tool", err=err) == EXIT_FAILED
    assert err.getvalue().count("\n") == 1
    assert err.getvalue().startswith("tool: error: no usable AWS credentials")


def test_debug_shows_the_traceback_too() -> None:
    err = io.StringIO()
    assert guarded(lambda: _raise(ValueError("boom")), debug=True, prog="tool", err=err) == EXIT_FAILED
    assert "Traceback (most recent call last)" in err.getvalue()
    assert err.getvalue().rstrip().endswith("tool: error: unexpected error ValueError: boom (run again with --debug and report the traceback)")


def test_interrupt_is_one_line_and_exit_130() -> None:
    err = io.StringIO()
    assert guarded(lambda: _raise(KeyboardInterrupt()), debug=False, prog="tool", err=err) == EXIT_INTERRUPTED
    assert err.getvalue() == "tool: interrupted\n"


def test_success_passes_the_status_through() -> None:
    assert guarded(lambda: 0, debug=False, prog="tool") == 0


@pytest.mark.parametrize(("region", "problem"), [
    ("us-east-1", None), ("cn-north-1", None), ("us-gov-west-1", None),
    ("us-east-7", "region 'us-east-7' does not exist"), ("eu-wset-1", "did you mean eu-west-1"),
], ids=["commercial", "china", "govcloud", "well-formed-but-absent", "typo"])
def test_regions_come_from_botocores_partition_data(region: str, problem: str | None) -> None:
    found = regions.unknown_region(region)
    assert (found is None) if problem is None else (problem in (found or ""))


@pytest.mark.parametrize(("region", "url"), [
    ("us-east-1", "https://b.s3.us-east-1.amazonaws.com/k"),
    ("eu-west-1", "https://b.s3.eu-west-1.amazonaws.com/k"),
    ("cn-north-1", "https://b.s3.cn-north-1.amazonaws.com.cn/k"),
], ids=["us-east-1", "eu-west-1", "china"])
def test_s3_urls_follow_the_partition(region: str, url: str) -> None:
    assert regions.s3_object_url("b", region, "k") == url


def test_generate_out_onto_a_file_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "template.yaml"
    target.write_text("not a directory")
    result = subprocess.run([sys.executable, "generate.py", "--out", str(target)], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == EXIT_FAILED
    assert result.stderr == f"generate.py: error: --out {target} is a file: give a directory (it will hold template.yaml and the zips)\n"
    assert target.read_text() == "not a directory"  # nothing written over it
