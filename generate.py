#!/usr/bin/env python3
"""Build the Lambda zips and render the CloudFormation template into build/.

    python generate.py                 # build/: template.yaml, template.json and the zips
    python generate.py --check         # exit 1 unless build/ equals a fresh build (stale or edited)
    python generate.py --out DIR       # another output directory

No AWS access is needed. The zips are reproducible, their S3 keys content-addressed, and the
template refers to exactly those keys.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bundle import runtime_python
from bundle.artifacts import FOUND, RuntimeChoice, build_artifacts
from bundle.cli_errors import UserError, add_debug_flag, guarded
from templates import build_template

ROOT = Path(__file__).resolve().parent


def render(python: RuntimeChoice = FOUND) -> dict[str, bytes]:
    """Every file build/ should contain, name → bytes; ``python`` compiles the zips' bytecode (None:
    source only; by default the interpreter `make package` found or installed)."""
    artifacts = build_artifacts(python)
    keys = {a.name: a.key for a in artifacts}
    template = build_template(keys)
    files = {a.key: a.content for a in artifacts}
    files["template.yaml"] = template.to_yaml().encode()
    files["template.json"] = (template.to_json(indent=1) + "\n").encode()
    return files


def write(out: Path, files: dict[str, bytes]) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file: give a directory (it will hold template.yaml and the zips)")
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.zip"):  # old content-addressed zips must not be uploaded again
        if stale.name not in files:
            stale.unlink()
    for name, data in files.items():
        (out / name).write_bytes(data)


def check(out: Path, files: dict[str, bytes]) -> list[str]:
    problems = []
    for name, data in sorted(files.items()):
        path = out / name
        if not path.exists():
            problems.append(f"{path}: missing")
        elif path.read_bytes() != data:
            problems.append(f"{path}: differs from a fresh build")
    for extra in sorted(out.glob("*.zip")):
        if extra.name not in files:
            problems.append(f"{extra}: stale artifact")
    return problems


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    return guarded(lambda: _run(argv), debug="--debug" in argv, prog="generate.py")


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build")
    parser.add_argument("--check", action="store_true", help="verify the output directory is current")
    add_debug_flag(parser)
    args = parser.parse_args(argv)
    # The runtime's interpreter compiles the bytecode the zips carry; installed on first use (bundle/runtime_python.py).
    try:
        python, why_not = runtime_python.find(fetch=True)
    except runtime_python.Unavailable as exc:
        raise UserError(f"{exc}: set RUNTIME_PYTHON to a {runtime_python.NAME}, or to none for zips without bytecode") from None
    files = render(python)
    if args.check:
        problems = check(args.out, files)
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{args.out}: {'stale, run `make package`' if problems else 'current'}")
        return 1 if problems else 0
    write(args.out, files)
    for name in sorted(files):
        print(f"{args.out.name}/{name}  {len(files[name]):>9,} bytes")
    print(f"bytecode: {python.describe()}" if python else
          f"bytecode: none ({why_not}); the zips carry source only, which every cold start compiles "
          f"(set RUNTIME_PYTHON to a {runtime_python.NAME})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
