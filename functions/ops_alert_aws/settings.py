"""The notification processor's configuration: environment at cold start, SSM and secrets at run time.

Everything a team may tune after deploying (SPEC §5) is read from SSM on every alarm, in ONE
GetParameters call together with the two stored thresholds. A missing or unreadable parameter never
crashes the run: it falls back to the stack's documented default and is reported in ``problems``
so the handler logs it. Secrets hold the customer name (also given as CUSTOMER_NAME) and the
stakeholder e-mail list, which may be CC'd on the support cases we open.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from ops_alert import processor_env as var
from ops_alert.alarms import QuotaKind
from ops_alert.drill import BadDrillToken, DrillToken, parse_drill_parameter
from ops_alert.email_list import is_email_address
from ops_alert.mute import NOT_MUTED, MuteReading, parse_mute
from ops_alert.names import StackNames
from ops_alert.quotas import NO_QUOTA_CODE
from ops_alert.renotify import parse_window
from ops_alert.routing import is_known_preference
from ops_alert.thresholds import Thresholds
from ops_alert_aws.clients import client
from ops_alert_aws.errors import describe

# Defaults of the original stack's parameters (original-stack.json): what a parameter would hold had
# nobody touched it, so a deleted parameter behaves like a fresh deployment.
DEFAULT_NOTIFICATION_PREFERENCE = "all"
DEFAULT_AUTOMATED_SUPPORT_CASE = "Yes"
DEFAULT_USE_CASE = "Enterprise production workload serving real-time AI-powered features to end users."
DEFAULT_INCREASE_PERCENT = 25
DEFAULT_CASE_LOOKBACK_DAYS = 60
DEFAULT_AUTOMATION_REPLY_MAX_ATTEMPTS = 120
DEFAULT_USAGE_LOOKBACK_DAYS = 14
# The template's bounds on what SSM holds (templates/parameters.py); a value edited outside them in
# SSM is reported and replaced, never used: 10,000 % would request a hundredfold quota.
MAX_INCREASE_PERCENT = 100
MAX_USE_CASE_CHARS = 1000
MAX_CC_ADDRESSES = 10  # Support CreateCase / AddCommunicationToCase ccEmailAddresses limit


class ConfigError(RuntimeError):
    """The function's environment is incomplete: a deployment problem, not bad input."""


@dataclass(frozen=True)
class ProcessorEnv:
    """The environment variables the template gives the notification processor."""

    customer: str | None  # CUSTOMER_NAME; None -> read CUSTOMER_NAME_SECRET
    customer_name_secret: str
    model_name: str
    model_id: str  # BEDROCK_MODEL_ID: metric dimension (short ID for an application profile)
    model_id_display: str  # the model / system profile the quotas belong to
    profile_type: str  # System-Defined | Application
    geo_residency: str
    input_modalities: str
    stakeholder_emails_secret: str
    formatted_topic_arn: str
    notification_preference_param: str
    enable_support_case_param: str
    use_case_param: str
    tpm_increase_percent_param: str
    rpm_increase_percent_param: str
    rpm_quota_code: str
    tpm_quota_code: str
    support_case_lookback_days: int
    automation_reply_max_attempts: int
    idempotency_table: str | None
    follow_up_queue_url: str | None
    usage_lookback_days: int = DEFAULT_USAGE_LOOKBACK_DAYS
    stack_name: str = ""  # STACK_NAME: named in the decision events
    # The stack's marker key (issue 9): seals our case markers. None (older stacks): none count.
    case_marker_key_secret: str | None = None
    # Issue 12: the per-day token quota the quota calculator found (NA: none), and the TPM
    # threshold percent that also applies to it. Absent on a stack from an older template.
    daily_token_quota_code: str = NO_QUOTA_CODE
    tpm_threshold_percent: str = ""
    chat_topic_arn: str = ""  # CHAT_TOPIC_ARN: "" when the stack's chat notifications are off

    @property
    def quota_codes(self) -> dict[QuotaKind, str]:
        return {QuotaKind.RPM: self.rpm_quota_code, QuotaKind.TPM: self.tpm_quota_code,
                QuotaKind.TPD: self.daily_token_quota_code}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ProcessorEnv:
        env = os.environ if environ is None else environ
        missing: list[str] = []

        def need(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                missing.append(name)
            return value

        def number(name: str, default: int, low: int = 1) -> int:
            text = env.get(name, "").strip()
            try:
                value = int(text) if text else default
            except ValueError:
                raise ConfigError(f"environment variable {name} must be an integer, got {text!r}") from None
            if value < low:
                raise ConfigError(f"environment variable {name} must be >= {low}, got {value}")
            return value

        model_id = need(var.BEDROCK_MODEL_ID)
        result = cls(
            customer=env.get(var.CUSTOMER_NAME, "").strip() or None,
            customer_name_secret=env.get(var.CUSTOMER_NAME_SECRET, "").strip(),
            model_name=need(var.BEDROCK_MODEL_NAME),
            model_id=model_id,
            model_id_display=env.get(var.BEDROCK_MODEL_ID_DISPLAY, "").strip() or model_id,
            profile_type=env.get(var.INFERENCE_PROFILE_TYPE, "").strip() or "System-Defined",
            geo_residency=env.get(var.GEO_DATA_RESIDENCY_REQUIREMENT, "").strip() or "NA",
            input_modalities=env.get(var.INPUT_MODALITIES, "").strip() or "not stated",
            stakeholder_emails_secret=env.get(var.STAKEHOLDER_EMAILS_SECRET, "").strip(),
            formatted_topic_arn=need(var.FORMATTED_TOPIC_ARN),
            notification_preference_param=need(var.NOTIFICATION_PREFERENCE_PARAM),
            enable_support_case_param=need(var.ENABLE_AUTOMATED_SUPPORT_CASE_PARAM),
            use_case_param=need(var.USE_CASE_DESCRIPTION_PARAM),
            tpm_increase_percent_param=need(var.TOKENS_PER_MINUTE_INCREASE_PERCENT_PARAM),
            rpm_increase_percent_param=need(var.REQUESTS_PER_MINUTE_INCREASE_PERCENT_PARAM),
            rpm_quota_code=env.get(var.REQUESTS_PER_MINUTE_QUOTA_CODE, "").strip() or NO_QUOTA_CODE,
            tpm_quota_code=env.get(var.TOKENS_PER_MINUTE_QUOTA_CODE, "").strip() or NO_QUOTA_CODE,
            support_case_lookback_days=number(var.SUPPORT_CASE_LOOKBACK_DAYS, DEFAULT_CASE_LOOKBACK_DAYS),
            automation_reply_max_attempts=number(
                var.AUTOMATION_REPLY_MAX_ATTEMPTS, DEFAULT_AUTOMATION_REPLY_MAX_ATTEMPTS
            ),
            idempotency_table=env.get(var.IDEMPOTENCY_TABLE, "").strip() or None,
            follow_up_queue_url=env.get(var.FOLLOW_UP_QUEUE_URL, "").strip() or None,
            usage_lookback_days=number(var.USAGE_LOOKBACK_DAYS, DEFAULT_USAGE_LOOKBACK_DAYS),
            stack_name=env.get(var.STACK_NAME, "").strip(),
            case_marker_key_secret=env.get(var.CASE_MARKER_KEY_SECRET, "").strip() or None,
            daily_token_quota_code=env.get(var.DAILY_TOKEN_QUOTA_CODE, "").strip() or NO_QUOTA_CODE,
            tpm_threshold_percent=env.get(var.TPM_THRESHOLD_PERCENT, "").strip(),
            chat_topic_arn=env.get(var.CHAT_TOPIC_ARN, "").strip(),
        )
        if result.customer is None and not result.customer_name_secret:
            missing.append(f"{var.CUSTOMER_NAME} or {var.CUSTOMER_NAME_SECRET}")
        if missing:
            raise ConfigError(f"missing environment variable(s): {', '.join(missing)}")
        if not 1 <= result.usage_lookback_days <= 15:
            # 1-minute CloudWatch data is kept 15 days (SPEC §9).
            raise ConfigError(f"{var.USAGE_LOOKBACK_DAYS} must be 1..15, got {result.usage_lookback_days}")
        return result


@dataclass(frozen=True)
class RuntimeSettings:
    """What the team tunes in SSM, read on every alarm."""

    notification_preference: str
    automated_support_case: bool
    use_case: str
    increase_percents: dict[QuotaKind, int]
    thresholds: Thresholds | None  # None: missing or unreadable -> scenario new_model
    problems: tuple[str, ...] = field(default=())  # each one is logged as a warning
    mute: MuteReading = NOT_MUTED  # stack-owned mute parameter (issue 13); unreadable: not muted
    renotify_minutes: int = 0  # stack-owned re-notify window (issue 13); 0: off
    drill: DrillToken | None = None  # the armed fire drill (make drill); None: off, missing or unreadable
    read: bool = True  # False: GetParameters failed and these are the defaults (whether a drill is armed is unknown)

    @classmethod
    def defaults(cls, problems: tuple[str, ...] = ()) -> RuntimeSettings:
        return cls(
            notification_preference=DEFAULT_NOTIFICATION_PREFERENCE,
            automated_support_case=DEFAULT_AUTOMATED_SUPPORT_CASE == "Yes",
            use_case=DEFAULT_USE_CASE,
            increase_percents={kind: DEFAULT_INCREASE_PERCENT for kind in QuotaKind},
            thresholds=None,
            problems=problems,
            read=False,
        )


def _percent(text: str | None, name: str, problems: list[str]) -> int:
    if text is None:
        problems.append(f"SSM parameter {name} is missing: using {DEFAULT_INCREASE_PERCENT} %")
        return DEFAULT_INCREASE_PERCENT
    try:
        value = Decimal(text.strip().rstrip("%").strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not 0 <= value <= MAX_INCREASE_PERCENT:
        problems.append(f"SSM parameter {name} = {text!r} is not a percentage from 0 to {MAX_INCREASE_PERCENT}: "
                        f"using {DEFAULT_INCREASE_PERCENT} %")
        return DEFAULT_INCREASE_PERCENT
    if value != value.to_integral_value():
        problems.append(f"SSM parameter {name} = {text!r} is not a whole number: using {int(value)} %")
    return int(value)


def _increase_percents(rpm: int, tpm: int) -> dict[QuotaKind, int]:
    # The per-day quota is a token quota raised together with the TPM one (AWS's Bedrock process):
    # the team's tokens-per-minute increase percent applies to it too.
    return {QuotaKind.RPM: rpm, QuotaKind.TPM: tpm, QuotaKind.TPD: tpm}


def _yes_no(text: str | None, name: str, problems: list[str]) -> bool:
    if text is None:
        problems.append(f"SSM parameter {name} is missing: using {DEFAULT_AUTOMATED_SUPPORT_CASE}")
        return DEFAULT_AUTOMATED_SUPPORT_CASE == "Yes"
    word = text.strip().lower()
    if word in ("yes", "true", "enabled", "on"):
        return True
    if word in ("no", "false", "disabled", "off"):
        return False
    problems.append(f"SSM parameter {name} = {text!r} is neither Yes nor No: using {DEFAULT_AUTOMATED_SUPPORT_CASE}")
    return DEFAULT_AUTOMATED_SUPPORT_CASE == "Yes"


def parse_runtime_settings(
    env: ProcessorEnv, names: StackNames, values: Mapping[str, str], now: datetime | None = None
) -> RuntimeSettings:
    """Turn the parameter values found (name -> value) into settings; pure, for the tests.

    ``now`` decides whether a mute is still in force (default: the current time).
    """
    problems: list[str] = []
    mute = parse_mute(values.get(names.mute_parameter), now or datetime.now(timezone.utc), names.mute_parameter)
    window = parse_window(values.get(names.renotify_window_parameter), names.renotify_window_parameter)
    problems += [p for p in (mute.problem, window.problem) if p]
    pref_name = env.notification_preference_param
    preference = values.get(pref_name)
    if preference is None:
        problems.append(f"SSM parameter {pref_name} is missing: e-mailing every severity")
        preference = DEFAULT_NOTIFICATION_PREFERENCE
    elif not is_known_preference(preference):
        problems.append(f"SSM parameter {pref_name} = {preference[:40]!r} is not all/critical/warning: "
                        "e-mailing every severity")
        preference = DEFAULT_NOTIFICATION_PREFERENCE
    use_case = values.get(env.use_case_param)
    if use_case is None or not use_case.strip():
        problems.append(f"SSM parameter {env.use_case_param} is missing or empty: using the default use case")
        use_case = DEFAULT_USE_CASE
    elif len(use_case.strip()) > MAX_USE_CASE_CHARS:
        problems.append(f"SSM parameter {env.use_case_param} holds {len(use_case.strip()):,} characters, more than "
                        f"the stack's {MAX_USE_CASE_CHARS:,}: using the first {MAX_USE_CASE_CHARS:,}")
        use_case = use_case.strip()[:MAX_USE_CASE_CHARS]
    rpm_text = values.get(names.rpm_threshold_parameter)
    tpm_text = values.get(names.tpm_threshold_parameter)
    thresholds: Thresholds | None = None
    if rpm_text is None or tpm_text is None:
        missing = [n for n, v in ((names.rpm_threshold_parameter, rpm_text), (names.tpm_threshold_parameter, tpm_text)) if v is None]
        problems.append(f"threshold parameter(s) missing: {', '.join(missing)}")
    else:
        try:
            thresholds = Thresholds.parse(rpm_text, tpm_text)
        except ValueError as exc:
            problems.append(f"stored thresholds unreadable: {exc}")
    try:
        drill = parse_drill_parameter(values.get(names.drill_token_parameter))
    except BadDrillToken as exc:
        problems.append(f"SSM parameter {names.drill_token_parameter} holds no valid drill token ({exc}): "
                        "no drill is armed; `make drill` rewrites it, or set it to off")
        drill = None
    return RuntimeSettings(
        notification_preference=preference.strip(),
        automated_support_case=_yes_no(values.get(env.enable_support_case_param), env.enable_support_case_param, problems),
        # Users edit this parameter: it is shown, never obeyed, and can never form one of our markers.
        use_case=use_case.strip(),  # untrusted: neutralised where it enters an alert (AlertContext)
        increase_percents=_increase_percents(
            _percent(values.get(env.rpm_increase_percent_param), env.rpm_increase_percent_param, problems),
            _percent(values.get(env.tpm_increase_percent_param), env.tpm_increase_percent_param, problems)),
        thresholds=thresholds,
        problems=tuple(problems),
        mute=mute,
        renotify_minutes=window.minutes,
        drill=drill,
    )


def parameter_names(env: ProcessorEnv, names: StackNames) -> list[str]:
    """The ten parameters of one run; GetParameters takes at most 10 names."""
    return [
        env.notification_preference_param,
        env.enable_support_case_param,
        env.use_case_param,
        env.rpm_increase_percent_param,
        env.tpm_increase_percent_param,
        names.rpm_threshold_parameter,
        names.tpm_threshold_parameter,
        names.mute_parameter,
        names.renotify_window_parameter,
        names.drill_token_parameter,
    ]


def load_runtime_settings(env: ProcessorEnv, names: StackNames, now: datetime | None = None) -> RuntimeSettings:
    """ONE GetParameters call; any failure means defaults and no thresholds, never an exception."""
    try:
        response = client("ssm").get_parameters(Names=parameter_names(env, names))
    except Exception as exc:  # noqa: BLE001 - run with defaults; the problem is logged by the caller
        return RuntimeSettings.defaults((describe(exc, "Reading settings from SSM (GetParameters)")
                                         + ": using defaults, thresholds unknown",))
    values = {p["Name"]: str(p.get("Value", "")) for p in response.get("Parameters", [])}
    return parse_runtime_settings(env, names, values, now)


# --- secrets ---------------------------------------------------------------------------------


def _secret(secret_id: str) -> str:
    return str(client("secretsmanager").get_secret_value(SecretId=secret_id).get("SecretString") or "")


def read_customer_name(secret_id: str) -> str:
    """The customer name stored in its secret (used only when CUSTOMER_NAME is not set)."""
    name = _secret(secret_id).strip()
    if not name:
        raise ConfigError(f"secret {secret_id} holds no customer name")
    return name


def parse_emails(text: str) -> tuple[str, ...]:
    """Comma-separated addresses, de-duplicated, at most 10 (ccEmailAddresses limit)."""
    seen: list[str] = []
    for item in re.split(r"[,;\s]+", text):
        address = item.strip()
        if is_email_address(address) and address.lower() not in (s.lower() for s in seen):
            seen.append(address)
    return tuple(seen[:MAX_CC_ADDRESSES])


def read_case_marker_key(secret_id: str) -> bytes:
    """The stack's secret marker key (generated by CloudFormation); raises when unreadable or empty."""
    value = _secret(secret_id).strip()
    if len(value) < 32:
        raise ConfigError(f"secret {secret_id} does not hold a marker key of at least 32 characters")
    return value.encode("utf-8")


def read_stakeholder_emails(secret_id: str) -> tuple[str, ...]:
    """The stakeholder addresses to CC on cases; raises on an AWS error (callers go without CC)."""
    if not secret_id:
        return ()
    return parse_emails(_secret(secret_id))
