"""Links an author wrote, in the export's layout, for `lessonpress export`.

A relative link to another post's page (`../slug/`, `../slug/#section`, `../slug/index.html`)
works on the site; in the export each post is `<slug>/README.md` (gfm) or a Hugo page bundle,
so it becomes `../slug/README.md#section` or a `relref` (which Hugo checks), and a link to the
site's front page (`../../`) the export's `README.md` (gfm). Every other link and every image
(the files beside a post keep their relative paths) stays as written.

A reference link (`[text][label]`) keeps its text, and its `[label]: url` definition, which
markdown-it's tokens do not hold, is read back from the post's source and written at its end.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any
from urllib.parse import unquote, urlsplit

# An inline link's destination, as CommonMark writes it after the text: `](url` or `](<url>`.
_DESTINATION = re.compile(r"\]\(\s*(<(?:[^<>\n\\]|\\.)*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))+)")
# Lines a plain CommonMark parse would take for text: MyST's `:::` fences and `:key:` options.
_MYST_LINES = re.compile(r"^[ \t>]*(?::{3,}|:[\w-]+:(?:\s|$)).*$", re.MULTILINE)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def export_href(href: str, flavour: str) -> str:
    """The site's relative link to a post (`#label`, `../slug/`, `../slug/#label`) in the
    export's layout: gfm `../slug/README.md#label`; Hugo a `relref` to the page bundle."""
    if href.startswith("#"):
        return href
    slug, _, fragment = href.removeprefix("../").partition("/")
    fragment = fragment.lstrip("#")
    if flavour == "gfm":
        return f"../{slug}/README.md" + (f"#{fragment}" if fragment else "")
    target = f"/posts/{slug}" + (f"#{fragment}" if fragment else "")
    return f'{{{{< relref "{target}" >}}}}'


def exported_link(href: str, slug: str, slugs: frozenset[str], flavour: str) -> str | None:
    """The export's link for an author's link `href` on post `slug`'s page, when it must change
    (None: keep it as written): a link to a published post's page, or (gfm) the front page."""
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    target = posixpath.normpath(posixpath.join(f"posts/{slug}", unquote(parts.path)))
    if target in (".", "index.html"):
        return f"../README.md{fragment}" if flavour == "gfm" else None
    folder, _, rest = target.partition("/")
    post, _, page = rest.partition("/")
    if folder != "posts" or post not in slugs or page not in ("", "index.html"):
        return None
    return export_href(f"../{post}/{fragment}", flavour)


def destination_span(source: str, cursor: int, href: str) -> tuple[int, int] | None:
    """Where the destination of the inline link to `href` is written in `source`, at or after
    `cursor` (None: the link is a reference link, or an autolink)."""
    for match in _DESTINATION.finditer(source, cursor):
        if not _inside_the_text(source[cursor : match.start()]):
            return None  # a `]` closed the link's text before: a reference link
        written = match.group(1)
        written = written[1:-1] if written.startswith("<") else written
        if unquote(_ESCAPED.sub(r"\1", written)) == unquote(href):
            return match.span(1)
    return None


def _inside_the_text(text: str) -> bool:
    """Whether `text` (what follows the link's last child) closes no bracket it did not open."""
    depth = 0
    for bracket in re.findall(r"\\.|[\[\]]", text):
        depth += {"[": 1, "]": -1}.get(bracket, 0)
        if depth < 0:
            return False
    return True


def reference_definitions(text: str, slug: str, slugs: frozenset[str], flavour: str) -> str:
    """The post's link reference definitions (`[label]: url "title"`), each link to a post in
    the export's layout; "" when it has none."""
    from markdown_it import MarkdownIt

    env: dict[str, Any] = {}
    _collect(MarkdownIt("commonmark"), _MYST_LINES.sub("", text), env)
    lines = []
    for label, found in env.get("references", {}).items():
        href = str(found["href"])
        href = exported_link(href, slug, slugs, flavour) or href
        title = str(found.get("title") or "").replace("\\", "\\\\").replace('"', '\\"')
        shown = f' "{title}"' if title else ""
        lines.append(f"[{label.lower()}]: {href if href and ' ' not in href else f'<{href}>'}{shown}")
    return "\n".join(lines)


def _collect(md: Any, text: str, env: dict[str, Any]) -> None:
    """Parse `text` (and the bodies of its MyST directive fences) for their definitions."""
    for token in md.parse(text, env):
        if token.type == "fence" and token.info.strip().startswith("{"):
            _collect(md, _MYST_LINES.sub("", token.content), env)
