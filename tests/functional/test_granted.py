"""The IAM check every packaged handler runs under (tests/functional/granted.py) catches a
call its role does not allow, and passes the calls it does."""
from __future__ import annotations

import boto3
import pytest

from tests.fakes import StandardFakes
from tests.fakes.core import Call
from tests.functional.granted import granted_actions, granted_calls_only, iam_action, ungranted


def test_every_function_of_the_template_has_its_role_actions() -> None:
    actions = granted_actions()
    assert set(actions) == {"quota_calculator", "alarm_updater", "email_subscription_manager",
                            "notification_processor"}
    assert "servicequotas:listservicequotas" in actions["quota_calculator"]
    assert "support:createcase" in actions["notification_processor"]
    assert "support:createcase" not in actions["quota_calculator"]
    # Granted by a conditional policy resource (ChatNotifications=Yes), not by the role itself.
    assert {"sns:publish", "sns:listsubscriptionsbytopic"} <= actions["notification_processor"]


@pytest.mark.parametrize(("service", "operation", "action"), [
    ("service-quotas", "ListServiceQuotas", "servicequotas:listservicequotas"),
    ("sqs", "SendMessageBatch", "sqs:sendmessage"),
    ("cloudwatch", "GetMetricData", "cloudwatch:getmetricdata"),
])
def test_calls_map_to_their_iam_action(service: str, operation: str, action: str) -> None:
    assert iam_action(Call(service, operation, {}, None)) == action


def test_a_call_outside_the_role_is_named() -> None:
    calls = [Call("ssm", "PutParameter", {}, None), Call("support", "CreateCase", {}, None)]
    assert ungranted("quota_calculator", calls) == ["support:CreateCase (needs support:createcase)"]
    assert ungranted("notification_processor", [Call("support", "CreateCase", {}, None)]) == []


def test_a_handler_making_an_ungranted_call_fails(aws: StandardFakes) -> None:
    def handler(event: object, context: object) -> str:
        boto3.client("sns", region_name="us-east-1").list_topics()  # not granted to the e-mail function
        return "done"

    with pytest.raises(AssertionError, match=r"sns:ListTopics"):
        granted_calls_only("email_subscription_manager", handler)({}, None)
    assert granted_calls_only("notification_processor", lambda e, c: "done")({}, None) == "done"
