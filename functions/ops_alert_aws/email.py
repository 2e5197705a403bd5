"""The e-mail to the SRE team: one SNS Publish to the formatted topic (SPEC §4.4 step 7)."""
from __future__ import annotations

from ops_alert_aws.clients import client


def publish_email(topic_arn: str, subject: str, body: str) -> str:
    """Publish; returns the SNS MessageId. Errors propagate: a lost e-mail must fail the run."""
    response = client("sns").publish(TopicArn=topic_arn, Subject=subject, Message=body)
    return str(response.get("MessageId", ""))
