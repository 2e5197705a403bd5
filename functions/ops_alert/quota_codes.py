"""Does a Service Quotas code belong to the monitored model? (SPEC §4.1)

A wrong quota code is the most common deployment mistake: the stack then alarms against another
model's quota, or the on-demand quota of a model that is called through a global profile. Before
anything is created the quota calculator checks the code's QuotaName against the model ID —
kind (requests / tokens per minute), inference mode (global / geographic cross-region /
on-demand) and model — and fails with a message that names the right code when one exists.

Model and quota names are compared as normalised tokens::

    global.anthropic.claude-opus-4-6-v1          → claude opus 4.6
    "… tokens per minute for Anthropic Claude Opus 4.6 V1" → anthropic claude opus 4.6
"""
from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ops_alert.alarms import QuotaKind


class InferenceMode(str, enum.Enum):
    GLOBAL = "GLOBAL"  # global.<provider>.<model>
    GEO_CROSS_REGION = "GEO_CROSS_REGION"  # us.<provider>.<model>, eu., apac., us-gov., …
    ON_DEMAND = "ON_DEMAND"  # <provider>.<model>

    @property
    def description(self) -> str:
        """Words for messages: "global cross-region", "geographic cross-region", "on-demand"."""
        return _MODE_WORDS[self]


_MODE_WORDS = {
    InferenceMode.GLOBAL: "global cross-region",
    InferenceMode.GEO_CROSS_REGION: "geographic cross-region",
    InferenceMode.ON_DEMAND: "on-demand",
}

# QuotaName prefixes, checked in this order ("Global cross-region" also starts "…cross-region").
_MODE_PREFIXES = (
    ("global cross-region", InferenceMode.GLOBAL),
    ("cross-region", InferenceMode.GEO_CROSS_REGION),
    ("on-demand", InferenceMode.ON_DEMAND),
)

_KIND_WORDS = {QuotaKind.RPM: "requests per minute", QuotaKind.TPM: "tokens per minute"}
_KIND_ADJECTIVE = {QuotaKind.RPM: "requests-per-minute", QuotaKind.TPM: "tokens-per-minute"}
# The template parameter that carries each code: messages name what the user must change.
PARAMETER_NAMES = {
    QuotaKind.RPM: "RequestsPerMinuteQuotaCode",
    QuotaKind.TPM: "TokensPerMinuteQuotaCode",
}

NO_QUOTA_CODE = "NA"
# Every Service Quotas code seen in the wild is "L-" and eight upper-case hex digits (L-3DCCFAA4).
# The API's own pattern is looser, but a code outside this shape is a typo (lower case, a space,
# a truncated paste), and saying so beats "not found".
_CODE_PATTERN = re.compile(r"L-[0-9A-F]{8}")

# The spec speaks of a "2–3-letter geo prefix"; real Bedrock geo prefixes also include the
# four-letter "apac." and the hyphenated "us-gov.". So a first segment is a geo prefix when it is
# 2–3 letters, "apac" or "<2 letters>-gov" AND a provider segment follows it (at least three
# dot-separated segments): a short provider name (say "xai.grok-3") is then never mistaken for a
# geography, because an on-demand ID has only two segments.
_GEO_PREFIX = re.compile(r"[a-z]{2,3}|apac|[a-z]{2}-gov")
# Provider segments are one word ("anthropic", "ai21", "deepseek"); a segment with a hyphen is
# already the model ("zai.glm-4.6": "glm-4" is no provider, so "zai" is no geography).
_PROVIDER = re.compile(r"[a-z][a-z0-9]*")
# A bare release number after a model size, before the ":N" suffix: openai.gpt-oss-120b-1:0.
_BARE_RELEASE = re.compile(r"(?<=\d[a-z])-\d+$")
_GLOBAL_PREFIX = "global"

# Tokens: a run of letters, or a number (dotted decimals kept, "3.5") with any letters glued
# after it. Letters followed by digits split ("llama3" → llama 3, "r1" → r 1) while digits followed
# by letters stay one token: "70b", "17b" (parameter counts), "8x7b", "1m" (context length) are
# model sizes and must match as a whole, so "70b" never matches "7b" or "70".
_TOKEN = re.compile(r"\d+(?:\.\d+)*[a-z]*|[a-z]+")
_SHORT_NUMBER = re.compile(r"\d{1,2}")
_DATE = re.compile(r"\d{8}")  # release dates in model IDs: 20250929
_YEAR_MONTH = re.compile(r"(\d{2})\.(\d{2})")  # "(24.07)" in a name = "2407" in an ID
_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_VERSION = re.compile(r"v\d+(?:\.\d+)*")
# Version 0/1 is the default: IDs end in "-v1" and QuotaNames add " V1" only sometimes, so both are
# dropped. A later version ("-v2", " V2") names a different model and is kept as one token "v2".
_DEFAULT_VERSIONS = frozenset({"v0", "v1"})


def is_well_formed_code(code: str) -> bool:
    """``L-`` and eight upper-case hex digits, the shape of every Service Quotas code."""
    return bool(_CODE_PATTERN.fullmatch(code))


def _words(text: str) -> list[str]:
    # "+" is the only punctuation that carries meaning in a model name: "Command R+" = command-r-plus.
    return _TOKEN.findall(text.lower().replace("+", " plus "))


def _normalise(words: list[str]) -> tuple[str, ...]:
    """The shared token rules applied to both model IDs and QuotaNames (see module docstring)."""
    tokens: list[str] = []
    for word in words:
        if _DATE.fullmatch(word):
            continue
        year_month = _YEAR_MONTH.fullmatch(word)
        if year_month:
            word = year_month.group(1) + year_month.group(2)
        if tokens and tokens[-1] == "v" and _NUMBER.fullmatch(word):
            tokens[-1] = "v" + word  # "v", "2" → "v2" so the version stays one token
        else:
            tokens.append(word)
    tokens = [t for t in tokens if t not in _DEFAULT_VERSIONS]
    # Merge adjacent 1–2 digit numbers into one version number: claude-opus-4-6 → 4.6,
    # llama3-1-70b → 3.1. Pairs only: a third number starts a new pair.
    merged: list[str] = []
    i = 0
    while i < len(tokens):
        pair = tokens[i : i + 2]
        if len(pair) == 2 and all(_SHORT_NUMBER.fullmatch(t) for t in pair):
            merged.append(f"{tokens[i]}.{tokens[i + 1]}")
            i += 2
        else:
            merged.append(tokens[i])
            i += 1
    return tuple(merged)


@dataclass(frozen=True)
class _ModelId:
    mode: InferenceMode
    provider: str  # "" when the ID carries no provider segment
    model: str  # what follows the provider, version suffixes still attached


def _parse_model_id(model_id: str) -> _ModelId:
    text = model_id.strip().lower()
    if not text:
        raise ValueError("model ID must not be empty")
    segments = text.split(".")
    mode = InferenceMode.ON_DEMAND
    if segments[0] == _GLOBAL_PREFIX and len(segments) > 1:
        mode, segments = InferenceMode.GLOBAL, segments[1:]
    elif len(segments) >= 3 and _GEO_PREFIX.fullmatch(segments[0]) and _PROVIDER.fullmatch(segments[1]):
        mode, segments = InferenceMode.GEO_CROSS_REGION, segments[1:]
    if len(segments) >= 2:
        return _ModelId(mode, segments[0], ".".join(segments[1:]))
    return _ModelId(mode, "", segments[0])


def inference_mode(model_id: str) -> InferenceMode:
    """How the model ID is invoked: ``global.`` → GLOBAL, ``us.``/``eu.``/… → GEO, else ON_DEMAND."""
    return _parse_model_id(model_id).mode


def model_tokens(model_id: str) -> tuple[str, ...]:
    """Normalised tokens naming the model, without geo prefix, provider, version and date.

    ``us.anthropic.claude-sonnet-4-5-20250929-v1:0`` → (claude, sonnet, 4.5);
    ``meta.llama3-1-70b-instruct-v1:0`` → (llama, 3.1, 70b, instruct);
    ``mistral.mistral-large-2407-v1:0`` → (mistral, large, 2407): a 4-digit release tag is an
    ordinary number token and matches "2407" or "(24.07)" in a QuotaName, nothing else.
    """
    model = _parse_model_id(model_id).model
    # ":0", and the provisioned-throughput variants ":0:200k", are not part of the model's name.
    model, colon, _ = model.partition(":")
    if colon:  # "-1:0" is a release suffix like "-v1:0" (openai.gpt-oss-120b-1:0)
        model = _BARE_RELEASE.sub("", model)
    return _normalise(_words(model))


def _provider_tokens(model_id: str) -> frozenset[str]:
    return frozenset(_normalise(_words(_parse_model_id(model_id).provider)))


def quota_model_tokens(quota_name: str) -> tuple[str, ...]:
    """Normalised tokens of the model a QuotaName is for: the text after " for ", "V1" ignored.

    "Cross-region model inference tokens per minute for Anthropic Claude 3.5 Sonnet V1"
    → (anthropic, claude, 3.5, sonnet). No " for " → () (names no model).
    """
    _, sep, model = quota_name.partition(" for ")
    if not sep:
        return ()
    return _normalise(_words(model))


def _standalone_numbers(quota_name: str) -> frozenset[str]:
    """Normalised numbers standing as words in the QuotaName's model ("Nova 2 Lite" → 2,
    "(24.07)" → 2407), not glued to letters ("AI21", "G1", "R1", "70B")."""
    _, _, model = quota_name.partition(" for ")
    text = model.lower()
    numbers = [
        m.group()
        for m in _TOKEN.finditer(text)
        if _NUMBER.fullmatch(m.group()) and not (m.start() and text[m.start() - 1].isalpha())
    ]
    return frozenset(t for n in numbers for t in _normalise([n]))


def _is_variant(token: str) -> bool:
    # Words a QuotaName may add only if the model has them too: a later version ("V2") or "+"
    # ("Command R+") names a sibling model, while any other extra word ("Instruct", "Vision",
    # "1M Context Length", a provider name) only describes the same one.
    return token == "plus" or bool(_VERSION.fullmatch(token))


def names_model(quota_name: str, model_id: str) -> bool:
    """True when the QuotaName names exactly this model.

    Every model token must appear among the QuotaName tokens (whole tokens, so "5" never matches
    "3.5" and "4" never matches "4.6"), and the QuotaName must not add a version, a "+" or a
    stand-alone number ("Nova 2 Lite" for amazon.nova-lite) the model lacks. Extra descriptive or
    provider words in the QuotaName are allowed.
    """
    wanted = model_tokens(model_id)
    offered = quota_model_tokens(quota_name)
    if not wanted or not offered:
        return False
    if not set(wanted) <= set(offered):
        return False
    if not _standalone_numbers(quota_name) <= set(wanted) | _provider_tokens(model_id):
        return False  # "Nova 2 Lite" is another generation than amazon.nova-lite
    return all(t in wanted for t in offered if _is_variant(t))


def quota_mode(quota_name: str) -> InferenceMode | None:
    """The inference mode a QuotaName is for, from its prefix; None when it names no mode."""
    name = quota_name.strip().lower()
    for prefix, mode in _MODE_PREFIXES:
        if name.startswith(prefix):
            return mode
    return None


def quota_kind(quota_name: str) -> QuotaKind | None:
    """RPM for a "requests per minute" quota, TPM for "tokens per minute", else None."""
    name = quota_name.lower()
    for kind, words in _KIND_WORDS.items():
        if words in name:
            return kind
    return None


def is_mantle_quota(quota_name: str) -> bool:
    """True for a quota of the bedrock-mantle endpoint, which the stack's metrics do not measure.

    Detected by the word "mantle" anywhere in the name, case-insensitively: no Bedrock model
    is called "mantle", and the endpoint's quotas carry the name in varying positions.
    """
    return "mantle" in quota_name.lower()


@dataclass(frozen=True)
class QuotaInfo:
    """One Service Quotas quota of service ``bedrock``."""

    code: str
    name: str
    value: float
    adjustable: bool


class QuotaProblem(str, enum.Enum):
    MALFORMED = "MALFORMED"  # not "L-" + 8 upper-case hex digits, nor NA
    UNKNOWN = "UNKNOWN"  # not among the account's bedrock quotas
    MANTLE = "MANTLE"  # a bedrock-mantle endpoint quota
    WRONG_KIND = "WRONG_KIND"  # e.g. a tokens-per-minute code given as the RPM code
    WRONG_MODE = "WRONG_MODE"  # e.g. on-demand quota for a global profile
    WRONG_MODEL = "WRONG_MODEL"  # the quota names another model
    QUOTA_EXISTS = "QUOTA_EXISTS"  # NA given, but the model has such a quota


class QuotaCodeError(ValueError):
    """A quota code that does not fit the model; the message says what to use instead."""


@dataclass(frozen=True)
class QuotaCheck:
    """Outcome of ``validate_quota_code``: ok with the quota (None for an accepted NA), or a problem."""

    ok: bool
    quota: QuotaInfo | None = None
    problem: QuotaProblem | None = None
    message: str = ""
    suggestion: QuotaInfo | None = None  # the code to use instead, when one exists

    def require(self) -> QuotaInfo | None:
        """The validated quota (None for NA), or QuotaCodeError carrying the actionable message."""
        if not self.ok:
            raise QuotaCodeError(self.message)
        return self.quota


def find_quota(kind: QuotaKind, model_id: str, quotas: Sequence[QuotaInfo]) -> QuotaInfo | None:
    """The quota of this kind for this model and inference mode, or None.

    When several QuotaNames match (say "Claude Sonnet 4 V1" and "Claude Sonnet 4 V1 1M Context
    Length"), the one with the fewest words beyond the model's own and its provider's wins — the
    plain model rather than a variant of it — and a tie goes to the smallest code, so the answer
    never depends on the order Service Quotas lists them in.
    """
    mode = inference_mode(model_id)
    known = set(model_tokens(model_id)) | _provider_tokens(model_id)
    matches = [
        q
        for q in quotas
        if not is_mantle_quota(q.name)
        and quota_kind(q.name) is kind
        and quota_mode(q.name) is mode
        and names_model(q.name, model_id)
    ]
    if not matches:
        return None
    return min(matches, key=lambda q: (len(set(quota_model_tokens(q.name)) - known), q.code))


def validate_quota_code(
    code: str, kind: QuotaKind, model_id: str, quotas: Sequence[QuotaInfo]
) -> QuotaCheck:
    """Check the RPM or TPM code given for the model against the account's bedrock quotas.

    ``quotas`` is the full, paginated ListServiceQuotas(bedrock) result. ``NA`` (any case) is
    accepted only when ``find_quota`` finds no quota of that kind for the model and mode.
    """
    parameter = PARAMETER_NAMES[kind]
    mode = inference_mode(model_id)
    right = find_quota(kind, model_id, quotas)
    hint = _hint(kind, model_id, mode, right)

    def fail(problem: QuotaProblem, message: str) -> QuotaCheck:
        return QuotaCheck(ok=False, problem=problem, message=message, suggestion=right)

    if code.strip().upper() == NO_QUOTA_CODE:
        if right is None:
            return QuotaCheck(ok=True)
        return fail(
            QuotaProblem.QUOTA_EXISTS,
            f"{parameter} is {NO_QUOTA_CODE}, but model {model_id} has a {_KIND_ADJECTIVE[kind]} quota "
            f"for {mode.description} inference{hint}",
        )
    if not _CODE_PATTERN.fullmatch(code):
        return fail(
            QuotaProblem.MALFORMED,
            f"{parameter} {code!r} is not a Service Quotas code: expected 'L-' and 8 upper-case "
            f"hexadecimal characters (like L-3DCCFAA4), or {NO_QUOTA_CODE} when the model has no "
            f"such quota{hint}",
        )
    quota = next((q for q in quotas if q.code == code), None)
    if quota is None:
        return fail(
            QuotaProblem.UNKNOWN,
            f"{parameter} {code} is not an Amazon Bedrock quota in this account and region{hint}",
        )
    is_ = f"{parameter} {code} is '{quota.name}'"
    if is_mantle_quota(quota.name):
        return fail(
            QuotaProblem.MANTLE,
            f"{is_}, a quota of the bedrock-mantle endpoint, which this stack does not monitor{hint}",
        )
    found_kind = quota_kind(quota.name)
    if found_kind is not kind:
        what = (
            f"a {_KIND_ADJECTIVE[found_kind]} quota"
            if found_kind
            else "neither a requests- nor a tokens-per-minute quota"
        )
        return fail(
            QuotaProblem.WRONG_KIND,
            f"{is_}, {what}, but {parameter} needs a {_KIND_ADJECTIVE[kind]} quota{hint}",
        )
    found_mode = quota_mode(quota.name)
    mode_ok = found_mode is mode
    model_ok = names_model(quota.name, model_id)
    if mode_ok and model_ok:
        return QuotaCheck(ok=True, quota=quota)
    found_words = found_mode.description if found_mode else "no recognised inference mode"
    if not model_ok:
        also = (
            ""
            if mode_ok
            else f" and is for {found_words} inference while the model uses {mode.description}"
        )
        return fail(
            QuotaProblem.WRONG_MODEL,
            f"{is_}, which does not name model {model_id} "
            f"(expected the words: {' '.join(model_tokens(model_id))}){also}{hint}",
        )
    return fail(
        QuotaProblem.WRONG_MODE,
        f"{is_} ({found_words}), but model {model_id} uses {mode.description} inference{hint}",
    )


def _hint(kind: QuotaKind, model_id: str, mode: InferenceMode, right: QuotaInfo | None) -> str:
    if right is not None:
        return f": use {right.code} ('{right.name}')"
    return (
        f": this account and region list no {_KIND_ADJECTIVE[kind]} quota for model {model_id} with "
        f"{mode.description} inference; check the model ID, or set {PARAMETER_NAMES[kind]} to "
        f"{NO_QUOTA_CODE} if the model has no such quota"
    )
