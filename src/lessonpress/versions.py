"""What cached work depends on besides its own inputs: installed versions and our own code."""

from __future__ import annotations

import functools
import os
import platform
import sys
from pathlib import Path

from . import __version__
from .store import CACHE_FORMAT, digest, sha256

RUNNER_VERSION = "1"
_PACKAGE = Path(__file__).parent
# What runs a lesson and shapes its cached result: the execute stage (the worker, the
# lesson's process, threads, timeouts, output limit) and the model. A module or a package each.
_LESSON_CODE = ("execute", "model")


def package_version(name: str) -> str | None:
    """The installed version of a distribution, read from its dist-info folder name.

    importlib.metadata would do, but importing it costs more than a whole no-change rebuild
    may spend; the folder name (PEP 376/427) carries the same version. Names compare as
    PEP 503 normalizes them: "PyYAML" finds pyyaml-6.0.4.dist-info.
    """
    found = _installed(tuple((entry, _mtime(entry or ".")) for entry in sys.path)).get(_normalized(name))
    if found is not None:
        return found
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@functools.lru_cache(maxsize=4)
def _installed(folders: tuple[tuple[str, int], ...]) -> dict[str, str]:
    """Distribution versions by normalized name, first on sys.path first. Keyed by the
    folders' mtimes, which change when a package is installed or removed."""
    versions: dict[str, str] = {}
    for entry, _ in folders:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info"):
                distribution, _, version = folder.removesuffix(".dist-info").partition("-")
                versions.setdefault(_normalized(distribution), version)
    return versions


def _mtime(folder: str) -> int:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return -1


def _normalized(name: str) -> str:
    return name.replace("-", "_").replace(".", "_").lower()


def environment_key() -> str:
    """What, besides the lesson's own files, decides what a lesson prints and plots."""
    code = b"".join(path.read_bytes() for name in _LESSON_CODE for path in _sources(name))
    parts = [RUNNER_VERSION, CACHE_FORMAT, sha256(code), __version__, sys.version, platform.machine()]
    for package in ("torch", "matplotlib", "numpy"):
        parts.append(f"{package}=={package_version(package)}")
    return sha256("\n".join(parts).encode())


def _sources(name: str) -> list[Path]:
    """The module `name.py` or the files of the package `name/` in lessonpress, in order."""
    module = _PACKAGE / f"{name}.py"
    return [module] if module.is_file() else sorted((_PACKAGE / name).rglob("*.py"))


@functools.cache  # once per process: the parse memo and the page memos both ask, on every build
def code_key() -> str:
    """The lessonpress code itself: a change to the engine invalidates parsed and rendered pages."""
    files = sorted(_PACKAGE.rglob("*.py"))
    return digest(__version__, *((p.relative_to(_PACKAGE).as_posix(), p.read_bytes()) for p in files))
