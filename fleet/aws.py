"""boto3 clients, one per service + region, from an injectable session."""
from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 10})


class Clients:
    """Creates each client once. Tests pass a session (or a ready-made factory) to stub AWS."""

    def __init__(self, session: boto3.session.Session | None = None, home_region: str | None = None) -> None:
        self.session = session or boto3.session.Session()
        self.home_region = home_region or self.session.region_name or "us-east-1"
        self._cache: dict[tuple[str, str], Any] = {}
        self._account: str | None = None

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.home_region)
        if key not in self._cache:
            session: Any = self.session  # typed stubs want a literal service name
            self._cache[key] = session.client(service, region_name=key[1], config=_CONFIG)
        return self._cache[key]

    def cloudformation(self, region: str | None = None) -> Any:
        return self.client("cloudformation", region)

    def s3(self, region: str | None = None) -> Any:
        return self.client("s3", region)

    @property
    def account(self) -> str:
        if self._account is None:
            self._account = self.client("sts").get_caller_identity()["Account"]
        return self._account


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", exc))
