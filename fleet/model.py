"""Values shared by every fleet module: deployments, targets, problems."""
from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

STACK_NAME_PREFIX = "bedrock-ops-alert"
# ParameterValue in a manifest: a scalar or, for CommaDelimitedList parameters, a list.
ParamValue = str | int | float | bool | list[str] | tuple[str, ...]


class Status(str, enum.Enum):
    ACTIVE = "active"
    DELETE = "delete"


class Mode(str, enum.Enum):
    STACK = "stack"  # one stack per region, in the account running the command
    STACK_SET = "stack set"  # one service-managed StackSet, one instance per account + region


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, said so that the user can fix it without guessing."""

    where: str  # e.g. "deployments[2] Acme/G-Opus-4-6 (us-east-1)"
    field: str  # e.g. "parameters.StakeholderEmailList"
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}. Fix: {self.fix}"


@dataclass(frozen=True)
class Target:
    region: str
    account: str | None = None
    parameters: Mapping[str, ParamValue] = field(default_factory=dict)  # per-target overrides
    status: Status = Status.ACTIVE


@dataclass(frozen=True)
class Deployment:
    """One monitored model (customer + model) and where it runs."""

    customer: str
    model: str
    targets: tuple[Target, ...]
    parameters: Mapping[str, ParamValue]  # defaults merged with the entry's own values
    tags: Mapping[str, str]
    source: str  # where it came from, for messages: "deployments[0]" or "registry row ..."
    organizational_unit: str | None = None
    status: Status = Status.ACTIVE

    @property
    def mode(self) -> Mode:
        return Mode.STACK_SET if self.organizational_unit else Mode.STACK

    @property
    def name(self) -> str:
        """Stack / StackSet name, as the original: ``bedrock-ops-alert-<customer>-<model>``."""
        return stack_name(self.customer, self.model)

    @property
    def label(self) -> str:
        return f"{self.source} {self.customer}/{self.model}"


def stack_name(customer: str, model: str) -> str:
    return f"{STACK_NAME_PREFIX}-{customer}-{model}".lower()


@dataclass(frozen=True)
class Desired:
    """What one stack (or stack instance) should look like once applied."""

    deployment: Deployment
    region: str
    account: str
    parameters: Mapping[str, str]  # every template parameter, resolved to its string value
    delete: bool

    @property
    def where(self) -> str:
        return f"{self.deployment.label} ({self.account} {self.region})"


@dataclass(frozen=True)
class Loaded:
    """Deployments read from a source, and what could not be read."""

    deployments: tuple[Deployment, ...]
    problems: tuple[Problem, ...]


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
