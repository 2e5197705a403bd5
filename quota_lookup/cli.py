"""``make quota-codes MODEL=<id> [REGION=…] [QUOTAS=<saved listing>]``: the codes a model needs.

    python -m quota_lookup --model us.anthropic.claude-sonnet-4-5-20250929-v1:0 --region us-east-1
    python -m quota_lookup --model … --quotas saved.json [--defaults defaults.json] [--models models.json,…]

Live, it lists the account's bedrock quotas (applied and default values) and the region's model
and profile IDs; offline it reads the JSON that ``aws service-quotas list-service-quotas
--service-code bedrock`` wrote. Problems are one line on stderr through the shared CLI error boundary (``--debug`` adds the
traceback).
Exit status: 0 codes found, 1 the model matches no quota, 2 bad input or AWS unreachable.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from bundle.cli_errors import EXIT_FAILED, guarded, not_utf8
from quota_lookup.aws import (
    ClientFactory,
    LookupFailed,
    known_model_ids,
    list_quotas,
    session_clients,
)
from quota_lookup.lookup import (
    ListingError,
    closest_ids,
    closest_quota_models,
    codes_for,
    model_ids_from_listing,
    quotas_from_listing,
    render,
)

EXIT_OK, EXIT_NO_MATCH, EXIT_BAD_INPUT = 0, 1, EXIT_FAILED


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="make quota-codes", description="Show the quota codes of a Bedrock model or inference profile.")
    p.add_argument("--model", default="", help="model or inference profile ID (MODEL=…)")
    p.add_argument("--region", help="AWS region for a live lookup (REGION=…)")
    p.add_argument("--profile", help="AWS profile for a live lookup")
    p.add_argument("--quotas", type=Path, help="saved `aws service-quotas list-service-quotas --service-code bedrock` JSON (QUOTAS=…)")
    p.add_argument("--defaults", type=Path, help="saved `list-aws-default-service-quotas` JSON (optional, offline)")
    p.add_argument("--models", default="", help="comma-separated saved list-foundation-models / list-inference-profiles JSON (MODELS=…)")
    p.add_argument("--debug", action="store_true", help="show the traceback of a failure")
    return p


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LookupFailed(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise LookupFailed(f"{what} {path} is {not_utf8(exc)}: save it with --output json") from exc
    except json.JSONDecodeError as exc:
        raise LookupFailed(f"{what} {path} is not JSON (line {exc.lineno}): save it with --output json") from exc
    except RecursionError as exc:  # nesting deeper than the parser's stack
        raise LookupFailed(f"{what} {path} is nested too deeply to be a listing: save it with --output json") from exc


def _offline(args: argparse.Namespace) -> tuple[list, list, list[str]]:
    try:
        applied = quotas_from_listing(_read_json(args.quotas, "QUOTAS"), str(args.quotas))
        defaults = quotas_from_listing(_read_json(args.defaults, "the defaults listing"), str(args.defaults)) if args.defaults else []
    except ListingError as exc:
        raise LookupFailed(str(exc)) from exc
    known: list[str] = []
    for name in filter(None, (part.strip() for part in args.models.split(","))):
        known += model_ids_from_listing(_read_json(Path(name), "MODELS"))
    return applied, defaults, known


def _live(args: argparse.Namespace, client: ClientFactory | None) -> tuple[list, list, list[str]]:
    try:
        client = client or session_clients(args.region, args.profile)
        applied, defaults = list_quotas(client)
    except LookupFailed as exc:
        raise LookupFailed(f"{exc}; or work offline with QUOTAS=<saved listing>") from exc
    return applied, defaults, known_model_ids(client)


def run(args: argparse.Namespace, out: TextIO, client: ClientFactory | None = None) -> int:
    model = args.model.strip()
    if not model:
        raise LookupFailed("MODEL is missing: make quota-codes MODEL=us.anthropic.claude-sonnet-4-5-20250929-v1:0 [REGION=…]")
    applied, defaults, known = _offline(args) if args.quotas else _live(args, client)
    codes = codes_for(model, applied, defaults)
    if known and model not in known:
        near = closest_ids(model, known)
        print(f"Note: {model} is not a model or inference profile ID of this region"
              + (f"; closest known IDs: {', '.join(near)}" if near else ""), file=out)
    for line in render(codes):
        print(line, file=out)
    if codes.matched:
        print("Set the template's RequestsPerMinuteQuotaCode and TokensPerMinuteQuotaCode to the codes above "
              "(NA where shown).", file=out)
        return EXIT_OK
    near = closest_ids(model, known) if known else []
    print(f"No bedrock quota of this listing names {model}"
          + (f"; closest known IDs: {', '.join(near)}" if near else "; check the model ID (and its us./eu./global. prefix)")
          + ".", file=out)
    names = closest_quota_models(model, applied + defaults)
    if names:
        print(f"Closest {codes.mode.description} QuotaNames: {'; '.join(names)}", file=out)
    print("If the model ID is right, it has no such quotas here: set both codes to NA.", file=out)
    return EXIT_NO_MATCH


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None,
         client: ClientFactory | None = None) -> int:
    args = parser().parse_args(argv)
    stdout = out or sys.stdout
    return guarded(lambda: run(args, stdout, client), debug=args.debug, prog="quota-codes", err=err)
