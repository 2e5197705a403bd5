"""The notification processor's environment contract (ops_alert.processor_env) is the one the
template sets and the one the settings adapter reads: no name is written anywhere else."""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from ops_alert import processor_env
from ops_alert_aws.settings import ProcessorEnv

# Read by the settings adapter with a default, not set by the template: a deployment may add it.
OPTIONAL = {processor_env.USAGE_LOOKBACK_DAYS}


class _Recording(Mapping[str, str]):
    """An environment that remembers every name read from it."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values, self.read = dict(values), set[str]()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        return self.values[name]

    def get(self, name: str, default: object = None) -> object:  # type: ignore[override]
        self.read.add(name)
        return self.values.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def test_template_sets_exactly_the_contract(resources: dict) -> None:
    variables = resources["NotificationProcessor"]["Properties"]["Environment"]["Variables"]
    assert set(variables) == processor_env.TEMPLATE_VARIABLES


def test_settings_read_only_names_of_the_contract(resources: dict) -> None:
    variables = resources["NotificationProcessor"]["Properties"]["Environment"]["Variables"]
    environ = _Recording({name: "10" if "DAYS" in name or "ATTEMPTS" in name else "x" for name in variables})
    ProcessorEnv.from_env(environ)
    contract = processor_env.TEMPLATE_VARIABLES | OPTIONAL
    assert environ.read <= contract, environ.read - contract
    assert environ.read >= OPTIONAL  # the optional ones are read too


def test_every_contract_name_is_the_constant_of_its_own_name() -> None:
    constants = {k: v for k, v in vars(processor_env).items() if k.isupper() and isinstance(v, str)}
    assert all(name == value for name, value in constants.items())
    assert set(constants.values()) == processor_env.TEMPLATE_VARIABLES | OPTIONAL
