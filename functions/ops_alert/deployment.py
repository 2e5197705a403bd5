"""The deployment settings both configuration-time functions work from.

The quota calculator receives them as custom-resource properties, the alarm updater as environment
variables; the fields, their checks and their error messages are the same, so they live here once.
Each caller passes the names its source uses, so a message names what the user must fix.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ops_alert.names import StackNames
from ops_alert.processor_env import DAILY_TOKEN_QUOTA_CODE
from ops_alert.profiles import check_profile_type
from ops_alert.thresholds import check_percent

FIELDS = ("customer", "model", "model_id", "profile_type", "rpm_code", "tpm_code", "rpm_percent", "tpm_percent")

# Where each field comes from, in the two places the stack hands them over.
PROPERTY_NAMES: dict[str, str] = {
    "customer": "CustomerName", "model": "BedrockModelName", "model_id": "BedrockModelId",
    "profile_type": "InferenceProfileType", "rpm_code": "RequestsPerMinuteQuotaCode",
    "tpm_code": "TokensPerMinuteQuotaCode", "rpm_percent": "RequestsPerMinuteThresholdPercent",
    "tpm_percent": "TokensPerMinuteThresholdPercent",
}
ENVIRONMENT_NAMES: dict[str, str] = {
    "customer": "CUSTOMER_NAME", "model": "BEDROCK_MODEL_NAME", "model_id": "BEDROCK_MODEL_ID",
    "profile_type": "INFERENCE_PROFILE_TYPE", "rpm_code": "RPM_QUOTA_CODE", "tpm_code": "TPM_QUOTA_CODE",
    "rpm_percent": "RPM_THRESHOLD_PERCENT", "tpm_percent": "TPM_THRESHOLD_PERCENT",
}


# The alarm updater's per-day token quota code (issue 12): the quota calculator's DailyTokenQuotaCode
# attribute, NA when the model has none. Optional: a stack from an older template has no such alarm.
# The same variable the processor reads (one name for both functions).
DAILY_CODE_VARIABLE = DAILY_TOKEN_QUOTA_CODE


class MissingSettings(ValueError):
    """Some settings are missing or empty; ``names`` lists them as their source calls them."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"missing or empty: {', '.join(names)}")
        self.names = names


@dataclass(frozen=True)
class DeploymentSettings:
    names: StackNames
    model_id: str
    profile_type: str  # "System-Defined" or "Application"
    rpm_code: str  # a quota code, or "NA" when the model has no RPM quota
    tpm_code: str
    rpm_percent: str  # 1..100, kept as given (thresholds.py does exact arithmetic on it)
    tpm_percent: str

    @classmethod
    def read(cls, values: Mapping[str, Any], source_names: Mapping[str, str]) -> DeploymentSettings:
        """Checked settings from ``values`` keyed by ``source_names``; MissingSettings or ValueError."""
        raw = {f: str(values.get(source_names[f], "") or "").strip() for f in FIELDS}
        missing = [source_names[f] for f in FIELDS if not raw[f]]
        if missing:
            raise MissingSettings(missing)
        check_profile_type(raw["profile_type"], source_names["profile_type"])
        check_percent(raw["rpm_percent"], source_names["rpm_percent"])
        check_percent(raw["tpm_percent"], source_names["tpm_percent"])
        return cls(
            names=StackNames(raw["customer"], raw["model"]),
            model_id=raw["model_id"],
            profile_type=raw["profile_type"],
            rpm_code=raw["rpm_code"],
            tpm_code=raw["tpm_code"],
            rpm_percent=raw["rpm_percent"],
            tpm_percent=raw["tpm_percent"],
        )
