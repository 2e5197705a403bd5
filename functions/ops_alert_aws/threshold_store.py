"""SSM Parameter Store: the thresholds the functions compute, when they last changed, the display ID.

Names come from ``ops_alert.names.StackNames``. The values are plain strings (``Thresholds.render``);
readers parse them with ``Thresholds.parse``. Delete removes exactly what the functions wrote
(the original left these parameters behind after the stack was deleted, SPEC §8.11).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from ops_alert.names import StackNames
from ops_alert.thresholds import Thresholds
from ops_alert_aws.clients import client
from ops_alert_aws.errors import is_not_found


@dataclass(frozen=True)
class StoredThresholds:
    """The two stored threshold strings; None when a parameter does not exist."""

    rpm: str | None
    tpm: str | None


def utc_timestamp(now: datetime | None = None) -> str:
    """ISO 8601 UTC to the second, "2026-01-31T09:15:00Z"."""
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _put(name: str, value: str, description: str) -> None:
    client("ssm").put_parameter(Name=name, Value=value, Type="String", Overwrite=True, Description=description)


def written_parameters(names: StackNames) -> tuple[str, ...]:
    """Every parameter the quota calculator and the alarm updater write."""
    return (names.rpm_threshold_parameter, names.tpm_threshold_parameter,
            names.thresholds_updated_parameter, names.resolved_model_id_parameter)


def write_thresholds(names: StackNames, thresholds: Thresholds, now: datetime | None = None) -> str:
    """Store both thresholds and the UTC time they were computed; returns that timestamp."""
    rpm, tpm = thresholds.render()
    stamp = utc_timestamp(now)
    _put(names.rpm_threshold_parameter, rpm, "HighInvocationRate alarm threshold (requests per minute)")
    _put(names.tpm_threshold_parameter, tpm, "HighTPMQuotaUsage alarm threshold (tokens per minute)")
    _put(names.thresholds_updated_parameter, stamp, "When the thresholds were last computed (UTC)")
    return stamp


def write_display_model_id(names: StackNames, model_id: str) -> None:
    _put(names.resolved_model_id_parameter, model_id, "Model ID shown in e-mails and support cases")


def _get(name: str) -> str | None:
    try:
        return str(client("ssm").get_parameter(Name=name)["Parameter"]["Value"])
    except Exception as exc:  # only "not found" is an answer; the rest propagates
        if is_not_found(exc):
            return None
        raise


def read_thresholds(names: StackNames) -> StoredThresholds:
    return StoredThresholds(_get(names.rpm_threshold_parameter), _get(names.tpm_threshold_parameter))


def delete_written_parameters(names: StackNames) -> tuple[str, ...]:
    """Delete what the functions wrote (missing ones are fine); returns the names really deleted."""
    response = client("ssm").delete_parameters(Names=list(written_parameters(names)))
    return tuple(response.get("DeletedParameters", []))
