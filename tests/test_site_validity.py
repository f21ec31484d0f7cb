"""The built series is valid, without a browser: every page passes the Nu HTML checker, the feed
and the sitemap parse and point at real pages, and no internal link or #anchor points nowhere.

The site is the repository's own series, built once per test session (see tests/browser/support.py;
LESSONPRESS_TEST_SITE=/path/to/site tests an already built one).
"""

from __future__ import annotations

import re
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .browser.support import base_path, built_site, nu_report, site_config

PSEUDO = "http://site.invalid"  # pages are resolved as if the site were served at the root here
SKIP_SCHEMES = ("mailto", "tel", "javascript", "data", "blob", "about")
# Attributes that hold URLs, by element (srcset is handled apart).
URL_ATTRS = {
    "a": "href",
    "area": "href",
    "link": "href",
    "img": "src",
    "script": "src",
    "source": "src",
    "iframe": "src",
    "video": "src",
    "audio": "src",
    "track": "src",
    "embed": "src",
    "object": "data",
    "form": "action",
}
URL_META = ("og:url", "og:image", "og:image:url", "twitter:image", "twitter:url")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_site(tmp_path_factory)


@dataclass
class Page:
    path: str  # relative to the site folder, e.g. "posts/linear-regression/index.html"
    ids: set[str] = field(default_factory=set)
    refs: list[tuple[int, str, str]] = field(default_factory=list)  # (line, what, url)
    h1: str = ""


class _PageParser(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        line = self.getpos()[0]
        if "id" in values:
            self.page.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.page.ids.add(values["name"])
        attr = URL_ATTRS.get(tag)
        if attr and attr in values:
            self.page.refs.append((line, f"<{tag} {attr}>", values[attr]))
        for name in ("srcset", "imagesrcset"):
            for candidate in values.get(name, "").split(","):
                if candidate.strip():
                    self.page.refs.append((line, f"<{tag} {name}>", candidate.split()[0]))
        if tag == "meta" and values.get("property", values.get("name", "")) in URL_META:
            self.page.refs.append(
                (line, f"<meta {values.get('property') or values.get('name')}>", values.get("content", ""))
            )
        if tag == "h1" and not self.page.h1:
            self._in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.page.h1 += data


def _pages(site: Path) -> dict[str, Page]:
    pages = {}
    for file in sorted(site.rglob("*.html")):
        page = Page(file.relative_to(site).as_posix())
        parser = _PageParser(page)
        parser.feed(file.read_text(encoding="utf-8"))
        parser.close()
        page.h1 = " ".join(page.h1.split()).rstrip("#").strip()
        pages[page.path] = page
    return pages


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, Page]:
    found = _pages(site)
    assert "index.html" in found, "the site has no index.html"
    return found


def _base_url() -> urllib.parse.SplitResult | None:
    base = site_config().get("base_url")
    return urllib.parse.urlsplit(str(base)) if base else None


def site_target(url: str, page_url: str) -> tuple[str, str] | None:
    """(site path, fragment) that `url` on the page at `page_url` points to, or None when it
    points outside the site. Absolute URLs under site.yaml's base_url count as internal."""
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in SKIP_SCHEMES:
        return None
    base = _base_url()
    if parts.scheme in ("http", "https") or url.startswith("//"):
        if base is None or parts.netloc != base.netloc or not parts.path.startswith(base_path()):
            return None  # another site
        resolved = urllib.parse.urlsplit(
            f"{PSEUDO}/" + parts.path[len(base_path()) :] + (f"#{parts.fragment}" if parts.fragment else "")
        )
    elif url.startswith("/"):
        # Root-relative: only right where base_url's path says the site lives.
        if not url.startswith(base_path()):
            raise ValueError(f"root-relative URL outside base_url's path {base_path()}")
        resolved = urllib.parse.urlsplit(f"{PSEUDO}/" + url[len(base_path()) :])
    else:
        resolved = urllib.parse.urlsplit(urllib.parse.urljoin(page_url, url))
    path = urllib.parse.unquote(resolved.path).lstrip("/")
    return path, urllib.parse.unquote(resolved.fragment)


def _check_target(site: Path, pages: dict[str, Page], path: str, fragment: str) -> str | None:
    """Why the target is broken, or None."""
    file = site / path if path else site
    if path.endswith("/") or not path or file.is_dir():
        file = file / "index.html"
    if not file.is_file():
        return f"no file {file.relative_to(site).as_posix()}"
    if fragment and fragment != "top":
        target = pages.get(file.relative_to(site).as_posix())
        if target is None:
            return f"#{fragment} on a file that is not an HTML page"
        if fragment not in target.ids:
            return f"no id {fragment!r} in {target.path}"
    return None


def test_no_internal_link_or_anchor_points_nowhere(site: Path, pages: dict[str, Page]) -> None:
    broken: list[str] = []
    checked = 0
    for page in pages.values():
        page_url = f"{PSEUDO}/{page.path}"
        for line, what, url in page.refs:
            if what.startswith("<form"):
                continue
            try:
                target = site_target(url, page_url)
            except ValueError as error:
                broken.append(f"{page.path}:{line}: {what} {url!r}: {error}")
                continue
            if target is None:
                continue
            checked += 1
            problem = _check_target(site, pages, *target)
            if problem:
                broken.append(f"{page.path}:{line}: {what} {url!r}: {problem}")
    for css in sorted(site.rglob("*.css")):
        css_url = f"{PSEUDO}/{css.relative_to(site).as_posix()}"
        text = css.read_text(encoding="utf-8")
        for match in re.finditer(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", text):
            target = site_target(match.group(1), css_url)
            if target and (problem := _check_target(site, pages, target[0], "")):
                name = css.relative_to(site).as_posix()
                broken.append(f"{name}: url({match.group(1)}): {problem}")
    assert checked > len(pages), "suspiciously few internal links found"
    assert not broken, f"{len(broken)} broken internal links:\n  " + "\n  ".join(broken)


def test_internal_links_are_relative(pages: dict[str, Page]) -> None:
    """Pages link to each other relatively, so the site works from any sub-path (a local preview
    at /, a GitHub Pages project site). The 404 page is exempt: GitHub Pages serves it at any
    depth, so it may use base_url's absolute path."""
    absolute = [
        f"{page.path}:{line}: {what} {url!r}"
        for page in pages.values()
        if page.path != "404.html"
        for line, what, url in page.refs
        if url.startswith("/") and not url.startswith("//") and not what.startswith("<meta")
    ]
    assert not absolute, "root-relative internal URLs (make them relative):\n  " + "\n  ".join(absolute)


def test_every_page_passes_the_nu_html_checker(site: Path) -> None:
    files = sorted(site.rglob("*.html"))
    assert files
    count, report = nu_report(files, site)
    assert not count, f"{count} HTML errors:\n{report}"


def _page_key(path: str) -> str:
    """The HTML file a site path names: "posts/x/" -> "posts/x/index.html", "" -> "index.html"."""
    if path.endswith(".html"):
        return path
    return f"{path.strip('/')}/index.html" if path.strip("/") else "index.html"


def _post_pages(pages: dict[str, Page]) -> dict[str, Page]:
    return {
        path: page
        for path, page in pages.items()
        if path.startswith("posts/") and path.endswith("/index.html") and path.count("/") == 2
    }


def test_feed_parses_and_lists_every_post(site: Path, pages: dict[str, Page]) -> None:
    import feedparser

    feed_file = site / "feed.xml"
    assert feed_file.is_file(), "the site has no feed.xml"
    feed = feedparser.parse(feed_file.read_bytes())
    assert not feed.bozo, f"feed.xml is not well-formed: {feed.get('bozo_exception')}"
    assert feed.version.startswith("atom"), f"feed.xml is {feed.version or 'unknown'}, not Atom"
    assert feed.feed.get("title"), "the feed has no title"
    problems = []
    linked: dict[str, str] = {}
    for entry in feed.entries:
        title = entry.get("title", "")
        for key in ("title", "link", "id", "updated"):
            if not entry.get(key):
                problems.append(f"entry {title!r} has no {key}")
        link = entry.get("link", "")
        if not urllib.parse.urlsplit(link).scheme:
            problems.append(f"entry {title!r}: link {link!r} is not absolute")
            continue
        target = site_target(link, f"{PSEUDO}/feed.xml")
        if target is None:
            problems.append(f"entry {title!r}: link {link!r} is not under base_url")
            continue
        if problem := _check_target(site, pages, *target):
            problems.append(f"entry {title!r}: link {link!r}: {problem}")
        linked[_page_key(target[0])] = title
    posts = _post_pages(pages)
    missing = sorted(set(posts) - set(linked))
    problems += [f"post {path} is not in the feed" for path in missing]
    for path, title in linked.items():
        if path in posts and posts[path].h1 and title != posts[path].h1:
            problems.append(f"entry {title!r} is titled {posts[path].h1!r} on its page")
    assert not problems, "feed.xml:\n  " + "\n  ".join(problems)


def test_sitemap_lists_every_page(site: Path, pages: dict[str, Page]) -> None:
    sitemap = site / "sitemap.xml"
    assert sitemap.is_file(), "the site has no sitemap.xml"
    root = ET.fromstring(sitemap.read_bytes())
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    assert root.tag == f"{namespace}urlset", f"sitemap.xml's root is {root.tag}"
    locs = [(loc.text or "").strip() for loc in root.iter(f"{namespace}loc")]
    problems = []
    listed = set()
    for loc in locs:
        absolute = bool(urllib.parse.urlsplit(loc).scheme)
        target = site_target(loc, f"{PSEUDO}/sitemap.xml") if absolute else None
        if target is None:
            problems.append(f"{loc!r} is not an absolute URL under base_url")
            continue
        if problem := _check_target(site, pages, *target):
            problems.append(f"{loc!r}: {problem}")
        listed.add(_page_key(target[0]))
    should = {path for path in pages if path != "404.html"}
    problems += [f"page {path} is not in the sitemap" for path in sorted(should - listed)]
    assert not problems, "sitemap.xml:\n  " + "\n  ".join(problems)
