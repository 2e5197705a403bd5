"""The S3 side of a deployment: are the Lambda zips where the stacks will look for them,
and where does the template go when it is too big to pass inline."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError

from fleet.aws import Clients, error_code
from fleet.model import Problem
from fleet.template import Template


def check_artifacts(clients: Clients, bucket: str, region: str, keys: Iterable[str], where: str) -> list[Problem]:
    """HeadObject every key. Lambda reads code only from a bucket in the function's own region."""
    s3 = clients.s3(region)
    field = "parameters.LambdaS3Bucket"
    try:
        head = s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchBucket"):
            return [Problem(where, field, f"bucket {bucket} does not exist",
                            f"create it in {region} and upload the zips from build/ (make upload)")]
        return [Problem(where, field, f"bucket {bucket} is not readable by this account ({error_code(exc)})",
                        "grant s3:GetObject/s3:ListBucket to this account (organizations: aws:PrincipalOrgID)")]
    bucket_region = head.get("BucketRegion") or head.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("x-amz-bucket-region")
    if bucket_region and bucket_region != region:
        return [Problem(where, field, f"bucket {bucket} is in {bucket_region}, the stack in {region}",
                        "Lambda loads code only from its own region: use a bucket per region, e.g. my-artifacts-{region}")]
    missing = []
    for key in keys:
        try:
            s3.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) not in ("404", "NoSuchKey", "403"):
                raise
            missing.append(key)
    if missing:
        return [Problem(where, field, f"s3://{bucket}/ lacks {', '.join(missing)}",
                        f"run `make package` and upload build/*.zip to s3://{bucket}/ in {region}")]
    return []


def template_source(clients: Clients, template: Template, bucket: str, region: str) -> dict[str, Any]:
    """TemplateBody when it fits (51,200 bytes), else upload once and pass TemplateURL."""
    if template.fits_inline:
        return {"TemplateBody": template.body}
    s3 = clients.s3(region)
    try:
        s3.head_object(Bucket=bucket, Key=template.s3_key)
    except ClientError as exc:
        if error_code(exc) not in ("404", "NoSuchKey"):
            raise
        s3.put_object(Bucket=bucket, Key=template.s3_key, Body=template.body.encode(), ContentType="text/plain")
    suffix = "" if region == "us-east-1" else f".{region}"
    return {"TemplateURL": f"https://{bucket}.s3{suffix}.amazonaws.com/{template.s3_key}"}
