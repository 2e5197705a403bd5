"""Upload the artifacts and deploy one stack: ``make upload`` / ``make deploy``.

    python -m bundle.publish upload --bucket B [--region R]
    python -m bundle.publish deploy --stack S --params FILE --bucket B [--region R]

Both check their inputs and AWS credentials first and stop with one clear line when something is
missing. Upload skips keys already in the bucket: keys are content-addressed, so an existing key
already holds exactly these bytes.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bundle.artifacts import built_keys
from bundle.cli_errors import UserError, add_debug_flag, guarded

BUILD = Path(__file__).resolve().parent.parent / "build"


class PublishError(UserError):
    """A problem the user must fix before anything is uploaded or deployed."""


def _require(value: str | None, what: str, example: str) -> str:
    if not value:
        raise PublishError(f"{what} is missing: {example}")
    return value


def _session(region: str | None) -> Any:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    session = boto3.session.Session(region_name=region)
    if session.region_name is None:
        raise PublishError("no AWS region: pass REGION=us-east-1 (or set AWS_REGION)")
    try:
        session.client("sts").get_caller_identity()
    except NoCredentialsError:
        raise PublishError("no AWS credentials: configure a profile or AWS_* variables (aws configure)") from None
    except (ClientError, BotoCoreError) as exc:
        raise PublishError(f"AWS credentials are not usable: {exc}") from None
    return session


def artifact_keys() -> dict[str, str]:
    keys = built_keys(BUILD)
    if not keys:
        raise PublishError("build/ holds no artifacts: run `make package` first")
    return keys


def upload(bucket: str, region: str | None) -> list[str]:
    from botocore.exceptions import ClientError

    bucket = _require(bucket, "BUCKET", "make upload BUCKET=my-artifacts-bucket [REGION=us-east-1]")
    keys = artifact_keys()
    s3 = _session(region).client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        reason = "does not exist" if code in ("404", "NoSuchBucket") else f"is not accessible ({code})"
        raise PublishError(f"bucket {bucket} {reason}: create it in the stack's region first") from None
    uploaded = []
    for key in sorted(keys.values()):
        try:
            s3.head_object(Bucket=bucket, Key=key)
            print(f"s3://{bucket}/{key}  already present")
            continue
        except ClientError:
            pass
        s3.upload_file(str(BUILD / key), bucket, key)
        uploaded.append(key)
        print(f"s3://{bucket}/{key}  uploaded")
    return uploaded


def read_parameters(path: str) -> dict[str, str]:
    """Parameters from JSON: a CloudFormation list [{"ParameterKey", "ParameterValue"}], a plain
    object {"Name": value}, or a CodePipeline-style {"Parameters": {...}} object."""
    source = Path(_require(path, "PARAMS", "make deploy STACK=name PARAMS=params.json BUCKET=my-artifacts-bucket"))
    if not source.exists():
        raise PublishError(f"parameter file {source} does not exist")
    try:
        data = json.loads(source.read_text())
    except json.JSONDecodeError as exc:
        raise PublishError(f"parameter file {source} is not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("Parameters"), dict):
        data = data["Parameters"]
    if isinstance(data, list):
        try:
            data = {p["ParameterKey"]: p["ParameterValue"] for p in data}
        except (KeyError, TypeError):
            raise PublishError(f"{source}: list entries need ParameterKey and ParameterValue") from None
    if not isinstance(data, dict):
        raise PublishError(f"{source}: expected a JSON object or a ParameterKey/ParameterValue list")
    return {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in data.items()}


def deploy_command(stack: str, params: dict[str, str], bucket: str, region: str) -> list[str]:
    overrides = [f"{k}={v}" for k, v in sorted({**params, "LambdaS3Bucket": params.get("LambdaS3Bucket", bucket)}.items())]
    return [
        "aws", "cloudformation", "deploy",
        "--stack-name", stack,
        "--template-file", str(BUILD / "template.yaml"),
        # The template is larger than the 51,200-byte inline limit: stage it in the bucket.
        "--s3-bucket", bucket, "--s3-prefix", "templates",
        "--capabilities", "CAPABILITY_NAMED_IAM",
        "--region", region,
        "--no-fail-on-empty-changeset",
        "--parameter-overrides", *overrides,
    ]


def deploy(stack: str, params_path: str, bucket: str, region: str | None) -> int:
    stack = _require(stack, "STACK", "make deploy STACK=bedrock-ops-alert-acme-g-opus-4-6 PARAMS=params.json BUCKET=…")
    params = read_parameters(params_path)
    bucket = _require(bucket or params.get("LambdaS3Bucket"), "BUCKET", "make deploy … BUCKET=my-artifacts-bucket")
    if shutil.which("aws") is None:
        raise PublishError("the AWS CLI (`aws`) is not installed: see https://docs.aws.amazon.com/cli/")
    session = _session(region)
    upload(bucket, session.region_name)
    command = deploy_command(stack, params, bucket, session.region_name)
    print("$ " + " ".join(command))
    return subprocess.call(command)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    return guarded(lambda: _run(argv), debug="--debug" in argv, prog="python -m bundle.publish")


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bundle.publish", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upload", help="upload build/*.zip to the artifact bucket")
    up.add_argument("--bucket", default="")
    up.add_argument("--region")
    dep = sub.add_parser("deploy", help="upload, then aws cloudformation deploy")
    dep.add_argument("--stack", default="")
    dep.add_argument("--params", default="")
    dep.add_argument("--bucket", default="")
    dep.add_argument("--region")
    for command in (up, dep):
        add_debug_flag(command)
    args = parser.parse_args(argv)
    if args.command == "upload":
        upload(args.bucket, args.region)
        return 0
    return deploy(args.stack, args.params, args.bucket, args.region)


if __name__ == "__main__":
    sys.exit(main())
