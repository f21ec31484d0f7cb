"""Reading an author's files: UTF-8 text, and what to say when a file cannot be read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import ContentError, Problem


def read_text(path: Path, src_path: str) -> str:
    """Read UTF-8 text, reporting undecodable bytes with their line.

    A byte-order mark (which some Windows editors write) is dropped, as Python drops it
    from a script: otherwise a post's front matter would not be found.
    """
    try:
        data = _read_file(path, src_path)
    except OSError as exc:  # a broken link, no permission: the author can fix it, it is no bug
        raise ContentError.at(src_path, 1, _unreadable(path, exc)) from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError.at(
            src_path, line, f"file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        ) from None


_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFSOCK: "a socket"}


def _read_file(path: Path, src_path: str) -> bytes:
    """The bytes of the regular file at `path` (a link followed): a folder, a FIFO (which
    would block the build forever) or a device (/dev/zero, endless) is a located error."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "a device")
            raise ContentError.at(src_path, 1, f"{src_path} is {kind}, not a file: replace it with a text file")
        with os.fdopen(fd, "rb", closefd=False) as file:
            return file.read()
    finally:
        os.close(fd)


def _unreadable(path: Path, exc: OSError) -> str:
    """Why a post or lesson file could not be read, and what to do."""
    if path.is_symlink() and not path.exists():
        return f"cannot read the file: it is a symbolic link to {os.readlink(path)}, which does not exist"
    return f"cannot read the file ({exc.strerror or exc}); check that it exists and is readable"


def folder_problem(path: Path, src_path: str, what: str, kind: str) -> Problem | None:
    """A folder named like a post or lesson (`posts/x.md/`): it cannot be read as one."""
    if not path.is_dir():
        return None
    where = src_path.rsplit("/", 1)[0]
    message = f"{src_path} is a folder, not a {what}: a {what} is {kind}; rename the folder or move it out of {where}/"
    return Problem(src_path, 1, message)
