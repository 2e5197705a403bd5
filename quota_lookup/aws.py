"""Live listings for the lookup: Service Quotas (applied and default values) and Bedrock model IDs.

Every failure becomes ``LookupFailed`` with the one line of the CLI error boundary
(``bundle.cli_errors.describe``): the command line prints it, the fleet's plan shows it as the
reason the codes were not checked.
Clients come from a ``client(service)`` callable, so the command line (a boto3 session) and the
fleet (its per-region client cache) share this code.
"""
from __future__ import annotations

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoRegionError

from bundle import aws_session
from bundle.aws_session import ClientFactory
from bundle.cli_errors import UserError, describe
from ops_alert.quota_codes import QuotaInfo

SERVICE_CODE = "bedrock"
# Adaptive retries ride out ordinary throttling; a listing still throttled after them is reported.
CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 8}, connect_timeout=5, read_timeout=20)


class LookupFailed(UserError):
    """The listing could not be read; the message is the one line to show (bundle/cli_errors.py)."""


def list_quotas(client: ClientFactory) -> tuple[list[QuotaInfo], list[QuotaInfo]]:
    """(applied, default) bedrock quotas, every page of both listings."""
    sq = client("service-quotas")
    out: list[list[QuotaInfo]] = []
    for operation in ("list_service_quotas", "list_aws_default_service_quotas"):
        try:
            pages = sq.get_paginator(operation).paginate(ServiceCode=SERVICE_CODE, PaginationConfig={"PageSize": 100})
            out.append([QuotaInfo.from_api(i) for page in pages for i in page.get("Quotas", [])])
        except (BotoCoreError, ClientError) as exc:
            raise LookupFailed(describe(exc)) from exc
    return out[0], out[1]


def known_model_ids(client: ClientFactory) -> list[str]:
    """Foundation model and inference profile IDs of the region; [] when Bedrock cannot be read
    (the IDs only feed "closest known IDs", never a decision)."""
    bedrock = client("bedrock")
    ids: list[str] = []
    try:
        ids += [m["modelId"] for m in bedrock.list_foundation_models().get("modelSummaries", [])]
        for kind in ("SYSTEM_DEFINED", "APPLICATION"):
            for page in bedrock.get_paginator("list_inference_profiles").paginate(typeEquals=kind):
                ids += [p["inferenceProfileId"] for p in page.get("inferenceProfileSummaries", [])]
    except (BotoCoreError, ClientError):
        return ids
    return ids


def session_clients(region: str | None, profile: str | None = None) -> ClientFactory:
    """A client factory for one region of a boto3 session; LookupFailed without region, profile or credentials."""
    try:
        return aws_session.session_clients(region, profile, no_region=describe(NoRegionError()), config=CONFIG,
                                           need_credentials=True)
    except BotoCoreError as exc:  # ProfileNotFound, NoCredentialsError
        raise LookupFailed(describe(exc)) from exc
    except UserError as exc:  # no region, or one that does not exist
        raise LookupFailed(str(exc)) from exc
