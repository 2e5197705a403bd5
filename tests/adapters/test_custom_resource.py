"""The custom-resource protocol: one response per event, bounded retries, actionable reasons."""
from __future__ import annotations

import time
from typing import Any

import pytest

from ops_alert_aws import custom_resource as cr
from tests.adapters.conftest import ScriptedEndpoint


class _Logger:
    """Just enough of the Powertools Logger API for ``run``."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def append_keys(self, **_: Any) -> None:
        pass

    def info(self, msg: str, **_: Any) -> None:
        self.lines.append(("info", msg))

    def warning(self, msg: str, **_: Any) -> None:
        self.lines.append(("warning", msg))

    def error(self, msg: str, **_: Any) -> None:
        self.lines.append(("error", msg))

    def exception(self, msg: str, **_: Any) -> None:
        self.lines.append(("exception", msg))


class _Context:
    aws_request_id = "req-1"
    function_name = "fn"
    log_stream_name = "2026/01/01/[$LATEST]abc"

    def __init__(self, remaining_ms: int = 300_000) -> None:
        self._remaining = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(cr, "_sleep", slept.append)
    return slept


def event(url: str, request_type: str = "Create", **extra: Any) -> dict[str, Any]:
    return {"RequestType": request_type, "ResponseURL": url, "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
            "RequestId": "r-1", "LogicalResourceId": "Res", "ResourceType": "Custom::X",
            "ResourceProperties": {"ServiceToken": "arn", "A": "1"}, **extra}


def ok(request: cr.Request) -> cr.Outcome:
    return cr.Outcome("phys-1", {"Value": 42})  # type: ignore[dict-item]


@pytest.mark.parametrize("bad", [None, [], "text", {"RequestType": "Create"}, {"ResponseURL": "ftp://x"}],
                         ids=["none", "list", "string", "no-url", "not-http"])
def test_an_event_without_a_response_url_is_logged_not_answered(bad: Any) -> None:
    log = _Logger()
    assert cr.run(bad, None, {"Create": ok}, log) is None
    assert log.lines[-1][0] == "error"


def test_success_carries_the_attributes_as_strings_and_no_echo_false(endpoint: ScriptedEndpoint) -> None:
    sent = cr.run(event(endpoint.url), _Context(), {"Create": ok}, _Logger())
    (body,) = endpoint.bodies
    assert body == sent
    assert body["Status"] == "SUCCESS" and body["PhysicalResourceId"] == "phys-1"
    assert body["Data"] == {"Value": "42"} and body["NoEcho"] is False
    assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == (
        "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1", "r-1", "Res")
    # The pre-signed URL is signed without a content type: an empty one must be sent.
    assert endpoint.requests[0]["headers"].get("Content-Type") == ""
    assert endpoint.requests[0]["path"] == "/presigned?X-Amz-Signature=abc"


@pytest.mark.parametrize(
    ("request_type", "physical", "expected_id"),
    [("Create", None, "create-failed:Res:r-1"), ("Update", "phys-0", "phys-0"), ("Delete", "phys-0", "phys-0")],
    ids=["create-gets-placeholder", "update-echoes", "delete-echoes"])
def test_a_handler_failure_answers_failed_with_the_reason(endpoint: ScriptedEndpoint, request_type: str,
                                                          physical: str | None, expected_id: str) -> None:
    def fail(request: cr.Request) -> cr.Outcome:
        raise cr.ResourceFailed("Quota code L-1 is wrong: use L-2")

    extra = {"PhysicalResourceId": physical} if physical else {}
    cr.run(event(endpoint.url, request_type, **extra), _Context(), {request_type: fail}, _Logger())
    (body,) = endpoint.bodies
    assert (body["Status"], body["Reason"], body["PhysicalResourceId"]) == (
        "FAILED", "Quota code L-1 is wrong: use L-2", expected_id)


def test_a_failure_after_creating_something_answers_the_real_id(endpoint: ScriptedEndpoint) -> None:
    def fail(request: cr.Request) -> cr.Outcome:
        raise cr.ResourceFailed("SSM write failed", physical_id="phys-real")

    cr.run(event(endpoint.url), _Context(), {"Create": fail}, _Logger())
    assert endpoint.bodies[0]["PhysicalResourceId"] == "phys-real"


def test_an_unexpected_exception_answers_failed_and_points_to_the_logs(endpoint: ScriptedEndpoint) -> None:
    def crash(request: cr.Request) -> cr.Outcome:
        raise KeyError("boom")

    log = _Logger()
    cr.run(event(endpoint.url), _Context(), {"Create": crash}, log)
    reason = endpoint.bodies[0]["Reason"]
    assert endpoint.bodies[0]["Status"] == "FAILED"
    assert "KeyError" in reason and "2026/01/01/[$LATEST]abc" in reason
    assert ("exception", "Unexpected error in custom resource") in log.lines


@pytest.mark.parametrize("request_type", ["Destroy", "", "create"], ids=["unknown", "empty", "wrong-case"])
def test_an_unknown_request_type_answers_failed(endpoint: ScriptedEndpoint, request_type: str) -> None:
    cr.run(event(endpoint.url, request_type), _Context(), {"Create": ok, "Update": ok, "Delete": ok}, _Logger())
    body = endpoint.bodies[0]
    assert body["Status"] == "FAILED"
    assert "Unknown RequestType" in body["Reason"] and "Create, Update, Delete" in body["Reason"]


def test_delete_of_a_failed_create_succeeds_without_running_the_handler(endpoint: ScriptedEndpoint) -> None:
    ran: list[str] = []

    def delete(request: cr.Request) -> cr.Outcome:
        ran.append("delete")
        return cr.Outcome("x")

    cr.run(event(endpoint.url, "Delete", PhysicalResourceId="create-failed:Res:r-0"), _Context(),
           {"Delete": delete}, _Logger())
    assert ran == []
    assert endpoint.bodies[0]["Status"] == "SUCCESS"
    assert endpoint.bodies[0]["PhysicalResourceId"] == "create-failed:Res:r-0"


def test_require_lists_every_missing_property(endpoint: ScriptedEndpoint) -> None:
    def handler(request: cr.Request) -> cr.Outcome:
        request.require("A", "B", "C")
        return cr.Outcome("x")

    cr.run(event(endpoint.url), _Context(), {"Create": handler}, _Logger())
    assert "missing the properties B, C" in endpoint.bodies[0]["Reason"]


def test_an_event_without_resource_properties_answers_failed(endpoint: ScriptedEndpoint) -> None:
    def handler(request: cr.Request) -> cr.Outcome:
        request.require("A")
        return cr.Outcome("x")

    e = event(endpoint.url)
    del e["ResourceProperties"]
    cr.run(e, _Context(), {"Create": handler}, _Logger())
    assert endpoint.bodies[0]["Status"] == "FAILED"
    assert "carries no ResourceProperties" in endpoint.bodies[0]["Reason"]


def test_a_long_reason_is_cut_to_one_short_line(endpoint: ScriptedEndpoint) -> None:
    def fail(request: cr.Request) -> cr.Outcome:
        raise cr.ResourceFailed("x\n" * 2000)

    cr.run(event(endpoint.url), _Context(), {"Create": fail}, _Logger())
    reason = endpoint.bodies[0]["Reason"]
    assert len(reason) == cr.MAX_REASON and "\n" not in reason and reason.endswith("…")


def test_the_response_is_retried_on_server_errors(endpoint: ScriptedEndpoint, _no_sleep: list[float]) -> None:
    endpoint.statuses = [500, 503]
    cr.run(event(endpoint.url), _Context(), {"Create": ok}, _Logger())
    assert len(endpoint.requests) == 3 and endpoint.bodies[0] == endpoint.bodies[2]
    assert _no_sleep == [1.0, 2.0]


def test_retries_are_bounded(endpoint: ScriptedEndpoint, _no_sleep: list[float]) -> None:
    endpoint.statuses = [500] * 10
    log = _Logger()
    cr.run(event(endpoint.url), _Context(), {"Create": ok}, log)
    assert len(endpoint.requests) == cr.PUT_ATTEMPTS
    assert [level for level, _ in log.lines].count("error") == cr.PUT_ATTEMPTS


def test_a_rejected_url_is_not_retried(endpoint: ScriptedEndpoint) -> None:
    endpoint.statuses = [403]
    cr.run(event(endpoint.url), _Context(), {"Create": ok}, _Logger())
    assert len(endpoint.requests) == 1


def test_an_unreachable_endpoint_does_not_raise(_no_sleep: list[float]) -> None:
    # Port 9 (discard) on localhost is closed: connection refused on every attempt.
    assert cr.run(event("http://127.0.0.1:9/x"), _Context(), {"Create": ok}, _Logger())["Status"] == "SUCCESS"
    assert len(_no_sleep) == cr.PUT_ATTEMPTS - 1


def test_a_handler_still_running_near_the_timeout_gets_failed_once(endpoint: ScriptedEndpoint,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cr, "TIMEOUT_MARGIN_SECONDS", 0.0)

    def slow(request: cr.Request) -> cr.Outcome:
        time.sleep(0.5)
        return cr.Outcome("phys-1")

    sent = cr.run(event(endpoint.url, "Update", PhysicalResourceId="phys-0"), _Context(remaining_ms=100),
                  {"Update": slow}, _Logger())
    assert [b["Status"] for b in endpoint.bodies] == ["FAILED"]
    assert "did not finish before the function timed out" in endpoint.bodies[0]["Reason"]
    assert endpoint.bodies[0]["PhysicalResourceId"] == "phys-0"
    assert sent == endpoint.bodies[0]


def test_no_context_means_no_timeout_guard(endpoint: ScriptedEndpoint) -> None:
    assert cr.run(event(endpoint.url), None, {"Create": ok}, _Logger())["Status"] == "SUCCESS"


def test_a_delete_still_running_near_the_timeout_succeeds_so_the_stack_can_be_deleted(
        endpoint: ScriptedEndpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC §4.1: Delete succeeds. A slow cleanup (throttled SSM or SNS) must not leave DELETE_FAILED."""
    monkeypatch.setattr(cr, "TIMEOUT_MARGIN_SECONDS", 0.0)

    def slow(request: cr.Request) -> cr.Outcome:
        time.sleep(0.5)
        return cr.Outcome("phys-0")

    log = _Logger()
    sent = cr.run(event(endpoint.url, "Delete", PhysicalResourceId="phys-0"), _Context(remaining_ms=100),
                  {"Delete": slow}, log)
    assert [b["Status"] for b in endpoint.bodies] == ["SUCCESS"]
    assert endpoint.bodies[0]["PhysicalResourceId"] == "phys-0"
    assert "did not finish before the function timed out" in endpoint.bodies[0]["Reason"]
    assert sent == endpoint.bodies[0]
    assert any(level == "error" for level, _ in log.lines)  # the leftovers are logged
