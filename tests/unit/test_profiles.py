"""Application inference profiles: checks, resolution, siblings, metric math (SPEC §4.1, §4.2)."""
from __future__ import annotations

import pytest

from ops_alert.profiles import (
    APPLICATION,
    SYSTEM_DEFINED,
    BedrockArn,
    InferenceProfile,
    ProfileError,
    Siblings,
    check_application_profile,
    display_model_id,
    metric_expression,
    parse_bedrock_arn,
    resolve_application_profile,
    short_profile_id,
    sibling_profiles,
)

ACCOUNT = "123456789012"
OPUS = "anthropic.claude-opus-4-6-v1"
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"


def fm(region: str, model: str = OPUS, partition: str = "aws") -> str:
    return f"arn:{partition}:bedrock:{region}::foundation-model/{model}"


US_OPUS = (fm("us-east-1"), fm("us-east-2"), fm("us-west-2"))
GLOBAL_OPUS = (*US_OPUS, fm("eu-west-1"), fm("ap-northeast-1"), fm(""))


def system(profile_id: str, models: tuple[str, ...]) -> InferenceProfile:
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{profile_id}"
    return InferenceProfile(profile_id, arn, SYSTEM_DEFINED, "ACTIVE", models, profile_id)


def app(
    profile_id: str, models: tuple[str, ...], status: str = "ACTIVE", type_: str = APPLICATION
) -> InferenceProfile:
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/{profile_id}"
    return InferenceProfile(profile_id, arn, type_, status, models, f"team-{profile_id}")


SYSTEM_PROFILES = (
    system("us.anthropic.claude-opus-4-6-v1", US_OPUS),
    system("global.anthropic.claude-opus-4-6-v1", GLOBAL_OPUS),
    system("us.anthropic.claude-sonnet-4-5-20250929-v1:0", tuple(fm(r, SONNET) for r in ("us-east-1", "us-west-2"))),
)


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        (app("p1", US_OPUS, status="CREATING"), "is CREATING, not ACTIVE"),
        (app("p1", US_OPUS, type_=SYSTEM_DEFINED), "is of type SYSTEM_DEFINED, not APPLICATION: set InferenceProfileType to System-Defined"),
        (app("p1", ()), "lists no models"),
    ],
    ids=["not-active", "system-defined", "no-models"],
)
def test_check_application_profile_rejects(profile, message):
    with pytest.raises(ProfileError, match=message) as raised:
        check_application_profile(profile)
    assert "p1" in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_check_application_profile_accepts_an_active_application_profile():
    assert check_application_profile(app("p1", US_OPUS)) is None


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (app("p1", US_OPUS), "us.anthropic.claude-opus-4-6-v1"),
        (app("p1", tuple(reversed(US_OPUS))), "us.anthropic.claude-opus-4-6-v1"),  # order does not matter
        (app("p1", US_OPUS + US_OPUS[:1]), "us.anthropic.claude-opus-4-6-v1"),  # nor duplicates
        (app("p1", GLOBAL_OPUS), "global.anthropic.claude-opus-4-6-v1"),
        (app("p1", (fm("us-east-1"),)), OPUS),  # single foundation model: on-demand ID
        (app("p1", (fm("us-gov-west-1", partition="aws-us-gov"),)), OPUS),
        (app("p1", (fm("cn-north-1", partition="aws-cn"),)), OPUS),
        (app("p1", (fm("us-east-1", SONNET),)), SONNET),  # keeps the ":0"
    ],
    ids=["us-profile", "unsorted", "duplicates", "global-profile", "single-model", "govcloud", "china", "versioned-model"],
)
def test_resolve_application_profile(profile, expected):
    assert resolve_application_profile(profile, SYSTEM_PROFILES) == expected


def test_resolve_prefers_a_system_profile_over_the_single_model_fallback():
    single = (fm("us-east-1"),)
    regional = system("us-east-1-only.anthropic.claude-opus-4-6-v1", single)
    assert resolve_application_profile(app("p1", single), (*SYSTEM_PROFILES, regional)) == regional.profile_id


def test_resolve_breaks_ties_by_smallest_profile_id():
    twins = (system("zz.anthropic.claude-opus-4-6-v1", US_OPUS), system("aa.anthropic.claude-opus-4-6-v1", US_OPUS))
    assert resolve_application_profile(app("p1", US_OPUS), twins) == "aa.anthropic.claude-opus-4-6-v1"


def test_resolve_ignores_application_profiles_among_the_candidates():
    other_app = app("p2", US_OPUS)
    with pytest.raises(ProfileError):
        resolve_application_profile(app("p1", US_OPUS), (other_app,))


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        (app("p1", (fm("us-east-1"), fm("eu-west-3"))), "copies no system-defined inference profile"),
        (app("p1", (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.x",)), "is not a single foundation model"),
        (app("p1", ("not-an-arn",)), "models: not-an-arn"),
        (app("p1", US_OPUS, status="DELETING"), "not ACTIVE"),
    ],
    ids=["unknown-model-set", "profile-arn-not-model", "garbage-arn", "checked-first"],
)
def test_resolve_application_profile_fails_clearly(profile, message):
    with pytest.raises(ProfileError, match=message):
        resolve_application_profile(profile, SYSTEM_PROFILES)


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        (fm("us-east-1"), BedrockArn("aws", "us-east-1", "", "foundation-model", OPUS)),
        (
            f"arn:aws-us-gov:bedrock:us-gov-west-1:{ACCOUNT}:application-inference-profile/abc123",
            BedrockArn("aws-us-gov", "us-gov-west-1", ACCOUNT, "application-inference-profile", "abc123"),
        ),
        (
            f"arn:aws-iso-b:bedrock:us-isob-east-1:{ACCOUNT}:inference-profile/us.x",
            BedrockArn("aws-iso-b", "us-isob-east-1", ACCOUNT, "inference-profile", "us.x"),
        ),
        (f"arn:aws:s3:::bucket/{OPUS}", None),
        ("arn:aws:bedrock:us-east-1:12345:foundation-model/x", None),  # account must be 12 digits
        ("arn:other:bedrock:us-east-1::foundation-model/x", None),
        (OPUS, None),
    ],
    ids=["foundation-model", "govcloud-application", "iso-b-system", "other-service", "bad-account", "bad-partition", "not-an-arn"],
)
def test_parse_bedrock_arn(arn, expected):
    assert parse_bedrock_arn(arn) == expected


def test_sibling_profiles_monitored_first_then_sorted_and_filtered():
    me = app("mmm", US_OPUS)
    others = (
        app("zzz", tuple(reversed(US_OPUS))),  # same models, other order: a sibling
        app("aaa", US_OPUS),
        me,  # the monitored one appears in the listing too: not twice
        app("bbb", US_OPUS, status="CREATING"),  # not active
        app("ccc", GLOBAL_OPUS),  # other model list
        app("ddd", US_OPUS[:2]),  # a subset is not the same list
        system("us.anthropic.claude-opus-4-6-v1", US_OPUS),  # not an application profile
    )
    result = sibling_profiles(me, others)
    assert result == Siblings(profile_ids=("mmm", "aaa", "zzz"))
    assert not result.truncated


def test_sibling_profiles_without_siblings():
    me = app("mmm", US_OPUS)
    assert sibling_profiles(me, ()).profile_ids == ("mmm",)


@pytest.mark.parametrize(
    ("count", "alarmed", "outside"),
    [(0, 1, 0), (9, 10, 0), (10, 10, 1), (11, 10, 2), (200, 10, 191)],
    ids=["alone", "fits-the-alarm", "one-too-many", "twelve", "two-hundred-one"],
)
def test_usage_keeps_every_sibling_the_alarms_only_ten(count, alarmed, outside):
    me = app("p-999", US_OPUS)
    others = tuple(app(f"p-{i:03d}", US_OPUS) for i in range(count))
    result = sibling_profiles(me, reversed(others))
    assert result.total == len(result.profile_ids) == count + 1  # usage combines every one
    assert result.profile_ids[0] == "p-999"  # the monitored profile first, never the one left out
    assert list(result.profile_ids[1:]) == sorted(result.profile_ids[1:])
    assert result.alarm_profile_ids == result.profile_ids[:alarmed]
    assert result.outside_alarms == result.profile_ids[alarmed:] and len(result.outside_alarms) == outside
    assert result.truncated is (outside > 0)


@pytest.mark.parametrize(
    ("n", "expression"),
    [(1, "m1"), (2, "m1+m2"), (3, "m1+m2+m3"), (10, "m1+m2+m3+m4+m5+m6+m7+m8+m9+m10")],
    ids=["1", "2", "3", "10"],
)
def test_metric_expression(n, expression):
    assert metric_expression(n) == expression


@pytest.mark.parametrize("n", [0, 11, -1, True, "3", 1.0], ids=["0", "11", "negative", "bool", "string", "float"])
def test_metric_expression_rejects_bad_counts(n):
    with pytest.raises(ValueError, match="number of metrics must be an integer from 1 to 10"):
        metric_expression(n)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/abc123def456", "abc123def456"),
        (f"arn:aws-us-gov:bedrock:us-gov-west-1:{ACCOUNT}:application-inference-profile/abc123", "abc123"),
        (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.anthropic.claude-opus-4-6-v1", "us.anthropic.claude-opus-4-6-v1"),
        ("abc123def456", "abc123def456"),
        (" abc123def456 ", "abc123def456"),
        ("global.anthropic.claude-opus-4-6-v1", "global.anthropic.claude-opus-4-6-v1"),
    ],
    ids=["application-arn", "govcloud-arn", "system-profile-arn", "short-id", "padded", "system-id"],
)
def test_short_profile_id(value, expected):
    assert short_profile_id(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "must not be empty"),
        ("  ", "must not be empty"),
        (fm("us-east-1"), "is not an inference profile ARN"),
        ("arn:aws:s3:::bucket/key", "is not an inference profile ARN"),
    ],
    ids=["empty", "blank", "foundation-model-arn", "other-arn"],
)
def test_short_profile_id_rejects(value, message):
    with pytest.raises(ValueError, match=message):
        short_profile_id(value)


@pytest.mark.parametrize(
    ("profile_type", "model_id", "resolved", "expected"),
    [
        ("System-Defined", "global.anthropic.claude-opus-4-6-v1", None, "global.anthropic.claude-opus-4-6-v1"),
        ("System-Defined", "global.anthropic.claude-opus-4-6-v1", "ignored", "global.anthropic.claude-opus-4-6-v1"),
        ("Application", "abc123def456", "us.anthropic.claude-opus-4-6-v1", "us.anthropic.claude-opus-4-6-v1"),
    ],
    ids=["system-defined", "system-defined-ignores-resolved", "application"],
)
def test_display_model_id(profile_type, model_id, resolved, expected):
    assert display_model_id(profile_type, model_id, resolved) == expected


@pytest.mark.parametrize(
    ("profile_type", "resolved", "message"),
    [
        ("Application", None, "needs its resolved model ID"),
        ("Application", "", "needs its resolved model ID"),
        ("APPLICATION", "x", "InferenceProfileType must be System-Defined or Application"),
    ],
    ids=["application-unresolved", "application-empty", "unknown-type"],
)
def test_display_model_id_rejects(profile_type, resolved, message):
    with pytest.raises(ValueError, match=message):
        display_model_id(profile_type, "abc123def456", resolved)


@pytest.mark.parametrize("value,ok", [("System-Defined", True), ("Application", True),
                                      ("system-defined", False), ("", False)],
                         ids=["system", "application", "wrong-case", "empty"])
def test_check_profile_type(value: str, ok: bool) -> None:
    from ops_alert.profiles import check_profile_type
    if ok:
        check_profile_type(value)
    else:
        with pytest.raises(ValueError, match=r"INFERENCE_PROFILE_TYPE must be System-Defined or Application"):
            check_profile_type(value, "INFERENCE_PROFILE_TYPE")
