"""quota_requests: history, submitting, the pending request, and when the path is unavailable."""
from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from ops_alert_aws import quota_requests
from ops_alert_aws.quota_requests import QuotaPathUnavailable
from tests.fakes import StandardFakes

RPM = "L-3DD46812"


@pytest.fixture
def sq(aws: StandardFakes) -> Any:
    aws.service_quotas.add_quota(RPM, "Global cross-region model inference requests per minute for X", 100)
    return aws.service_quotas


def test_submit_opens_a_request_with_its_case(sq: Any) -> None:
    submitted = quota_requests.submit_increase(RPM, 125)
    assert not submitted.already_pending
    assert submitted.request.status == "CASE_OPENED" and submitted.request.case_display_id
    assert sq.requests[0].desired_value == 125


def test_second_submit_returns_the_pending_request(sq: Any) -> None:
    sq.auto_open_case = False
    first = quota_requests.submit_increase(RPM, 125).request
    again = quota_requests.submit_increase(RPM, 150)
    assert again.already_pending and again.request.request_id == first.request_id
    assert len(sq.requests) == 1


@pytest.mark.parametrize(
    ("breaks", "code"),
    [
        (lambda sq: setattr(sq, "service_linked_role", False), RPM),
        (lambda sq: setattr(sq.quota(RPM), "adjustable", False), RPM),
        (lambda sq: None, "L-00000000"),
    ],
    ids=["no-service-linked-role", "not-adjustable", "no-such-quota"],
)
def test_unavailable_path(sq: Any, breaks: Any, code: str) -> None:
    breaks(sq)
    with pytest.raises(QuotaPathUnavailable):
        quota_requests.submit_increase(code, 125)
    assert sq.requests == []


def test_history_all_pages_newest_first(sq: Any, aws_calls: Counter[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quota_requests, "PAGE_SIZE", 2)
    for value in (110, 120, 130):
        request = quota_requests.submit_increase(RPM, value).request
        sq.approve(request.request_id)
        sq.quota(RPM).value = value - 5  # keep the next increase valid
    history = quota_requests.request_history([RPM, RPM])  # duplicates read once
    assert [r.desired_value for r in history] == [130, 120, 110]
    assert aws_calls["service-quotas:ListRequestedServiceQuotaChangeHistoryByQuota"] == 2
    assert quota_requests.open_request(history, RPM) is None


def test_get_request_reports_the_case_once_opened(sq: Any) -> None:
    sq.auto_open_case = False
    request = quota_requests.submit_increase(RPM, 125).request
    assert quota_requests.get_request(request.request_id).case_display_id is None
    sq.open_case(request.request_id)
    assert quota_requests.get_request(request.request_id).case_display_id
