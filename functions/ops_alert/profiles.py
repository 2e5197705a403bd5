"""Application inference profiles: validity, the model behind them, their siblings (SPEC §4.1, §4.2).

An application inference profile is a user-created wrapper (short ID like ``abc123def456``)
around either a system-defined profile (``global.…``, ``us.…``) or one foundation model. Its
metrics carry the short ID as ModelId dimension, but its quotas are those of the profile or
model it copies, so the stack must find that one to validate quota codes.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

SYSTEM_DEFINED = "SYSTEM_DEFINED"
APPLICATION = "APPLICATION"
ACTIVE = "ACTIVE"

# Values of the InferenceProfileType template parameter.
PARAMETER_SYSTEM_DEFINED = "System-Defined"
PARAMETER_APPLICATION = "Application"

# CloudWatch metric math accepts at most 10 metrics in an alarm's expression.
MAX_AGGREGATED_PROFILES = 10

# arn:<partition>:bedrock:<region>:<account>:<type>/<id>; the partition is aws, aws-cn,
# aws-us-gov, aws-iso, aws-iso-b…, and foundation-model ARNs have an empty account field.
_BEDROCK_ARN = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):bedrock:(?P<region>[a-z0-9-]*):(?P<account>\d{12}|):"
    r"(?P<type>[a-z-]+)/(?P<id>.+)"
)


_PROFILE_RESOURCE_TYPES = ("application-inference-profile", "inference-profile")


class ProfileError(ValueError):
    """An inference profile the stack cannot monitor; the message says what to change."""


@dataclass(frozen=True)
class InferenceProfile:
    """The fields of Bedrock GetInferenceProfile / ListInferenceProfiles the rules need."""

    profile_id: str
    arn: str
    type: str  # SYSTEM_DEFINED or APPLICATION
    status: str  # ACTIVE (the only status the API defines today)
    model_arns: tuple[str, ...]
    name: str = ""

    @property
    def model_set(self) -> tuple[str, ...]:
        """The model ARNs sorted and de-duplicated: two profiles are equivalent when these agree."""
        return tuple(sorted(set(self.model_arns)))


@dataclass(frozen=True)
class BedrockArn:
    partition: str
    region: str
    account: str
    resource_type: str  # foundation-model, inference-profile, application-inference-profile
    resource_id: str


def parse_bedrock_arn(arn: str) -> BedrockArn | None:
    """The parts of a Bedrock ARN in any partition, or None when ``arn`` is not one."""
    match = _BEDROCK_ARN.fullmatch(arn.strip())
    if not match:
        return None
    return BedrockArn(
        match["partition"], match["region"], match["account"], match["type"], match["id"]
    )


def check_application_profile(profile: InferenceProfile) -> None:
    """Raise ProfileError unless the profile is an ACTIVE application profile with models."""
    pid = profile.profile_id
    if profile.type != APPLICATION:
        raise ProfileError(
            f"Inference profile {pid} is of type {profile.type}, not APPLICATION: set "
            f"InferenceProfileType to {PARAMETER_SYSTEM_DEFINED} to monitor it, or give the ID of an "
            f"application inference profile"
        )
    if profile.status != ACTIVE:
        raise ProfileError(
            f"Application inference profile {pid} is {profile.status}, not {ACTIVE}: wait until it is "
            f"active, or give another profile"
        )
    if not profile.model_arns:
        raise ProfileError(
            f"Application inference profile {pid} lists no models, so the quota of its model cannot be "
            f"found: recreate it from a foundation model or a system-defined inference profile"
        )


def resolve_application_profile(
    profile: InferenceProfile, system_profiles: Iterable[InferenceProfile]
) -> str:
    """The model ID whose quotas apply to the application profile (checked first, see above).

    1. The system-defined profile with the same sorted model-ARN list: its ID keeps the
       ``global.`` / ``us.`` prefix, which decides the quota's inference mode. Should two match,
       the smallest ID wins, so the result never depends on listing order.
    2. Else, a profile over a single foundation model: that model's on-demand ID.
    3. Else ProfileError.
    """
    check_application_profile(profile)
    models = profile.model_set
    matches = sorted(
        p.profile_id for p in system_profiles if p.type == SYSTEM_DEFINED and p.model_set == models
    )
    if matches:
        return matches[0]
    if len(models) == 1:
        parsed = parse_bedrock_arn(models[0])
        if parsed is not None and parsed.resource_type == "foundation-model":
            return parsed.resource_id
    raise ProfileError(
        f"Application inference profile {profile.profile_id} copies no system-defined inference profile "
        f"and is not a single foundation model (models: {', '.join(models)}), so its quotas cannot be "
        f"determined: create it from a system-defined inference profile or one foundation model"
    )


@dataclass(frozen=True)
class Siblings:
    """The monitored application profile and every ACTIVE one sharing its model list; it first.

    They all draw on the same quota. Usage combines every one of them (GetMetricData takes 500
    queries per call); the Layer 2 alarms can add up only the first ten (CloudWatch metric math).
    """

    profile_ids: tuple[str, ...]

    @property
    def total(self) -> int:
        return len(self.profile_ids)

    @property
    def alarm_profile_ids(self) -> tuple[str, ...]:
        """The profiles the Layer 2 alarms add up: the monitored one, then the others by ID."""
        return self.profile_ids[:MAX_AGGREGATED_PROFILES]

    @property
    def outside_alarms(self) -> tuple[str, ...]:
        """Siblings whose traffic counts in the usage figures but not in the Layer 2 alarms."""
        return self.profile_ids[MAX_AGGREGATED_PROFILES:]

    @property
    def truncated(self) -> bool:
        """True when the alarms leave some siblings out (say so: their traffic is not alarmed on)."""
        return bool(self.outside_alarms)


def sibling_profiles(profile: InferenceProfile, application_profiles: Iterable[InferenceProfile]) -> Siblings:
    """The monitored profile plus the ACTIVE application profiles sharing its exact model list.

    The others are sorted by ID, so the ten the alarms keep never depend on listing order.
    """
    models = profile.model_set
    others = sorted(
        {
            p.profile_id
            for p in application_profiles
            if p.type == APPLICATION
            and p.status == ACTIVE
            and p.profile_id != profile.profile_id
            and p.model_set == models
        }
    )
    return Siblings(profile_ids=(profile.profile_id, *others))


def _check_count(n: int, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_AGGREGATED_PROFILES:
        raise ValueError(f"{what} must be an integer from 1 to {MAX_AGGREGATED_PROFILES}, got {n!r}")


def metric_expression(n: int) -> str:
    """The Layer 2 metric-math expression over ``n`` metrics m1..mN: "m1", "m1+m2+m3"."""
    _check_count(n, "number of metrics")
    return "+".join(f"m{i}" for i in range(1, n + 1))


def short_profile_id(id_or_arn: str) -> str:
    """The short ID of an inference profile given as ARN or ID.

    ``arn:aws:bedrock:…:application-inference-profile/x`` → ``x``; a short ID is returned unchanged.
    """
    text = id_or_arn.strip()
    if not text:
        raise ValueError("inference profile ID must not be empty")
    if not text.startswith("arn:"):
        return text
    parsed = parse_bedrock_arn(text)
    if parsed is None or parsed.resource_type not in _PROFILE_RESOURCE_TYPES:
        raise ValueError(f"{id_or_arn!r} is not an inference profile ARN")
    return parsed.resource_id


def check_profile_type(value: str, what: str = "InferenceProfileType") -> None:
    """ValueError unless ``value`` is one of the template's two InferenceProfileType values."""
    if value not in (PARAMETER_SYSTEM_DEFINED, PARAMETER_APPLICATION):
        raise ValueError(f"{what} must be {PARAMETER_SYSTEM_DEFINED} or {PARAMETER_APPLICATION}, got {value!r}")


def display_model_id(
    profile_type: str, bedrock_model_id: str, resolved_model_id: str | None = None
) -> str:
    """The model ID the stack shows (SSM ``resolved-model-id-display``, e-mails, cases).

    System-Defined: the BedrockModelId exactly as given. Application: the resolved model or
    system profile ID — what the quotas belong to and what support engineers recognise; the
    application profile's own ID is reported separately where it is used.
    """
    if profile_type == PARAMETER_SYSTEM_DEFINED:
        return bedrock_model_id
    if profile_type == PARAMETER_APPLICATION:
        if not resolved_model_id:
            raise ValueError("an application inference profile needs its resolved model ID to display")
        return resolved_model_id
    raise ValueError(
        f"InferenceProfileType must be {PARAMETER_SYSTEM_DEFINED} or {PARAMETER_APPLICATION}, "
        f"got {profile_type!r}"
    )
