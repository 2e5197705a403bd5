"""FakeServiceQuotas: Service Quotas for ServiceCode "bedrock" (other codes: NoSuchResourceException).

Rules, as in the API reference and observed behaviour:
- one open request (PENDING or CASE_OPENED) per quota, else ResourceAlreadyExistsException;
- DesiredValue must exceed the current value, and the quota must be adjustable, else
  IllegalArgumentException;
- without the Service Quotas service-linked role and the right to create it
  (`quotas.service_linked_role = False`) requests fail with DependencyAccessDeniedException;
- `SupportCaseAllowed` defaults to true. When a `FakeSupport` is linked
  (`FakeServiceQuotas(support=support)`) and `auto_open_case` is on, the request opens a case
  there at once, as AWS does: the request becomes CASE_OPENED and its CaseId is the case's
  *display* ID. With `auto_open_case = False` requests stay PENDING until `open_case(request)`.

Catalogue: `bedrock_quota_catalogue()` returns a few hundred realistic bedrock quotas. Quotas of
the bedrock-mantle endpoint carry the marker `MANTLE_MARKER` (" (bedrock-mantle)") at the end of
their QuotaName, e.g. "On-demand model inference requests per minute for OpenAI GPT OSS 120B
(bedrock-mantle)"; code under test must reject them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from tests.fakes.core import ACCOUNT_ID, REGION, AwsError, Fake, api, paginate
from tests.fakes.support import FakeSupport

SERVICE_CODE = "bedrock"
SERVICE_NAME = "Amazon Bedrock"
MANTLE_MARKER = " (bedrock-mantle)"
OPEN_STATUSES = frozenset({"PENDING", "CASE_OPENED"})
STATUSES = ("PENDING", "CASE_OPENED", "APPROVED", "DENIED", "CASE_CLOSED", "NOT_APPROVED", "INVALID_REQUEST")


@dataclasses.dataclass
class Quota:
    code: str
    name: str
    value: float
    default_value: float
    adjustable: bool = True
    unit: str = "None"
    per_minute: bool = False
    description: str | None = None
    # False: the quota has only its AWS default value. The real ListServiceQuotas omits such quotas
    # and GetServiceQuota answers NoSuchResourceException; the *AWSDefault* calls still know them.
    applied: bool = True

    def to_api(self, region: str, account_id: str, value: float | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ServiceCode": SERVICE_CODE,
            "ServiceName": SERVICE_NAME,
            "QuotaArn": f"arn:aws:servicequotas:{region}:{account_id}:{SERVICE_CODE}/{self.code}",
            "QuotaCode": self.code,
            "QuotaName": self.name,
            "Value": float(self.value if value is None else value),
            "Unit": self.unit,
            "Adjustable": self.adjustable,
            "GlobalQuota": False,
            "QuotaAppliedAtLevel": "ACCOUNT",
        }
        if self.per_minute:
            data["Period"] = {"PeriodValue": 1, "PeriodUnit": "MINUTE"}
        if self.description:
            data["Description"] = self.description
        return data


@dataclasses.dataclass
class QuotaRequest:
    id: str
    quota: Quota
    desired_value: float
    status: str
    created: dt.datetime
    last_updated: dt.datetime
    requester: str
    case_id: str | None = None  # the support case's display ID

    def to_api(self, region: str, account_id: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "Id": self.id,
            "ServiceCode": SERVICE_CODE,
            "ServiceName": SERVICE_NAME,
            "QuotaCode": self.quota.code,
            "QuotaName": self.quota.name,
            "DesiredValue": float(self.desired_value),
            "Status": self.status,
            "Created": self.created,
            "LastUpdated": self.last_updated,
            "Requester": self.requester,
            "QuotaArn": f"arn:aws:servicequotas:{region}:{account_id}:{SERVICE_CODE}/{self.quota.code}",
            "GlobalQuota": False,
            "Unit": self.quota.unit,
            "QuotaRequestedAtLevel": "ACCOUNT",
        }
        if self.case_id:
            data["CaseId"] = self.case_id
        return data


class FakeServiceQuotas(Fake):
    service = "service-quotas"
    validation_error_code = "IllegalArgumentException"

    def __init__(
        self,
        support: FakeSupport | None = None,
        *,
        region: str = REGION,
        account_id: str = ACCOUNT_ID,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
        caller_arn: str = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/ops-alert-processor/session",
    ) -> None:
        super().__init__()
        self.support = support
        self.region = region
        self.account_id = account_id
        self.clock = clock
        self.caller_arn = caller_arn
        self.service_linked_role = True
        self.auto_open_case = True
        self.quotas: dict[str, Quota] = {}
        self.requests: list[QuotaRequest] = []  # oldest first

    # -- helpers for tests ----------------------------------------------------------------
    def add_quota(
        self,
        code: str,
        name: str,
        value: float,
        *,
        adjustable: bool = True,
        default_value: float | None = None,
        unit: str = "None",
        description: str | None = None,
        applied: bool = True,
    ) -> Quota:
        quota = Quota(
            code=code,
            name=name,
            value=value,
            default_value=value if default_value is None else default_value,
            adjustable=adjustable,
            unit=unit,
            per_minute="per minute" in name,
            description=description,
            applied=applied,
        )
        self.quotas[code] = quota
        return quota

    def add_quotas(self, quotas: Iterable[Quota]) -> None:
        for quota in quotas:
            self.quotas[quota.code] = quota

    def quota(self, code: str) -> Quota:
        return self.quotas[code]

    def request(self, request_id: str) -> QuotaRequest:
        for request in self.requests:
            if request.id == request_id:
                return request
        raise KeyError(request_id)

    def open_requests(self) -> list[QuotaRequest]:
        return [r for r in self.requests if r.status in OPEN_STATUSES]

    def set_status(self, request: QuotaRequest | str, status: str) -> QuotaRequest:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status}")
        request = self._as_request(request)
        request.status = status
        request.last_updated = self.clock()
        return request

    def approve(self, request: QuotaRequest | str) -> QuotaRequest:
        """Approve: the quota takes the desired value and the linked case is resolved."""
        request = self.set_status(request, "APPROVED")
        request.quota.value = request.desired_value
        if self.support is not None and request.case_id:
            self.support.resolve(request.case_id)
        return request

    def deny(self, request: QuotaRequest | str) -> QuotaRequest:
        return self.set_status(request, "DENIED")

    def open_case(self, request: QuotaRequest | str) -> QuotaRequest:
        """What AWS does shortly after a request: open a support case for it (needs `support`)."""
        request = self._as_request(request)
        if self.support is None:
            raise RuntimeError("no FakeSupport linked")
        quota = request.quota
        case = self.support.add_case(
            subject=f"Service Quotas: Limit increase request for {SERVICE_NAME} - {quota.name}",
            body=(
                "Limit increase request submitted through Service Quotas.\n"
                f"Service: {SERVICE_NAME}\nRegion: {self.region}\n"
                f"Quota name: {quota.name}\nQuota code: {quota.code}\n"
                f"Current value: {quota.value:g}\nRequested value: {request.desired_value:g}\n"
                f"Request ID: {request.id}"
            ),
            submitted_by="Service Quotas",
            service_code="service-limit-increase",
            category_code="service-code-bedrock",
        )
        request.case_id = case.display_id
        request.status = "CASE_OPENED"
        request.last_updated = self.clock()
        return request

    def _as_request(self, request: QuotaRequest | str) -> QuotaRequest:
        return request if isinstance(request, QuotaRequest) else self.request(request)

    def _service(self, params: dict[str, Any]) -> None:
        code = params.get("ServiceCode")
        if code is not None and code != SERVICE_CODE:
            raise AwsError("NoSuchResourceException", f"The service code {code} does not exist.")

    def _quota(self, params: dict[str, Any], *, applied_only: bool = False) -> Quota:
        self._service(params)
        quota = self.quotas.get(params["QuotaCode"])
        if quota is None or (applied_only and not quota.applied):
            raise AwsError(
                "NoSuchResourceException",
                f"The request failed because the specified quota {params['QuotaCode']} does not exist.",
            )
        return quota

    # -- API ------------------------------------------------------------------------------
    @api
    def ListServiceQuotas(self, params: dict[str, Any]) -> dict[str, Any]:
        self._service(params)
        quotas = [q for q in self.quotas.values() if q.applied]
        if params.get("QuotaCode"):
            quotas = [q for q in quotas if q.code == params["QuotaCode"]]
        page, token = paginate(
            quotas,
            params.get("NextToken"),
            params.get("MaxResults", 100),
            scope=params.get("QuotaCode"),
            error_code="InvalidPaginationTokenException",
        )
        response: dict[str, Any] = {"Quotas": [q.to_api(self.region, self.account_id) for q in page]}
        if token:
            response["NextToken"] = token
        return response

    @api
    def ListAWSDefaultServiceQuotas(self, params: dict[str, Any]) -> dict[str, Any]:
        """Every quota, applied or not, with its AWS default value."""
        self._service(params)
        quotas = list(self.quotas.values())
        page, token = paginate(
            quotas,
            params.get("NextToken"),
            params.get("MaxResults", 100),
            scope="defaults",
            error_code="InvalidPaginationTokenException",
        )
        response: dict[str, Any] = {
            "Quotas": [q.to_api(self.region, self.account_id, value=q.default_value) for q in page]
        }
        if token:
            response["NextToken"] = token
        return response

    @api
    def GetServiceQuota(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Quota": self._quota(params, applied_only=True).to_api(self.region, self.account_id)}

    @api
    def GetAWSDefaultServiceQuota(self, params: dict[str, Any]) -> dict[str, Any]:
        quota = self._quota(params)
        return {"Quota": quota.to_api(self.region, self.account_id, value=quota.default_value)}

    @api
    def RequestServiceQuotaIncrease(self, params: dict[str, Any]) -> dict[str, Any]:
        quota = self._quota(params)
        if not self.service_linked_role:
            raise AwsError(
                "DependencyAccessDeniedException",
                "You can't perform this action because a dependency does not have access: "
                "the service-linked role AWSServiceRoleForServiceQuotas is missing.",
            )
        if not quota.adjustable:
            raise AwsError("IllegalArgumentException", f"The quota {quota.code} is not adjustable.")
        desired = float(params["DesiredValue"])
        if desired <= quota.value:
            raise AwsError(
                "IllegalArgumentException",
                f"The requested value {desired:g} must be greater than the current value {quota.value:g}.",
            )
        if any(r.quota is quota for r in self.open_requests()):
            raise AwsError(
                "ResourceAlreadyExistsException",
                f"A request for {quota.code} is already pending. Wait for it to be resolved.",
            )
        now = self.clock()
        request = QuotaRequest(
            id=uuid.uuid4().hex,
            quota=quota,
            desired_value=desired,
            status="PENDING",
            created=now,
            last_updated=now,
            requester=json.dumps({"accountId": self.account_id, "callerArn": self.caller_arn}),
        )
        self.requests.append(request)
        if params.get("SupportCaseAllowed", True) and self.auto_open_case and self.support is not None:
            self.open_case(request)
        return {"RequestedQuota": request.to_api(self.region, self.account_id)}

    @api
    def GetRequestedServiceQuotaChange(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            request = self.request(params["RequestId"])
        except KeyError:
            raise AwsError("NoSuchResourceException", f"Request {params['RequestId']} does not exist.") from None
        return {"RequestedQuota": request.to_api(self.region, self.account_id)}

    @api
    def ListRequestedServiceQuotaChangeHistoryByQuota(self, params: dict[str, Any]) -> dict[str, Any]:
        quota = self._quota(params)
        return self._history(params, [r for r in self.requests if r.quota is quota])

    @api
    def ListRequestedServiceQuotaChangeHistory(self, params: dict[str, Any]) -> dict[str, Any]:
        self._service(params)
        return self._history(params, self.requests)

    def _history(self, params: dict[str, Any], requests: list[QuotaRequest]) -> dict[str, Any]:
        chosen = [r for r in reversed(requests) if params.get("Status") in (None, r.status)]
        page, token = paginate(
            chosen,
            params.get("NextToken"),
            params.get("MaxResults", 20),
            scope={k: params.get(k) for k in ("ServiceCode", "QuotaCode", "Status")},
            error_code="InvalidPaginationTokenException",
        )
        response: dict[str, Any] = {"RequestedQuotas": [r.to_api(self.region, self.account_id) for r in page]}
        if token:
            response["NextToken"] = token
        return response


# -- catalogue -------------------------------------------------------------------------------
#: (model name as Service Quotas writes it, modes available, RPM, TPM)
#: Modes: "O" on-demand, "C" (geo) cross-region, "G" global cross-region.
_MODELS: tuple[tuple[str, str, int, int], ...] = (
    ("Anthropic Claude Opus 4.6 V1", "CG", 10_000, 6_250_000),
    ("Anthropic Claude Opus 4.5 V1", "CG", 5_000, 3_000_000),
    ("Anthropic Claude Opus 4.1", "C", 500, 500_000),
    ("Anthropic Claude Opus 4 V1", "C", 200, 200_000),
    ("Anthropic Claude Sonnet 4.5 V1", "CG", 10_000, 5_000_000),
    ("Anthropic Claude Sonnet 4 V1", "CG", 2_000, 2_000_000),
    ("Anthropic Claude Haiku 4.5", "CG", 10_000, 5_000_000),
    ("Anthropic Claude 3.7 Sonnet V1", "C", 250, 1_000_000),
    ("Anthropic Claude 3.5 Sonnet V2", "OC", 250, 800_000),
    ("Anthropic Claude 3.5 Sonnet", "OC", 250, 400_000),
    ("Anthropic Claude 3.5 Haiku", "OC", 1_000, 2_000_000),
    ("Anthropic Claude 3 Sonnet", "OC", 500, 1_000_000),
    ("Anthropic Claude 3 Haiku", "OC", 1_000, 2_000_000),
    ("Anthropic Claude 3 Opus", "OC", 50, 400_000),
    ("Meta Llama 3.1 8B Instruct", "OC", 800, 600_000),
    ("Meta Llama 3.1 70B Instruct", "OC", 400, 300_000),
    ("Meta Llama 3.1 405B Instruct", "OC", 200, 400_000),
    ("Meta Llama 3.2 1B Instruct", "OC", 800, 600_000),
    ("Meta Llama 3.2 3B Instruct", "OC", 800, 600_000),
    ("Meta Llama 3.2 11B Instruct", "OC", 400, 300_000),
    ("Meta Llama 3.2 90B Instruct", "OC", 400, 300_000),
    ("Meta Llama 3.3 70B Instruct", "OC", 800, 600_000),
    ("Meta Llama 4 Scout 17B Instruct", "OC", 800, 600_000),
    ("Meta Llama 4 Maverick 17B Instruct", "OC", 800, 600_000),
    ("Amazon Nova Premier V1", "C", 500, 1_000_000),
    ("Amazon Nova Pro", "OC", 250, 1_000_000),
    ("Amazon Nova Lite", "OC", 2_000, 4_000_000),
    ("Amazon Nova Micro", "OC", 2_000, 4_000_000),
    ("Mistral Large (24.07)", "O", 400, 300_000),
    ("Mistral Small", "O", 400, 300_000),
    ("Mistral Pixtral Large 25.02 V1", "OC", 100, 300_000),
    ("Cohere Command R", "O", 400, 300_000),
    ("Cohere Command R Plus", "O", 400, 300_000),
    ("AI21 Labs Jamba 1.5 Large", "O", 100, 300_000),
    ("AI21 Labs Jamba 1.5 Mini", "O", 100, 300_000),
    ("DeepSeek R1 V1", "C", 200, 200_000),
    ("Writer Palmyra X5 V1", "C", 200, 200_000),
    ("Qwen3 Coder 480B A35B Instruct", "O", 200, 400_000),
)
_MANTLE_MODELS = ("OpenAI GPT OSS 120B", "OpenAI GPT OSS 20B", "Qwen3 32B", "Mistral Magistral Small")
_MODE_PREFIX = {
    "O": "On-demand model inference",
    "C": "Cross-region model inference",
    "G": "Global cross-region model inference",
}
#: Codes copied from the real catalogue; the rest are derived from the name.
_PINNED_CODES = {
    "Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1": "L-3DCCFAA4",
    "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1": "L-3DD46812",
}
#: On-demand quotas of these older models cannot be raised (a realistic "not adjustable" case).
_NOT_ADJUSTABLE = ("Anthropic Claude 3 Sonnet", "Anthropic Claude 3 Opus")


def quota_code(name: str) -> str:
    """The catalogue's code for a quota name: pinned real codes, else a stable L-XXXXXXXX."""
    return _PINNED_CODES.get(name) or "L-" + hashlib.sha1(name.encode()).hexdigest()[:8].upper()


def bedrock_quota_catalogue() -> list[Quota]:
    """A few hundred bedrock quotas with real-looking names, codes and values (fresh objects)."""
    quotas: list[Quota] = []

    def add(name: str, value: float, *, adjustable: bool = True, description: str | None = None) -> None:
        quotas.append(
            Quota(
                code=quota_code(name),
                name=name,
                value=value,
                default_value=value,
                adjustable=adjustable,
                per_minute="per minute" in name,
                description=description,
            )
        )

    for model, modes, rpm, tpm in _MODELS:
        for mode in modes:
            # Cross-region quotas are typically double the on-demand ones.
            factor = 1 if mode != "C" or "O" not in modes else 2
            adjustable = not (mode == "O" and model in _NOT_ADJUSTABLE)
            prefix = _MODE_PREFIX[mode]
            add(f"{prefix} requests per minute for {model}", rpm * factor, adjustable=adjustable)
            add(f"{prefix} tokens per minute for {model}", tpm * factor, adjustable=adjustable)
        add(f"Model invocation max tokens per day for {model}", tpm * 1440 // 4, adjustable=False)
        add(f"Model units per provisioned model for {model}", 2)
    for model in _MANTLE_MODELS:
        for kind, value in (("requests", 1_000), ("tokens", 1_000_000)):
            add(
                f"On-demand model inference {kind} per minute for {model}{MANTLE_MARKER}",
                value,
                description="Applies to inference requests served by the bedrock-mantle endpoint.",
            )
    for name, value in (
        ("Batch inference job size (in GB)", 5),
        ("Concurrent model import jobs", 1),
        ("Custom models per account", 100),
        ("Provisioned model throughputs across custom models", 10),
        ("Application inference profiles per account", 1_000),
    ):
        add(name, value)
    codes = [q.code for q in quotas]
    assert len(codes) == len(set(codes)), "quota code collision in catalogue"
    return quotas
