"""Publish the site atomically, keeping unchanged files (and their mtimes) as they were.

The new site is assembled in a temporary folder beside the output folder; unchanged files
are hard-linked from the previous site. Only when it is complete is it swapped in with one
rename (an atomic exchange on Linux), so readers and killed builds never see half a site.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import os
from collections.abc import Callable
from pathlib import Path

from ..model import OutputFile
from .folder import (
    check_replaceable,
    is_site,
    marker_text,
    remove_ours,
    resolve_out,
    same_content,
    scratch,
    write_file,
)
from .search import SEARCH_DIR, SearchIndexer, clear_stale, is_stale, lean_page

_RENAME_EXCHANGE = 2

_AT_FDCWD = -100


def publish(
    files: list[OutputFile],
    out: Path,
    search: bool = True,
    defer_search: bool = False,
    lean: Callable[[bytes], bytes | None] | None = None,
    verify: Callable[[], object] | None = None,
) -> int:
    """Write `files` as the complete new content of `out`; return how many files changed.

    `lean` makes a page's copy for the search index (see search_documents); a build passes
    one that remembers the copies of unchanged pages.

    With `defer_search`, a search index that needs rebuilding is not waited for: the site
    is published with its previous index, marked stale, and update_search_index() brings
    it up to date later (`serve` does this after reloading the browser).
    `verify` runs when the new site is complete, just before the swap: what it raises (a
    check that ran beside, say) fails the build and leaves the previous site as it was.
    Call it while holding build_lock(out): it removes the leftovers of killed builds.
    """
    out = resolve_out(out)
    check_replaceable(out)  # again, under the lock: the folder may have changed since the build began
    out.parent.mkdir(parents=True, exist_ok=True)
    for leftover in out.parent.glob(f".{glob.escape(out.name)}.new-*"):  # from a build that was killed
        remove_ours(leftover)
    stage = scratch(out.parent, f".{out.name}.new-", out, marker_text([f.dest_path for f in files]))
    indexer = None
    try:
        # Pages are compared with the old site once, for the index and for assembling.
        same = {
            f.dest_path: same_content(out / f.dest_path, f.data)
            for f in files
            if f.dest_path.endswith(".html")
        }
        if search:  # Pagefind indexes (on its own cores) while the site is assembled
            indexer = SearchIndexer(
                files, stage, out, not all(same.values()), defer_search, lean or lean_page
            )
        changed = _assemble(files, stage, out, same)
        _swap_in(stage, out, indexer, verify)
    finally:
        if indexer is not None:
            indexer.stop()
        remove_ours(stage)  # after a swap, this is the old site
    return len(changed)


def _swap_in(
    stage: Path, out: Path, indexer: SearchIndexer | None, verify: Callable[[], object] | None
) -> None:
    """Wait for the search index and the checks, then put the complete new site at `out`."""
    if indexer is not None:
        indexer.finish()
    if verify is not None:
        verify()
    _swap(stage, out)
    if indexer is not None and indexer.process is not None:
        clear_stale(out)  # the new index matches the new pages


def update_search_index(out: Path) -> bool:
    """Rebuild the search index of the site in `out` if a deferred publish left it stale.

    Returns whether it did. Call it while holding build_lock(out). The new index replaces
    the old one in one step; until then readers search the previous index, which still
    matches every page except the ones just edited.
    """
    out = resolve_out(out)
    if not is_stale(out) or not is_site(out):
        return False
    index = out / SEARCH_DIR
    pages = [
        OutputFile(str(path.relative_to(out)), path.read_bytes())
        for path in sorted(out.rglob("*.html"))
        if index not in path.parents
    ]
    work = scratch(out.parent, f".{out.name}.new-search-")
    try:
        indexer = SearchIndexer(pages, work, out, pages_changed=True, defer=False, lean=lean_page)
        try:
            indexer.finish()
        finally:
            indexer.stop()
        if (work / SEARCH_DIR).is_dir():
            _swap(work / SEARCH_DIR, index)
        clear_stale(out)
    finally:
        remove_ours(work)
    return True


def _assemble(files: list[OutputFile], stage: Path, previous: Path, known: dict[str, bool]) -> list[str]:
    """Put every file in `stage`, linking unchanged ones from `previous`; return the changed.

    `known` says, for files already compared with `previous`, whether they are the same.
    """
    changed = []
    for file in files:
        dest = stage / file.dest_path
        dest.parent.mkdir(parents=True, exist_ok=True)
        old = previous / file.dest_path
        same = known[file.dest_path] if file.dest_path in known else same_content(old, file.data)
        if same:
            os.link(old, dest)  # same inode: mtime and content untouched
            continue
        write_file(dest, file.data)
        changed.append(file.dest_path)
    return changed


def _swap(stage: Path, out: Path) -> None:
    """Put `stage` at `out`; the old `out` ends up at `stage` (to be deleted)."""
    os.chmod(stage, 0o755)
    if not out.exists():
        os.rename(stage, out)
        stage.mkdir()
        return
    if _exchange(stage, out):
        return
    old = stage.with_name(stage.name + ".old")
    os.rename(out, old)
    os.rename(stage, out)
    os.rename(old, stage)


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): swap two paths in one atomic step (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.EXDEV):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))
