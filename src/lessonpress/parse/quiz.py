"""`:::{quiz}` and `:::{checklist}` blocks: the list tokens markdown-it reads in them regrouped
as questions (a prompt, options with the right one marked `[x]`, an explanation) and as
'I can ...' items. Options and explanations stay `inline` tokens, so their {value} roles and
math are resolved and validated as in prose; the page draws the tokens as they are."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from ..errors import Problem
from ..model import PostSource
from .blocks import container_end

QUIZ_DIRECTIVES = ("quiz", "checklist")
QUIZ_INFO = re.compile(r"^\{(quiz|checklist)\}(?:\s+(.*))?$")
_MARK = re.compile(r"^\[([ xX])\]\s+")
_WHY = re.compile(r"^Why:\s*")
_LAZY_WHY = re.compile(r"\n[ \t]*Why:")
_LISTS = ("bullet_list_open", "ordered_list_open")
_OPTIONS_HELP = "a nested list of options: '- [x] the right one' and '- [ ] a wrong one'"


@dataclass
class _Block:
    """A block token, what it holds, and its closing token."""

    opening: Token
    body: list[Item]
    closing: Token


Item = _Block | Token


class _Misuse(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def quiz_plugin(md: MarkdownIt) -> None:
    """`:::{quiz}` and `:::{checklist}` blocks, regrouped before the inline rules run."""
    container_plugin(md, "quiz", validate=lambda params, *args: is_quiz(params))
    md.core.ruler.after("myst_admonitions", "quizzes", _quizzes_rule)  # admonitions' bodies too


def is_quiz(params: str) -> bool:
    """Whether a `:::` line's info opens a quiz or a checklist."""
    return bool(QUIZ_INFO.match(params.strip()))


def quiz_problems(post: PostSource, tokens: list[Any]) -> list[Problem]:
    """The misuses the quiz rule noted on the blocks it could not read."""
    return [
        Problem(post.src_path, line, message)
        for token in tokens
        if token.type in ("quiz_open", "checklist_open")
        for line, message in token.meta.get("problems", ())
    ]


def _quizzes_rule(state: StateCore) -> None:
    state.tokens = _regrouped(state.tokens)


def _regrouped(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type != "container_quiz_open":
            out.append(token)
            index += 1
            continue
        end = container_end(tokens, index, "quiz")
        out += _block(token, _regrouped(tokens[index + 1 : end]))
        index = end + 1
    return out


def _block(opening: Token, body: list[Token]) -> list[Token]:
    """A quiz's or checklist's tokens; a misused one is its opening, noting why, and closing."""
    match = QUIZ_INFO.match(opening.info.strip())
    kind, title = (match.group(1), (match.group(2) or "").strip()) if match else ("quiz", "")
    line = _line(opening)
    fields: dict[str, Any] = {
        "map": opening.map,
        "markup": opening.markup,
        "info": opening.info,
        "block": True,
    }
    tag = "section" if kind == "quiz" else "div"
    label = title or kind.capitalize()
    attrs = {"class": kind, "aria-label": label, **({} if kind == "quiz" else {"role": "group"})}
    first = Token(f"{kind}_open", tag, 1, attrs=attrs, **fields)
    last = Token(f"{kind}_close", tag, -1, **fields)
    try:
        inner = _questions(line, _tree(body)) if kind == "quiz" else _checklist(line, _tree(body))
    except _Misuse as misuse:
        first.meta["problems"] = [(misuse.line, misuse.message)]
        return [first, last]
    return [first, *(_title(opening, kind, title) if title else []), *inner, last]


def _title(opening: Token, kind: str, title: str) -> list[Token]:
    return [
        Token(f"{kind}_title_open", "p", 1, attrs={"class": f"{kind}-title"}, map=opening.map, block=True),
        Token("inline", "", 0, content=title, map=opening.map, children=[]),
        Token(f"{kind}_title_close", "p", -1, block=True),
    ]


def _questions(line: int, items: list[Item]) -> list[Token]:
    lists = _lists(line, items, "quiz", "a quiz is a list of questions, each with " + _OPTIONS_HELP)
    questions = [item for block in lists for item in block.body if isinstance(item, _Block)]
    out = [Token("quiz_questions_open", "ol", 1, attrs={"class": "quiz-questions"}, block=True)]
    for number, question in enumerate(questions, start=1):
        out += _question(question, f"quiz:{line}:{number}")
    return [*out, Token("quiz_questions_close", "ol", -1, block=True)]


def _lists(line: int, items: list[Item], kind: str, help: str) -> list[_Block]:
    """The lists a block holds, when it holds only lists and at least one."""
    if not items:
        raise _Misuse(line, f"the {{{kind}}} block is empty: {help}")
    for item in items:
        if not isinstance(item, _Block) or item.opening.type not in _LISTS:
            where = _line(item.opening if isinstance(item, _Block) else item) or line
            raise _Misuse(where, f"a {{{kind}}} block holds only a list: {help}")
    return [item for item in items if isinstance(item, _Block)]


def _question(item: _Block, question_id: str) -> list[Token]:
    """One question: its prompt, its options, and a disclosure with the answer and why."""
    line = _line(item.opening)
    index = next((i for i, part in enumerate(item.body) if _is_list(part)), None)
    if index is None:
        raise _Misuse(line, f"this question has no options: add {_OPTIONS_HELP}")
    if index == 0:
        raise _Misuse(line, "this question has no text: write it before its options")
    options = item.body[index]
    assert isinstance(options, _Block)
    drawn, right, why = _options(options)
    explanation = _explanation(why + _flat(item.body[index + 1 :]))
    return [
        Token(
            "quiz_question_open", "li", 1, attrs={"class": "quiz-question"}, map=item.opening.map, block=True
        ),
        Token("quiz_prompt_open", "div", 1, attrs={"class": "quiz-prompt", "id": question_id}, block=True),
        *_shown(_flat(item.body[:index])),
        Token("quiz_prompt_close", "div", -1, block=True),
        *drawn,
        *_answer(right, explanation),
        Token("quiz_question_close", "li", -1, block=True),
    ]


def _is_list(item: Item) -> bool:
    return isinstance(item, _Block) and item.opening.type in _LISTS


def _options(options: _Block) -> tuple[list[Token], Token, list[Token]]:
    """The options' tokens, the right one's text, and an explanation written on the line after
    the last option (markdown-it reads that line into the option)."""
    rights: list[Token] = []
    why: list[Token] = []
    options.opening.attrs = {"class": "quiz-options"}
    for option in options.body:
        assert isinstance(option, _Block)
        text = next((t for t in _flat(option.body) if t.type == "inline"), None)
        mark = _MARK.match(text.content) if text is not None else None
        if text is None or mark is None:
            raise _Misuse(
                _line(option.opening),
                "this option is not marked right or wrong: write '- [x] ...' for the right "
                "option and '- [ ] ...' for each wrong one",
            )
        text.content, *rest = _LAZY_WHY.split(text.content[mark.end() :], maxsplit=1)
        why += _paragraph(text, rest[0].strip()) if rest else []
        if mark.group(1) != " ":
            option.opening.attrs = {"class": "quiz-option", "data-right": ""}
            rights.append(text)
        else:
            option.opening.attrs = {"class": "quiz-option"}
    return [options.opening, *_flat(options.body), options.closing], _one_right(options, rights), why


def _one_right(options: _Block, rights: list[Token]) -> Token:
    line = _line(options.opening)
    if not rights:
        raise _Misuse(line, "this question has no right option: mark it '- [x] ...'")
    if len(rights) > 1:
        lines = ", ".join(str(_line(right)) for right in rights)
        raise _Misuse(
            line, f"this question has {len(rights)} right options (lines {lines}): mark only one '[x]'"
        )
    return rights[0]


def _paragraph(near: Token, text: str) -> list[Token]:
    return [
        Token("paragraph_open", "p", 1, map=near.map, block=True),
        Token("inline", "", 0, content=text, map=near.map, children=[]),
        Token("paragraph_close", "p", -1, block=True),
    ]


def _explanation(tokens: list[Token]) -> list[Token]:
    """The explanation's blocks: a `> ` quote's contents, a `Why:` paragraph without its label."""
    tokens = [t for t in tokens if t.type not in ("blockquote_open", "blockquote_close")]
    for token in tokens:
        if token.type == "inline":
            token.content = _WHY.sub("", token.content, count=1)
    return _shown(tokens)


def _answer(right: Token, explanation: list[Token]) -> list[Token]:
    """`<details>` with the right option and the explanation, readable without JavaScript."""
    copy = Token("inline", "", 0, content=right.content, map=right.map, children=[])
    return [
        Token("quiz_answer_open", "details", 1, attrs={"class": "quiz-answer"}, block=True),
        Token("quiz_summary_open", "summary", 1, block=True),
        Token("inline", "", 0, content="Answer", children=[]),
        Token("quiz_summary_close", "summary", -1, block=True),
        Token("quiz_right_open", "p", 1, attrs={"class": "quiz-right"}, block=True),
        copy,
        Token("quiz_right_close", "p", -1, block=True),
        Token("quiz_explanation_open", "div", 1, attrs={"class": "quiz-explanation"}, block=True),
        *explanation,
        Token("quiz_explanation_close", "div", -1, block=True),
        Token("quiz_answer_close", "details", -1, block=True),
    ]


def _checklist(line: int, items: list[Item]) -> list[Token]:
    """A checklist's list, its items marked for site.js to give each a checkbox."""
    lists = _lists(line, items, "checklist", "write each item as '- I can ...'")
    out: list[Token] = []
    for block in lists:
        block.opening.attrs = {"class": "checklist-items"}
        for item in block.body:
            if isinstance(item, _Block):
                item.opening.attrs = {"class": "checklist-item"}
        out += [block.opening, *_flat(block.body), block.closing]
    return out


def _shown(tokens: list[Token]) -> list[Token]:
    """`tokens`, paragraphs drawn with their `<p>` even where a tight list hides it."""
    for token in tokens:
        if token.type in ("paragraph_open", "paragraph_close"):
            token.hidden = False
    return tokens


def _tree(tokens: list[Token]) -> list[Item]:
    """Flat tokens as nested blocks."""
    stack: list[tuple[Token | None, list[Item]]] = [(None, [])]
    for token in tokens:
        if token.nesting == 1:
            stack.append((token, []))
        elif token.nesting == -1 and len(stack) > 1:
            opening, body = stack.pop()
            assert opening is not None
            stack[-1][1].append(_Block(opening, body, token))
        else:
            stack[-1][1].append(token)
    return stack[0][1]


def _flat(items: list[Item]) -> list[Token]:
    out: list[Token] = []
    for item in items:
        if isinstance(item, _Block):
            out += [item.opening, *_flat(item.body), item.closing]
        else:
            out.append(item)
    return out


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0
