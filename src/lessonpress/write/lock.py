"""One build at a time publishes into an output folder."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import BusyError, UsageError


@contextmanager
def build_lock(out: Path, wait: bool = True, on_wait=None) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Only one build publishes to `out` at a time; a second one waits (or refuses)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f".{out.name}.lock"
    try:
        handle = open(lock_path, "a+")  # noqa: SIM115 (closed below)
    except (IsADirectoryError, FileNotFoundError) as exc:  # a folder, or a link to nowhere
        raise UsageError(
            f"{lock_path} is in the way of lessonpress's lock file for --out {out} ({exc.strerror}): "
            "remove it, or choose another --out"
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise BusyError(
                    f"another lessonpress build is writing {out}; try again when it finishes"
                ) from None
            if on_wait:
                on_wait(out)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
