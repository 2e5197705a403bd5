"""Poll until a CloudFormation operation settles: backoff, a bound, an injectable clock."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


class TimedOut(Exception):
    """The operation did not settle within the bound; it may still finish in AWS."""


@dataclass(frozen=True)
class Poller:
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    timeout: float = 3600.0  # a stack with a KMS key and custom resources takes minutes, not hours
    first_delay: float = 5.0
    max_delay: float = 30.0

    def wait(self, probe: Callable[[], tuple[bool, str]], on_status: Callable[[str, float], None]) -> str:
        """Call ``probe`` until it says done; report each new status once; return the last one.
        The last wait is shortened so that the final probe happens at ``timeout`` seconds, not one
        backoff step earlier."""
        start = self.clock()
        delay = self.first_delay
        last = None
        while True:
            done, status = probe()
            elapsed = self.clock() - start
            if status != last:
                on_status(status, elapsed)
                last = status
            if done:
                return status
            if elapsed >= self.timeout:
                raise TimedOut(f"still {status} after {elapsed:.0f}s (--timeout {self.timeout:g})")
            self.sleep(min(delay, self.timeout - elapsed))
            delay = min(delay * 2, self.max_delay)
