"""Which AWS partition a region belongs to, and what that decides (SPEC §6: every partition).

The processor's own region and account come from its own ARN (the Lambda context), never from a
message: a forged alarm ARN must not choose the account we trust, the region we call or the host
of a console link we e-mail.
"""
from __future__ import annotations

from dataclasses import dataclass

# The AWS Support API has one endpoint per partition (SPEC §9: us-east-1 for the commercial one).
_SUPPORT_REGIONS = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}
# The console host of each partition (the template picks the dashboard link's by AWS::Partition too).
CONSOLE_DOMAINS = {"aws": "console.aws.amazon.com", "aws-us-gov": "console.amazonaws-us-gov.com",
                   "aws-cn": "console.amazonaws.cn"}


def partition_of(region: str) -> str:
    """``aws``, ``aws-us-gov`` or ``aws-cn`` for a region code (others are the commercial partition)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def support_region(region: str) -> str:
    """The region that serves the AWS Support API for a caller in ``region``."""
    return _SUPPORT_REGIONS[partition_of(region)]


def console_url(region: str, path: str, *, regional: bool = False) -> str:
    """A link into the AWS console of ``region``'s partition (a commercial console link does not open
    in GovCloud or China); ``regional``: on the region's own console host."""
    domain = CONSOLE_DOMAINS[partition_of(region)]
    return f"https://{region}.{domain}/{path}" if regional else f"https://{domain}/{path}"


@dataclass(frozen=True)
class OwnIdentity:
    """Partition, region and account of the running function, from its own ARN."""

    partition: str
    region: str
    account: str

    @classmethod
    def from_function_arn(cls, arn: str) -> OwnIdentity | None:
        """``arn:<partition>:lambda:<region>:<account>:function:<name>[:qualifier]``; None if not one."""
        parts = arn.split(":")
        if len(parts) < 7 or parts[0] != "arn" or parts[2] != "lambda" or parts[5] != "function":
            return None
        if not (parts[1] and parts[3] and parts[4].isdigit()):
            return None
        return cls(parts[1], parts[3], parts[4])

    def alarm_arn(self, alarm_name: str) -> str:
        """The ARN an alarm of this name has in this account and region."""
        return f"arn:{self.partition}:cloudwatch:{self.region}:{self.account}:alarm:{alarm_name}"
