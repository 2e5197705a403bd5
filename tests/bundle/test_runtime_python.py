"""Finding or installing the runtime interpreter (bundle/runtime_python.py), offline.

Debian's archive is played by a file:// mirror built here: a throwaway signing key, an InRelease
signed with it, a Packages.xz and small .deb files whose python3.14 is a shell script answering the
probe. Every check the real install relies on (signature, index hash, package hashes) runs for real.
"""
from __future__ import annotations

import hashlib
import http.client
import io
import json
import lzma
import platform
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import generate
from bundle import runtime_python
from bundle.runtime_python import DEBIAN_PACKAGES, NAME, RuntimePython, Unavailable
from tests.runtime_site import required_runtime

ARCHIVE_KEY = "Test Archive <archive@example.invalid>"
STRANGER_KEY = "Someone Else <stranger@example.invalid>"
INDEX = "main/binary-amd64/Packages.xz"


@dataclass(frozen=True)
class Keys:
    home: Path
    keyring: str  # the archive key only, as gpgv reads it

    def clearsign(self, text: str, key: str = ARCHIVE_KEY) -> bytes:
        done = subprocess.run(["gpg", "--homedir", str(self.home), "--batch", "--local-user", key, "--clearsign"],
                              input=text.encode(), capture_output=True, check=True, timeout=60)
        return done.stdout


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    if shutil.which("gpg") is None or shutil.which("gpgv") is None:
        pytest.skip("gpg and gpgv are needed to sign and verify the test mirror")
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch", "--passphrase", ""]
    try:
        for uid in (ARCHIVE_KEY, STRANGER_KEY):
            subprocess.run([*gpg, "--quick-gen-key", uid, "ed25519", "sign", "never"], capture_output=True, check=True,
                           timeout=60)
        keyring = home / "archive-keyring.gpg"
        keyring.write_bytes(subprocess.run([*gpg, "--export", ARCHIVE_KEY], capture_output=True, check=True,
                                           timeout=60).stdout)
        yield Keys(home, str(keyring))
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True, check=False)


# --- parsing the archive's files --------------------------------------------------------------------


@pytest.mark.parametrize(("text", "stanzas"), [
    ("", []),
    ("Package: a\nVersion: 1\n", [{"Package": "a", "Version": "1"}]),
    ("Package: a\n\n\nPackage: b\n", [{"Package": "a"}, {"Package": "b"}]),
    ("\n \nPackage: a\n  \nPackage: b\n", [{"Package": "a"}, {"Package": "b"}]),  # blank-looking lines separate
    ("Package: a\nDescription: short\n long text: not a field\n .\n", [{"Package": "a", "Description": "short"}]),
    ("Package: a\nDepends: libc6 (>= 2.38), zlib1g\n", [{"Package": "a", "Depends": "libc6 (>= 2.38), zlib1g"}]),
    ("Package:   spaced  \n", [{"Package": "spaced"}]),
], ids=["empty", "one", "several-blank-lines", "whitespace-only-lines", "continuation-ignored", "colon-in-value",
        "value-trimmed"])
def test_parse_stanzas(text: str, stanzas: list[dict[str, str]]) -> None:
    assert runtime_python.parse_stanzas(text) == stanzas


_RELEASE = """Origin: Debian
Suite: testing
MD5Sum:
 0123456789abcdef0123456789abcdef 100 main/binary-amd64/Packages.xz
 fedcba9876543210fedcba9876543210 200 main/binary-arm64/Packages.xz
SHA256:
 aaaa000000000000000000000000000000000000000000000000000000000000 100 main/binary-amd64/Packages.xz
 bbbb000000000000000000000000000000000000000000000000000000000000 300 main/binary-amd64/Packages.xz.extra
Acquire-By-Hash: yes
 cccc000000000000000000000000000000000000000000000000000000000000 100 main/binary-i386/Packages.xz
"""


@pytest.mark.parametrize(("path", "digest"), [
    ("main/binary-amd64/Packages.xz", "aaaa" + "0" * 60),
    ("main/binary-amd64/Packages.xz.extra", "bbbb" + "0" * 60),
    ("main/binary-arm64/Packages.xz", None),  # only in the MD5Sum section: not trusted
    ("main/binary-i386/Packages.xz", None),  # after the SHA256 section ended
    ("main/binary-amd64/Packages", None),  # a prefix of a listed path
    ("main/binary-riscv64/Packages.xz", None),
], ids=["listed", "longer-name", "md5-only", "after-the-section", "prefix", "absent"])
def test_release_sha256(path: str, digest: str | None) -> None:
    assert runtime_python.release_sha256(_RELEASE, path) == digest


# --- the signature ----------------------------------------------------------------------------------

_SIGNED_TEXT = "Origin: Test\nSHA256:\n " + "a" * 64 + " 1 " + INDEX + "\n"
_FORGED_LINE = " " + "f" * 64 + " 1 " + INDEX


def test_a_good_signature_gives_exactly_the_signed_text(keys: Keys) -> None:
    assert runtime_python.verify_signed(keys.clearsign(_SIGNED_TEXT), keys.keyring, "x") == _SIGNED_TEXT


@pytest.mark.parametrize("forge", [
    lambda signed, keys: signed.replace(b"a" * 64, b"f" * 64),
    lambda signed, keys: keys.clearsign(_SIGNED_TEXT, STRANGER_KEY),
    lambda signed, keys: _SIGNED_TEXT.encode(),
    lambda signed, keys: signed + keys.clearsign(f"SHA256:\n{_FORGED_LINE}\n"),
    lambda signed, keys: signed + keys.clearsign(f"SHA256:\n{_FORGED_LINE}\n", STRANGER_KEY),
], ids=["tampered-body", "unknown-key", "unsigned", "second-signed-message", "second-message-unknown-key"])
def test_a_forged_or_unsigned_release_is_refused(keys: Keys, forge: Callable[[bytes, Keys], bytes]) -> None:
    with pytest.raises(Unavailable, match=r"^suite/InRelease: bad or unknown signature \(gpgv exit \d+\)$"):
        runtime_python.verify_signed(forge(keys.clearsign(_SIGNED_TEXT), keys), keys.keyring, "suite/InRelease")


@pytest.mark.parametrize("wrap", [
    lambda signed: signed + f"SHA256:\n{_FORGED_LINE}\n".encode(),
    lambda signed: f"SHA256:\n{_FORGED_LINE}\n".encode() + signed,
], ids=["after", "before"])
def test_text_outside_the_signature_is_never_returned(keys: Keys, wrap: Callable[[bytes], bytes]) -> None:
    try:
        verified = runtime_python.verify_signed(wrap(keys.clearsign(_SIGNED_TEXT)), keys.keyring, "x")
    except Unavailable:
        return  # refusing it is as good
    assert verified == _SIGNED_TEXT
    assert runtime_python.release_sha256(verified, INDEX) == "a" * 64


# --- installing from a mirror -----------------------------------------------------------------------


def _tar_xz(files: dict[str, tuple[bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as archive:
        for name, (data, mode) in files.items():
            info = tarfile.TarInfo(f"./{name}")
            info.size, info.mode = len(data), mode
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _deb(files: dict[str, tuple[bytes, int]]) -> bytes:
    """A Debian package: an ar archive of debian-binary, control.tar.xz and data.tar.xz."""
    members = {"debian-binary": b"2.0\n", "control.tar.xz": _tar_xz({"control": (b"Package: test\n", 0o644)}),
               "data.tar.xz": _tar_xz(files)}
    out = b"!<arch>\n"
    for name, data in members.items():
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode() + data + b"\n" * (len(data) % 2)
    return out


# What the launcher (runtime_python._write_launcher) runs: the C library's loader, here a script that
# drops `--library-path DIR` and runs the rest, and python3.14, here a script answering the probe.
_PACKAGE_FILES: dict[str, dict[str, tuple[bytes, int]]] = {
    f"{NAME}-minimal": {f"usr/bin/{NAME}": (b"#!/bin/sh\necho cpython-314 3.14.99\n", 0o755)},
    "libc6": {"usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2": (b'#!/bin/sh\nshift 2\nexec "$@"\n', 0o755)},
}


def _mirror(root: Path, keys: Keys, suites: dict[str, list[str]], key: str = ARCHIVE_KEY) -> str:
    """A file:// mirror with ``suites`` (name → the packages it carries), signed with ``key``."""
    for suite, packages in suites.items():
        stanzas = []
        for name in packages:
            deb = _deb(_PACKAGE_FILES.get(name, {f"usr/share/doc/{name}/copyright": (b"test\n", 0o644)}))
            filename = f"pool/main/{suite}/{name}_1.0-{suite}_amd64.deb"
            (root / filename).parent.mkdir(parents=True, exist_ok=True)
            (root / filename).write_bytes(deb)
            stanzas.append(f"Package: {name}\nVersion: 1.0-{suite}\nArchitecture: amd64\nFilename: {filename}\n"
                           f"Size: {len(deb)}\nSHA256: {hashlib.sha256(deb).hexdigest()}\n")
        index = lzma.compress("\n".join(stanzas).encode())
        dists = root / "dists" / suite
        (dists / INDEX).parent.mkdir(parents=True)
        (dists / INDEX).write_bytes(index)
        release = (f"Origin: Test\nSuite: {suite}\nMD5Sum:\n {hashlib.md5(index).hexdigest()} {len(index)} {INDEX}\n"
                   f"SHA256:\n {hashlib.sha256(index).hexdigest()} {len(index)} {INDEX}\n")
        (dists / "InRelease").write_bytes(keys.clearsign(release, key))
    return root.as_uri()


@pytest.fixture
def linux_x86_64(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform, "system", lambda: "Linux")
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")


@pytest.fixture
def not_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """No RUNTIME_PYTHON and no python3.14 on PATH: find() looks under install_dir, then installs."""
    monkeypatch.delenv("RUNTIME_PYTHON", raising=False)
    which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == NAME else which(name, *a, **k))


def _install(mirror: str, keys: Keys, install_dir: Path) -> RuntimePython:
    return runtime_python.install_from_debian(install_dir, mirror=mirror, keyring=keys.keyring)


@pytest.mark.usefixtures("linux_x86_64", "not_on_path")
def test_an_install_is_verified_unpacked_recorded_and_found_again_without_fetching(
        keys: Keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = _mirror(tmp_path / "mirror", keys, {"forky": list(DEBIAN_PACKAGES)})
    install_dir = tmp_path / "build" / "runtime-python"
    install_dir.mkdir(parents=True)
    (install_dir / "from-a-previous-install").write_text("")
    installed = _install(mirror, keys, install_dir)
    assert not (install_dir / "from-a-previous-install").exists()  # replaced, not merged
    origin = f"Debian forky {NAME}-minimal 1.0-forky"
    assert installed == RuntimePython((str(install_dir / "bin" / NAME),), "3.14.99", origin)
    manifest = json.loads((install_dir / "manifest.json").read_text())
    assert manifest["origin"] == origin
    assert sorted(manifest["packages"]) == sorted(DEBIAN_PACKAGES)
    assert sorted(p.name for p in install_dir.parent.iterdir()) == ["runtime-python"]  # no staging left behind

    def no_fetching(*args: object, **kwargs: object) -> RuntimePython:
        raise AssertionError("fetched again")

    monkeypatch.setattr(runtime_python, "install_from_debian", no_fetching)
    assert runtime_python.find(fetch=True, install_dir=install_dir) == (installed, "")


@pytest.mark.usefixtures("linux_x86_64")
def test_the_second_suite_serves_when_the_first_lacks_a_package(keys: Keys, tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "mirror", keys, {"forky": [p for p in DEBIAN_PACKAGES if p != "libmpdec4"],
                                                 "sid": list(DEBIAN_PACKAGES)})
    installed = _install(mirror, keys, tmp_path / "runtime-python")
    assert installed.origin == f"Debian sid {NAME}-minimal 1.0-sid"
    assert all(v == "1.0-sid" for v, _ in json.loads((tmp_path / "runtime-python" / "manifest.json").read_text())
               ["packages"].values())


def _corrupt_a_package(mirror: Path) -> None:
    deb = next(mirror.rglob(f"{NAME}-minimal_*.deb"))
    deb.write_bytes(deb.read_bytes() + b"\n")


@pytest.mark.usefixtures("linux_x86_64")
@pytest.mark.parametrize(("signer", "corrupt", "message"), [
    (ARCHIVE_KEY, True, rf"^pool/main/forky/{NAME}-minimal_1\.0-forky_amd64\.deb: SHA-256 differs from the signed index$"),
    (STRANGER_KEY, False, r"^forky/InRelease: bad or unknown signature .*; sid/InRelease: bad or unknown signature"),
], ids=["package-hash-differs", "signed-by-another-key"])
def test_an_unverified_mirror_installs_nothing_and_keeps_the_previous_install(
        keys: Keys, tmp_path: Path, signer: str, corrupt: bool, message: str) -> None:
    mirror = tmp_path / "mirror"
    url = _mirror(mirror, keys, {"forky": list(DEBIAN_PACKAGES), "sid": list(DEBIAN_PACKAGES)}, key=signer)
    if corrupt:
        _corrupt_a_package(mirror)
    install_dir = tmp_path / "build" / "runtime-python"
    (install_dir / "bin").mkdir(parents=True)
    (install_dir / "manifest.json").write_text("previous\n")
    with pytest.raises(Unavailable, match=message):
        _install(url, keys, install_dir)
    assert sorted(p.relative_to(install_dir).as_posix() for p in install_dir.rglob("*")) == ["bin", "manifest.json"]
    assert (install_dir / "manifest.json").read_text() == "previous\n"
    assert sorted(p.name for p in install_dir.parent.iterdir()) == ["runtime-python"]


@pytest.mark.usefixtures("linux_x86_64")
def test_a_mirror_without_the_suites_says_so_per_suite(keys: Keys, tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    with pytest.raises(Unavailable, match=r"^file://.*/dists/forky/InRelease: .*; file://.*/dists/sid/InRelease: "):
        _install((tmp_path / "mirror").as_uri(), keys, tmp_path / "runtime-python")
    assert not (tmp_path / "runtime-python").exists()


@pytest.mark.parametrize(("system", "machine"), [("Linux", "riscv64"), ("Darwin", "arm64"), ("Windows", "AMD64")])
def test_an_unsupported_platform_is_told_to_set_runtime_python(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, system: str, machine: str) -> None:
    monkeypatch.setattr(platform, "system", lambda: system)
    monkeypatch.setattr(platform, "machine", lambda: machine)
    with pytest.raises(Unavailable, match=rf"not {system} {machine}: set RUNTIME_PYTHON to a {NAME}$"):
        runtime_python.install_from_debian(tmp_path / "runtime-python", mirror="file:///nonexistent")


# --- find() and RUNTIME_PYTHON ----------------------------------------------------------------------


def test_runtime_python_none_opts_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RUNTIME_PYTHON", " None ")
    assert runtime_python.find(fetch=True, install_dir=tmp_path) == (None, "RUNTIME_PYTHON=none")


@pytest.mark.parametrize(("chosen", "message"), [
    (sys.executable, rf"is Python {platform.python_version()}, the runtime is {NAME}$"),
    ("/nonexistent/python3.14", r"does not run \("),
    ("/bin/false", r"does not run \(exit 1\)$"),
], ids=["another-version", "missing", "fails"])
def test_a_runtime_python_that_is_not_the_runtime_is_an_error(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, chosen: str, message: str) -> None:
    monkeypatch.setenv("RUNTIME_PYTHON", chosen)
    with pytest.raises(Unavailable, match=rf"^RUNTIME_PYTHON={chosen}: {message}"):
        runtime_python.find(fetch=True, install_dir=tmp_path)


def test_runtime_python_naming_the_runtime_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    runtime = required_runtime()
    (chosen,) = runtime.argv
    monkeypatch.setenv("RUNTIME_PYTHON", chosen)
    assert runtime_python.find(fetch=False, install_dir=tmp_path) == (
        RuntimePython((chosen,), runtime.version, f"RUNTIME_PYTHON={chosen}"), "")
    assert runtime.version.startswith("3.14.")


# --- generate.py ------------------------------------------------------------------------------------


def test_generate_without_a_runtime_says_so_once_and_ships_source_only(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RUNTIME_PYTHON", "none")
    assert generate.main(["--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith("bytecode:")] == [
        f"bytecode: none (RUNTIME_PYTHON=none); the zips carry source only, which every cold start compiles "
        f"(set RUNTIME_PYTHON to a {NAME})"]
    zips = list(tmp_path.glob("*.zip"))
    assert len(zips) == 5
    assert [n for z in zips for n in zipfile.ZipFile(z).namelist() if n.endswith(".pyc") or "__pycache__" in n] == []


def test_generate_with_another_python_as_runtime_python_is_one_line(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RUNTIME_PYTHON", sys.executable)
    assert generate.main(["--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"generate.py: error: RUNTIME_PYTHON={sys.executable}: is Python {platform.python_version()}, "
                            f"the runtime is {NAME}: set RUNTIME_PYTHON to a {NAME}, or to none for zips without "
                            f"bytecode\n")
    assert list(tmp_path.iterdir()) == []


# --- a network or gpgv that fails half-way: Unavailable (find() says why, make package ships source only)


def _breaking(monkeypatch: pytest.MonkeyPatch, part: str, exc: BaseException) -> None:
    """urlopen as usual, except that reading any URL ending in ``part`` raises ``exc``."""
    opened = urllib.request.urlopen

    class Broken(io.BytesIO):
        def read(self, *args: object) -> bytes:
            raise exc

    def urlopen(url: str, *args: object, **kwargs: object) -> object:
        return Broken() if url.endswith(part) else opened(url, *args, **kwargs)

    monkeypatch.setattr(runtime_python.urllib.request, "urlopen", urlopen)


CUT_SHORT = [
    ("incomplete-release", "/InRelease", http.client.IncompleteRead(b"-----BEGIN", 4000),
     r"/dists/forky/InRelease: IncompleteRead\(10 bytes read, 4000 more expected\); .*/dists/sid/InRelease: IncompleteRead"),
    ("incomplete-index", "Packages.xz", http.client.IncompleteRead(b"", 10),
     r"/dists/forky/main/binary-amd64/Packages.xz: IncompleteRead\(0 bytes read, 10 more expected\); "),
    ("bad-status-line", "/InRelease", http.client.BadStatusLine("garbage"), r"/dists/forky/InRelease: BadStatusLine\('garbage'\); "),
    ("disconnected", "/InRelease", http.client.RemoteDisconnected("Remote end closed connection without response"),
     r"/dists/forky/InRelease: Remote end closed connection without response; "),
    ("incomplete-package", "_amd64.deb", http.client.IncompleteRead(b"!<arch>", 99), r"_amd64\.deb: IncompleteRead\(7 bytes"),
]


@pytest.mark.usefixtures("linux_x86_64")
@pytest.mark.parametrize(("part", "exc", "message"), [c[1:] for c in CUT_SHORT], ids=[c[0] for c in CUT_SHORT])
def test_a_download_cut_short_is_unavailable_and_installs_nothing(
        keys: Keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, part: str, exc: BaseException, message: str) -> None:
    url = _mirror(tmp_path / "mirror", keys, {"forky": list(DEBIAN_PACKAGES), "sid": list(DEBIAN_PACKAGES)})
    _breaking(monkeypatch, part, exc)
    with pytest.raises(Unavailable, match=message) as raised:
        _install(url, keys, tmp_path / "build" / "runtime-python")
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "build").exists() or list((tmp_path / "build").iterdir()) == []  # no staging left behind


@pytest.mark.parametrize(("exc", "message"), [
    (subprocess.TimeoutExpired(["gpgv"], runtime_python.GPGV_TIMEOUT_S), rf"^sid/InRelease: gpgv gave no answer in {runtime_python.GPGV_TIMEOUT_S} s$"),
    (PermissionError(13, "Permission denied"), r"^sid/InRelease: gpgv does not run \(\[Errno 13\] Permission denied\)$"),
], ids=["timeout", "does-not-run"])
def test_gpgv_that_hangs_or_does_not_run_is_unavailable(monkeypatch: pytest.MonkeyPatch, exc: BaseException,
                                                       message: str) -> None:
    def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        assert args[0] == "gpgv"
        raise exc

    monkeypatch.setattr(runtime_python.subprocess, "run", run)
    with pytest.raises(Unavailable, match=message):
        runtime_python.verify_signed(b"signed", "keyring.gpg", "sid/InRelease")



@pytest.mark.parametrize(("chosen", "why"), [
    ("none", "RUNTIME_PYTHON=none"),
    ("/bin/false", "RUNTIME_PYTHON=/bin/false: does not run (exit 1)"),
], ids=["opted-out", "does-not-run"])
def test_found_runtime_says_why_there_is_none(monkeypatch: pytest.MonkeyPatch, chosen: str, why: str) -> None:
    """What the build, the tests' skip line and the bench's table heading say (bundle.artifacts.found_runtime)."""
    from bundle.artifacts import found_runtime

    monkeypatch.setenv("RUNTIME_PYTHON", chosen)
    found_runtime.cache_clear()
    try:
        assert found_runtime() == (None, why)
    finally:
        found_runtime.cache_clear()  # the next caller asks again, with the environment restored


def test_without_a_runtime_the_bytecode_tests_skip_locally_and_fail_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer without python3.14 sees a skip saying why; CI (.ci/run sets CI) fails instead, so
    the tests of the shipped bytecode cannot pass there by not running."""
    from bundle.artifacts import found_runtime

    assert "\nexport CI=1\n" in (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    monkeypatch.setenv("RUNTIME_PYTHON", "none")
    found_runtime.cache_clear()
    try:
        monkeypatch.delenv("CI", raising=False)
        with pytest.raises(pytest.skip.Exception, match=rf"^no {NAME} to check the zips' bytecode with \(RUNTIME_PYTHON=none\)"):
            required_runtime()
        monkeypatch.setenv("CI", "1")
        with pytest.raises(pytest.fail.Exception, match=r"\(RUNTIME_PYTHON=none\): run `make package`$"):
            required_runtime()
    finally:
        found_runtime.cache_clear()
