"""Find internal links and #anchors in the rendered site that point nowhere."""

from __future__ import annotations

import html
import posixpath
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from ..errors import ContentError, Problem
from ..memos import PageCache
from ..model import OutputFile, PostSource
from ..store import digest
from ..text import shown_url, url_problem

_TAG = re.compile(r"<(a|link|img|script|source)\b([^>]*)>|\sid=\"([^\"]*)\"", re.IGNORECASE)
_ATTR = re.compile(r"\s(href|src)=\"([^\"]*)\"", re.IGNORECASE)


@dataclass
class Links:
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


def scan_page(data: bytes) -> Links:
    """Links and ids of a page lessonpress rendered (its attributes are always double-quoted).

    A regular expression rather than an HTML parser: pages full of MathML have tens of
    thousands of tags, and this runs on every build.
    """
    found = Links()
    for match in _TAG.finditer(data.decode("utf-8", errors="replace")):
        if match.group(3) is not None:
            found.ids.add(html.unescape(match.group(3)))
            continue
        tag = match.group(1).lower()
        for attr in _ATTR.finditer(match.group(2)):
            if attr.group(2) and (attr.group(1).lower() == "src" or tag in ("a", "link")):
                found.links.append(html.unescape(attr.group(2)))
    return found


@dataclass(frozen=True)
class LinkReport:
    """What the link check found: `invalid` links fail a build, `broken` ones warn."""

    invalid: tuple[Problem, ...] = ()  # no URL parser accepts them: no reader could follow them
    broken: tuple[Problem, ...] = ()  # internal links and #anchors that point nowhere


def check_links(
    files: list[OutputFile],
    posts: tuple[PostSource, ...] = (),
    scanner: Callable[[bytes], Links] | None = None,
    templates: tuple[Path, ...] = (),
) -> LinkReport:
    """Every link in the site's pages that is not a valid URL, or points to nothing in the site.

    `scanner` finds a page's links and ids (pass a memoized `scan_page` to rescan only the
    pages that changed). A link no post holds is looked for in `templates` (folders).
    """
    scanner = scanner or scan_page
    by_path = {f.dest_path: f for f in files}
    scans = {f.dest_path: scanner(f.data) for f in files if f.dest_path.endswith(".html")}
    invalid, broken = [], []
    for page, scan in scans.items():
        for link in dict.fromkeys(scan.links):
            parts = _split(link)
            if isinstance(parts, str):
                invalid.append(_locate(page, link, "invalid URL", parts, posts, templates))
                continue
            missing = "" if page == "404.html" else _missing(page, link, parts, by_path, scans)
            if missing:  # (404.html is served at any URL: its links are absolute on purpose)
                broken.append(_locate(page, link, "broken link", missing, posts, templates))
    return LinkReport(tuple(dict.fromkeys(invalid)), tuple(dict.fromkeys(broken)))  # a template: once


def broken_links(
    files: list[OutputFile],
    posts: tuple[PostSource, ...] = (),
    scanner: Callable[[bytes], Links] | None = None,
    templates: tuple[Path, ...] = (),
) -> list[Problem]:
    """Every link check_links finds, invalid or broken, as one list (what `check` reports)."""
    report = check_links(files, posts, scanner, templates)
    return [*report.invalid, *report.broken]


def _split(link: str) -> SplitResult | str:
    """The link's parts, or why it is not a URL."""
    problem = url_problem(link)
    return f"{shown_url(link)} ({problem})" if problem else urlsplit(link)


def _missing(
    page: str, link: str, parts: SplitResult, by_path: dict[str, OutputFile], scans: dict[str, Links]
) -> str:
    if parts.scheme or parts.netloc or link.startswith(("mailto:", "data:", "javascript:")):
        return ""
    if parts.path.startswith("/"):
        return ""  # absolute paths depend on where the site is served
    target = (
        posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
        if parts.path
        else page
    )
    if target.startswith("../") or target == "..":
        return f"{link} leaves the site"
    if parts.path.endswith("/") or target == ".":
        target = posixpath.join(target, "index.html") if target != "." else "index.html"
    elif target not in by_path and posixpath.join(target, "index.html") in by_path:
        target = posixpath.join(target, "index.html")
    if target.startswith("pagefind/"):
        return ""  # written by the search indexer after rendering
    if target not in by_path:
        return f"{link} points to a missing page or file"
    fragment = unquote(parts.fragment)
    if fragment and target in scans and fragment not in scans[target].ids:
        return f"{link} points to a missing anchor #{fragment}"
    return ""


def _locate(
    page: str, link: str, kind: str, message: str, posts: tuple[PostSource, ...], templates: tuple[Path, ...]
) -> Problem:
    """Blame the post whose source contains the link, at that line, or else the template that does."""
    post = next((p for p in posts if page == f"posts/{p.slug}/index.html"), None)
    if post is not None:
        for number, line in enumerate(post.text.splitlines(), start=1):
            if link in line:
                return Problem(post.src_path, number, f"{kind}: {message}")
    found = _in_templates(link, templates)
    if found is not None:
        return Problem(found[0], found[1], f"{kind}: {message}")
    if post is not None:
        return Problem(post.src_path, 1, f"{kind} in the rendered page: {message}")
    return Problem(f"templates (page {page})", 1, f"{kind}: {message}")


def _in_templates(link: str, folders: tuple[Path, ...]) -> tuple[str, int] | None:
    """The template (`templates/NAME`) and line that hold `link`, as written or escaped."""
    forms = {link, html.escape(link), html.escape(link, quote=False)}
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".html", ".xml")):
            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            for number, line in enumerate(lines, start=1):
                if any(form in line for form in forms):
                    return f"templates/{path.relative_to(folder).as_posix()}", number
    return None


class LinkCheck:
    """The link check of a site about to be published, run in a thread while publishing
    waits on Pagefind, and finished before the swap: an invalid URL fails the build (see
    verify), broken links are warnings. Unchanged pages are not scanned again, and an
    unchanged site not checked again (the memos remember both).

    concurrent.futures would do the same, but importing it adds about 5 ms to every build,
    a no-change rebuild included.
    """

    def __init__(
        self,
        files: list[OutputFile],
        posts: tuple[PostSource, ...],
        memos: PageCache,
        templates: tuple[Path, ...] = (),
    ) -> None:
        self._files, self._posts, self._memos, self._templates = files, posts, memos, templates
        self._report = LinkReport()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        html = [f for f in self._files if f.dest_path.endswith(".html")]
        key = digest(self._memos.code_key, *(f.dest_path for f in html), *(f.data for f in html))
        try:
            self._report = self._memos.get_or_make("links", key, self._check)
        except BaseException as exc:  # re-raised in the caller's thread
            self._error = exc

    def _check(self) -> LinkReport:
        scans = self._memos.link_scans
        report = check_links(
            self._files, self._posts, lambda data: scans.get(data, scan_page), self._templates
        )
        scans.save()
        return report

    def result(self) -> LinkReport:
        """What the check found, once it is done."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._report

    def verify(self) -> None:
        """Raise the invalid links as a content error (publish calls this before the swap)."""
        if self.result().invalid:
            raise ContentError(self.result().invalid)
