"""The CloudFormation custom-resource protocol: parse the event, always send one response.

CloudFormation waits (up to an hour) for a JSON document PUT to the event's pre-signed
``ResponseURL``. A handler that raises, times out or never responds hangs the stack, so ``run``:

- answers every event exactly once, SUCCESS or FAILED, whatever the handler does;
- answers FAILED shortly before the Lambda timeout if the handler is still running (SUCCESS for
  a Delete, which must never block the stack's deletion);
- PUTs with a timeout and a few bounded retries (crhelper retries forever and sleeps on Delete);
- keeps ``Reason`` short and actionable: it is what the stack events show the user;
- answers Delete of a resource whose Create failed with SUCCESS without running the handler, so a
  failed stack can always roll back and be deleted.

Physical IDs are chosen by each function (stable across updates); on FAILED the event's own
PhysicalResourceId is echoed so a failed Update never looks like a replacement.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ops_alert.email_list import mask_emails_in

SUCCESS = "SUCCESS"
FAILED = "FAILED"
CREATE, UPDATE, DELETE = "Create", "Update", "Delete"
REQUEST_TYPES = (CREATE, UPDATE, DELETE)

# The whole response must stay under 4 KB; the console shows Reason in one line of stack events.
MAX_REASON = 700
# Physical ID answered for a Create that failed: the Delete that follows the rollback must not
# touch anything, because the resource never existed (another stack may own the same names).
_FAILED_CREATE_PREFIX = "create-failed:"
# Answer FAILED this long before the Lambda timeout when the handler has not finished.
TIMEOUT_MARGIN_SECONDS = 5.0
PUT_ATTEMPTS = 3
PUT_TIMEOUT_SECONDS = 10.0
_BACKOFF_SECONDS = (1.0, 2.0)

_sleep = time.sleep  # replaced in tests


class ResourceFailed(Exception):
    """The request cannot be fulfilled; ``reason`` tells the user what to change.

    ``physical_id`` is set when the failure happened after something was created, so that the
    Delete CloudFormation sends during rollback cleans it up.
    """

    def __init__(self, reason: str, physical_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.physical_id = physical_id


class MalformedEvent(ValueError):
    """Not a custom-resource event: no ResponseURL, so there is nobody to answer."""


@dataclass(frozen=True)
class Request:
    """One custom-resource event. ``properties`` is None when the event carries none."""

    request_type: str
    response_url: str
    stack_id: str
    request_id: str
    logical_resource_id: str
    resource_type: str = ""
    physical_resource_id: str | None = None
    properties: Mapping[str, Any] | None = None
    old_properties: Mapping[str, Any] | None = None

    def require_properties(self) -> Mapping[str, Any]:
        """The ResourceProperties, or ResourceFailed when the event has none."""
        if not isinstance(self.properties, Mapping):
            raise ResourceFailed(
                f"The {self.request_type} request for {self.logical_resource_id} carries no "
                f"ResourceProperties: the template must pass the resource's properties"
            )
        return self.properties

    def require(self, *names: str) -> dict[str, str]:
        """The named properties as stripped strings; ResourceFailed lists every missing one."""
        props = self.require_properties()
        missing = [n for n in names if props.get(n) in (None, "")]
        if missing:
            raise ResourceFailed(
                f"{self.logical_resource_id} is missing the properties {', '.join(missing)}: "
                f"set them in the template"
            )
        return {n: str(props[n]).strip() for n in names}

    @property
    def failed_create_id(self) -> str:
        return f"{_FAILED_CREATE_PREFIX}{self.logical_resource_id}:{self.request_id}"


@dataclass(frozen=True)
class Outcome:
    """A fulfilled request: the physical ID to report and the attributes for Fn::GetAtt."""

    physical_id: str
    data: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Outcome]


def is_failed_create(physical_id: str | None) -> bool:
    return bool(physical_id) and str(physical_id).startswith(_FAILED_CREATE_PREFIX)


def physical_id_for(request: Request, wanted: Any, new_id: str, named_by_id: Callable[[str], Any],
                    named_by_properties: Callable[[Any], Any]) -> str:
    """An Update keeps the current physical ID while it still names ``wanted`` (read from the ID,
    else from the old properties: an ID given by an earlier version); anything else gets ``new_id``,
    which CloudFormation takes for a replacement (and then deletes the old one)."""
    current = request.physical_resource_id
    kept = (request.request_type == UPDATE and current and not is_failed_create(current)
            and (named_by_id(current) or named_by_properties(request.old_properties)) == wanted)
    return current if kept and current else new_id


def parse(event: Any) -> Request:
    """The Request in a custom-resource event; MalformedEvent when it cannot be answered."""
    if not isinstance(event, Mapping):
        raise MalformedEvent(f"expected a custom-resource event (a JSON object), got {type(event).__name__}")
    url = event.get("ResponseURL")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise MalformedEvent("the event has no ResponseURL: not a CloudFormation custom-resource event")
    props = event.get("ResourceProperties")
    old = event.get("OldResourceProperties")
    physical = event.get("PhysicalResourceId")
    return Request(
        request_type=str(event.get("RequestType", "")),
        response_url=url,
        stack_id=str(event.get("StackId", "")),
        request_id=str(event.get("RequestId", "")),
        logical_resource_id=str(event.get("LogicalResourceId", "")),
        resource_type=str(event.get("ResourceType", "")),
        physical_resource_id=str(physical) if physical else None,
        properties=props if isinstance(props, Mapping) else None,
        old_properties=old if isinstance(old, Mapping) else None,
    )


def shorten(text: str, limit: int = MAX_REASON) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    one_line = " ".join(str(text).split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def response_body(
    request: Request, status: str, physical_id: str, reason: str = "", data: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The JSON document CloudFormation expects (NoEcho false: the attributes are not secret)."""
    return {
        "Status": status,
        "Reason": shorten(reason) if reason else status,
        "PhysicalResourceId": physical_id,
        "StackId": request.stack_id,
        "RequestId": request.request_id,
        "LogicalResourceId": request.logical_resource_id,
        "NoEcho": False,
        "Data": {k: str(v) for k, v in (data or {}).items()},
    }


def put_response(url: str, body: Mapping[str, Any], logger: Any) -> bool:
    """PUT the response; a few bounded retries on network errors and 5xx. True when delivered."""
    payload = json.dumps(body).encode("utf-8")
    # The pre-signed S3 URL is signed without a content type: send an empty one, not urllib's default.
    headers = {"Content-Type": "", "Content-Length": str(len(payload))}
    for attempt in range(1, PUT_ATTEMPTS + 1):
        req = urllib.request.Request(url, data=payload, method="PUT", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=PUT_TIMEOUT_SECONDS) as resp:
                logger.info("Custom-resource response delivered",
                            extra={"status": body["Status"], "http_status": resp.status})
                return True
        except urllib.error.HTTPError as exc:
            logger.error("Custom-resource response rejected",
                         extra={"http_status": exc.code, "attempt": attempt})
            if exc.code < 500:  # an expired or wrong URL does not get better by retrying
                return False
        except (urllib.error.URLError, OSError) as exc:
            logger.error("Custom-resource response not delivered",
                         extra={"error": str(exc), "attempt": attempt})
        if attempt < PUT_ATTEMPTS:
            _sleep(_BACKOFF_SECONDS[min(attempt - 1, len(_BACKOFF_SECONDS) - 1)])
    return False


class _Responder:
    """Sends at most one response per invocation (the handler and the timeout guard race)."""

    def __init__(self, request: Request, logger: Any) -> None:
        self.request = request
        self.logger = logger
        self._lock = threading.Lock()
        self.sent: dict[str, Any] | None = None

    def send(self, status: str, physical_id: str, reason: str = "",
             data: Mapping[str, str] | None = None) -> None:
        with self._lock:
            if self.sent is not None:
                return
            self.sent = response_body(self.request, status, physical_id, reason, data)
        if status == FAILED:
            self.logger.error("Custom resource FAILED", extra={"reason": mask_emails_in(self.sent["Reason"]),
                                                               "physical_id": physical_id})
        put_response(self.request.response_url, self.sent, self.logger)


def _log_hint(context: Any) -> str:
    stream = getattr(context, "log_stream_name", None)
    return f" (details in CloudWatch Logs, log stream {stream})" if stream else " (details in the function's CloudWatch Logs)"


def _start_guard(responder: _Responder, request: Request, context: Any) -> threading.Timer | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    try:
        seconds = float(remaining()) / 1000.0 - TIMEOUT_MARGIN_SECONDS
    except (TypeError, ValueError):
        return None
    physical = request.physical_resource_id or request.failed_create_id
    late = f"The {request.request_type} of {request.logical_resource_id} did not finish before the function timed out"
    if request.request_type == DELETE:
        # A Delete must never block the stack's deletion: answer SUCCESS, leftovers go to the log.
        args: tuple[Any, ...] = (
            SUCCESS, physical, f"{late}; deletion continues, check for leftovers{_log_hint(context)}")
    else:
        args = (FAILED, physical, f"{late}; retry the stack operation{_log_hint(context)}")

    def answer() -> None:
        responder.logger.error("Custom resource still running near the function timeout",
                               extra={"request_type": request.request_type, "status": args[0]})
        responder.send(*args)

    timer = threading.Timer(max(seconds, 0.0), answer)
    timer.daemon = True
    timer.start()
    return timer


def run(event: Any, context: Any, handlers: Mapping[str, Handler], logger: Any) -> dict[str, Any] | None:
    """Dispatch one event to ``handlers[RequestType]`` and answer CloudFormation exactly once.

    Never raises. Returns the response body that was sent (None when the event had no
    ResponseURL and nobody could be answered).
    """
    try:
        request = parse(event)
    except MalformedEvent as exc:
        logger.error("Not a custom-resource event; nothing can be answered", extra={"error": str(exc)})
        return None
    logger.append_keys(request_type=request.request_type, logical_resource_id=request.logical_resource_id)
    logger.info("Custom-resource request", extra={"physical_id": request.physical_resource_id,
                                                   "properties": mask_emails_in(request.properties)})
    responder = _Responder(request, logger)
    fallback_id = request.physical_resource_id or request.failed_create_id
    guard = _start_guard(responder, request, context)
    try:
        handler = handlers.get(request.request_type)
        if handler is None:
            responder.send(FAILED, fallback_id,
                           f"Unknown RequestType {request.request_type!r}: expected one of "
                           f"{', '.join(REQUEST_TYPES)}")
        elif request.request_type == DELETE and is_failed_create(request.physical_resource_id):
            logger.info("Delete of a resource whose Create failed: nothing to remove")
            responder.send(SUCCESS, str(request.physical_resource_id), "Nothing was created")
        else:
            outcome = handler(request)
            responder.send(SUCCESS, outcome.physical_id, "", outcome.data)
    except ResourceFailed as exc:
        responder.send(FAILED, exc.physical_id or fallback_id, exc.reason)
    except Exception as exc:  # the stack must get an answer whatever happened
        logger.exception("Unexpected error in custom resource")
        responder.send(FAILED, fallback_id,
                       f"Unexpected error{_log_hint(context)}: {type(exc).__name__}: {exc}")
    finally:
        if guard is not None:
            guard.cancel()
    return responder.sent
