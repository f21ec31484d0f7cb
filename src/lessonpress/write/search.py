"""Pagefind's search index of the new site, built beside the assembling of the site."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from ..errors import UsageError
from ..model import OutputFile
from .folder import remove_ours, same_content, scratch, write_file

SEARCH_DIR = "pagefind"

_STALE_TEXT = b"lessonpress: the search index of the site beside this file is out of date\n"


def stale_marker(out: Path) -> Path:
    """Present while the search index of `out` may lag behind its pages."""
    return out.parent / f".{out.name}.search-stale"


def is_stale(out: Path) -> bool:
    """Whether lessonpress marked the search index of `out` stale (a file of another's is no mark)."""
    return same_content(stale_marker(out), _STALE_TEXT)


def clear_stale(out: Path) -> None:
    if is_stale(out):  # only lessonpress's own mark is ever removed
        stale_marker(out).unlink()


class SearchIndexer:
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
        self.marker = stale_marker(previous)
        self.process: subprocess.Popen[bytes] | None = None
        self.documents: Path | None = None
        marked = os.path.lexists(self.marker)
        self.reuse = not pages_changed and self.old.is_dir() and not marked
        # A first index is waited for, and so is one that cannot be marked stale (another's
        # file has the marker's name).
        self.defer = defer and not self.reuse and self.old.is_dir() and (not marked or is_stale(previous))
        if self.reuse or self.defer:
            return
        try:
            import pagefind_bin  # ships the binary; calling it directly saves a Python start-up
        except ImportError:
            return
        self.documents = scratch(stage.parent, f"{stage.name}-search-")
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
            write_file(path, data)
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
            write_file(self.marker, _STALE_TEXT)  # before the swap: a stale index is never left unmarked
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
            remove_ours(self.documents)


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
        if path.is_file() and same_content(before, path.read_bytes()):
            path.unlink()
            os.link(before, path)
