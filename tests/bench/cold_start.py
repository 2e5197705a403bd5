"""One cold start, in the fresh process this script runs in: import the handler and create its clients.

Run by tests/bench/run.py (never imported by it): ``python tests/bench/cold_start.py SPEC_JSON``
prints one JSON line ``{"cpu_s": ..., "peak_mib": ..., "modules": ...}``. SPEC_JSON says what to do:

- ``{"kind": "ours", "task": DIR, "layer": DIR, "handler": "notification_processor", "modules": [...],
  "clients": [[service, region, raw_timestamps, retry], ...]}``: sys.path as Lambda sets it (the function's
  directory, then the layer's ``python/``, then the runtime's botocore), import the handler module
  from the extracted zips, then the modules its first invocations imported on first use and the
  clients they created through ``ops_alert_aws.clients`` (both lists from the bench's scenarios);
- ``{"kind": "original", "clients": [[service, region], ...]}``: the original sample's processor,
  one file with no layer code: the standard-library modules it uses and boto3 imported, then one
  ``boto3.client(service)`` per service at module level, on boto3's default Session.

CPU is this process's user + system time from just before the import to just after the last
client; peak memory is the process's maximum resident set size, VmHWM (what Lambda reports as
"Max Memory Used", interpreter included).
"""
from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time


def _ours(spec: dict) -> None:
    sys.path[:0] = [spec["task"], os.path.join(spec["layer"], "python")]
    handler = __import__(spec["handler"])
    assert callable(handler.handler)
    for module in spec["modules"]:
        importlib.import_module(module)
    clients = sys.modules["ops_alert_aws.clients"]
    for service, region, raw, retry in spec["clients"]:
        clients.client(service, region, raw_timestamps=raw, retry=retry)


def _original(spec: dict) -> None:
    # What a single-file processor like the original needs at import (its handler uses json, os,
    # re, time, datetime, logging and botocore's ClientError), then its module-level clients.
    import datetime  # noqa: F401
    import logging  # noqa: F401
    import re  # noqa: F401

    import boto3
    from botocore.exceptions import ClientError  # noqa: F401

    for service, region in spec["clients"]:
        boto3.client(service, region_name=region) if region else boto3.client(service)


def main() -> None:
    spec = json.loads(sys.argv[1])
    before = set(sys.modules)
    start = time.process_time()
    (_ours if spec["kind"] == "ours" else _original)(spec)
    cpu = time.process_time() - start
    print(json.dumps({"cpu_s": cpu, "peak_mib": _peak_kib() / 1024, "modules": len(set(sys.modules) - before)}))


def _peak_kib() -> int:
    # VmHWM is this program's own high-water mark; ru_maxrss would also count the bench process
    # this one was forked from (Linux keeps the larger of the two across exec).
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


if __name__ == "__main__":
    main()
