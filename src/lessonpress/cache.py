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


def environment_key() -> str:
    """What, besides the lesson's own files, decides what a lesson prints and plots."""
    runner_source = (Path(__file__).parent / "runner.py").read_bytes()
    parts = [RUNNER_VERSION, _sha(runner_source), __version__, sys.version, platform.machine()]
    for package in ("torch", "matplotlib", "numpy"):
        try:
            parts.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package}: none")
    return _sha("\n".join(parts).encode())


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class _Entry:
    key: str
    result: LessonResult


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
        return entry if isinstance(entry, _Entry) else None

    def lookup(self, lesson: Lesson) -> LessonResult | None:
        """The cached result, if the lesson and everything it read are unchanged."""
        if not self.enabled:
            return None
        entry = self._load(lesson.src_path)
        if entry is None or entry.key != self.key(lesson):
            return None
        if any(self.file_hash(path) != digest for path, digest in entry.result.reads):
            return None
        return entry.result

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

    def store(self, lesson: Lesson, result: LessonResult) -> None:
        """Save a finished run atomically (runs that crashed or timed out are not saved)."""
        if result.failure is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(lesson.src_path)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(_Entry(self.key(lesson), result), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
