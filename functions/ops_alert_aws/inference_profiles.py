"""Amazon Bedrock inference profiles as ``ops_alert.profiles.InferenceProfile`` values."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ops_alert.profiles import (
    APPLICATION,
    SYSTEM_DEFINED,
    InferenceProfile,
    Siblings,
    check_application_profile,
    short_profile_id,
    sibling_profiles,
)
from ops_alert_aws.clients import client

PAGE_SIZE = 1000  # the API's maximum


def _profile(item: Mapping[str, Any]) -> InferenceProfile:
    return InferenceProfile(
        profile_id=str(item.get("inferenceProfileId", "")),
        arn=str(item.get("inferenceProfileArn", "")),
        type=str(item.get("type", "")),
        status=str(item.get("status", "")),
        model_arns=tuple(str(m.get("modelArn", "")) for m in item.get("models", []) if m.get("modelArn")),
        name=str(item.get("inferenceProfileName", "")),
    )


def get_inference_profile(identifier: str) -> InferenceProfile:
    """One profile by short ID or ARN (ResourceNotFoundException when this account has none)."""
    return _profile(client("bedrock").get_inference_profile(inferenceProfileIdentifier=identifier))


def list_inference_profiles(profile_type: str) -> list[InferenceProfile]:
    """Every profile of one type (SYSTEM_DEFINED or APPLICATION), all pages."""
    if profile_type not in (SYSTEM_DEFINED, APPLICATION):
        raise ValueError(f"profile type must be {SYSTEM_DEFINED} or {APPLICATION}, got {profile_type!r}")
    pages = client("bedrock").get_paginator("list_inference_profiles").paginate(
        typeEquals=profile_type, PaginationConfig={"PageSize": PAGE_SIZE})
    return [_profile(item) for page in pages for item in page.get("inferenceProfileSummaries", [])]


def application_siblings(id_or_arn: str) -> Siblings:
    """The application profile (ID or ARN) and every ACTIVE sibling sharing its model list.

    Shared by the alarm updater (which metrics the Layer 2 alarms add up) and the notification
    processor (whose usage to combine): GetInferenceProfile, then ListInferenceProfiles, all pages.
    Raises ProfileError for a profile the stack cannot monitor, ValueError for a malformed ID, and
    the AWS error (ResourceNotFoundException, AccessDenied…) as it came.
    """
    profile = get_inference_profile(short_profile_id(id_or_arn))
    check_application_profile(profile)
    return sibling_profiles(profile, list_inference_profiles(APPLICATION))
