"""AWS regions and partitions from botocore's own partition data: which region names exist, and
the DNS suffix of each (``amazonaws.com``, ``amazonaws.com.cn`` in China, …). No AWS access."""
from __future__ import annotations

import difflib
import functools
from typing import Any

from bundle.cli_errors import UserError


@functools.cache
def _partitions() -> tuple[dict[str, Any], ...]:
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    return tuple(loader.load_data("partitions")["partitions"])


def known_regions() -> tuple[str, ...]:
    """Every region botocore knows, all partitions (the ``aws-global`` style pseudo-regions left out)."""
    return tuple(sorted(r for p in _partitions() for r in p["regions"] if not r.endswith("-global")))


def unknown_region(region: str) -> str | None:
    """Why ``region`` is not a region name (with the nearest real ones), or None when it is one."""
    if region in known_regions():
        return None
    close = difflib.get_close_matches(region, known_regions(), n=3)
    hint = f"did you mean {' or '.join(close)}?" if close else "use e.g. us-east-1"
    return f"region {region!r} does not exist (botocore knows {len(known_regions())} regions): {hint}"


def check_region(region: str) -> str:
    problem = unknown_region(region)
    if problem:
        raise UserError(problem + " (an AWS region newer than this botocore: upgrade boto3)")
    return region


def dns_suffix(region: str) -> str:
    """``amazonaws.com`` for the commercial partition and GovCloud, ``amazonaws.com.cn`` for China."""
    for partition in _partitions():
        if region in partition["regions"]:
            return str(partition["outputs"]["dnsSuffix"])
    return "amazonaws.com"


def s3_object_url(bucket: str, region: str, key: str) -> str:
    """The virtual-hosted, regional URL of an S3 object (what CloudFormation's TemplateURL takes)."""
    return f"https://{bucket}.s3.{region}.{dns_suffix(region)}/{key}"
