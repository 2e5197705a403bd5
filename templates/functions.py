"""The shared layer, the four functions, the quota-calculator custom resource and the schedule.

Artifact keys are content-addressed (``name.<sha256 prefix>.zip``, see bundle/), so any code change
gives a new key and CloudFormation updates the function (the original's fixed keys did not, SPEC §8.12).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from troposphere import GetAtt, If, Parameter, Ref, StackName, Sub, Template
from troposphere.awslambda import (
    Code,
    Content,
    DeadLetterConfig,
    Environment,
    Function,
    LayerVersion,
    LoggingConfig,
    Permission,
)
from troposphere.cloudformation import CustomResource
from troposphere.events import Rule, Target
from troposphere.iam import Role
from troposphere.kms import Key
from troposphere.logs import LogGroup

from bundle import runtime_python
from ops_alert import processor_env as var
from ops_alert.alarms import ALARM_KINDS, BY_KEY, QuotaKind
from ops_alert.deployment import DAILY_CODE_VARIABLE
from templates.configuration import Settings
from templates.iam import Roles, allow_per_day_request
from templates.names import named, placeholder
from templates.notifications import Topics
from templates.parameters import CHAT_ENABLED, SCHEDULE_ENABLED, SINGLE_DAY_SCHEDULE, Parameters
from templates.security import Security
from templates.stores import PROCESSOR_TIMEOUT, Stores

# One place names the runtime: bundle/runtime_python.py compiles the zips' bytecode for the same version.
RUNTIME = runtime_python.NAME
ARCHITECTURE = "arm64"

# Kept as in the original (its order too) for compatibility with existing log queries and tooling;
# the alarm types and severities come from the catalogue (ops_alert.alarms).
_ORIGINAL_PATTERN_ORDER = ("ServerErrors", "Throttles", "ClientErrors", "HighLatency", "LatencyAnomaly",
                           "HighInvocationRate", "HighTPMQuotaUsage", "InvocationAnomaly", "InputTokenAnomaly",
                           "OutputTokenAnomaly")
ELIGIBLE_ALARM_PATTERNS = ",".join(f"{BY_KEY[key].key}-{BY_KEY[key].suffix}" for key in _ORIGINAL_PATTERN_ORDER)
# The alarm types routed to one quota only, as the original listed them.
RPM_ALARM_PATTERNS = ",".join(k.key for k in ALARM_KINDS if k.quotas == {QuotaKind.RPM})
TPM_ALARM_PATTERNS = ",".join(k.key for k in ALARM_KINDS if k.quotas == {QuotaKind.TPM})


# Security-scan (checkov) findings that do not apply, with the reason, kept on each function.
NO_VPC = ("CKV_AWS_117", "Calls only AWS service APIs (CloudWatch, SSM, Secrets Manager, Service Quotas, Support, "
          "Bedrock, SNS, SQS, DynamoDB), no private resources; a VPC would add NAT or endpoint cost and "
          "failure modes without narrowing access")
NO_RESERVATION = ("CKV_AWS_115", "Runs once per deployment or schedule tick; reserving concurrency would take "
                  "from the account's unreserved pool and can fail deployment in low-limit accounts")
CUSTOM_RESOURCE = ("CKV_AWS_116", "A custom resource: CloudFormation invokes it asynchronously and waits for the "
                   "reply on its pre-signed URL; the handler answers SUCCESS or FAILED itself, and a dead-lettered "
                   "request could no longer be answered, so a queue would only hide the failure")
# Log groups: created by the stack (retention, the stack's key) instead of implicitly by Lambda.
LOG_RETENTION_DAYS = 90
LOG_GROUP_PREFIX = "/bedrock-ops-alert/{C}/{M}/"
RETENTION = ("CKV_AWS_338", f"Operational logs of the alert pipeline are kept {LOG_RETENTION_DAYS} days; "
             "the alerts themselves live in the support cases and e-mails, so a year of logs adds cost, not audit")


def checkov_skips(*skips: tuple[str, str]) -> dict[str, Any]:
    return {"checkov": {"skip": [{"id": i, "comment": c} for i, c in skips]}}


def log_group(logical_id: str, artifact: str, key: Key) -> LogGroup:
    """The function's own log group: kept LOG_RETENTION_DAYS, encrypted with the stack's key.

    Not ``/aws/lambda/<name>``: Lambda created that one implicitly for the original stack's
    functions, and a stack update could not create it again (it exists); README Compatibility.
    """
    return LogGroup(f"{logical_id}LogGroup",
                    LogGroupName=named(LOG_GROUP_PREFIX + artifact.replace("_", "-")),
                    RetentionInDays=LOG_RETENTION_DAYS,
                    KmsKeyId=GetAtt(key, "Arn"),
                    Metadata=checkov_skips(RETENTION))


@dataclass(frozen=True)
class FunctionBase:
    """What every function is built from: the artifacts' keys in the bucket, the layer, the stack's key."""

    keys: Mapping[str, str]
    bucket: Parameter
    layer: LayerVersion
    key: Key


def add_lambda_function(t: Template, base: FunctionBase, logical_id: str, name: str, artifact: str, handler: str,
                        timeout: int, *, role: Role, env: dict[str, Any] | None = None, memory: int = 256,
                        **extra: Any) -> Function:
    """The function and its own log group."""
    logs = t.add_resource(log_group(logical_id, artifact, base.key))
    props: dict[str, Any] = dict(
        FunctionName=named(name),
        Description=f"Bedrock Ops Alert: {artifact.replace('_', ' ')}",
        Runtime=RUNTIME,
        Handler=handler,
        Role=GetAtt(role, "Arn"),
        Timeout=timeout,
        MemorySize=memory,
        Architectures=[ARCHITECTURE],
        Layers=[Ref(base.layer)],
        Code=Code(S3Bucket=Ref(base.bucket), S3Key=base.keys[artifact]),
        LoggingConfig=LoggingConfig(LogGroup=Ref(logs)),
    )
    if env:
        props["Environment"] = Environment(Variables=env)
        # Environment variables hold only names, but encrypting them with the stack's key costs nothing.
        props["KmsKeyArn"] = GetAtt(base.key, "Arn")
    return t.add_resource(Function(logical_id, **props, **extra))


def dead_letter(stores: Stores) -> DeadLetterConfig:
    """Asynchronous invocations that fail every retry land in the stack's dead-letter queue."""
    return DeadLetterConfig(TargetArn=GetAtt(stores.dead_letter_queue, "Arn"))


@dataclass(frozen=True)
class Functions:
    layer: LayerVersion
    quota_calculator: Function
    # Thresholds, the resolved metric dimension and display ID, quota-code warnings (SPEC §4.1).
    quota_calculator_resource: CustomResource
    alarm_updater: Function
    email_subscription_manager: Function
    notification_processor: Function


def add_functions(t: Template, keys: Mapping[str, str], params: Parameters, security: Security, settings: Settings,
                  topics: Topics, stores: Stores, roles: Roles) -> Functions:
    layer = t.add_resource(LayerVersion(
        "QuotaUtilsLayer",
        LayerName=named("{C}-Quota-Utils-Layer-{M}"),
        Description="Bedrock Ops Alert decision rules and AWS adapters",
        Content=Content(S3Bucket=Ref(params.lambda_s3_bucket), S3Key=keys["quota_utils_layer"]),
        CompatibleRuntimes=[RUNTIME],
        CompatibleArchitectures=[ARCHITECTURE],
    ))
    base = FunctionBase(keys=keys, bucket=params.lambda_s3_bucket, layer=layer, key=security.key)

    quota_calculator = add_lambda_function(
        t, base, "QuotaCalculator", "{C}-Quota-Calculator-{M}", "quota_calculator", "quota_calculator.handler", 300,
        role=roles.quota_calculator, Metadata=checkov_skips(NO_VPC, NO_RESERVATION, CUSTOM_RESOURCE))
    calculator = t.add_resource(CustomResource(
        "QuotaCalculatorCustomResource",
        ServiceToken=GetAtt(quota_calculator, "Arn"),
        RequestsPerMinuteQuotaCode=Ref(params.requests_per_minute_quota_code),
        TokensPerMinuteQuotaCode=Ref(params.tokens_per_minute_quota_code),
        QuotaCodeCheck=Ref(params.quota_code_check),
        RequestsPerMinuteThresholdPercent=Ref(params.requests_per_minute_threshold_percent),
        TokensPerMinuteThresholdPercent=Ref(params.tokens_per_minute_threshold_percent),
        CustomerName=Ref(params.customer_name),
        BedrockModelName=Ref(params.bedrock_model_name),
        BedrockModelId=Ref(params.bedrock_model_id),
        InferenceProfileType=Ref(params.inference_profile_type),
    ))
    allow_per_day_request(roles.notification_processor, calculator)

    alarm_updater = add_lambda_function(
        t, base, "AlarmUpdater", "{C}-Alarm-Updater-{M}", "alarm_updater", "alarm_updater.handler", 300,
        role=roles.alarm_updater, DeadLetterConfig=dead_letter(stores), Metadata=checkov_skips(NO_VPC, NO_RESERVATION),
        env={
            "CUSTOMER_NAME": Ref(params.customer_name),
            "BEDROCK_MODEL_NAME": Ref(params.bedrock_model_name),
            "RPM_QUOTA_CODE": Ref(params.requests_per_minute_quota_code),
            "TPM_QUOTA_CODE": Ref(params.tokens_per_minute_quota_code),
            "RPM_THRESHOLD_PERCENT": Ref(params.requests_per_minute_threshold_percent),
            "TPM_THRESHOLD_PERCENT": Ref(params.tokens_per_minute_threshold_percent),
            "INFERENCE_PROFILE_TYPE": Ref(params.inference_profile_type),
            "BEDROCK_MODEL_ID": Ref(params.bedrock_model_id),
            # Issue 12: the per-day token quota whose alarm threshold it keeps in step (NA: none).
            DAILY_CODE_VARIABLE: GetAtt(calculator, "DailyTokenQuotaCode"),
        })
    schedule = t.add_resource(Rule(
        "ThresholdUpdateSchedule",
        Condition=SCHEDULE_ENABLED,
        Name=named("{C}-Threshold-Update-Schedule-{M}"),
        Description="Keeps the Layer 2 alarm thresholds in step with the model's quotas",
        ScheduleExpression=If(SINGLE_DAY_SCHEDULE, "rate(1 day)",
                              Sub(f"rate({placeholder(params.threshold_update_schedule_interval_days)} days)")),
        State="ENABLED",
        Targets=[Target(Arn=GetAtt(alarm_updater, "Arn"), Id="AlarmUpdaterTarget")],
    ))
    t.add_resource(Permission(
        "AlarmUpdaterEventPermission",
        Condition=SCHEDULE_ENABLED,
        FunctionName=Ref(alarm_updater),
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=GetAtt(schedule, "Arn"),
    ))

    email_subscription_manager = add_lambda_function(
        t, base, "EmailSubscriptionManager", "{C}-Email-Subscription-Manager-{M}", "email_subscription_manager",
        "email_subscription_manager.handler", 120, role=roles.email_subscription_manager,
        Metadata=checkov_skips(NO_VPC, NO_RESERVATION, CUSTOM_RESOURCE))

    notification_processor = add_lambda_function(
        t, base, "NotificationProcessor", "{C}-Bedrock-Notification-Processor-{M}", "notification_processor",
        "notification_processor.handler", PROCESSOR_TIMEOUT, role=roles.notification_processor, memory=512,
        DeadLetterConfig=dead_letter(stores),
        Metadata=checkov_skips(NO_VPC),
        # One at a time: two alarms at the same moment are handled in turn, so the second sees the
        # first one's case instead of opening another. Throttled async events wait in Lambda's queue.
        ReservedConcurrentExecutions=1,
        env={
            var.CUSTOMER_NAME_SECRET: Ref(security.customer_name_secret),
            var.BEDROCK_MODEL_ID: Ref(params.bedrock_model_id),
            var.BEDROCK_MODEL_ID_DISPLAY: GetAtt(calculator, "ResolvedModelIdDisplay"),
            var.INFERENCE_PROFILE_TYPE: Ref(params.inference_profile_type),
            var.BEDROCK_MODEL_NAME: Ref(params.bedrock_model_name),
            var.GEO_DATA_RESIDENCY_REQUIREMENT: Ref(params.geo_data_residency_requirement),
            var.INPUT_MODALITIES: Ref(params.input_modalities),
            var.STAKEHOLDER_EMAILS_SECRET: Ref(security.stakeholder_emails_secret),
            var.NOTIFICATION_PREFERENCE_PARAM: Ref(settings.notification_preference),
            var.FORMATTED_TOPIC_ARN: Ref(topics.formatted),
            var.ENABLE_AUTOMATED_SUPPORT_CASE_PARAM: Ref(settings.enable_automated_support_case),
            var.USE_CASE_DESCRIPTION_PARAM: Ref(settings.use_case_description),
            var.TOKENS_PER_MINUTE_INCREASE_PERCENT_PARAM: Ref(settings.tokens_per_minute_increase_percent),
            var.REQUESTS_PER_MINUTE_INCREASE_PERCENT_PARAM: Ref(settings.requests_per_minute_increase_percent),
            var.SUPPORT_CASE_LOOKBACK_DAYS: Ref(params.support_case_lookback_days),
            var.AUTOMATION_REPLY_MAX_ATTEMPTS: "120",
            var.REQUESTS_PER_MINUTE_QUOTA_CODE: Ref(params.requests_per_minute_quota_code),
            var.TOKENS_PER_MINUTE_QUOTA_CODE: Ref(params.tokens_per_minute_quota_code),
            var.ELIGIBLE_ALARM_PATTERNS: ELIGIBLE_ALARM_PATTERNS,
            var.RPM_ALARM_PATTERNS: RPM_ALARM_PATTERNS,
            var.TPM_ALARM_PATTERNS: TPM_ALARM_PATTERNS,
            # Added: names the composite alarm without a secret read, and wires the resilience resources.
            var.CUSTOMER_NAME: Ref(params.customer_name),
            var.IDEMPOTENCY_TABLE: Ref(stores.idempotency_table),
            var.FOLLOW_UP_QUEUE_URL: Ref(stores.follow_up_queue),
            var.CASE_MARKER_KEY_SECRET: Ref(security.case_marker_key_secret),
            var.POWERTOOLS_SERVICE_NAME: "bedrock-ops-alert",
            # Named in the decision events (issue 13).
            var.STACK_NAME: StackName,
            # Issue 12: the per-day token quota and the percent its forecast threshold uses.
            var.DAILY_TOKEN_QUOTA_CODE: GetAtt(calculator, "DailyTokenQuotaCode"),
            var.TPM_THRESHOLD_PERCENT: Ref(params.tokens_per_minute_threshold_percent),
            # The chat topic (issue 13); "" keeps chat off.
            var.CHAT_TOPIC_ARN: If(CHAT_ENABLED, Ref(topics.chat), ""),
        })
    return Functions(layer=layer, quota_calculator=quota_calculator, quota_calculator_resource=calculator,
                     alarm_updater=alarm_updater, email_subscription_manager=email_subscription_manager,
                     notification_processor=notification_processor)
