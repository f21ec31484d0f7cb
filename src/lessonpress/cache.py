"""Lesson results cached by content, so unchanged lessons never run twice.

An entry is trusted only if the lesson's source, the environment (runner, Python, torch,
matplotlib, NumPy versions) and every file the run read from the lessons tree are unchanged.
Entries are written to a temporary name and renamed into place: a killed build leaves no
half-written entry behind.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import __version__
from .model import Lesson, LessonResult

CACHE_DIR = ".lessonpress-cache"
RUNNER_VERSION = "1"
CACHE_FORMAT = "2"  # bump when _Entry changes


def environment_key() -> str:
    """What, besides the lesson's own files, decides what a lesson prints and plots."""
    runner_source = (Path(__file__).parent / "runner.py").read_bytes()
    parts = [RUNNER_VERSION, CACHE_FORMAT, _sha(runner_source), __version__, sys.version, platform.machine()]
    for package in ("torch", "matplotlib", "numpy"):
        try:
            parts.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package}: none")
    return _sha("\n".join(parts).encode())


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(*parts: object) -> str:
    """sha256 over parts: bytes and str as they are, anything else by its pickle."""
    h = hashlib.sha256()
    for part in parts:
        data = (
            part
            if isinstance(part, bytes)
            else part.encode()
            if isinstance(part, str)
            else pickle.dumps(part, protocol=4)
        )
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def code_key() -> str:
    """The lessonpress code itself: a change to the engine invalidates parsed and rendered pages."""
    folder = Path(__file__).parent
    return digest(__version__, *((p.name, p.read_bytes()) for p in sorted(folder.glob("*.py"))))


class PageCache:
    """Rendered files per page, reused while the page's key (all its inputs) is unchanged."""

    def __init__(self, root: Path | None, enabled: bool = True) -> None:
        self.folder = root / CACHE_DIR / "pages" if root is not None and enabled else None
        self.code_key = code_key()

    def get_or_make(self, name: str, key: str, make):  # type: ignore[no-untyped-def]
        """The cached files for `name` if `key` matches, else `make()` (then cached)."""
        path = self.folder / f"{name}.pickle" if self.folder else None
        if path is not None:
            try:
                stored_key, files = pickle.loads(path.read_bytes())
                if stored_key == key:
                    return files
            except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError):
                pass
        files = make()
        if path is not None:
            write_atomic(path, pickle.dumps((key, files), protocol=pickle.HIGHEST_PROTOCOL))
        return files


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary name, then rename: readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass(frozen=True)
class _Entry:
    key: str
    result: LessonResult
    digest: str  # of the result, so pages can key on it without pickling it again


class LessonCache:
    """One entry per lesson: its last result, valid while its inputs are unchanged."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = root
        self.folder = root / CACHE_DIR / "lessons"
        self.enabled = enabled
        self.env_key = environment_key()

    def key(self, lesson: Lesson) -> str:
        """The part of the key known before running: environment and source."""
        return _sha(f"{self.env_key}\n{lesson.src_path}\n{lesson.source}".encode())

    def _path(self, lesson_path: str) -> Path:
        return self.folder / (_sha(lesson_path.encode())[:24] + ".pickle")

    def _load(self, lesson_path: str) -> _Entry | None:
        try:
            entry = pickle.loads(self._path(lesson_path).read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None
        return entry if isinstance(entry, _Entry) and hasattr(entry, "digest") else None

    def lookup(self, lesson: Lesson) -> tuple[LessonResult, str] | None:
        """The cached result and its digest, if the lesson and everything it read are unchanged."""
        if not self.enabled:
            return None
        entry = self._load(lesson.src_path)
        if entry is None or entry.key != self.key(lesson):
            return None
        if any(self.file_hash(path) != digest for path, digest in entry.result.reads):
            return None
        return entry.result, entry.digest

    def file_hash(self, src_path: str) -> str:
        """sha256 of a project file, or 'missing'."""
        try:
            return _sha((self.root / src_path).read_bytes())
        except OSError:
            return "missing"

    def last_seconds(self, lesson_path: str) -> float | None:
        """How long the lesson took last time (for scheduling the longest first)."""
        entry = self._load(lesson_path)
        return entry.result.seconds if entry else None

    def store(self, lesson: Lesson, result: LessonResult) -> str:
        """Save a finished run atomically (not runs that crashed or timed out); return its digest."""
        result_digest = digest(result)
        if result.failure is None:
            entry = _Entry(self.key(lesson), result, result_digest)
            write_atomic(self._path(lesson.src_path), pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
        return result_digest
