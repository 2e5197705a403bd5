"""Turning botocore errors into one-line messages a user can act on."""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

# Error codes that mean "AWS is busy": retried by the adaptive client, reported as transient.
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "SlowDown",
})
# Errors a caller may treat as "it is already gone".
NOT_FOUND_CODES = frozenset({
    "NotFound", "NotFoundException", "ResourceNotFoundException", "NoSuchResourceException",
    "ParameterNotFound",
})

AwsError = (ClientError, BotoCoreError)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError ("ThrottlingException"), else the exception's type name."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "")) or type(exc).__name__
    return type(exc).__name__


def error_message(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


def is_not_found(exc: BaseException) -> bool:
    return error_code(exc) in NOT_FOUND_CODES


def describe(exc: BaseException, action: str) -> str:
    """"<action> failed: <Code>: <message>" plus what to do for throttling and missing permissions."""
    code = error_code(exc)
    text = f"{action} failed: {code}: {error_message(exc)}".rstrip(": ")
    if code in THROTTLING_CODES:
        return f"{text}. AWS throttled the call past the retries: retry in a few minutes"
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        return f"{text}. The function's IAM role lacks a permission: check the role in the template"
    return text
