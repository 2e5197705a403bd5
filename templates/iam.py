"""IAM roles of the four functions; every policy document is built with awacs.

Least privilege: no action wildcards, and resource-level ARNs wherever the service supports them
(Service Quotas reads, Support, GetMetricData and the List* calls only support ``*``). Policy names
are those of the original stack.
"""
from __future__ import annotations

from dataclasses import dataclass

import awacs.bedrock as bedrock
import awacs.cloudwatch as cloudwatch
import awacs.dynamodb as dynamodb
import awacs.events as events
import awacs.kms as kms
import awacs.secretsmanager as secretsmanager
import awacs.servicequotas as servicequotas
import awacs.sns as sns
import awacs.sqs as sqs
import awacs.ssm as ssm
import awacs.sts as sts
import awacs.support as support
from awacs.aws import Action, Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, Ref, Sub, Template
from troposphere.cloudformation import CustomResource
from troposphere.iam import Policy, PolicyType, Role

from templates.names import DASHBOARD_NAME, C, M, alarm_arn, named, placeholder, ssm_parameter_arn
from templates.notifications import Topics
from templates.parameters import CHAT_ENABLED, Parameters
from templates.security import Security
from templates.stores import Stores

BASIC_EXECUTION = Sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
_BEDROCK_PROFILES = [
    Sub("arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:inference-profile/*"),
    Sub("arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:application-inference-profile/*"),
]
_BEDROCK_QUOTA_ARN = "arn:${AWS::Partition}:servicequotas:${AWS::Region}:${AWS::AccountId}:bedrock/"
_BEDROCK_QUOTAS = Condition(StringEquals("servicequotas:service", "bedrock"))


class TrustStatement(Statement):
    """A statement whose single Action is written as a scalar, as in the original trust policies."""

    props = {**Statement.props, "Action": (Action, True)}  # noqa: RUF012 - awacs reads props per class


def allow(actions: list, resources: list, condition: Condition | None = None) -> Statement:
    extra = {"Condition": condition} if condition is not None else {}
    return Statement(Effect=Allow, Action=actions, Resource=resources, **extra)


def policy(name: str, *statements: Statement) -> Policy:
    return Policy(PolicyName=name, PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=list(statements)))


def lambda_role(logical_id: str, role_name: str, policies: list[Policy]) -> Role:
    return Role(
        logical_id,
        RoleName=named(role_name),
        AssumeRolePolicyDocument=PolicyDocument(
            Version="2012-10-17",
            Statement=[TrustStatement(Effect=Allow, Principal=Principal("Service", "lambda.amazonaws.com"),
                                      Action=sts.AssumeRole)],
        ),
        ManagedPolicyArns=[BASIC_EXECUTION],
        Policies=policies,
    )


def bedrock_profiles_policy() -> Policy:
    return policy("BedrockInferenceProfilePolicy",
                  allow([bedrock.GetInferenceProfile], _BEDROCK_PROFILES),
                  allow([bedrock.ListInferenceProfiles], ["*"]))


def quota_calculator_role() -> Role:
    return lambda_role("QuotaCalculatorRole", "{C}-Quota-Calculator-Role-{M}-${{AWS::Region}}", [
        policy("ServiceQuotasPolicy",
               # The default-value calls see quotas never raised in this account, which the
               # applied-value ones omit (a code given as NA is checked against them too).
               allow([servicequotas.ListServiceQuotas, servicequotas.GetAWSDefaultServiceQuota,
                      servicequotas.ListAWSDefaultServiceQuotas], ["*"])),
        # Writes the thresholds and display ID on create/update, removes them on delete (SPEC §8.11).
        policy("ParameterStorePolicy",
               allow([ssm.PutParameter, ssm.DeleteParameters],
                     [ssm_parameter_arn("thresholds/*"), ssm_parameter_arn("resolved-model-id-display")])),
        bedrock_profiles_policy(),
    ])


def alarm_updater_role() -> Role:
    layer2 = [alarm_arn("{C}-Bedrock-HighInvocationRate-Warning-{M}"),
              alarm_arn("{C}-Bedrock-HighTPMQuotaUsage-Warning-{M}"),
              alarm_arn("{C}-Bedrock-HighDailyTokenUsage-Warning-{M}")]  # issue 12: the per-day alarm
    return lambda_role("AlarmUpdaterRole", "{C}-Alarm-Updater-Role-{M}-${{AWS::Region}}", [
        policy("ServiceQuotasPolicy",
               allow([servicequotas.GetServiceQuota, servicequotas.GetAWSDefaultServiceQuota], ["*"])),
        policy("CloudWatchAlarmsPolicy", allow([cloudwatch.DescribeAlarms, cloudwatch.PutMetricAlarm], layer2)),
        # Keeps the dashboard's threshold and quota lines in step with the alarms.
        policy("CloudWatchDashboardPolicy",
               allow([cloudwatch.GetDashboard, cloudwatch.PutDashboard],
                     [Sub("arn:${AWS::Partition}:cloudwatch::${AWS::AccountId}:dashboard/"
                          + DASHBOARD_NAME.format(C=C, M=M))])),
        policy("ParameterStorePolicy",
               allow([ssm.PutParameter, ssm.GetParameter], [ssm_parameter_arn("thresholds/*")])),
        bedrock_profiles_policy(),
    ])


def email_subscription_role(topics: Topics) -> Role:
    return lambda_role("EmailSubscriptionManagerRole", "{C}-Email-Subscription-Role-{M}-${{AWS::Region}}", [
        policy("SNSSubscriptionPolicy",
               allow([sns.Subscribe, sns.Unsubscribe, sns.ListSubscriptionsByTopic],
                     [Ref(topics.formatted)])),
    ])


def notification_processor_role(params: Parameters, security: Security, topics: Topics, stores: Stores) -> Role:
    """Exactly the calls the processor makes (functions/notification_processor, ops_alert_aws)."""
    return lambda_role("NotificationProcessorRole", "{C}-Bedrock-Processor-Role-{M}-${{AWS::Region}}", [
        # Secrets, the encrypted topic and queues.
        policy("KMSPolicy",
               allow([kms.Decrypt, kms.GenerateDataKey], [GetAtt(security.key, "Arn")])),
        policy("SNSPolicy", allow([sns.Publish], [Ref(topics.formatted)])),
        policy("SecretsManagerPolicy",
               allow([secretsmanager.GetSecretValue],
                     [Ref(security.customer_name_secret), Ref(security.stakeholder_emails_secret),
                      Ref(security.case_marker_key_secret)])),
        policy("ParameterStorePolicy", allow([ssm.GetParameters], [ssm_parameter_arn("*")])),
        policy("ServiceQuotasPolicy",
               allow([servicequotas.GetServiceQuota, servicequotas.GetAWSDefaultServiceQuota,
                      servicequotas.GetRequestedServiceQuotaChange], ["*"]),
               allow([servicequotas.RequestServiceQuotaIncrease], [
                   Sub(_BEDROCK_QUOTA_ARN + placeholder(params.tokens_per_minute_quota_code)),
                   Sub(_BEDROCK_QUOTA_ARN + placeholder(params.requests_per_minute_quota_code)),
               ], _BEDROCK_QUOTAS),
               # No servicequotas:service condition here: the key exists only on RequestServiceQuotaIncrease
               # (and PutServiceQuotaIncreaseRequestIntoTemplate); on this action it would never match and
               # the pending-request lookup would be denied.
               allow([servicequotas.ListRequestedServiceQuotaChangeHistoryByQuota], ["*"])),
        # The Support API has no resource-level permissions. A SubscriptionRequiredException from
        # DescribeCases is the support-plan check, so DescribeSeverityLevels is not needed.
        policy("SupportPolicy",
               allow([support.CreateCase, support.AddCommunicationToCase, support.DescribeCommunications,
                      support.DescribeCases, support.AddAttachmentsToSet], ["*"])),
        policy("CloudWatchPolicy",
               # The alarm history confirms that a reported transition really happened (issue 9). Both on
               # "*": with a narrower scope CloudWatch returns nothing about composite alarms (API
               # reference of DescribeAlarms and DescribeAlarmHistory), and the composite is the signal.
               allow([cloudwatch.DescribeAlarms, cloudwatch.DescribeAlarmHistory], ["*"]),
               # Neither has resource-level permissions; the image is the usage graph attached to a case.
               allow([cloudwatch.GetMetricData, cloudwatch.GetMetricWidgetImage], ["*"])),
        # Resilience resources (templates/stores.py): follow-up queue as producer and event
        # source, dead-letter queue, idempotency records.
        policy("QueuePolicy",
               allow([sqs.SendMessage],
                     [GetAtt(stores.follow_up_queue, "Arn"), GetAtt(stores.dead_letter_queue, "Arn")]),
               allow([sqs.ReceiveMessage, sqs.DeleteMessage, sqs.GetQueueAttributes, sqs.ChangeMessageVisibility],
                     [GetAtt(stores.follow_up_queue, "Arn")])),
        policy("IdempotencyPolicy",
               allow([dynamodb.GetItem, dynamodb.PutItem, dynamodb.UpdateItem, dynamodb.DeleteItem],
                     [GetAtt(stores.idempotency_table, "Arn")])),
        # Usage of an application profile combines every sibling sharing its model list.
        bedrock_profiles_policy(),
        # One decision event per alarm signal (issue 13), on the account's default bus only.
        policy("DecisionEventsPolicy",
               allow([events.PutEvents],
                     [Sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default")])),
    ])


def allow_per_day_request(processor: Role, calculator: CustomResource) -> None:
    """The processor may also request the per-day token quota the quota calculator found (issue 12;
    only when the model has no TPM quota to carry it). Added once the calculator exists: the roles
    are made before the functions."""
    processor.Policies.append(policy(
        "PerDayQuotaPolicy",
        allow([servicequotas.RequestServiceQuotaIncrease],
              [Sub(_BEDROCK_QUOTA_ARN + placeholder(calculator, "DailyTokenQuotaCode"))], _BEDROCK_QUOTAS)))


def processor_chat_policy(topics: Topics, role: Role) -> PolicyType:
    """With ChatNotifications=Yes: publish to the chat topic and see whether a channel is subscribed."""
    return PolicyType(
        "NotificationProcessorChatPolicy",
        Condition=CHAT_ENABLED,
        PolicyName="ChatTopicPolicy",
        Roles=[Ref(role)],
        PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[
            allow([sns.Publish, sns.ListSubscriptionsByTopic], [Ref(topics.chat)])]),
    )


def dead_letter_policy(security: Security, stores: Stores) -> Policy:
    """Lambda writes a failed asynchronous event to the (KMS-encrypted) dead-letter queue as the function's role."""
    return policy("DeadLetterPolicy",
                  allow([sqs.SendMessage], [GetAtt(stores.dead_letter_queue, "Arn")]),
                  allow([kms.Decrypt, kms.GenerateDataKey], [GetAtt(security.key, "Arn")]))


@dataclass(frozen=True)
class Roles:
    quota_calculator: Role
    alarm_updater: Role
    email_subscription_manager: Role
    notification_processor: Role


def add_iam(t: Template, params: Parameters, security: Security, topics: Topics, stores: Stores) -> Roles:
    updater = alarm_updater_role()
    updater.Policies.append(dead_letter_policy(security, stores))
    roles = Roles(
        quota_calculator=t.add_resource(quota_calculator_role()),
        alarm_updater=t.add_resource(updater),
        email_subscription_manager=t.add_resource(email_subscription_role(topics)),
        notification_processor=t.add_resource(notification_processor_role(params, security, topics, stores)),
    )
    t.add_resource(processor_chat_policy(topics, roles.notification_processor))
    return roles
