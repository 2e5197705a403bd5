"""Structured JSON logs carrying the Lambda request ID, one JSON object per line on stdout.

Two calls only: ``logger = get_logger("quota_calculator")`` at import time, and
``bind(logger, context)`` first thing in the handler. ``bind`` never raises, so a handler invoked
by hand with ``context=None`` still logs.

The lines have the keys and shapes of AWS Lambda Powertools' Logger (3.x), which the functions used
before: ``level``, ``location`` (function:line of the call), ``message`` (a message that is JSON
text is logged decoded), ``timestamp`` (``2026-12-01 12:00:00,123+0000``), ``service``, the keys
added with ``append_keys``, the ``extra`` keys (and keyword arguments) of the call; for an exception
``exception``, ``exception_name``, ``exception_notes`` and ``stack_trace``; ``xray_trace_id`` on
Lambda; keys whose value is None are left out. The level comes from Lambda's log-level setting
(AWS_LAMBDA_LOG_LEVEL), else POWERTOOLS_LOG_LEVEL (or LOG_LEVEL), else INFO. Importing Powertools'
logger cost about 15 ms of every cold start (README "Speed and cost"); this module is the part the
functions use, and tests/adapters/test_log.py compares its lines with Powertools' own.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Mapping
from typing import Any

# LogRecord attributes that never become keys of their own (Powertools' list).
_RESERVED = frozenset((
    "name", "msg", "args", "level", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
    "threadName", "processName", "process", "asctime", "location", "timestamp",
))
# Lambda's advanced logging controls name their levels differently.
_LAMBDA_LEVELS = {"TRACE": "NOTSET", "DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARNING", "ERROR": "ERROR",
                  "FATAL": "CRITICAL"}
_HANDLER_ATTRIBUTE = "ops_alert_json_handler"


def _level() -> str:
    lambda_level = _LAMBDA_LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "")
    if lambda_level:
        return lambda_level
    own = os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("LOG_LEVEL")
    return own.upper() if own else "INFO"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: the standard keys, then the persistent keys, then the call's extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.keys: dict[str, Any] = {"service": service}

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = time.localtime(record.created)
        return time.strftime(f"%Y-%m-%d %H:%M:%S,{int(record.msecs):03d}%z", stamp)

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"level": record.levelname, "location": f"{record.funcName}:{record.lineno}",
                                "message": None, "timestamp": self.formatTime(record)}
        line.update(self.keys)
        line.update((k, v) for k, v in record.__dict__.items() if k not in _RESERVED)
        line["message"] = _message(record)
        exc_info = record.exc_info
        if isinstance(exc_info, tuple) and exc_info[0] is not None:
            line.setdefault("exception", self.formatException(exc_info))
            line.setdefault("exception_name", exc_info[0].__name__)
            line.setdefault("exception_notes", getattr(exc_info[1], "__notes__", None))
            line["stack_trace"] = {
                "type": exc_info[0].__name__, "value": exc_info[1], "module": type(exc_info[1]).__module__,
                "frames": [{"file": f.filename, "line": f.lineno, "function": f.name, "statement": f.line}
                           for f in traceback.extract_tb(exc_info[2])],
            }
        trace = os.environ.get("_X_AMZN_TRACE_ID")
        line["xray_trace_id"] = trace.split(";")[0].replace("Root=", "") if trace else None
        return json.dumps({k: v for k, v in line.items() if v is not None}, default=str, separators=(",", ":"),
                          ensure_ascii=False)


def _message(record: logging.LogRecord) -> Any:
    message = record.msg
    if isinstance(message, dict):
        return message
    if record.args:
        return record.getMessage()
    if isinstance(message, str):  # JSON text is logged as the value it encodes
        try:
            return json.loads(message)
        except ValueError:
            pass
    return message


class _Stdout(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]
    """Writes to the current sys.stdout (Lambda sends it to CloudWatch Logs)."""

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class _NotFrom(logging.Filter):
    """On the root logger's handlers (Lambda's own among them): leave our records to our handler."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        return self.service not in record.name


class Logger:
    """A JSON logger for one function: ``info``/``warning``/``error``/``exception``/``debug`` like
    ``logging.Logger`` (``extra=`` or keyword arguments add keys to that line), ``append_keys`` adds
    keys to every following line."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._logger = logging.getLogger(service)
        handler = getattr(self._logger, _HANDLER_ATTRIBUTE, None)
        if handler is None:  # first Logger of this name in the process: configure it once
            handler = _Stdout()
            handler.setFormatter(JsonFormatter(service))
            self._logger.addHandler(handler)
            self._logger.setLevel(_level())
            for root_handler in logging.root.handlers:
                # pytest's capture handler keeps seeing our records (caplog); Lambda's does not.
                if type(root_handler).__module__ != "_pytest.logging":
                    root_handler.addFilter(_NotFrom(service))
            setattr(self._logger, _HANDLER_ATTRIBUTE, handler)
        # A JsonFormatter, possibly of an earlier import of this module (tests load the zips anew).
        self._formatter: Any = handler.formatter

    def append_keys(self, **keys: Any) -> None:
        self._formatter.keys.update(keys)

    def _log(self, level: int, msg: object, args: tuple[object, ...], exc_info: Any, stack_info: bool,
             stacklevel: int, extra: Mapping[str, object] | None, kwargs: dict[str, object]) -> None:
        if self._logger.isEnabledFor(level):
            # stacklevel counts from our caller: "location" is the line that called info()/error()...
            self._logger.log(level, msg, *args, exc_info=exc_info, stack_info=stack_info, stacklevel=stacklevel + 1,
                             extra={**(extra or {}), **kwargs})

    def debug(self, msg: object, *args: object, exc_info: Any = None, stack_info: bool = False, stacklevel: int = 2,
              extra: Mapping[str, object] | None = None, **kwargs: object) -> None:
        self._log(logging.DEBUG, msg, args, exc_info, stack_info, stacklevel, extra, kwargs)

    def info(self, msg: object, *args: object, exc_info: Any = None, stack_info: bool = False, stacklevel: int = 2,
             extra: Mapping[str, object] | None = None, **kwargs: object) -> None:
        self._log(logging.INFO, msg, args, exc_info, stack_info, stacklevel, extra, kwargs)

    def warning(self, msg: object, *args: object, exc_info: Any = None, stack_info: bool = False, stacklevel: int = 2,
                extra: Mapping[str, object] | None = None, **kwargs: object) -> None:
        self._log(logging.WARNING, msg, args, exc_info, stack_info, stacklevel, extra, kwargs)

    def error(self, msg: object, *args: object, exc_info: Any = None, stack_info: bool = False, stacklevel: int = 2,
              extra: Mapping[str, object] | None = None, **kwargs: object) -> None:
        self._log(logging.ERROR, msg, args, exc_info, stack_info, stacklevel, extra, kwargs)

    def exception(self, msg: object, *args: object, exc_info: Any = True, stack_info: bool = False,
                  stacklevel: int = 2, extra: Mapping[str, object] | None = None, **kwargs: object) -> None:
        self._log(logging.ERROR, msg, args, exc_info, stack_info, stacklevel, extra, kwargs)


def get_logger(service: str) -> Logger:
    """The JSON logger of one function; the level comes from the environment (INFO by default)."""
    return Logger(service)


def bind(logger: Logger, context: Any) -> None:
    """Add the invocation's request ID and function name to every following log line."""
    logger.append_keys(
        request_id=getattr(context, "aws_request_id", None),
        function_name=getattr(context, "function_name", None),
    )
