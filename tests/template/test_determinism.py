"""`make package` is reproducible and its keys follow the content (SPEC §8.12)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

import generate
from bundle import artifacts
from bundle.bytecode import pyc_name
from bundle.zips import FIXED_DATE, zip_bytes


@pytest.mark.parametrize(("key", "parsed"), [
    ("quota_calculator.0123456789abcdef.zip", ("quota_calculator", "0123456789abcdef")),
    ("team/releases/quota_utils_layer.fedcba9876543210.zip", ("quota_utils_layer", "fedcba9876543210")),
    ("quota_calculator.zip", None),  # the original's fixed keys
    ("quota_calculator.0123456789ABCDEF.zip", None),
    ("quota_calculator.0123456789abcdef.zip.bak", None),
], ids=["ours", "in-a-folder", "fixed-key", "upper-case-digest", "other-suffix"])
def test_content_addressed_keys_are_recognised(key: str, parsed: tuple[str, str] | None) -> None:
    assert artifacts.parse_key(key) == parsed
    artifact = artifacts.Artifact("quota_calculator", b"code")
    assert artifacts.parse_key(artifact.key) == ("quota_calculator", artifact.key.split(".")[1])


def test_two_builds_are_byte_identical(build_dir: Path, tmp_path: Path) -> None:
    again = generate.render()
    first = {p.name: p.read_bytes() for p in build_dir.iterdir() if p.is_file()}
    assert set(again) == set(first)
    for name, data in again.items():
        assert first[name] == data, name


def test_template_keys_are_the_zip_names(build_dir: Path, resources: dict) -> None:
    keys = artifacts.built_keys(build_dir)
    zips = sorted(p.name for p in build_dir.glob("*.zip"))
    referenced = sorted(
        (r["Properties"].get("Code") or r["Properties"].get("Content"))["S3Key"]
        for r in resources.values() if r["Type"] in ("AWS::Lambda::Function", "AWS::Lambda::LayerVersion"))
    assert zips == sorted(keys.values()) == referenced
    assert set(keys) == {"quota_calculator", "alarm_updater", "email_subscription_manager",
                         "notification_processor", "quota_utils_layer"}


@pytest.mark.parametrize("name", artifacts.FUNCTION_NAMES)
def test_function_zip_holds_its_handler_at_the_root(build_dir: Path, resources: dict, name: str) -> None:
    key = artifacts.built_keys(build_dir)[name]
    with zipfile.ZipFile(build_dir / key) as z:
        names = z.namelist()
        assert f"{name}.py" in names
        assert names == sorted(names)
        assert all(i.date_time == FIXED_DATE for i in z.infolist())
        # Bytecode only as bundle/bytecode.py ships it (tests/bundle/test_bytecode.py), none of the build's.
        assert {n for n in names if "__pycache__" in n or n.endswith(".pyc")} <= {pyc_name(n) for n in names}
    handlers = {r["Properties"]["Handler"] for r in resources.values() if r["Type"] == "AWS::Lambda::Function"}
    assert f"{name}.handler" in handlers


def test_layer_holds_the_shared_packages(build_dir: Path) -> None:
    key = artifacts.built_keys(build_dir)["quota_utils_layer"]
    with zipfile.ZipFile(build_dir / key) as z:
        names = set(z.namelist())
    for required in ("python/ops_alert/__init__.py", "python/ops_alert/alarms.py", "python/ops_alert_aws/__init__.py",
                     "python/ops_alert/content/__init__.py", "python/ops_alert/content/email.py"):  # a subpackage
        assert required in names
    assert {n for n in names if "__pycache__" in n or n.endswith(".pyc")} <= {pyc_name(n) for n in names}


def test_changing_a_source_file_changes_only_that_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = tmp_path / "functions"
    for name in artifacts.FUNCTION_NAMES:
        (source / name).mkdir(parents=True)
        (source / name / f"{name}.py").write_text("def handler(e, c):\n    return 1\n")
    monkeypatch.setattr(artifacts, "FUNCTIONS", source)
    before = {n: artifacts.function_artifact(n).key for n in artifacts.FUNCTION_NAMES}
    (source / "alarm_updater" / "alarm_updater.py").write_text("def handler(e, c):\n    return 2\n")
    after = {n: artifacts.function_artifact(n).key for n in artifacts.FUNCTION_NAMES}
    assert [n for n in before if before[n] != after[n]] == ["alarm_updater"]


def test_a_function_without_its_handler_module_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "quota_calculator").mkdir()
    monkeypatch.setattr(artifacts, "FUNCTIONS", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"quota_calculator\.py"):
        artifacts.function_artifact("quota_calculator")


def test_zip_bytes_ignore_insertion_order() -> None:
    a = zip_bytes({"b.py": b"2", "a.py": b"1"})
    b = zip_bytes({"a.py": b"1", "b.py": b"2"})
    assert a == b
    info = zipfile.ZipFile(io.BytesIO(a)).getinfo("a.py")
    assert (info.external_attr >> 16) & 0o777 == 0o644


def test_check_reports_a_stale_or_edited_build(build_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI's write / check / clean-up, not rendering: a render is the session's build, shown
    # byte-identical to a fresh one above (rendering four more times cost ~10 CPU-s under coverage).
    rendered = {p.name: p.read_bytes() for p in build_dir.iterdir() if p.is_file()}
    monkeypatch.setattr(generate, "render", lambda python: dict(rendered))
    # main() would install the runtime interpreter (the Debian archive) where none is: tests are offline.
    monkeypatch.setattr(generate.runtime_python, "find", lambda fetch: (None, "not needed"))
    out = tmp_path / "b"
    generate.main(["--out", str(out)])
    assert generate.main(["--out", str(out), "--check"]) == 0
    (out / "template.yaml").write_text("edited")
    (out / "old.0000000000000000.zip").write_bytes(b"")
    assert generate.main(["--out", str(out), "--check"]) == 1
    err = capsys.readouterr().err
    assert "template.yaml: differs" in err and "old.0000000000000000.zip: stale" in err
    generate.main(["--out", str(out)])  # a new build removes the stale zip
    assert not (out / "old.0000000000000000.zip").exists()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == rendered
