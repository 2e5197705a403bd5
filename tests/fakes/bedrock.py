"""FakeBedrock: Bedrock inference profiles (GetInferenceProfile, ListInferenceProfiles).

GetInferenceProfile accepts a profile ID or ARN (unknown: ResourceNotFoundException, HTTP 404).
ListInferenceProfiles pages with maxResults/nextToken and filters on typeEquals; without
typeEquals it lists SYSTEM_DEFINED profiles only (what the API has been observed to do; code
under test should always pass typeEquals).

Helpers: `add_system_profile(...)`, `add_application_profile(...)`, `add_system_catalogue()`
(global./us./eu./apac. profiles for Claude Opus 4.6, Claude Sonnet 4.5 and us. for Llama 3.1 70B),
`model_arn(model_id, region)`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from tests.fakes.core import ACCOUNT_ID, REGION, AwsError, Fake, api, paginate

GEO_REGIONS: dict[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-east-2", "us-west-2"),
    "eu": ("eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1"),
    "apac": ("ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "ap-south-1"),
}
CATALOGUE_MODELS: dict[str, tuple[str, tuple[str, ...]]] = {
    # model ID: (display name, geo prefixes with a system profile)
    "anthropic.claude-opus-4-6-v1": ("Claude Opus 4.6", ("global", "us", "eu", "apac")),
    "anthropic.claude-sonnet-4-5-20250929-v1:0": ("Claude Sonnet 4.5", ("global", "us", "eu", "apac")),
    "meta.llama3-1-70b-instruct-v1:0": ("Llama 3.1 70B Instruct", ("us",)),
}


def model_arn(model_id: str, region: str = REGION) -> str:
    """Foundation-model ARN; region "" gives the region-less form global profiles list."""
    return f"arn:aws:bedrock:{region}::foundation-model/{model_id}"


def geo_model_arns(model_id: str, geo: str) -> list[str]:
    """The foundation-model ARNs a system profile of that geography routes to."""
    if geo == "global":
        regions = [r for regions in GEO_REGIONS.values() for r in regions]
        return [model_arn(model_id, r) for r in regions] + [model_arn(model_id, "")]
    return [model_arn(model_id, r) for r in GEO_REGIONS[geo]]


@dataclasses.dataclass
class InferenceProfile:
    id: str
    name: str
    arn: str
    models: list[str]
    type: str
    status: str
    description: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "inferenceProfileName": self.name,
            "inferenceProfileArn": self.arn,
            "inferenceProfileId": self.id,
            "models": [{"modelArn": arn} for arn in self.models],
            "status": self.status,
            "type": self.type,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }
        if self.description:
            data["description"] = self.description
        return data


class FakeBedrock(Fake):
    service = "bedrock"

    def __init__(
        self,
        *,
        region: str = REGION,
        account_id: str = ACCOUNT_ID,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        super().__init__()
        self.region = region
        self.account_id = account_id
        self.clock = clock
        self.profiles: dict[str, InferenceProfile] = {}
        self.foundation_models: list[str] = []  # model IDs ListFoundationModels answers

    def add_foundation_models(self, *model_ids: str) -> None:
        self.foundation_models.extend(model_ids)

    # -- helpers for tests ----------------------------------------------------------------
    def add_system_profile(
        self,
        profile_id: str,
        models: Sequence[str] | None = None,
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> InferenceProfile:
        """A SYSTEM_DEFINED profile such as "global.anthropic.claude-opus-4-6-v1".

        `models` defaults to the foundation-model ARNs of the ID's geography.
        """
        geo, _, model_id = profile_id.partition(".")
        if models is None:
            models = geo_model_arns(model_id, geo)
        arn = f"arn:aws:bedrock:{self.region}:{self.account_id}:inference-profile/{profile_id}"
        label = "Global" if geo == "global" else geo.upper()
        return self._add(
            profile_id,
            name or f"{label} {model_id}",
            arn,
            models,
            "SYSTEM_DEFINED",
            "ACTIVE",
            description or f"Routes requests to {model_id} across {label} regions.",
        )

    def add_application_profile(
        self,
        id: str,
        models: Sequence[str],
        *,
        name: str | None = None,
        status: str = "ACTIVE",
        description: str | None = None,
    ) -> InferenceProfile:
        """An APPLICATION profile, e.g. id "abcd1234efgh" copying a system profile's models."""
        arn = f"arn:aws:bedrock:{self.region}:{self.account_id}:application-inference-profile/{id}"
        return self._add(id, name or f"app-profile-{id}", arn, models, "APPLICATION", status, description)

    def add_system_catalogue(self) -> list[InferenceProfile]:
        """Realistic system profiles: global./us./eu./apac. Claude Opus 4.6 and Sonnet 4.5, us. Llama."""
        added = []
        for model_id, (display, geos) in CATALOGUE_MODELS.items():
            for geo in geos:
                label = "Global" if geo == "global" else geo.upper()
                added.append(self.add_system_profile(f"{geo}.{model_id}", name=f"{label} {display}"))
        return added

    def _add(
        self,
        profile_id: str,
        name: str,
        arn: str,
        models: Sequence[str],
        type_: str,
        status: str,
        description: str | None,
    ) -> InferenceProfile:
        now = self.clock()
        profile = InferenceProfile(profile_id, name, arn, list(models), type_, status, description, now, now)
        self.profiles[profile_id] = profile
        return profile

    # -- API ------------------------------------------------------------------------------
    @api
    def GetInferenceProfile(self, params: dict[str, Any]) -> dict[str, Any]:
        identifier = params["inferenceProfileIdentifier"]
        for profile in self.profiles.values():
            if identifier in (profile.id, profile.arn):
                return profile.to_api()
        raise AwsError("ResourceNotFoundException", f"Inference profile {identifier} not found.", 404)

    @api
    def ListFoundationModels(self, params: dict[str, Any]) -> dict[str, Any]:
        """Only modelId, modelArn, providerName and modelName: enough for code that lists IDs."""
        return {"modelSummaries": [
            {"modelId": m, "modelArn": model_arn(m, self.region), "providerName": m.split(".")[0].capitalize(),
             "modelName": m.split(".", 1)[-1]}
            for m in self.foundation_models
        ]}

    @api
    def ListInferenceProfiles(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = params.get("typeEquals", "SYSTEM_DEFINED")
        profiles = [p for p in self.profiles.values() if p.type == wanted]
        page, token = paginate(
            profiles,
            params.get("nextToken"),
            params.get("maxResults", 100),
            scope=wanted,
            error_code="ValidationException",
        )
        response: dict[str, Any] = {"inferenceProfileSummaries": [p.to_api() for p in page]}
        if token:
            response["nextToken"] = token
        return response
