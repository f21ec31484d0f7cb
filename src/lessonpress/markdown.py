"""The Markdown dialect: CommonMark + front matter, math, {lesson} fences, {value} roles, solutions."""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

_SOLUTION = re.compile(r"^\{?solution\}?(\s.*)?$")


def new_markdown() -> MarkdownIt:
    """A parser with every extension lessonpress supports (rendering rules are added later)."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    front_matter_plugin(md)
    dollarmath_plugin(md, allow_space=True, allow_digits=True, double_inline=True)
    myst_role_plugin(md)
    anchors_plugin(md, min_level=2, max_level=3, permalink=True, permalinkSymbol="#", permalinkBefore=False)
    container_plugin(md, "solution", validate=_is_solution, render=_render_solution)
    md.core.ruler.after("anchor", "anchor_not_searched", _anchors_not_searched)
    return md


def _anchors_not_searched(state: Any) -> None:
    """Keep the '#' permalinks out of the search index's headings."""
    for token in state.tokens:
        for child in token.children or []:
            if child.type == "link_open" and child.attrGet("class") == "header-anchor":
                child.attrSet("data-pagefind-ignore", "")


def _is_solution(params: str, *args: Any) -> bool:
    return bool(_SOLUTION.match(params.strip()))


def _render_solution(self: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    if token.nesting == 1:
        match = _SOLUTION.match(token.info.strip())
        summary = (match.group(1) or "").strip() if match else ""
        from markupsafe import escape

        return f'<details class="solution">\n<summary>{escape(summary or "Solution")}</summary>\n'
    return "</details>\n"
