"""Every bad input is reported by `plan` per entry, with the field and the fix, and nothing is created."""
from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.fleet.conftest import ARTIFACTS, BASE_PARAMETERS, MEMBER_A, OU, World

GOOD = {"customer": "Acme", "model": "Opus", "targets": [{"region": "us-east-1"}]}


def doc(deployment: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    return {"defaults": {"parameters": dict(BASE_PARAMETERS), "tags": {"team": "ai"}},
            "deployments": [copy.deepcopy(deployment or GOOD)], **top}


def entry(**changes: Any) -> dict[str, Any]:
    return doc({**GOOD, **changes})


def parameters(**values: Any) -> dict[str, Any]:
    return entry(parameters=values)


def without_default(name: str) -> dict[str, Any]:
    d = doc()
    del d["defaults"]["parameters"][name]
    return d


CASES = [
    ("unknown-top-key", doc(extra=1), "extra", "unknown key"),
    ("unknown-entry-key", entry(tag={"a": "b"}), "tag", "did you mean `tags`?"),
    ("unknown-target-key", entry(targets=[{"region": "us-east-1", "acount": MEMBER_A}]), "targets.acount", "did you mean `account`?"),
    ("unknown-parameter", parameters(AnomalySensitivty=3), "parameters.AnomalySensitivty", "rename it to `AnomalySensitivity`"),
    ("naming-parameter", parameters(CustomerName="Other"), "parameters.CustomerName", "use `customer:` instead"),
    ("missing-customer", doc({"model": "Opus", "targets": [{"region": "us-east-1"}]}), "customer", "missing"),
    ("missing-targets", entry(targets=[]), "targets", "missing or not a list"),
    ("malformed-target", entry(targets=["us-east-1"]), "targets", "malformed target"),
    ("target-without-region", entry(targets=[{"account": MEMBER_A}]), "targets.region", "missing"),
    ("bad-region", entry(targets=[{"region": "us-east"}]), "region", "region 'us-east' does not exist"),
    ("bad-account", entry(targets=[{"region": "us-east-1", "account": "12345"}]), "account", "12-digit"),
    ("foreign-account-without-ou", entry(targets=[{"region": "us-east-1", "account": MEMBER_A}]), "account", "add `organizational_unit:`"),
    ("stack-set-target-without-account", entry(organizational_unit=OU), "account", "a StackSet instance needs an account"),
    ("bad-ou", entry(organizational_unit="ou-12", targets=[{"region": "us-east-1", "account": MEMBER_A}]), "organizational_unit", "is not an OU id"),
    ("duplicate-target", entry(targets=[{"region": "us-east-1"}, {"region": "us-east-1"}]), "targets", "listed 2 times"),
    ("duplicate-deployment", {**doc(), "deployments": [GOOD, {**GOOD, "customer": "ACME"}]}, "customer/model", "same stack name"),
    ("customer-too-long", entry(customer="AcmeCorpInc"), "parameters.CustomerName", "the maximum is 10"),
    ("customer-bad-characters", entry(customer="Acme_Co"), "parameters.CustomerName", "does not match"),
    ("model-too-long", entry(model="Claude-Opus-4-6-v1"), "parameters.BedrockModelName", "the maximum is 15"),
    ("invalid-email", parameters(StakeholderEmailList=["sre@example.com", "bob@"]), "parameters.StakeholderEmailList", "'bob@' is not an e-mail address"),
    ("duplicate-email", parameters(StakeholderEmailList=["a@example.com", "A@example.com"]), "parameters.StakeholderEmailList", "listed 2 times"),
    ("empty-email-list", parameters(StakeholderEmailList=[]), "parameters.StakeholderEmailList", "no e-mail address"),
    ("not-an-allowed-value", parameters(NotificationPreference="some"), "parameters.NotificationPreference", "use one of all, critical, warning"),
    ("not-a-number", parameters(ErrorThreshold="five"), "parameters.ErrorThreshold", "is not a number"),
    ("below-minimum", parameters(LatencyThresholdMs=1000), "parameters.LatencyThresholdMs", "use at least 15000"),
    ("above-maximum", parameters(ThresholdUpdateScheduleIntervalDays=31), "parameters.ThresholdUpdateScheduleIntervalDays", "use at most 30"),
    ("number-not-allowed", parameters(SupportCaseLookbackDays=30), "parameters.SupportCaseLookbackDays", "use one of 45, 60, 90"),
    ("too-long-text", parameters(UseCaseDescription="x" * 1001), "parameters.UseCaseDescription", "the maximum is 1000"),
    ("mapping-as-value", parameters(ErrorThreshold={"a": 1}), "parameters.ErrorThreshold", "has no value or a mapping"),
    ("bad-quota-code", parameters(TokensPerMinuteQuotaCode="L-123"), "parameters.TokensPerMinuteQuotaCode", "not a Service Quotas code"),
    ("bad-bucket-name", parameters(LambdaS3Bucket="Bad_Bucket"), "parameters.LambdaS3Bucket", "not a valid S3 bucket name"),
    ("unknown-placeholder", parameters(LambdaS3Bucket="artifacts-{acount}"), "parameters.LambdaS3Bucket", "unknown placeholder {acount}"),
    ("reserved-tag-prefix", entry(tags={"aws:owner": "me"}), "tags.aws:owner", "reserved"),
    ("bad-tag-key-characters", entry(tags={"team!": "ai"}), "tags.team!", "characters tags do not allow"),
    ("bad-tag-value-characters", entry(tags={"team": "a<b>"}), "tags.team", "characters tags do not allow"),
    ("tag-key-too-long", entry(tags={"k" * 129: "v"}), "tags." + "k" * 129, "key length 129"),
    ("tag-value-too-long", entry(tags={"team": "v" * 257}), "tags.team", "the maximum is 256"),
    ("too-many-tags", entry(tags={f"t{i}": "v" for i in range(50)}), "tags", "51 tags, the maximum is 50"),
    ("bad-status", entry(status="gone"), "status", "use `active` or `delete`"),
    ("missing-bucket", parameters(LambdaS3Bucket="missing-{region}"), "parameters.LambdaS3Bucket", "bucket missing-us-east-1 does not exist"),
    ("bucket-in-another-region", parameters(LambdaS3Bucket="artifacts-eu-west-1"), "parameters.LambdaS3Bucket", "is in eu-west-1, the stack in us-east-1"),
] + [
    (f"required-{name}", without_default(name), f"parameters.{name}", "required")
    for name in ("StakeholderEmailList", "LambdaS3Bucket", "BedrockModelId", "InferenceProfileType",
                 "TokensPerMinuteQuotaCode", "RequestsPerMinuteQuotaCode", "UseCaseDescription")
]


@pytest.mark.parametrize(("document", "field", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_reported_with_field_and_fix(world: World, document: dict[str, Any], field: str, message: str) -> None:
    result = world.run("plan", "--manifest", str(world.write(json.dumps(document))))
    assert result.code == 1, result.output
    problems = [line for line in result.output.splitlines() if line.startswith("  ! ")]
    matching = [p for p in problems if f": {field}: " in p and message in p]
    assert matching, result.output
    assert all("Fix: " in p for p in problems)
    assert world.run("apply", "--manifest", str(world.write(json.dumps(document))), "--yes").code == 1
    assert world.stacks() == {}


def test_missing_artifact_is_named(world: World) -> None:
    world.session.client("s3", region_name="eu-west-1").delete_object(Bucket="artifacts-eu-west-1", Key=ARTIFACTS[1])
    result = world.run("plan", "--manifest", str(world.write(json.dumps(entry(targets=[{"region": "eu-west-1"}])))))
    assert result.code == 1
    assert f"s3://artifacts-eu-west-1/ lacks {ARTIFACTS[1]}. Fix: run `make package` and upload build/*.zip" in result.output


def test_yaml_syntax_error_is_reported(world: World) -> None:
    result = world.run("plan", "--manifest", str(world.write("deployments: [\n")))
    assert result.code == 1 and "not valid YAML" in result.output


def test_problems_of_one_entry_do_not_hide_the_plan_of_others(world: World) -> None:
    document = doc()
    document["deployments"].append({"customer": "Beta", "model": "Haiku", "targets": [{"region": "mars-1"}]})
    result = world.run("plan", "--manifest", str(world.write(json.dumps(document))))
    assert result.code == 1
    assert "CREATE     bedrock-ops-alert-acme-opus (stack)" in result.output
    assert "INVALID    bedrock-ops-alert-beta-haiku" in result.output


def test_deleted_entries_need_no_valid_parameters(world: World) -> None:
    result = world.run("plan", "--manifest", str(world.write(json.dumps(entry(status="delete", parameters={"ErrorThreshold": "x"})))))
    assert result.code == 0, result.output
    assert "NO-CHANGE  bedrock-ops-alert-acme-opus (stack) 123456789012 us-east-1" in result.output


def test_iam_role_names_over_64_characters_are_reported_before_deploying() -> None:
    """Role names carry customer, model and region; at the longest customer (10) and model (15)
    in a 14-character region, `…-Email-Subscription-Role-…` reaches 65 characters and IAM rejects
    it mid-deployment (rollback). The plan names the role and the fix instead."""
    from fleet.validate import check_role_names
    from templates import build_template

    keys = {name: f"{name}.zip" for name in ("quota_calculator", "alarm_updater", "email_subscription_manager",
                                              "notification_processor", "quota_utils_layer")}
    document = json.loads(build_template(keys).to_json())
    long_names = {"CustomerName": "AcmeCorpAB", "BedrockModelName": "G-Opus-4-6-Glob"}
    problems = check_role_names(long_names, "ap-southeast-2", document, "here")
    assert [p.field for p in problems] == ["customer/model"]
    assert "AcmeCorpAB-Email-Subscription-Role-G-Opus-4-6-Glob-ap-southeast-2" in problems[0].message
    assert "65 characters" in problems[0].message and "Fix: " in str(problems[0])
    assert check_role_names(long_names, "us-east-1", document, "here") == []
    assert check_role_names({"CustomerName": "Acme", "BedrockModelName": "Opus"}, "ap-southeast-2", document, "here") == []


QUOTA_CODES = [
    ("code", "L-3DCCFAA4", True),
    ("na", "NA", True),  # the model has no such quota: the template and the quota calculator accept it
    ("na-lower-case", "na", True),
    ("truncated", "L-123", False),
    ("lower-case-hex", "l-3dccfaa4", False),
]


@pytest.mark.parametrize(("code", "ok"), [q[1:] for q in QUOTA_CODES], ids=[q[0] for q in QUOTA_CODES])
def test_quota_codes_follow_the_stacks_own_rule(code: str, ok: bool) -> None:
    from fleet.validate import check_values

    given = {"TokensPerMinuteQuotaCode": code, "StakeholderEmailList": "sre@example.com"}
    problems = check_values(given, given, {}, "here", required=())
    assert (problems == []) is ok, problems
    if not ok:
        assert "or NA when the model has no such quota" in str(problems[0])


@pytest.mark.parametrize(("address", "ok"), [("sre@example.com", True), ("<sre@example.com>", False), ("sre@example.c", False)],
                         ids=["plain", "angle-brackets", "one-letter-tld"])
def test_email_addresses_follow_the_stacks_own_rule(address: str, ok: bool) -> None:
    from fleet.validate import check_values
    from ops_alert.email_list import is_email_address

    given = {"StakeholderEmailList": address}
    assert (check_values(given, given, {}, "here", required=()) == []) is ok is is_email_address(address)
