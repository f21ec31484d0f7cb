"""The Markdown dialect: CommonMark + front matter, math, {lesson} fences, {value} roles, solutions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

from ..document import SOLUTION, solution_html
from ..text import url_problem


def new_markdown() -> MarkdownIt:
    """A parser with every extension lessonpress supports.

    Its own render() draws the dialect plainly (math as LaTeX, roles as written), for tests
    and a quick look; pages are drawn by the render stage from the document model.
    """
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    front_matter_plugin(md)
    # Pandoc's rule, so that "$5 and $10" stays prose: an opening $ is followed by a non-space,
    # a closing $ follows a non-space and is not followed by a digit. (allow_digits=False
    # would check that digit, but also one before the opening $, which it reads wrapping
    # around to the end of the paragraph: "$n$ is 2" would be prose.)
    dollarmath_plugin(md, allow_space=False, allow_digits=True, allow_blank_lines=False, double_inline=True)
    md.inline.ruler.at("math_inline", _no_digit_after(math_inline_dollar(False, True, True)))
    md.inline.ruler.after("math_inline", "math_unclosed", _unclosed_display_math)
    md.add_render_rule("math_unclosed", _render_text)
    myst_role_plugin(md)
    container_plugin(md, "solution", validate=_is_solution, render=_render_solution)
    # Any other `:::` line (`:::{note}`, or a `:::` that closes nothing): parse reports it.
    container_plugin(md, "unknown", validate=lambda params, *args: not _is_solution(params))
    normalize = md.normalizeLink
    # A link that is no URL stays as written (normalizing mangles `http://[fe80::1/docs` into
    # a URL of another host), so that the link check reports it at its line.
    md.normalizeLink = lambda url: url if url_problem(url) else normalize(url)  # type: ignore[method-assign]
    return md


def _no_digit_after(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    """`rule` (inline $...$), refusing a closing single $ followed by a digit ("$5 and 10$20")."""

    def math_inline(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if not rule(state, True):
            return False
        end, state.pos = state.pos, start
        if not state.src.startswith("$$", start) and state.src[end : end + 1].isdigit():
            return False
        return rule(state, silent)

    return math_inline


def _unclosed_display_math(state: StateInline, silent: bool) -> bool:
    """A `$$` that math_inline and math_block did not pair: a token for parse to report,
    with meta["offset"], its line within the paragraph."""
    if not state.src.startswith("$$", state.pos):
        return False
    if not silent:
        token = state.push("math_unclosed", "", 0)
        token.content = "$$"
        token.meta["offset"] = state.src.count("\n", 0, state.pos)
    state.pos += 2
    return True


def _render_text(self: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    return escapeHtml(tokens[idx].content)


def _is_solution(params: str, *args: Any) -> bool:
    return bool(SOLUTION.match(params.strip()))


def _render_solution(self: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    return solution_html(tokens[idx])
