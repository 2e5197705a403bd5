"""The codes a model needs, from a Service Quotas listing (pure: no AWS calls).

Input is what ``aws service-quotas list-service-quotas --service-code bedrock`` (applied values)
and ``list-aws-default-service-quotas`` (defaults) return; a quota never raised in an account is
only in the second. Output is one line per rate the stack cares about: the RPM and TPM codes the
template takes, and the per-day token budget (shown, not a parameter).
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bundle.cli_errors import UserError, one_line
from ops_alert.alarms import QuotaKind
from ops_alert.profiles import PARAMETER_SYSTEM_DEFINED
from ops_alert.quota_codes import (
    CHECK_PARAMETER,
    NO_QUOTA_CODE,
    PARAMETER_NAMES,
    InferenceMode,
    QuotaCheck,
    QuotaCodeError,
    QuotaInfo,
    QuotaRate,
    decide,
    inference_mode,
    model_tokens,
    parse_check_mode,
    quota_mode,
    rank_quotas,
    validate_quota_code,
)

# Re-exported for the fleet, which imports the rules only through this package (see __init__).
__all__ = [
    "CHECK_PARAMETER", "PARAMETER_NAMES", "PARAMETER_SYSTEM_DEFINED", "QuotaCodeError", "QuotaInfo", "QuotaKind",
    "QuotaRate", "check_codes", "codes_for", "decide", "parse_check_mode",
]


RATE_LABELS = {
    QuotaRate.RPM: PARAMETER_NAMES[QuotaKind.RPM],
    QuotaRate.TPM: PARAMETER_NAMES[QuotaKind.TPM],
    QuotaRate.TPD: "tokens per day (no parameter)",
}


class ListingError(UserError):
    """A saved listing that is not what ``aws service-quotas list-service-quotas`` writes."""


def quotas_from_listing(document: Any, source: str = "listing") -> list[QuotaInfo]:
    """QuotaInfo entries of a saved ``{"Quotas": [...]}`` document (bedrock quotas only)."""
    if not isinstance(document, Mapping) or not isinstance(document.get("Quotas"), list):
        raise ListingError(f"{source} is not a Service Quotas listing: expected a JSON object with a 'Quotas' list, "
                           "as `aws service-quotas list-service-quotas --service-code bedrock` writes")
    quotas = []
    for item in document["Quotas"]:
        if not isinstance(item, Mapping) or "QuotaCode" not in item:
            raise ListingError(f"{source}: every entry of 'Quotas' needs a QuotaCode")
        if item.get("ServiceCode", "bedrock") != "bedrock":
            continue
        try:
            quotas.append(QuotaInfo.from_api(item))
        except (TypeError, ValueError):  # float() of a Value that is not a number
            raise ListingError(f"{source}: quota {_shown(str(item['QuotaCode']))} has the Value {_shown(repr(item.get('Value')))}, "
                               "not a number: save the listing again with --output json") from None
    return quotas


def _shown(text: str, limit: int = 40) -> str:
    text = one_line(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def model_ids_from_listing(document: Any) -> list[str]:
    """Model and profile IDs of saved ``list-foundation-models`` / ``list-inference-profiles`` output."""
    if not isinstance(document, Mapping):
        return []
    ids = [m.get("modelId") for m in _entries(document, "modelSummaries")]
    ids += [p.get("inferenceProfileId") for p in _entries(document, "inferenceProfileSummaries")]
    return [i for i in ids if isinstance(i, str) and i]


def _entries(document: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    listed = document.get(key)
    return [entry for entry in listed if isinstance(entry, Mapping)] if isinstance(listed, list) else []


@dataclass(frozen=True)
class RateLine:
    rate: QuotaRate
    quota: QuotaInfo | None  # the single best quota, None for NA or a tie
    applied: float | None  # the account's value; None when the quota has only its default
    default: float | None
    tied: tuple[QuotaInfo, ...] = ()


@dataclass(frozen=True)
class ModelCodes:
    model_id: str
    mode: InferenceMode
    lines: tuple[RateLine, ...]

    @property
    def matched(self) -> bool:
        return any(line.quota or line.tied for line in self.lines)


def merged_quotas(applied: Sequence[QuotaInfo], defaults: Sequence[QuotaInfo]) -> list[QuotaInfo]:
    """Applied quotas, plus the default of every quota never raised (a code counts once)."""
    listed = {q.code for q in applied}
    return [*applied, *(q for q in defaults if q.code not in listed)]


def codes_for(model_id: str, applied: Sequence[QuotaInfo], defaults: Sequence[QuotaInfo] = ()) -> ModelCodes:
    """The best quota per rate among applied and default quotas (a code listed in both counts once)."""
    applied_by_code = {q.code: q for q in applied}
    default_by_code = {q.code: q for q in defaults}
    merged = merged_quotas(list(applied_by_code.values()), list(default_by_code.values()))
    lines = []
    for rate in QuotaRate:
        ranking = rank_quotas(rate, model_id, merged)
        best = ranking.unique
        code = best.code if best else None
        lines.append(RateLine(
            rate, best,
            applied_by_code[code].value if code in applied_by_code else None,
            default_by_code[code].value if code in default_by_code else None,
            ranking.best if best is None and len(ranking.best) > 1 else ()))
    return ModelCodes(model_id, inference_mode(model_id), tuple(lines))


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"


def render(codes: ModelCodes) -> list[str]:
    out = [f"Model:          {codes.model_id}",
           f"Inference mode: {codes.mode.description} (QuotaNames starting '{_MODE_NAME[codes.mode]}')"]
    for line in codes.lines:
        label = f"{RATE_LABELS[line.rate]}:"
        if line.quota:
            out.append(f"{label:31} {line.quota.code}  {line.quota.name}")
            out.append(f"{'':31} applied {_number(line.applied)}, default {_number(line.default)}")
        elif line.tied:
            out.append(f"{label:31} {len(line.tied)} quotas fit equally well; choose the one your traffic uses:")
            out.extend(f"{'':31} {q.code}  {q.name}" for q in line.tied)
        else:
            out.append(f"{label:31} {NO_QUOTA_CODE} (no {line.rate.adjective} quota for this model and mode)")
    return out


_MODE_NAME = {
    InferenceMode.GLOBAL: "Global cross-region",
    InferenceMode.GEO_CROSS_REGION: "Cross-region",
    InferenceMode.ON_DEMAND: "On-demand",
}


def closest_ids(model_id: str, known: Iterable[str], count: int = 5) -> list[str]:
    """Known model / profile IDs that look most like ``model_id`` (a typo, a missing prefix)."""
    return difflib.get_close_matches(model_id.strip(), sorted(set(known)), n=count, cutoff=0.4)


def check_codes(model_id: str, rpm_code: str, tpm_code: str, quotas: Sequence[QuotaInfo]) -> list[QuotaCheck]:
    """The quota calculator's own check of both codes (RPM first)."""
    return [validate_quota_code(rpm_code, QuotaKind.RPM, model_id, quotas),
            validate_quota_code(tpm_code, QuotaKind.TPM, model_id, quotas)]


def closest_quota_models(model_id: str, quotas: Iterable[QuotaInfo], count: int = 3) -> list[str]:
    """The model parts of per-minute QuotaNames of the model's mode that look most like the model."""
    mode = inference_mode(model_id)
    names = sorted({q.name.partition(" for ")[2] for q in quotas if quota_mode(q.name) is mode and " per minute " in q.name})
    wanted = " ".join(model_tokens(model_id))
    by_lower = {n.lower(): n for n in names}
    return [by_lower[n] for n in difflib.get_close_matches(wanted, list(by_lower), n=count, cutoff=0.3)]
