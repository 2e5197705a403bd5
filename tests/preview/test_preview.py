"""make preview (issue 13): each scenario's case, appended communication, e-mail and decision event,
offline; the README's rendered examples stay what the command prints."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from preview.cli import CHAT_TITLE, main, render
from preview.samples import SAMPLE_PARAMETERS, PreviewScenario
from tests.chat_format import problems
from tests.functional.decision_events import validator

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
SCENARIOS = [s.value for s in PreviewScenario]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def _params(tmp_path: Path, **values: str) -> str:
    path = tmp_path / "params.json"
    path.write_text(json.dumps([{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]))
    return str(path)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_committed_example_is_what_the_command_prints(scenario: str) -> None:
    """docs/examples/ is linked from the README: `make preview-examples` after a wording change."""
    status, out, err = _run("--scenario", scenario)
    assert (status, err) == (0, "")
    assert out == (EXAMPLES / f"preview-{scenario}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("scenario", "category", "severity", "request_line"),
    [
        ("high_usage", "Quota Request", "CRITICAL", "QUOTA INCREASE REQUESTED"),
        ("low_usage", "Quota Request", "WARNING", "QUOTA INCREASE (REFERENCE ONLY)"),
        ("new_model", "Quota Request", "WARNING", "QUOTA INCREASE REQUESTED"),
        ("non_quota", "Investigation Request", "CRITICAL", None),
    ],
    ids=SCENARIOS,
)
def test_each_scenario_is_decided_by_the_processor_rules(scenario: str, category: str, severity: str,
                                                         request_line: str | None) -> None:
    text = render(PreviewScenario(scenario), dict(SAMPLE_PARAMETERS))
    for title in ("Support case", "Appended communication", "E-mail to the SRE team", "Decision event detail"):
        assert title in text
    assert f"Subject: [{severity}] Acme - Bedrock Ops Alert - G-Opus-4-6 - {category}" in text
    assert f"Scenario:        {scenario}" in text
    if request_line:
        assert request_line in text
    else:
        assert "QUOTA INCREASE" not in text
    detail = json.loads(text.split("docs/decision-event.schema.json)", 1)[1].split("\n", 1)[1])
    assert list(validator().iter_errors(detail)) == []
    assert (detail["scenario"], detail["severity"], detail["category"]) == (scenario, severity, category)


def test_all_prints_every_scenario() -> None:
    status, out, _ = _run("--scenario", "all")
    assert status == 0 and [s for s in SCENARIOS if f"Preview of a {s} alert" in out] == SCENARIOS


def test_a_parameter_file_names_the_stack_and_decides_the_quotas(tmp_path: Path) -> None:
    path = _params(tmp_path, CustomerName="Globex", BedrockModelName="Sonnet", StakeholderEmailList="sre@example.com",
                   BedrockModelId="us.anthropic.claude-sonnet-4-5-20250929-v1:0", LambdaS3Bucket="my-artifacts",
                   RequestsPerMinuteQuotaCode="NA", TokensPerMinuteQuotaCode="L-12345678",
                   TokensPerMinuteIncreasePercent="50")
    status, out, err = _run("--params", path)
    assert (status, err) == (0, "")
    assert "Subject: [CRITICAL] Globex - Bedrock Ops Alert - Sonnet - Quota Request" in out
    assert "RPM    L-" not in out  # the model has no RPM quota: nothing planned for it
    assert "TPM    L-12345678  6,250,000  9,375,000     +50 %" in out


@pytest.mark.parametrize(
    ("argv", "params", "message"),
    [
        (["--scenario", "urgent"], None, "unknown SCENARIO 'urgent': use one of high_usage|"),
        (["--params", "missing.json"], None, "parameter file missing.json does not exist"),
        ([], "{not json", "is not valid JSON"),
        ([], [{"ParameterKey": "CustomerName", "ParameterValue": "Far-too-long-name"}], "CustomerName"),
        ([], [{"ParameterKey": "RequestsPerMinuteThresholdPercent", "ParameterValue": "100"},
              {"ParameterKey": "TokensPerMinuteThresholdPercent", "ParameterValue": "100"}],
         "the high_usage sample decides low_usage with these parameters"),
    ],
    ids=["unknown-scenario", "no-such-file", "bad-json", "bad-value", "sample-not-that-scenario"],
)
def test_bad_input_is_one_line_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                                 params: Any, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    if params is not None:
        path = tmp_path / "p.json"
        required = [{"ParameterKey": k, "ParameterValue": v} for k, v in (
            ("CustomerName", "Acme"), ("BedrockModelName", "M"), ("BedrockModelId", "amazon.nova-pro-v1:0"),
            ("StakeholderEmailList", "sre@example.com"), ("LambdaS3Bucket", "my-artifacts"))]
        if isinstance(params, list):
            given = {p["ParameterKey"] for p in params}
            params = [p for p in required if p["ParameterKey"] not in given] + params
        path.write_text(params if isinstance(params, str) else json.dumps(params))
        argv = [*argv, "--params", str(path)]
    status, out, err = _run(*argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("make preview: error: ") and message in err
    assert "Traceback" not in err


def _chat_section(text: str) -> dict[str, Any]:
    after = text.split(CHAT_TITLE, 1)[1].split("\n", 1)[1]
    return json.loads(after.split("\n\n========", 1)[0])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_samples_chat_message_is_one_the_format_delivers(scenario: str) -> None:
    """The preview renders the chat message the processor would post; the format would deliver it."""
    text = render(PreviewScenario(scenario), dict(SAMPLE_PARAMETERS))
    chat = _chat_section(text)
    assert problems(chat) == []
    assert chat["metadata"]["threadId"].startswith("bedrock-ops-alert:Acme:G-Opus-4-6:")
    assert chat["metadata"]["additionalContext"]["scenario"] == scenario


@pytest.mark.parametrize(("value", "chat"), [("Yes", "sent"), ("No", "off")], ids=["chat-on", "chat-off"])
def test_the_events_chat_outcome_follows_the_parameter_file(tmp_path: Path, value: str, chat: str) -> None:
    params = _params(tmp_path, CustomerName="Beta", BedrockModelName="Sonnet", StakeholderEmailList="sre@example.com",
                     LambdaS3Bucket="my-artifacts", ChatNotifications=value)
    status, out, err = _run("--scenario", "high_usage", "--params", params)
    assert (status, err) == (0, "")
    detail = json.loads(out.split("docs/decision-event.schema.json)", 1)[1].split("\n", 1)[1])
    assert detail["chat"] == chat
    assert _chat_section(out)["metadata"]["threadId"] == "bedrock-ops-alert:Beta:Sonnet:quota-request"
