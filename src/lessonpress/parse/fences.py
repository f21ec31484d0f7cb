"""MyST's block directives other than admonitions, turned into the tokens lessonpress reads:
`{math}` into display math (`:label:` numbers it), `{code-block}` into a plain code fence,
`{figure}` into figure_open, its caption's blocks and figure_close, `{image}` into a
myst_image. Their option lines were lifted before parsing (options.py)."""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .blocks import container_end, fence_closed
from .directives import DIRECTIVE_INFO
from .options import Lifted, Option

CODE_DIRECTIVES = ("code-block", "code", "sourcecode")
# Options that change only how Sphinx lays a code block out; accepted, and the code shown plainly.
CODE_OPTIONS = ("linenos", "lineno-start", "emphasize-lines", "caption", "name", "dedent", "force", "class")
MATH_OPTIONS = ("label", "name", "nowrap", "class")


def directive_fences(md: MarkdownIt, tokens: list[Token], env: Any) -> list[Token]:
    """`tokens` with each {math}, {code-block}, {figure} and {image} as lessonpress reads it."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "container_figure_open":
            end = container_end(tokens, index, "figure")
            out += _figure(token, tokens[index + 1 : end], env)
            index = end + 1
            continue
        match = DIRECTIVE_INFO.match(token.info.strip()) if token.type == "fence" else None
        name = match.group(1) if match and fence_closed(token) else ""
        if name == "figure":
            caption = fence_blocks(md, token, env)  # its lifted option lines are `%` comments
            out += _figure(token, caption, env)
        elif name in ("image", "math") or name in CODE_DIRECTIVES:
            out.append(_converted(token, name, env))
        else:
            out.append(token)
        index += 1
    return out


def lifted(token: Token, env: Any) -> Lifted:
    """The option lines lifted from the directive opened by `token`."""
    line = token.map[0] + 1 if token.map else 0
    found: Lifted = env.get("options", {}).get(line, Lifted((), 0))
    return found


def options_of(token: Token, env: Any) -> tuple[Option, ...]:
    return lifted(token, env).options


def _body(token: Token, env: Any) -> str:
    """A fence's content after its option lines."""
    return "".join(token.content.splitlines(keepends=True)[lifted(token, env).lines :])


def _converted(token: Token, name: str, env: Any) -> Token:
    options = {option.key: option for option in options_of(token, env)}
    argument = token.info.strip().split(None, 1)[1] if " " in token.info.strip() else ""
    if name == "image":
        return Token("myst_image", "img", 0, info=argument, map=token.map, block=True, meta={"options": options})
    if name == "math":
        _check(options, MATH_OPTIONS, "{math}", env)
        label = options.get("label") or options.get("name")
        kind = "math_block_label" if label else "math_block"
        return Token(kind, "math", 0, content=_body(token, env), info=label.value if label else "",
                     map=token.map, block=True, markup="$$")
    _check(options, CODE_OPTIONS, f"{{{name}}}", env)
    return Token("fence", "code", 0, content=_body(token, env), info=argument, map=token.map, block=True,
                 markup=token.markup, meta={"closed": True})


def _figure(opening: Token, caption: list[Token], env: Any) -> list[Token]:
    """A figure: its opening (the file and the options), its caption's blocks (the first
    paragraph's `<p>` left out, so the caption reads as one line) and its closing."""
    options = {option.key: option for option in options_of(opening, env)}
    argument = opening.info.strip().removeprefix("{figure}").strip()
    shown = [token for token in caption if token.type not in ("myst_line_comment",)]
    if shown and shown[0].type == "paragraph_open":
        shown[0].hidden = True
        next(t for t in shown if t.type == "paragraph_close").hidden = True
    fields: dict[str, Any] = {"map": opening.map, "block": True}
    start = Token("figure_open", "figure", 1, info=argument, meta={"options": options}, **fields)
    start.meta["caption"] = next((t.content for t in shown if t.type == "inline"), "")
    return [  # (a figure without a caption still shows its number: "Figure 3.")
        start,
        Token("figcaption_open", "figcaption", 1, block=True),
        *shown,
        Token("figcaption_close", "figcaption", -1, block=True),
        Token("figure_close", "figure", -1, block=True),
    ]


def fence_blocks(md: MarkdownIt, fence: Token, env: Any) -> list[Token]:
    """A fence's content parsed as blocks, each token's lines those of the post (its lifted
    option lines are `%` comments, which show nothing)."""
    body: list[Token] = []
    md.block.parse(fence.content, md, env, body)
    offset = fence.map[0] + 1 if fence.map else 0
    for token in body:
        if token.map:
            token.map = [token.map[0] + offset, token.map[1] + offset]
    return body


def _check(options: dict[str, Option], known: tuple[str, ...], directive: str, env: Any) -> None:
    for option in options.values():
        if option.key not in known:
            listed = ", ".join(f":{key}:" for key in known)
            env.setdefault("problems", []).append(
                (option.line, f"unknown option :{option.key}: for {directive}; known: {listed}")
            )
