"""apply / plan / status in single-account mode: one stack per deployment and region."""
from __future__ import annotations

import pytest

from tests.fleet import faults
from tests.fleet.conftest import World, manifest

ACME = {"customer": "Acme", "model": "G-Opus-4-6", "targets": [{"region": "us-east-1"}, {"region": "eu-west-1"}]}
BETA = {"customer": "Beta", "model": "Haiku", "targets": [{"region": "us-east-1"}]}
GAMMA = {"customer": "Gamma", "model": "Sonnet", "targets": [{"region": "us-east-1"}]}


def params(world: World, name: str, region: str = "us-east-1") -> dict[str, str]:
    stack = world.cfn(region).describe_stacks(StackName=name)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}


def test_plan_shows_creates_and_changes_nothing(world: World) -> None:
    path = world.write(manifest(ACME, BETA))
    result = world.run("plan", "--manifest", str(path))
    assert result.code == 0, result.output
    assert "CREATE     bedrock-ops-alert-acme-g-opus-4-6 (stack) 123456789012 us-east-1" in result.output
    assert "CREATE     bedrock-ops-alert-acme-g-opus-4-6 (stack) 123456789012 eu-west-1" in result.output
    assert "Plan: 3 create; 0 problem(s)" in result.output
    assert world.stacks() == {} and world.stacks("eu-west-1") == {}


def test_apply_creates_every_stack_with_resolved_parameters_and_tags(world: World) -> None:
    path = world.write(manifest(ACME, BETA))
    result = world.run("apply", "--manifest", str(path), "--yes")
    assert result.code == 0, result.output
    assert world.stacks() == {"bedrock-ops-alert-acme-g-opus-4-6": "CREATE_COMPLETE", "bedrock-ops-alert-beta-haiku": "CREATE_COMPLETE"}
    assert world.stacks("eu-west-1") == {"bedrock-ops-alert-acme-g-opus-4-6": "CREATE_COMPLETE"}
    eu = params(world, "bedrock-ops-alert-acme-g-opus-4-6", "eu-west-1")
    assert eu["LambdaS3Bucket"] == "artifacts-eu-west-1"  # {region} placeholder
    assert eu["StakeholderEmailList"] == "sre@example.com,oncall@example.com"
    assert eu["CustomerName"] == "Acme" and eu["BedrockModelName"] == "G-Opus-4-6"
    assert eu["AnomalySensitivity"] == "9"  # template default, sent explicitly
    stack = world.cfn().describe_stacks(StackName="bedrock-ops-alert-beta-haiku")["Stacks"][0]
    assert stack["Tags"] == [{"Key": "team", "Value": "ai-platform"}]
    assert "Applied: 3 succeeded, 0 failed" in result.output


def test_rerun_is_idempotent(world: World) -> None:
    path = world.write(manifest(ACME))
    assert world.run("apply", "--manifest", str(path), "--yes").code == 0
    plan = world.run("plan", "--manifest", str(path))
    assert plan.code == 0 and "Plan: 2 no-change; 0 problem(s)" in plan.output
    again = world.run("apply", "--manifest", str(path), "--yes")
    assert again.code == 0 and "Applying" not in again.output  # nothing to do: no prompt, no calls


def test_parameter_change_updates_only_that_stack(world: World) -> None:
    world.run("apply", "--manifest", str(world.write(manifest(ACME, BETA))), "--yes")
    changed = dict(BETA, parameters={"AnomalySensitivity": 4})
    path = world.write(manifest(ACME, changed))
    plan = world.run("plan", "--manifest", str(path))
    assert "UPDATE     bedrock-ops-alert-beta-haiku (stack) 123456789012 us-east-1" in plan.output
    assert "AnomalySensitivity: '9' -> '4'" in plan.output
    assert "Plan: 1 update, 2 no-change" in plan.output
    assert world.run("apply", "--manifest", str(path), "--yes").code == 0
    assert params(world, "bedrock-ops-alert-beta-haiku")["AnomalySensitivity"] == "4"


def test_delete_one_region_leaves_the_other(world: World) -> None:
    world.run("apply", "--manifest", str(world.write(manifest(ACME))), "--yes")
    gone = dict(ACME, targets=[{"region": "us-east-1"}, {"region": "eu-west-1", "status": "delete"}])
    result = world.run("apply", "--manifest", str(world.write(manifest(gone))), "--yes")
    assert result.code == 0, result.output
    assert world.stacks("eu-west-1") == {}
    assert world.stacks() == {"bedrock-ops-alert-acme-g-opus-4-6": "CREATE_COMPLETE"}


def test_apply_refuses_without_yes_when_not_a_terminal(world: World) -> None:
    result = world.run("apply", "--manifest", str(world.write(manifest(BETA))))
    assert result.code == 2 and "Refusing to apply without --yes" in result.output
    assert world.stacks() == {}


@pytest.mark.parametrize(("answer", "created"), [("yes\n", True), ("y\n", False), ("\n", False)], ids=["yes", "y-is-not-enough", "empty"])
def test_apply_asks_on_a_terminal(world: World, answer: str, created: bool) -> None:
    result = world.run("apply", "--manifest", str(world.write(manifest(BETA))), stdin=answer, tty=True)
    assert "Apply these changes?" in result.output
    assert bool(world.stacks()) is created


def test_waits_with_backoff_and_reports_progress(world: World) -> None:
    faults.slow_stacks(world.session, world.clock)
    result = world.run("apply", "--manifest", str(world.write(manifest(BETA))), "--yes")
    assert result.code == 0, result.output
    assert ".. bedrock-ops-alert-beta-haiku 123456789012 us-east-1: CREATE_IN_PROGRESS (0s)" in result.output
    assert ".. bedrock-ops-alert-beta-haiku 123456789012 us-east-1: CREATE_COMPLETE (5s)" in result.output
    assert world.clock.sleeps == [5.0]


def test_wait_is_bounded(world: World) -> None:
    faults.slow_stacks(world.session, world.clock)
    world.clock.on_sleep.clear()  # the stack never finishes
    result = world.run("apply", "--manifest", str(world.write(manifest(BETA))), "--yes", timeout=120)
    assert result.code == 1
    assert "still CREATE_IN_PROGRESS after 120s (--timeout 120); run apply again to pick it up" in result.output
    # doubling, capped at 30 s; the last wait is cut so that the final look is at 120 s, not at 95 s
    assert world.clock.sleeps == [5.0, 10.0, 20.0, 30.0, 30.0, 25.0]


def test_failed_create_reports_root_cause_and_rerun_recreates(world: World) -> None:
    reason = "Resource handler returned message: \"Error occurred while GetObject. S3 Error Code: NoSuchKey\""
    faults.fail_create(world.session, "bedrock-ops-alert-beta-haiku", reason)
    path = world.write(manifest(BETA, GAMMA))
    result = world.run("apply", "--manifest", str(path), "--yes")
    assert result.code == 1
    assert f"root cause: QuotaUtilsLayer (AWS::Lambda::LayerVersion) CREATE_FAILED: {reason}" in result.output
    assert "Resource creation cancelled" not in result.output  # the cascade is not the cause
    assert world.stacks()["bedrock-ops-alert-beta-haiku"] == "ROLLBACK_COMPLETE"
    assert world.stacks()["bedrock-ops-alert-gamma-sonnet"] == "CREATE_COMPLETE"  # one failure does not stop the rest
    plan = world.run("plan", "--manifest", str(path))
    assert "RECREATE   bedrock-ops-alert-beta-haiku" in plan.output
    again = world.run("apply", "--manifest", str(path), "--yes")
    assert again.code == 0, again.output
    assert world.stacks()["bedrock-ops-alert-beta-haiku"] == "CREATE_COMPLETE"


def test_failed_update_rolls_back_and_rerun_updates_again(world: World) -> None:
    world.run("apply", "--manifest", str(world.write(manifest(BETA))), "--yes")
    faults.fail_update(world.session, "bedrock-ops-alert-beta-haiku", "Rate exceeded")
    path = world.write(manifest(dict(BETA, parameters={"ErrorThreshold": 7})))
    result = world.run("apply", "--manifest", str(path), "--yes")
    assert result.code == 1
    assert "UPDATE_ROLLBACK_COMPLETE; root cause: QuotaUtilsLayer (AWS::Lambda::LayerVersion) UPDATE_FAILED: Rate exceeded" in result.output
    assert params(world, "bedrock-ops-alert-beta-haiku")["ErrorThreshold"] == "5"
    plan = world.run("plan", "--manifest", str(path))
    assert "the last update rolled back: trying again" in plan.output
    assert world.run("apply", "--manifest", str(path), "--yes").code == 0
    assert params(world, "bedrock-ops-alert-beta-haiku")["ErrorThreshold"] == "7"


def test_interrupted_run_resumes(world: World) -> None:
    faults.slow_stacks(world.session, world.clock)
    path = world.write(manifest(BETA, GAMMA, ACME))
    world.clock.interrupt_at = 2  # Ctrl-C while waiting for the second stack
    result = world.run("apply", "--manifest", str(path), "--yes")
    assert result.code == 130 and "run apply again to finish the rest" in result.output
    assert world.stacks() == {"bedrock-ops-alert-beta-haiku": "CREATE_COMPLETE", "bedrock-ops-alert-gamma-sonnet": "CREATE_IN_PROGRESS"}
    world.clock.interrupt_at = None
    plan = world.run("plan", "--manifest", str(path))
    assert "WAIT       bedrock-ops-alert-gamma-sonnet" in plan.output
    again = world.run("apply", "--manifest", str(path), "--yes")
    assert again.code == 0, again.output
    assert "ok     NO-CHANGE  bedrock-ops-alert-gamma-sonnet" in again.output  # waited, then nothing to do
    assert set(world.stacks().values()) == {"CREATE_COMPLETE"} and len(world.stacks()) == 3
    assert world.stacks("eu-west-1") == {"bedrock-ops-alert-acme-g-opus-4-6": "CREATE_COMPLETE"}


def test_existing_stack_is_adopted(world: World) -> None:
    """A stack created by hand (or by the original script) with the same name is updated, not duplicated."""
    world.run("apply", "--manifest", str(world.write(manifest(BETA))), "--yes")
    cfn = world.cfn()
    stack = cfn.describe_stacks(StackName="bedrock-ops-alert-beta-haiku")["Stacks"][0]
    changed = [dict(p, ParameterValue="3") if p["ParameterKey"] == "AnomalySensitivity" else p for p in stack["Parameters"]]
    cfn.update_stack(StackName="bedrock-ops-alert-beta-haiku", UsePreviousTemplate=True, Parameters=changed)
    plan = world.run("plan", "--manifest", str(world.write(manifest(BETA))))
    assert "AnomalySensitivity: '3' -> '9'" in plan.output


def test_status_lists_every_stack(world: World) -> None:
    world.run("apply", "--manifest", str(world.write(manifest(BETA))), "--yes")
    result = world.run("status", "--manifest", str(world.write(manifest(ACME, BETA))))
    assert result.code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "MODE", "ACCOUNT", "REGION", "STATUS", "LAST", "UPDATE", "MANIFEST"]
    assert any(l.split()[:5] == ["bedrock-ops-alert-beta-haiku", "stack", "123456789012", "us-east-1", "CREATE_COMPLETE"] for l in lines)
    assert any(l.split()[:5] == ["bedrock-ops-alert-acme-g-opus-4-6", "stack", "123456789012", "eu-west-1", "ABSENT"] for l in lines)
