"""log: JSON log lines with the keys and shapes Powertools' Logger wrote (the functions used it before)."""
from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from aws_lambda_powertools import Logger as PowertoolsLogger

from ops_alert_aws.log import bind, get_logger
from tests.fakes import FakeLambdaContext

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}[+-]\d{4}")


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _both(capsys: pytest.CaptureFixture[str], calls: Callable[[Any], None]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The lines Powertools' Logger and ours write for the same calls (same caller, same line)."""
    name = uuid.uuid4().hex[:8]
    services = [f"pt-{name}", f"ours-{name}"]
    loggers = [PowertoolsLogger(service=services[0]), get_logger(services[1])]
    capsys.readouterr()
    written = []
    for service, logger in zip(services, loggers):
        calls(logger)
        lines = _lines(capsys.readouterr().out)
        for line in lines:
            assert TIMESTAMP.fullmatch(line.pop("timestamp")), line
            assert line.pop("service") == service
        written.append(lines)
    return written[0], written[1]


def _boom() -> None:
    raise ZeroDivisionError("division by zero")


def _calls_with_exception(logger: Any) -> None:
    try:
        _boom()
    except ZeroDivisionError as exc:
        exc.add_note("while summing usage")
        logger.exception("it failed", extra={"step": 2})


CASES: list[tuple[str, Callable[[Any], None]]] = [
    ("plain-extra-and-keywords", lambda log: log.info("case opened", extra={"case": "123", "n": [1, 2]}, quota="L-1")),
    ("json-text-message", lambda log: log.warning('{"decoded": true}')),
    ("number-text-message", lambda log: log.warning("123")),
    ("percent-arguments", lambda log: log.error("%s of %d", "three", 4)),
    ("dict-message", lambda log: log.info({"summary": {"changed": []}})),
    ("none-extra-dropped", lambda log: log.info("x", extra={"kept": 0, "dropped": None})),
    ("not-json-serialisable", lambda log: log.info("x", extra={"when": uuid.UUID(int=7)})),
    ("non-ascii", lambda log: log.info("Überlast — 100 %")),
    ("exception", _calls_with_exception),
    ("debug-hidden-at-info", lambda log: log.debug("not shown")),
]


@pytest.mark.parametrize("calls", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_lines_match_powertools(capsys: pytest.CaptureFixture[str], calls: Callable[[Any], None]) -> None:
    theirs, ours = _both(capsys, calls)
    assert ours == theirs
    assert len(ours) == (0 if calls is CASES[-1][1] else 1)


def test_appended_keys_and_the_request_id_match_powertools(capsys: pytest.CaptureFixture[str]) -> None:
    context = FakeLambdaContext()

    def calls(logger: Any) -> None:
        logger.append_keys(request_id=context.aws_request_id, function_name=context.function_name)
        logger.append_keys(alarm="a-1", unset=None)
        logger.info("first")
        logger.append_keys(alarm="a-2")
        logger.info("second")

    theirs, ours = _both(capsys, calls)
    assert ours == theirs
    assert [line["alarm"] for line in ours] == ["a-1", "a-2"]
    assert all(line["request_id"] == context.aws_request_id for line in ours)


def test_the_xray_trace_id_is_added_on_lambda(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
    theirs, ours = _both(capsys, lambda log: log.info("traced"))
    assert ours == theirs and ours[0]["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"


@pytest.mark.parametrize(("env", "shown"), [
    ({}, ["INFO", "WARNING"]),
    ({"POWERTOOLS_LOG_LEVEL": "debug"}, ["DEBUG", "INFO", "WARNING"]),
    ({"LOG_LEVEL": "WARNING"}, ["WARNING"]),
    ({"AWS_LAMBDA_LOG_LEVEL": "WARN", "POWERTOOLS_LOG_LEVEL": "WARNING"}, ["WARNING"]),  # Lambda's setting wins
    ({"AWS_LAMBDA_LOG_LEVEL": "DEBUG"}, ["DEBUG", "INFO", "WARNING"]),
], ids=["default-info", "powertools-level", "legacy-level", "lambda-level", "lambda-debug"])
def test_the_level_comes_from_the_environment(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                              env: dict[str, str], shown: list[str]) -> None:
    for name in ("POWERTOOLS_LOG_LEVEL", "LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def calls(logger: Any) -> None:
        logger.debug("d")
        logger.info("i")
        logger.warning("w")

    theirs, ours = _both(capsys, calls)
    assert ours == theirs and [line["level"] for line in ours] == shown


def test_bind_adds_the_request_and_never_raises(capsys: pytest.CaptureFixture[str]) -> None:
    logger = get_logger(f"bind-{uuid.uuid4().hex[:8]}")
    bind(logger, None)  # invoked by hand: no context, still logs
    logger.info("no context")
    context = FakeLambdaContext()
    bind(logger, context)
    logger.info("with context")
    first, second = _lines(capsys.readouterr().out)
    assert "request_id" not in first
    assert (second["request_id"], second["function_name"]) == (context.aws_request_id, context.function_name)


def test_location_is_the_calling_line(capsys: pytest.CaptureFixture[str]) -> None:
    logger = get_logger(f"loc-{uuid.uuid4().hex[:8]}")
    logger.warning("here"); line = _this_line()  # noqa: E702 - the same line on purpose
    assert _lines(capsys.readouterr().out)[0]["location"] == f"test_location_is_the_calling_line:{line}"


def _this_line() -> int:
    import inspect
    frame = inspect.currentframe()
    assert frame and frame.f_back
    return frame.f_back.f_lineno


def test_a_second_logger_of_the_same_name_writes_each_line_once(capsys: pytest.CaptureFixture[str]) -> None:
    # Tests and module reloads create the logger again: one handler, one line, shared keys.
    name = f"twice-{uuid.uuid4().hex[:8]}"
    first, second = get_logger(name), get_logger(name)
    first.append_keys(request_id="r-1")
    second.info("once")
    lines = _lines(capsys.readouterr().out)
    assert len(lines) == 1 and lines[0]["request_id"] == "r-1"


def test_root_handlers_do_not_repeat_our_lines(capsys: pytest.CaptureFixture[str]) -> None:
    # Lambda's runtime logs the root logger's records in its own plain format: ours would appear
    # twice in CloudWatch unless the root handlers leave them to our handler (as Powertools did).
    seen: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    root_handler = Collect()
    logging.root.addHandler(root_handler)
    try:
        logger = get_logger(f"root-{uuid.uuid4().hex[:8]}")
        logger.warning("only as JSON")
        logging.getLogger("someone.else").warning("theirs")
    finally:
        logging.root.removeHandler(root_handler)
    assert [r.getMessage() for r in seen] == ["theirs"]
    assert _lines(capsys.readouterr().out)[0]["message"] == "only as JSON"
