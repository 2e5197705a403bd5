"""A deployed stack for the notification processor, built in moto + tests/fakes.

``ProcessorWorld`` creates what the template would (alarms, composite, SSM parameters, secrets,
topics, idempotency table, follow-up queue, quotas) and offers events in their real AWS shapes,
usage loaders and readers for what the processor did (e-mails, cases, follow-ups). Shared by the
functional tests and the bench.
"""
from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3

from ops_alert.alarms import ALARM_KINDS
from ops_alert.names import StackNames
from tests import events
from tests.fakes import ACCOUNT_ID, REGION, StandardFakes, model_arn
from tests.functional import rendered

CUSTOMER = "Acme"
MODEL_NAME = "G-Opus-4-6"
MODEL_ID = "global.anthropic.claude-opus-4-6-v1"
RPM_CODE = "L-3DD46812"
TPM_CODE = "L-3DCCFAA4"
RPM_QUOTA = 10_000.0
TPM_QUOTA = 6_250_000.0
RPM_NAME = "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1"
TPM_NAME = "Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1"
EMAILS = "sre@example.com,oncall@example.com"
# What CloudFormation would generate into the stack's marker-key secret (64 letters and digits).
MARKER_KEY = "k3y" * 21 + "x"
# Real AWS shapes (tests/events/, from the spec's examples): the composite alarm's SNS record and
# its Message, and the EventBridge "CloudWatch Alarm State Change" event of a child alarm.
SNS_RECORD_EVENT: dict[str, Any] = events.composite_sns_record()
SNS_RECORD_EVENT["Records"][0]["Sns"]["Message"] = "<set per event>"
COMPOSITE_MESSAGE: dict[str, Any] = events.composite_message()
STATE_CHANGE_EVENT: dict[str, Any] = events.child_state_change()
# Modules of the function zip besides the handler: purged between loads like the packaged roots.
PROCESSOR_MODULES = ("processor_pipeline", "processor_support", "processor_follow_up", "processor_capacity")


_WORLD_CLIENTS: dict[tuple[str, str], Any] = {}


def purge_processor_modules() -> None:
    for name in PROCESSOR_MODULES:
        sys.modules.pop(name, None)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def cw_time(moment: datetime) -> str:
    """CloudWatch notification timestamp: 2026-11-26T14:05:00.123+0000."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


@dataclass
class ProcessorWorld:
    aws: StandardFakes
    customer: str = CUSTOMER
    model_name: str = MODEL_NAME
    model_id: str = MODEL_ID
    profile_type: str = "System-Defined"
    siblings: tuple[str, ...] = ()
    settings: dict[str, str] = field(default_factory=dict)
    names: StackNames = field(init=False)
    env: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.names = StackNames(self.customer, self.model_name)

    # --- clients (moto / fakes) -------------------------------------------------------------
    def client(self, service: str, region: str = REGION) -> Any:
        # One client per service and region for every world's own set-up and reads in this process
        # (creating one costs more than most calls): each call reaches the current test's moto and
        # fakes (tests/fakes/core.py), and the credentials are always FAKE_ENV's. The handler under
        # test makes its own, as in Lambda.
        key = (service, region)
        if key not in _WORLD_CLIENTS:
            _WORLD_CLIENTS[key] = boto3.client(service, region_name=region)
        return _WORLD_CLIENTS[key]

    # --- deploy ------------------------------------------------------------------------------
    def deploy(self, *, thresholds: tuple[str, str] | None = ("8000", "5000000"),
               parameters: Mapping[str, str] | None = None, secrets: bool = True,
               chat: str = "off") -> dict[str, str]:
        """``chat``: "off" (ChatNotifications=No), "channel" (the chat topic with a confirmed
        subscription standing in for Amazon Q Developer, read by :meth:`chat_messages`) or
        "no_channel" (the chat topic, nobody subscribed)."""
        n = self.names
        ssm = self.client("ssm")
        values = {
            "notification-preference": "all",
            "enable-automated-support-case": "Yes",
            "use-case-description": "Customer-facing chat assistant for 2 million users.",
            "tokens-per-minute-increase-percent": "25",
            "requests-per-minute-increase-percent": "25",
            # Stack-owned (templates/configuration.py STACK_SETTINGS), as the template creates them.
            "mute": "off",
            "renotify-window-minutes": "0",
        }
        values.update(parameters or {})
        for key, value in values.items():
            if value is not None:
                ssm.put_parameter(Name=n.ssm(key), Value=value, Type="String")
        if thresholds is not None:
            ssm.put_parameter(Name=n.rpm_threshold_parameter, Value=thresholds[0], Type="String")
            ssm.put_parameter(Name=n.tpm_threshold_parameter, Value=thresholds[1], Type="String")
        sm = self.client("secretsmanager")
        if secrets:
            sm.create_secret(Name=n.customer_name_secret, SecretString=self.customer)
            sm.create_secret(Name=n.stakeholder_emails_secret, SecretString=EMAILS)
            sm.create_secret(Name=n.case_marker_key_secret, SecretString=MARKER_KEY)
        sns = self.client("sns")
        topic = sns.create_topic(Name=n.formatted_topic_name)["TopicArn"]
        sqs = self.client("sqs")
        inbox = sqs.create_queue(QueueName="email-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn)
        follow_up = sqs.create_queue(QueueName="follow-up")["QueueUrl"]
        # The README's rule: decision events of this stack from the default bus to a queue we read.
        decisions = sqs.create_queue(QueueName="decision-events")["QueueUrl"]
        decisions_arn = sqs.get_queue_attributes(QueueUrl=decisions, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = self.client("events")
        events.put_rule(Name="bedrock-ops-alert-decisions", EventPattern=json.dumps(
            {"source": ["bedrock-ops-alert"], "detail-type": ["Bedrock Ops Alert Decision"]}))
        events.put_targets(Rule="bedrock-ops-alert-decisions", Targets=[{"Id": "queue", "Arn": decisions_arn}])
        self.decisions_url = decisions
        ddb = self.client("dynamodb")
        ddb.create_table(TableName="idempotency", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        self.inbox_url, self.follow_up_url, self.topic_arn = inbox, follow_up, topic
        self.chat_topic_arn, self.chat_url = self._chat(chat)
        self._alarms()
        if self.profile_type == "Application":
            self._application_profiles()
        sq = self.aws.service_quotas
        sq.add_quota(RPM_CODE, RPM_NAME, RPM_QUOTA)
        sq.add_quota(TPM_CODE, TPM_NAME, TPM_QUOTA)
        # The environment exactly as the template sets it, its references resolved to this world.
        self.env = rendered.environment("NotificationProcessor", {
            "CustomerName": self.customer,
            "CustomerNameSecret": n.customer_name_secret,
            "BedrockModelId": self.model_id,
            "QuotaCalculatorCustomResource.ResolvedModelIdDisplay": MODEL_ID,
            "InferenceProfileType": self.profile_type,
            "BedrockModelName": self.model_name,
            "GeoDataResidencyRequirement": "No",
            "InputModalities": "TEXT and IMAGE",
            "StakeholderEmailsSecret": n.stakeholder_emails_secret,
            "NotificationPreferenceParameter": n.ssm("notification-preference"),
            "FormattedNotificationTopic": topic,
            "EnableAutomatedSupportCaseParameter": n.ssm("enable-automated-support-case"),
            "UseCaseDescriptionParameter": n.ssm("use-case-description"),
            "TokensPerMinuteIncreasePercentParameter": n.ssm("tokens-per-minute-increase-percent"),
            "RequestsPerMinuteIncreasePercentParameter": n.ssm("requests-per-minute-increase-percent"),
            "SupportCaseLookbackDays": "60",
            "RequestsPerMinuteQuotaCode": RPM_CODE,
            "TokensPerMinuteQuotaCode": TPM_CODE,
            "IdempotencyTable": "idempotency",
            "FollowUpQueue": follow_up,
            "AWS::StackName": "acme-opus",
            "CaseMarkerKeySecret": n.case_marker_key_secret,
            # The global Opus profile has no "Model invocation max tokens per day" quota of its own.
            "QuotaCalculatorCustomResource.DailyTokenQuotaCode": "NA",
            "TokensPerMinuteThresholdPercent": "80",
            "ChatTopic": self.chat_topic_arn,
        }, conditions={"ChatNotificationsEnabled": chat != "off"})
        return self.env

    def _chat(self, setup: str) -> tuple[str, str]:
        """The chat topic and the queue that stands in for the channel (SQS receives what SNS delivers)."""
        if setup not in ("off", "channel", "no_channel"):
            raise ValueError(f"chat must be off, channel or no_channel, not {setup!r}")
        if setup == "off":
            return "", ""
        sns, sqs = self.client("sns"), self.client("sqs")
        topic = sns.create_topic(Name=self.names.chat_topic_name)["TopicArn"]
        channel = sqs.create_queue(QueueName="chat-channel")["QueueUrl"]
        if setup == "channel":
            arn = sqs.get_queue_attributes(QueueUrl=channel, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        return topic, channel

    def _dimension_values(self) -> list[str]:
        """What the Layer 2 alarms add up: the monitored profile and at most nine siblings."""
        return [self.model_id, *self.siblings][:10]

    def _application_profiles(self) -> None:
        """The monitored application profile and its siblings in Bedrock, all on the same models,
        plus one on other models that must never be combined."""
        opus = [model_arn("anthropic.claude-opus-4-6-v1", r) for r in ("us-east-1", "us-east-2", "us-west-2")]
        for profile_id in (self.model_id, *self.siblings):
            self.aws.bedrock.add_application_profile(profile_id, opus)
        self.aws.bedrock.add_application_profile("otherprofile", [model_arn("meta.llama3-1-70b-instruct-v1:0")])

    def _alarms(self) -> None:
        cw = self.client("cloudwatch")
        for kind in ALARM_KINDS:
            name = self.names.alarm_name(kind)
            if kind.key in ("HighInvocationRate", "HighTPMQuotaUsage"):
                metrics = [{"Id": f"m{i}", "ReturnData": False, "MetricStat": {
                    "Metric": {"Namespace": "AWS/Bedrock", "MetricName": kind.metric_name,
                               "Dimensions": [{"Name": "ModelId", "Value": value}]},
                    "Period": 60, "Stat": "Sum"}} for i, value in enumerate(self._dimension_values(), 1)]
                expression = "+".join(f"m{i}" for i in range(1, len(metrics) + 1))
                metrics.append({"Id": "e1", "Expression": expression, "ReturnData": True})
                cw.put_metric_alarm(AlarmName=name, Metrics=metrics, EvaluationPeriods=1,
                                    Threshold=8000, ComparisonOperator="GreaterThanThreshold")
            else:
                cw.put_metric_alarm(AlarmName=name, Namespace="AWS/Bedrock", MetricName=kind.metric_name,
                                    Dimensions=[{"Name": "ModelId", "Value": self.model_id}], Statistic="Sum",
                                    Period=60, EvaluationPeriods=1, Threshold=5,
                                    ComparisonOperator="GreaterThanThreshold")
        rule = " OR ".join(f"ALARM({self.names.alarm_name(k)})" for k in ALARM_KINDS)
        cw.put_composite_alarm(AlarmName=self.names.composite_alarm_name, AlarmRule=rule)

    # --- alarm states -----------------------------------------------------------------------
    def set_child(self, key: str, state: str = "ALARM") -> None:
        name = self.child_name(key)
        self.client("cloudwatch").set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")

    def set_composite(self, state: str = "ALARM") -> None:
        self.aws.cloudwatch.set_composite_state(self.names.composite_alarm_name, state)

    def child_name(self, key: str) -> str:
        kind = next(k for k in ALARM_KINDS if k.key == key)
        return self.names.alarm_name(kind)

    # --- events -------------------------------------------------------------------------------
    def arn(self, alarm_name: str) -> str:
        return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{alarm_name}"

    def fire(self, *children: str) -> dict[str, Any]:
        """``children`` and the composite go to ALARM; the composite's notification of that."""
        for child in children:
            self.set_child(child)
        self.set_composite("ALARM")
        return self.composite_event(children)

    def composite_event(self, children: Iterable[str], at: datetime | None = None,
                        composite: str | None = None, state: str = "ALARM", real: bool = True,
                        reason: str = "test") -> dict[str, Any]:
        """The composite's SNS notification (real shape, from the spec's example).

        ``real``: CloudWatch's alarm history shows the transitions it reports (as after a real
        evaluation); False: a forged notification, or the composite set by hand. ``reason``: the
        state reason the history records for the children's transitions (a drill's names its token).
        """
        at = at or utc_now()
        children = list(children)
        name = composite or self.names.composite_alarm_name
        if real and state == "ALARM":
            for c in children:
                self.aws.cloudwatch.record_state_change(self.child_name(c), "OK", "ALARM", at - timedelta(seconds=1),
                                                        reason=reason)
            self.aws.cloudwatch.record_state_change(name, "OK", "ALARM", at, "CompositeAlarm")
        event = copy.deepcopy(SNS_RECORD_EVENT)
        message = copy.deepcopy(COMPOSITE_MESSAGE)
        message.update(
            AlarmName=name, AlarmArn=self.arn(name), NewStateValue=state, OldStateValue="OK",
            StateChangeTime=cw_time(at),
            NewStateReason=f"{', '.join(self.child_name(c) for c in children)} transitioned to ALARM",
            TriggeringChildren=[{"Arn": self.arn(self.child_name(c)),
                                 "State": {"Value": "ALARM", "Timestamp": cw_time(at - timedelta(seconds=1))}}
                                for c in children],
        )
        event["Records"][0]["Sns"]["Message"] = json.dumps(message)
        return event

    def child_event(self, child: str, at: datetime | None = None, state: str = "ALARM",
                    alarm_name: str | None = None, real: bool = True, reason: str = "test") -> dict[str, Any]:
        """EventBridge "CloudWatch Alarm State Change" of one child (real shape).

        ``real``: the alarm history shows the transition; False: a forged event.
        """
        at = at or utc_now()
        if real and state == "ALARM":
            self.aws.cloudwatch.record_state_change(alarm_name or self.child_name(child), "OK", "ALARM", at,
                                                    reason=reason)
        event = copy.deepcopy(STATE_CHANGE_EVENT)
        name = alarm_name or self.child_name(child)
        event["resources"] = [self.arn(name)]
        event["detail"]["alarmName"] = name
        event["detail"]["state"]["value"] = state
        event["detail"]["state"]["timestamp"] = cw_time(at)
        event["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return event

    # --- usage ---------------------------------------------------------------------------------
    def load_usage(self, *, rpm: float, tpm: float, days: int = 14, every_minutes: int = 10,
                   dimension: str | None = None, estimated: bool = True, peak_at: datetime | None = None) -> None:
        """A steady load of rpm/2 and tpm/2 with one peak minute of ``rpm`` / ``tpm``."""
        value = dimension or self.model_id
        end = utc_now().replace(second=0, microsecond=0)
        peak = (peak_at or end - timedelta(hours=3)).replace(second=0, microsecond=0)
        minutes = [end - timedelta(minutes=m) for m in range(1, days * 1440, every_minutes)]
        inv = {t: rpm / 2 for t in minutes}
        inp = {t: tpm * 0.3 for t in minutes}
        out = {t: tpm * 0.2 for t in minutes}
        inv[peak], inp[peak], out[peak] = rpm, tpm * 0.6, tpm * 0.4
        m = self.aws.metrics
        m.put_series("Invocations", value, inv)
        m.put_series("InputTokenCount", value, inp)
        m.put_series("OutputTokenCount", value, out)
        if estimated:
            m.put_series("EstimatedTPMQuotaUsage", value, {t: inp[t] + out[t] for t in inv})

    # --- what happened ---------------------------------------------------------------------------
    def emails(self) -> list[dict[str, str]]:
        sqs = self.client("sqs")
        out = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.inbox_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return out
            for msg in batch:
                envelope = json.loads(msg["Body"])
                out.append({"subject": envelope.get("Subject", ""), "body": envelope["Message"]})
                sqs.delete_message(QueueUrl=self.inbox_url, ReceiptHandle=msg["ReceiptHandle"])

    def chat_messages(self) -> list[dict[str, Any]]:
        """The chat messages the channel received since the last call (parsed custom notifications, consumed)."""
        if not self.chat_url:
            return []
        sqs = self.client("sqs")
        out = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.chat_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return out
            for msg in batch:
                out.append(json.loads(json.loads(msg["Body"])["Message"]))
                sqs.delete_message(QueueUrl=self.chat_url, ReceiptHandle=msg["ReceiptHandle"])

    def decision_events(self) -> list[dict[str, Any]]:
        """The decision events delivered by the rule since the last call (whole events, consumed)."""
        sqs = self.client("sqs")
        out = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.decisions_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return out
            for msg in batch:
                out.append(json.loads(msg["Body"]))
                sqs.delete_message(QueueUrl=self.decisions_url, ReceiptHandle=msg["ReceiptHandle"])

    def follow_ups(self) -> list[dict[str, Any]]:
        """Queued follow-up messages as SQS Lambda events, delay ignored (consumed)."""
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[ACCOUNT_ID][REGION].queues["follow-up"]
        messages = list(queue._messages)
        queue._messages.clear()
        self.follow_up_delays = [max(0, round((getattr(m, "delayed_until", 0) - m.sent_timestamp) / 1000)) for m in messages]
        return [{"Records": [{"messageId": m.id, "receiptHandle": "rh", "body": m.body, "attributes": {},
                              "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                              "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:follow-up",
                              "awsRegion": REGION}]} for m in messages]

    def our_cases(self) -> list[Any]:
        return [c for c in self.aws.support.cases if c.submitted_by != "Service Quotas"]


def deepcopy(event: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(event)


def run(processor: Any, event: Any) -> dict[str, Any]:
    from tests.fakes import FakeLambdaContext

    return processor.handler(event, FakeLambdaContext())


def fire(world: ProcessorWorld, processor: Any, *children: str) -> dict[str, Any]:
    """The packaged processor's result for ``children`` (and so the composite) going to ALARM."""
    return run(processor, world.fire(*children))
