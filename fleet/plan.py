"""Pure decisions: what apply must do to turn what exists into what the manifest says."""
from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fleet.model import Deployment, Desired, Status
from fleet.observe import InstanceState, StackSetState, StackState

# The quota calculator's own rules, through quota_lookup (which puts functions/ on the path).
from quota_lookup.lookup import (
    CHECK_PARAMETER,
    PARAMETER_NAMES,
    PARAMETER_SYSTEM_DEFINED,
    QuotaCodeError,
    QuotaInfo,
    QuotaKind,
    QuotaRate,
    check_codes,
    codes_for,
    decide,
    parse_check_mode,
)

MASKED = "****"  # NoEcho values come back masked: they cannot be compared
STABLE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"}
# A failed create leaves a stack that can only be deleted; apply deletes it and creates it again.
RECREATABLE = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED", "REVIEW_IN_PROGRESS"}


class Action(str, enum.Enum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    RECREATE = "RECREATE"  # delete a failed stack, then create it
    NO_CHANGE = "NO-CHANGE"
    WAIT = "WAIT"  # an operation is running; apply waits for it, then decides
    BLOCKED = "BLOCKED"  # needs a person (reason says what to do)


@dataclass(frozen=True)
class StackPlan:
    desired: Desired
    action: Action
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstancePlan:
    account: str
    region: str
    action: Action
    overrides: Mapping[str, str]
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class StackSetPlan:
    deployment: Deployment
    action: Action
    parameters: Mapping[str, str]  # the stack set's own values; instances override the rest
    instances: tuple[InstancePlan, ...]
    reasons: tuple[str, ...] = ()
    unlisted: tuple[tuple[str, str], ...] = ()  # instances that exist but the manifest does not list


def _short(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def parameter_changes(current: Mapping[str, str], wanted: Mapping[str, str]) -> list[str]:
    return [
        f"{name}: {_short(current[name]) if name in current else '(unset)'} -> {_short(value)}"
        for name, value in sorted(wanted.items())
        if current.get(name) != value and current.get(name) != MASKED
    ] + [f"{name}: {_short(current[name])} -> (removed)" for name in sorted(set(current) - set(wanted))]


def tag_changes(current: Mapping[str, str], wanted: Mapping[str, str]) -> list[str]:
    if dict(current) == dict(wanted):
        return []
    added = sorted(set(wanted) - set(current))
    removed = sorted(set(current) - set(wanted))
    changed = sorted(k for k in set(wanted) & set(current) if wanted[k] != current[k])
    parts = [f"+{k}" for k in added] + [f"-{k}" for k in removed] + [f"~{k}" for k in changed]
    return [f"tags: {' '.join(parts)}"]


def _differences(current_params: Mapping[str, str], current_tags: Mapping[str, str], template_same: bool | None,
                 wanted_params: Mapping[str, str], wanted_tags: Mapping[str, str]) -> list[str]:
    reasons = [] if template_same in (True, None) else ["template changed"]
    return reasons + parameter_changes(current_params, wanted_params) + tag_changes(current_tags, wanted_tags)


def decide_stack(desired: Desired, state: StackState | None) -> StackPlan:
    if state is None or state.status == "DELETE_COMPLETE":
        return StackPlan(desired, Action.NO_CHANGE, ("absent",)) if desired.delete else StackPlan(desired, Action.CREATE)
    if state.busy:
        return StackPlan(desired, Action.WAIT, (f"{state.status}: apply waits for it to finish, then decides",))
    if desired.delete:
        return StackPlan(desired, Action.DELETE, (f"stack is {state.status}",))
    if state.status in RECREATABLE:
        return StackPlan(desired, Action.RECREATE, (f"stack is {state.status}: apply deletes it and creates it again",))
    if state.status not in STABLE:  # UPDATE_ROLLBACK_FAILED
        return StackPlan(desired, Action.BLOCKED, (
            f"stack is {state.status}: run `aws cloudformation continue-update-rollback --stack-name "
            f"{desired.deployment.name} --region {desired.region}`, then apply again",))
    reasons = _differences(state.parameters, state.tags, state.template_same, desired.parameters, desired.deployment.tags)
    if state.status == "UPDATE_ROLLBACK_COMPLETE" and reasons:
        reasons.insert(0, "the last update rolled back: trying again")
    return StackPlan(desired, Action.UPDATE if reasons else Action.NO_CHANGE, tuple(reasons))


def shared_parameters(instances: Sequence[Desired]) -> dict[str, str]:
    """The stack set's values: for each parameter the most common value (first seen on ties), so
    that as few instances as possible need overrides."""
    counts: dict[str, Counter[str]] = {}
    for desired in instances:
        for name, value in desired.parameters.items():
            counts.setdefault(name, Counter())[value] += 1
    return {name: counter.most_common(1)[0][0] for name, counter in counts.items()}


def overrides_for(desired: Desired, shared: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in desired.parameters.items() if shared.get(k) != v}


def _decide_instance(desired: Desired, shared: Mapping[str, str], state: InstanceState | None, set_deleted: bool) -> InstancePlan:
    overrides = overrides_for(desired, shared)
    if desired.delete or set_deleted:
        return InstancePlan(desired.account, desired.region, Action.DELETE if state else Action.NO_CHANGE, {},
                            () if state else ("absent",))
    if state is None:
        return InstancePlan(desired.account, desired.region, Action.CREATE, overrides)
    if state.status == "INOPERABLE":
        return InstancePlan(desired.account, desired.region, Action.BLOCKED, overrides, (
            f"instance is INOPERABLE ({state.reason or 'no reason given'}): delete it with RetainStacks, "
            "clean up the stack in the account, then apply again",))
    reasons = parameter_changes(state.overrides, overrides)
    if state.status == "OUTDATED":
        reasons.insert(0, f"instance is OUTDATED ({state.detailed}{': ' + state.reason if state.reason else ''}): retrying")
    return InstancePlan(desired.account, desired.region, Action.UPDATE if reasons else Action.NO_CHANGE, overrides,
                        tuple(f"override {r}" if not r.startswith("instance") else r for r in reasons))


def decide_stack_set(deployment: Deployment, desired: Sequence[Desired], state: StackSetState | None) -> StackSetPlan:
    set_deleted = deployment.status is Status.DELETE
    active = [d for d in desired if not d.delete]
    # With no active instance left, keep the set's own values rather than "changing" them to nothing.
    shared = shared_parameters(active) if active or state is None else dict(state.parameters)
    if state is not None and state.running_operations:
        return StackSetPlan(deployment, Action.WAIT, shared, (), (
            f"operation {', '.join(state.running_operations)} running: apply waits for it, then decides",))
    current = state.instances if state else {}
    instances = [_decide_instance(d, shared, current.get((d.account, d.region)), set_deleted) for d in desired]
    listed = {(d.account, d.region) for d in desired}
    others = sorted(k for k in current if k not in listed)
    if set_deleted:  # deleting the whole set removes every instance, listed or not
        instances += [InstancePlan(a, r, Action.DELETE, {}) for a, r in others]
        others = []
    reasons: tuple[str, ...]
    if state is None:
        action, reasons = (Action.NO_CHANGE, ("absent",)) if set_deleted else (Action.CREATE, ())
    elif set_deleted:
        action, reasons = Action.DELETE, ()
    else:
        reasons = tuple(_differences(state.parameters, state.tags, state.template_same, shared, deployment.tags))
        action = Action.UPDATE if reasons else Action.NO_CHANGE
    return StackSetPlan(deployment, action, shared, tuple(instances), tuple(reasons), tuple(others))



# -- Quota codes (issue 8): what each target will deploy with, checked as the stack will -----------
@dataclass(frozen=True)
class QuotaCodeReview:
    """Lines shown under a target, and the refusals that must stop apply (QuotaCodeCheck=Strict)."""

    lines: tuple[str, ...]
    refusals: tuple[tuple[str, str], ...] = ()  # (parameter, message)


def review_quota_codes(values: Mapping[str, str], quotas: Sequence[QuotaInfo] | None,
                       not_checked: str = "") -> QuotaCodeReview:
    """The target's two codes against its account's bedrock quotas (None: ``not_checked`` says why)."""
    model_id = values.get("BedrockModelId", "").strip()
    rpm, tpm = values.get(PARAMETER_NAMES[QuotaKind.RPM], ""), values.get(PARAMETER_NAMES[QuotaKind.TPM], "")
    if values.get("InferenceProfileType", PARAMETER_SYSTEM_DEFINED) != PARAMETER_SYSTEM_DEFINED:
        at_deploy = "checked by the stack at deploy (an application profile is resolved in its account)"
        return QuotaCodeReview((f"quota codes {rpm} / {tpm}: {at_deploy}",))
    if quotas is None or not model_id:
        why = not_checked or "no model ID"
        return QuotaCodeReview((f"quota codes {rpm} / {tpm}: not checked ({why}); the stack checks them at deploy",))
    try:
        mode = parse_check_mode(values.get(CHECK_PARAMETER))
    except ValueError as exc:
        return QuotaCodeReview((), ((CHECK_PARAMETER, str(exc)),))
    codes = codes_for(model_id, quotas)
    lines = [f"quota codes for {model_id} ({codes.mode.description}):"]
    refusals = []
    for kind, check in zip((QuotaKind.RPM, QuotaKind.TPM), check_codes(model_id, rpm, tpm, quotas)):
        parameter = PARAMETER_NAMES[kind]
        given = rpm if kind is QuotaKind.RPM else tpm
        try:
            decision = decide(check, mode)
        except QuotaCodeError as exc:
            lines.append(f"  {parameter} {given}: REFUSED")
            refusals.append((parameter, str(exc)))
            continue
        quota = decision.quota
        shown = f"{quota.code} '{quota.name}' ({quota.value:,.0f})" if quota else f"{given.strip()} (no such quota)"
        lines.append(f"  {parameter} {shown}" + (f": WARNING {decision.warning}" if decision.warning else ""))
    per_day = next(line for line in codes.lines if line.rate is QuotaRate.TPD)
    if per_day.quota:
        lines.append(f"  tokens per day {per_day.quota.code} '{per_day.quota.name}'")
    return QuotaCodeReview(tuple(lines), tuple(refusals))
