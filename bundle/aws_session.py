"""One region of a boto3 session as the operator commands use it (make mute, make drill, make
quota-codes): the region checked before any call, one client per service, made on first use."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bundle.cli_errors import UserError
from bundle.regions import check_region

ClientFactory = Callable[[str], Any]
NO_REGION = "no AWS region: pass REGION=us-east-1 (or set AWS_REGION)"


def session_clients(region: str | None, profile: str | None, *, no_region: str = NO_REGION, config: Any = None,
                    need_credentials: bool = False) -> ClientFactory:
    """``client(service)`` for one region of a session (``profile``, else the environment's).

    UserError(``no_region``) when neither ``region`` nor the profile or environment names one, and
    check_region's line for a region that does not exist; botocore's own exceptions (an unknown
    profile; no credentials, with ``need_credentials``) for the caller's error boundary to describe.
    """
    import boto3
    from botocore.exceptions import NoCredentialsError

    session = boto3.session.Session(region_name=region or None, profile_name=profile or None)
    if not session.region_name:
        raise UserError(no_region)
    check_region(session.region_name)
    if need_credentials and session.get_credentials() is None:
        raise NoCredentialsError()
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = session.client(service, config=config)  # type: ignore[call-overload]
        return clients[service]

    return client
