"""A paragraph's (or heading's, or table cell's) Markdown for `lessonpress export`: the text
exactly as the author wrote it, with only lessonpress's constructs replaced.

An `inline` node keeps its source (`content`) and its children in order; each child that
lessonpress resolved (a role, a formula, a footnote reference) is found in that source
after the previous one, and replaced: a {value} by its number, a cross-reference by a link,
{abbr}/{sub}/{sup}/{kbd} by the HTML GitHub allows, {math} by `$...$`, a link to another
post by the export's (markdown_links). Code spans are found too, so that a role written
inside one stays as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..document import Footnote, Heading, Math, Node, Role, ValueRef, XRef
from ..model import Lesson, LessonResult
from ..values import value_text
from .markdown_links import destination_span, export_href, exported_link
from .refs import Resolved

FLAVOURS = ("gfm", "hugo")

_ROLE = re.compile(r"(?<!\\)\{[a-zA-Z0-9_\-+:]+\}(`+)")
_TICKS = re.compile(r"`+")
_FOOTNOTE = re.compile(r"\[\^[^\]\s]+\]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|$&~])")
# What would open a block at the start of a line: a heading, quote, list item or underline.
_BLOCK_START = re.compile(r"[#>]|[+-](?=\s|$)")
_NUMBERED = re.compile(r"[.)](?=\s|$)")
# What goldmark (and its typographer, on in Hugo) would change in TeX: emphasis, escapes,
# code spans, links, HTML, entities, smart quotes, dashes and ellipses, list and heading markers.
_GOLDMARK_SPECIAL = frozenset("\\`*_[]<>&'\"-.!#+=|~")


@dataclass(frozen=True)
class Exporting:
    """What writing one post as Markdown needs; `files` collects the files it adds (a cell's
    rich displays), by name beside the post."""

    flavour: str  # gfm or hugo
    slug: str
    src_path: str
    results: dict[str, LessonResult]
    lessons: dict[str, Lesson]
    refs: dict[XRef, Resolved]
    figure_names: dict[tuple[str, str, int], str]
    solutions: str = "open"
    files: dict[str, bytes] = field(default_factory=dict)
    slugs: frozenset[str] = frozenset()  # the exported posts, which links may name
    heading_ids: dict[Heading, str] = field(default_factory=dict)  # each h2's and h3's id on the site
    nested: bool = False  # inside a quote or a list, where GitHub draws no alert


def within(ctx: Exporting) -> Exporting:
    """The context of what a quote, a list item or an admonition holds."""
    return ctx if ctx.nested else replace(ctx, nested=True)  # the same `files`


def inline_markdown(node: Node, ctx: Exporting) -> str:
    """The Markdown of an `inline` node: its source with lessonpress's constructs replaced."""
    source, out, cursor = node.content, [], 0
    links: list[str] = []  # the hrefs of the links open here
    for child in node.children or ():
        if child.type == "link_open":
            links.append(str(dict(child.attrs).get("href", "")))
        if child.type == "link_close" and links:
            href = links.pop()
            new = exported_link(href, ctx.slug, ctx.slugs, ctx.flavour)
            span = destination_span(source, cursor, href) if new else None
            if new and span:
                out += [source[cursor : span[0]], new]
                cursor = span[1]
            continue
        span = _locate(source, cursor, child)
        if span is None:
            continue
        start, end = span
        shown = _replacement(child, source[start:end], ctx)
        if isinstance(child.payload, ValueRef) and (start == 0 or source[start - 1] == "\n"):
            shown = _block_safe(shown)
        out += [source[cursor:start], shown]
        cursor = end
    return "".join(out) + source[cursor:]


def _block_safe(text: str) -> str:
    """A value that starts a line, escaped so that it starts no heading, quote or list item."""
    digits = len(text) - len(text.lstrip("0123456789"))
    if (_NUMBERED if digits else _BLOCK_START).match(text, digits):
        return f"{text[:digits]}\\{text[digits:]}"
    return text


def _locate(source: str, cursor: int, child: Node) -> tuple[int, int] | None:
    """Where `child` is written in `source`, at or after `cursor` (None: not one to replace)."""
    if child.type == "code_inline":
        return _code_span(source, cursor)
    if child.type == "myst_role":
        return _role(source, cursor)
    if isinstance(child.payload, Math):
        delimiter = "$$" if child.type == "math_inline_double" else "$"
        written = f"{delimiter}{child.content}{delimiter}"
        found = _unescaped(source, written, cursor)
        if found < 0:
            raise _unplaced(child)
        return found, found + len(written)
    if child.type == "footnote_ref":
        match = _FOOTNOTE.search(source, cursor)
        if match is None:
            raise _unplaced(child)
        return match.span()
    return None


def _unplaced(child: Node) -> RuntimeError:
    return RuntimeError(f"export could not find the {child.type} {child.content!r} in its paragraph's source")


def _unescaped(source: str, text: str, start: int) -> int:
    found = source.find(text, start)
    while found > 0 and source[found - 1] == "\\":
        found = source.find(text, found + 1)
    return found


def _code_span(source: str, cursor: int) -> tuple[int, int]:
    """The first backtick run after `cursor` that a run as long closes (CommonMark's rule)."""
    for run in _TICKS.finditer(source, cursor):
        if _escaped(source, run.start()):
            continue
        closing = re.compile(rf"(?<!`){run.group(0)}(?!`)").search(source, run.end())
        if closing:
            return run.start(), closing.end()
    raise RuntimeError("export could not find a code span in its paragraph's source")


def _role(source: str, cursor: int) -> tuple[int, int]:
    """A `{name}`...`` role, closed as mdit_py_plugins' myst_role closes it."""
    match = _ROLE.search(source, cursor)
    if match is None:
        raise RuntimeError("export could not find a role in its paragraph's source")
    closing = source.find(match.group(1), match.end() + 1)
    if closing < 0:
        raise RuntimeError("export could not find the end of a role in its paragraph's source")
    return match.start(), closing + len(match.group(1))


def _escaped(source: str, index: int) -> bool:
    slashes = len(source[:index]) - len(source[:index].rstrip("\\"))
    return slashes % 2 == 1


def _replacement(child: Node, written: str, ctx: Exporting) -> str:
    payload = child.payload
    if isinstance(payload, ValueRef):
        return escape_text(value_text(payload, ctx.results))
    if isinstance(payload, XRef):
        return xref_markdown(payload, ctx)
    if isinstance(payload, Role):
        return role_markdown(payload)
    if isinstance(payload, Math) and child.type == "myst_role":
        return inline_math(child.content, ctx.flavour)
    if isinstance(payload, Math):
        delimiter = "$$" if child.type == "math_inline_double" else "$"
        return written if ctx.flavour == "gfm" else f"{delimiter}{hugo_math(child.content)}{delimiter}"
    if isinstance(payload, Footnote):
        return f"[^{payload.number}]"
    return written  # a code span, as written


def escape_text(text: str) -> str:
    """Text (a value, a title) as Markdown that shows it literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def inline_math(tex: str, flavour: str) -> str:
    return f"${tex}$" if flavour == "gfm" else f"${hugo_math(tex)}$"


def hugo_math(tex: str) -> str:
    """TeX that Hugo's Markdown (goldmark, with no passthrough in Hugo 0.111) turns back into
    itself: each character it would read backslash-escaped, so that no `_` or `*` becomes
    emphasis, no `\\\\` a single backslash and no `'` a typographic quote."""
    lines = [line.strip() for line in tex.split("\n")]
    return "\n".join("".join("\\" + c if c in _GOLDMARK_SPECIAL else c for c in line) for line in lines)


def role_markdown(role: Role) -> str:
    """{abbr}, {sub}, {sup} and {kbd}: the HTML elements GitHub keeps."""
    from markupsafe import escape

    title = f' title="{escape(role.title)}"' if role.title else ""
    return f"<{role.name}{title}>{escape(role.text)}</{role.name}>"


def xref_markdown(ref: XRef, ctx: Exporting) -> str:
    """A {ref}, {numref}, {eq} or {doc} role as a link: within the page, or to the other post."""
    found = ctx.refs.get(ref)
    if found is None:
        return escape_text(ref.text or ref.target)
    return f"[{escape_text(found.text)}]({export_href(found.href, ctx.flavour)})"
