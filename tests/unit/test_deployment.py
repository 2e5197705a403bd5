"""The deployment settings of the configuration-time functions, from either source."""
from __future__ import annotations

import pytest

from ops_alert.deployment import ENVIRONMENT_NAMES, PROPERTY_NAMES, DeploymentSettings, MissingSettings

PROPS = {"CustomerName": "Acme", "BedrockModelName": "G-Opus-4-6", "BedrockModelId": " global.anthropic.claude-opus-4-6-v1 ",
         "InferenceProfileType": "System-Defined", "RequestsPerMinuteQuotaCode": "L-3DD46812",
         "TokensPerMinuteQuotaCode": "L-3DCCFAA4", "RequestsPerMinuteThresholdPercent": "80",
         "TokensPerMinuteThresholdPercent": "75"}
ENV = {ENVIRONMENT_NAMES[f]: PROPS[PROPERTY_NAMES[f]] for f in PROPERTY_NAMES}


@pytest.mark.parametrize("values,source", [(PROPS, PROPERTY_NAMES), (ENV, ENVIRONMENT_NAMES)], ids=["properties", "environment"])
def test_both_sources_give_the_same_settings(values: dict, source: dict) -> None:
    s = DeploymentSettings.read(values, source)
    assert (s.names.composite_alarm_name, s.model_id, s.rpm_percent, s.tpm_percent) == \
        ("Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6", "global.anthropic.claude-opus-4-6-v1", "80", "75")


@pytest.mark.parametrize("change,error,text", [
    ({"TPM_QUOTA_CODE": ""}, MissingSettings, "TPM_QUOTA_CODE"),
    ({"CUSTOMER_NAME": None, "BEDROCK_MODEL_ID": "  "}, MissingSettings, "CUSTOMER_NAME, BEDROCK_MODEL_ID"),
    ({"INFERENCE_PROFILE_TYPE": "application"}, ValueError, "INFERENCE_PROFILE_TYPE must be System-Defined or Application"),
    ({"RPM_THRESHOLD_PERCENT": "0"}, ValueError, "RPM_THRESHOLD_PERCENT must be between 1 and 100"),
    ({"TPM_THRESHOLD_PERCENT": "lots"}, ValueError, "TPM_THRESHOLD_PERCENT"),
], ids=["missing", "several-missing-in-order", "bad-profile-type", "percent-out-of-range", "percent-not-a-number"])
def test_bad_settings_name_the_setting_to_fix(change: dict, error: type, text: str) -> None:
    with pytest.raises(error, match=text):
        DeploymentSettings.read({**ENV, **change}, ENVIRONMENT_NAMES)
