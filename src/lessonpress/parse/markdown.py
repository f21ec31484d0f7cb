"""The Markdown dialect: CommonMark + front matter, math, {lesson} fences, {value} roles, solutions,
and what MyST writers know: admonitions, footnotes, definition lists, `%` comments, `+++` breaks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.ruler import RuleOptionsType
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_blocks.index import block_break, line_comment, target
from mdit_py_plugins.myst_role import myst_role_plugin

from ..document import ADMONITIONS, SOLUTION, solution_html
from ..text import url_problem
from .blocks import fence_closed
from .labels import LABEL, label_message
from .options import ADMONITION_OPTIONS
from .fences import directive_fences, fence_blocks, options_of
from .media import is_figure
from .quiz import is_quiz, quiz_plugin
from .toml_front import toml_front_matter

# `{note}` or `{note} A title`, the info of an admonition's fence or `:::` line; MyST's
# generic `{admonition} Title` and sphinx-design's `{dropdown} Title` are admonitions too.
ADMONITION = re.compile(r"^\{(" + "|".join((*ADMONITIONS, "admonition", "dropdown")) + r")\}(?:\s+(.*))?$")
_CLASS = re.compile(r"^[A-Za-z][\w-]*$")
_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
_MYST_BLOCK_ALT: RuleOptionsType = {"alt": ["paragraph", "reference", "blockquote", "list", "footnote_def"]}


def new_markdown() -> MarkdownIt:
    """A parser with every extension lessonpress supports.

    Its own render() draws the dialect plainly (math as LaTeX, roles as written), for tests
    and a quick look; pages are drawn by the render stage from the document model.
    """
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    front_matter_plugin(md)
    md.block.ruler.before("front_matter", "toml_front_matter", toml_front_matter)
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
    container_plugin(md, "admonition", validate=_is_admonition)
    container_plugin(md, "figure", validate=is_figure)
    md.core.ruler.after("block", "myst_directives", _directives_rule)
    # Any other `:::` line (`:::{notee}`, or a `:::` that closes nothing): parse reports it.
    container_plugin(
        md,
        "unknown",
        validate=lambda params, *args: not (
            _is_solution(params) or _is_admonition(params) or is_quiz(params) or is_figure(params)
        ),
    )
    _myst_plugin(md)
    quiz_plugin(md)
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


def _is_admonition(params: str, *args: Any) -> bool:
    return bool(ADMONITION.match(params.strip()))


def _myst_plugin(md: MarkdownIt) -> None:
    """MyST's admonitions (as `:::` blocks or fences), footnotes (a reference to none is a
    `footnote_undefined` token for parse to report), definition lists, `%` comment lines
    and `+++` block breaks (neither of which the page shows)."""
    md.core.ruler.after("myst_directives", "myst_admonitions", _admonitions_rule)
    footnote_plugin(md, inline=False)
    md.inline.ruler.after("footnote_ref", "footnote_undefined", _undefined_footnote)
    md.add_render_rule("footnote_undefined", _render_text)
    deflist_plugin(md)
    md.block.ruler.before("blockquote", "myst_line_comment", line_comment, _MYST_BLOCK_ALT)
    md.block.ruler.before("hr", "myst_block_break", block_break, _MYST_BLOCK_ALT)
    md.add_render_rule("myst_line_comment", lambda *args: "")
    md.add_render_rule("myst_block_break", lambda *args: "")
    md.block.ruler.before("blockquote", "myst_target", target, _MYST_BLOCK_ALT)  # `(label)=`
    md.add_render_rule("myst_target", lambda *args: "")


def _undefined_footnote(state: StateInline, silent: bool) -> bool:
    """A `[^name]` that footnote_ref did not take: no footnote has that name."""
    match = _FOOTNOTE_REF.match(state.src, state.pos, state.posMax)
    if not match:
        return False
    if not silent:
        token = state.push("footnote_undefined", "", 0)
        token.content = match.group(0)
        token.meta["offset"] = state.src.count("\n", 0, state.pos)
    state.pos = match.end()
    return True


def _directives_rule(state: StateCore) -> None:
    state.tokens = directive_fences(state.md, state.tokens, state.env)


def _admonitions_rule(state: StateCore) -> None:
    state.tokens = _admonitions(state.md, state.tokens, state.env)


def _admonitions(md: MarkdownIt, tokens: list[Token], env: Any) -> list[Token]:
    """`tokens`, each admonition (a closed fence, or a `:::` block) as `admonition_open`, its
    title (an `inline` the inline rules read next), its body and `admonition_close`. A
    fence's body is parsed here as Markdown, its lines numbered as in the post."""
    out: list[Token] = []
    opened: list[list[Token]] = []  # the `:::` admonitions open at this point
    for token in tokens:
        match = (
            ADMONITION.match(token.info.strip())
            if token.type in ("fence", "container_admonition_open")
            else None
        )
        if token.type == "container_admonition_close":
            out.append(_closing(opened.pop()))
        elif match is None or (token.type == "fence" and not fence_closed(token)):
            out.append(token)  # an unclosed fence is reported as one
        elif token.type == "fence":
            opening = _opening(token, match, env)
            out += [*opening, *_fence_body(md, token, env), _closing(opening)]
        else:
            opening = _opening(token, match, env)
            opened.append(opening)
            out += opening
    return out


def _opening(token: Token, match: re.Match[str], env: Any) -> list[Token]:
    """The opening of an admonition and its title (as written, or the kind's own); a
    `:name:` option labels it, and `:class: dropdown` (or `{dropdown}`) makes it a `<details>`."""
    kind, title = match.group(1), (match.group(2) or "").strip()
    options = _options(token, env)
    classes = options.get("class", "").split()
    style = kind if kind in ADMONITIONS else next((c for c in classes if c in ADMONITIONS), "note")
    dropdown = kind == "dropdown" or "dropdown" in classes
    if kind == "admonition" and not title:
        _problem(env, token, "{admonition} needs a title: {admonition} What to remember")
    shown = title or ADMONITIONS.get(kind, "Details")
    extra = [c for c in classes if c not in ("dropdown", style)]
    attrs: dict[str, str | int | float] = {
        "class": " ".join(["admonition", f"admonition-{style}", *(["dropdown"] if dropdown else []), *extra])
    }
    if dropdown and "open" in options:
        attrs["open"] = ""
    elif not dropdown:
        attrs.update({"role": "note", "aria-label": ADMONITIONS[style]})
    fields: dict[str, Any] = {"map": token.map, "block": True}
    label = [Token("myst_target", "", 0, content=options["name"], **fields)] if options.get("name") else []
    return [
        *label,
        Token("admonition_open", "details" if dropdown else "div", 1, attrs=attrs, markup=token.markup,
              info=token.info, **fields),
        Token("admonition_title_open", "summary" if dropdown else "p", 1, attrs={"class": "admonition-title"},
              **fields),
        Token("inline", "", 0, content=shown, map=token.map, children=[]),
        Token("admonition_title_close", "summary" if dropdown else "p", -1, block=True),
    ]


def _options(token: Token, env: Any) -> dict[str, str]:
    """The admonition's `:key: value` options (lifted before parsing); wrong ones noted in env."""
    options: dict[str, str] = {}
    for option in options_of(token, env):
        if option.key not in ADMONITION_OPTIONS:
            known = ", ".join(f":{key}:" for key in ADMONITION_OPTIONS)
            _problem(env, option.line, f"unknown option :{option.key}: for an admonition; known: {known}")
        elif option.key == "class" and not all(_CLASS.match(c) for c in option.value.split()):
            _problem(env, option.line, f":class: takes names of letters, digits, '-' and '_', got {option.value!r}")
        elif option.key == "name" and not LABEL.match(option.value):
            _problem(env, option.line, label_message(option.value))
        else:
            options[option.key] = option.value
    return options


def _problem(env: Any, where: Token | int, message: str) -> None:
    """A problem at a line of the post, for parse_post to report."""
    line = where if isinstance(where, int) else (where.map[0] + 1 if where.map else 1)
    env.setdefault("problems", []).append((line, message))


def _closing(opening: list[Token]) -> Token:
    """The end of the admonition `opening` began (a `<div>` or a `<details>`)."""
    start = next(token for token in opening if token.type == "admonition_open")
    return Token("admonition_close", start.tag, -1, markup=start.markup, block=True)


def _fence_body(md: MarkdownIt, fence: Token, env: Any) -> list[Token]:
    """An admonition fence's content as blocks, its own directives and admonitions read too."""
    return _admonitions(md, directive_fences(md, fence_blocks(md, fence, env), env), env)
