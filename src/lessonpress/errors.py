"""The one exception family: problems an author can fix, each with a location."""

from __future__ import annotations

import errno
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
        # (a newline in a file name must not start a line of its own, nor a CI command)
        path = "".join(c if c.isprintable() else repr(c)[1:-1] for c in self.path)
        head = f"{path}:{self.line}: error: {self.message}"
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


# What the machine, not lessonpress, got wrong: how the author can put it right.
_ENVIRONMENT_HINTS = {
    errno.ENOSPC: "the disk is full: free some space and try again",
    errno.EDQUOT: "the disk quota is used up: free some space and try again",
    errno.EFBIG: "a file reached the file size limit (ulimit -f): raise it, or free some space, and try again",
    errno.EROFS: "the file system is read-only: choose an --out on a writable disk",
    errno.EACCES: "lessonpress may not write there: check the folder's permissions, or choose another --out",
    errno.EPERM: "lessonpress may not write there: check the folder's permissions, or choose another --out",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.ENAMETOOLONG: "the path or one of its names is longer than the file system allows: choose a shorter one",
    errno.ELOOP: "the path leads through a loop of symbolic links",
}


def environment_message(exc: BaseException) -> str | None:
    """A plain message for an OSError the environment caused (a full disk, a read-only
    folder), naming the path; None for any other exception (a lessonpress bug)."""
    if not isinstance(exc, OSError) or exc.errno not in _ENVIRONMENT_HINTS:
        return None
    paths = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p is not None)
    where = f": {paths}" if paths else " (writing the site or the cache)"
    return f"{exc.strerror}{where}; {_ENVIRONMENT_HINTS[exc.errno]}"
