"""Pure decisions of plan/apply, for states moto cannot produce."""
from __future__ import annotations

import pytest

from fleet.model import Deployment, Desired, Status, Target
from fleet.observe import InstanceState, StackSetState, StackState
from fleet.plan import Action, InstancePlan, decide_stack, decide_stack_set, shared_parameters
from fleet.stacksets import batches

D = Deployment("Acme", "Opus", (Target("us-east-1"),), {}, {"team": "ai"}, "deployments[0]")
WANT = {"ErrorThreshold": "5", "LambdaS3Bucket": "b"}


def desired(delete: bool = False, **params: str) -> Desired:
    return Desired(D, "us-east-1", "123456789012", {**WANT, **params}, delete)


def state(status: str, params: dict[str, str] | None = None, same: bool = True) -> StackState:
    return StackState("arn:stack", status, params if params is not None else dict(WANT), {"team": "ai"}, same)


STACK_CASES = [
    ("absent", desired(), None, Action.CREATE),
    ("absent-delete", desired(True), None, Action.NO_CHANGE),
    ("deleted", desired(), state("DELETE_COMPLETE"), Action.CREATE),
    ("same", desired(), state("CREATE_COMPLETE"), Action.NO_CHANGE),
    ("masked-noecho", desired(), state("UPDATE_COMPLETE", {**WANT, "ErrorThreshold": "****"}), Action.NO_CHANGE),
    ("parameter", desired(ErrorThreshold="6"), state("CREATE_COMPLETE"), Action.UPDATE),
    ("template", desired(), state("CREATE_COMPLETE", same=False), Action.UPDATE),
    ("in-progress", desired(), state("UPDATE_IN_PROGRESS"), Action.WAIT),
    ("rollback-complete", desired(), state("ROLLBACK_COMPLETE"), Action.RECREATE),
    ("delete-failed", desired(), state("DELETE_FAILED"), Action.RECREATE),
    ("update-rolled-back", desired(ErrorThreshold="6"), state("UPDATE_ROLLBACK_COMPLETE"), Action.UPDATE),
    ("update-rollback-failed", desired(), state("UPDATE_ROLLBACK_FAILED"), Action.BLOCKED),
    ("delete", desired(True), state("CREATE_COMPLETE"), Action.DELETE),
    ("delete-rolled-back", desired(True), state("ROLLBACK_COMPLETE"), Action.DELETE),
]


@pytest.mark.parametrize(("want", "current", "action"), [c[1:] for c in STACK_CASES], ids=[c[0] for c in STACK_CASES])
def test_stack_decisions(want: Desired, current: StackState | None, action: Action) -> None:
    assert decide_stack(want, current).action is action


def test_blocked_stack_says_what_to_run() -> None:
    plan = decide_stack(desired(), state("UPDATE_ROLLBACK_FAILED"))
    assert "continue-update-rollback --stack-name bedrock-ops-alert-acme-opus --region us-east-1" in plan.reasons[0]


def test_shared_parameters_take_the_most_common_value() -> None:
    items = [Desired(D, r, "1", {"B": f"b-{r}", "M": m}, False) for r, m in (("x", "m1"), ("y", "m2"), ("z", "m2"))]
    assert shared_parameters(items) == {"B": "b-x", "M": "m2"}


ORG = Deployment("Acme", "Opus", (), {}, {}, "d", organizational_unit="ou-ab12-cdef3456")


def instance(status: str = "CURRENT", detailed: str = "SUCCEEDED", overrides: dict[str, str] | None = None) -> InstanceState:
    return InstanceState("111111111111", "us-east-1", status, detailed, "Access Denied", overrides or {})


@pytest.mark.parametrize(("current", "action"), [
    (instance(), Action.NO_CHANGE),
    (instance("OUTDATED", "FAILED"), Action.UPDATE),
    (instance(overrides={"ErrorThreshold": "9"}), Action.UPDATE),
    (instance("INOPERABLE", "INOPERABLE"), Action.BLOCKED),
], ids=["current", "failed-is-retried", "stale-override", "inoperable"])
def test_instance_decisions(current: InstanceState, action: Action) -> None:
    want = Desired(ORG, "us-east-1", "111111111111", dict(WANT), False)
    observed = StackSetState("ACTIVE", dict(WANT), {}, True, {("111111111111", "us-east-1"): current})
    assert decide_stack_set(ORG, [want], observed).instances[0].action is action


def test_running_operation_makes_apply_wait() -> None:
    observed = StackSetState("ACTIVE", dict(WANT), {}, True, {}, running_operations=("op-1",))
    assert decide_stack_set(ORG, [], observed).action is Action.WAIT


def test_instances_are_batched_by_overrides_and_regions() -> None:
    plans = [InstancePlan(a, r, Action.CREATE, o) for a, r, o in (
        ("1", "us-east-1", {}), ("1", "eu-west-1", {}), ("2", "us-east-1", {}), ("2", "eu-west-1", {}),
        ("3", "us-east-1", {}), ("4", "us-east-1", {"X": "y"}))]
    assert sorted(batches(plans), key=str) == sorted([
        ({}, ["1", "2"], ["eu-west-1", "us-east-1"]), ({}, ["3"], ["us-east-1"]), ({"X": "y"}, ["4"], ["us-east-1"])], key=str)


def test_deleting_a_set_with_no_target_left_keeps_its_values() -> None:
    gone = Deployment("Acme", "Opus", (), {}, {}, "d", organizational_unit="ou-ab12-cdef3456", status=Status.ACTIVE)
    want = Desired(gone, "us-east-1", "111111111111", dict(WANT), True)
    observed = StackSetState("ACTIVE", dict(WANT), {}, True, {("111111111111", "us-east-1"): instance()})
    plan = decide_stack_set(gone, [want], observed)
    assert plan.action is Action.NO_CHANGE and plan.instances[0].action is Action.DELETE
