"""The notification processor's environment contract: every variable name, declared once.

``templates/functions.py`` gives the function exactly ``TEMPLATE_VARIABLES``;
``ops_alert_aws.settings.ProcessorEnv.from_env`` reads them by these names; the functional tests
take their values from the rendered template (tests/functional/processor_world.py), so a name
changed in one place cannot silently disagree with another.
"""
from __future__ import annotations

from typing import Final

# Stack identity and the model.
CUSTOMER_NAME: Final = "CUSTOMER_NAME"  # added: names the composite alarm without a secret read
CUSTOMER_NAME_SECRET: Final = "CUSTOMER_NAME_SECRET"
BEDROCK_MODEL_NAME: Final = "BEDROCK_MODEL_NAME"
BEDROCK_MODEL_ID: Final = "BEDROCK_MODEL_ID"  # metric dimension (short ID for an application profile)
BEDROCK_MODEL_ID_DISPLAY: Final = "BEDROCK_MODEL_ID_DISPLAY"  # the model the quotas belong to
INFERENCE_PROFILE_TYPE: Final = "INFERENCE_PROFILE_TYPE"
GEO_DATA_RESIDENCY_REQUIREMENT: Final = "GEO_DATA_RESIDENCY_REQUIREMENT"
INPUT_MODALITIES: Final = "INPUT_MODALITIES"
REQUESTS_PER_MINUTE_QUOTA_CODE: Final = "REQUESTS_PER_MINUTE_QUOTA_CODE"
TOKENS_PER_MINUTE_QUOTA_CODE: Final = "TOKENS_PER_MINUTE_QUOTA_CODE"
# Where the tunables and secrets live (names of SSM parameters and secrets, the topic's ARN).
STAKEHOLDER_EMAILS_SECRET: Final = "STAKEHOLDER_EMAILS_SECRET"
FORMATTED_TOPIC_ARN: Final = "FORMATTED_TOPIC_ARN"
NOTIFICATION_PREFERENCE_PARAM: Final = "NOTIFICATION_PREFERENCE_PARAM"
ENABLE_AUTOMATED_SUPPORT_CASE_PARAM: Final = "ENABLE_AUTOMATED_SUPPORT_CASE_PARAM"
USE_CASE_DESCRIPTION_PARAM: Final = "USE_CASE_DESCRIPTION_PARAM"
TOKENS_PER_MINUTE_INCREASE_PERCENT_PARAM: Final = "TOKENS_PER_MINUTE_INCREASE_PERCENT_PARAM"
REQUESTS_PER_MINUTE_INCREASE_PERCENT_PARAM: Final = "REQUESTS_PER_MINUTE_INCREASE_PERCENT_PARAM"
# Numbers.
SUPPORT_CASE_LOOKBACK_DAYS: Final = "SUPPORT_CASE_LOOKBACK_DAYS"
AUTOMATION_REPLY_MAX_ATTEMPTS: Final = "AUTOMATION_REPLY_MAX_ATTEMPTS"
USAGE_LOOKBACK_DAYS: Final = "USAGE_LOOKBACK_DAYS"  # optional, not set by the template (default 14)
# The resilience resources.
IDEMPOTENCY_TABLE: Final = "IDEMPOTENCY_TABLE"
FOLLOW_UP_QUEUE_URL: Final = "FOLLOW_UP_QUEUE_URL"
# The secret whose key seals our case markers (issue 9).
CASE_MARKER_KEY_SECRET: Final = "CASE_MARKER_KEY_SECRET"
# Kept verbatim from the original for existing log queries and tooling; the processor does not read
# them (alarm kinds come from ops_alert.alarms).
ELIGIBLE_ALARM_PATTERNS: Final = "ELIGIBLE_ALARM_PATTERNS"
RPM_ALARM_PATTERNS: Final = "RPM_ALARM_PATTERNS"
TPM_ALARM_PATTERNS: Final = "TPM_ALARM_PATTERNS"
# Issue 12: the per-day token quota the quota calculator found (NA: none), and the TPM threshold
# percent, which also sets the per-day threshold of the forecast.
DAILY_TOKEN_QUOTA_CODE: Final = "DAILY_TOKEN_QUOTA_CODE"
TPM_THRESHOLD_PERCENT: Final = "TPM_THRESHOLD_PERCENT"
# The service name of the handler's log lines and metrics (the name Powertools read before).
POWERTOOLS_SERVICE_NAME: Final = "POWERTOOLS_SERVICE_NAME"
# The CloudFormation stack's name, named in the decision events (issue 13).
STACK_NAME: Final = "STACK_NAME"
# The stack's chat topic (issue 13, ChatNotifications=Yes); "" when chat is off.
CHAT_TOPIC_ARN: Final = "CHAT_TOPIC_ARN"

#: Every variable the template sets on the function.
TEMPLATE_VARIABLES: Final = frozenset({
    CUSTOMER_NAME, CUSTOMER_NAME_SECRET, BEDROCK_MODEL_NAME, BEDROCK_MODEL_ID, BEDROCK_MODEL_ID_DISPLAY,
    INFERENCE_PROFILE_TYPE, GEO_DATA_RESIDENCY_REQUIREMENT, INPUT_MODALITIES, REQUESTS_PER_MINUTE_QUOTA_CODE,
    TOKENS_PER_MINUTE_QUOTA_CODE, STAKEHOLDER_EMAILS_SECRET, FORMATTED_TOPIC_ARN, NOTIFICATION_PREFERENCE_PARAM,
    ENABLE_AUTOMATED_SUPPORT_CASE_PARAM, USE_CASE_DESCRIPTION_PARAM, TOKENS_PER_MINUTE_INCREASE_PERCENT_PARAM,
    REQUESTS_PER_MINUTE_INCREASE_PERCENT_PARAM, SUPPORT_CASE_LOOKBACK_DAYS, AUTOMATION_REPLY_MAX_ATTEMPTS,
    IDEMPOTENCY_TABLE, FOLLOW_UP_QUEUE_URL, CASE_MARKER_KEY_SECRET, ELIGIBLE_ALARM_PATTERNS, RPM_ALARM_PATTERNS,
    TPM_ALARM_PATTERNS, POWERTOOLS_SERVICE_NAME, STACK_NAME, DAILY_TOKEN_QUOTA_CODE, TPM_THRESHOLD_PERCENT,
    CHAT_TOPIC_ARN,
})
