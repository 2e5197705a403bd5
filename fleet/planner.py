"""Build the whole fleet plan: validate every entry, resolve its stacks, compare with AWS."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.config import Config

from fleet.artifacts import check_artifacts
from fleet.aws import Clients
from fleet.model import Deployment, Desired, Loaded, Mode, Problem, Status
from fleet.observe import observe_stack, observe_stack_set
from fleet.plan import (
    QuotaCodeReview,
    StackPlan,
    StackSetPlan,
    decide_stack,
    decide_stack_set,
    review_quota_codes,
)
from fleet.resolve import given_values, resolve_parameters
from fleet.template import Template
from fleet.validate import (
    BUCKET,
    check_deployment,
    check_fleet,
    check_role_names,
    check_values,
)
from quota_lookup.aws import LookupFailed, list_quotas
from quota_lookup.lookup import QuotaInfo, merged_quotas


@dataclass(frozen=True)
class FleetPlan:
    problems: tuple[Problem, ...]
    stacks: tuple[StackPlan, ...] = ()
    stack_sets: tuple[StackSetPlan, ...] = ()
    invalid: tuple[Deployment, ...] = ()
    desired: Mapping[str, tuple[Desired, ...]] = field(default_factory=dict)  # stack set name → instances

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass
class Resolved:
    """Desired stacks of the valid deployments, and the problems of the others."""

    desired: dict[str, list[Desired]] = field(default_factory=dict)  # deployment name → stacks
    problems: list[Problem] = field(default_factory=list)
    invalid: list[Deployment] = field(default_factory=list)


# Offline (`plan --offline`) the caller's account is unknown; {account} in a value is filled with
# this stand-in so that the value's shape (a bucket name, say) is still checked.
OFFLINE_ACCOUNT = "000000000000"


def resolve_fleet(loaded: Loaded, template: Template, clients: Clients | None, check_buckets: bool = True) -> Resolved:
    """Validation of every entry and target; with ``clients``, also the artifacts in each region's
    bucket (and the caller's account). Without, nothing reads AWS."""
    result = Resolved(problems=list(loaded.problems) + check_fleet(loaded.deployments))
    caller = clients.account if clients is not None else None
    buckets: dict[tuple[str, str, str | None], list[str]] = {}  # (bucket, region, expected owner) → who needs it
    for deployment in loaded.deployments:
        problems = check_deployment(deployment, caller)
        desired = []
        for index, target in enumerate(deployment.targets):
            account = target.account or caller or OFFLINE_ACCOUNT
            where = f"{deployment.label} targets[{index}] ({target.region})"
            values, found = resolve_parameters(deployment, target, account, template, where)
            delete = deployment.status is Status.DELETE or target.status is Status.DELETE
            if not delete:  # parameters of something being deleted do not matter
                problems += found + check_values(values, given_values(deployment, target), template.parameters, where)
                problems += check_role_names(values, target.region, template.document, where)
                if BUCKET.match(values.get("LambdaS3Bucket", "")):  # a bad name is reported already
                    # A stack's bucket is this account's own; a stack set's may be shared across the organization.
                    owner = caller if deployment.mode is Mode.STACK else None
                    buckets.setdefault((values["LambdaS3Bucket"], target.region, owner), []).append(where)
            desired.append(Desired(deployment, target.region, account, values, delete))
        result.problems += problems
        if problems:
            result.invalid.append(deployment)
        else:
            result.desired[deployment.name] = desired
    if check_buckets and clients is not None:
        for (bucket, region, owner), users in sorted(buckets.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or "")):
            where = users[0] + (f" and {len(users) - 1} more" if len(users) > 1 else "")
            result.problems += check_artifacts(clients, bucket, region, template.artifact_keys, where, owner)
    return result


# The plan only shows the codes: a listing that fails is reported, not retried for a minute.
_QUOTA_LOOKUP = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=20)


class QuotaListings:
    """Each region's bedrock quotas of the caller's account, listed once (issue 8)."""

    def __init__(self, clients: Clients) -> None:
        self.clients = clients
        self._cache: dict[str, tuple[list[QuotaInfo] | None, str]] = {}

    def get(self, account: str, region: str) -> tuple[list[QuotaInfo] | None, str]:
        if account != self.clients.account:
            return None, f"account {account} is not the one running the plan"
        if region not in self._cache:
            try:
                session: Any = self.clients.session  # typed stubs want a literal service name
                applied, defaults = list_quotas(
                    lambda service: session.client(service, region_name=region, config=_QUOTA_LOOKUP))
                self._cache[region] = (merged_quotas(applied, defaults), "")
            except LookupFailed as exc:
                self._cache[region] = (None, str(exc))
        return self._cache[region]


def review_codes(item: Desired, listings: QuotaListings) -> tuple[QuotaCodeReview, list[Problem]]:
    """The target's quota codes as the stack will check them; refusals become plan problems."""
    quotas, why = listings.get(item.account, item.region)
    review = review_quota_codes(item.parameters, quotas, why)
    model = item.parameters.get("BedrockModelId", "")
    fix = f"`make quota-codes MODEL={model} REGION={item.region}` lists the model's codes"
    return review, [Problem(item.where, f"parameters.{parameter}", message, fix) for parameter, message in review.refusals]


def build_plan(loaded: Loaded, template: Template, clients: Clients, call_as: str = "SELF",
               check_buckets: bool = True) -> FleetPlan:
    """Everything `plan` shows; reads AWS, changes nothing."""
    resolved = resolve_fleet(loaded, template, clients, check_buckets)
    problems = list(resolved.problems)
    listings = QuotaListings(clients)
    stacks: list[StackPlan] = []
    sets: list[StackSetPlan] = []
    for deployment in loaded.deployments:
        desired = resolved.desired.get(deployment.name)
        if desired is None or deployment in resolved.invalid:
            continue
        reviews: dict[tuple[str, str], QuotaCodeReview] = {}
        for item in desired:
            if not item.delete:
                reviews[(item.account, item.region)], found = review_codes(item, listings)
                problems += found
        if deployment.mode is Mode.STACK:
            for item in desired:
                plan = decide_stack(item, observe_stack(clients.cloudformation(item.region), deployment.name, template))
                review = reviews.get((item.account, item.region))
                stacks.append(replace(plan, reasons=plan.reasons + review.lines) if review else plan)
        else:
            set_state = observe_stack_set(clients.cloudformation(), deployment.name, template, call_as)
            set_plan = decide_stack_set(deployment, desired, set_state)
            instances = tuple(replace(i, reasons=i.reasons + reviews[(i.account, i.region)].lines)
                              if (i.account, i.region) in reviews else i for i in set_plan.instances)
            sets.append(replace(set_plan, instances=instances))
    return FleetPlan(tuple(problems), tuple(stacks), tuple(sets), tuple(resolved.invalid),
                     {name: tuple(items) for name, items in resolved.desired.items()})

