"""Structured JSON logs (AWS Lambda Powertools Logger) carrying the Lambda request ID.

Two calls only: ``logger = get_logger("quota_calculator")`` at import time, and
``bind(logger, context)`` first thing in the handler. ``bind`` never raises, so a handler invoked
by hand with ``context=None`` still logs (Powertools' ``inject_lambda_context`` decorator would
fail on a missing context before the handler could respond to CloudFormation).
"""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger


def get_logger(service: str) -> Logger:
    """A Powertools Logger for one function; the level comes from POWERTOOLS_LOG_LEVEL (INFO)."""
    return Logger(service=service)


def bind(logger: Logger, context: Any) -> None:
    """Add the invocation's request ID and function name to every following log line."""
    logger.append_keys(
        request_id=getattr(context, "aws_request_id", None),
        function_name=getattr(context, "function_name", None),
    )
