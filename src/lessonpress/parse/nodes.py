"""markdown-it's tokens into the document model, each lessonpress construct resolved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..store import TextMemo
from ..document import Document, Footnote, Heading, LessonRef, Math, Node, Payload, Role, TextPart, ValueRef
from ..errors import ContentError, Problem
from ..model import Lesson, PostSource
from .blocks import FENCE_DIRECTIVES, fence_closed, unclosed_fence, unknown_directive
from .directives import DIRECTIVE_INFO, parse_directive, parse_value_role
from .labels import XREF_ROLES, parse_xref_role, with_targets
from .math import to_mathml
from .media import parse_image, parse_figure
from .roles import TEXT_ROLES, parse_text_role

# The inline nodes a heading's text is made of (its id and its table-of-contents entry).
HEADING_TEXT = ("text", "code_inline", "math_inline", "myst_role")


class DocumentReader:
    """Reads one post's tokens into a Document, collecting every problem on the way."""

    def __init__(self, post: PostSource, lessons: dict[str, Lesson], formulas: TextMemo | None) -> None:
        self.post = post
        self.lessons = lessons
        self.formulas = formulas
        self.problems: list[Problem] = []
        self._shared: dict[Node, Node] = {}  # equal nodes are one object (they are frozen)

    def read(self, tokens: list[Any]) -> Document:
        """The document of `tokens` (self.problems says what is wrong with it)."""
        nodes = []
        for token in tokens:
            line = token.map[0] + 1 if token.map else 1
            payload = self._resolved(self._block_payload, token, line)
            children = None
            if token.children is not None:
                children = tuple(
                    self._inline(child, line, token.type == "inline") for child in token.children
                )
            nodes.append(_node(token, children, payload))
        labelled, problems = with_targets(_with_headings(nodes), self.post.src_path)
        self.problems.extend(problems)
        return Document(tuple(self._share(node) for node in labelled))

    def _resolved(self, read: Callable[[Any, int], Payload], token: Any, line: int) -> Payload:
        """`read(token, line)`, or None with its problems noted."""
        try:
            return read(token, line)
        except ContentError as exc:
            self.problems.extend(exc.problems)
            return None

    def _block_payload(self, token: Any, line: int) -> Payload:
        if token.type == "fence" and not fence_closed(token):
            raise ContentError([unclosed_fence(self.post.src_path, token, line)])
        if token.type in ("figure_open", "myst_image"):
            return parse_figure(self.post, token, line)
        directive = DIRECTIVE_INFO.match(token.info.strip()) if token.type == "fence" else None
        if directive and directive.group(1) != "lesson":  # an admonition's fence is no fence now
            raise ContentError(
                [unknown_directive(self.post.src_path, line, directive.group(1), FENCE_DIRECTIVES)]
            )
        if directive:
            return parse_directive(self.post, token, line, self.lessons)
        if token.type in ("math_block", "math_block_label"):
            return Math(to_mathml(token.content, self.post.src_path, line, True, self.formulas), True, line)
        return _footnote(token)

    def _inline(self, child: Any, line: int, resolve: bool) -> Node:
        """An inline node; a paragraph's or heading's own (not an image's alt text) is resolved."""
        children = None
        if child.children is not None:
            children = tuple(self._inline(grandchild, line, False) for grandchild in child.children)
        payload = self._resolved(self._inline_payload, child, line) if resolve else None
        return self._share(_node(child, children, payload))

    def _inline_payload(self, child: Any, line: int) -> Payload:
        if child.type == "myst_role" and child.meta.get("name") in XREF_ROLES:
            return parse_xref_role(self.post.src_path, child, line)
        if child.type == "myst_role" and child.meta.get("name") in TEXT_ROLES:
            return parse_text_role(self.post.src_path, child, line, self.formulas)
        if child.type == "myst_role":
            return parse_value_role(self.post, child, line, self.lessons)
        if child.type in ("math_inline", "math_inline_double"):
            display = child.type == "math_inline_double"
            return Math(
                to_mathml(child.content, self.post.src_path, line, display, self.formulas), display, line
            )
        if child.type == "footnote_undefined":
            raise ContentError.at(
                self.post.src_path,
                line + child.meta.get("offset", 0),
                f"footnote {child.content} is never defined: add a line '{child.content}: its text' "
                f"(write '\\[^' for a literal '[^')",
            )
        if child.type == "footnote_ref":
            return _footnote(child)
        if child.type == "image":
            return parse_image(self.post, child, line)
        if child.type == "math_unclosed":
            raise ContentError.at(
                self.post.src_path,
                line + child.meta.get("offset", 0),
                "'$$' is never closed: end the formula with a '$$' line (display math "
                "cannot contain blank lines; write \\$ for a literal dollar)",
            )
        return None

    def _share(self, node: Node) -> Node:
        """`node`, or an equal one met before: closing nodes and many inline ones repeat (a
        paragraph's `softbreak`s). One with a line is unique, and one with children seldom
        repeats and is slow to compare, so neither is looked up."""
        if node.line is not None or node.children is not None:
            return node
        return self._shared.setdefault(node, node)


def _footnote(token: Any) -> Footnote | None:
    """A footnote's reference, definition or back-link, numbered as the page shows it."""
    if token.type not in ("footnote_ref", "footnote_open", "footnote_anchor"):
        return None
    return Footnote(token.meta["id"] + 1, token.meta.get("subId", 0))


def _node(token: Any, children: tuple[Node, ...] | None, payload: Payload) -> Node:
    return Node(
        token.type,
        token.tag,
        token.nesting,
        tuple(token.attrs.items()),
        token.map[0] + 1 if token.map else None,
        token.content,
        token.markup,
        token.info,
        token.block,
        token.hidden,
        children,
        payload,
    )


def _with_headings(nodes: list[Node]) -> list[Node]:
    """`nodes`, each heading's opening node carrying its Heading (its text is the next node's)."""
    out = list(nodes)
    for index, node in enumerate(nodes[:-1]):
        if node.type == "heading_open":
            text = nodes[index + 1].children or ()
            parts = tuple(_text_part(child) for child in text if child.type in HEADING_TEXT)
            out[index] = replace(node, payload=Heading(int(node.tag[1:]), node.line or 1, parts))
    return out


def _text_part(child: Node) -> TextPart:
    if isinstance(child.payload, Role):  # {abbr}, {sub}, {sup}, {kbd}: their text, as plain text
        return TextPart("text", child.payload.text)
    if isinstance(child.payload, Math) and child.type == "myst_role":  # {math}: as $...$ is
        return TextPart("math_inline", child.content)
    return TextPart(child.type, child.content, child.payload if isinstance(child.payload, ValueRef) else None)


def lesson_refs(document: Document) -> tuple[LessonRef, ...]:
    """The document's {lesson} directives, in order."""
    return tuple(document.payloads(LessonRef))


def value_refs(document: Document) -> tuple[ValueRef, ...]:
    """The document's {value} roles, in order."""
    return tuple(document.payloads(ValueRef))
