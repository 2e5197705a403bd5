"""``make quota-fixture REGION=…``: save a live account's bedrock listings for the test table.

Runs the AWS CLI (the same commands a user would type) and writes their JSON under
``tests/fixtures/bedrock_quotas/live/<region>/``; ``review`` then ranks every model and profile ID
of a saved region against its quotas and reports what needs a look (a tie, a model with no quota).
The runner is injectable so the offline part is tested without AWS.
"""
from __future__ import annotations

import argparse
import json
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bundle.cli_errors import UserError, guarded
from quota_lookup.lookup import codes_for, model_ids_from_listing, quotas_from_listing

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "bedrock_quotas" / "live"
# file name → AWS CLI arguments (the CLI paginates by itself and merges the pages).
COMMANDS: dict[str, list[str]] = {
    "service-quotas.json": ["service-quotas", "list-service-quotas", "--service-code", "bedrock"],
    "default-service-quotas.json": ["service-quotas", "list-aws-default-service-quotas", "--service-code", "bedrock"],
    "foundation-models.json": ["bedrock", "list-foundation-models"],
    "inference-profiles.json": ["bedrock", "list-inference-profiles", "--type-equals", "SYSTEM_DEFINED"],
}
Runner = Callable[[list[str]], str]


class FixtureError(UserError):
    """One line to show: what failed and what to change."""


def aws_cli(args: list[str]) -> str:
    try:
        done = subprocess.run(["aws", *args], capture_output=True, text=True, timeout=120, check=False)
    except FileNotFoundError as exc:
        raise FixtureError("the AWS CLI (aws) is not installed: pip install awscli, or use the project's .venv") from exc
    except subprocess.TimeoutExpired as exc:
        raise FixtureError(f"`aws {' '.join(args[:2])}` did not answer within 120 s: try again") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no error text"])[-1]
        raise FixtureError(f"`aws {' '.join(args[:2])}` failed: {last}")
    return done.stdout


def refresh(region: str, out: Path = DEFAULT_OUT, run: Runner = aws_cli) -> list[Path]:
    """Fetch every listing first, then write them all: a failure leaves the old snapshot whole."""
    if not region:
        raise FixtureError("REGION is missing: make quota-fixture REGION=us-east-1")
    documents: dict[str, Any] = {}
    for name, args in COMMANDS.items():
        text = run([*args, "--region", region, "--output", "json"])
        try:
            documents[name] = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FixtureError(f"`aws {' '.join(args[:2])}` did not return JSON: {exc}") from exc
    quotas_from_listing(documents["service-quotas.json"], "service-quotas.json")  # shape check
    folder = out / region
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in documents.items():
        path = folder / name
        path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written


def review(folder: Path) -> list[str]:
    """What a saved region needs a person for: ties between quotas, and IDs no quota names."""
    def load(name: str) -> Any:
        path = folder / name
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    applied = quotas_from_listing(load("service-quotas.json"), str(folder / "service-quotas.json"))
    defaults_doc = load("default-service-quotas.json")
    defaults = quotas_from_listing(defaults_doc, "default-service-quotas.json") if defaults_doc else []
    ids = model_ids_from_listing(load("foundation-models.json")) + model_ids_from_listing(load("inference-profiles.json"))
    notes = []
    for model_id in sorted(set(ids)):
        codes = codes_for(model_id, applied, defaults)
        for line in codes.lines:
            if line.tied:
                notes.append(f"{model_id}: {line.rate.value} tie between {', '.join(q.code for q in line.tied)}")
        if not codes.matched:
            notes.append(f"{model_id}: no quota names it (NA, or a naming difference for ALIASES)")
    return notes


def main(argv: Sequence[str] | None = None, run: Runner = aws_cli, out: Path = DEFAULT_OUT) -> int:
    parser = argparse.ArgumentParser(prog="make quota-fixture")
    parser.add_argument("--region", default="")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    return guarded(lambda: _refresh(args.region, out, run), debug=args.debug, prog="quota-fixture")


def _refresh(region: str, out: Path, run: Runner) -> int:
    written = refresh(region, out, run)
    notes = review(written[0].parent)
    for path in written:
        print(f"wrote {path}")
    print(f"{len(notes)} model(s) to look at:" if notes else "every model ID ranks to one quota or none")
    for note in notes:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
