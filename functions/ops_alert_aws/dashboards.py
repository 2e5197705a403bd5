"""The stack's CloudWatch dashboard: read its body, write it back (GetDashboard / PutDashboard)."""
from __future__ import annotations

import json
from typing import Any

from ops_alert_aws.clients import client


def read_dashboard(name: str) -> dict[str, Any]:
    """The dashboard body as JSON; raises the AWS error (ResourceNotFound when it was deleted)."""
    body = json.loads(client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
    if not isinstance(body, dict):
        raise ValueError(f"dashboard {name} has a body that is not a JSON object")
    return body


def write_dashboard(name: str, body: dict[str, Any]) -> list[str]:
    """Replace the body; returns CloudWatch's validation messages (warnings; errors raise)."""
    response = client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=json.dumps(body, separators=(",", ":")))
    return [str(m.get("Message", "")) for m in response.get("DashboardValidationMessages", [])]
