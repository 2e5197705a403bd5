"""Custom-resource endpoint and event factory, Lambda context."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from tests.fakes import custom_resource_event


def _put(url: str, body: dict, content_type: str | None = "") -> None:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="PUT")
    if content_type is not None:
        request.add_header("Content-Type", content_type)
    request.add_header("Content-Length", str(len(data)))
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


def test_server_records_body_and_headers(cfn_responses):
    _put(cfn_responses.url, {"Status": "SUCCESS", "Data": {"RpmThreshold": "8000"}})
    response = cfn_responses.last
    assert response.status == "SUCCESS" and response.body["Data"] == {"RpmThreshold": "8000"}
    assert response.header("content-type") == ""
    assert response.header("Content-Length") == str(len(json.dumps(response.body)))


def test_server_shows_the_urllib_default_content_type(cfn_responses):
    """The classic bug: urllib sends a form content type unless told otherwise; tests can see it."""
    _put(cfn_responses.url, {"Status": "FAILED"}, content_type=None)
    assert cfn_responses.last.header("Content-Type") == "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("request_type", "has_physical", "has_old"),
    [("Create", False, False), ("Update", True, True), ("Delete", True, False)],
    ids=["create", "update", "delete"],
)
def test_event_shape(cfn_responses, request_type, has_physical, has_old):
    event = cfn_responses.event(request_type, {"RpmQuotaCode": "L-3DD46812", "Percent": 80, "Enabled": True,
                                               "Emails": ["a@example.com"]}, old_properties={"Percent": 70})
    assert event["ResponseURL"] == cfn_responses.url
    props = event["ResourceProperties"]
    assert props == {"ServiceToken": event["ServiceToken"], "RpmQuotaCode": "L-3DD46812", "Percent": "80",
                     "Enabled": "true", "Emails": ["a@example.com"]}
    assert event["StackId"].startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/")
    uuid.UUID(event["RequestId"])
    assert event["ResourceType"].startswith("Custom::")
    assert ("PhysicalResourceId" in event) is has_physical
    assert ("OldResourceProperties" in event) is has_old


def test_event_rejects_unknown_request_type():
    with pytest.raises(ValueError, match="request_type"):
        custom_resource_event("Replace", {})


def test_lambda_context(lambda_context):
    assert lambda_context.invoked_function_arn.endswith(f":function:{lambda_context.function_name}")
    assert 0 < lambda_context.get_remaining_time_in_millis() <= 300_000
    assert isinstance(lambda_context.memory_limit_in_mb, int)
    uuid.UUID(lambda_context.aws_request_id)
