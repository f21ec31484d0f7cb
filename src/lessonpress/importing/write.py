"""Writing the imported files: all or nothing, never a half-written post or lesson."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from ..errors import UsageError


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file beside it and one rename, so a reader
    (or a crash) sees the old file or the new one, never a part."""
    write_all([(path, text)], shown=[str(path)])


def write_all(files: list[tuple[Path, str]], shown: list[str]) -> None:
    """Write every file or none: each is first written whole to a temporary file beside it
    (a folder it needs made), and only when all are written are they renamed into place. A
    failure removes what was made and restores what was replaced, and is a UsageError that
    says what was (not) written; `shown` names each file in it."""
    made: list[Path] = []  # folders made, deepest last
    staged: list[tuple[str, Path, str | None]] = []  # (temporary, target, backup of the old)
    done = 0
    try:
        for path, text in files:
            _make_folder(path.parent, made)
            staged.append(_stage_one(path, text))
        for temporary, path, _ in staged:
            os.replace(temporary, path)
            done += 1
    except OSError as exc:
        left = _undo(staged, done, made)
        failed = shown[len(staged) if len(staged) < len(files) else done]
        raise UsageError(_failure(exc, failed, left)) from None
    except BaseException:
        _undo(staged, done, made)
        raise
    for _, _, backup in staged:
        if backup is not None:
            with contextlib.suppress(OSError):
                os.unlink(backup)


def _make_folder(folder: Path, made: list[Path]) -> None:
    """Make `folder` and its missing parents, adding each to `made`, outermost first."""
    for path in [p for p in [folder, *folder.parents] if not os.path.lexists(p)][::-1]:
        os.mkdir(path)
        made.append(path)


def _stage_one(path: Path, text: str) -> tuple[str, Path, str | None]:
    """`path`'s new text in a temporary file beside it, and a backup of the file it replaces."""
    backup = _backup(path)
    try:
        return _stage(path, text), path, backup
    except BaseException:
        if backup is not None:
            os.unlink(backup)
        raise


def _stage(path: Path, text: str) -> str:
    """A temporary file beside `path` holding `text`, with the mode `path` keeps."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(temporary, _mode(path))
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary


def _backup(path: Path) -> str | None:
    """A hard link to the file `path` replaces (to restore it if a later file fails), or None."""
    if not os.path.lexists(path):
        return None
    backup = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.old")
    try:
        os.link(path, backup)
    except OSError:  # a file system without hard links
        shutil.copy2(path, backup)
    return backup


def _undo(staged: list[tuple[str, Path, str | None]], done: int, made: list[Path]) -> list[str]:
    """Put back what a failed write changed; what could not be put back, as messages."""
    left = []
    for number, (temporary, path, backup) in enumerate(staged):
        try:
            if number < done:
                if backup is not None:
                    os.replace(backup, path)
                else:
                    os.unlink(path)
            else:
                os.unlink(temporary)
                if backup is not None:
                    os.unlink(backup)
        except OSError as exc:
            left.append(f"{path}: {exc.strerror or exc}")
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            os.rmdir(folder)
    return left


def _failure(exc: OSError, failed: str, left: list[str]) -> str:
    from ..errors import environment_message

    why = environment_message(exc) or f"{exc.strerror or exc}: {exc.filename}"
    if not left:
        return f"cannot write {failed}: {why}. Nothing was written: the project is as it was"
    return f"cannot write {failed}: {why}. Could not undo: {'; '.join(left)}"


def _mode(path: Path) -> int:
    """The mode the file keeps (an existing one's), or a new file's under the umask."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
