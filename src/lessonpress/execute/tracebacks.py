"""A cell's error as the author sees it: the traceback cut to the lesson's own frames, at its line."""

from __future__ import annotations

import dataclasses
import os
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Cell, CellError
from .job import Job

if TYPE_CHECKING:
    from .figures import Location

_EDGE_FRAMES = 10  # of a deep traceback, the lesson frames shown at each end


def cell_error(exc: BaseException, job: Job, cell: Cell) -> CellError:
    """Trim a traceback to frames in the lessons tree, with paths relative to the lesson."""
    path, folder = job.lesson_file, job.lesson_file.parent
    # Source lines are read only for the frames kept (deep recursion has 100,000 others).
    te = traceback.TracebackException.from_exception(exc, lookup_lines=False)
    line = cell.header_line or cell.line
    for part in _chain(te):
        part.stack = _lesson_stack(part.stack, job.lessons_prefix, folder)
        if getattr(part, "filename", None):
            part.filename = os.path.relpath(os.path.abspath(part.filename), folder)
    own = [f for f in te.stack if f.filename == path.name or f.filename.startswith(path.name + "#")]
    cell_part = f"#{cell.name}" if cell.file else ""  # a notebook cell without lines in the file
    if own:
        line = own[-1].lineno or line
        cell_part = own[-1].filename[len(path.name) :]
    elif isinstance(exc, SyntaxError) and exc.lineno:
        line = exc.lineno
    text = "".join(te.format())
    only = "".join(te.format_exception_only()).strip()
    if isinstance(exc, SyntaxError):  # its file, code and caret lines come first
        only = only.split("\n")[-1]
    message = only.split(": ", 1)[1] if ": " in only.split("\n")[0] else only  # drop "ValueError: "
    message = " ".join(line.strip() for line in message.splitlines() if line.strip())
    rel = Path(os.path.relpath(path.resolve(), job.root.resolve())).as_posix()
    return CellError(type(exc).__name__, message, text, rel + cell_part, line)


def figure_error(exc: BaseException, job: Job, cell: Cell, made_at: Location | None) -> CellError:
    """A figure failed to draw when its cell ended: at the line that made it, if the lesson's."""
    error = cell_error(exc, job, cell)
    if made_at is not None and os.path.realpath(made_at[0].split("#")[0]) == os.path.realpath(job.lesson_file):
        return dataclasses.replace(error, line=made_at[1])
    return error


class _CutStack(traceback.StackSummary):
    """A deep stack shown by its first and last frames, and how many calls lie between."""

    omitted = 0

    def format(self) -> list[str]:
        outer = traceback.StackSummary.from_list(self[:_EDGE_FRAMES]).format()
        inner = traceback.StackSummary.from_list(self[_EDGE_FRAMES:]).format()
        return [*outer, f"  ... {self.omitted} more calls ...\n", *inner]


def _lesson_stack(stack: traceback.StackSummary, lessons_dir: str, folder: Path) -> traceback.StackSummary:
    """The frames of a stack in the lessons tree, named relative to the lesson's folder.

    A deep one (infinite recursion under a raised recursion limit) keeps its first and last
    frames: formatting 100,000 of them took half a minute and filled the page.
    """
    names = {f.filename for f in stack}
    inside = {name for name in names if os.path.abspath(name).startswith(lessons_dir)}
    frames = [f for f in stack if f.filename in inside]
    omitted = len(frames) - 2 * _EDGE_FRAMES
    if omitted > 0:
        frames = frames[:_EDGE_FRAMES] + frames[-_EDGE_FRAMES:]
    for frame in frames:
        frame.line  # noqa: B018 (read while the frame still names its file)
        frame.filename = os.path.relpath(os.path.abspath(frame.filename), folder)
    if omitted <= 0:
        return traceback.StackSummary(frames)
    cut = _CutStack(frames)
    cut.omitted = omitted
    return cut


def _chain(te: traceback.TracebackException) -> list[traceback.TracebackException]:
    """The exception and every one it was raised from or during, each once."""
    parts, seen = [], set()
    stack = [te]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        parts.append(current)
        stack.extend(x for x in (current.__cause__, current.__context__) if x is not None)
    return parts
