"""Physical names of one stack's resources, derived from customer and model name.

These must stay identical to the original stack's names (SPEC §2): runbooks, dashboards and the
IAM policies in the template refer to them.
"""
from __future__ import annotations

from dataclasses import dataclass

from ops_alert.alarms import ALARM_KINDS, AlarmKind


@dataclass(frozen=True)
class StackNames:
    customer: str  # CustomerName parameter, e.g. "Acme"
    model: str  # BedrockModelName parameter, e.g. "G-Opus-4-6"

    def alarm_name(self, kind: AlarmKind) -> str:
        return f"{self.customer}-Bedrock-{kind.key}-{kind.suffix}-{self.model}"

    @property
    def composite_alarm_name(self) -> str:
        return f"{self.customer}-Bedrock-QuotaHealth-Composite-{self.model}"

    @property
    def child_alarm_names(self) -> dict[str, AlarmKind]:
        return {self.alarm_name(k): k for k in ALARM_KINDS}

    def alarm_kind(self, alarm_name: str) -> AlarmKind | None:
        """The kind of one of this stack's child alarms, or None for any other name."""
        return self.child_alarm_names.get(alarm_name)

    # --- SSM Parameter Store -------------------------------------------------------------
    @property
    def ssm_prefix(self) -> str:
        return f"/{self.customer}/bedrock/quota-monitoring/{self.model}/"

    def ssm(self, name: str) -> str:
        return self.ssm_prefix + name

    @property
    def rpm_threshold_parameter(self) -> str:
        return self.ssm("thresholds/rpm-threshold-calculated")

    @property
    def tpm_threshold_parameter(self) -> str:
        return self.ssm("thresholds/tpm-threshold-calculated")

    @property
    def thresholds_updated_parameter(self) -> str:
        return self.ssm("thresholds/last-updated")

    @property
    def drill_token_parameter(self) -> str:
        """The armed fire drill's token, or "off" (ops_alert.drill; written by make drill)."""
        return self.ssm("drill-token")

    @property
    def resolved_model_id_parameter(self) -> str:
        return self.ssm("resolved-model-id-display")

    @property
    def mute_parameter(self) -> str:
        """Stack-owned: ``off`` or the mute `make mute` writes (ops_alert.mute)."""
        return self.ssm("mute")

    @property
    def renotify_window_parameter(self) -> str:
        """Stack-owned: minutes within which a category is not e-mailed again (ops_alert.renotify)."""
        return self.ssm("renotify-window-minutes")

    # --- Secrets, topics -------------------------------------------------------------------
    @property
    def customer_name_secret(self) -> str:
        return f"{self.customer}/bedrock/quota-monitoring/{self.model}/customer-name"

    @property
    def stakeholder_emails_secret(self) -> str:
        return f"{self.customer}/bedrock/quota-monitoring/{self.model}/stakeholder-emails"

    @property
    def case_marker_key_secret(self) -> str:
        return f"{self.customer}/bedrock/quota-monitoring/{self.model}/case-marker-key"

    @property
    def raw_topic_name(self) -> str:
        return f"{self.customer}-Bedrock-Alarms-Raw-{self.model}"

    @property
    def formatted_topic_name(self) -> str:
        return f"{self.customer}-Bedrock-Alarms-Formatted-{self.model}"

    @property
    def chat_topic_name(self) -> str:
        """The topic Amazon Q Developer in chat applications listens to (ChatNotifications=Yes, issue 13)."""
        return f"{self.customer}-Bedrock-Alarms-Chat-{self.model}"

    @property
    def dashboard_name(self) -> str:
        """CloudWatch dashboard of the stack (a resource the original did not have)."""
        return f"{self.customer}-Bedrock-Ops-Alert-{self.model}"
