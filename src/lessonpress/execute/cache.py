"""The execute stage's store: lesson results, cached by content, so unchanged lessons never
run twice. An entry is trusted only if the lesson's source, the environment (runner,
Python, torch, matplotlib, NumPy versions) and every file the run read from the lessons
tree are unchanged, and so is the format figures are saved in (site.yaml's figure_format)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model import Lesson, LessonResult
from ..store import Store, digest, sha256
from ..versions import environment_key


@dataclass(frozen=True)
class _Entry:
    key: str
    result: LessonResult
    digest: str  # of the result, so pages can key on it without pickling it again


class LessonCache:
    """One entry per lesson: its last result, valid while its inputs are unchanged."""

    def __init__(self, root: Path, enabled: bool = True, figure_format: str = "png") -> None:
        self.root = root
        self.figure_format = figure_format  # a result holds its figures' bytes in this format
        # Read even for --no-cache (for last_seconds), written only when enabled.
        self.entries = Store.open(root).sub("lessons")
        self.enabled = enabled
        self.env_key = environment_key()

    def key(self, lesson: Lesson) -> str:
        """The part of the key known before running: environment, figure format, source, and
        where its cells lie (a text notebook's lines can move while its script stays the same)."""
        places = ",".join(f"{cell.line}:{cell.header_line}:{cell.file}" for cell in lesson.cells)
        return sha256(f"{self.env_key}\n{self.figure_format}\n{lesson.src_path}\n{places}\n{lesson.source}".encode())

    def _load(self, lesson_path: str) -> _Entry | None:
        return self.entries.get(_entry_name(lesson_path), _Entry)

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
            return sha256((self.root / src_path).read_bytes())
        except OSError:
            return "missing"

    def last_seconds(self, lesson_path: str) -> float | None:
        """How long the lesson took last time (for scheduling the longest first)."""
        entry = self._load(lesson_path)
        return entry.result.seconds if entry else None

    def store(self, lesson: Lesson, result: LessonResult) -> str:
        """Save a run atomically, unless it failed (crashed, timed out, raised where it should
        not): a failure is run again next time, since what it tripped over may be outside
        what the key can see (a file restored after it was missing). Return its digest."""
        result_digest = digest(result)
        if self.enabled and not result.failed:
            self.entries.put(_entry_name(lesson.src_path), _Entry(self.key(lesson), result, result_digest))
        return result_digest


def _entry_name(lesson_path: str) -> str:
    return sha256(lesson_path.encode())[:24]
