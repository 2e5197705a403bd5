"""Least privilege: no wildcard actions, resource-level ARNs wherever the service supports them."""
from __future__ import annotations

import pytest

# Actions whose service offers no resource-level permission: "*" is the only valid Resource.
RESOURCE_STAR_ONLY = {
    "servicequotas:getservicequota", "servicequotas:listservicequotas", "servicequotas:getawsdefaultservicequota",
    "servicequotas:listawsdefaultservicequotas",
    "servicequotas:getrequestedservicequotachange", "servicequotas:listrequestedservicequotachangehistorybyquota",
    "support:createcase", "support:addcommunicationtocase", "support:describecommunications",
    "support:describecases", "support:describeseveritylevels", "support:addattachmentstoset",
    "cloudwatch:getmetricdata", "cloudwatch:getmetricwidgetimage", "bedrock:listinferenceprofiles",
    "sqs:listqueues",
}
# Read-only actions AWS answers about composite alarms only when granted on "*" (CloudWatch API
# reference, DescribeAlarms and DescribeAlarmHistory); the processor reads its composite with both.
COMPOSITE_ALARM_READS = {"cloudwatch:describealarms", "cloudwatch:describealarmhistory"}


def statements(resources: dict):
    for lid, r in resources.items():
        props = r["Properties"]
        docs = [(p["PolicyName"], p["PolicyDocument"]) for p in props.get("Policies", [])]
        if r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            docs.append((lid, props["PolicyDocument"]))
        for name, doc in docs:
            for st in doc["Statement"]:
                actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                resources_ = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
                yield f"{lid}/{name}", [a.lower() for a in actions], resources_


def test_no_wildcard_actions(resources: dict) -> None:
    offenders = [(where, a) for where, actions, _ in statements(resources) for a in actions if "*" in a]
    assert offenders == []


def test_star_resources_only_where_the_service_has_no_resource_arns(resources: dict) -> None:
    offenders = [(where, actions) for where, actions, res in statements(resources)
                 if "*" in res and not set(actions) <= RESOURCE_STAR_ONLY | COMPOSITE_ALARM_READS]
    assert offenders == []


def test_the_processor_can_read_its_composite_alarm_and_its_history(resources: dict) -> None:
    # A narrower Resource makes CloudWatch leave composite alarms out of both answers: every real
    # composite notification would then fail verification (no case, no e-mail).
    role = {"NotificationProcessorRole": resources["NotificationProcessorRole"]}
    scopes = {a: res for _, actions, res in statements(role) for a in actions if a in COMPOSITE_ALARM_READS}
    assert scopes == {a: ["*"] for a in COMPOSITE_ALARM_READS}


def test_roles_trust_only_lambda(resources: dict) -> None:
    for lid, r in resources.items():
        if r["Type"] == "AWS::IAM::Role":
            (st,) = r["Properties"]["AssumeRolePolicyDocument"]["Statement"]
            assert st["Principal"] == {"Service": "lambda.amazonaws.com"} and st["Action"] == "sts:AssumeRole", lid


@pytest.mark.parametrize("role,action", [
    ("QuotaCalculatorRole", "ssm:deleteparameters"),  # Delete cleans up what it wrote (SPEC §8.11)
    ("AlarmUpdaterRole", "cloudwatch:putmetricalarm"),
    ("EmailSubscriptionManagerRole", "sns:unsubscribe"),
    ("NotificationProcessorRole", "support:createcase"),
    ("NotificationProcessorRole", "servicequotas:requestservicequotaincrease"),
])
def test_each_function_has_what_its_job_needs(resources: dict, role: str, action: str) -> None:
    granted = {a for where, actions, _ in statements({role: resources[role]}) for a in actions}
    assert action in granted


def test_the_processor_may_request_only_the_models_own_quotas(resources: dict) -> None:
    """RPM, TPM and the per-day token quota the quota calculator found (issue 12), nothing else."""
    found = [r for where, actions, res in statements({"p": resources["NotificationProcessorRole"]})
             if "servicequotas:requestservicequotaincrease" in actions for r in res]
    codes = sorted(r["Fn::Sub"].rsplit("/", 1)[1] for r in found)
    assert codes == ["${QuotaCalculatorCustomResource.DailyTokenQuotaCode}", "${RequestsPerMinuteQuotaCode}",
                     "${TokensPerMinuteQuotaCode}"]


def test_the_updater_can_only_touch_the_three_layer2_usage_alarms(resources: dict) -> None:
    (cw,) = [res for where, actions, res in statements({"r": resources["AlarmUpdaterRole"]})
             if "cloudwatch:putmetricalarm" in actions]
    names = sorted(r["Fn::Sub"].rsplit(":", 1)[1] for r in cw)
    assert names == ["${CustomerName}-Bedrock-HighDailyTokenUsage-Warning-${BedrockModelName}",
                     "${CustomerName}-Bedrock-HighInvocationRate-Warning-${BedrockModelName}",
                     "${CustomerName}-Bedrock-HighTPMQuotaUsage-Warning-${BedrockModelName}"]


def test_key_policy_lets_cloudwatch_and_sns_use_the_key(resources: dict) -> None:
    """An encrypted topic that CloudWatch cannot use silently drops alarm actions (SPEC §9)."""
    st = resources["BedrockOpsAlertEncryptionKey"]["Properties"]["KeyPolicy"]["Statement"]
    services = {str(s["Principal"].get("Service")) for s in st}
    assert {"cloudwatch.amazonaws.com", "sns.amazonaws.com", "{'Fn::Sub': 'logs.${AWS::Region}.amazonaws.com'}"} <= services
    assert resources["BedrockOpsAlertEncryptionKey"]["Properties"]["EnableKeyRotation"] is True


def test_service_principals_use_the_key_only_for_this_account_and_stack(resources: dict) -> None:
    """A service principal without a condition could be steered to the key from another account
    (confused deputy); CloudWatch Logs may use it only for this stack's log groups."""
    st = resources["BedrockOpsAlertEncryptionKey"]["Properties"]["KeyPolicy"]["Statement"]
    for s in st:
        if "Service" not in s["Principal"]:
            continue
        condition = s.get("Condition", {})
        account = condition.get("StringEquals", {}).get("aws:SourceAccount")
        log_group = condition.get("ArnLike", {}).get("kms:EncryptionContext:aws:logs:arn")
        assert account == {"Fn::Sub": "${AWS::AccountId}"} or "/bedrock-ops-alert/" in str(log_group), s["Sid"]


def test_every_function_logs_to_a_stack_log_group_with_retention_and_the_key(resources: dict) -> None:
    functions = {lid: r for lid, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    assert len(functions) == 4
    for lid, fn in functions.items():
        group = resources[fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert group["Properties"]["RetentionInDays"] == 90, lid
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["BedrockOpsAlertEncryptionKey", "Arn"]}, lid


@pytest.mark.parametrize("queue,senders", [
    ("FollowUpQueue", ["NotificationProcessorRole"]),
    ("AlertDeadLetterQueue", ["NotificationProcessorRole", "AlarmUpdaterRole"]),
], ids=["follow-up-queue", "dead-letter-queue"])
def test_only_this_stacks_roles_send_to_its_queues(resources: dict, queue: str, senders: list[str]) -> None:
    """Any principal with a broad sqs:SendMessage could otherwise feed the processor forged alarms."""
    (policy,) = [r for r in resources.values()
                 if r["Type"] == "AWS::SQS::QueuePolicy" and r["Properties"]["Queues"] == [{"Ref": queue}]]
    (st,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (st["Effect"], st["Principal"], st["Action"]) == ("Deny", "*", ["sqs:SendMessage"])
    assert st["Condition"]["StringNotEquals"]["aws:PrincipalArn"] == [{"Fn::GetAtt": [r, "Arn"]} for r in senders]
    assert st["Condition"]["Bool"]["aws:ViaAWSService"] == "false"


@pytest.mark.parametrize("role,action", [
    ("QuotaCalculatorRole", "servicequotas:getservicequota"),
    ("QuotaCalculatorRole", "ssm:deleteparameter"),
    ("NotificationProcessorRole", "kms:describekey"),
])
def test_grants_no_code_path_uses_are_gone(resources: dict, role: str, action: str) -> None:
    granted = {a for where, actions, _ in statements({role: resources[role]}) for a in actions}
    assert action not in granted


# The Service Authorization Reference lists `servicequotas:service` for these actions only; on any
# other action the key is absent from the request context, so StringEquals on it never matches.
SERVICE_QUOTAS_SERVICE_KEY_ACTIONS = {
    "servicequotas:requestservicequotaincrease", "servicequotas:putservicequotaincreaserequestintotemplate",
}


def test_conditions_only_use_keys_the_actions_carry(resources: dict) -> None:
    """A statement conditioned on a key its action does not carry grants nothing: the processor's
    ListRequestedServiceQuotaChangeHistoryByQuota call (finding the case of a pending quota
    request) would be denied, and it would open a duplicate case instead of appending."""
    offenders = []
    for lid, r in resources.items():
        for p in r["Properties"].get("Policies", []):
            for st in p["PolicyDocument"]["Statement"]:
                keys = {k.lower() for op in st.get("Condition", {}).values() for k in op}
                actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                if "servicequotas:service" in keys:
                    offenders += [(lid, p["PolicyName"], a) for a in actions
                                  if a.lower() not in SERVICE_QUOTAS_SERVICE_KEY_ACTIONS]
    assert offenders == []


def test_only_our_follow_up_queue_may_redrive_into_the_dead_letter_queue(resources: dict) -> None:
    allow = resources["AlertDeadLetterQueue"]["Properties"]["RedriveAllowPolicy"]
    (source,) = allow["sourceQueueArns"]
    assert allow["redrivePermission"] == "byQueue"
    assert source["Fn::Sub"].endswith(":${CustomerName}-Bedrock-Ops-Alert-Follow-Up-${BedrockModelName}")
    assert resources["FollowUpQueue"]["Properties"]["QueueName"] == {
        "Fn::Sub": "${CustomerName}-Bedrock-Ops-Alert-Follow-Up-${BedrockModelName}"}
