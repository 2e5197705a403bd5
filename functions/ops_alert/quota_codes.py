"""Does a Service Quotas code belong to the monitored model? (SPEC §4.1)

A wrong quota code is the most common deployment mistake: the stack then alarms against another
model's quota, or the on-demand quota of a model that is called through a global profile. Before
anything is created the quota calculator checks the code's QuotaName against the model ID.

AWS's QuotaNames often do not repeat the model ID's words ("Mistral Large 3" for
``mistral.mistral-large-3-675b-instruct``, "Titan Text Embeddings V2" for
``amazon.titan-embed-text-v2:0``), and neighbouring models differ by one word ("Llama 2 Chat 13B"
next to "Llama 2 13B"). So matching is a ranking, not a yes/no:

1. the candidates are the account's bedrock quotas of the right rate (requests per minute, tokens
   per minute, tokens per day) and inference mode, bedrock-mantle quotas excluded;
2. a candidate must carry every *required* word of the model (family, generation and version
   numbers, variant words such as Lite, Mini, Flash) and add no word the model lacks, except words
   that only describe the same model (a provider name, "G1"); numbers standing on their own in the
   QuotaName ("Nova 2 Lite", "Mistral Large 3") must be the model's own;
3. candidates are ranked by a penalty: same-model variants the model ID does not name
   ("1M Context Length", "latency-optimized") cost most, then *optional* model words the
   QuotaName leaves out (a size "675b", a suffix "instruct"/"it"/"chat", a release "2402"), then
   descriptive extra words;
4. the given code is accepted when it is the single best candidate; refused naming the better code
   when another ranks strictly better; refused listing the tied candidates when several tie.

Known naming differences are in one table, ``ALIASES``, each entry with its source.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ops_alert.alarms import QuotaKind
from ops_alert.quotas import NO_QUOTA_CODE as NO_QUOTA_CODE
from ops_alert.quotas import QuotaInfo as QuotaInfo
from ops_alert.quotas import is_quota_code as is_quota_code
from ops_alert.quotas import is_well_formed_code as is_well_formed_code
from ops_alert.quotas import means_no_quota as means_no_quota
from ops_alert.quotas import suggested_code as suggested_code


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


class QuotaRate(str, enum.Enum):
    """What a quota limits: the two the alarms watch, and the per-day token budget (SPEC §9)."""

    RPM = "RPM"  # requests per minute
    TPM = "TPM"  # tokens per minute
    TPD = "TPD"  # tokens per day ("Model invocation max tokens per day for X")

    @property
    def adjective(self) -> str:
        return _RATE_ADJECTIVE[self]


_RATE_ADJECTIVE = {
    QuotaRate.RPM: "requests-per-minute",
    QuotaRate.TPM: "tokens-per-minute",
    QuotaRate.TPD: "tokens-per-day",
}
_RATE_WORDS = (
    (QuotaRate.RPM, "requests per minute"),
    (QuotaRate.TPM, "tokens per minute"),
    (QuotaRate.TPD, "tokens per day"),
)
_RATE_OF_KIND = {QuotaKind.RPM: QuotaRate.RPM, QuotaKind.TPM: QuotaRate.TPM}

# QuotaName prefixes of both naming families, checked in this order ("Global cross-region" also
# starts "…cross-region"). "On-Demand, latency-optimized …" is on-demand (a variant, see penalty).
_MODE_PREFIXES = (
    ("global cross-region", InferenceMode.GLOBAL),
    ("cross-region", InferenceMode.GEO_CROSS_REGION),
    ("on-demand", InferenceMode.ON_DEMAND),
)
# "Model invocation max tokens per day for X (doubled for cross-region calls)" has no mode prefix:
# one budget for on-demand and geographic cross-region calls; global profiles have their own
# "Global cross-region model inference tokens per day for X".
_PER_DAY_SHARED = "model invocation max tokens per day"

# The template parameter that carries each code: messages name what the user must change.
PARAMETER_NAMES = {
    QuotaKind.RPM: "RequestsPerMinuteQuotaCode",
    QuotaKind.TPM: "TokensPerMinuteQuotaCode",
}

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
_VERSION = re.compile(r"v(\d+(?:\.\d+)*)")
_SIZE = re.compile(r"\d+(?:\.\d+)?b|\d+x")  # 70b, 17b, 675b, 8x (of 8x7b)
_RELEASE = re.compile(r"2[3-9](?:0[1-9]|1[0-2])")  # a yymm release tag: 2402, 2407, 2509
# Version 0/1 is the default: IDs end in "-v1" and QuotaNames add " V1" only sometimes, so both are
# dropped. A later version ("-v2", " V2") names a different model and is kept as one token "v2".
_DEFAULT_VERSIONS = frozenset({"v0", "v1"})
_ID_VERSION = re.compile(r"-v(\d+)(?:[:-]|$)")


@dataclass(frozen=True)
class Alias:
    """One known naming difference between model IDs and QuotaNames, with where it was seen."""

    what: str
    source: str


# The alias table: every rule below that is not plain token comparison is listed here, so a
# reviewer can check each against its source. Sources are AWS pages (model IDs: "Amazon Bedrock
# model IDs", docs.aws.amazon.com/bedrock/latest/userguide/model-ids.html; quota names: "Amazon
# Bedrock endpoints and quotas", docs.aws.amazon.com/general/latest/gr/bedrock.html).
ALIASES: tuple[Alias, ...] = (
    Alias("embed (ID) = Embeddings / Embedding (QuotaName)",
          "model-ids.html: amazon.titan-embed-text-v2:0 is 'Titan Text Embeddings V2'"),
    Alias("j2 (ID) = Jurassic-2 (QuotaName)", "model-ids.html: ai21.j2-ultra-v1 is 'Jurassic-2 Ultra'"),
    Alias("sd3 (ID) = Stable Diffusion 3 (QuotaName)",
          "model-ids.html: stability.sd3-large-v1:0 is 'Stable Diffusion 3 Large'"),
    Alias("embed-image (ID) = Multimodal Embeddings (QuotaName)",
          "model-ids.html: amazon.titan-embed-image-v1 is 'Titan Multimodal Embeddings G1'"),
    Alias("'text' in an ID is not a model word",
          "model-ids.html: cohere.command-text-v14 is 'Command', cohere.command-light-text-v14 'Command Light'"),
    Alias("Cohere's API versions v14 / v3 are not in QuotaNames",
          "gr/bedrock.html: 'On-demand InvokeModel … for Cohere Command', '… for Cohere Embed English'"),
    Alias("suffixes it / instruct / chat may be left out (it = instruct)",
          "issue 8: google.gemma-3-27b-it is 'Gemma 3 27B'; gr/bedrock.html: 'Meta Llama 4 Maverick V1'"),
    Alias("a size (675b, 17b) may be left out when the QuotaName names no size",
          "issue 8: mistral.mistral-large-3-675b-instruct is 'Mistral Large 3'; "
          "gr/bedrock.html: 'Cross-region … for Meta Llama 4 Scout V1'"),
    Alias("a yymm release (2402) may be left out when the QuotaName names none",
          "gr/bedrock.html: mistral.mistral-large-2402-v1:0 is 'Mistral Large', "
          "mistral.mistral-small-2402-v1:0 'Mistral AI Mistral Small'"),
    Alias("release 2509 of Magistral Small = 1.2", "issue 8: mistral.magistral-small-2509 is 'Magistral Small 1.2'"),
    Alias("release 2407 of Mistral Large = Mistral Large 2",
          "Service Quotas: 'Batch inference job size (in GB) for Mistral Large 2 (24.07)'"),
    Alias("'(24.07)' / '25.02' = release 2407 / 2502",
          "gr/bedrock.html: 'Mistral Pixtral Large 25.02 V1' for mistral.pixtral-large-2502-v1:0"),
    Alias("a version number = the ID's -vN (Rerank 1.0 = amazon.rerank-v1:0, Rerank 3.5 = cohere.rerank-v3-5:0)",
          "gr/bedrock.html: 'On-demand InvokeModel … for Amazon Rerank 1.0', '… for Cohere Rerank 3.5'"),
    Alias("AWS typo '8X7BB' = 8x7b", "gr/bedrock.html: 'On-demand InvokeModel tokens per minute for Mistral AI Mixtral 8X7BB Instruct'"),
    Alias("'R+' = 'R Plus'", "gr/bedrock.html: 'Cohere Command R Plus' for cohere.command-r-plus-v1:0"),
)

_WORD_ALIASES = {"embeddings": "embed", "embedding": "embed", "it": "instruct", "j": "jurassic"}
_SPLIT_ALIASES = {"sd": ("stable", "diffusion")}
_TYPOS = {"7bb": "7b"}  # "Mixtral 8X7BB Instruct"
_NOISE = frozenset({"text"})
_UNVERSIONED = {("command", "v14"), ("embed", "v3")}  # (family word, version AWS names never)
_RELEASE_NAMES = {("magistral", "2509"): "1.2", ("mistral", "2407"): "2"}
_OPTIONAL_SUFFIXES = frozenset({"instruct", "chat"})
# Words a QuotaName adds for a variant of the same model: allowed, but ranked below the plain one.
_SAME_MODEL_VARIANTS = frozenset({"1m", "context", "length", "latency", "optimized"})
# Words that describe the model without naming another one; "g" comes from "G1" (Titan labels).
_DESCRIPTIVE = frozenset({"g", "labs", "ai", "model"})
# Provider display names that open a QuotaName's model part ("Mistral AI Mistral Large").
_PROVIDER_NAMES = ("ai21 labs", "mistral ai", "stability.ai", "writer ai", "moonshot ai", "z.ai")
_PARENTHETICAL = re.compile(r"\(([^)0-9]*)\)")  # "(doubled for cross-region calls)", not "(24.07)"


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
    # llama3-1-70b → 3.1. Pairs only: a third number starts a new pair. "v3", "5" → v3.5.
    merged: list[str] = []
    i = 0
    while i < len(tokens):
        pair = tokens[i : i + 2]
        if len(pair) == 2 and all(_SHORT_NUMBER.fullmatch(t) for t in pair):
            merged.append(f"{tokens[i]}.{tokens[i + 1]}")
            i += 2
        elif len(pair) == 2 and _VERSION.fullmatch(pair[0]) and _SHORT_NUMBER.fullmatch(pair[1]):
            merged.append(f"{pair[0]}.{pair[1]}")
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


def _model_part(model_id: str) -> str:
    model = _parse_model_id(model_id).model
    # ":0", and the provisioned-throughput variants ":0:200k", are not part of the model's name.
    model, colon, _ = model.partition(":")
    if colon:  # "-1:0" is a release suffix like "-v1:0" (openai.gpt-oss-120b-1:0)
        model = _BARE_RELEASE.sub("", model)
    return model


def model_tokens(model_id: str) -> tuple[str, ...]:
    """Normalised tokens naming the model, without geo prefix, provider, version and date.

    ``us.anthropic.claude-sonnet-4-5-20250929-v1:0`` → (claude, sonnet, 4.5);
    ``meta.llama3-1-70b-instruct-v1:0`` → (llama, 3.1, 70b, instruct);
    ``mistral.mistral-large-2407-v1:0`` → (mistral, large, 2407): a 4-digit release tag is an
    ordinary number token and matches "2407" or "(24.07)" in a QuotaName, nothing else.
    """
    return _normalise(_words(_model_part(model_id)))


def _provider_tokens(model_id: str) -> frozenset[str]:
    return frozenset(_normalise(_words(_parse_model_id(model_id).provider)))


def _canonical(tokens: Iterable[str]) -> tuple[str, ...]:
    """Alias table applied to tokens of either side (see ``ALIASES``)."""
    out: list[str] = []
    for token in tokens:
        token = _TYPOS.get(token, token)
        if token in _NOISE:
            continue
        if token in _SPLIT_ALIASES:
            out.extend(_SPLIT_ALIASES[token])
            continue
        out.append(_WORD_ALIASES.get(token, token))
    if "embed" in out and "image" in out:  # amazon.titan-embed-image-v1 = Multimodal Embeddings
        out[out.index("image")] = "multimodal"
    return tuple(out)


def _quota_model_text(quota_name: str) -> str:
    """The model part of a QuotaName: after " for ", without provider display names and
    wordy parentheticals ("(doubled for cross-region calls)")."""
    _, _, model = quota_name.partition(" for ")
    text = _PARENTHETICAL.sub(" ", model.lower())
    text = re.sub(r"\bg\d\b", " g ", text)  # Titan generation labels "G1": descriptive only
    for name in _PROVIDER_NAMES:
        if text.strip().startswith(name + " "):
            text = text.strip()[len(name):]
            break
    return text


def quota_model_tokens(quota_name: str) -> tuple[str, ...]:
    """Normalised tokens of the model a QuotaName is for: the text after " for ", "V1" ignored.

    "Cross-region model inference tokens per minute for Anthropic Claude 3.5 Sonnet V1"
    → (anthropic, claude, 3.5, sonnet). No " for " → () (names no model).
    """
    _, sep, model = quota_name.partition(" for ")
    if not sep:
        return ()
    return _normalise(_words(model))


def _standalone_numbers(text: str) -> frozenset[str]:
    """Normalised numbers standing as words in a QuotaName's model part ("Nova 2 Lite" → 2,
    "(24.07)" → 2407), not glued to letters ("AI21", "R1", "X4", "Qwen3")."""
    numbers = [
        m.group()
        for m in _TOKEN.finditer(text)
        if _NUMBER.fullmatch(m.group()) and not (m.start() and text[m.start() - 1].isalpha())
    ]
    return frozenset(_plain_number(t) for n in numbers for t in _normalise([n]))


def _plain_number(number: str) -> str:
    return number.removesuffix(".0")  # "1.0" = "1", "3.0" = "3"


@dataclass(frozen=True)
class _Model:
    """What the ranking compares a QuotaName with."""

    required: frozenset[str]
    sizes: frozenset[str]
    suffixes: frozenset[str]
    releases: frozenset[str]
    numbers: frozenset[str]  # numbers a QuotaName may carry on their own
    provider: frozenset[str]

    @classmethod
    def of(cls, model_id: str) -> _Model:
        tokens = _canonical(model_tokens(model_id))
        sizes = {t for t in tokens if _SIZE.fullmatch(t)}
        suffixes = {t for t in tokens if t in _OPTIONAL_SUFFIXES}
        releases = {t for t in tokens if _RELEASE.fullmatch(t)}
        unversioned = {v for family, v in _UNVERSIONED if family in tokens and v in tokens}
        numbers = {_plain_number(t) for t in tokens if _NUMBER.fullmatch(t)}
        numbers |= {_plain_number(m.group(1)) for t in tokens if (m := _VERSION.fullmatch(t))}
        version = _ID_VERSION.search(_model_part(model_id))
        if version:  # "-v1" is dropped as a token but is the model's version number
            numbers.add(version.group(1))
        numbers |= {name for (family, release), name in _RELEASE_NAMES.items() if family in tokens and release in tokens}
        required = set(tokens) - sizes - suffixes - releases - unversioned
        return cls(frozenset(required), frozenset(sizes), frozenset(suffixes), frozenset(releases),
                   frozenset(numbers), _provider_tokens(model_id))


@dataclass(frozen=True)
class Candidate:
    """A quota that names the model, with its rank: a lower penalty is a better match."""

    quota: QuotaInfo
    penalty: tuple[int, int, int]  # (same-model variants, left-out optional words, descriptive extras)


def _penalty(quota_name: str, model: _Model) -> tuple[int, int, int] | None:
    """The rank of this QuotaName for the model, or None when it names another model."""
    text = _quota_model_text(quota_name)
    tokens = _canonical(_normalise(_words(text)))
    if not tokens:
        return None
    offered = set(tokens)
    offered_numbers = {_plain_number(t) for t in offered if _NUMBER.fullmatch(t)}

    def has(token: str) -> bool:
        version = _VERSION.fullmatch(token)
        return token in offered or bool(version and _plain_number(version.group(1)) in offered_numbers)

    if not all(has(t) for t in model.required):
        return None
    names_size = any(_SIZE.fullmatch(t) for t in offered)
    left_out = 0
    for size in model.sizes:
        if size not in offered:
            if names_size:
                return None  # "8B" is another model than 70b
            left_out += 1
    for release in model.releases:
        if release in offered:
            continue
        if any(name in offered_numbers for (_, r), name in _RELEASE_NAMES.items() if r == release):
            continue  # "Magistral Small 1.2" is release 2509
        if any(_RELEASE.fullmatch(t) for t in offered):
            return None  # "(24.02)" is another release than 2407
        left_out += 1
    left_out += sum(1 for s in model.suffixes if s not in offered)
    if not _standalone_numbers(text) <= model.numbers | model.releases | offered & set(model.required):
        return None  # "Nova 2 Lite" is another generation than amazon.nova-lite
    variants = 1 if "latency-optimized" in quota_name.lower() else 0
    descriptive = 0
    known = model.required | model.sizes | model.suffixes | model.releases | model.provider
    for token in offered - known:
        if token in _SAME_MODEL_VARIANTS:
            variants += 1
        elif token in _DESCRIPTIVE or token in model.provider or _NUMBER.fullmatch(token):
            descriptive += 1
        elif _VERSION.fullmatch(token) or not _is_provider_word(token):
            return None  # a word the model lacks names a sibling: Chat, Safeguard, Flash, V2, +
    return (variants, left_out, descriptive)


# Provider words a QuotaName may carry whatever the ID's provider segment says ("Meta Llama" for
# meta.*, "Amazon Titan" for amazon.*, "Stability.ai" for stability.*).
_PROVIDER_WORDS = frozenset({
    "anthropic", "meta", "amazon", "mistral", "cohere", "stability", "writer", "deepseek", "openai",
    "google", "qwen", "moonshot", "minimax", "nvidia", "zai", "z", "twelvelabs", "twelve", "luma", "ai",
})


def _is_provider_word(token: str) -> bool:
    return token in _PROVIDER_WORDS


def names_model(quota_name: str, model_id: str) -> bool:
    """True when the QuotaName names this model (possibly as a same-model variant)."""
    return _penalty(quota_name, _Model.of(model_id)) is not None


def quota_mode(quota_name: str) -> InferenceMode | None:
    """The inference mode a QuotaName is for, from its prefix; None when it names no mode."""
    name = quota_name.strip().lower()
    for prefix, mode in _MODE_PREFIXES:
        if name.startswith(prefix):
            return mode
    return None


def _serves_mode(quota_name: str, rate: QuotaRate, mode: InferenceMode) -> bool:
    if rate is QuotaRate.TPD and quota_name.strip().lower().startswith(_PER_DAY_SHARED):
        return mode is not InferenceMode.GLOBAL
    return quota_mode(quota_name) is mode


def quota_rate(quota_name: str) -> QuotaRate | None:
    """RPM, TPM or TPD from the QuotaName's words, else None."""
    name = quota_name.lower()
    for rate, words in _RATE_WORDS:
        if words in name:
            return rate
    return None


def is_mantle_quota(quota_name: str) -> bool:
    """True for a quota of the bedrock-mantle endpoint, which the stack's metrics do not measure.

    Detected by the word "mantle" anywhere in the name, case-insensitively: no Bedrock model
    is called "mantle", and the endpoint's quotas carry the name in varying positions.
    """
    return "mantle" in quota_name.lower()


@dataclass(frozen=True)
class Ranking:
    """The candidates of one rate and mode for a model, best first."""

    candidates: tuple[Candidate, ...] = ()

    @property
    def best(self) -> tuple[QuotaInfo, ...]:
        """The candidates sharing the best penalty: one quota, or several that tie."""
        if not self.candidates:
            return ()
        top = self.candidates[0].penalty
        return tuple(c.quota for c in self.candidates if c.penalty == top)

    @property
    def unique(self) -> QuotaInfo | None:
        best = self.best
        return best[0] if len(best) == 1 else None


def rank_quotas(rate: QuotaRate | QuotaKind, model_id: str, quotas: Sequence[QuotaInfo]) -> Ranking:
    """Every quota of this rate and the model's inference mode that names the model, best first
    (ties in a stable order by code, for display only: a tie is never decided by the code)."""
    rate = _as_rate(rate)
    mode = inference_mode(model_id)
    model = _Model.of(model_id)
    found: list[Candidate] = []
    for quota in quotas:
        if is_mantle_quota(quota.name) or quota_rate(quota.name) is not rate:
            continue
        if not _serves_mode(quota.name, rate, mode):
            continue
        penalty = _penalty(quota.name, model)
        if penalty is not None:
            found.append(Candidate(quota, penalty))
    unique = {c.quota.code: c for c in found}  # the same code listed twice (applied + default)
    return Ranking(tuple(sorted(unique.values(), key=lambda c: (c.penalty, c.quota.code))))


def _as_rate(rate: QuotaRate | QuotaKind) -> QuotaRate:
    return rate if isinstance(rate, QuotaRate) else _RATE_OF_KIND[rate]


def find_quota(kind: QuotaKind | QuotaRate, model_id: str, quotas: Sequence[QuotaInfo]) -> QuotaInfo | None:
    """The single best quota of this rate for this model and inference mode, or None (no
    candidate, or several that tie: the user must choose, see ``validate_quota_code``)."""
    return rank_quotas(kind, model_id, quotas).unique


class QuotaProblem(str, enum.Enum):
    MALFORMED = "MALFORMED"  # not "L-" + 8 upper-case hex digits, nor NA
    UNKNOWN = "UNKNOWN"  # not among the account's bedrock quotas
    MANTLE = "MANTLE"  # a bedrock-mantle endpoint quota
    WRONG_KIND = "WRONG_KIND"  # e.g. a tokens-per-minute code given as the RPM code
    WRONG_MODE = "WRONG_MODE"  # e.g. on-demand quota for a global profile
    WRONG_MODEL = "WRONG_MODEL"  # the quota names another model
    NOT_BEST = "NOT_BEST"  # names the model, but another quota names it better
    TIED = "TIED"  # names the model as well as another quota: the user must choose
    QUOTA_EXISTS = "QUOTA_EXISTS"  # NA given, but the model has such a quota

    @property
    def overridable(self) -> bool:
        """May ``QuotaCodeCheck=WarnOnly`` deploy anyway? Only when the code is a bedrock quota of
        the right rate (its value makes a sensible threshold) or NA: the user may know better
        which model or mode it is for, never what a malformed or unknown code means."""
        return self in _OVERRIDABLE


_OVERRIDABLE = frozenset({QuotaProblem.WRONG_MODE, QuotaProblem.WRONG_MODEL, QuotaProblem.NOT_BEST,
                          QuotaProblem.TIED, QuotaProblem.QUOTA_EXISTS})


class QuotaCodeError(ValueError):
    """A quota code that does not fit the model; the message says what to use instead."""


class CodeCheckMode(str, enum.Enum):
    """The ``QuotaCodeCheck`` template parameter: the escape hatch for a user who knows better."""

    STRICT = "Strict"  # a code the check refuses fails the stack (the default, as before)
    WARN_ONLY = "WarnOnly"  # an overridable refusal deploys anyway and is reported as a warning


CHECK_PARAMETER = "QuotaCodeCheck"


def parse_check_mode(value: object) -> CodeCheckMode:
    """Strict when absent (a stack from an older template); ValueError naming the choices otherwise."""
    text = str(value or "").strip()
    if not text:
        return CodeCheckMode.STRICT
    for mode in CodeCheckMode:
        if text.lower() == mode.value.lower():
            return mode
    raise ValueError(f"{CHECK_PARAMETER} must be Strict or WarnOnly, not {text[:40]!r}")


@dataclass(frozen=True)
class CodeDecision:
    """What the stack deploys with: the quota (None for NA) and, under WarnOnly, why it warns."""

    quota: QuotaInfo | None
    warning: str = ""


def decide(check: QuotaCheck, mode: CodeCheckMode) -> CodeDecision:
    """Apply ``QuotaCodeCheck`` to one check; QuotaCodeError when the stack must fail."""
    if check.ok:
        return CodeDecision(check.quota)
    overridable = check.problem is not None and check.problem.overridable
    if overridable and mode is CodeCheckMode.WARN_ONLY:
        return CodeDecision(check.given, f"deployed anyway ({CHECK_PARAMETER}=WarnOnly): {check.message}")
    hint = f" (to deploy with this code anyway, set {CHECK_PARAMETER} to WarnOnly)" if overridable else ""
    raise QuotaCodeError(check.message + hint)


@dataclass(frozen=True)
class QuotaCheck:
    """Outcome of ``validate_quota_code``: ok with the quota (None for an accepted NA), or a problem."""

    ok: bool
    quota: QuotaInfo | None = None
    problem: QuotaProblem | None = None
    message: str = ""
    suggestion: QuotaInfo | None = None  # the code to use instead, when exactly one is best
    tied: tuple[QuotaInfo, ...] = field(default=())  # the candidates to choose from on a tie
    given: QuotaInfo | None = None  # the quota the code names, when it is a bedrock quota

    def require(self) -> QuotaInfo | None:
        """The validated quota (None for NA), or QuotaCodeError carrying the actionable message."""
        if not self.ok:
            raise QuotaCodeError(self.message)
        return self.quota


def validate_quota_code(
    code: str, kind: QuotaKind, model_id: str, quotas: Sequence[QuotaInfo]
) -> QuotaCheck:
    """Check the RPM or TPM code given for the model against the account's bedrock quotas.

    ``quotas`` is the full, paginated ListServiceQuotas(bedrock) result. ``NA`` (any case) is
    accepted only when no quota of that kind and mode names the model.
    """
    parameter = PARAMETER_NAMES[kind]
    mode = inference_mode(model_id)
    ranking = rank_quotas(kind, model_id, quotas)
    best = ranking.best
    right = ranking.unique
    hint = _hint(kind, model_id, mode, best)

    def fail(problem: QuotaProblem, message: str, given: QuotaInfo | None = None) -> QuotaCheck:
        return QuotaCheck(ok=False, problem=problem, message=message, suggestion=right,
                          tied=best if len(best) > 1 else (), given=given)

    if means_no_quota(code):
        if not best:
            return QuotaCheck(ok=True)
        return fail(
            QuotaProblem.QUOTA_EXISTS,
            f"{parameter} is {NO_QUOTA_CODE}, but model {model_id} has a {kind_adjective(kind)} quota "
            f"for {mode.description} inference{hint}",
        )
    if not is_well_formed_code(code):
        fixed = suggested_code(code)
        fix = f" — write it as {fixed}" if fixed else ""
        return fail(
            QuotaProblem.MALFORMED,
            f"{parameter} {code!r} is not a Service Quotas code: expected 'L-' and 8 upper-case "
            f"hexadecimal characters (like L-3DCCFAA4), or {NO_QUOTA_CODE} when the model has no "
            f"such quota{fix}{hint}",
        )
    quota = next((q for q in quotas if q.code == code), None)
    if quota is None:
        return fail(
            QuotaProblem.UNKNOWN,
            f"{parameter} {code} is not an Amazon Bedrock quota in this account and region{hint}. "
            f"Codes of other services or regions do not fit; `make quota-codes MODEL={model_id}` "
            f"lists the model's codes",
        )
    is_ = f"{parameter} {code} is '{quota.name}'"
    if is_mantle_quota(quota.name):
        return fail(
            QuotaProblem.MANTLE,
            f"{is_}, a quota of the bedrock-mantle endpoint, which this stack does not monitor{hint}",
        )
    found_rate = quota_rate(quota.name)
    if found_rate is not _as_rate(kind):
        what = (
            f"a {found_rate.adjective} quota"
            if found_rate
            else "neither a requests- nor a tokens-per-minute quota"
        )
        return fail(
            QuotaProblem.WRONG_KIND,
            f"{is_}, {what}, but {parameter} needs a {kind_adjective(kind)} quota{hint}",
        )
    found_mode = quota_mode(quota.name)
    mode_ok = found_mode is mode
    model_ok = names_model(quota.name, model_id)
    if mode_ok and model_ok:
        if quota in best and len(best) == 1:
            return QuotaCheck(ok=True, quota=quota, given=quota)
        if quota in best:
            return fail(
                QuotaProblem.TIED,
                f"{is_}, but {len(best)} quotas name model {model_id} equally well: "
                f"{_listing(best)}; set {parameter} to the one your traffic uses",
                quota,
            )
        return fail(
            QuotaProblem.NOT_BEST,
            f"{is_}, a variant or a less exact name for model {model_id}; another quota names it "
            f"better{hint}",
            quota,
        )
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
            quota,
        )
    return fail(
        QuotaProblem.WRONG_MODE,
        f"{is_} ({found_words}), but model {model_id} uses {mode.description} inference{hint}",
        quota,
    )


def kind_adjective(kind: QuotaKind | QuotaRate) -> str:
    return _as_rate(kind).adjective


def _listing(quotas: Sequence[QuotaInfo]) -> str:
    return ", ".join(f"{q.code} ('{q.name}')" for q in quotas)


def _hint(kind: QuotaKind, model_id: str, mode: InferenceMode, best: Sequence[QuotaInfo]) -> str:
    if len(best) == 1:
        return f": use {best[0].code} ('{best[0].name}')"
    if best:
        return f": {len(best)} quotas name the model equally well, choose one: {_listing(best)}"
    return (
        f": this account and region list no {kind_adjective(kind)} quota for model {model_id} with "
        f"{mode.description} inference; check the model ID, or set {PARAMETER_NAMES[kind]} to "
        f"{NO_QUOTA_CODE} if the model has no such quota"
    )
