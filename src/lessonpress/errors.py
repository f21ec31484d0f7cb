"""The one exception family: problems an author can fix, each with a location."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem in the author's content: where it is and what to do about it."""

    path: str
    line: int
    message: str
    detail: str = ""

    def format(self) -> str:
        """Render as `path:line: error: message`, with any detail indented below."""
        head = f"{self.path}:{self.line}: error: {self.message}"
        if not self.detail:
            return head
        body = "\n".join("    " + line for line in self.detail.rstrip("\n").splitlines())
        return f"{head}\n{body}"


class LessonpressError(Exception):
    """Base class: an error reported to the author without a lessonpress traceback."""


class ContentError(LessonpressError):
    """One or more problems in posts, lessons, templates or config."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    @classmethod
    def at(cls, path: str | Path, line: int, message: str, detail: str = "") -> ContentError:
        """A ContentError holding a single problem."""
        return cls([Problem(str(path), line, message, detail)])


class UsageError(LessonpressError):
    """The command line or environment is wrong (exit code 2)."""


class BusyError(UsageError):
    """Another build holds the lock on the same output."""
