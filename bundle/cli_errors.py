"""One error boundary for every command line entry point (generate.py, make upload|deploy|check,
the fleet, make quota-codes): any failure becomes one line saying what to do, and a non-zero exit
status; the traceback is shown only with ``--debug``.

    from bundle.cli_errors import UserError, add_debug_flag, guarded

    def main(argv: list[str] | None = None) -> int:
        argv = sys.argv[1:] if argv is None else list(argv)
        return guarded(lambda: _run(argv), debug="--debug" in argv, prog="python -m mytool")

Code raises ``UserError("what is wrong: what to do")`` for problems the user must fix; AWS SDK
errors (credentials, profile, region, endpoint, throttling, unexpected responses) are translated
here, so no command needs its own list of botocore exceptions.
"""
from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable
from typing import Any, TextIO

EXIT_FAILED = 2  # the command could not do its work (exit 1 stays "ran, and found problems")
EXIT_INTERRUPTED = 130

THROTTLING = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "SlowDown", "RequestThrottled", "ProvisionedThroughputExceededException",
    "BandwidthLimitExceeded",
}
BAD_CREDENTIALS = {
    "ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId", "UnrecognizedClientException",
    "SignatureDoesNotMatch", "InvalidAccessKeyId", "AuthFailure", "InvalidToken", "IncompleteSignature",
}
DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "403"}
_CREDENTIALS_HELP = ("configure them: `aws configure` (or `aws sso login`), AWS_PROFILE=name, "
                     "or AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY")


class UserError(Exception):
    """A problem the user must fix; the message says what is wrong and what to do."""


def add_debug_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="on failure, also print the Python traceback")


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def not_utf8(exc: UnicodeDecodeError) -> str:
    """What is wrong with a file that does not decode: the first bad byte and where it is."""
    return f"not UTF-8 text: byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"


def _profiles() -> list[str]:
    try:
        import botocore.session

        return sorted(botocore.session.Session().available_profiles)
    except Exception:  # noqa: BLE001 - only a hint; a broken config file is reported by the caller
        return []


def _client_error(exc: Any) -> str:
    error = exc.response.get("Error", {}) or {}
    code = str(error.get("Code", "") or "")
    message = one_line(error.get("Message") or "")
    status = (exc.response.get("ResponseMetadata", {}) or {}).get("HTTPStatusCode") or 0
    operation = exc.operation_name
    said = f"{code}: {message}" if message else code or f"HTTP {status}"
    if code in THROTTLING:
        return f"AWS throttled {operation} ({said}): wait a minute and run the command again"
    if code in BAD_CREDENTIALS:
        return f"AWS rejected the credentials on {operation} ({said}): refresh them ({_CREDENTIALS_HELP}) and check AWS_PROFILE"
    if code in DENIED:
        return f"not allowed to call {operation} ({said}): grant it to the role or user running this, or use another profile"
    if int(status) >= 500:
        return f"AWS answered {operation} with HTTP {status} ({said}): a problem on AWS's side; run the command again later"
    return f"AWS refused {operation}: {said}"


def describe(exc: BaseException) -> str:
    """What went wrong and what to do, in one line."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    if isinstance(exc, UserError):
        return one_line(exc)
    if isinstance(exc, bx.ProfileNotFound):
        profile = exc.kwargs.get("profile", "")
        known = _profiles()
        choice = f"one of: {', '.join(known)}" if known else "none is configured"
        return (f"AWS profile {profile!r} does not exist: create it (`aws configure --profile {profile}`) "
                f"or use another with AWS_PROFILE / --profile ({choice})")
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return f"no usable AWS credentials ({one_line(exc)}): {_CREDENTIALS_HELP}"
    if isinstance(exc, (bx.CredentialRetrievalError, bx.TokenRetrievalError, bx.SSOError, bx.SSOTokenLoadError,
                        bx.UnauthorizedSSOTokenError, bx.UnknownCredentialError)):
        return f"AWS credentials could not be loaded ({one_line(exc)}): run `aws sso login` or {_CREDENTIALS_HELP}"
    if isinstance(exc, bx.ConfigParseError):
        return f"the AWS config file cannot be read ({one_line(exc)}): fix its syntax"
    if isinstance(exc, bx.NoRegionError):
        return "no AWS region: pass REGION=us-east-1 (or --region), or set AWS_REGION"
    if isinstance(exc, (bx.InvalidRegionError, bx.UnknownRegionError)):
        return f"{one_line(exc)}: pass a region such as us-east-1"
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ConnectionClosedError,
                        bx.ReadTimeoutError, bx.ProxyConnectionError, bx.SSLError)):
        return (f"cannot reach AWS ({one_line(exc)}): check the region name, the network or proxy, "
                "and AWS_ENDPOINT_URL if it is set; then run the command again")
    if isinstance(exc, bx.ClientError):
        return _client_error(exc)
    if isinstance(exc, (bx.BotoCoreError, ResponseParserError)):  # e.g. an HTTP 500 page the SDK cannot parse
        return f"unexpected answer from AWS ({type(exc).__name__}: {one_line(exc)}): run the command again; --debug shows the details"
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or one_line(exc)}"
    return (f"unexpected error {type(exc).__name__}: {one_line(exc)} "
            "(run again with --debug and report the traceback)")


def guarded(body: Callable[[], int], *, debug: bool, prog: str, err: TextIO | None = None) -> int:
    """Run ``body``; turn any exception into one line on standard error and a non-zero status."""
    stream = err or sys.stderr
    try:
        return body()
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=stream)
        return EXIT_INTERRUPTED
    except SystemExit:
        raise  # argparse has already printed its one-line usage error
    except Exception as exc:  # noqa: BLE001 - this is the boundary: every failure ends here
        if debug:
            traceback.print_exc(file=stream)
        print(f"{prog}: error: {describe(exc)}", file=stream)
        return EXIT_FAILED
