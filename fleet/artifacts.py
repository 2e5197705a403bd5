"""The S3 side of a deployment: is the artifact bucket the right one (exists, in the stack's region,
owned by the expected account), are the Lambda zips in it with the bytes their names promise, and
where does the template go when it is too big to pass inline. Shared by the fleet and
``make upload`` / ``make check`` / ``make deploy``.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from bundle.regions import s3_object_url
from bundle.zips import parse_key
from fleet.aws import Clients, error_code
from fleet.model import Problem
from fleet.template import Template

_MISSING = ("404", "NoSuchKey", "NotFound")


def sha256_base64(data: bytes) -> str:
    """The form S3 reports as ChecksumSHA256."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _owner(owner: str | None) -> dict[str, str]:
    return {"ExpectedBucketOwner": owner} if owner else {}


def head(s3: Any, bucket: str, key: str, owner: str | None) -> Mapping[str, Any] | None:
    """HeadObject with the checksum asked for; None when there is no such object."""
    try:
        return s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED", **_owner(owner))
    except ClientError as exc:
        if error_code(exc) in _MISSING:
            return None
        raise


def _full_object_sha256(head: Mapping[str, Any]) -> str | None:
    checksum = head.get("ChecksumSHA256")
    # A multipart upload's checksum is of the parts ("…-3" or ChecksumType COMPOSITE): not comparable.
    if not checksum or "-" in checksum or head.get("ChecksumType", "FULL_OBJECT") != "FULL_OBJECT":
        return None
    return str(checksum)


def holds(head: Mapping[str, Any], data: bytes) -> bool:
    """Does the object hold exactly ``data``? By its SHA-256 checksum when S3 has one; else by size
    and ETag (the MD5 of a single-part, not KMS-encrypted upload). Unknown means no: upload again."""
    checksum = _full_object_sha256(head)
    if checksum is not None:
        return checksum == sha256_base64(data)
    etag = str(head.get("ETag", "")).strip('"')
    return head.get("ContentLength") == len(data) and etag == hashlib.md5(data, usedforsecurity=False).hexdigest()


def matches_its_name(key: str, head: Mapping[str, Any]) -> bool:
    """A content-addressed zip (``name.<sha256 prefix>.zip``) whose checksum S3 knows must carry
    that prefix; True when either is unknown."""
    named = parse_key(key)
    checksum = _full_object_sha256(head)
    if named is None or checksum is None:
        return True
    return base64.b64decode(checksum).hex().startswith(named[1])


def put_unless_present(s3: Any, bucket: str, key: str, data: bytes, owner: str | None,
                       content_type: str = "application/zip") -> bool:
    """Upload ``data`` unless the object already holds these bytes (checksum compared, not just the
    key's presence); S3 verifies the SHA-256 on receipt and keeps it. True when uploaded."""
    existing = head(s3, bucket, key, owner)
    if existing is not None and holds(existing, data):
        return False
    s3.put_object(Bucket=bucket, Key=key, Body=data, ChecksumAlgorithm="SHA256", ChecksumSHA256=sha256_base64(data),
                  ContentType=content_type,
                  **_owner(owner))
    return True


def check_bucket(s3: Any, bucket: str, region: str, owner: str | None, where: str,
                 field: str = "parameters.LambdaS3Bucket") -> list[Problem]:
    """The bucket exists, is owned by ``owner`` (when given), and is in the stack's region:
    Lambda loads code only from a bucket in the function's own region."""
    try:
        answer = s3.head_bucket(Bucket=bucket, **_owner(owner))
    except ClientError as exc:
        code = error_code(exc)
        if code in ("404", "NoSuchBucket", "NotFound"):
            return [Problem(where, field, f"bucket {bucket} does not exist",
                            f"create it in {region} (aws s3 mb s3://{bucket} --region {region}), then make upload")]
        if code in ("403", "AccessDenied") and owner:
            return [Problem(where, field, f"bucket {bucket} is not owned by account {owner} (or not readable by it)",
                            "use a bucket of this account; names are global, so a typo can name someone else's bucket")]
        return [Problem(where, field, f"bucket {bucket} is not readable by this account ({code})",
                        "grant s3:GetObject/s3:ListBucket to this account (organizations: aws:PrincipalOrgID)")]
    bucket_region = answer.get("BucketRegion") or answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("x-amz-bucket-region")
    if bucket_region and bucket_region != region:
        return [Problem(where, field, f"bucket {bucket} is in {bucket_region}, the stack in {region}",
                        "Lambda loads code only from its own region: use a bucket in "
                        f"{region} (one per region, e.g. my-artifacts-{region}), or REGION={bucket_region}")]
    return []


def check_artifacts(clients: Clients, bucket: str, region: str, keys: Iterable[str], where: str,
                    owner: str | None = None) -> list[Problem]:
    """The bucket is right and holds every key, each with the bytes its content-addressed name promises."""
    s3 = clients.s3(region)
    field = "parameters.LambdaS3Bucket"
    problems = check_bucket(s3, bucket, region, owner, where, field)
    if problems:
        return problems
    missing, different = [], []
    for key in keys:
        try:
            found = head(s3, bucket, key, owner)
        except ClientError as exc:
            if error_code(exc) != "403":
                raise
            found = None
        if found is None:
            missing.append(key)
        elif not matches_its_name(key, found):
            different.append(key)
    if missing:
        problems.append(Problem(where, field, f"s3://{bucket}/ lacks {', '.join(missing)}",
                                f"run `make package` and upload build/*.zip to s3://{bucket}/ in {region} "
                                f"(make upload BUCKET={bucket} REGION={region})"))
    if different:
        problems.append(Problem(where, field, f"s3://{bucket}/ holds other bytes than the names promise: {', '.join(different)}",
                                f"upload build/*.zip again (make upload BUCKET={bucket} REGION={region})"))
    return problems


def template_source(clients: Clients, template: Template, bucket: str, region: str) -> dict[str, Any]:
    """TemplateBody when it fits (51,200 bytes), else upload once (into a bucket of this account,
    checksum compared) and pass its TemplateURL, in the region's partition (``amazonaws.com.cn``
    in China)."""
    if template.fits_inline:
        return {"TemplateBody": template.body}
    put_unless_present(clients.s3(region), bucket, template.s3_key, template.body.encode(), clients.account, "text/plain")
    return {"TemplateURL": s3_object_url(bucket, region, template.s3_key)}
