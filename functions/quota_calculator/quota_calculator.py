"""Quota calculator custom resource (SPEC §4.1): validate the quota codes, compute the thresholds.

Create / Update:
  1. read the eight properties (all strings) and check the two percentages;
  2. find the model whose quotas apply: the BedrockModelId itself, or for an application
     inference profile the system-defined profile (or foundation model) it copies — the metric
     dimension stays the application profile's short ID;
  3. list the account's Bedrock quotas once (all pages) and validate BOTH codes against that model,
     failing with a message that names the right code;
  4. compute the thresholds (a missing RPM quota gives a threshold that never fires);
  5. write the thresholds, their UTC timestamp and the display model ID to SSM;
  6. answer RpmThreshold, TpmThreshold, MetricDimensionValue, ResolvedModelIdDisplay,
     QuotaCodeWarnings ("none", or the refusals deployed anyway under QuotaCodeCheck=WarnOnly) and
     DailyTokenQuotaCode (the model's per-day token quota, in the applied or else the default
     values; NA if none) and
     DailyTokenThreshold (TPM threshold percent of it, the never-firing value without one).
Delete: remove the SSM parameters the functions wrote; never block the stack's deletion.

The physical ID names the customer and model (``bedrock-ops-alert/quota-thresholds/C/M``), so it is
stable across updates and changes only when those names — and so the SSM parameter names —
change; CloudFormation then deletes the old resource, and that Delete removes the old names'
parameters, read from the old physical ID.
"""
from __future__ import annotations

from ops_alert_aws.dataclass_code import shipped_dataclass_code

# Our dataclasses' methods come compiled in the layer (ops_alert_aws.dataclass_code: why).
with shipped_dataclass_code():
    from collections.abc import Mapping
    from dataclasses import dataclass
    from typing import Any

    from ops_alert.alarms import QuotaKind
    from ops_alert.deployment import PROPERTY_NAMES, DeploymentSettings
    from ops_alert.names import StackNames
    from ops_alert.profiles import (
        PARAMETER_SYSTEM_DEFINED,
        SYSTEM_DEFINED,
        ProfileError,
        check_application_profile,
        display_model_id,
        resolve_application_profile,
        short_profile_id,
    )
    from ops_alert.quota_codes import (
        CHECK_PARAMETER,
        NO_QUOTA_CODE,
        CodeCheckMode,
        QuotaCheck,
        QuotaCodeError,
        QuotaInfo,
        QuotaRate,
        decide,
        find_quota,
        parse_check_mode,
        validate_quota_code,
    )
    from ops_alert.thresholds import Quotas, compute_thresholds, render_threshold, threshold
    from ops_alert_aws import inference_profiles, quota_catalogue, threshold_store
    from ops_alert_aws.custom_resource import (
        CREATE,
        DELETE,
        UPDATE,
        Outcome,
        Request,
        ResourceFailed,
        physical_id_for,
        run,
    )
    from ops_alert_aws.errors import AwsError, describe, is_not_found
    from ops_alert_aws.log import bind, get_logger

logger = get_logger("quota_calculator")

PHYSICAL_ID_PREFIX = "bedrock-ops-alert/quota-thresholds/"


@dataclass(frozen=True)
class ResolvedModel:
    dimension: str  # the ModelId the Layer 2 alarms watch
    quota_model_id: str  # the model or system profile whose quotas apply


def physical_id(names: StackNames) -> str:
    return f"{PHYSICAL_ID_PREFIX}{names.customer}/{names.model}"


def names_from_physical_id(value: str | None) -> StackNames | None:
    """The names encoded in one of our physical IDs (names never contain "/"), else None."""
    if not value or not value.startswith(PHYSICAL_ID_PREFIX):
        return None
    parts = value[len(PHYSICAL_ID_PREFIX):].split("/")
    if len(parts) != 2 or not all(parts):
        return None
    return StackNames(parts[0], parts[1])


def _names(props: Any) -> StackNames | None:
    if not isinstance(props, Mapping):
        return None
    customer, model = props.get("CustomerName"), props.get("BedrockModelName")
    if not customer or not model:
        return None
    return StackNames(str(customer).strip(), str(model).strip())


def read_settings(request: Request) -> DeploymentSettings:
    props = request.require(*PROPERTY_NAMES.values())  # FAILED names every missing property
    try:
        return DeploymentSettings.read(props, PROPERTY_NAMES)
    except ValueError as exc:
        raise ResourceFailed(str(exc)) from None


def resolve_model(settings: DeploymentSettings) -> ResolvedModel:
    """Step 2: the metric dimension and the model ID the quota codes must belong to."""
    if settings.profile_type == PARAMETER_SYSTEM_DEFINED:
        return ResolvedModel(settings.model_id, settings.model_id)
    try:
        short = short_profile_id(settings.model_id)
    except ValueError as exc:
        raise ResourceFailed(f"BedrockModelId: {exc}; give an application inference profile ID or ARN") from None
    try:
        profile = inference_profiles.get_inference_profile(short)
    except AwsError as exc:
        if is_not_found(exc):
            raise ResourceFailed(
                f"Application inference profile {short} does not exist in this account and region: "
                f"create it here, or set BedrockModelId to a profile of this account and region") from None
        raise ResourceFailed(describe(exc, f"Reading application inference profile {short} (Bedrock GetInferenceProfile)")) from None
    if settings.model_id.startswith("arn:") and profile.arn and profile.arn != settings.model_id:
        raise ResourceFailed(
            f"BedrockModelId {settings.model_id} belongs to another account or region (this stack "
            f"found {profile.arn}): deploy the stack where the profile lives")
    try:
        check_application_profile(profile)
        system = inference_profiles.list_inference_profiles(SYSTEM_DEFINED)
        resolved = resolve_application_profile(profile, system)
    except ProfileError as exc:
        raise ResourceFailed(str(exc)) from None
    except AwsError as exc:
        raise ResourceFailed(describe(exc, "Listing system-defined inference profiles (Bedrock ListInferenceProfiles)")) from None
    logger.info("Application profile resolved", extra={"profile_id": short, "quota_model_id": resolved})
    return ResolvedModel(short, resolved)


@dataclass(frozen=True)
class ValidatedQuotas:
    quotas: Quotas
    warnings: tuple[str, ...] = ()  # refusals deployed anyway under QuotaCodeCheck=WarnOnly
    # "Model invocation max tokens per day for X" (or its global twin), found like the others;
    # None when the model has none, or no single best one (the processor then shows no per-day quota).
    per_day: QuotaInfo | None = None


NO_WARNINGS = "none"
WARNINGS_LIMIT = 2000  # the whole custom-resource response must stay under 4 KB


def validate_codes(settings: DeploymentSettings, quota_model_id: str,
                   mode: CodeCheckMode = CodeCheckMode.STRICT) -> ValidatedQuotas:
    """Step 3: both codes against one paginated quota list; both problems reported at once."""
    try:
        catalogue = quota_catalogue.list_bedrock_quotas((settings.rpm_code, settings.tpm_code))
    except AwsError as exc:
        raise ResourceFailed(describe(exc, "Listing the Amazon Bedrock quotas (Service Quotas ListServiceQuotas)")) from None
    logger.info("Bedrock quotas listed", extra={"count": len(catalogue)})
    checks = _checks(settings, quota_model_id, catalogue)
    defaults_read = False
    if any(not c.ok or c.quota is None for c in checks):
        # An accepted NA, or a code to suggest, depends on quotas being absent: ListServiceQuotas
        # omits those never raised in this account, so look at the default values too.
        catalogue, defaults_read = _with_defaults(catalogue, "NA and suggestions use the applied quotas only"), True
        checks = _checks(settings, quota_model_id, catalogue)
    problems, decided, warnings = [], [], []
    for check in checks:
        try:
            decision = decide(check, mode)
        except QuotaCodeError as exc:
            problems.append(str(exc))
            continue
        decided.append(decision.quota)
        if decision.warning:
            warnings.append(decision.warning)
    if problems:
        raise ResourceFailed(" | ".join(problems))
    for warning in warnings:
        logger.warning("Quota code refused by the check, deployed anyway", extra={"warning": warning, "mode": mode.value})
    rpm, tpm = decided
    return ValidatedQuotas(Quotas(rpm=_value(rpm), tpm=_value(tpm)), tuple(warnings),
                           per_day_quota(quota_model_id, catalogue, defaults_read=defaults_read))


def per_day_quota(quota_model_id: str, catalogue: list[QuotaInfo], *, defaults_read: bool) -> QuotaInfo | None:
    """The model's per-day token quota: from the listing already read, else (when that listing has
    only the applied quotas) from the default values too. A per-day quota never raised in this
    account is missing from ListServiceQuotas; taking it as absent would give DailyTokenQuotaCode NA
    and a HighDailyTokenUsage alarm that never fires."""
    found = find_quota(QuotaRate.TPD, quota_model_id, catalogue)
    if found is not None or defaults_read:
        return found
    return find_quota(QuotaRate.TPD, quota_model_id,
                      _with_defaults(catalogue, "a per-day quota with only its default value is not found"))


def _with_defaults(catalogue: list[QuotaInfo], consequence: str) -> list[QuotaInfo]:
    """``catalogue`` plus the never-applied quotas; ``catalogue`` itself when they cannot be listed."""
    try:
        return quota_catalogue.with_default_quotas(catalogue)
    except AwsError as exc:
        logger.warning(f"Default quota values not listed; {consequence}",
                       extra={"error": describe(exc, "Service Quotas ListAWSDefaultServiceQuotas")})
        return catalogue


def read_check_mode(request: Request) -> CodeCheckMode:
    props = request.properties if isinstance(request.properties, Mapping) else {}
    try:
        return parse_check_mode(props.get(CHECK_PARAMETER))
    except ValueError as exc:
        raise ResourceFailed(str(exc)) from None


def warnings_text(warnings: tuple[str, ...]) -> str:
    """The QuotaCodeWarnings attribute (and stack output): "none", or the warnings, shortened."""
    text = " | ".join(warnings) or NO_WARNINGS
    return text if len(text) <= WARNINGS_LIMIT else text[: WARNINGS_LIMIT - 1] + "…"


def _checks(settings: DeploymentSettings, quota_model_id: str, catalogue: list[QuotaInfo]) -> list[QuotaCheck]:
    return [
        validate_quota_code(settings.rpm_code, QuotaKind.RPM, quota_model_id, catalogue),
        validate_quota_code(settings.tpm_code, QuotaKind.TPM, quota_model_id, catalogue),
    ]


def _value(quota: QuotaInfo | None) -> float | None:
    return None if quota is None else quota.value


def _outcome_id(request: Request, names: StackNames) -> str:
    """Keep the current physical ID unless the customer or model name changed (a replacement)."""
    return physical_id_for(request, names, physical_id(names), names_from_physical_id, _names)


def create_or_update(request: Request) -> Outcome:
    settings = read_settings(request)  # 1
    mode = read_check_mode(request)
    model = resolve_model(settings)  # 2
    validated = validate_codes(settings, model.quota_model_id, mode)  # 3
    quotas = validated.quotas
    thresholds = compute_thresholds(quotas, settings.rpm_percent, settings.tpm_percent)  # 4
    display = display_model_id(settings.profile_type, settings.model_id, model.quota_model_id)
    outcome_id = _outcome_id(request, settings.names)
    try:  # 5
        stamp = threshold_store.write_thresholds(settings.names, thresholds)
        threshold_store.write_display_model_id(settings.names, display)
    except AwsError as exc:
        # A Create that wrote some parameters answers its real ID, so the rollback's Delete removes them.
        raise ResourceFailed(describe(exc, "Writing the thresholds to SSM Parameter Store (PutParameter)"),
                             physical_id=outcome_id if request.request_type == CREATE else None) from None
    rpm, tpm = thresholds.render()
    logger.info("Thresholds computed", extra={"rpm_quota": quotas.rpm, "tpm_quota": quotas.tpm,
                                              "rpm_threshold": rpm, "tpm_threshold": tpm, "last_updated": stamp})
    return Outcome(outcome_id, {  # 6
        "RpmThreshold": rpm,
        "TpmThreshold": tpm,
        "MetricDimensionValue": model.dimension,
        "ResolvedModelIdDisplay": display,
        "QuotaCodeWarnings": warnings_text(validated.warnings),
        "DailyTokenQuotaCode": validated.per_day.code if validated.per_day else NO_QUOTA_CODE,
        # The HighDailyTokenUsage alarm's threshold: TPM threshold percent of the per-day quota; a
        # model without one gets the threshold that never fires, as an RPM quota given as NA.
        "DailyTokenThreshold": render_threshold(
            threshold(validated.per_day.value, settings.tpm_percent) if validated.per_day else None),
    })


def delete(request: Request) -> Outcome:
    """Remove the parameters of the names this resource was created with; never fail the stack."""
    current = str(request.physical_resource_id or "")
    names = names_from_physical_id(current) or _names(request.properties)
    if names is None:
        logger.warning("Delete without customer and model names: no SSM parameters to remove")
        return Outcome(current)
    try:
        deleted = threshold_store.delete_written_parameters(names)
        logger.info("SSM parameters removed", extra={"deleted": list(deleted)})
    except AwsError as exc:
        # A few leftover parameters must not leave the stack in DELETE_FAILED.
        logger.error("SSM parameters left behind; delete them by hand",
                     extra={"error": describe(exc, "DeleteParameters"),
                            "parameters": list(threshold_store.written_parameters(names))})
    return Outcome(current)


HANDLERS = {CREATE: create_or_update, UPDATE: create_or_update, DELETE: delete}


def handler(event: Any, context: Any) -> dict[str, Any] | None:
    bind(logger, context)
    return run(event, context, HANDLERS, logger)
