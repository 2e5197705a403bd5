"""The fleet's plan shows each target's quota codes and refuses a wrong one before anything is
created (issue 8): the quota calculator's own check, on the target account's Service Quotas."""
from __future__ import annotations

import pytest

from fleet.plan import review_quota_codes
from ops_alert.quota_codes import QuotaInfo
from tests.fleet.conftest import MEMBER_A, OU, World, manifest

GLOBAL_OPUS = "global.anthropic.claude-opus-4-6-v1"
GR = "Global cross-region model inference"
CR = "Cross-region model inference"
QUOTAS = (
    QuotaInfo("L-3DD46812", f"{GR} requests per minute for Anthropic Claude Opus 4.6 V1", 10_000.0, True),
    QuotaInfo("L-3DCCFAA4", f"{GR} tokens per minute for Anthropic Claude Opus 4.6 V1", 6_250_000.0, True),
    QuotaInfo("L-0A0A0A01", f"{CR} requests per minute for Anthropic Claude Opus 4.6 V1", 2_000.0, True),
    QuotaInfo("L-0A0A0A03", f"{GR} tokens per day for Anthropic Claude Opus 4.6 V1", 9_000_000_000.0, False),
)
VALUES = {"BedrockModelId": GLOBAL_OPUS, "InferenceProfileType": "System-Defined",
          "RequestsPerMinuteQuotaCode": "L-3DD46812", "TokensPerMinuteQuotaCode": "L-3DCCFAA4"}


@pytest.mark.parametrize(("changes", "quotas", "lines", "refused"), [
    ({}, QUOTAS, [
        f"quota codes for {GLOBAL_OPUS} (global cross-region):",
        f"  RequestsPerMinuteQuotaCode L-3DD46812 '{GR} requests per minute for Anthropic Claude Opus 4.6 V1' (10,000)",
        f"  TokensPerMinuteQuotaCode L-3DCCFAA4 '{GR} tokens per minute for Anthropic Claude Opus 4.6 V1' (6,250,000)",
        f"  tokens per day L-0A0A0A03 '{GR} tokens per day for Anthropic Claude Opus 4.6 V1'"], []),
    ({"RequestsPerMinuteQuotaCode": "L-0A0A0A01"}, QUOTAS,
     ["  RequestsPerMinuteQuotaCode L-0A0A0A01: REFUSED"], ["RequestsPerMinuteQuotaCode"]),
    ({"RequestsPerMinuteQuotaCode": "L-0A0A0A01", "QuotaCodeCheck": "WarnOnly"}, QUOTAS,
     [(f"  RequestsPerMinuteQuotaCode L-0A0A0A01 '{CR} requests per minute for Anthropic Claude Opus 4.6 V1' (2,000): "
       "WARNING deployed anyway (QuotaCodeCheck=WarnOnly): RequestsPerMinuteQuotaCode L-0A0A0A01")], []),
    ({"RequestsPerMinuteQuotaCode": "NA"}, QUOTAS, [], ["RequestsPerMinuteQuotaCode"]),
    ({"RequestsPerMinuteQuotaCode": "NA", "BedrockModelId": "acme.nimbus-v1:0", "TokensPerMinuteQuotaCode": "NA"}, QUOTAS,
     ["  RequestsPerMinuteQuotaCode NA (no such quota)", "  TokensPerMinuteQuotaCode NA (no such quota)"], []),
    ({"QuotaCodeCheck": "Sometimes"}, QUOTAS, [], ["QuotaCodeCheck"]),
    ({"InferenceProfileType": "Application", "BedrockModelId": "abcd1234efgh"}, QUOTAS,
     ["quota codes L-3DD46812 / L-3DCCFAA4: checked by the stack at deploy (an application profile is resolved in its account)"], []),
    ({}, None, ["quota codes L-3DD46812 / L-3DCCFAA4: not checked (listing failed); the stack checks them at deploy"], []),
], ids=["fits", "wrong-mode-refused", "warn-only", "na-but-quota-exists", "na-fits", "bad-check-mode", "application-profile",
        "no-listing"])
def test_review_quota_codes(changes: dict[str, str], quotas: tuple[QuotaInfo, ...] | None, lines: list[str],
                            refused: list[str]) -> None:
    review = review_quota_codes({**VALUES, **changes}, quotas, "listing failed")
    for line in lines:
        assert any(shown.startswith(line) for shown in review.lines), (line, review.lines)
    assert [parameter for parameter, _ in review.refusals] == refused


def test_a_refusal_names_the_right_code_and_the_escape_hatch() -> None:
    review = review_quota_codes({**VALUES, "RequestsPerMinuteQuotaCode": "L-0A0A0A01"}, QUOTAS)
    (_, message), = review.refusals
    assert "use L-3DD46812" in message and "set QuotaCodeCheck to WarnOnly" in message


# -- through the command line, against the fakes --------------------------------------------------
ACME = {"customer": "Acme", "model": "G-Opus-4-6", "targets": [{"region": "us-east-1"}, {"region": "eu-west-1"}]}


def test_plan_shows_the_codes_each_target_deploys(world: World) -> None:
    result = world.run("plan", "--manifest", str(world.write(manifest(ACME))))
    assert result.code == 0, result.output
    assert f"quota codes for {GLOBAL_OPUS} (global cross-region):" in result.output
    assert f"RequestsPerMinuteQuotaCode L-3DD46812 '{GR} requests per minute for Anthropic Claude Opus 4.6 V1'" in result.output
    assert f"TokensPerMinuteQuotaCode L-3DCCFAA4 '{GR} tokens per minute for Anthropic Claude Opus 4.6 V1'" in result.output
    assert result.output.count("quota codes for ") == 2  # one per target
    # Each region's quotas are listed once (all pages), not once per target.
    assert world.aws.calls["service-quotas:ListServiceQuotas"] >= 2


def test_a_wrong_code_stops_apply_before_anything_is_created(world: World) -> None:
    wrong = dict(ACME, parameters={"BedrockModelId": "us.anthropic.claude-opus-4-6-v1"})
    path = world.write(manifest(wrong))
    plan = world.run("plan", "--manifest", str(path))
    assert plan.code == 1
    assert "parameters.RequestsPerMinuteQuotaCode: RequestsPerMinuteQuotaCode L-3DD46812 is" in plan.output
    assert "but model us.anthropic.claude-opus-4-6-v1 uses geographic cross-region inference: use L-" in plan.output
    assert "Fix: `make quota-codes MODEL=us.anthropic.claude-opus-4-6-v1 REGION=us-east-1` lists the model's codes" in plan.output
    apply = world.run("apply", "--manifest", str(path), "--yes")
    assert apply.code == 1 and "Applying" not in apply.output
    assert world.stacks() == {} and world.stacks("eu-west-1") == {}


def test_a_listing_that_fails_is_reported_and_does_not_block(world: World) -> None:
    world.aws.fault.fail("service-quotas", "ListServiceQuotas", "ThrottlingException", times=None)
    result = world.run("plan", "--manifest", str(world.write(manifest(ACME))))
    assert result.code == 0, result.output
    assert "quota codes L-3DD46812 / L-3DCCFAA4: not checked (AWS throttled ListServiceQuotas (ThrottlingException" in result.output
    assert "wait a minute and run the command again); the stack checks them at deploy" in result.output


def test_other_accounts_are_left_to_the_stack(world: World) -> None:
    org = {"customer": "Acme", "model": "Opus", "organizational_unit": OU, "targets": [{"account": MEMBER_A, "region": "us-east-1"}]}
    result = world.run("plan", "--manifest", str(world.write(manifest(org))))
    assert result.code == 0, result.output
    assert f"not checked (account {MEMBER_A} is not the one running the plan)" in result.output
