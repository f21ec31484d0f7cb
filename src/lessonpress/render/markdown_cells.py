"""A `{lesson}` cell as plain Markdown for `lessonpress export`: its code in a ```python block,
what it printed and the value it ended on in ```text blocks, its rich displays (HTML,
sanitized; images as files; Markdown; LaTeX as display math), its figures as image files
beside the post with their captions, and an expected error's traceback."""

from __future__ import annotations

import base64
import functools
import binascii
import re
from typing import Any
from urllib.parse import quote

from markupsafe import escape

from ..document import LessonRef
from ..model import CONTROL_CHARACTERS, CellResult, Display
from .markdown_inline import Exporting, escape_text, hugo_math
from .rich import display_html
from .rules import shown_cells

_TICKS = re.compile(r"`{3,}")
_PNG = b"\x89PNG\r\n\x1a\n"


def lesson_markdown(ref: LessonRef, ctx: Exporting) -> str:
    """The cell (or whole script) the directive shows, as the page shows it."""
    cells = shown_cells(ref, ctx.results[ref.lesson_path])
    parts = [anchor(ref.label)] if ref.label else []
    if ref.show != "output":
        parts.append(_code(ref, ctx))
    if ref.show != "code":
        for cell in cells:
            parts += _outputs(ref, cell, ctx)
        parts += _figures(ref, cells, ctx)
    return "\n\n".join(parts)


def _code(ref: LessonRef, ctx: Exporting) -> str:
    lesson = ctx.lessons[ref.lesson_path]
    cell = lesson.cell(ref.cell_name) if ref.cell_name else None
    code = fence((cell.source if cell else lesson.source).strip("\n"), "python")
    return details("Show the code", code) if ref.show == "folded" else code


def _outputs(ref: LessonRef, cell: CellResult, ctx: Exporting) -> list[str]:
    parts = []
    if cell.output:
        parts.append(fence(cell.output.rstrip("\n"), "text"))
        if cell.output_truncated:
            parts.append("*Output truncated: the cell printed more than the page shows.*")
    if cell.display is not None:
        parts.append(fence(cell.display, "text"))
    stem = ref.lesson_path.rsplit("/", 1)[-1].removesuffix(".py")
    for number, shown in enumerate(cell.displays, start=1):
        parts.append(_display(shown, f"{stem}-{cell.name}-display-{number}", ctx))
    if cell.error is not None:
        parts.append(fence(cell.error.traceback.rstrip("\n"), "text"))
    return parts


def _display(shown: Display, name: str, ctx: Exporting) -> str:
    """A rich display: sanitized HTML, an image file, Markdown, display math, or its text."""
    alt = escape_text(" ".join(shown.text.split())[:200] or "an image the lesson displayed")
    if shown.mime == "text/html":
        lines = [line for line in (display_html(shown) or "").splitlines() if line.strip()]
        return "<div>\n" + "\n".join(lines) + "\n</div>"  # one HTML block: no blank line in it
    if shown.mime == "image/svg+xml":
        ctx.files[f"{name}.svg"] = shown.data.encode("utf-8")
        return f"![{alt}]({quote(name)}.svg)"
    if shown.mime == "image/png" and (png := _png(shown.data)) is not None:
        ctx.files[f"{name}.png"] = png
        return f"![{alt}]({quote(name)}.png)"
    if shown.mime == "text/markdown":
        return shown.data.strip("\n")
    if shown.mime == "text/latex" and shown.mathml:
        return display_math(shown.data.strip().strip("$"), ctx.flavour)
    return fence(shown.text, "text")


def _png(data: str) -> bytes | None:
    try:
        decoded = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded if decoded.startswith(_PNG) else None


def _figures(ref: LessonRef, cells: list[CellResult], ctx: Exporting) -> list[str]:
    parts = []
    index = 0
    for cell in cells:
        for number, figure in enumerate(cell.figures, start=1):
            name = ctx.figure_names[(ref.lesson_path, cell.name, number)]
            ctx.files[name] = figure.data
            alt = CONTROL_CHARACTERS.sub("", ref.alts[index] if index < len(ref.alts) else figure.alt)
            parts.append(f"![{escape_text(alt)}]({quote(name)})")
            caption = CONTROL_CHARACTERS.sub("", ref.captions[index] if index < len(ref.captions) else "")
            if caption:
                parts.append(f"*{escape_text(caption)}*")
            index += 1
    return parts


def fence(code: str, language: str = "") -> str:
    """A fenced code block, its fence longer than any run of backticks in the code."""
    longest = max((len(run) for run in _TICKS.findall(code)), default=2)
    ticks = "`" * (longest + 1)
    return f"{ticks}{language}\n{code}\n{ticks}"


def details(summary: str, body: str, opened: bool = False) -> str:
    """A `<details>` GitHub draws (and Hugo with `unsafe` HTML; without it, the body still shows).
    `summary` is Markdown, written as HTML: neither reads Markdown inside an HTML block."""
    shown = _inline_html().renderInline(summary).strip().replace("\n", " ")
    return f"<details{' open' if opened else ''}>\n<summary>{shown}</summary>\n\n{body}\n\n</details>"


@functools.cache
def _inline_html() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def anchor(label: str) -> str:
    """A link target for a label that no heading carries."""
    return f'<a id="{escape(label)}"></a>'


def display_math(tex: str, flavour: str, number: int = 0) -> str:
    """`$$` ... `$$` on lines of their own; a numbered equation keeps its number with `\\tag`."""
    body = tex.strip("\n") + (f" \\tag{{{number}}}" if number else "")
    return f"$$\n{body if flavour == 'gfm' else hugo_math(body)}\n$$"
