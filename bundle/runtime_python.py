"""The template's Lambda runtime interpreter (python3.14) on the build machine, to compile bytecode.

Lambda's /var/task and /opt are read-only, so a zip without bytecode for the runtime makes every
cold start compile every module it imports (about 50 ms of the notification processor's). Bytecode
must come from the runtime's own minor version (its magic number), which the build's Python (3.11)
is not. Where one comes from, first found wins:

1. ``RUNTIME_PYTHON``: a path to a python3.14, or ``none`` for zips without bytecode;
2. ``python3.14`` on PATH (Homebrew, pyenv, uv, a distribution's package);
3. the interpreter a previous ``make package`` installed under build/runtime-python/;
4. with ``fetch=True`` (``make package``), on Linux x86_64 or aarch64: Debian's python3.14 packages
   (testing, else unstable) from the Debian archive, which the build machine reaches as a package
   registry. Every file is verified before use: the suite's InRelease with gpgv against the
   machine's Debian archive keyring, the package index by its SHA-256 in that signed file, each
   package by its SHA-256 in the index. They are unpacked (no root, nothing installed system-wide)
   with their own C library and run through its dynamic loader, since the build machine's glibc
   may be older than the one they were built for.

No interpreter (another platform, no network, no gpgv): the zips carry source only and
``make package`` says so in one line; the functions work the same, each cold start compiles.
"""
from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import json
import lzma
import os
import platform
import shutil
import stat
import subprocess
import tarfile
import tempfile
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bundle.cli_errors import UserError

ROOT = Path(__file__).resolve().parent.parent
# The template's Lambda runtime (templates/functions.py takes its RUNTIME from NAME): bytecode is per minor version.
RUNTIME_VERSION = (3, 14)
NAME = f"python{RUNTIME_VERSION[0]}.{RUNTIME_VERSION[1]}"
CACHE_TAG = f"cpython-{RUNTIME_VERSION[0]}{RUNTIME_VERSION[1]}"
INSTALL_DIR = ROOT / "build" / "runtime-python"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
DEBIAN_SUITES = ("forky", "sid")  # testing, then unstable: the suites that carry python3.14
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
DEBIAN_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}
# The interpreter, its standard library, and the shared libraries those load (the C library brings
# its own dynamic loader). Enough to compile bytecode and to import botocore for the bench.
DEBIAN_PACKAGES = (
    f"{NAME}-minimal", f"lib{NAME}-minimal", f"lib{NAME}-stdlib", "libc6", "zlib1g", "libexpat1", "libssl3t64",
    "libzstd1", "libffi8", "liblzma5", "libbz2-1.0", "libmpdec4",
)
TIMEOUT_S = 120
GPGV_TIMEOUT_S = 60


class Unavailable(Exception):
    """No runtime interpreter from this source: the message says why, in one line."""


@dataclass(frozen=True)
class RuntimePython:
    """A python3.14 to run: ``argv`` starts the interpreter (more arguments follow), ``origin`` says
    where it came from, ``version`` is its full version (3.14.8)."""

    argv: tuple[str, ...]
    version: str
    origin: str

    def run(self, args: list[str], *, input: bytes | None = None, env: dict[str, str] | None = None,
            timeout: float = TIMEOUT_S) -> bytes:
        """Run it with ``args``; its stdout, or CalledProcessError with its stderr."""
        done = subprocess.run([*self.argv, *args], input=input, env=env, capture_output=True, timeout=timeout)
        if done.returncode != 0:
            raise subprocess.CalledProcessError(done.returncode, [*self.argv, *args], done.stdout, done.stderr)
        return done.stdout

    def run_for_build(self, args: list[str], *, doing: str, input: bytes | None = None,
                      env: dict[str, str] | None = None) -> bytes:
        """``run``, for a build step: any failure is one UserError line saying what could not be done
        (``doing``), how it failed (its last stderr line) and how to build without it."""
        try:
            return self.run(args, input=input, env=env)
        except subprocess.CalledProcessError as exc:
            said = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            detail = f"exit {exc.returncode}" + (f": {said[-1]}" if said else "")
        except subprocess.TimeoutExpired as exc:
            detail = f"no answer in {exc.timeout:g} s"
        except OSError as exc:
            detail = str(exc)
        raise UserError(f"{self.describe()} could not {doing} ({detail}): "
                        "fix it, or set RUNTIME_PYTHON=none for zips without bytecode")

    def describe(self) -> str:
        return f"Python {self.version} ({self.origin})"


def without_python_settings(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (this process's environment by default) without its PYTHON* variables: those are
    for the build's Python (its PYTHONPATH, PYTHONHOME, …), not for the runtime interpreter."""
    return {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("PYTHON")}


def find(*, fetch: bool = False, install_dir: Path = INSTALL_DIR) -> tuple[RuntimePython | None, str]:
    """The runtime interpreter and an empty string, or None and why there is none (one line).
    Raises Unavailable when RUNTIME_PYTHON names one that does not run or is another version."""
    chosen = os.environ.get("RUNTIME_PYTHON", "").strip()
    if chosen.lower() == "none":
        return None, "RUNTIME_PYTHON=none"
    if chosen:  # asked for by name: one that does not work is an error, not a quiet fallback
        return probe((chosen,), f"RUNTIME_PYTHON={chosen}"), ""
    on_path = shutil.which(NAME)
    if on_path:
        try:
            return probe((on_path,), on_path), ""
        except Unavailable:
            pass  # a broken shim (pyenv without that version selected): try the next source
    installed = installed_interpreter(install_dir)
    if installed is not None:
        return installed, ""
    if not fetch:
        return None, f"no {NAME} on PATH or under {install_dir}"
    try:
        return install_from_debian(install_dir), ""
    except Unavailable as exc:
        return None, str(exc)


_PROBE = "import importlib.util, sys; print(sys.implementation.cache_tag, '%d.%d.%d' % sys.version_info[:3])"


def probe(argv: tuple[str, ...], origin: str) -> RuntimePython:
    """``argv`` as a RuntimePython if it runs and is the runtime's minor version."""
    try:
        out = subprocess.run([*argv, "-c", _PROBE], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise Unavailable(f"{origin}: does not run ({exc})") from None
    fields = out.stdout.split()
    if out.returncode != 0 or len(fields) != 2:
        raise Unavailable(f"{origin}: does not run (exit {out.returncode})")
    if fields[0] != CACHE_TAG:
        raise Unavailable(f"{origin}: is Python {fields[1]}, the runtime is {NAME}")
    return RuntimePython(argv, fields[1], origin)


# --- the interpreter from Debian's packages ---------------------------------------------------------


def installed_interpreter(install_dir: Path = INSTALL_DIR) -> RuntimePython | None:
    """The interpreter a previous install left under ``install_dir``, if it is complete and runs."""
    manifest = install_dir / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        origin = json.loads(manifest.read_text())["origin"]
        return probe((str(install_dir / "bin" / NAME),), origin)
    except (ValueError, KeyError, Unavailable):
        return None


def install_from_debian(install_dir: Path = INSTALL_DIR, *, mirror: str = DEBIAN_MIRROR,
                        keyring: str = DEBIAN_KEYRING) -> RuntimePython:
    """Download, verify and unpack Debian's python3.14 into ``install_dir`` (replaced)."""
    arch = DEBIAN_ARCH.get(platform.machine())
    if platform.system() != "Linux" or arch is None:
        raise Unavailable(f"Debian's {NAME} packages run on Linux x86_64 and aarch64, not {platform.system()} "
                          f"{platform.machine()}: set RUNTIME_PYTHON to a {NAME}")
    if shutil.which("gpgv") is None or not Path(keyring).is_file():
        raise Unavailable(f"cannot verify Debian's packages: gpgv or {keyring} is missing")
    problems = []
    for suite in DEBIAN_SUITES:
        try:
            packages = _verified_index(mirror, suite, arch, keyring)
            chosen = [_stanza(packages, name, suite) for name in DEBIAN_PACKAGES]
            break
        except Unavailable as exc:
            problems.append(str(exc))
    else:
        raise Unavailable("; ".join(problems))
    staging = Path(tempfile.mkdtemp(prefix="runtime-python-", dir=_parent(install_dir)))
    try:
        for stanza in chosen:
            deb = _download(f"{mirror}/{stanza['Filename']}")
            if hashlib.sha256(deb).hexdigest() != stanza["SHA256"]:
                raise Unavailable(f"{stanza['Filename']}: SHA-256 differs from the signed index")
            _unpack_deb(deb, staging / "root")
        _write_launcher(staging, arch)
        python = next(s for s in chosen if s["Package"] == f"{NAME}-minimal")
        origin = f"Debian {suite} {NAME}-minimal {python['Version']}"
        (staging / "manifest.json").write_text(json.dumps({
            "origin": origin, "packages": {s["Package"]: [s["Version"], s["SHA256"]] for s in chosen}}, indent=1) + "\n")
        found = probe((str(staging / "bin" / NAME),), origin)
        if install_dir.exists():
            shutil.rmtree(install_dir)
        staging.rename(install_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RuntimePython((str(install_dir / "bin" / NAME),), found.version, origin)


def _parent(install_dir: Path) -> Path:
    install_dir.parent.mkdir(parents=True, exist_ok=True)
    return install_dir.parent


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            data: bytes = response.read()
            return data
    except OSError as exc:
        raise Unavailable(f"{url}: {exc}") from None
    except http.client.HTTPException as exc:  # a body cut short (IncompleteRead), a bad status line
        raise Unavailable(f"{url}: {exc!r}") from None


def _verified_index(mirror: str, suite: str, arch: str, keyring: str) -> dict[str, list[dict[str, str]]]:
    """Package name → its stanzas in ``suite``'s main index, every byte checked against the signature."""
    signed = _download(f"{mirror}/dists/{suite}/InRelease")
    release = verify_signed(signed, keyring, f"{suite}/InRelease")
    path = f"main/binary-{arch}/Packages.xz"
    digest = release_sha256(release, path)
    if digest is None:
        raise Unavailable(f"{suite}: InRelease lists no {path}")
    index = _download(f"{mirror}/dists/{suite}/{path}")
    if hashlib.sha256(index).hexdigest() != digest:
        raise Unavailable(f"{suite}/{path}: SHA-256 differs from the signed InRelease")
    found: dict[str, list[dict[str, str]]] = {}
    for stanza in parse_stanzas(lzma.decompress(index).decode("utf-8", "replace")):
        found.setdefault(stanza.get("Package", ""), []).append(stanza)
    return found


def verify_signed(signed: bytes, keyring: str, label: str) -> str:
    """The text gpgv vouches for (only the signed part, never what surrounds it)."""
    with tempfile.TemporaryDirectory() as scratch:
        source, verified = Path(scratch, "in"), Path(scratch, "out")
        source.write_bytes(signed)
        try:
            done = subprocess.run(["gpgv", "--keyring", keyring, "--output", str(verified), str(source)],
                                  capture_output=True, timeout=GPGV_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise Unavailable(f"{label}: gpgv gave no answer in {GPGV_TIMEOUT_S} s") from None
        except OSError as exc:
            raise Unavailable(f"{label}: gpgv does not run ({exc})") from None
        if done.returncode != 0 or not verified.is_file():
            raise Unavailable(f"{label}: bad or unknown signature (gpgv exit {done.returncode})")
        return verified.read_text("utf-8", "replace")


def release_sha256(release: str, path: str) -> str | None:
    """The SHA-256 a Release file gives for ``path``."""
    in_section = False
    for line in release.splitlines():
        if not line.startswith(" "):
            in_section = line.strip() == "SHA256:"
            continue
        fields = line.split()
        if in_section and len(fields) == 3 and fields[2] == path:
            return fields[0]
    return None


def parse_stanzas(text: str) -> list[dict[str, str]]:
    """Debian control stanzas (the first line of each field; continuation lines are not needed here)."""
    stanzas: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                stanzas.append(current)
            current = {}
        elif not line[0].isspace() and ":" in line:
            key, _, value = line.partition(":")
            current[key] = value.strip()
    if current:
        stanzas.append(current)
    return stanzas


def _stanza(packages: dict[str, list[dict[str, str]]], name: str, suite: str) -> dict[str, str]:
    found = [s for s in packages.get(name, []) if s.get("Filename") and len(s.get("SHA256", "")) == 64]
    if not found:
        raise Unavailable(f"{suite}: no package {name}")
    return found[-1]


def _unpack_deb(deb: bytes, root: Path) -> None:
    """The data.tar.xz of a .deb (an ar archive), unpacked under ``root`` with tarfile's data filter."""
    if not deb.startswith(b"!<arch>\n"):
        raise Unavailable("not a Debian package (no ar header)")
    offset = 8
    while offset + 60 <= len(deb):
        header = deb[offset:offset + 60]
        name = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        body = deb[offset + 60:offset + 60 + size]
        offset += 60 + size + (size % 2)
        if name.startswith("data.tar"):
            root.mkdir(parents=True, exist_ok=True)
            with tarfile.open(fileobj=io.BytesIO(body), mode="r:*") as archive:
                for member in archive.getmembers():
                    # links out of the tree (/lib64/ld-linux… → /usr/lib/…) are not needed
                    with contextlib.suppress(tarfile.FilterError):
                        archive.extract(member, root, filter="data")
            return
    raise Unavailable("Debian package without data.tar")


def _write_launcher(staging: Path, arch: str) -> None:
    """bin/python3.14: the interpreter through the unpacked C library's loader, relocatable."""
    libdir = {"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}[arch]
    loader = {"amd64": "ld-linux-x86-64.so.2", "arm64": "ld-linux-aarch64.so.1"}[arch]
    launcher = staging / "bin" / NAME
    launcher.parent.mkdir(parents=True, exist_ok=True)
    launcher.write_text(
        "#!/bin/sh\n"
        "# Debian's python3.14 with its own C library (build/runtime-python, bundle/runtime_python.py).\n"
        'here=$(cd "$(dirname "$0")/.." && pwd)\n'
        f'lib="$here/root/usr/lib/{libdir}"\n'
        f'PYTHONHOME="$here/root/usr" exec "$lib/{loader}" --library-path "$lib" "$here/root/usr/bin/{NAME}" "$@"\n')
    launcher.chmod(launcher.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
