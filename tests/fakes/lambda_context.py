"""A Lambda context object with the attributes Powertools Logger and handlers read."""

from __future__ import annotations

import dataclasses
import time
import uuid

from tests.fakes.core import ACCOUNT_ID, REGION


@dataclasses.dataclass
class FakeLambdaContext:
    function_name: str = "bedrock-ops-alert-notification-processor"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    timeout_seconds: float = 300.0
    aws_request_id: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "2026/11/26/[$LATEST]0123456789abcdef0123456789abcdef"
    identity: object | None = None
    client_context: object | None = None
    _started: float = dataclasses.field(default_factory=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        if not self.invoked_function_arn:
            self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        if not self.log_group_name:
            self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))
