"""Routing of botocore calls to stateful fakes, call counting and fault injection.

How it works. botocore emits `before-call.<service-id>.<Operation>` after it has validated and
serialised the parameters; the first handler that returns `(http_response, parsed)` replaces the
HTTP request, and botocore then raises `ClientError` (the modeled subclass) when the status is
>= 300, exactly as for a real response. One permanent `_Dispatcher` object is put into
`botocore.handlers.BUILTIN_HANDLERS` while a `FakeAws` is active, so every session and client
created meanwhile (including `boto3.client(...)` inside the code under test) carries it; a client
cached from an earlier test still routes to the *current* hub because the dispatcher is shared.
Whatever no fake answers falls through to moto's `mock_aws` (moto hooks the later `before-send`).

The serialised request that reaches `before-call` is protocol-specific, so the dispatcher also
listens to `before-parameter-build` and keeps a reference to the caller's parameters.

Faults are injected per API call, before botocore's retry layer: a faulted call raises once, as if
every retry had failed; retry configuration is not exercised.
"""

from __future__ import annotations

import base64
import contextvars
import dataclasses
import functools
import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, TypeVar

import boto3
import botocore.handlers
from botocore.awsrequest import AWSResponse
from botocore.model import OperationModel
from botocore.validate import ParamValidator

from tests.fakes.shapes import request_violations, response_violations

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

#: Error codes any AWS operation can return, so fakes and faults may use them although the
#: service model's per-operation error list omits them.
COMMON_ERROR_CODES = frozenset(
    {
        "AccessDeniedException",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "InvalidParameterValue",
        "InvalidParameterValueException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "SubscriptionRequiredException",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "ValidationError",
        "ValidationException",
    }
)


class AwsError(Exception):
    """Raised by a fake operation to answer with an AWS error response."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class FakeDriftError(AssertionError):
    """A fake answered with something the real API could not return (strict mode)."""


@dataclasses.dataclass(frozen=True)
class Call:
    """One API call as the code under test made it."""

    service: str  # boto3 client name, e.g. "service-quotas"
    operation: str  # API operation name, e.g. "RequestServiceQuotaIncrease"
    params: dict[str, Any]
    region: str | None

    @property
    def key(self) -> str:
        return f"{self.service}:{self.operation}"


PASS: Any = object()
"""Returned by a fake operation to let the call fall through to moto."""

_F = TypeVar("_F", bound=Callable[..., Any])


def api(method: _F) -> _F:
    """Mark a `Fake` method as the implementation of the AWS operation of the same name."""
    method._aws_operation = True  # type: ignore[attr-defined]
    return method


class Fake:
    """Base of the stateful fakes: maps operation names to methods, records served calls.

    A subclass sets `service` (boto3 client name) and implements operations as methods named
    like the operation, decorated with `@api`, taking the request parameters and returning the
    response dict (without ResponseMetadata), raising `AwsError`, or returning `PASS`.
    """

    service: ClassVar[str]
    #: Error code used for server-side constraint failures (max length, enum...).
    validation_error_code: ClassVar[str] = "ValidationException"
    operations: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = {name for name in dir(cls) if getattr(getattr(cls, name), "_aws_operation", False)}
        cls.operations = frozenset(names)

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.hub: FakeAws | None = None

    def count(self, operation: str | None = None) -> int:
        """Number of calls this fake served (of one operation, or all)."""
        return sum(1 for call in self.calls if operation in (None, call.operation))

    def params(self, operation: str) -> list[dict[str, Any]]:
        """Parameters of every served call of `operation`, oldest first."""
        return [call.params for call in self.calls if call.operation == operation]

    def pre_dispatch(self, operation: str, params: dict[str, Any]) -> None:
        """Hook run before every operation (e.g. the Support subscription check)."""


@dataclasses.dataclass
class Fault:
    service: str
    operation: str
    code: str
    status: int
    message: str
    remaining: int | None  # None: every call fails until cleared
    after: bool = False  # True: the call takes effect, only its reply is lost (a timeout)


class FaultInjector:
    """Makes the next N calls of an operation fail, whether a fake or moto serves it."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def fail(
        self,
        service: str,
        operation: str,
        code: str = "ThrottlingException",
        *,
        status: int = 400,
        message: str | None = None,
        times: int | None = 1,
        lost_reply: bool = False,
    ) -> None:
        """Fail the next `times` calls of `service:operation` (None = until `clear()`).

        Example: `fault.fail("cloudwatch", "GetMetricData", "Throttling", times=2)` or
        `fault.fail("sns", "Publish", "InternalError", status=500)`.
        ``lost_reply=True``: the call is served (a case is opened, a request filed) and only then
        the caller gets the error, as when the reply times out after AWS acted.
        """
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        self._faults.append(
            Fault(service, operation, code, status, message or f"Injected {code}", times, lost_reply)
        )

    def clear(self) -> None:
        self._faults.clear()

    def pending(self, service: str, operation: str) -> int | None:
        """Failures still queued for an operation (None means unlimited)."""
        total = 0
        for fault in self._faults:
            if (fault.service, fault.operation) == (service, operation):
                if fault.remaining is None:
                    return None
                total += fault.remaining
        return total

    def take(self, service: str, operation: str) -> Fault | None:
        for fault in self._faults:
            if (fault.service, fault.operation) == (service, operation):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                return fault
        return None


_PARAMS_KEY = "tests.fakes.params"
_passthrough: contextvars.ContextVar[bool] = contextvars.ContextVar("passthrough", default=False)


class _Raw:
    """Minimal stand-in for urllib3's response, enough for `AWSResponse.content`."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class FakeAws:
    """The hub: owns the fakes, the call log, the counter and the fault injector.

    Use as a context manager (or `install()`/`uninstall()`); `tests/conftest.py` does this inside
    `mock_aws`. `calls` counts every AWS call ("service:Operation"), fakes and moto alike.
    """

    def __init__(self, fakes: Sequence[Fake] = (), *, strict: bool = True) -> None:
        self.strict = strict
        self.calls: Counter[str] = Counter()
        self.log: list[Call] = []
        self.fault = FaultInjector()
        self._routes: dict[tuple[str, str], Fake] = {}
        self._moto_clients: dict[tuple[str, str], Any] = {}
        # Handlers may call AWS from worker threads: serve one call at a time.
        self._lock = threading.RLock()
        for fake in fakes:
            self.add(fake)

    def add(self, fake: Fake) -> Fake:
        for operation in fake.operations:
            self._routes[(fake.service, operation)] = fake
        fake.hub = self
        return fake

    # -- activation -------------------------------------------------------------------------
    def install(self) -> None:
        _DISPATCHER.activate(self)

    def uninstall(self) -> None:
        _DISPATCHER.deactivate(self)

    def __enter__(self) -> FakeAws:
        self.install()
        return self

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    def moto(self, service: str, region: str | None = None) -> Any:
        """A client whose calls skip fakes, faults and counting (for fakes that defer to moto)."""
        key = (service, region or REGION)
        if key not in self._moto_clients:
            self._moto_clients[key] = _PassthroughClient(boto3.client(service, region_name=key[1]))
        return self._moto_clients[key]

    # -- dispatch ---------------------------------------------------------------------------
    def handle(self, model: OperationModel, context: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]] | None:
        with self._lock:
            return self._handle(model, context)

    def _handle(self, model: OperationModel, context: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]] | None:
        service = model.service_model.service_name
        operation = model.name
        params = context.get(_PARAMS_KEY, {})
        call = Call(service, operation, params, context.get("client_region"))
        self.calls[call.key] += 1
        self.log.append(call)

        fault = self.fault.take(service, operation)
        if fault is not None and not fault.after:
            return self._error(model, fault.code, fault.message, fault.status)

        fake = self._routes.get((service, operation))
        if fake is None:
            if fault is not None:
                raise NotImplementedError(f"lost_reply faults need a fake serving {call.key}")
            return None
        served = self._serve(fake, model, call, context)
        if fault is not None:
            return self._error(model, fault.code, fault.message, fault.status)
        return served

    def _serve(
        self, fake: Fake, model: OperationModel, call: Call, context: dict[str, Any]
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        params = call.params
        try:
            # Repeat botocore's checks: a client built with parameter_validation=False skips
            # them (and its meta.config does not say so), but the service would still refuse.
            report = ParamValidator().validate(params, model.input_shape) if model.input_shape else None
            if report is not None and report.has_errors():
                raise AwsError(fake.validation_error_code, report.generate_report())
            violations = request_violations(model.input_shape, params)
            if violations:
                raise AwsError(
                    fake.validation_error_code,
                    f"{len(violations)} validation error{'s' if len(violations) > 1 else ''} "
                    f"detected: " + "; ".join(violations),
                )
            fake.pre_dispatch(call.operation, params)
            result = getattr(fake, call.operation)(params)
        except AwsError as error:
            fake.calls.append(call)
            return self._error(model, error.code, error.message, error.status)
        if result is PASS:
            return None
        fake.calls.append(call)
        result = result or {}
        if self.strict:
            problems = response_violations(model.output_shape, result)
            if problems:
                raise FakeDriftError(f"{call.key} response does not fit the API model: {problems}")
        return _http(200), {**result, "ResponseMetadata": _metadata(200)}

    def _error(
        self, model: OperationModel, code: str, message: str, status: int | None
    ) -> tuple[AWSResponse, dict[str, Any]]:
        modeled = {
            shape.metadata.get("error", {}).get("code", shape.name): shape for shape in model.error_shapes
        }
        if self.strict and code not in modeled and code not in COMMON_ERROR_CODES:
            raise FakeDriftError(
                f"{model.service_model.service_name}:{model.name} cannot return {code}; "
                f"modeled errors: {sorted(modeled)}"
            )
        if status is None:
            shape = modeled.get(code)
            status = shape.metadata.get("error", {}).get("httpStatusCode", 400) if shape else 400
        parsed = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": _metadata(status),
            "message": message,
        }
        return _http(status), parsed


def _metadata(status: int) -> dict[str, Any]:
    request_id = str(uuid.uuid4())
    return {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": {"x-amzn-requestid": request_id},
        "RetryAttempts": 0,
    }


def _http(status: int) -> AWSResponse:
    return AWSResponse("https://fake.amazonaws.com/", status, {}, _Raw(b""))


class _PassthroughClient:
    """Wraps a boto3 client so its calls bypass the dispatcher (reach moto directly)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            token = _passthrough.set(True)
            try:
                return method(*args, **kwargs)
            finally:
                _passthrough.reset(token)

        return call


class _Dispatcher:
    """The one object botocore sessions register; forwards to the active hub, if any."""

    _SPECS = (("before-parameter-build", "remember_params"), ("before-call", "before_call"))

    def __init__(self) -> None:
        self.active: FakeAws | None = None
        self._handlers = [(event, getattr(self, name)) for event, name in self._SPECS]

    def activate(self, hub: FakeAws) -> None:
        if self.active is not None and self.active is not hub:
            raise RuntimeError("another FakeAws is already installed")
        self.active = hub
        for spec in self._handlers:
            if spec not in botocore.handlers.BUILTIN_HANDLERS:
                botocore.handlers.BUILTIN_HANDLERS.append(spec)

    def deactivate(self, hub: FakeAws) -> None:
        if self.active is hub:
            self.active = None
        for spec in self._handlers:
            while spec in botocore.handlers.BUILTIN_HANDLERS:
                botocore.handlers.BUILTIN_HANDLERS.remove(spec)

    def remember_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        # Same dict object the client keeps using, so later in-place defaults are visible too.
        context[_PARAMS_KEY] = params

    def before_call(
        self, model: OperationModel, context: dict[str, Any], **_: Any
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        if self.active is None or _passthrough.get():
            return None
        return self.active.handle(model, context)


_DISPATCHER = _Dispatcher()


# -- helpers shared by the fakes -------------------------------------------------------------
T = TypeVar("T")


def paginate(
    items: Sequence[T],
    token: str | None,
    page_size: int,
    *,
    scope: object,
    error_code: str,
) -> tuple[list[T], str | None]:
    """Slice `items` like AWS list APIs do; tokens are opaque and bound to `scope` (the filters)."""
    start = 0
    fingerprint = _fingerprint(scope)
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            start, scoped = int(decoded["o"]), decoded["s"]
        except (ValueError, KeyError, TypeError) as error:
            raise AwsError(error_code, "Invalid pagination token") from error
        if scoped != fingerprint or not 0 <= start <= len(items):
            raise AwsError(error_code, "Invalid pagination token")
    end = start + page_size
    page = list(items[start:end])
    next_token = None
    if end < len(items):
        next_token = base64.urlsafe_b64encode(json.dumps({"o": end, "s": fingerprint}).encode()).decode()
    return page, next_token


def _fingerprint(scope: object) -> str:
    return uuid.uuid5(uuid.NAMESPACE_OID, json.dumps(scope, sort_keys=True, default=str)).hex[:12]


def active_hub() -> FakeAws | None:
    """The FakeAws installed now (its call log sees every AWS call), or None."""
    return _DISPATCHER.active


def checking_calls(handler: Callable[..., Any], check: Callable[[list[Call]], None]) -> Callable[..., Any]:
    """``handler`` that hands the AWS calls of each of its runs to ``check`` (which raises
    AssertionError on what it rejects) once the run is over; without fakes installed, unchecked."""

    @functools.wraps(handler)
    def checked(event: Any, context: Any) -> Any:
        hub = active_hub()
        start = len(hub.log) if hub is not None else 0
        result = handler(event, context)
        if hub is not None:
            check(hub.log[start:])
        return result

    return checked
