"""Fences and `:::` blocks that markdown-it accepts but a post must not have: never closed,
wrongly nested, or not a directive lessonpress knows."""

from __future__ import annotations

from typing import Any

from ..document import ADMONITIONS
from ..errors import Problem
from ..model import PostSource
from .directives import DIRECTIVE_INFO

# The directives a fence may name, and those a `:::` block may.
FENCE_DIRECTIVES = ("lesson", *ADMONITIONS, "admonition", "dropdown", "figure")
COLON_DIRECTIVES = ("solution", *ADMONITIONS, "admonition", "dropdown", "figure", "quiz", "checklist")


def unknown_directive(src_path: str, line: int, name: str, known: tuple[str, ...]) -> Problem:
    """A fence or `:::` block naming a directive that is not one of `known`."""
    listed = ", ".join(f"{{{directive}}}" for directive in known)
    return Problem(src_path, line, f"unknown directive {{{name}}}; known: {listed}")


def fence_closed(token: Any) -> bool:
    """Whether a fence has its closing line: markdown-it ends an unclosed one with the post
    (or the enclosing block), so its lines are the opening line and content only."""
    if token.meta.get("closed"):  # a {code-block} whose option lines were taken out
        return True
    start, end = token.map or (0, 0)
    return end - start - 2 == len(token.content.splitlines())


def unclosed_fence(src_path: str, token: Any, line: int) -> Problem:
    """A fence opened at `line` and never closed."""
    fence = token.markup
    return Problem(
        src_path, line, f"a {fence} fence opened here is never closed: end the block with a {fence} line"
    )


def block_problems(post: PostSource, tokens: list[Any]) -> list[Problem]:
    """`:::` blocks that are never closed (markdown-it ends them with the post, which would
    fold everything after the opening line into a collapsed solution), nested without more
    colons on the outer block, or not a {solution} or an admonition."""
    lines = post.text.splitlines()
    problems, nesting, strays = [], [], []
    open_blocks: list[Any] = []
    for token in tokens:
        if _colon_block(token, -1):
            open_blocks.pop()
        if token.type == "container_unknown_open" and token.map:
            strays.append(_stray_block(post.src_path, token))
        if not _colon_block(token, 1) or not token.map:
            continue
        outer = open_blocks[-1] if open_blocks else None
        open_blocks.append(token)
        if outer is not None and len(token.markup) >= len(outer.markup):
            nesting.append(_same_colons(post.src_path, token, outer))
        elif not _closed(token, lines):
            opening = f"{token.markup}{token.info.strip()}"
            message = f"'{opening}' is never closed: end the block with a '{token.markup}' line"
            problems.append(Problem(post.src_path, token.map[0] + 1, message))
    # A wrongly nested block closes its outer one early, which leaves a stray ':::' behind.
    return nesting + problems + ([] if nesting else strays)


def _colon_block(token: Any, nesting: int) -> bool:
    """Whether `token` opens (nesting 1) or closes (-1) a `:::` solution or admonition."""
    if token.nesting != nesting:
        return False
    return token.type.startswith("container_solution_") or (
        token.type.startswith(("admonition_", "quiz_", "checklist_")) and token.markup.startswith(":")
    )


def _closed(token: Any, lines: list[str]) -> bool:
    """Whether a solution block has its closing `:::` line."""
    end = token.map[1]  # the line that closes the block, if one does
    closing = lines[end].strip() if end < len(lines) else ""
    return closing.startswith(token.markup) and set(closing) == {":"}


def _same_colons(src_path: str, token: Any, outer: Any) -> Problem:
    """A solution block or admonition nested in one opened with as many colons."""
    opening = f"{token.markup}{token.info.strip()}"
    colons = ":" * (len(token.markup) + 1)
    match = DIRECTIVE_INFO.match(outer.info.strip())
    outer_name = match.group(1) if match and outer.type == "admonition_open" else "solution"
    message = (
        f"cannot nest '{opening}' in a block opened with as many colons (line {outer.map[0] + 1}): "
        f"open the outer block with more, e.g. '{colons}{{{outer_name}}}', and close it with '{colons}'"
    )
    return Problem(src_path, token.map[0] + 1, message)


def _stray_block(src_path: str, token: Any) -> Problem:
    """A `:::` line that neither opens a {solution} or an admonition nor closes one."""
    line, info = token.map[0] + 1, token.info.strip()
    match = DIRECTIVE_INFO.match(info)
    if match:
        return unknown_directive(src_path, line, match.group(1), COLON_DIRECTIVES)
    if not info:
        message = (
            f"'{token.markup}' closes no block: remove it, or open the block above "
            f"with '{token.markup}{{solution}}' (write '\\{token.markup}' for literal colons)"
        )
    else:
        message = f"cannot read '{token.markup}{info}': write '{token.markup}{{solution}}', or '\\{token.markup}' for literal colons"
    return Problem(src_path, line, message)


def container_end(tokens: list[Any], start: int, name: str) -> int:
    """The index of the token closing the `:::{name}` container opened at `start` (nested ones
    of the same name counted), or len(tokens) if it is never closed."""
    steps = {f"container_{name}_open": 1, f"container_{name}_close": -1}
    depth = 0
    for index in range(start, len(tokens)):
        depth += steps.get(tokens[index].type, 0)
        if depth == 0:
            return index
    return len(tokens)
