"""Quota calculator custom resource end to end, from the packaged zips (SPEC §4.1, issue 3)."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

from ops_alert.thresholds import NEVER_FIRES_THRESHOLD
from tests.fakes import (
    CfnResponse,
    CfnResponseServer,
    FakeLambdaContext,
    StandardFakes,
    bedrock_quota_catalogue,
    model_arn,
)

pytestmark = pytest.mark.packaged

PREFIX = "/Acme/bedrock/quota-monitoring/G-Opus-4-6/"
WRITTEN = [PREFIX + n for n in ("thresholds/rpm-threshold-calculated", "thresholds/tpm-threshold-calculated",
                                "thresholds/last-updated", "resolved-model-id-display")]
OPUS_GLOBAL = "global.anthropic.claude-opus-4-6-v1"
RPM_GLOBAL, TPM_GLOBAL = "L-3DD46812", "L-3DCCFAA4"
PROPS = {
    "CustomerName": "Acme", "BedrockModelName": "G-Opus-4-6", "BedrockModelId": OPUS_GLOBAL,
    "InferenceProfileType": "System-Defined", "RequestsPerMinuteQuotaCode": RPM_GLOBAL,
    "TokensPerMinuteQuotaCode": TPM_GLOBAL, "RequestsPerMinuteThresholdPercent": "80",
    "TokensPerMinuteThresholdPercent": "80",
}
APP_ID = "abcd1234efgh"
APP_ARN = f"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/{APP_ID}"


def code_of(aws: StandardFakes, name: str) -> str:
    return next(q.code for q in aws.service_quotas.quotas.values() if q.name == name)


@pytest.fixture
def world(aws: StandardFakes) -> StandardFakes:
    aws.service_quotas.add_quotas(bedrock_quota_catalogue())
    aws.bedrock.add_system_catalogue()
    return aws


@pytest.fixture
def invoke(load_handler: Callable[[str], ModuleType], world: StandardFakes, cfn_responses: CfnResponseServer,
           lambda_context: FakeLambdaContext) -> Callable[..., CfnResponse]:
    module = load_handler("quota_calculator")

    def run(request_type: str = "Create", props: dict[str, Any] | None = None, **kwargs: Any) -> CfnResponse:
        event = cfn_responses.event(request_type, {**PROPS, **(props or {})}, **kwargs)
        count = len(cfn_responses.responses)
        assert module.handler(event, lambda_context) is not None
        assert len(cfn_responses.responses) == count + 1, "exactly one response per event"
        return cfn_responses.last

    return run


def ssm_values() -> dict[str, str]:
    pages = boto3.client("ssm").get_paginator("get_parameters_by_path").paginate(Path="/", Recursive=True)
    return {p["Name"]: p["Value"] for page in pages for p in page["Parameters"]}


# -- Create ------------------------------------------------------------------------------------------
def test_create_validates_computes_and_stores_the_thresholds(invoke: Callable[..., CfnResponse],
                                                             aws_calls: Counter[str], world: StandardFakes) -> None:
    response = invoke()
    calls = dict(aws_calls)
    assert response.status == "SUCCESS", response.body["Reason"]
    assert response.body["Data"] == {"RpmThreshold": "8000", "TpmThreshold": "5000000",
                                     "MetricDimensionValue": OPUS_GLOBAL, "ResolvedModelIdDisplay": OPUS_GLOBAL,
                                     "QuotaCodeWarnings": "none", "DailyTokenQuotaCode": "NA",
                                     # No per-day quota for the global profile: its alarm never fires.
                                     "DailyTokenThreshold": "1000000000000000"}
    assert response.body["PhysicalResourceId"] == "bedrock-ops-alert/quota-thresholds/Acme/G-Opus-4-6"
    assert response.body["NoEcho"] is False and response.header("Content-Type") == ""
    stored = ssm_values()
    assert sorted(stored) == sorted(WRITTEN)
    assert (stored[WRITTEN[0]], stored[WRITTEN[1]], stored[WRITTEN[3]]) == ("8000", "5000000", OPUS_GLOBAL)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stored[WRITTEN[2]])
    # Measured: one paginated quota list, the default values' list (the per-day quota's absence,
    # NA, is only known from it), four SSM writes, nothing else.
    pages = -(-len(world.service_quotas.quotas) // 100)
    assert calls == {"service-quotas:ListServiceQuotas": pages, "service-quotas:ListAWSDefaultServiceQuotas": pages,
                     "ssm:PutParameter": 4}


@pytest.mark.parametrize(("percent", "rpm", "tpm"), [("90", "9000", "5625000"), ("1", "100", "62500"),
                                                     ("100", "10000", "6250000"), ("33.3", "3330", "2081250")],
                         ids=["90", "1", "100", "fraction"])
def test_thresholds_are_floor_of_quota_times_percent(invoke: Callable[..., CfnResponse], percent: str,
                                                     rpm: str, tpm: str) -> None:
    body = invoke(props={"RequestsPerMinuteThresholdPercent": percent,
                         "TokensPerMinuteThresholdPercent": percent}).body
    assert (body["Data"]["RpmThreshold"], body["Data"]["TpmThreshold"]) == (rpm, tpm)


def test_create_accepts_a_quota_that_only_has_its_default_value(invoke: Callable[..., CfnResponse],
                                                                world: StandardFakes) -> None:
    """Service Quotas lists only applied values; a never-raised quota must not fail the deployment."""
    world.service_quotas.quota(RPM_GLOBAL).applied = False
    response = invoke()
    assert response.status == "SUCCESS", response.body["Reason"]
    assert response.body["Data"]["RpmThreshold"] == "8000"


def test_a_model_without_rpm_quota_gets_a_never_firing_rpm_threshold(invoke: Callable[..., CfnResponse],
                                                                      world: StandardFakes) -> None:
    world.service_quotas.add_quota("L-0000ABCD", "On-demand model inference tokens per minute for Acme Nimbus",
                                   1_000_000)
    body = invoke(props={"BedrockModelId": "acme.nimbus-v1:0", "RequestsPerMinuteQuotaCode": "NA",
                         "TokensPerMinuteQuotaCode": "L-0000ABCD"}).body
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert (body["Data"]["RpmThreshold"], body["Data"]["TpmThreshold"]) == (str(NEVER_FIRES_THRESHOLD), "800000")
    assert ssm_values()[WRITTEN[0]] == str(NEVER_FIRES_THRESHOLD)


@pytest.mark.parametrize("model_id", [APP_ID, APP_ARN], ids=["short-id", "arn"])
def test_an_application_profile_is_resolved_to_its_system_profile(invoke: Callable[..., CfnResponse],
                                                                  world: StandardFakes, model_id: str) -> None:
    world.bedrock.add_application_profile(APP_ID, world.bedrock.profiles[OPUS_GLOBAL].models)
    body = invoke(props={"InferenceProfileType": "Application", "BedrockModelId": model_id}).body
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["MetricDimensionValue"] == APP_ID  # metrics carry the short profile ID
    assert body["Data"]["ResolvedModelIdDisplay"] == OPUS_GLOBAL  # quotas are the global profile's
    assert ssm_values()[WRITTEN[3]] == OPUS_GLOBAL


def test_an_application_profile_over_one_model_uses_on_demand_quotas(invoke: Callable[..., CfnResponse],
                                                                     world: StandardFakes) -> None:
    llama = "meta.llama3-1-70b-instruct-v1:0"
    world.bedrock.add_application_profile(APP_ID, [model_arn(llama)])
    rpm = code_of(world, "On-demand model inference requests per minute for Meta Llama 3.1 70B Instruct")
    tpm = code_of(world, "On-demand model inference tokens per minute for Meta Llama 3.1 70B Instruct")
    body = invoke(props={"InferenceProfileType": "Application", "BedrockModelId": APP_ID,
                         "RequestsPerMinuteQuotaCode": rpm, "TokensPerMinuteQuotaCode": tpm}).body
    assert body["Status"] == "SUCCESS", body["Reason"]
    per_day = code_of(world, "Model invocation max tokens per day for Meta Llama 3.1 70B Instruct")
    assert body["Data"] == {"RpmThreshold": "320", "TpmThreshold": "240000", "MetricDimensionValue": APP_ID,
                            "ResolvedModelIdDisplay": llama, "QuotaCodeWarnings": "none",
                            "DailyTokenQuotaCode": per_day,
                            # 80 % of its per-day quota, 300,000 x 1,440 / 4 = 108,000,000 in the catalogue.
                            "DailyTokenThreshold": "86400000"}


# -- Bad input: every one FAILED, with a reason that says what to fix ------------------------------
US_OPUS_RPM = "Cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1"
MANTLE_RPM = "On-demand model inference requests per minute for OpenAI GPT OSS 120B (bedrock-mantle)"


@pytest.mark.parametrize(("props", "expected"), [
    ({"RequestsPerMinuteQuotaCode": "l-3dd46812"}, "is not a Service Quotas code"),
    ({"RequestsPerMinuteQuotaCode": "L-00000000"}, f"is not an Amazon Bedrock quota in this account and region: use {RPM_GLOBAL}"),
    ({"RequestsPerMinuteQuotaCode": TPM_GLOBAL, "TokensPerMinuteQuotaCode": RPM_GLOBAL},
     f"a tokens-per-minute quota, but RequestsPerMinuteQuotaCode needs a requests-per-minute quota: use {RPM_GLOBAL}"),
    ({"BedrockModelId": "us.anthropic.claude-opus-4-6-v1"}, "uses geographic cross-region inference: use L-"),
    ({"BedrockModelId": "acme.unknown-model-v1:0"}, "does not name model acme.unknown-model-v1:0"),
    ({"RequestsPerMinuteQuotaCode": "NA"}, f"RequestsPerMinuteQuotaCode is NA, but model {OPUS_GLOBAL} has a requests-per-minute quota"),
    ({"RequestsPerMinuteThresholdPercent": "0"}, "RequestsPerMinuteThresholdPercent must be between 1 and 100"),
    ({"TokensPerMinuteThresholdPercent": "lots"}, "TokensPerMinuteThresholdPercent must be a number"),
    ({"InferenceProfileType": "Provisioned"}, "InferenceProfileType must be System-Defined or Application"),
    ({"BedrockModelId": ""}, "missing the properties BedrockModelId"),
], ids=["malformed-code", "unknown-code", "swapped-codes", "wrong-mode", "model-matches-no-quota", "na-but-quota-exists",
        "percent-out-of-range", "percent-not-a-number", "bad-profile-type", "missing-property"])
def test_bad_properties_fail_with_an_actionable_reason(invoke: Callable[..., CfnResponse], props: dict[str, str],
                                                      expected: str) -> None:
    response = invoke(props=props)
    assert response.status == "FAILED"
    assert expected in response.body["Reason"]
    assert response.body["PhysicalResourceId"].startswith("create-failed:")
    assert ssm_values() == {}  # nothing written before validation passed


@pytest.mark.parametrize(("props", "expected"), [
    ({"RequestsPerMinuteQuotaCode": "l-3dd46812"}, f"write it as {RPM_GLOBAL}"),
    ({"RequestsPerMinuteQuotaCode": "L-3DD 46812"}, f"write it as {RPM_GLOBAL}"),
    ({"RequestsPerMinuteQuotaCode": "L-1216C47A"},  # EC2's "Running On-Demand Standard instances"
     f"Codes of other services or regions do not fit; `make quota-codes MODEL={OPUS_GLOBAL}` lists the model's codes"),
    ({"TokensPerMinuteQuotaCode": "{per-day}"}, "a tokens-per-day quota, but TokensPerMinuteQuotaCode needs a tokens-per-minute quota"),
    ({"QuotaCodeCheck": "Lenient"}, "QuotaCodeCheck must be Strict or WarnOnly, not 'Lenient'"),
], ids=["lower-case", "inner-space", "other-service", "per-day-for-per-minute", "bad-check-mode"])
def test_bad_codes_fail_naming_the_fix(invoke: Callable[..., CfnResponse], world: StandardFakes, props: dict[str, str],
                                       expected: str) -> None:
    per_day = code_of(world, "Model invocation max tokens per day for Anthropic Claude Opus 4.6 V1")
    response = invoke(props={k: per_day if v == "{per-day}" else v for k, v in props.items()})
    assert response.status == "FAILED"
    assert expected in response.body["Reason"]


def test_spaces_around_a_code_are_ignored(invoke: Callable[..., CfnResponse]) -> None:
    response = invoke(props={"RequestsPerMinuteQuotaCode": f"  {RPM_GLOBAL} "})
    assert response.status == "SUCCESS", response.body["Reason"]


# -- QuotaCodeCheck: the escape hatch -------------------------------------------------------------
def test_strict_refusal_says_how_to_deploy_anyway(invoke: Callable[..., CfnResponse], world: StandardFakes) -> None:
    reason = invoke(props={"RequestsPerMinuteQuotaCode": code_of(world, US_OPUS_RPM)}).body["Reason"]
    assert f"use {RPM_GLOBAL}" in reason
    assert "(to deploy with this code anyway, set QuotaCodeCheck to WarnOnly)" in reason


def test_warn_only_deploys_with_the_given_code_and_reports_the_refusal(invoke: Callable[..., CfnResponse],
                                                                       world: StandardFakes) -> None:
    """The user knows better (say, traffic really goes through the geographic profile's quota)."""
    given = code_of(world, US_OPUS_RPM)
    response = invoke(props={"RequestsPerMinuteQuotaCode": given, "QuotaCodeCheck": "WarnOnly"})
    assert response.status == "SUCCESS", response.body["Reason"]
    data = response.body["Data"]
    expected_rpm = int(world.service_quotas.quota(given).value * 0.8)
    assert data["RpmThreshold"] == str(expected_rpm)  # the given quota's value, not the suggested one
    assert data["QuotaCodeWarnings"].startswith(
        f"deployed anyway (QuotaCodeCheck=WarnOnly): RequestsPerMinuteQuotaCode {given} is '{US_OPUS_RPM}'")
    assert f"use {RPM_GLOBAL}" in data["QuotaCodeWarnings"]


def test_warn_only_still_refuses_what_makes_no_threshold(invoke: Callable[..., CfnResponse]) -> None:
    response = invoke(props={"RequestsPerMinuteQuotaCode": "L-00000000", "TokensPerMinuteQuotaCode": RPM_GLOBAL,
                             "QuotaCodeCheck": "WarnOnly"})
    assert response.status == "FAILED"
    assert "is not an Amazon Bedrock quota" in response.body["Reason"]
    assert "a requests-per-minute quota, but TokensPerMinuteQuotaCode needs" in response.body["Reason"]
    assert "set QuotaCodeCheck to WarnOnly" not in response.body["Reason"]


def test_warn_only_accepts_na_for_a_model_that_has_the_quota(invoke: Callable[..., CfnResponse]) -> None:
    response = invoke(props={"RequestsPerMinuteQuotaCode": "NA", "QuotaCodeCheck": "WarnOnly"})
    assert response.status == "SUCCESS", response.body["Reason"]
    assert response.body["Data"]["RpmThreshold"] == str(NEVER_FIRES_THRESHOLD)
    assert "RequestsPerMinuteQuotaCode is NA, but model" in response.body["Data"]["QuotaCodeWarnings"]


def test_a_wrong_mode_names_the_right_code(invoke: Callable[..., CfnResponse], world: StandardFakes) -> None:
    reason = invoke(props={"BedrockModelId": "us.anthropic.claude-opus-4-6-v1"}).body["Reason"]
    assert f"use {code_of(world, US_OPUS_RPM)} ('{US_OPUS_RPM}')" in reason
    assert "TokensPerMinuteQuotaCode" in reason  # both codes are wrong: both are reported at once


def test_a_mantle_quota_is_rejected(invoke: Callable[..., CfnResponse], world: StandardFakes) -> None:
    reason = invoke(props={"BedrockModelId": "openai.gpt-oss-120b-1:0",
                           "RequestsPerMinuteQuotaCode": code_of(world, MANTLE_RPM)}).body["Reason"]
    assert "bedrock-mantle endpoint, which this stack does not monitor" in reason


@pytest.mark.parametrize(("setup", "model_id", "expected"), [
    (None, APP_ID, f"Application inference profile {APP_ID} does not exist in this account and region"),
    ("other-account", APP_ARN.replace("123456789012", "999999999999"), "belongs to another account or region"),
    ("other-region", APP_ARN.replace("us-east-1", "eu-west-1"), "belongs to another account or region"),
    ("inactive", APP_ID, f"Application inference profile {APP_ID} is CREATING, not ACTIVE"),
    ("no-models", APP_ID, "lists no models"),
    ("system", OPUS_GLOBAL, "is of type SYSTEM_DEFINED, not APPLICATION"),
    ("two-models", APP_ID, "copies no system-defined inference profile"),
    (None, "arn:aws:bedrock:us-east-1::foundation-model/x", "is not an inference profile ARN"),
], ids=["missing", "foreign-account", "foreign-region", "inactive", "no-models", "system-profile", "unresolvable",
        "not-a-profile-arn"])
def test_bad_application_profiles_fail(invoke: Callable[..., CfnResponse], world: StandardFakes,
                                      setup: str | None, model_id: str, expected: str) -> None:
    opus = world.bedrock.profiles[OPUS_GLOBAL].models
    if setup in ("other-account", "other-region"):
        world.bedrock.add_application_profile(APP_ID, opus)
    elif setup == "inactive":
        # The API model knows only ACTIVE today; a future status must still be refused.
        world.strict = False
        world.bedrock.add_application_profile(APP_ID, opus, status="CREATING")
    elif setup == "no-models":
        world.bedrock.add_application_profile(APP_ID, [])
    elif setup == "two-models":
        world.bedrock.add_application_profile(APP_ID, [model_arn("meta.llama3-1-70b-instruct-v1:0"),
                                                       model_arn("anthropic.claude-opus-4-6-v1")])
    response = invoke(props={"InferenceProfileType": "Application", "BedrockModelId": model_id})
    assert response.status == "FAILED"
    assert expected in response.body["Reason"]


@pytest.mark.parametrize(("service", "operation", "code", "expected"), [
    ("service-quotas", "ListServiceQuotas", "TooManyRequestsException", "throttled the call past the retries"),
    ("service-quotas", "ListServiceQuotas", "AccessDeniedException", "lacks a permission"),
    ("bedrock", "GetInferenceProfile", "ThrottlingException", "retry in a few minutes"),
    ("bedrock", "ListInferenceProfiles", "InternalServerException", "Bedrock ListInferenceProfiles"),
], ids=["quotas-throttled", "quotas-denied", "profile-throttled", "profiles-failing"])
def test_aws_faults_fail_with_a_reason(invoke: Callable[..., CfnResponse], world: StandardFakes, fault: Any,
                                      service: str, operation: str, code: str, expected: str) -> None:
    world.bedrock.add_application_profile(APP_ID, world.bedrock.profiles[OPUS_GLOBAL].models)
    fault.fail(service, operation, code, times=None)
    response = invoke(props={"InferenceProfileType": "Application", "BedrockModelId": APP_ID})
    assert response.status == "FAILED" and expected in response.body["Reason"]


def test_an_ssm_write_failure_fails_and_the_rollback_delete_cleans_up(invoke: Callable[..., CfnResponse],
                                                                      fault: Any) -> None:
    fault.fail("ssm", "PutParameter", "InternalServerError", status=500, times=None)
    created = invoke()
    fault.clear()
    assert created.status == "FAILED" and "Writing the thresholds to SSM" in created.body["Reason"]
    physical = created.body["PhysicalResourceId"]
    assert physical == "bedrock-ops-alert/quota-thresholds/Acme/G-Opus-4-6"  # so the rollback removes them
    boto3.client("ssm").put_parameter(Name=WRITTEN[0], Value="1", Type="String")  # as if one write had passed
    assert invoke("Delete", physical_id=physical).status == "SUCCESS"
    assert ssm_values() == {}


def test_an_event_without_resource_properties_fails(load_handler: Callable[[str], ModuleType], world: StandardFakes,
                                                    cfn_responses: CfnResponseServer,
                                                    lambda_context: FakeLambdaContext) -> None:
    event = cfn_responses.event("Create", PROPS)
    del event["ResourceProperties"]
    load_handler("quota_calculator").handler(event, lambda_context)
    assert cfn_responses.last.status == "FAILED"
    assert "carries no ResourceProperties" in cfn_responses.last.body["Reason"]


def test_an_unknown_request_type_fails(load_handler: Callable[[str], ModuleType], world: StandardFakes,
                                       cfn_responses: CfnResponseServer, lambda_context: FakeLambdaContext) -> None:
    event = cfn_responses.event("Update", PROPS, old_properties=PROPS, physical_id="p-1")
    event["RequestType"] = "Replace"
    load_handler("quota_calculator").handler(event, lambda_context)
    assert cfn_responses.last.status == "FAILED" and "Unknown RequestType 'Replace'" in cfn_responses.last.body["Reason"]
    assert cfn_responses.last.body["PhysicalResourceId"] == "p-1"


# -- Update ------------------------------------------------------------------------------------------
def test_update_keeps_the_physical_id_and_rewrites_the_thresholds(invoke: Callable[..., CfnResponse]) -> None:
    physical = invoke().body["PhysicalResourceId"]
    response = invoke("Update", {"RequestsPerMinuteThresholdPercent": "50"}, old_properties=PROPS, physical_id=physical)
    assert response.status == "SUCCESS" and response.body["PhysicalResourceId"] == physical
    assert response.body["Data"]["RpmThreshold"] == "5000" and ssm_values()[WRITTEN[0]] == "5000"


def test_update_from_the_original_stack_keeps_its_physical_id(invoke: Callable[..., CfnResponse]) -> None:
    legacy = "2026/01/01/[$LATEST]quota-calculator-legacy"
    response = invoke("Update", old_properties=PROPS, physical_id=legacy)
    assert response.status == "SUCCESS" and response.body["PhysicalResourceId"] == legacy


def test_a_failed_update_echoes_the_physical_id(invoke: Callable[..., CfnResponse]) -> None:
    physical = invoke().body["PhysicalResourceId"]
    response = invoke("Update", {"RequestsPerMinuteQuotaCode": "L-00000000"}, old_properties=PROPS, physical_id=physical)
    assert response.status == "FAILED" and response.body["PhysicalResourceId"] == physical
    assert ssm_values()[WRITTEN[0]] == "8000"  # the old values stay until a good update


@pytest.mark.parametrize("legacy", [False, True], ids=["our-id", "original-stacks-id"])
def test_renaming_the_model_replaces_and_the_old_delete_removes_only_old_parameters(
        invoke: Callable[..., CfnResponse], legacy: bool) -> None:
    old_id = invoke().body["PhysicalResourceId"]
    if legacy:
        old_id = "QuotaCalculatorCustomResource-legacy-1234"
    renamed = {**PROPS, "BedrockModelName": "Opus-Prod"}
    response = invoke("Update", renamed, old_properties=PROPS, physical_id=old_id)
    assert response.status == "SUCCESS"
    assert response.body["PhysicalResourceId"] == "bedrock-ops-alert/quota-thresholds/Acme/Opus-Prod"
    # CloudFormation then deletes the old resource, with the old properties.
    assert invoke("Delete", PROPS, physical_id=old_id).status == "SUCCESS"
    remaining = ssm_values()
    assert not any(name.startswith(PREFIX) for name in remaining)
    assert sorted(remaining) == sorted(n.replace("G-Opus-4-6", "Opus-Prod") for n in WRITTEN)


# -- Delete ------------------------------------------------------------------------------------------
def test_delete_removes_what_was_written(invoke: Callable[..., CfnResponse], aws_calls: Counter[str]) -> None:
    physical = invoke().body["PhysicalResourceId"]
    boto3.client("ssm").put_parameter(Name=PREFIX + "notification-preference", Value="all", Type="String")
    aws_calls.clear()
    response = invoke("Delete", physical_id=physical)
    calls = dict(aws_calls)
    assert response.status == "SUCCESS" and response.body["PhysicalResourceId"] == physical
    assert ssm_values() == {PREFIX + "notification-preference": "all"}  # the template's own parameter stays
    assert calls == {"ssm:DeleteParameters": 1}


def test_delete_when_nothing_exists_succeeds(invoke: Callable[..., CfnResponse]) -> None:
    assert invoke("Delete", physical_id="bedrock-ops-alert/quota-thresholds/Acme/G-Opus-4-6").status == "SUCCESS"


def test_delete_after_a_failed_create_touches_nothing(invoke: Callable[..., CfnResponse],
                                                     aws_calls: Counter[str]) -> None:
    # Another stack may own these names: the rollback of a create that never happened must not delete them.
    invoke()
    failed = invoke(props={"RequestsPerMinuteQuotaCode": "L-00000000"})
    aws_calls.clear()
    assert invoke("Delete", physical_id=failed.body["PhysicalResourceId"]).status == "SUCCESS"
    assert sum(aws_calls.values()) == 0
    assert len(ssm_values()) == 4


def test_delete_never_blocks_the_stack(invoke: Callable[..., CfnResponse], fault: Any) -> None:
    physical = invoke().body["PhysicalResourceId"]
    fault.fail("ssm", "DeleteParameters", "AccessDeniedException", times=None)
    assert invoke("Delete", physical_id=physical).status == "SUCCESS"
    assert len(ssm_values()) == 4  # left behind, and logged


def test_delete_without_properties_uses_the_physical_id(load_handler: Callable[[str], ModuleType],
                                                        invoke: Callable[..., CfnResponse],
                                                        cfn_responses: CfnResponseServer,
                                                        lambda_context: FakeLambdaContext) -> None:
    physical = invoke().body["PhysicalResourceId"]
    event = cfn_responses.event("Delete", {}, physical_id=physical)
    del event["ResourceProperties"]
    load_handler("quota_calculator").handler(event, lambda_context)
    assert cfn_responses.last.status == "SUCCESS" and ssm_values() == {}


# -- Quotas that only have their AWS default value ----------------------------------------------------
# ListServiceQuotas omits a quota that was never raised, so "NA" and the suggested code must also be
# checked against ListAWSDefaultServiceQuotas, else a model's never-raised RPM quota is taken as absent
# and the RPM alarm is set never to fire.
def test_na_is_refused_when_the_quota_exists_with_only_its_default_value(
        invoke: Callable[..., CfnResponse], world: StandardFakes) -> None:
    world.service_quotas.quota(RPM_GLOBAL).applied = False
    response = invoke(props={"RequestsPerMinuteQuotaCode": "NA"})
    assert response.status == "FAILED"
    assert f"RequestsPerMinuteQuotaCode is NA, but model {OPUS_GLOBAL} has a requests-per-minute quota" \
        in response.body["Reason"]
    assert f"use {RPM_GLOBAL}" in response.body["Reason"]
    assert ssm_values() == {}


def test_a_wrong_code_names_the_right_one_even_when_it_has_only_its_default_value(
        invoke: Callable[..., CfnResponse], world: StandardFakes) -> None:
    world.service_quotas.quota(RPM_GLOBAL).applied = False
    wrong = code_of(world, US_OPUS_RPM)
    reason = invoke(props={"RequestsPerMinuteQuotaCode": wrong}).body["Reason"]
    assert f"use {RPM_GLOBAL}" in reason


def test_na_still_works_when_the_default_list_cannot_be_read(invoke: Callable[..., CfnResponse],
                                                             world: StandardFakes, fault: Any) -> None:
    world.service_quotas.add_quota("L-0000ABCD", "On-demand model inference tokens per minute for Acme Nimbus",
                                   1_000_000)
    fault.fail("service-quotas", "ListAWSDefaultServiceQuotas", "AccessDeniedException", times=None)
    body = invoke(props={"BedrockModelId": "acme.nimbus-v1:0", "RequestsPerMinuteQuotaCode": "NA",
                         "TokensPerMinuteQuotaCode": "L-0000ABCD"}).body
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["RpmThreshold"] == str(NEVER_FIRES_THRESHOLD)


LLAMA = "meta.llama3-1-70b-instruct-v1:0"
LLAMA_PER_DAY = "Model invocation max tokens per day for Meta Llama 3.1 70B Instruct"


def llama_props(world: StandardFakes) -> dict[str, str]:
    return {"BedrockModelName": "Llama", "BedrockModelId": LLAMA,
            "RequestsPerMinuteQuotaCode": code_of(
                world, "On-demand model inference requests per minute for Meta Llama 3.1 70B Instruct"),
            "TokensPerMinuteQuotaCode": code_of(
                world, "On-demand model inference tokens per minute for Meta Llama 3.1 70B Instruct")}


def test_valid_codes_need_no_default_list(invoke: Callable[..., CfnResponse], world: StandardFakes,
                                          aws_calls: Counter[str]) -> None:
    # Both codes valid and the per-day quota applied: nothing is known only from the default values.
    response = invoke(props=llama_props(world))
    assert response.status == "SUCCESS", response.body["Reason"]
    assert response.body["Data"]["DailyTokenQuotaCode"] == code_of(world, LLAMA_PER_DAY)
    assert aws_calls["service-quotas:ListAWSDefaultServiceQuotas"] == 0


def test_a_per_day_quota_with_only_its_default_value_is_found(invoke: Callable[..., CfnResponse],
                                                              world: StandardFakes, aws_calls: Counter[str]) -> None:
    """A never-raised per-day quota is not in ListServiceQuotas; taken as absent, DailyTokenQuotaCode
    was NA and HighDailyTokenUsage never fired."""
    per_day = code_of(world, LLAMA_PER_DAY)
    world.service_quotas.quota(per_day).applied = False
    response = invoke(props=llama_props(world))
    assert response.status == "SUCCESS", response.body["Reason"]
    # 80 % of 300,000 x 1,440 / 4 = 108,000,000.
    assert (response.body["Data"]["DailyTokenQuotaCode"], response.body["Data"]["DailyTokenThreshold"]) == \
        (per_day, "86400000")
    pages = -(-len(world.service_quotas.quotas) // 100)
    assert aws_calls["service-quotas:ListAWSDefaultServiceQuotas"] == pages  # read once


def test_the_default_list_read_for_the_codes_is_not_read_again_for_the_per_day_quota(
        invoke: Callable[..., CfnResponse], world: StandardFakes, aws_calls: Counter[str]) -> None:
    world.service_quotas.add_quota("L-0000ABCD", "On-demand model inference tokens per minute for Acme Nimbus",
                                   1_000_000)
    # NA is checked against the default values; the model has no per-day quota there either.
    body = invoke(props={"BedrockModelId": "acme.nimbus-v1:0", "RequestsPerMinuteQuotaCode": "NA",
                         "TokensPerMinuteQuotaCode": "L-0000ABCD"}).body
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["DailyTokenQuotaCode"] == "NA"
    pages = -(-len(world.service_quotas.quotas) // 100)
    assert aws_calls["service-quotas:ListAWSDefaultServiceQuotas"] == pages


def test_a_per_day_quota_is_na_when_the_default_list_cannot_be_read(invoke: Callable[..., CfnResponse],
                                                                   world: StandardFakes, fault: Any) -> None:
    world.service_quotas.quota(code_of(world, LLAMA_PER_DAY)).applied = False
    fault.fail("service-quotas", "ListAWSDefaultServiceQuotas", "AccessDeniedException", times=None)
    response = invoke(props=llama_props(world))
    assert response.status == "SUCCESS", response.body["Reason"]  # the deployment goes on without it
    assert response.body["Data"]["DailyTokenQuotaCode"] == "NA"
