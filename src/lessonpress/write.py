"""Stage 5: publish the site atomically, keeping unchanged files (and their mtimes) as they were.

The new site is assembled in a temporary folder beside the output folder; unchanged files
are hard-linked from the previous site. Only when it is complete is it swapped in with one
rename (an atomic exchange on Linux), so readers and killed builds never see half a site.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import BusyError, UsageError
from .model import OutputFile

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


SEARCH_DIR = "pagefind"
# The author's work (and lessonpress's cache): never a place to publish into.
_SOURCE_FOLDERS = ("posts", "lessons", "templates", ".lessonpress-cache", ".git")


def check_output_folder(root: Path, out: Path) -> None:
    """Refuse an --out whose replacement would destroy the author's work.

    Publishing replaces the whole folder, so it must never be the project itself, a folder
    above it, or anything that looks like a project or a repository.
    """
    project, target = root.resolve(), out.resolve()
    if target == project or target in project.parents:
        raise UsageError(
            f"--out {out} would replace the project folder {root}; choose a folder of its own, such as site/"
        )
    for source in _SOURCE_FOLDERS:
        folder = project / source
        if target == folder or folder in target.parents:
            raise UsageError(
                f"--out {out} is inside the project's {source}/ folder, and publishing replaces "
                "the whole folder; choose a folder of its own, such as site/"
            )
    for marker in ("lessons", ".git", "site.yaml", "pyproject.toml"):  # (a site has posts/ too)
        if (target / marker).exists():
            raise UsageError(
                f"--out {out} holds {marker}: it looks like a project, and publishing "
                "replaces the whole folder; choose a folder of its own, such as site/"
            )


def publish(
    files: list[OutputFile],
    out: Path,
    search: bool = True,
    defer_search: bool = False,
    lean: Callable[[bytes], bytes | None] | None = None,
) -> int:
    """Write `files` as the complete new content of `out`; return how many files changed.

    `lean` makes a page's copy for the search index (see search_documents); a build passes
    one that remembers the copies of unchanged pages.

    With `defer_search`, a search index that needs rebuilding is not waited for: the site
    is published with its previous index, marked stale, and update_search_index() brings
    it up to date later (`serve` does this after reloading the browser).
    Call it while holding build_lock(out): it removes the leftovers of killed builds.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    for leftover in out.parent.glob(f".{out.name}.new-*"):  # from a build that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    indexer = None
    try:
        # Pages are compared with the old site once, for the index and for assembling.
        same = {
            f.dest_path: _same_content(out / f.dest_path, f.data)
            for f in files
            if f.dest_path.endswith(".html")
        }
        # Pagefind indexes (on its own cores) while the site is assembled.
        indexer = (
            _SearchIndexer(files, stage, out, not all(same.values()), defer_search, lean or lean_page)
            if search
            else None
        )
        changed = _assemble(files, stage, out, same)
        if indexer is not None:
            indexer.finish()
        _swap(stage, out)
        if indexer is not None and indexer.process is not None:
            _stale_marker(out).unlink(missing_ok=True)  # the new index matches the new pages
    finally:
        if indexer is not None:
            indexer.stop()
        shutil.rmtree(stage, ignore_errors=True)  # after a swap, this is the old site
    return len(changed)


def update_search_index(out: Path) -> bool:
    """Rebuild the search index of the site in `out` if a deferred publish left it stale.

    Returns whether it did. Call it while holding build_lock(out). The new index replaces
    the old one in one step; until then readers search the previous index, which still
    matches every page except the ones just edited.
    """
    out = out.resolve()
    if not _stale_marker(out).exists() or not out.is_dir():
        return False
    index = out / SEARCH_DIR
    pages = [
        OutputFile(str(path.relative_to(out)), path.read_bytes())
        for path in sorted(out.rglob("*.html"))
        if index not in path.parents
    ]
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-search-", dir=out.parent))
    try:
        indexer = _SearchIndexer(pages, work, out, pages_changed=True, defer=False, lean=lean_page)
        try:
            indexer.finish()
        finally:
            indexer.stop()
        if (work / SEARCH_DIR).is_dir():
            _swap(work / SEARCH_DIR, index)
        _stale_marker(out).unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return True


def _stale_marker(out: Path) -> Path:
    """Present while the search index of `out` may lag behind its pages."""
    return out.parent / f".{out.name}.search-stale"


def _assemble(files: list[OutputFile], stage: Path, previous: Path, known: dict[str, bool]) -> list[str]:
    """Put every file in `stage`, linking unchanged ones from `previous`; return the changed.

    `known` says, for files already compared with `previous`, whether they are the same.
    """
    changed = []
    for file in files:
        dest = stage / file.dest_path
        dest.parent.mkdir(parents=True, exist_ok=True)
        old = previous / file.dest_path
        same = known[file.dest_path] if file.dest_path in known else _same_content(old, file.data)
        if same:
            os.link(old, dest)  # same inode: mtime and content untouched
            continue
        dest.write_bytes(file.data)
        changed.append(file.dest_path)
    return changed


class _SearchIndexer:
    """Pagefind's static search index for the new site, built in the background.

    When no page differs from the previous site (and its index is not stale), the index is
    reused as it is. Otherwise Pagefind starts at once on lean copies of the pages (see
    search_documents) and writes into the stage; finish() waits for it and keeps unchanged
    index files as they were. With `defer`, the previous index is kept and marked stale.
    """

    def __init__(
        self,
        files: list[OutputFile],
        stage: Path,
        previous: Path,
        pages_changed: bool,
        defer: bool,
        lean: Callable[[bytes], bytes | None],
    ) -> None:
        self.stage = stage
        self.old = previous / SEARCH_DIR
        self.marker = _stale_marker(previous)
        self.process: subprocess.Popen[bytes] | None = None
        self.documents: Path | None = None
        self.reuse = not pages_changed and self.old.is_dir() and not self.marker.exists()
        self.defer = defer and not self.reuse and self.old.is_dir()  # a first index is waited for
        if self.reuse or self.defer:
            return
        try:
            import pagefind_bin  # ships the binary; calling it directly saves a Python start-up
        except ImportError:
            return
        self.documents = Path(tempfile.mkdtemp(prefix=f"{stage.name}-search-", dir=stage.parent))
        for dest_path, data in search_documents(files, lean).items():
            path = self.documents / dest_path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        command = [
            str(pagefind_bin.get_executable()),
            "--site",
            str(self.documents),
            "--output-path",
            str(stage / SEARCH_DIR),
            "--silent",
            "--exclude-selectors",
            "math",  # MathML is a forest of one-letter tags: noise in results, and slow to index
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def finish(self) -> None:
        """Wait for the index; raise OSError if Pagefind failed."""
        if self.defer:
            self.marker.touch()  # before the swap: a stale index is never left unmarked
        if self.reuse or self.defer:
            if not self.old.is_dir():
                return
            for path in self.old.rglob("*"):
                dest = self.stage / SEARCH_DIR / path.relative_to(self.old)
                if path.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                else:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.link(path, dest)
            return
        if self.process is None:
            return
        output, _ = self.process.communicate()
        if self.process.returncode != 0:
            raise OSError(f"pagefind failed to index the site:\n{output.decode(errors='replace')}")
        _relink_unchanged(self.stage / SEARCH_DIR, self.old)

    def stop(self) -> None:
        """Stop Pagefind if it still runs (the build failed) and remove the lean pages."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.documents is not None:
            shutil.rmtree(self.documents, ignore_errors=True)


_SEARCH_ROOT = re.compile(rb"<([a-zA-Z][\w-]*)\b[^>]*?\sdata-pagefind-body\b[^>]*>")
_LANG = re.compile(rb"<html\b[^>]*?\slang=\"([^\"]*)\"")
_UNINDEXED = re.compile(rb"<(math|script|style)\b.*?</\1>|</?span\b[^>]*>", re.S | re.I)


def search_documents(
    files: list[OutputFile], lean: Callable[[bytes], bytes | None] | None = None
) -> dict[str, bytes]:
    """What Pagefind should index, by path: each page cut down to its data-pagefind-body elements.

    Pagefind reads only those elements when a site marks any, but it parses whole pages,
    and highlighted code and MathML make up most of a post's bytes. Giving it the elements
    alone, without the markup that holds no words (spans, math, scripts), takes a third off
    its time and indexes the same text, images and anchors under the same URLs. Pages
    without such an element are left out, as Pagefind would; if no page has one, every page
    is indexed whole.
    """
    pages = {f.dest_path: f.data for f in files if f.dest_path.endswith(".html")}
    documents = {}
    for dest_path, data in pages.items():
        document = (lean or lean_page)(data)
        if document is not None:
            documents[dest_path] = document
    return documents or pages


def lean_page(page: bytes) -> bytes | None:
    """The page cut down to its data-pagefind-body elements, or None if it has none."""
    bodies = _search_roots(page)
    if not bodies:
        return None
    lang = _LANG.search(page)
    head = b'<!DOCTYPE html><html lang="' + (lang.group(1) if lang else b"en") + b'"><head>'
    return head + b'<meta charset="utf-8"></head><body>' + bodies + b"</body></html>"


def _search_roots(page: bytes) -> bytes:
    """The elements marked data-pagefind-body, stripped of markup that holds no words."""
    found = []
    position = 0
    while start := _SEARCH_ROOT.search(page, position):
        closing = re.compile(rb"<(/?)" + re.escape(start.group(1)) + rb"\b[^>]*>", re.I)
        depth, position = 1, len(page)
        for match in closing.finditer(page, start.end()):
            depth += -1 if match.group(1) else 1
            if depth == 0:
                position = match.end()
                break
        found.append(_UNINDEXED.sub(b"", page[start.start() : position]))
    return b"".join(found)


def _relink_unchanged(new: Path, old: Path) -> None:
    """Keep the old inode (and mtime) of search files whose content did not change."""
    for path in new.rglob("*"):
        before = old / path.relative_to(new)
        if path.is_file() and _same_content(before, path.read_bytes()):
            path.unlink()
            os.link(before, path)


def _same_content(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


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


@contextmanager
def build_lock(out: Path, wait: bool = True, on_wait=None) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Only one build publishes to `out` at a time; a second one waits (or refuses)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f".{out.name}.lock"
    with open(lock_path, "a+") as handle:
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
