"""Quota-code matching over real Bedrock QuotaNames and model IDs (issue 8, fixture with sources).

tests/fixtures/bedrock_quotas/catalogue.json holds two real listings (AWS's 2025 quota table with
the older "InvokeModel" names, and a 2026 Service Quotas catalogue with the newer "model inference"
names and global cross-region quotas), the QuotaName each model must get per rate, and wrong codes
with the problem and the better quota the check must name.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ops_alert.alarms import QuotaKind
from ops_alert.quota_codes import (
    ALIASES,
    InferenceMode,
    QuotaInfo,
    QuotaProblem,
    QuotaRate,
    inference_mode,
    rank_quotas,
    validate_quota_code,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "bedrock_quotas" / "catalogue.json"
DATA = json.loads(FIXTURE.read_text(encoding="utf-8"))


def stand_in_code(name: str) -> str:
    """AWS publishes no code for non-adjustable quotas: a stable stand-in derived from the name."""
    return "L-" + hashlib.sha1(name.encode()).hexdigest()[:8].upper()


LISTINGS: dict[str, tuple[QuotaInfo, ...]] = {
    key: tuple(QuotaInfo(code=e["code"] or stand_in_code(e["name"]), name=e["name"], value=1000.0, adjustable=True)
               for e in entries)
    for key, entries in DATA["listings"].items()
}
BY_NAME = {key: {q.name: q for q in quotas} for key, quotas in LISTINGS.items()}
RATES = {"rpm": QuotaRate.RPM, "tpm": QuotaRate.TPM, "tpd": QuotaRate.TPD}
KINDS = {"rpm": QuotaKind.RPM, "tpm": QuotaKind.TPM}


def test_the_fixture_is_big_and_varied_enough():
    cases = DATA["cases"]
    ids = {c["model"] for c in cases}
    providers = {m.split(".")[1] if inference_mode(m) is not InferenceMode.ON_DEMAND else m.split(".")[0] for m in ids}
    names = [q.name for quotas in LISTINGS.values() for q in quotas]
    assert len(ids) >= 150 and len(providers) >= 12
    assert {c["mode"] for c in cases} == {m.value for m in InferenceMode}
    assert any(n.startswith("On-demand InvokeModel") for n in names)  # older naming family
    assert any(n.startswith("On-demand model inference") for n in names)  # newer naming family
    assert any(c["rpm"] is None for c in cases) and any(c["rpm"] for c in cases)
    assert all(e["source"] in DATA["sources"] for entries in DATA["listings"].values() for e in entries)
    assert all(c["source"] in DATA["sources"] for c in cases)
    # Each listing is one account's view: a code names one quota.
    for quotas in LISTINGS.values():
        codes = [q.code for q in quotas]
        assert len(codes) == len(set(codes))


@pytest.mark.parametrize("case", DATA["cases"], ids=[f"{c['listing']}:{c['model']}" for c in DATA["cases"]])
def test_each_model_gets_its_own_quota_per_rate(case):
    quotas = LISTINGS[case["listing"]]
    assert inference_mode(case["model"]).value == case["mode"]
    for key, rate in RATES.items():
        ranking = rank_quotas(rate, case["model"], quotas)
        expected = case[key]
        if expected is None:
            assert ranking.best == (), f"{key}: expected NA, ranked {[q.name for q in ranking.best]}"
            continue
        assert [q.name for q in ranking.best] == [expected], key
        if key in KINDS:  # the check accepts the best code, and refuses NA naming it
            code = BY_NAME[case["listing"]][expected].code
            check = validate_quota_code(code, KINDS[key], case["model"], quotas)
            assert check.ok, check.message
            refused = validate_quota_code("NA", KINDS[key], case["model"], quotas)
            assert refused.problem is QuotaProblem.QUOTA_EXISTS and code in refused.message
    for key, kind in KINDS.items():
        if case[key] is None:  # NA is accepted only when nothing of that kind and mode matches
            assert validate_quota_code("NA", kind, case["model"], quotas).ok


@pytest.mark.parametrize("miss", DATA["near_misses"],
                         ids=[f"{m['model']}:{m['kind']}:{m['why']}" for m in DATA["near_misses"]])
def test_near_misses_are_refused_naming_the_better_quota(miss):
    quotas = LISTINGS[miss["listing"]]
    names = BY_NAME[miss["listing"]]
    code = "NA" if miss["given"] == "NA" else names[miss["given"]].code
    check = validate_quota_code(code, QuotaKind(miss["kind"]), miss["model"], quotas)
    assert not check.ok
    assert check.problem is QuotaProblem(miss["problem"])
    if miss["better"]:
        better = names[miss["better"]]
        assert check.suggestion == better
        assert f"use {better.code} ('{better.name}')" in check.message
    else:
        assert check.suggestion is None
        assert "set " in check.message and " to NA" in check.message


def test_the_old_rule_refusals_from_the_issue_are_accepted():
    quotas = LISTINGS["sq-catalogue-2026"]
    names = BY_NAME["sq-catalogue-2026"]
    od = "On-demand model inference requests per minute for "
    for model, quota in [
        ("mistral.mistral-large-3-675b-instruct", od + "Mistral Large 3"),
        ("google.gemma-3-27b-it", od + "Gemma 3 27B"),
        ("us.meta.llama4-maverick-17b-instruct-v1:0", "Cross-region model inference requests per minute for Meta Llama 4 Maverick V1"),
        ("amazon.titan-embed-text-v2:0", od + "Amazon Titan Text Embeddings V2"),
        ("cohere.embed-english-v3", od + "Cohere Embed English"),
        ("ai21.j2-ultra-v1", od + "AI21 Labs Jurassic-2 Ultra"),
        ("mistral.magistral-small-2509", od + "Magistral Small 1.2"),
    ]:
        check = validate_quota_code(names[quota].code, QuotaKind.RPM, model, quotas)
        assert check.ok, check.message


def test_every_alias_names_its_source():
    assert ALIASES and all(a.what.strip() and a.source.strip() for a in ALIASES)
    assert len({a.what for a in ALIASES}) == len(ALIASES)


@pytest.mark.parametrize(("quota_model", "model_id"), [
    ("TwelveLabs Pegasus 1.2", "twelvelabs.pegasus-1-2-v1:0"),
    ("Twelve Labs Pegasus 1.2", "twelvelabs.pegasus-1-2-v1:0"),
    ("Luma AI Ray V2", "luma.ray-v2:0"),
    ("Amazon Nova 2 Lite", "global.amazon.nova-2-lite-v1:0"),
], ids=lambda v: v)
def test_provider_spellings_do_not_name_another_model(quota_model, model_id):
    mode = {"GLOBAL": "Global cross-region model inference", "ON_DEMAND": "On-demand model inference"}[
        inference_mode(model_id).value]
    quotas = (QuotaInfo("L-0000000C", f"{mode} requests per minute for {quota_model}", 1.0, True),)
    assert [q.code for q in rank_quotas(QuotaRate.RPM, model_id, quotas).best] == ["L-0000000C"]
