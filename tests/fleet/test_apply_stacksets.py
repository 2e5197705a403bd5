"""apply / plan / status in organization mode: one service-managed StackSet per customer + model,
one instance per account + region, per-instance parameter overrides."""
from __future__ import annotations

from typing import Any

from tests.fleet import faults
from tests.fleet.conftest import MEMBER_A, MEMBER_B, OU, World, manifest

NAME = "bedrock-ops-alert-acme-opus"
OTHER_MODEL_ID = "us.anthropic.claude-opus-4-6-v1"
ORG = {
    "customer": "Acme", "model": "Opus", "organizational_unit": OU,
    "targets": [
        {"account": MEMBER_A, "region": "us-east-1"},
        {"account": MEMBER_A, "region": "eu-west-1"},
        {"account": MEMBER_B, "region": "us-east-1", "parameters": {"BedrockModelId": OTHER_MODEL_ID}},
    ],
}


def instances(world: World) -> dict[tuple[str, str], dict[str, str]]:
    cfn = world.cfn()
    found = {}
    for summary in cfn.list_stack_instances(StackSetName=NAME)["Summaries"]:
        detail = cfn.describe_stack_instance(StackSetName=NAME, StackInstanceAccount=summary["Account"],
                                             StackInstanceRegion=summary["Region"])["StackInstance"]
        found[(summary["Account"], summary["Region"])] = {p["ParameterKey"]: p["ParameterValue"] for p in detail["ParameterOverrides"]}
    return found


def stack_set(world: World) -> dict[str, Any]:
    return world.cfn().describe_stack_set(StackSetName=NAME)["StackSet"]


def with_targets(*targets: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return dict(ORG, targets=list(targets), **extra)


def test_plan_then_apply_creates_set_and_instances_with_overrides(world: World) -> None:
    path = world.write(manifest(ORG))
    plan = world.run("plan", "--manifest", str(path))
    assert plan.code == 0, plan.output
    assert f"CREATE     {NAME} (stack set, {OU})" in plan.output
    assert f"CREATE     {NAME} instance {MEMBER_B} us-east-1" in plan.output
    result = world.run("apply", "--manifest", str(path), "--yes")
    assert result.code == 0, result.output
    created = stack_set(world)
    assert created["PermissionModel"] == "SERVICE_MANAGED"
    values = {p["ParameterKey"]: p["ParameterValue"] for p in created["Parameters"]}
    assert values["BedrockModelId"] == "global.anthropic.claude-opus-4-6-v1"  # the common value
    assert values["LambdaS3Bucket"] == "artifacts-us-east-1"  # 2 of 3 instances are in us-east-1
    assert instances(world) == {
        (MEMBER_A, "us-east-1"): {},
        (MEMBER_A, "eu-west-1"): {"LambdaS3Bucket": "artifacts-eu-west-1"},
        (MEMBER_B, "us-east-1"): {"BedrockModelId": OTHER_MODEL_ID},
    }


def test_rerun_is_idempotent(world: World) -> None:
    path = world.write(manifest(ORG))
    world.run("apply", "--manifest", str(path), "--yes")
    plan = world.run("plan", "--manifest", str(path))
    assert "Plan: 4 no-change; 0 problem(s)" in plan.output, plan.output


def test_deleting_one_instance_leaves_the_others_untouched(world: World) -> None:
    world.run("apply", "--manifest", str(world.write(manifest(ORG))), "--yes")
    before = instances(world)
    targets = [dict(t) for t in ORG["targets"]]
    targets[1]["status"] = "delete"
    path = world.write(manifest(with_targets(*targets)))
    plan = world.run("plan", "--manifest", str(path))
    assert f"DELETE     {NAME} instance {MEMBER_A} eu-west-1" in plan.output
    assert "Plan: 1 delete, 3 no-change" in plan.output, plan.output
    result = world.run("apply", "--manifest", str(path), "--yes")
    assert result.code == 0, result.output
    after = instances(world)
    assert set(after) == {(MEMBER_A, "us-east-1"), (MEMBER_B, "us-east-1")}
    assert after == {k: v for k, v in before.items() if k in after}


def test_changed_override_updates_only_that_instance(world: World) -> None:
    world.run("apply", "--manifest", str(world.write(manifest(ORG))), "--yes")
    targets = [dict(t) for t in ORG["targets"]]
    targets[2]["parameters"] = {"BedrockModelId": OTHER_MODEL_ID, "ErrorThreshold": 9}
    path = world.write(manifest(with_targets(*targets)))
    plan = world.run("plan", "--manifest", str(path))
    assert f"UPDATE     {NAME} instance {MEMBER_B} us-east-1" in plan.output
    assert "override ErrorThreshold: (unset) -> '9'" in plan.output
    assert world.run("apply", "--manifest", str(path), "--yes").code == 0
    assert instances(world)[(MEMBER_B, "us-east-1")] == {"BedrockModelId": OTHER_MODEL_ID, "ErrorThreshold": "9"}
    assert instances(world)[(MEMBER_A, "us-east-1")] == {}


def test_changed_shared_value_updates_the_set(world: World) -> None:
    world.run("apply", "--manifest", str(world.write(manifest(ORG))), "--yes")
    path = world.write(manifest(dict(ORG, tags={"cost-center": "42"})))
    plan = world.run("plan", "--manifest", str(path))
    assert f"UPDATE     {NAME} (stack set, {OU})" in plan.output and "tags: +cost-center" in plan.output
    assert world.run("apply", "--manifest", str(path), "--yes").code == 0
    assert {t["Key"]: t["Value"] for t in stack_set(world)["Tags"]} == {"team": "ai-platform", "cost-center": "42"}


def test_failed_operation_reports_the_account_and_reason(world: World) -> None:
    reason = "ResourceLogicalId:QuotaUtilsLayer, ResourceType:AWS::Lambda::LayerVersion, ResourceStatusReason:Access Denied."
    faults.fail_stack_set_operation(world.session, "CreateStackInstances", MEMBER_B, reason)
    result = world.run("apply", "--manifest", str(world.write(manifest(ORG))), "--yes")
    assert result.code == 1
    assert "The Operation failed because one or more instances failed." in result.output
    assert f"{MEMBER_B} us-east-1: {reason}" in result.output


def test_deleting_the_deployment_removes_instances_then_the_set(world: World) -> None:
    world.run("apply", "--manifest", str(world.write(manifest(ORG))), "--yes")
    path = world.write(manifest(dict(ORG, status="delete")))
    plan = world.run("plan", "--manifest", str(path))
    assert "Plan: 4 delete" in plan.output, plan.output
    result = world.run("apply", "--manifest", str(path), "--yes")
    assert result.code == 0, result.output
    summaries = world.cfn().list_stack_sets()["Summaries"]
    assert [s["Status"] for s in summaries if s["StackSetName"] == NAME] == ["DELETED"]
    assert world.run("plan", "--manifest", str(path)).output.count("NO-CHANGE") == 4  # all absent now


def test_unlisted_instance_is_reported_not_deleted(world: World) -> None:
    world.run("apply", "--manifest", str(world.write(manifest(ORG))), "--yes")
    path = world.write(manifest(with_targets(*ORG["targets"][:2])))
    plan = world.run("plan", "--manifest", str(path))
    assert f"UNLISTED   {NAME} instance {MEMBER_B} us-east-1" in plan.output
    world.run("apply", "--manifest", str(path), "--yes")
    assert (MEMBER_B, "us-east-1") in instances(world)


def test_status_shows_each_instance(world: World) -> None:
    world.run("apply", "--manifest", str(world.write(manifest(ORG))), "--yes")
    result = world.run("status", "--manifest", str(world.write(manifest(ORG))))
    rows = [line.split() for line in result.output.splitlines()[1:]]
    assert [r[:5] for r in rows] == [
        [NAME, "stack", "set", MEMBER_A, "us-east-1"][:5],
        [NAME, "stack", "set", MEMBER_A, "eu-west-1"][:5],
        [NAME, "stack", "set", MEMBER_B, "us-east-1"][:5],
    ]
    assert all("CURRENT/SUCCEEDED" in line for line in result.output.splitlines()[1:4])
