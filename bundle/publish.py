"""Check, upload and deploy one stack: ``make check`` / ``make upload`` / ``make deploy``.

    python -m bundle.publish check  --params FILE [--bucket B] [--region R] [--stack S] [--offline]
    python -m bundle.publish upload --bucket B [--region R]
    python -m bundle.publish deploy --stack S --params FILE --bucket B [--region R] [--no-execute]

``check`` and ``deploy`` first validate the parameter file against the rendered template
(build/template.yaml) with the fleet's validator (fleet.validate), with no AWS request; then the
deploy-time facts, read-only: the bucket exists, is in the stack's region and is owned by the
caller's account (and, for ``check``, holds the zips the template names). Every problem is
reported together, each with its fix, before anything is written to AWS.

``upload`` passes ExpectedBucketOwner on every request and skips a key only when the object
already there has the same SHA-256 checksum (or, without one, the same size and MD5 ETag) as the
local zip; anything else is uploaded again.
"""
from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bundle.cli_errors import UserError, add_debug_flag, guarded
from bundle.regions import check_region
from bundle.zips import built_keys

BUILD = Path(__file__).resolve().parent.parent / "build"
EXIT_PROBLEMS = 1
BUCKET_PARAMETER = "LambdaS3Bucket"


class PublishError(UserError):
    """A problem the user must fix before anything is uploaded or deployed."""


def _require(value: str | None, what: str, example: str) -> str:
    if not value:
        raise PublishError(f"{what} is missing: {example}")
    return value


def _session(region: str | None) -> Any:
    """A boto3 session in a region that exists (no request is made here)."""
    import boto3

    session = boto3.session.Session(region_name=region or None)
    if session.region_name is None:
        raise PublishError("no AWS region: pass REGION=us-east-1 (or set AWS_REGION)")
    check_region(session.region_name)
    return session


def _account(session: Any) -> str:
    """The caller's account: the owner every bucket request expects (credential errors end in the
    error boundary as one line)."""
    return str(session.client("sts").get_caller_identity()["Account"])


def artifact_keys() -> dict[str, str]:
    keys = built_keys(BUILD)
    if not keys:
        raise PublishError("build/ holds no artifacts: run `make package` first")
    return keys


def _template() -> Any:
    from fleet.template import load_template

    path = BUILD / "template.yaml"
    if not path.is_file():
        raise PublishError(f"{path} does not exist: run `make package` first")
    try:
        return load_template(path)
    except ValueError as exc:
        raise PublishError(f"{path} is {exc}: run `make package` again") from None


def _report(problems: Sequence[Any], what: str) -> int:
    print(f"Problems ({len(problems)}): {what}", file=sys.stderr)
    for problem in problems:
        print(f"  ! {problem}", file=sys.stderr)
    return EXIT_PROBLEMS


# --- upload -------------------------------------------------------------------------------------

def upload(bucket: str, region: str | None) -> list[str]:
    from fleet.artifacts import check_bucket

    bucket = _require(bucket, "BUCKET", "make upload BUCKET=my-artifacts-bucket [REGION=us-east-1]")
    keys = artifact_keys()
    session = _session(region)
    account = _account(session)
    s3 = session.client("s3")
    for problem in check_bucket(s3, bucket, session.region_name, account, "BUCKET", field=bucket):
        raise PublishError(f"{problem.message}. Fix: {problem.fix}")
    return _put_zips(s3, bucket, account, keys.values())


def _put_zips(s3: Any, bucket: str, account: str, keys: Iterable[str]) -> list[str]:
    """Each zip of build/ unless the bucket already holds the same bytes; the keys uploaded."""
    from fleet.artifacts import put_unless_present

    uploaded = []
    for key in sorted(keys):
        if put_unless_present(s3, bucket, key, (BUILD / key).read_bytes(), account):
            uploaded.append(key)
            print(f"s3://{bucket}/{key}  uploaded")
        else:
            print(f"s3://{bucket}/{key}  already present (same SHA-256)")
    return uploaded


# --- parameters ---------------------------------------------------------------------------------

def read_parameters(path: str) -> dict[str, str]:
    """Parameters from JSON: a CloudFormation list [{"ParameterKey", "ParameterValue"}], a plain
    object {"Name": value}, or a CodePipeline-style {"Parameters": {...}} object."""
    source = Path(_require(path, "PARAMS", "make deploy STACK=name PARAMS=params.json BUCKET=my-artifacts-bucket"))
    if not source.is_file():
        raise PublishError(f"parameter file {source} does not exist")
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError for a file that is not UTF-8
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
    return {k: ",".join(map(str, v)) if isinstance(v, list) else _text(v) for k, v in data.items()}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def resolve_bucket(params: dict[str, str], bucket: str, where: str) -> tuple[str, list[Any]]:
    """The artifact bucket: BUCKET, which sets LambdaS3Bucket; a different LambdaS3Bucket in the
    file would send the zips to one bucket and make the stack read another."""
    from fleet.model import Problem

    in_file = params.get(BUCKET_PARAMETER, "")
    if bucket and in_file and in_file != bucket:
        return bucket, [Problem(where, BUCKET_PARAMETER, f"is {in_file!r} but BUCKET is {bucket!r}: the zips would go to "
                                f"{bucket} and the stack would look for them in {in_file}",
                                f"remove {BUCKET_PARAMETER} from the file (it is set from BUCKET), or pass BUCKET={in_file}")]
    chosen = bucket or in_file
    if not chosen:
        return "", [Problem(where, BUCKET_PARAMETER, "missing: no BUCKET and none in the file",
                            "pass BUCKET=my-artifacts-bucket (it sets LambdaS3Bucket)")]
    return chosen, []


def offline_problems(params: dict[str, str], bucket: str, template: Any, where: str, stack: str | None = None) -> tuple[str, list[Any]]:
    """Everything that can be checked without AWS: the parameter set against the template, the
    bucket choice, the stack name, and that build/ holds the zips the template names."""
    from fleet.model import Problem
    from fleet.validate import STACK_NAME, check_parameter_set

    bucket, problems = resolve_bucket(params, bucket, where)
    given = {**params, BUCKET_PARAMETER: bucket} if bucket else dict(params)
    problems += check_parameter_set(given, template.parameters, where)
    if stack is not None and not STACK_NAME.match(stack):
        problems.append(Problem("STACK", stack, "is not a valid stack name", "a letter, then letters, digits and hyphens (at most 128)"))
    missing = sorted(set(template.artifact_keys) - set(built_keys(BUILD).values()))
    if missing:
        problems.append(Problem(str(BUILD), "zips", f"the template names {', '.join(missing)}, which build/ lacks",
                                "run `make package` again"))
    return bucket, problems


def aws_problems(session: Any, account: str, bucket: str, template: Any, with_zips: bool) -> list[Any]:
    """Read-only: the bucket is ``account``'s, in the stack's region; with ``with_zips``, it holds
    every zip the template names, with the bytes of build/."""
    from fleet.artifacts import check_bucket, head, holds
    from fleet.model import Problem

    region = session.region_name
    s3 = session.client("s3")
    problems = check_bucket(s3, bucket, region, account, f"BUCKET={bucket}", field=BUCKET_PARAMETER)
    if problems or not with_zips:
        return problems
    stale = []
    for key in template.artifact_keys:
        found = head(s3, bucket, key, account)
        if found is None or not holds(found, (BUILD / key).read_bytes()):
            stale.append(key)
    if stale:
        problems.append(Problem(f"BUCKET={bucket}", BUCKET_PARAMETER, f"s3://{bucket}/ lacks (or holds other bytes for) "
                                f"{', '.join(stale)}", f"make upload BUCKET={bucket} REGION={region}"))
    return problems


# --- check and deploy ---------------------------------------------------------------------------

def check(params_path: str, bucket: str, region: str | None, stack: str | None = None, offline: bool = False) -> int:
    """``make check``: validate without writing anything (``offline``: without any AWS request)."""
    params = read_parameters(params_path)
    template = _template()
    bucket, problems = offline_problems(params, bucket, template, params_path, stack)
    if problems:
        return _report(problems, "fix them, then run make check again (AWS was not contacted)")
    if offline:
        print(f"{params_path}: valid against build/template.yaml ({len(template.parameters)} parameters). "
              "Not checked offline: the bucket and its zips.")
        return 0
    session = _session(region)
    problems = aws_problems(session, _account(session), bucket, template, with_zips=True)
    if problems:
        return _report(problems, "nothing was changed")
    print(f"{params_path}: ready to deploy: parameters valid; s3://{bucket} in {session.region_name}, owned by this "
          f"account, holds the {len(template.artifact_keys)} zips")
    return 0


def deploy_command(stack: str, params: dict[str, str], bucket: str, region: str, execute: bool = True) -> list[str]:
    overrides = [f"{k}={v}" for k, v in sorted({**params, BUCKET_PARAMETER: bucket}.items())]
    return [
        "aws", "cloudformation", "deploy",
        "--stack-name", stack,
        "--template-file", str(BUILD / "template.yaml"),
        # The template is larger than the 51,200-byte inline limit: the CLI stages it in the bucket.
        "--s3-bucket", bucket, "--s3-prefix", "templates",
        "--capabilities", "CAPABILITY_NAMED_IAM",
        "--region", region,
        "--no-fail-on-empty-changeset",
        *([] if execute else ["--no-execute-changeset"]),
        "--parameter-overrides", *overrides,
    ]


def deploy(stack: str, params_path: str, bucket: str, region: str | None, execute: bool = True) -> int:
    stack = _require(stack, "STACK", "make deploy STACK=bedrock-ops-alert-acme-g-opus-4-6 PARAMS=params.json BUCKET=…")
    params = read_parameters(params_path)
    template = _template()
    bucket, problems = offline_problems(params, bucket, template, params_path, stack)
    if problems:
        return _report(problems, "nothing was uploaded or deployed (AWS was not contacted)")
    if shutil.which("aws") is None:
        raise PublishError("the AWS CLI (`aws`) is not installed: see https://docs.aws.amazon.com/cli/")
    session = _session(region)
    account = _account(session)
    problems = aws_problems(session, account, bucket, template, with_zips=False)
    if problems:
        return _report(problems, "nothing was uploaded or deployed")
    _put_zips(session.client("s3"), bucket, account, artifact_keys().values())
    command = deploy_command(stack, params, bucket, session.region_name, execute)
    print("$ " + shlex.join(command), flush=True)
    return subprocess.call(command)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    return guarded(lambda: _run(argv), debug="--debug" in argv, prog="python -m bundle.publish")


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bundle.publish", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    chk = sub.add_parser("check", help="validate a parameter file (and the bucket) without changing anything")
    chk.add_argument("--params", default="")
    chk.add_argument("--bucket", default="")
    chk.add_argument("--stack")
    chk.add_argument("--region")
    chk.add_argument("--offline", action="store_true", help="only the parameters against the template: no AWS access")
    up = sub.add_parser("upload", help="upload build/*.zip to the artifact bucket")
    up.add_argument("--bucket", default="")
    up.add_argument("--region")
    dep = sub.add_parser("deploy", help="check, upload, then aws cloudformation deploy")
    dep.add_argument("--stack", default="")
    dep.add_argument("--params", default="")
    dep.add_argument("--bucket", default="")
    dep.add_argument("--region")
    dep.add_argument("--no-execute", action="store_true", help="create the change set, do not execute it")
    for command in (chk, up, dep):
        add_debug_flag(command)
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args.params, args.bucket, args.region, args.stack, args.offline)
    if args.command == "upload":
        upload(args.bucket, args.region)
        return 0
    return deploy(args.stack, args.params, args.bucket, args.region, execute=not args.no_execute)


if __name__ == "__main__":
    sys.exit(main())
