"""Quota codes validated against the model ID before the stack creates anything (SPEC §4.1)."""
from __future__ import annotations

import pytest

from ops_alert.alarms import QuotaKind
from ops_alert.quota_codes import (
    CodeCheckMode,
    InferenceMode,
    QuotaCheck,
    QuotaCodeError,
    QuotaInfo,
    QuotaProblem,
    QuotaRate,
    decide,
    find_quota,
    inference_mode,
    is_mantle_quota,
    is_quota_code,
    means_no_quota,
    model_tokens,
    names_model,
    parse_check_mode,
    quota_mode,
    quota_model_tokens,
    quota_rate,
    rank_quotas,
    suggested_code,
    validate_quota_code,
)

RPM, TPM = QuotaKind.RPM, QuotaKind.TPM
GLOBAL, GEO, ON_DEMAND = InferenceMode.GLOBAL, InferenceMode.GEO_CROSS_REGION, InferenceMode.ON_DEMAND

OPUS_46_GLOBAL = "global.anthropic.claude-opus-4-6-v1"
GR = "Global cross-region model inference"
CR = "Cross-region model inference"
OD = "On-demand model inference"


def q(code: str, name: str, value: float = 1_000.0) -> QuotaInfo:
    return QuotaInfo(code=code, name=name, value=value, adjustable=True)


# A slice of ListServiceQuotas(ServiceCode=bedrock) in the real naming styles.
QUOTAS: tuple[QuotaInfo, ...] = (
    q("L-3DD46812", f"{GR} requests per minute for Anthropic Claude Opus 4.6 V1", 10_000.0),
    q("L-3DCCFAA4", f"{GR} tokens per minute for Anthropic Claude Opus 4.6 V1", 6_250_000.0),
    q("L-0A0A0A01", f"{CR} requests per minute for Anthropic Claude Opus 4.6 V1"),
    q("L-0A0A0A02", f"{CR} tokens per minute for Anthropic Claude Opus 4.6 V1"),
    q("L-0B0B0B01", f"{OD} requests per minute for Anthropic Claude Opus 4.6"),
    q("L-0B0B0B02", f"{OD} tokens per minute for Anthropic Claude Opus 4.6"),
    q("L-0C0C0C01", f"{GR} requests per minute for Anthropic Claude Opus 4 V1"),
    q("L-0C0C0C02", f"{GR} tokens per minute for Anthropic Claude Opus 4 V1"),
    q("L-0D0D0D01", f"{CR} requests per minute for Anthropic Claude Sonnet 4.5 V1 1M Context Length"),
    q("L-0D0D0D02", f"{CR} requests per minute for Anthropic Claude Sonnet 4.5 V1"),
    q("L-0E0E0E01", f"{OD} requests per minute for Anthropic Claude 3 Sonnet"),
    q("L-0E0E0E02", f"{OD} requests per minute for Anthropic Claude 3.5 Sonnet"),
    q("L-0E0E0E03", f"{OD} requests per minute for Anthropic Claude 3.5 Sonnet V2"),
    q("L-0F0F0F01", f"{OD} requests per minute for Meta Llama 3.1 70B Instruct"),
    q("L-0F0F0F02", f"{OD} requests per minute for Meta Llama 3 70B Instruct"),
    q("L-0F0F0F03", f"{CR} requests per minute for Meta Llama 4 Scout 17B Instruct V1"),
    q("L-1A1A1A01", f"{OD} requests per minute for Amazon Nova Pro"),
    q("L-1A1A1A02", f"{CR} requests per minute for Amazon Nova Premier V1"),
    q("L-1B1B1B01", f"{OD} tokens per minute for Mistral AI Mistral Large (24.07)"),
    q("L-1C1C1C01", f"{CR} requests per minute for DeepSeek R1 V1"),
    q("L-1D1D1D01", f"{OD} requests per minute for Cohere Command R+"),
    q("L-1D1D1D02", f"{OD} requests per minute for Cohere Command R"),
    q("L-1E1E1E01", f"{OD} requests per minute for AI21 Labs Jamba 1.5 Large"),
    # Not for this stack: the bedrock-mantle endpoint, and a quota that is neither RPM nor TPM.
    q("L-2A2A2A01", f"{GR} requests per minute for Anthropic Claude Opus 4.6 V1 on bedrock-mantle"),
    q("L-2B2B2B01", "Model units per provisioned model for Anthropic Claude Opus 4.6"),
    q("L-2C2C2C01", "Batch inference job size (in GB) for Anthropic Claude Opus 4.6"),
)
BY_CODE = {x.code: x for x in QUOTAS}


@pytest.mark.parametrize(
    ("model_id", "tokens"),
    [
        (OPUS_46_GLOBAL, ("claude", "opus", "4.6")),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", ("claude", "sonnet", "4.5")),
        ("anthropic.claude-opus-4-6-v1", ("claude", "opus", "4.6")),
        ("meta.llama3-1-70b-instruct-v1:0", ("llama", "3.1", "70b", "instruct")),
        ("meta.llama4-scout-17b-instruct-v1:0", ("llama", "4", "scout", "17b", "instruct")),
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", ("claude", "3.5", "sonnet")),
        ("anthropic.claude-3-sonnet-20240229-v1:0", ("claude", "3", "sonnet")),
        ("amazon.nova-pro-v1:0", ("nova", "pro")),
        ("us.amazon.nova-premier-v1:0", ("nova", "premier")),
        ("mistral.mistral-large-2407-v1:0", ("mistral", "large", "2407")),
        ("deepseek.r1-v1:0", ("r", "1")),
        ("cohere.command-r-plus-v1:0", ("command", "r", "plus")),
        # Beyond the brief's list: later versions, geo prefixes, other suffixes.
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", ("claude", "3.5", "sonnet", "v2")),
        ("apac.anthropic.claude-3-5-sonnet-20241022-v2:0", ("claude", "3.5", "sonnet", "v2")),
        ("us-gov.anthropic.claude-3-haiku-20240307-v1:0", ("claude", "3", "haiku")),
        ("mistral.mixtral-8x7b-instruct-v0:1", ("mixtral", "8x", "7b", "instruct")),
        ("amazon.titan-text-express-v1:0:8k", ("titan", "text", "express")),
        ("deepseek.v3-v1:0", ("v3",)),
        ("ai21.jamba-1-5-large-v1:0", ("jamba", "1.5", "large")),
        ("  Global.Anthropic.Claude-Opus-4-6-V1  ", ("claude", "opus", "4.6")),
        ("claude-opus-4-6", ("claude", "opus", "4.6")),  # bare, no provider
        ("acme.model-1-2-3-v1:0", ("model", "1.2", "3")),  # numbers merge in pairs only
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_model_tokens(model_id, tokens):
    assert model_tokens(model_id) == tokens


@pytest.mark.parametrize("model_id", ["", "   "], ids=["empty", "blank"])
def test_model_tokens_of_empty_id_is_an_error(model_id):
    with pytest.raises(ValueError, match="model ID must not be empty"):
        model_tokens(model_id)


@pytest.mark.parametrize(
    ("model_id", "mode"),
    [
        (OPUS_46_GLOBAL, GLOBAL),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", GEO),
        ("eu.anthropic.claude-sonnet-4-5-20250929-v1:0", GEO),
        ("apac.anthropic.claude-sonnet-4-5-20250929-v1:0", GEO),  # 4 letters
        ("jp.anthropic.claude-sonnet-4-5-20250929-v1:0", GEO),
        ("au.anthropic.claude-sonnet-4-5-20250929-v1:0", GEO),
        ("ca.anthropic.claude-sonnet-4-5-20250929-v1:0", GEO),
        ("us-gov.anthropic.claude-3-haiku-20240307-v1:0", GEO),  # hyphenated
        ("anthropic.claude-opus-4-6-v1", ON_DEMAND),
        ("meta.llama3-1-70b-instruct-v1:0", ON_DEMAND),
        ("ai21.jamba-1-5-large-v1:0", ON_DEMAND),
        ("xai.grok-3-v1:0", ON_DEMAND),  # a 3-letter provider is not a geography
        ("claude-opus-4-6", ON_DEMAND),
    ],
    ids=["global", "us", "eu", "apac", "jp", "au", "ca", "us-gov", "anthropic", "meta", "ai21", "3-letter-provider", "bare"],
)
def test_inference_mode_of_model_id(model_id, mode):
    assert inference_mode(model_id) is mode


@pytest.mark.parametrize(
    ("quota_name", "tokens"),
    [
        (f"{GR} requests per minute for Anthropic Claude Opus 4.6 V1", ("anthropic", "claude", "opus", "4.6")),
        (f"{OD} tokens per minute for Anthropic Claude 3.5 Sonnet", ("anthropic", "claude", "3.5", "sonnet")),
        (f"{OD} tokens per minute for Anthropic Claude 3.5 Sonnet V2", ("anthropic", "claude", "3.5", "sonnet", "v2")),
        (f"{OD} requests per minute for Meta Llama 3.1 70B Instruct", ("meta", "llama", "3.1", "70b", "instruct")),
        (f"{OD} tokens per minute for Mistral Large (24.07)", ("mistral", "large", "2407")),
        (f"{OD} requests per minute for Cohere Command R+", ("cohere", "command", "r", "plus")),
        (f"{CR} tokens per minute for Anthropic Claude Sonnet 4 V1 1M Context Length", ("anthropic", "claude", "sonnet", "4", "1m", "context", "length")),
        ("Model units per provisioned model", ()),
    ],
    ids=["trailing-v1-ignored", "decimal-kept", "v2-kept", "size-token", "year-month", "plus-sign", "v1-inside", "no-for"],
)
def test_quota_model_tokens(quota_name, tokens):
    assert quota_model_tokens(quota_name) == tokens


@pytest.mark.parametrize(
    ("quota_model", "model_id", "expected"),
    [
        ("Anthropic Claude Opus 4.6 V1", OPUS_46_GLOBAL, True),
        ("Anthropic Claude Opus 4.6", "anthropic.claude-opus-4-6-v1", True),
        ("Claude Opus 4.6", OPUS_46_GLOBAL, True),  # provider word absent: fine
        ("Anthropic Claude Opus 4", OPUS_46_GLOBAL, False),  # 4 is not 4.6
        ("Anthropic Claude Opus 4.6 V1", "global.anthropic.claude-opus-4-20250514-v1:0", False),  # 4.6 is not 4
        ("Anthropic Claude Opus 4 V1", "global.anthropic.claude-opus-4-20250514-v1:0", True),
        ("Anthropic Claude Opus 4.5", OPUS_46_GLOBAL, False),
        ("Anthropic Claude Sonnet 4.6", OPUS_46_GLOBAL, False),  # same number, other model
        ("Anthropic Claude Sonnet 4.5 V1", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", True),
        ("Anthropic Claude 3 Sonnet", "anthropic.claude-3-5-sonnet-20240620-v1:0", False),
        ("Anthropic Claude 3.5 Sonnet", "anthropic.claude-3-sonnet-20240229-v1:0", False),  # 3 ≠ 3.5
        ("Anthropic Claude 3.5 Sonnet", "anthropic.claude-3-5-sonnet-20240620-v1:0", True),
        ("Anthropic Claude 3.5 Sonnet V2", "anthropic.claude-3-5-sonnet-20240620-v1:0", False),
        ("Anthropic Claude 3.5 Sonnet V2", "anthropic.claude-3-5-sonnet-20241022-v2:0", True),
        ("Anthropic Claude 3.5 Sonnet", "anthropic.claude-3-5-sonnet-20241022-v2:0", False),
        ("Anthropic Claude 5 Sonnet", "anthropic.claude-3-5-sonnet-20240620-v1:0", False),  # 5 is not 3.5
        ("Meta Llama 3.1 70B Instruct", "meta.llama3-1-70b-instruct-v1:0", True),
        ("Meta Llama 3.1 70B Instruct", "meta.llama3-70b-instruct-v1:0", False),
        ("Meta Llama 3 70B Instruct", "meta.llama3-1-70b-instruct-v1:0", False),
        ("Meta Llama 3.1 8B Instruct", "meta.llama3-1-70b-instruct-v1:0", False),  # 8b is not 70b
        ("Meta Llama 3.1 7B Instruct", "meta.llama3-1-70b-instruct-v1:0", False),  # no substring match
        ("Meta Llama 4 Scout 17B Instruct V1", "us.meta.llama4-scout-17b-instruct-v1:0", True),
        ("Meta Llama 4 Maverick 17B Instruct V1", "us.meta.llama4-scout-17b-instruct-v1:0", False),
        ("Amazon Nova Pro", "amazon.nova-pro-v1:0", True),
        ("Amazon Nova Premier V1", "amazon.nova-pro-v1:0", False),
        ("Amazon Nova Premier V1", "us.amazon.nova-premier-v1:0", True),
        ("Mistral AI Mistral Large (24.07)", "mistral.mistral-large-2407-v1:0", True),
        ("Mistral Large 2407", "mistral.mistral-large-2407-v1:0", True),
        ("Mistral AI Mistral Large (24.02)", "mistral.mistral-large-2407-v1:0", False),
        ("DeepSeek R1 V1", "us.deepseek.r1-v1:0", True),
        ("DeepSeek-R1", "deepseek.r1-v1:0", True),
        ("Cohere Command R+", "cohere.command-r-plus-v1:0", True),
        ("Cohere Command R Plus", "cohere.command-r-plus-v1:0", True),
        ("Cohere Command R", "cohere.command-r-plus-v1:0", False),
        ("Cohere Command R+", "cohere.command-r-v1:0", False),  # "+" names the sibling model
        ("AI21 Labs Jamba 1.5 Large", "ai21.jamba-1-5-large-v1:0", True),
        ("Anthropic Claude Sonnet 4.5 V1 1M Context Length", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", True),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_names_model(quota_model, model_id, expected):
    assert names_model(f"{GR} requests per minute for {quota_model}", model_id) is expected


def test_names_model_needs_a_model_in_the_quota_name():
    assert names_model("Model units per provisioned model", OPUS_46_GLOBAL) is False


@pytest.mark.parametrize(
    ("quota_name", "mode"),
    [
        (f"{GR} requests per minute for Anthropic Claude Opus 4.6 V1", GLOBAL),
        ("global cross-region model inference tokens per minute for X", GLOBAL),
        (f"{CR} requests per minute for Anthropic Claude Opus 4.6 V1", GEO),
        (f"{OD} tokens per minute for Anthropic Claude Opus 4.6", ON_DEMAND),
        ("On-demand InvokeModel requests per minute for Anthropic Claude 3 Sonnet", ON_DEMAND),
        ("Model units per provisioned model for Anthropic Claude Opus 4.6", None),
        ("Batch inference job size for Anthropic Claude 3 Sonnet", None),
        ("", None),
    ],
    ids=["global", "global-lower-case", "geo", "on-demand", "on-demand-older-wording", "provisioned", "batch", "empty"],
)
def test_quota_mode_from_quota_name_prefix(quota_name, mode):
    assert quota_mode(quota_name) is mode


@pytest.mark.parametrize(
    ("quota_name", "expected"),
    [
        (f"{GR} requests per minute for Anthropic Claude Opus 4.6 V1 on bedrock-mantle", True),
        ("Bedrock Mantle requests per minute for Anthropic Claude Opus 4.6", True),
        ("MANTLE endpoint tokens per minute", True),
        (f"{GR} requests per minute for Anthropic Claude Opus 4.6 V1", False),
    ],
    ids=["suffix", "prefix", "upper-case", "regular"],
)
def test_is_mantle_quota(quota_name, expected):
    assert is_mantle_quota(quota_name) is expected


@pytest.mark.parametrize(
    ("kind", "model_id", "code"),
    [
        (RPM, OPUS_46_GLOBAL, "L-3DD46812"),
        (TPM, OPUS_46_GLOBAL, "L-3DCCFAA4"),
        (RPM, "us.anthropic.claude-opus-4-6-v1", "L-0A0A0A01"),
        (TPM, "eu.anthropic.claude-opus-4-6-v1", "L-0A0A0A02"),
        (RPM, "anthropic.claude-opus-4-6-v1", "L-0B0B0B01"),
        (TPM, "anthropic.claude-opus-4-6-v1", "L-0B0B0B02"),
        (RPM, "global.anthropic.claude-opus-4-20250514-v1:0", "L-0C0C0C01"),
        # Two quotas name Sonnet 4.5: the plain one wins over the 1M-context variant.
        (RPM, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "L-0D0D0D02"),
        (RPM, "anthropic.claude-3-sonnet-20240229-v1:0", "L-0E0E0E01"),
        (RPM, "anthropic.claude-3-5-sonnet-20240620-v1:0", "L-0E0E0E02"),
        (RPM, "anthropic.claude-3-5-sonnet-20241022-v2:0", "L-0E0E0E03"),
        (RPM, "meta.llama3-1-70b-instruct-v1:0", "L-0F0F0F01"),
        (RPM, "meta.llama3-70b-instruct-v1:0", "L-0F0F0F02"),
        (RPM, "us.meta.llama4-scout-17b-instruct-v1:0", "L-0F0F0F03"),
        (RPM, "amazon.nova-pro-v1:0", "L-1A1A1A01"),
        (RPM, "us.amazon.nova-premier-v1:0", "L-1A1A1A02"),
        (TPM, "mistral.mistral-large-2407-v1:0", "L-1B1B1B01"),
        (RPM, "us.deepseek.r1-v1:0", "L-1C1C1C01"),
        (RPM, "cohere.command-r-plus-v1:0", "L-1D1D1D01"),
        (RPM, "cohere.command-r-v1:0", "L-1D1D1D02"),
        (RPM, "ai21.jamba-1-5-large-v1:0", "L-1E1E1E01"),
        # No quota of that kind / mode / model.
        (TPM, "amazon.nova-pro-v1:0", None),
        (RPM, "global.anthropic.claude-sonnet-4-5-20250929-v1:0", None),
        (RPM, "deepseek.r1-v1:0", None),  # only the cross-region quota exists
        (RPM, "anthropic.claude-3-haiku-20240307-v1:0", None),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_find_quota(kind, model_id, code):
    found = find_quota(kind, model_id, QUOTAS)
    assert (found.code if found else None) == code
    # The answer does not depend on the order Service Quotas lists the quotas in.
    again = find_quota(kind, model_id, tuple(reversed(QUOTAS)))
    assert (again.code if again else None) == code


def test_find_quota_never_breaks_a_tie_by_code():
    # Issue 8: the old rule picked the smallest code among equal candidates. A tie is the user's
    # choice: no single best quota, and validation lists both (see test_a_tie_is_refused_listing_both).
    twins = (
        q("L-FFFFFFFF", f"{GR} requests per minute for Anthropic Claude Opus 4.6 V1"),
        q("L-00000001", f"{GR} requests per minute for Anthropic Claude Opus 4.6"),
    )
    assert find_quota(RPM, OPUS_46_GLOBAL, twins) is None
    assert find_quota(RPM, OPUS_46_GLOBAL, twins[::-1]) is None
    assert [x.code for x in rank_quotas(RPM, OPUS_46_GLOBAL, twins).best] == ["L-00000001", "L-FFFFFFFF"]


def test_find_quota_skips_mantle_quotas():
    only_mantle = (BY_CODE["L-2A2A2A01"],)
    assert find_quota(RPM, OPUS_46_GLOBAL, only_mantle) is None


@pytest.mark.parametrize(
    ("code", "kind", "model_id", "expected_code"),
    [
        ("L-3DD46812", RPM, OPUS_46_GLOBAL, "L-3DD46812"),
        ("L-3DCCFAA4", TPM, OPUS_46_GLOBAL, "L-3DCCFAA4"),
        ("L-0A0A0A01", RPM, "us.anthropic.claude-opus-4-6-v1", "L-0A0A0A01"),
        ("L-0B0B0B02", TPM, "anthropic.claude-opus-4-6-v1", "L-0B0B0B02"),
        ("NA", TPM, "amazon.nova-pro-v1:0", None),
        ("na", TPM, "amazon.nova-pro-v1:0", None),
        (" NA ", RPM, "global.anthropic.claude-sonnet-4-5-20250929-v1:0", None),
    ],
    ids=["global-rpm", "global-tpm", "geo-rpm", "on-demand-tpm", "na", "na-lower", "na-padded"],
)
def test_validate_accepts_a_code_that_fits(code, kind, model_id, expected_code):
    check = validate_quota_code(code, kind, model_id, QUOTAS)
    assert check.ok, check.message
    assert check.problem is None
    assert (check.quota.code if check.quota else None) == expected_code
    assert check.require() is check.quota


@pytest.mark.parametrize(
    ("code", "kind", "model_id", "problem", "suggested", "fragments"),
    [
        (
            "L-0B0B0B01",
            RPM,
            OPUS_46_GLOBAL,
            QuotaProblem.WRONG_MODE,
            "L-3DD46812",
            (
                "RequestsPerMinuteQuotaCode L-0B0B0B01 is 'On-demand model inference requests per minute "
                "for Anthropic Claude Opus 4.6' (on-demand), but model global.anthropic.claude-opus-4-6-v1 "
                "uses global cross-region inference: use L-3DD46812 ('Global cross-region model inference "
                "requests per minute for Anthropic Claude Opus 4.6 V1')",
            ),
        ),
        (
            "L-3DD46812",
            RPM,
            "us.anthropic.claude-opus-4-6-v1",
            QuotaProblem.WRONG_MODE,
            "L-0A0A0A01",
            ("(global cross-region), but model us.anthropic.claude-opus-4-6-v1 uses geographic cross-region", "use L-0A0A0A01"),
        ),
        (
            "L-3DCCFAA4",
            RPM,
            OPUS_46_GLOBAL,
            QuotaProblem.WRONG_KIND,
            "L-3DD46812",
            ("a tokens-per-minute quota, but RequestsPerMinuteQuotaCode needs a requests-per-minute quota", "use L-3DD46812"),
        ),
        (
            "L-3DD46812",
            TPM,
            OPUS_46_GLOBAL,
            QuotaProblem.WRONG_KIND,
            "L-3DCCFAA4",
            ("TokensPerMinuteQuotaCode L-3DD46812", "a requests-per-minute quota", "use L-3DCCFAA4"),
        ),
        (
            "L-2B2B2B01",
            RPM,
            OPUS_46_GLOBAL,
            QuotaProblem.WRONG_KIND,
            "L-3DD46812",
            ("'Model units per provisioned model", "neither a requests- nor a tokens-per-minute quota", "use L-3DD46812"),
        ),
        (
            "L-0C0C0C01",
            RPM,
            OPUS_46_GLOBAL,
            QuotaProblem.WRONG_MODEL,
            "L-3DD46812",
            ("Claude Opus 4 V1', which does not name model global.anthropic.claude-opus-4-6-v1", "claude opus 4.6", "use L-3DD46812"),
        ),
        (
            "L-3DD46812",
            RPM,
            "global.anthropic.claude-opus-4-20250514-v1:0",
            QuotaProblem.WRONG_MODEL,
            "L-0C0C0C01",
            ("does not name model global.anthropic.claude-opus-4-20250514-v1:0", "use L-0C0C0C01"),
        ),
        (
            "L-0E0E0E01",
            RPM,
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            QuotaProblem.WRONG_MODEL,
            "L-0E0E0E02",
            ("Claude 3 Sonnet', which does not name model", "use L-0E0E0E02"),
        ),
        (
            "L-0F0F0F01",
            RPM,
            "us.meta.llama3-70b-instruct-v1:0",
            QuotaProblem.WRONG_MODEL,
            None,
            (
                "and is for on-demand inference while the model uses geographic cross-region",
                "list no requests-per-minute quota for model us.meta.llama3-70b-instruct-v1:0 with geographic cross-region inference",
                "set RequestsPerMinuteQuotaCode to NA",
            ),
        ),
        (
            "L-2A2A2A01",
            RPM,
            OPUS_46_GLOBAL,
            QuotaProblem.MANTLE,
            "L-3DD46812",
            ("a quota of the bedrock-mantle endpoint", "use L-3DD46812"),
        ),
        (
            "L-ABCDEF12",
            TPM,
            OPUS_46_GLOBAL,
            QuotaProblem.UNKNOWN,
            "L-3DCCFAA4",
            ("TokensPerMinuteQuotaCode L-ABCDEF12 is not an Amazon Bedrock quota in this account and region", "use L-3DCCFAA4"),
        ),
        (
            "L-ABCDEF12",
            TPM,
            "amazon.nova-pro-v1:0",
            QuotaProblem.UNKNOWN,
            None,
            ("not an Amazon Bedrock quota", "set TokensPerMinuteQuotaCode to NA if the model has no such quota"),
        ),
        ("l-3dd46812", RPM, OPUS_46_GLOBAL, QuotaProblem.MALFORMED, "L-3DD46812", ("'l-3dd46812' is not a Service Quotas code", "upper-case", "use L-3DD46812")),
        (" L-3DD46812", RPM, OPUS_46_GLOBAL, QuotaProblem.MALFORMED, "L-3DD46812", ("' L-3DD46812'",)),
        ("L-3DD4681", RPM, OPUS_46_GLOBAL, QuotaProblem.MALFORMED, "L-3DD46812", ("'L-3DD4681'",)),
        ("L-3DD46812X", RPM, OPUS_46_GLOBAL, QuotaProblem.MALFORMED, "L-3DD46812", ("'L-3DD46812X'",)),
        ("L-3DD4681G", RPM, OPUS_46_GLOBAL, QuotaProblem.MALFORMED, "L-3DD46812", ("'L-3DD4681G'",)),
        ("", RPM, OPUS_46_GLOBAL, QuotaProblem.MALFORMED, "L-3DD46812", ("RequestsPerMinuteQuotaCode '' is not",)),
        (
            "NA",
            RPM,
            OPUS_46_GLOBAL,
            QuotaProblem.QUOTA_EXISTS,
            "L-3DD46812",
            ("RequestsPerMinuteQuotaCode is NA, but model global.anthropic.claude-opus-4-6-v1 has a requests-per-minute quota for global cross-region inference: use L-3DD46812",),
        ),
        ("NA", TPM, "mistral.mistral-large-2407-v1:0", QuotaProblem.QUOTA_EXISTS, "L-1B1B1B01", ("use L-1B1B1B01",)),
    ],
    ids=[
        "on-demand-code-for-global-model",
        "global-code-for-geo-model",
        "tpm-code-as-rpm",
        "rpm-code-as-tpm",
        "not-a-per-minute-quota",
        "opus-4-for-opus-4.6",
        "opus-4.6-for-opus-4",
        "claude-3-for-claude-3.5",
        "wrong-model-and-mode-no-alternative",
        "mantle",
        "unknown-code",
        "unknown-code-no-alternative",
        "lower-case",
        "leading-space",
        "too-short",
        "too-long",
        "not-hex",
        "empty",
        "na-but-quota-exists",
        "na-tpm-but-quota-exists",
    ],
)
def test_validate_rejects_with_an_actionable_message(code, kind, model_id, problem, suggested, fragments):
    check = validate_quota_code(code, kind, model_id, QUOTAS)
    assert not check.ok
    assert check.quota is None
    assert check.problem is problem
    assert (check.suggestion.code if check.suggestion else None) == suggested
    for fragment in fragments:
        assert fragment in check.message
    with pytest.raises(QuotaCodeError) as raised:
        check.require()
    assert str(raised.value) == check.message
    assert isinstance(raised.value, ValueError)


def test_validate_against_an_empty_quota_list():
    check = validate_quota_code("L-3DD46812", RPM, OPUS_46_GLOBAL, ())
    assert check.problem is QuotaProblem.UNKNOWN
    assert validate_quota_code("NA", RPM, OPUS_46_GLOBAL, ()).ok


def test_validate_reports_an_unrecognised_mode_of_a_matching_quota():
    odd = q("L-12345678", "Provisioned model inference requests per minute for Anthropic Claude Opus 4.6")
    check = validate_quota_code("L-12345678", RPM, OPUS_46_GLOBAL, (*QUOTAS, odd))
    assert check.problem is QuotaProblem.WRONG_MODE
    assert "(no recognised inference mode), but model" in check.message


def test_inference_mode_descriptions():
    assert [m.description for m in InferenceMode] == ["global cross-region", "geographic cross-region", "on-demand"]


def test_quota_check_defaults_to_a_plain_success():
    assert QuotaCheck(ok=True).require() is None


# -- Model generations and bare release suffixes ----------------------------------------------------
# A number the QuotaName has on its own (a model generation: "Nova 2 Lite", "Mistral Large 3")
# names another model than an ID without it; numbers glued to letters ("AI21", "G1", "R1") and
# the model's own numbers do not.
@pytest.mark.parametrize(
    ("quota_model", "model_id", "expected"),
    [
        ("Amazon Nova 2 Lite", "amazon.nova-lite-v1:0", False),
        ("Amazon Nova Lite", "amazon.nova-2-lite-v1:0", False),
        ("Amazon Nova 2 Lite", "amazon.nova-2-lite-v1:0", True),
        ("Amazon Nova 2 Sonic", "amazon.nova-sonic-v1:0", False),
        ("Mistral Large 3", "mistral.mistral-large-v1:0", False),
        ("Mistral AI Mistral Large (24.07)", "mistral.mistral-large-v1:0", False),
        ("AI21 Labs Jamba 1.5 Large", "ai21.jamba-1-5-large-v1:0", True),  # "21" is the provider's
        ("Amazon Titan Text G1 - Express", "amazon.titan-text-express-v1", True),  # glued: a label
        ("DeepSeek-R1", "deepseek.r1-v1:0", True),
        ("Anthropic Claude Sonnet 4 V1 1M Context Length", "us.anthropic.claude-sonnet-4-20250514-v1:0", True),
        ("Mistral Pixtral Large 25.02 V1", "us.mistral.pixtral-large-2502-v1:0", True),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_names_model_rejects_a_quota_for_another_generation(quota_model, model_id, expected):
    assert names_model(f"{CR} requests per minute for {quota_model}", model_id) is expected


def test_a_nova_2_lite_code_is_rejected_for_nova_lite_and_the_right_code_is_named():
    quotas = (
        q("L-2E2E2E01", f"{OD} requests per minute for Amazon Nova 2 Lite"),
        q("L-2E2E2E02", f"{OD} requests per minute for Amazon Nova Lite"),
    )
    check = validate_quota_code("L-2E2E2E01", RPM, "amazon.nova-lite-v1:0", quotas)
    assert check.problem is QuotaProblem.WRONG_MODEL
    assert "use L-2E2E2E02" in check.message
    # Only the Nova 2 Lite quota listed: NA is right for Nova Lite, the Nova 2 code is not.
    assert validate_quota_code("NA", RPM, "amazon.nova-lite-v1:0", quotas[:1]).ok


# Real IDs whose release suffix is a bare "-1" before ":0" (openai.gpt-oss-120b-1:0).
@pytest.mark.parametrize(
    ("model_id", "tokens"),
    [
        ("openai.gpt-oss-120b-1:0", ("gpt", "oss", "120b")),
        ("openai.gpt-oss-20b-1:0", ("gpt", "oss", "20b")),
        ("us.openai.gpt-oss-120b-1:0", ("gpt", "oss", "120b")),
        ("xai.grok-3-v1:0", ("grok", "3")),  # a model number stays
        ("acme.model-4-1:0", ("model", "4.1")),  # number pairs stay a version
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_model_tokens_drop_a_bare_release_suffix(model_id, tokens):
    assert model_tokens(model_id) == tokens


def test_gpt_oss_codes_validate():
    quotas = (
        q("L-3F3F3F01", f"{OD} requests per minute for OpenAI gpt-oss-120b"),
        q("L-3F3F3F02", f"{OD} tokens per minute for OpenAI GPT OSS 120B"),
        q("L-3F3F3F03", f"{OD} requests per minute for OpenAI gpt-oss-20b"),
        q("L-3F3F3F04", f"{OD} requests per minute for OpenAI GPT OSS 120B (bedrock-mantle)"),
    )
    assert validate_quota_code("L-3F3F3F01", RPM, "openai.gpt-oss-120b-1:0", quotas).ok
    assert validate_quota_code("L-3F3F3F02", TPM, "openai.gpt-oss-120b-1:0", quotas).ok
    assert validate_quota_code("L-3F3F3F03", RPM, "openai.gpt-oss-120b-1:0", quotas).problem is QuotaProblem.WRONG_MODEL
    assert validate_quota_code("NA", RPM, "openai.gpt-oss-120b-1:0", quotas).problem is QuotaProblem.QUOTA_EXISTS


# A provider of two or three letters ("zai") is not a geography when no provider segment follows:
# in "zai.glm-4.6" the second segment has a hyphen, which no provider name has.
@pytest.mark.parametrize(
    ("model_id", "mode", "tokens"),
    [
        ("zai.glm-4.6", ON_DEMAND, ("glm", "4.6")),
        ("us.zai.glm-4.6", GEO, ("glm", "4.6")),
        ("us.deepseek.r1-v1:0", GEO, ("r", "1")),
        ("us.anthropic.claude-3-5-sonnet-20240620-v1:0", GEO, ("claude", "3.5", "sonnet")),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_short_provider_before_a_dotted_version_is_not_a_geography(model_id, mode, tokens):
    assert inference_mode(model_id) is mode
    assert model_tokens(model_id) == tokens


NO_QUOTA_SPELLINGS = [
    ("code", "L-3DCCFAA4", False, True),
    ("code-padded", " L-3DCCFAA4 ", False, True),
    ("na", "NA", True, False),
    ("na-lower", "na", True, False),
    ("na-padded", " Na ", True, False),
    ("empty", "", False, False),
    ("blank", "   ", False, False),
    ("n/a-is-not-the-code-spelling", "N/A", False, True),
]


@pytest.mark.parametrize(("code", "no_quota", "look_up"), [c[1:] for c in NO_QUOTA_SPELLINGS], ids=[c[0] for c in NO_QUOTA_SPELLINGS])
def test_the_one_na_rule(code: str, no_quota: bool, look_up: bool) -> None:
    assert means_no_quota(code) is no_quota
    assert is_quota_code(code) is look_up


# -- Ranking: variants, ties, per-day (issue 8) ------------------------------------------------------
SONNET_45_US = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


def test_a_variant_is_refused_naming_the_plain_quota():
    check = validate_quota_code("L-0D0D0D01", RPM, SONNET_45_US, QUOTAS)
    assert check.problem is QuotaProblem.NOT_BEST
    assert check.given == BY_CODE["L-0D0D0D01"]
    assert "a variant or a less exact name for model" in check.message
    assert "use L-0D0D0D02 ('Cross-region model inference requests per minute for Anthropic Claude Sonnet 4.5 V1')" in check.message


def test_a_tie_is_refused_listing_both():
    twins = (
        q("L-0000000A", f"{GR} requests per minute for Anthropic Claude Opus 4.6"),
        q("L-0000000B", f"{GR} requests per minute for Anthropic Claude Opus 4.6 V1"),
    )
    for code in ("L-0000000A", "L-0000000B"):
        check = validate_quota_code(code, RPM, OPUS_46_GLOBAL, twins)
        assert check.problem is QuotaProblem.TIED
        assert check.suggestion is None and check.tied == twins
        assert (f"2 quotas name model {OPUS_46_GLOBAL} equally well: L-0000000A ('{twins[0].name}'), "
                f"L-0000000B ('{twins[1].name}'); set RequestsPerMinuteQuotaCode to the one your traffic uses") in check.message
    na = validate_quota_code("NA", RPM, OPUS_46_GLOBAL, twins)
    assert na.problem is QuotaProblem.QUOTA_EXISTS
    assert "2 quotas name the model equally well, choose one: L-0000000A" in na.message


@pytest.mark.parametrize(
    ("quota_name", "rate"),
    [
        (f"{GR} requests per minute for X", QuotaRate.RPM),
        (f"{GR} tokens per minute for X", QuotaRate.TPM),
        ("Model invocation max tokens per day for X (doubled for cross-region calls)", QuotaRate.TPD),
        (f"{GR} tokens per day for X", QuotaRate.TPD),
        ("On-demand InvokeModel Requests Per Minute for Anthropic Claude 3 Sonnet", QuotaRate.RPM),
        ("Model units per provisioned model for X", None),
    ],
    ids=["rpm", "tpm", "per-day-shared", "per-day-global", "case-insensitive", "other"],
)
def test_quota_rate(quota_name, rate):
    assert quota_rate(quota_name) is rate


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        (SONNET_45_US, "L-5E5E5E01"),  # the shared per-day budget serves geographic profiles
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "L-5E5E5E01"),  # and on-demand calls
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "L-5E5E5E02"),  # global has its own
    ],
    ids=["geo", "on-demand", "global"],
)
def test_per_day_quota_by_mode(model_id, expected):
    quotas = (
        q("L-5E5E5E01", "Model invocation max tokens per day for Anthropic Claude Sonnet 4.5 V1 (doubled for cross-region calls)"),
        q("L-5E5E5E02", f"{GR} tokens per day for Anthropic Claude Sonnet 4.5 V1"),
        q("L-5E5E5E03", f"{GR} tokens per day for Anthropic Claude Sonnet 4.5 V1 1M Context Length"),
    )
    assert find_quota(QuotaRate.TPD, model_id, quotas).code == expected
    assert find_quota(TPM, model_id, quotas) is None  # never taken for a per-minute quota


def test_a_per_day_code_is_refused_as_a_per_minute_one():
    quotas = (*QUOTAS, q("L-5E5E5E01", "Model invocation max tokens per day for Anthropic Claude Opus 4.6 V1"))
    check = validate_quota_code("L-5E5E5E01", TPM, "us.anthropic.claude-opus-4-6-v1", quotas)
    assert check.problem is QuotaProblem.WRONG_KIND
    assert "a tokens-per-day quota, but TokensPerMinuteQuotaCode needs a tokens-per-minute quota: use L-0A0A0A02" in check.message


@pytest.mark.parametrize(
    ("code", "fixed"),
    [("l-3dd46812", "L-3DD46812"), ("L-3DD 46812", "L-3DD46812"), (" l-3dd46812\t", "L-3DD46812"),
     ("L-3DD46812", None), ("L-XYZ", None)],
    ids=["lower-case", "inner-space", "both", "already-right", "not-fixable"],
)
def test_suggested_code(code, fixed):
    assert suggested_code(code) == fixed


def test_a_malformed_code_names_the_fix():
    check = validate_quota_code("l-3dd46812", RPM, OPUS_46_GLOBAL, QUOTAS)
    assert "— write it as L-3DD46812" in check.message


def test_an_unknown_code_says_it_may_belong_to_another_service():
    message = validate_quota_code("L-1216C47A", RPM, OPUS_46_GLOBAL, QUOTAS).message
    assert f"Codes of other services or regions do not fit; `make quota-codes MODEL={OPUS_46_GLOBAL}`" in message


# -- QuotaCodeCheck --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "mode"),
    [(None, CodeCheckMode.STRICT), ("", CodeCheckMode.STRICT), ("Strict", CodeCheckMode.STRICT),
     ("WarnOnly", CodeCheckMode.WARN_ONLY), (" warnonly ", CodeCheckMode.WARN_ONLY)],
    ids=["absent", "empty", "strict", "warn-only", "any-case"],
)
def test_parse_check_mode(value, mode):
    assert parse_check_mode(value) is mode


def test_parse_check_mode_refuses_other_values():
    with pytest.raises(ValueError, match="QuotaCodeCheck must be Strict or WarnOnly, not 'Off'"):
        parse_check_mode("Off")


WRONG_MODE_RPM = ("L-0B0B0B01", RPM, OPUS_46_GLOBAL)  # on-demand code for a global profile


@pytest.mark.parametrize(
    ("args", "mode", "quota", "warns", "fails"),
    [
        (("L-3DD46812", RPM, OPUS_46_GLOBAL), CodeCheckMode.STRICT, "L-3DD46812", False, False),
        (WRONG_MODE_RPM, CodeCheckMode.STRICT, None, False, True),
        (WRONG_MODE_RPM, CodeCheckMode.WARN_ONLY, "L-0B0B0B01", True, False),
        (("L-0D0D0D01", RPM, SONNET_45_US), CodeCheckMode.WARN_ONLY, "L-0D0D0D01", True, False),
        (("NA", RPM, OPUS_46_GLOBAL), CodeCheckMode.WARN_ONLY, None, True, False),
        (("l-3dd46812", RPM, OPUS_46_GLOBAL), CodeCheckMode.WARN_ONLY, None, False, True),
        (("L-ABCDEF12", RPM, OPUS_46_GLOBAL), CodeCheckMode.WARN_ONLY, None, False, True),
        (("L-3DCCFAA4", RPM, OPUS_46_GLOBAL), CodeCheckMode.WARN_ONLY, None, False, True),
        (("L-2A2A2A01", RPM, OPUS_46_GLOBAL), CodeCheckMode.WARN_ONLY, None, False, True),
    ],
    ids=["fits", "strict-refuses", "warn-only-wrong-mode", "warn-only-variant", "warn-only-na", "malformed",
         "unknown", "wrong-kind", "mantle"],
)
def test_decide(args, mode, quota, warns, fails):
    check = validate_quota_code(*args, QUOTAS)
    if fails:
        with pytest.raises(QuotaCodeError) as raised:
            decide(check, mode)
        overridable = check.problem.overridable
        assert ("set QuotaCodeCheck to WarnOnly" in str(raised.value)) is overridable
        return
    decision = decide(check, mode)
    assert (decision.quota.code if decision.quota else None) == quota
    assert bool(decision.warning) is warns
    if warns:
        assert decision.warning == f"deployed anyway (QuotaCodeCheck=WarnOnly): {check.message}"
