"""Alarm updater (SPEC §4.2): keep the Layer 2 usage alarms in step with the model's quotas.

Runs on the EventBridge schedule, or by hand (any event, e.g. ``{}``) after a quota increase:
  1. read the configuration from the environment;
  2. read the current quotas (GetServiceQuota per code; ``NA`` = the model has no such quota),
     the per-day token quota included (issue 12);
  3. compute the thresholds (a missing quota gives a threshold that never fires); the per-day one
     is TPM threshold percent of the per-day quota;
  4. find the profiles to aggregate: the model itself, or for an application inference profile
     every ACTIVE application profile with the same model list (at most 10);
  5. update the HighInvocationRate, HighTPMQuotaUsage and HighDailyTokenUsage alarms where the
     threshold or the metric list differs, writing every other setting back unchanged;
  6. record the RPM and TPM thresholds with a UTC timestamp in SSM when they differ from what is
     stored (the per-day one lives in its alarm: the processor derives it from the quota it reads);
  7. redraw the dashboard's usage graphs (threshold and quota lines, aggregated profiles) when
     they differ; a missing or unreadable dashboard is logged, never fails the update;
  8. return (and log) a summary of what changed; nothing is written when nothing changed.

Any fault (missing variable, unknown quota code, throttling past the retries, a missing alarm)
is logged and raised, so the invocation fails and Lambda's retries and on-failure destination
catch it. Updating alarms CloudFormation created causes drift on them (documented in the README).
"""
from __future__ import annotations

from ops_alert_aws.dataclass_code import shipped_dataclass_code

# Our dataclasses' methods come compiled in the layer (ops_alert_aws.dataclass_code: why).
with shipped_dataclass_code():
    import os
    from collections.abc import Mapping
    from dataclasses import dataclass
    from typing import Any

    from ops_alert.alarms import BY_KEY, DAILY_TOKENS
    from ops_alert.dashboard import DAILY_LABEL, DashboardSpec, lines_for, refresh_usage_widgets
    from ops_alert.deployment import DAILY_CODE_VARIABLE, ENVIRONMENT_NAMES, DeploymentSettings, MissingSettings
    from ops_alert.profiles import PARAMETER_SYSTEM_DEFINED
    from ops_alert.quotas import NO_QUOTA_CODE, is_quota_code
    from ops_alert.thresholds import (
        Quotas,
        Thresholds,
        alarm_threshold,
        compute_thresholds,
        render_threshold,
        threshold,
    )
    from ops_alert_aws import dashboards, inference_profiles, layer2_alarms, quota_catalogue, threshold_store
    from ops_alert_aws.errors import AwsError, describe, is_not_found
    from ops_alert_aws.log import bind, get_logger

logger = get_logger("alarm_updater")

RPM_ALARM = BY_KEY["HighInvocationRate"]
TPM_ALARM = BY_KEY["HighTPMQuotaUsage"]
DAILY_ALARM = DAILY_TOKENS


@dataclass(frozen=True)
class DailyTokens:
    """The per-day token quota (None: the model has none) and its alarm threshold."""

    quota: float | None
    threshold: int | None


class UpdateFailed(RuntimeError):
    """The update cannot run; the message says what to fix. Raised so the invocation fails."""


def read_config(env: Mapping[str, str]) -> DeploymentSettings:
    try:
        return DeploymentSettings.read(env, ENVIRONMENT_NAMES)
    except MissingSettings as exc:
        raise UpdateFailed(f"Environment variables missing or empty: {', '.join(exc.names)}; "
                           f"update the stack to restore the function's configuration") from None
    except ValueError as exc:
        raise UpdateFailed(str(exc)) from None


# What to do about a code that is not a Bedrock quota: the RPM and TPM codes are stack parameters;
# the per-day code is none, the quota calculator finds it when its properties change.
SET_THE_RIGHT_CODE = "update the stack with the right quota code"
FIND_THE_PER_DAY_CODE_AGAIN = (
    "no parameter sets this code, the stack's quota calculator found it: update the stack with a changed "
    "quota parameter (a quota code, QuotaCodeCheck or a threshold percent) so that it looks the model's "
    "per-day quota up again")


def _quota_value(code: str, variable: str, fix: str = SET_THE_RIGHT_CODE) -> float | None:
    if not is_quota_code(code):
        return None
    try:
        return quota_catalogue.get_bedrock_quota(code).value
    except AwsError as exc:
        if is_not_found(exc):
            raise UpdateFailed(f"{variable} {code} is not an Amazon Bedrock quota in this account and "
                               f"region: {fix}") from None
        raise UpdateFailed(describe(exc, f"Reading quota {code} (Service Quotas GetServiceQuota)")) from None


def read_quotas(config: DeploymentSettings) -> Quotas:
    return Quotas(rpm=_quota_value(config.rpm_code, "RPM_QUOTA_CODE"),
                  tpm=_quota_value(config.tpm_code, "TPM_QUOTA_CODE"))


def daily_code(env: Mapping[str, str]) -> str:
    """The per-day token quota code handed over by the stack; NA when absent (older template)."""
    return env.get(DAILY_CODE_VARIABLE, "").strip() or NO_QUOTA_CODE


def read_daily_tokens(code: str, config: DeploymentSettings) -> DailyTokens:
    quota = _quota_value(code, DAILY_CODE_VARIABLE, FIND_THE_PER_DAY_CODE_AGAIN)
    return DailyTokens(quota, threshold(quota, config.tpm_percent))


def aggregated_profiles(config: DeploymentSettings) -> tuple[str, ...]:
    """The ModelId dimension values the Layer 2 alarms add up (the monitored one first)."""
    if config.profile_type == PARAMETER_SYSTEM_DEFINED:
        return (config.model_id,)
    try:
        siblings = inference_profiles.application_siblings(config.model_id)
    except AwsError as exc:
        raise UpdateFailed(describe(exc, "Reading the application inference profiles (Bedrock)")) from None
    except ValueError as exc:  # ProfileError, or a malformed ID
        raise UpdateFailed(str(exc)) from None
    if siblings.truncated:
        # The processor's usage figures still combine all of them; only the alarms cannot.
        logger.warning("More application profiles share the model list than an alarm can add up; "
                       "the rest are not in the Layer 2 alarms",
                       extra={"aggregated": list(siblings.alarm_profile_ids), "qualifying": siblings.total})
    return siblings.alarm_profile_ids


def update_alarms(config: DeploymentSettings, thresholds: Thresholds, daily: DailyTokens,
                  profiles: tuple[str, ...]) -> list[layer2_alarms.AlarmUpdate]:
    rpm_value, tpm_value = thresholds.alarm_values()
    wanted = {config.names.alarm_name(RPM_ALARM): rpm_value, config.names.alarm_name(TPM_ALARM): tpm_value,
              config.names.alarm_name(DAILY_ALARM): alarm_threshold(daily.threshold)}
    try:
        alarms = layer2_alarms.describe_metric_alarms(list(wanted))
        missing = [name for name in wanted if name not in alarms]
        if missing:
            raise UpdateFailed(f"Alarms not found: {', '.join(missing)}; they are created by the stack: "
                               f"update or re-create the stack")
        return [layer2_alarms.update_alarm(alarms[name], value, profiles) for name, value in wanted.items()]
    except AwsError as exc:
        raise UpdateFailed(describe(exc, "Updating the Layer 2 alarms (CloudWatch)")) from None
    except layer2_alarms.AlarmShapeError as exc:
        raise UpdateFailed(str(exc)) from None


def record_thresholds(config: DeploymentSettings, thresholds: Thresholds) -> bool:
    """Write the thresholds and timestamp to SSM unless the stored values are already these."""
    try:
        stored = threshold_store.read_thresholds(config.names)
        if (stored.rpm, stored.tpm) == thresholds.render():
            return False
        threshold_store.write_thresholds(config.names, thresholds)
        return True
    except AwsError as exc:
        raise UpdateFailed(describe(exc, "Recording the thresholds in SSM Parameter Store")) from None


def redraw_dashboard(config: DeploymentSettings, quotas: Quotas, thresholds: Thresholds, daily: DailyTokens,
                     profiles: tuple[str, ...]) -> bool:
    """Rewrite the dashboard's usage graphs when their lines or profiles changed (two calls at most).

    The dashboard only shows what the alarms decide, so a failure here is logged and the update
    still succeeds (the next run retries).
    """
    name = config.names.dashboard_name
    spec = DashboardSpec(
        names=config.names, region=os.environ.get("AWS_REGION", ""), account="", partition="",
        dimensions=profiles,
        lines={"rpm": lines_for(thresholds.rpm, quotas.rpm, "RPM"), "tpm": lines_for(thresholds.tpm, quotas.tpm, "TPM"),
               "daily": lines_for(daily.threshold, daily.quota, DAILY_LABEL)},
    )
    try:
        body, changed = refresh_usage_widgets(dashboards.read_dashboard(name), spec)
        if changed:
            for message in dashboards.write_dashboard(name, body):
                logger.warning(f"dashboard {name}: {message}")
        return changed
    except Exception as exc:  # noqa: BLE001 - see docstring
        logger.warning(describe(exc, f"Redrawing the dashboard {name} (CloudWatch)") + "; alarms are up to date")
        return False


def _describe_event(event: Any) -> str:
    if isinstance(event, Mapping) and event.get("detail-type") == "Scheduled Event":
        return "schedule"
    return "manual"


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind(logger, context)
    try:
        config = read_config(os.environ)  # 1
        logger.info("Alarm update started", extra={"trigger": _describe_event(event), "model_id": config.model_id})
        quotas = read_quotas(config)  # 2
        daily = read_daily_tokens(daily_code(os.environ), config)
        thresholds = compute_thresholds(quotas, config.rpm_percent, config.tpm_percent)  # 3
        profiles = aggregated_profiles(config)  # 4
        updates = update_alarms(config, thresholds, daily, profiles)  # 5
        recorded = record_thresholds(config, thresholds)  # 6
        redrawn = redraw_dashboard(config, quotas, thresholds, daily, profiles)  # 7
    except UpdateFailed as exc:
        logger.error("Alarm update failed", extra={"reason": str(exc)})
        raise
    except Exception:
        logger.exception("Alarm update failed unexpectedly")
        raise
    summary = _summary(config, quotas, thresholds, daily, profiles, updates, recorded)  # 8
    summary["dashboard"] = "redrawn" if redrawn else "unchanged"
    logger.info(summary["message"], extra={"summary": summary})
    return summary


def _summary(config: DeploymentSettings, quotas: Quotas, thresholds: Thresholds, daily: DailyTokens,
             profiles: tuple[str, ...], updates: list[layer2_alarms.AlarmUpdate], recorded: bool) -> dict[str, Any]:
    changed = [u.alarm_name for u in updates if u.changed]
    unchanged = [u.alarm_name for u in updates if not u.changed]
    ssm = config.names.ssm_prefix + "thresholds/"
    (changed if recorded else unchanged).append(ssm)
    details = [
        f"{u.alarm_name}: threshold {_number(u.old_threshold)} -> {u.new_threshold}"
        + (f", profiles {list(u.old_profiles)} -> {list(u.new_profiles)}" if u.metrics_changed else "")
        for u in updates if u.changed
    ]
    rpm, tpm = thresholds.render()
    message = ("Layer 2 alarms updated: " + "; ".join(details)) if details else (
        "Thresholds recorded in SSM; alarms already up to date" if recorded
        else "Nothing changed: alarms and stored thresholds already match the quotas")
    return {
        "changed": changed,
        "unchanged": unchanged,
        "thresholds": {"rpm": rpm, "tpm": tpm, "daily": render_threshold(daily.threshold)},
        "quotas": {"rpm": quotas.rpm, "tpm": quotas.tpm, "daily": daily.quota},
        "profiles": list(profiles),
        "message": message,
    }


def _number(value: float | None) -> str:
    if value is None:
        return "none"
    return str(int(value)) if float(value).is_integer() else str(value)
