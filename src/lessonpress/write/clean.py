"""`lessonpress clean`: remove the site lessonpress wrote and its cache, and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import UsageError
from ..store import CACHE_DIR
from .folder import check_output_folder, is_site, resolve_out
from .lock import build_lock


def clean(root: Path, out: Path) -> list[Path]:
    """Delete `out` if it is a site lessonpress wrote (with nothing added to it) and the
    project's cache; refuse, changing nothing, when `out` holds anything else. What was removed."""
    check_output_folder(root, out, export=True)  # a site or export of ours, an empty folder or nothing
    target, cache = resolve_out(out), root / CACHE_DIR
    if cache.is_symlink():
        raise UsageError(f"{cache} is a link: lessonpress removes only a cache folder it made; remove the link yourself")
    removed = []
    with build_lock(out, wait=False):  # not while a build writes it
        if target.is_dir() and is_site(target):
            shutil.rmtree(target)
            removed.append(out)
        if cache.is_dir():
            shutil.rmtree(cache)
            removed.append(cache)
    lock = target.parent / f".{target.name}.lock"  # the build lock's file, if a build left one
    if lock.is_file() and not lock.is_symlink() and not target.exists():
        lock.unlink()
    return removed
