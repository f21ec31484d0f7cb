"""A cell's output, captured at the file-descriptor level and cleaned as a terminal shows it.

The child sends fds 1 and 2 to an unlinked file per cell, so what C extensions and child
processes write is caught too, in order; the worker keeps that file from filling the disk
while the lesson runs (cap_output).
"""

from __future__ import annotations

import io
import os
import re
import stat
import sys

from ..model import CONTROL_CHARACTERS

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
OUTPUT_CHECK = 0.1  # seconds between the worker's looks at a running lesson's output file
_OUTPUT_SLACK = 8 << 20  # bytes a cell's output file may grow past what the page shows


class CapturedOutput:
    """Send fds 1 and 2 (Python, C extensions and child processes alike) to one file."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.text = ""
        self.truncated = False

    def __enter__(self) -> CapturedOutput:
        sys.stdout.flush()
        sys.stderr.flush()
        self.saved = (os.dup(1), os.dup(2))
        self.file = io.FileIO(_temp_file(), "w+")
        os.dup2(self.file.fileno(), 1)
        os.dup2(self.file.fileno(), 2)
        self.streams = (sys.stdout, sys.stderr)
        sys.stdout = _text_stream(1)
        sys.stderr = _text_stream(2)
        return self

    def __exit__(self, *exc: object) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        sys.stdout, sys.stderr = self.streams
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        for fd in self.saved:
            os.close(fd)
        size = os.fstat(self.file.fileno()).st_size
        self.file.seek(0)
        data = self.file.read(self.limit)
        self.file.close()
        self.truncated = size > self.limit
        self.text = clean_output(data.decode("utf-8", errors="replace"))


def _temp_file() -> int:
    """An unlinked file opened for appending: writes go to its end even after the worker
    cuts it short (see cap_output)."""
    import fcntl
    import tempfile

    fd, name = tempfile.mkstemp(prefix="lessonpress-out-")
    os.unlink(name)
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
    return fd


def _text_stream(fd: int) -> io.TextIOWrapper:
    """A stream on `fd` that is line-buffered, as Python's stdout is on a terminal.

    Every finished line reaches the fd at once, so it lands in order with what C code and
    child processes write there; unbuffered writes would cost a system call per `print`
    argument, which made a lesson printing millions of lines several times slower.
    """
    buffer = io.BufferedWriter(io.FileIO(fd, "w", closefd=False))
    return io.TextIOWrapper(buffer, encoding="utf-8", errors="backslashreplace", line_buffering=True)


def clean_output(text: str) -> str:
    """What a terminal would show: ANSI codes dropped, `\\r` redraws resolved to their end, and
    no other control characters (a NUL byte is not even allowed in an HTML page)."""
    text = CONTROL_CHARACTERS.sub("", _ANSI.sub("", text.replace("\r\n", "\n")))
    lines = []
    for line in text.split("\n"):
        shown = ""
        for part in line.split("\r"):
            shown = part + shown[len(part) :]
        lines.append(shown)
    return "\n".join(lines)


def cap_output(pid: int, limit: int) -> None:
    """Cut a runaway cell's output file back to just over what the page shows.

    The page keeps the first `limit` bytes of a cell's output, but a lesson stuck printing
    in a loop would fill the disk before its timeout. Its output file is unlinked and open
    for appending (see _temp_file), so the lesson's next writes land after the cut.
    """
    link = f"/proc/{pid}/fd/1"
    try:
        if not _is_capture(os.stat(link), limit):
            return
        fd = os.open(link, os.O_WRONLY | os.O_NOCTTY)
    except OSError:  # gone, or not Linux
        return
    try:
        if _is_capture(os.fstat(fd), limit):
            os.ftruncate(fd, limit + 1)
    finally:
        os.close(fd)


def _is_capture(info: os.stat_result, limit: int) -> bool:
    """An oversized unlinked regular file: a cell's output, never the build's own log file."""
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 0 and info.st_size > limit + _OUTPUT_SLACK
