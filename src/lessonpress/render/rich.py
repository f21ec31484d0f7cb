"""A lesson's rich displays on the page, made safe: HTML through nh3's sanitizer (no script,
no event handlers, no `javascript:` links), SVG and PNG as images (an image cannot run a
script), Markdown rendered without raw HTML and sanitized, LaTeX as the MathML made from it."""

from __future__ import annotations

import base64
import binascii

from markupsafe import escape

from ..model import Display

_PNG = b"\x89PNG\r\n\x1a\n"


def display_html(shown: Display) -> str | None:
    """The page's HTML for one display, or None to show its plain text instead."""
    if shown.mime == "text/html":
        return _sanitized(shown.data)
    if shown.mime == "image/svg+xml":
        data = base64.b64encode(shown.data.encode("utf-8")).decode("ascii")
        return f'<img class="cell-svg" src="data:image/svg+xml;base64,{data}" alt="{escape(_alt(shown))}">'
    if shown.mime == "image/png":
        return _png(shown)
    if shown.mime == "text/markdown":
        from markdown_it import MarkdownIt

        return _sanitized(MarkdownIt("commonmark", {"html": False}).render(shown.data))
    if shown.mime == "text/latex" and shown.mathml:
        return f'<div class="math-display" tabindex="0">{shown.mathml}</div>'
    return None


def _sanitized(html: str) -> str:
    import nh3

    return nh3.clean(html, link_rel="noopener noreferrer")


def _png(shown: Display) -> str | None:
    try:
        data = base64.b64decode(shown.data, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not data.startswith(_PNG):
        return None
    return f'<img src="data:image/png;base64,{shown.data}" alt="{escape(_alt(shown))}">'


def _alt(shown: Display) -> str:
    return " ".join(shown.text.split())[:200] or "an image the lesson displayed"
