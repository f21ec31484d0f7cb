"""What importing one post writes: the post with {lesson} fences and the lesson script, as text."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import UsageError
from ..scaffold import short_name
from .blocks import DROP, HIDDEN, RAISES, RUN, Block, cell_names, find_blocks
from .front import Front, new_front_matter
from .source import front_matter_problem, liquid_as_fences, read_post, slug_and_date, text_lines

_FENCE_OPEN = re.compile(r"`{3,}|~{3,}")
_FENCE_CLOSE = re.compile(r"(`{3,}|~{3,})\s*$")


@dataclass(frozen=True)
class Target:
    """A file the import writes: where (`shown` relative to the project), its text, and
    whether a file is there already (the author is asked before it is replaced)."""

    path: Path
    shown: str
    text: str
    exists: bool


@dataclass(frozen=True)
class Plan:
    """One post's import: the files it writes, each code block with its new post line, and notes."""

    source: Path
    slug: str
    lesson: str
    targets: tuple[Target, ...]
    blocks: tuple[Block, ...]
    post_lines: tuple[int, ...]  # per block, its line in the new post (0: removed or kept in place)
    notes: tuple[str, ...]


def plan_import(source: Path, root: Path) -> Plan:
    """Everything importing `source` into the project `root` would write; writes nothing."""
    from ..parse.markdown import new_markdown

    text = read_post(source)
    slug, date = slug_and_date(source)
    lines, liquid = liquid_as_fences(text_lines(text))
    tokens = new_markdown().parse("\n".join(lines) + "\n", {})
    front_matter_problem(source, lines, tokens)
    blocks = cell_names(find_blocks(tokens))
    blocks = [replace(b, label=liquid[b.start]) if b.start in liquid else b for b in blocks]
    title = slug.replace("-", " ").capitalize()
    front = new_front_matter(lines, tokens, title, date)
    lesson = short_name(slug) + ".py"
    post_text, post_lines = _post_text(lines, front, blocks, lesson)
    post_path = root / "posts" / f"{slug}.md"
    if post_path.resolve() == source.resolve():
        raise UsageError(f"{source} is the post import would write: import it into another project (--root)")
    targets = [Target(post_path, f"posts/{slug}.md", post_text, post_path.exists())]
    if any(block.runs for block in blocks):
        path = root / "lessons" / slug / lesson
        targets.insert(0, Target(path, f"lessons/{slug}/{lesson}", _lesson_text(source.name, blocks), path.exists()))
    notes = front.notes + ([f"Jekyll {{% highlight %}} tags on lines {', '.join(str(n + 1) for n in liquid)} are ``` fences in the new post"] if liquid else [])
    return Plan(source, slug, lesson, tuple(targets), tuple(blocks), post_lines, tuple(notes))


def _post_text(lines: list[str], front: Front, blocks: list[Block], lesson: str) -> tuple[str, tuple[int, ...]]:
    """The post with its front matter, each running block as a {lesson} fence, output blocks
    removed; and each block's line in it (0 for a removed one)."""
    edits: list[tuple[int, int, list[str], int]] = [(0, front.replaces, front.lines, -1)]
    if front.heading is not None:
        edits.append((front.heading[0], front.heading[1], [""] * (front.heading[1] - front.heading[0]), -1))
    for number, block in enumerate(blocks):
        if block.action in (RUN, RAISES, HIDDEN, DROP):
            edits.append((block.start, block.end, _replacement(lines, block, lesson), number))
    out: list[str] = []
    cursor, moved, new_lines = 0, {}, [0] * len(blocks)
    for start, end, replacement, number in sorted(edits, key=lambda edit: edit[:2]):
        moved.update({line: len(out) + 1 + n for n, line in enumerate(range(cursor, start))})
        out += lines[cursor:start]
        if number >= 0 and blocks[number].action != DROP:
            new_lines[number] = len(out) + 1
        out += replacement
        cursor = max(cursor, end)
        if not replacement and out and not out[-1].strip():  # a removed block: one blank line, not two
            while cursor < len(lines) and not lines[cursor].strip():
                moved[cursor] = len(out)
                cursor += 1
    moved.update({line: len(out) + 1 + n for n, line in enumerate(range(cursor, len(lines)))})
    out += lines[cursor:]
    for number, block in enumerate(blocks):  # a block left as it is: where it is now
        if block.action not in (RUN, RAISES, HIDDEN, DROP):
            new_lines[number] = moved.get(block.start, 0)
    return "\n".join(out) + "\n", tuple(new_lines)


def _replacement(lines: list[str], block: Block, lesson: str) -> list[str]:
    """The lines that take a block's place: a {lesson} fence, a comment for a hidden cell, none
    for output."""
    first, last = lines[block.start], lines[block.end - 1]
    opening, closing = _FENCE_OPEN.search(first), _FENCE_CLOSE.search(last)
    lead = first[: opening.start()] if opening else ""
    rest = last[: closing.start()] if closing else " " * len(lead)
    if block.action == DROP:
        fence = []
    elif block.action == HIDDEN:
        fence = [f"{lead}% lessonpress import: cell {block.cell} of {lesson} runs here, not shown (remove-cell)"]
    else:
        fence = [f"{lead}```{{lesson}} {lesson}#{block.cell}", *([f"{rest}:show: {block.show}"] if block.show else [])]
        fence.append(f"{rest}```")
    return fence  # the summary gives each block's line in the new post


def _lesson_text(source_name: str, blocks: list[Block]) -> str:
    """The lesson script: a docstring naming the post, then one cell per running block, its code as written."""
    name = source_name.replace("\\", "/").replace('"""', "'''")
    parts = [
        f'"""The code of the post {name}, imported by `lessonpress import`.\n\n'
        "One cell per code block of the post, in order, each block's code as the post had it.\n"
        'Run it yourself with `uv run` and this file.\n"""\n\n'
        "# Each cell imports what it first needs, as a notebook does:\n"
        "# ruff: noqa: E402\n"
        "from __future__ import annotations\n"
    ]
    for block in blocks:
        if block.runs:
            tags = ' tags=["raises-exception"]' if block.action == RAISES else ""
            parts.append(f"\n\n# %% {block.cell}{tags}\n{block.code}")
    return "".join(parts).rstrip("\n") + "\n"
