"""`make quota-codes`: the codes a model needs, offline from a saved listing and live (fakes)."""
from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from quota_lookup.cli import EXIT_BAD_INPUT, EXIT_NO_MATCH, EXIT_OK, main
from tests.fakes import StandardFakes
from tests.fakes.service_quotas import bedrock_quota_catalogue
from tests.unit.test_quota_fixture import DATA, stand_in_code

ROOT = Path(__file__).resolve().parents[2]
SONNET_45_US = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


def listing(entries: list[dict[str, Any]], value: float = 1000.0) -> dict[str, Any]:
    """What `aws service-quotas list-service-quotas --service-code bedrock --output json` writes."""
    return {"Quotas": [{"ServiceCode": "bedrock", "ServiceName": "Amazon Bedrock", "QuotaCode": e["code"] or stand_in_code(e["name"]),
                        "QuotaName": e["name"], "Value": value, "Adjustable": True} for e in entries]}


@pytest.fixture
def saved(tmp_path: Path) -> dict[str, Path]:
    entries = DATA["listings"]["sq-catalogue-2026"]
    files = {"applied": tmp_path / "quotas.json", "defaults": tmp_path / "defaults.json", "models": tmp_path / "profiles.json"}
    files["applied"].write_text(json.dumps(listing([e for e in entries if "Sonnet 4.5" not in e["name"]] + [
        e for e in entries if e["name"].startswith("Cross-region model inference requests per minute for Anthropic Claude Sonnet 4.5 V1")], 250.0)))
    files["defaults"].write_text(json.dumps(listing(entries, 200.0)))
    files["models"].write_text(json.dumps({"inferenceProfileSummaries": [
        {"inferenceProfileId": SONNET_45_US}, {"inferenceProfileId": "global.anthropic.claude-sonnet-4-5-20250929-v1:0"}]}))
    return files


def run(*args: str, **kwargs: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


def test_offline_prints_mode_codes_names_and_values(saved: dict[str, Path]) -> None:
    code, out, err = run("--model", SONNET_45_US, "--quotas", str(saved["applied"]), "--defaults", str(saved["defaults"]))
    assert (code, err) == (EXIT_OK, "")
    assert "Inference mode: geographic cross-region" in out
    # Applied in the account: both values; only a default: "applied -".
    assert "RequestsPerMinuteQuotaCode:     L-4A6BFAB1  Cross-region model inference requests per minute for Anthropic Claude Sonnet 4.5 V1\n" in out
    assert "applied 250, default 200" in out
    assert "TokensPerMinuteQuotaCode:       L-F4DDD3EB  Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1\n" in out
    assert "tokens per day (no parameter):  L-381AD9EE  Model invocation max tokens per day for Anthropic Claude Sonnet 4.5 V1" in out
    assert "applied -, default 200" in out
    assert "1M Context Length" not in out  # the variant ranks below the plain quota


def test_offline_shows_na_for_a_rate_the_model_lacks(saved: dict[str, Path]) -> None:
    code, out, _ = run("--model", "amazon.rerank-v1:0", "--quotas", str(saved["defaults"]))
    assert code == EXIT_OK
    assert "L-AAB0080F  On-demand model inference requests per minute for Amazon Rerank 1.0" in out
    assert "TokensPerMinuteQuotaCode:       NA (no tokens-per-minute quota for this model and mode)" in out


def test_offline_lists_tied_candidates_with_names(tmp_path: Path) -> None:
    path = tmp_path / "twins.json"
    path.write_text(json.dumps(listing([
        {"code": "L-0000000A", "name": "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6"},
        {"code": "L-0000000B", "name": "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1"},
    ])))
    code, out, _ = run("--model", "global.anthropic.claude-opus-4-6-v1", "--quotas", str(path))
    assert code == EXIT_OK
    assert "2 quotas fit equally well; choose the one your traffic uses:" in out
    assert "L-0000000A  Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6\n" in out
    assert "L-0000000B" in out


def test_offline_unknown_model_names_the_closest_known_ids(saved: dict[str, Path]) -> None:
    code, out, _ = run("--model", "us.anthropic.claude-sonet-4-5-20250929-v1:0", "--quotas", str(saved["defaults"]),
                       "--models", str(saved["models"]))
    assert code == EXIT_NO_MATCH
    assert f"closest known IDs: {SONNET_45_US}" in out
    assert "Closest geographic cross-region QuotaNames: Anthropic Claude Sonnet 4.5 V1" in out
    assert "set both codes to NA" in out


def quota_value(value: Any) -> bytes:
    return json.dumps({"Quotas": [{"QuotaCode": "L-12345678", "QuotaName": "q", "Value": value}]}).encode()


# Saved files the table below refers to as {name}.
BAD_FILES = {
    "good": quota_value(1000),
    "bad": b"{not json",
    "list": json.dumps([{"QuotaCode": "L-12345678"}]).encode(),
    "latin1": b'{"Quotas": [{"QuotaCode": "L-12345678", "QuotaName": "Mod\xe8le"}]}',
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "value-text": quota_value("abc"),
    "value-null": quota_value(None),
    "value-list": quota_value([1]),
    "value-long": quota_value("9" * 30 + "x" * 100),
}


@pytest.mark.parametrize(("args", "line"), [
    (["--quotas", "x.json"], "quota-codes: error: MODEL is missing: make quota-codes MODEL="),
    (["--model", "m", "--quotas", "/nonexistent/q.json"], "quota-codes: error: cannot read QUOTAS /nonexistent/q.json"),
    (["--model", "m", "--quotas", "{bad}"], "is not JSON (line 1): save it with --output json"),
    (["--model", "m", "--quotas", "{list}"], "is not a Service Quotas listing: expected a JSON object with a 'Quotas' list"),
    (["--model", "m", "--quotas", "{latin1}"], "latin1.json is not UTF-8 text: byte 0xe8 at offset 57: save it with --output json"),
    (["--model", "m", "--quotas", "{good}", "--defaults", "{latin1}"], "quota-codes: error: the defaults listing "),
    (["--model", "m", "--quotas", "{good}", "--models", "{latin1}"], "quota-codes: error: MODELS "),
    (["--model", "m", "--quotas", "{deep}"], "deep.json is nested too deeply to be a listing: save it with --output json"),
    (["--model", "m", "--quotas", "{value-text}"], "value-text.json: quota L-12345678 has the Value 'abc', not a number"),
    (["--model", "m", "--quotas", "{value-null}"], "value-null.json: quota L-12345678 has the Value None, not a number"),
    (["--model", "m", "--quotas", "{value-list}"], "value-list.json: quota L-12345678 has the Value [1], not a number"),
    (["--model", "m", "--quotas", "{value-long}"], "has the Value '999999999999999999999999999999xxxxxxxx…, not a number"),
], ids=["no-model", "missing-file", "not-json", "not-a-listing", "not-utf8", "defaults-not-utf8", "models-not-utf8",
        "nested-too-deeply", "value-text", "value-null", "value-list", "value-shortened"])
def test_bad_input_is_one_line_without_traceback(tmp_path: Path, args: list[str], line: str) -> None:
    for name, content in BAD_FILES.items():
        (tmp_path / f"{name}.json").write_bytes(content)
    args = [str(tmp_path / f"{a[1:-1]}.json") if a.startswith("{") else a for a in args]
    code, out, err = run(*args)
    assert code == EXIT_BAD_INPUT and out == ""
    assert line in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    code, _, err = run(*args, "--debug")
    assert code == EXIT_BAD_INPUT and "Traceback" in err and line in err.splitlines()[-1]


def test_no_region_or_credentials_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, _, err = run("--model", SONNET_45_US)
    assert code == EXIT_BAD_INPUT
    assert err == "quota-codes: error: no AWS region: pass REGION=us-east-1 (or --region), or set AWS_REGION; or work offline with QUOTAS=<saved listing>\n"
    code, _, err = run("--model", SONNET_45_US, "--region", "us-east-1")
    assert code == EXIT_BAD_INPUT
    assert err.startswith("quota-codes: error: no usable AWS credentials") and err.count("\n") == 1
    assert err.endswith("; or work offline with QUOTAS=<saved listing>\n")


# -- live, against the fakes ----------------------------------------------------------------------
@pytest.fixture
def live(aws: StandardFakes) -> StandardFakes:
    aws.service_quotas.add_quotas(bedrock_quota_catalogue())
    aws.bedrock.add_system_catalogue()
    aws.bedrock.add_foundation_models("anthropic.claude-opus-4-6-v1", "amazon.nova-pro-v1:0")
    return aws


def test_live_lookup_lists_every_page_and_prints_the_codes(live: StandardFakes) -> None:
    code, out, err = run("--model", "global.anthropic.claude-opus-4-6-v1", "--region", "us-east-1")
    assert (code, err) == (EXIT_OK, "")
    assert "RequestsPerMinuteQuotaCode:     L-3DD46812  Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1" in out
    assert "TokensPerMinuteQuotaCode:       L-3DCCFAA4" in out
    assert live.calls["service-quotas:ListServiceQuotas"] > 1  # a few hundred quotas: several pages


def test_live_unknown_model_names_the_closest_ids(live: StandardFakes) -> None:
    code, out, _ = run("--model", "global.anthropic.claude-opus-4-7-v1", "--region", "us-east-1")
    assert code == EXIT_NO_MATCH
    assert "closest known IDs: global.anthropic.claude-opus-4-6-v1" in out


@pytest.mark.parametrize(("error", "line"), [
    ("ThrottlingException", "quota-codes: error: AWS throttled ListServiceQuotas (ThrottlingException"),
    ("AccessDeniedException", "quota-codes: error: not allowed to call ListServiceQuotas (AccessDeniedException"),
], ids=["throttled", "access-denied"])
def test_live_listing_failure_is_one_line(live: StandardFakes, error: str, line: str) -> None:
    live.fault.fail("service-quotas", "ListServiceQuotas", error, times=None)
    code, out, err = run("--model", "global.anthropic.claude-opus-4-6-v1", "--region", "us-east-1")
    assert code == EXIT_BAD_INPUT and out == ""
    assert err.startswith(line) and err.count("\n") == 1


def test_make_target_works_offline(saved: dict[str, Path]) -> None:
    done = subprocess.run(["make", "-s", "quota-codes", f"MODEL={SONNET_45_US}", f"QUOTAS={saved['defaults']}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "L-4A6BFAB1" in done.stdout
    done = subprocess.run(["make", "-s", "quota-codes", f"QUOTAS={saved['defaults']}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "quota-codes: error: MODEL is missing" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("document", "ids"), [
    ({"modelSummaries": [{"modelId": "a"}, 5], "inferenceProfileSummaries": [{"inferenceProfileId": "us.a"}]}, ["a", "us.a"]),
    ({"modelSummaries": 5}, []),
    ({"modelSummaries": None, "inferenceProfileSummaries": [{"inferenceProfileId": "us.a"}]}, ["us.a"]),
    ({"inferenceProfileSummaries": {"inferenceProfileId": "us.a"}}, []),
], ids=["listed", "number", "null", "mapping"])
def test_a_models_file_of_another_shape_adds_no_ids(document: dict[str, Any], ids: list[str]) -> None:
    from quota_lookup.lookup import model_ids_from_listing

    assert model_ids_from_listing(document) == ids
