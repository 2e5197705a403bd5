"""Every AWS operation the functions call, per botocore service name, as the service model names it.

The build ships, for these, a documentation-free subset of each service model in the layer
(bundle/service_models.py) so that creating a client decodes a few KiB of JSON instead of the whole
model (ops_alert_aws.clients). tests/adapters/test_api_operations.py keeps this list and the calls
in functions/ in step: a call not declared here, or a declaration nothing calls, fails it.
"""
from __future__ import annotations

OPERATIONS: dict[str, frozenset[str]] = {
    "bedrock": frozenset({"GetInferenceProfile", "ListInferenceProfiles"}),
    "cloudwatch": frozenset({
        "DescribeAlarmHistory", "DescribeAlarms", "GetDashboard", "GetMetricData", "GetMetricWidgetImage",
        "PutDashboard", "PutMetricAlarm",
    }),
    "dynamodb": frozenset({"DeleteItem", "GetItem", "PutItem", "UpdateItem"}),
    "events": frozenset({"PutEvents"}),
    "secretsmanager": frozenset({"GetSecretValue"}),
    "service-quotas": frozenset({
        "GetAWSDefaultServiceQuota", "GetRequestedServiceQuotaChange", "GetServiceQuota",
        "ListAWSDefaultServiceQuotas", "ListRequestedServiceQuotaChangeHistoryByQuota", "ListServiceQuotas",
        "RequestServiceQuotaIncrease",
    }),
    "sns": frozenset({"ListSubscriptionsByTopic", "Publish", "Subscribe", "Unsubscribe"}),
    "sqs": frozenset({"SendMessage"}),
    "ssm": frozenset({"DeleteParameters", "GetParameter", "GetParameters", "PutParameter"}),
    "support": frozenset({
        "AddAttachmentsToSet", "AddCommunicationToCase", "CreateCase", "DescribeCases", "DescribeCommunications",
    }),
}
