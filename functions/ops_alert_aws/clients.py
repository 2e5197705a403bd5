"""boto3 clients: created once per container, with adaptive retries and sane timeouts.

Creating a client costs tens of milliseconds, so handlers reuse them across invocations. Tests call
``reset()`` so every test gets clients bound to its own mocks.
"""
from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

# Adaptive mode backs off client-side when AWS throttles (Service Quotas and Support throttle
# aggressively); 5 attempts stays well inside every function's timeout.
RETRIES = Config(
    retries={"mode": "adaptive", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="bedrock-ops-alert",
)
# The AWS Support API is served from us-east-1 whatever the caller's region (SPEC §9).
SUPPORT_REGION = "us-east-1"


@functools.lru_cache(maxsize=None)
def client(service: str, region: str | None = None) -> Any:
    return boto3.session.Session().client(service, region_name=region, config=RETRIES)


def support() -> Any:
    return client("support", SUPPORT_REGION)


def reset() -> None:
    client.cache_clear()
