"""Stage 5: publish the site atomically, keeping unchanged files (and their mtimes) as they were.

The new site is assembled in a temporary folder beside the output folder; unchanged files
are hard-linked from the previous site. Only when it is complete is it swapped in with one
rename (an atomic exchange on Linux), so readers and killed builds never see half a site.
"""

from __future__ import annotations

import contextlib
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
# In every site lessonpress publishes, and in its scratch folders beside it: what it may replace.
SITE_MARKER = ".lessonpress-site"
MARKER_TEXT = (
    b"This folder is a site published by lessonpress. Every build replaces it as a whole:\n"
    b"keep no other files here. lessonpress replaces only folders that hold this file.\n"
)
_STALE_TEXT = b"lessonpress: the search index of the site beside this file is out of date\n"
# The author's work (and lessonpress's cache): never a place to publish into.
_SOURCE_FOLDERS = ("posts", "lessons", "templates", ".lessonpress-cache", ".git")


def check_output_folder(root: Path, out: Path) -> None:
    """Refuse an --out whose replacement would destroy the author's work.

    Publishing replaces the whole folder, so it must never be the project itself, a folder
    above it, or anything that looks like a project or a repository; and it must be a site
    lessonpress published (it holds SITE_MARKER), an empty folder, or nothing yet.
    """
    project, target = root.resolve(), resolve_out(out)
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
    check_replaceable(target)


def resolve_out(out: Path) -> Path:
    """The real path `--out` names: `~` expanded, relative to here, symlinks followed."""
    try:
        return out.expanduser().resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop (RuntimeError before Python 3.13)
        raise UsageError(f"--out {out} cannot be followed to a folder: {exc}") from None


def check_replaceable(target: Path) -> None:
    """Publishing replaces `target` whole: allow only a site lessonpress wrote, an empty folder or nothing."""
    for folder in (target, *target.parents):
        if os.path.lexists(folder) and not folder.is_dir():
            raise UsageError(
                f"--out {target} is not a folder"
                + ("" if folder == target else f": {folder} is a file")
                + "; choose a folder for the site, such as site/"
            )
    if not target.is_dir() or is_site(target):
        return
    entries = sorted(os.listdir(target))
    if entries:
        raise UsageError(_not_ours(target, entries))


def _not_ours(target: Path, entries: list[str]) -> str:
    """Why lessonpress will not replace `target`, and what the author can do."""
    names = [name + ("/" if (target / name).is_dir() else "") for name in entries[:3]]
    shown = ", ".join(names) + (f" and {len(entries) - 3} more" if len(entries) > 3 else "")
    if (target / "index.html").is_file() and (target / "feed.xml").is_file():
        how = (
            "if it is a site built by an earlier lessonpress (which did not mark its sites "
            f"with {SITE_MARKER}), delete it once yourself and build again; otherwise "
        )
    else:
        how = ""
    return (
        f"--out {target} is not empty ({shown}) and was not written by lessonpress, which "
        f"replaces the whole folder: {how}choose another folder for --out, or empty it yourself"
    )


def is_site(folder: Path) -> bool:
    """Whether `folder` is lessonpress's to replace: a site (or a scratch folder) it wrote."""
    marker = folder / SITE_MARKER
    return not folder.is_symlink() and marker.is_file() and not marker.is_symlink()


def _remove_ours(folder: Path) -> None:
    """Delete a folder lessonpress made (it holds the marker) or an empty one; leave anything else."""
    if is_site(folder):
        shutil.rmtree(folder, ignore_errors=True)
    elif folder.is_dir() and not folder.is_symlink():
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if empty


def _scratch(parent: Path, prefix: str, previous: Path | None = None) -> Path:
    """A new temporary folder in `parent`, marked at once, so that only lessonpress's own
    folders are ever removed as leftovers. The marker is linked from `previous` (a site)
    where it is the same, so that it keeps its mtime like every unchanged file."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    except OSError as exc:  # name the folder that refused, not the random name it refused
        raise OSError(exc.errno, exc.strerror, str(parent)) from None
    try:
        if previous is not None and is_site(previous) and _same_content(previous / SITE_MARKER, MARKER_TEXT):
            os.link(previous / SITE_MARKER, folder / SITE_MARKER)
        else:
            _write(folder / SITE_MARKER, MARKER_TEXT)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # just made: certainly ours
        raise
    return folder


def _write(path: Path, data: bytes) -> None:
    """Write a file; an error names it (a failed write() names no file by itself)."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise


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
    for leftover in out.parent.glob(f".{out.name}.new-*"):  # from a build that was killed
        _remove_ours(leftover)
    stage = _scratch(out.parent, f".{out.name}.new-", previous=out)
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
        if verify is not None:
            verify()
        _swap(stage, out)
        if indexer is not None and indexer.process is not None:
            _clear_stale(out)  # the new index matches the new pages
    finally:
        if indexer is not None:
            indexer.stop()
        _remove_ours(stage)  # after a swap, this is the old site
    return len(changed)


def update_search_index(out: Path) -> bool:
    """Rebuild the search index of the site in `out` if a deferred publish left it stale.

    Returns whether it did. Call it while holding build_lock(out). The new index replaces
    the old one in one step; until then readers search the previous index, which still
    matches every page except the ones just edited.
    """
    out = resolve_out(out)
    if not _is_stale(out) or not is_site(out):
        return False
    index = out / SEARCH_DIR
    pages = [
        OutputFile(str(path.relative_to(out)), path.read_bytes())
        for path in sorted(out.rglob("*.html"))
        if index not in path.parents
    ]
    work = _scratch(out.parent, f".{out.name}.new-search-")
    try:
        indexer = _SearchIndexer(pages, work, out, pages_changed=True, defer=False, lean=lean_page)
        try:
            indexer.finish()
        finally:
            indexer.stop()
        if (work / SEARCH_DIR).is_dir():
            _swap(work / SEARCH_DIR, index)
        _clear_stale(out)
    finally:
        _remove_ours(work)
    return True


def _stale_marker(out: Path) -> Path:
    """Present while the search index of `out` may lag behind its pages."""
    return out.parent / f".{out.name}.search-stale"


def _is_stale(out: Path) -> bool:
    """Whether lessonpress marked the search index of `out` stale (a file of another's is no mark)."""
    return _same_content(_stale_marker(out), _STALE_TEXT)


def _clear_stale(out: Path) -> None:
    if _is_stale(out):  # only lessonpress's own mark is ever removed
        _stale_marker(out).unlink()


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
        _write(dest, file.data)
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
        marked = os.path.lexists(self.marker)
        self.reuse = not pages_changed and self.old.is_dir() and not marked
        # A first index is waited for, and so is one that cannot be marked stale (another's
        # file has the marker's name).
        self.defer = defer and not self.reuse and self.old.is_dir() and (not marked or _is_stale(previous))
        if self.reuse or self.defer:
            return
        try:
            import pagefind_bin  # ships the binary; calling it directly saves a Python start-up
        except ImportError:
            return
        self.documents = _scratch(stage.parent, f"{stage.name}-search-")
        try:  # whatever fails here (a full disk), the lean pages go: stop() is not called
            self._start(str(pagefind_bin.get_executable()), search_documents(files, lean))
        except BaseException:
            self.stop()
            raise

    def _start(self, pagefind: str, documents: dict[str, bytes]) -> None:
        assert self.documents is not None
        for dest_path, data in documents.items():
            path = self.documents / dest_path
            path.parent.mkdir(parents=True, exist_ok=True)
            _write(path, data)
        command = [
            pagefind,
            "--site",
            str(self.documents),
            "--output-path",
            str(self.stage / SEARCH_DIR),
            "--silent",
            "--exclude-selectors",
            "math",  # MathML is a forest of one-letter tags: noise in results, and slow to index
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def finish(self) -> None:
        """Wait for the index; raise UsageError, with Pagefind's output, if it failed."""
        if self.defer and not os.path.lexists(self.marker):
            _write(self.marker, _STALE_TEXT)  # before the swap: a stale index is never left unmarked
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
        if self.process.returncode != 0:  # an external program: its own output says why
            raise UsageError(
                f"pagefind failed to index the site into {self.stage / SEARCH_DIR} "
                f"(exit {self.process.returncode}); if the disk is full, free some space:\n"
                + output.decode(errors="replace")
            )
        _relink_unchanged(self.stage / SEARCH_DIR, self.old)

    def stop(self) -> None:
        """Stop Pagefind if it still runs (the build failed) and remove the lean pages."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.documents is not None:
            _remove_ours(self.documents)


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
