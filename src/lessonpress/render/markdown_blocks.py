"""A post's document as plain Markdown, block by block, for `lessonpress export`.

The nodes are regrouped into a tree (each opening node with what it holds); CommonMark's
blocks are written back as Markdown, each paragraph from its own source (markdown_inline),
and lessonpress's and MyST's blocks become what GitHub (gfm) or Hugo (hugo) draws:
admonitions GitHub alerts or quotes, dropdowns and collapsed solutions `<details>`, quizzes
numbered lists with each answer in a `<details>`, checklists task lists, figures images with
their captions, `(label)=` lines anchors, comments and block breaks nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from ..document import ADMONITIONS, SOLUTION, Heading, Image, LessonRef, Math, Node, Target
from ..text import slug_of
from .headings import heading_text
from .markdown_cells import anchor, details, display_math, fence, lesson_markdown
from .markdown_inline import Exporting, escape_text, inline_markdown, within

# GitHub's five alerts, for MyST's ten admonitions.
_ALERTS = {
    "note": "NOTE",
    "seealso": "NOTE",
    "tip": "TIP",
    "hint": "TIP",
    "important": "IMPORTANT",
    "attention": "IMPORTANT",
    "warning": "WARNING",
    "caution": "CAUTION",
    "danger": "CAUTION",
    "error": "CAUTION",
}
_PLAIN_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_HIDDEN = ("front_matter", "myst_line_comment", "myst_block_break", "footnote_anchor")


@dataclass(frozen=True)
class Block:
    """A node and, for an opening node, the blocks up to its closing one."""

    node: Node
    children: tuple[Block, ...] = ()


def tree(nodes: tuple[Node, ...]) -> list[Block]:
    """The document's nodes as blocks holding blocks."""
    stack: list[list[Block]] = [[]]
    opened: list[Node] = []
    for node in nodes:
        if node.nesting == 1:
            opened.append(node)
            stack.append([])
        elif node.nesting == -1 and opened:
            children = tuple(stack.pop())
            stack[-1].append(Block(opened.pop(), children))
        else:
            stack[-1].append(Block(node))
    return stack[0]


def blocks_markdown(blocks: tuple[Block, ...] | list[Block], ctx: Exporting, separator: str = "\n\n") -> str:
    """The Markdown of consecutive blocks (those that show nothing left out)."""
    parts = (block_markdown(block, ctx) for block in blocks)
    return separator.join(part for part in parts if part)


def block_markdown(block: Block, ctx: Exporting) -> str:
    node = block.node
    if node.type in _HIDDEN:
        return ""
    draw = _DRAW.get(node.type)
    if draw is not None:
        return draw(block, ctx)
    if node.type == "inline":
        return inline_markdown(node, ctx)
    return blocks_markdown(block.children, ctx) if node.nesting == 1 else ""


def _inline(block: Block, ctx: Exporting) -> str:
    """The Markdown of the `inline` node a block holds (a paragraph's, a heading's)."""
    return "".join(
        inline_markdown(child.node, ctx) for child in block.children if child.node.type == "inline"
    )


def _heading(block: Block, ctx: Exporting) -> str:
    """The heading, with the id it has on the site, so that links to it keep working: Hugo's
    heading attribute; for GitHub, which makes its own, an anchor where GitHub's would differ."""
    heading = block.node.payload
    text = f"{'#' * int(block.node.tag[1:])} {_inline(block, ctx)}"
    if not isinstance(heading, Heading):
        return text
    id_ = ctx.heading_ids.get(heading) or heading.label
    if ctx.flavour == "hugo" and _attribute_id(id_):
        return f"{text} {{#{id_}}}"  # goldmark's heading attribute
    if ctx.flavour == "gfm" and id_ and not heading.label and id_ != _github_id(heading, ctx):
        return f"{anchor(id_)}\n\n{text}"  # (a labelled heading's anchor is its `(label)=` line's)
    return text


def _github_id(heading: Heading, ctx: Exporting) -> str:
    """The id GitHub gives the heading, as far as the site's rule tells ('' when its text has math)."""
    if any(part.kind.startswith("math") for part in heading.parts):
        return ""
    return slug_of(heading_text(heading, ("text", "code_inline", "myst_role"), ctx.results), ascii_only=False)


def _attribute_id(label: str) -> bool:
    """Whether goldmark's `{#id}` reads `label` whole (a `.` would start a class name)."""
    return bool(_PLAIN_ID.match(label))


def _list(block: Block, ctx: Exporting, task: bool = False, loose: bool = False) -> str:
    """A bullet or numbered list (`task`: a checklist's `- [ ]` items)."""
    attributes = dict(block.node.attrs)
    start = int(attributes.get("start", 1))
    tight = not loose and any(p.node.hidden for item in block.children for p in item.children)
    separator = "\n" if tight else "\n\n"
    ctx = within(ctx)
    items = []
    for number, item in enumerate(block.children, start=start):
        marker = f"{number}." if block.node.type in ("ordered_list_open", "quiz_questions_open") else "-"
        body = blocks_markdown(item.children, ctx, separator)
        items.append(indent(body, marker + (" [ ] " if task else " "), " " * (len(marker) + 1)))
    return separator.join(items)


def indent(text: str, first: str, rest: str) -> str:
    """`text` with `first` before its first line and `rest` before the others (not blank ones)."""
    lines = text.split("\n")
    shown = [(first + lines[0]).rstrip() if lines[0] else first.rstrip()]
    return "\n".join(shown + [rest + line if line.strip() else "" for line in lines[1:]])


def quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def _fence(block: Block, ctx: Exporting) -> str:
    node = block.node
    if isinstance(node.payload, LessonRef):
        return lesson_markdown(node.payload, ctx)
    language = node.info.strip().split()[0] if node.info.strip() else ""
    return fence(node.content.rstrip("\n"), language)


def _math(block: Block, ctx: Exporting) -> str:
    math = block.node.payload
    if not isinstance(math, Math):
        return ""
    label = anchor(math.label) + "\n\n" if math.label else ""
    return label + display_math(block.node.content, ctx.flavour, math.number if math.label else 0)


def _target(block: Block, ctx: Exporting) -> str:
    """A `(label)=` line: an anchor; before a heading in Hugo, the heading's id is the label."""
    target = block.node.payload
    if not isinstance(target, Target):
        return ""
    if target.kind == "heading" and ctx.flavour == "hugo" and _attribute_id(target.label):
        return ""
    return anchor(target.label)


def _table(block: Block, ctx: Exporting) -> str:
    rows = [row for section in block.children for row in section.children]
    lines = []
    for index, row in enumerate(rows):
        cells = [_inline(cell, ctx).replace("\n", " ") for cell in row.children]
        lines.append("| " + " | ".join(cells) + " |")
        if index == 0:
            lines.append("|" + "|".join(_alignment(cell.node) for cell in row.children) + "|")
    return "\n".join(lines)


def _alignment(cell: Node) -> str:
    style = str(dict(cell.attrs).get("style", ""))
    return {"text-align:left": ":---", "text-align:center": ":---:", "text-align:right": "---:"}.get(
        style, "---"
    )


def _definitions(block: Block, ctx: Exporting) -> str:
    """A definition list: Hugo draws `Term` / `: definition`; GitHub has none, so a list of
    bold terms, each with its definition."""
    entries: list[str] = []
    ctx = within(ctx)
    for part in block.children:
        body = blocks_markdown(part.children, ctx)
        if part.node.type == "dt_open":
            entries.append(body if ctx.flavour == "hugo" else f"- **{body}**")
        elif entries:
            shown = indent(body, ": ", "  ") if ctx.flavour == "hugo" else indent(body, "  ", "  ")
            entries[-1] += "\n" + shown if ctx.flavour == "hugo" else "\n\n" + shown
    return "\n\n".join(entries)


def _footnotes(block: Block, ctx: Exporting) -> str:
    notes = []
    ctx = within(ctx)
    for note in block.children:
        number = getattr(note.node.payload, "number", 0)
        notes.append(indent(blocks_markdown(note.children, ctx), f"[^{number}]: ", "    "))
    return "\n\n".join(notes)


def _admonition(block: Block, ctx: Exporting) -> str:
    """GitHub's alert (its title in bold when it is not the kind's name), a quote with the title
    in bold for Hugo and where GitHub draws no alert (in a quote or a list), or a `<details>`
    for a dropdown."""
    classes = str(dict(block.node.attrs).get("class", "")).split()
    kind = next((c.removeprefix("admonition-") for c in classes if c.startswith("admonition-")), "note")
    title_blocks = [c for c in block.children if c.node.type == "admonition_title_open"]
    title = _inline(title_blocks[0], ctx) if title_blocks else ADMONITIONS.get(kind, "Note")
    dropdown = block.node.tag == "details"
    content = [c for c in block.children if c.node.type != "admonition_title_open"]
    body = blocks_markdown(content, ctx if dropdown else within(ctx))
    if dropdown:
        return details(title, body, "open" in dict(block.node.attrs))
    if ctx.flavour == "hugo" or ctx.nested:
        return quoted(f"**{title}**\n\n{body}")
    shown = "" if title == ADMONITIONS.get(kind) else f"**{title}**\n\n"
    return quoted(f"[!{_ALERTS.get(kind, 'NOTE')}]\n{shown}{body}")


def _solution(block: Block, ctx: Exporting) -> str:
    """Open (the default): a quote labelled in bold; `solutions: collapsed`: a `<details>`."""
    match = SOLUTION.match(block.node.info.strip())
    label = escape_text(((match.group(1) or "") if match else "").strip() or "Solution")
    if ctx.solutions == "collapsed":
        return details(label, blocks_markdown(block.children, ctx))
    return quoted(f"**{label}**\n\n{blocks_markdown(block.children, within(ctx))}")


def _quiz_answer(block: Block, ctx: Exporting) -> str:
    summary = next((_inline(c, ctx) for c in block.children if c.node.type == "quiz_summary_open"), "Answer")
    return details(
        summary, blocks_markdown([c for c in block.children if c.node.type != "quiz_summary_open"], ctx)
    )


def _checklist(block: Block, ctx: Exporting) -> str:
    return "\n\n".join(
        _list(part, ctx, task=True) if part.node.type == "bullet_list_open" else block_markdown(part, ctx)
        for part in block.children
    )


def _figure(block: Block, ctx: Exporting) -> str:
    """A `{figure}`: its image, then "*Figure N.*" and its caption; an `{image}`: the image."""
    image = block.node.payload
    if not isinstance(image, Image):
        return blocks_markdown(block.children, ctx)
    parts = [anchor(image.label)] if image.label else []
    parts.append(f"![{escape_text(image.alt)}]({quote(image.path)})")
    for caption in block.children:
        text = blocks_markdown(caption.children, ctx)
        parts.append(
            f"*Figure {caption.node.info}.* {text}" if caption.node.type == "figcaption_open" else text
        )
    return "\n\n".join(part for part in parts if part)


_DRAW: dict[str, Callable[[Block, Exporting], str]] = {
    "paragraph_open": _inline,
    "heading_open": _heading,
    "bullet_list_open": _list,
    "ordered_list_open": _list,
    "blockquote_open": lambda block, ctx: quoted(blocks_markdown(block.children, within(ctx))),
    "fence": _fence,
    "code_block": _fence,
    "math_block": _math,
    "math_block_label": _math,
    "hr": lambda block, ctx: "---",
    "html_block": lambda block, ctx: block.node.content.rstrip("\n"),
    "myst_target": _target,
    "table_open": _table,
    "dl_open": _definitions,
    "footnote_block_open": _footnotes,
    "admonition_open": _admonition,
    "container_solution_open": _solution,
    "quiz_title_open": lambda block, ctx: f"**{_inline(block, ctx)}**",
    "quiz_questions_open": lambda block, ctx: _list(block, ctx, loose=True),
    "quiz_answer_open": _quiz_answer,
    "quiz_right_open": _inline,
    "checklist_open": _checklist,
    "figure_open": _figure,
    "myst_image": _figure,
}
