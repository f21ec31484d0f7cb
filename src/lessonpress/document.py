"""The document model: a post's body as parse read it, plain frozen data that render draws.

Parse keeps markdown-it's token stream as Nodes and resolves every lessonpress construct
into a typed payload on its node: a {lesson} fence's LessonRef, a {value} role's ValueRef,
a formula's MathML, a heading's text. Render draws from these and never parses again;
nothing travels in markdown-it's mutable `token.meta`.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any, Literal, TypeVar

P = TypeVar("P")


@dataclass(frozen=True)
class LessonRef:
    """A `{lesson}` directive: which cell a post shows, and how."""

    post_path: str
    line: int
    lesson_path: str  # project-relative path of the lesson script
    cell_name: str | None  # None: the whole script
    show: str = "both"
    captions: tuple[str, ...] = ()
    alts: tuple[str, ...] = ()
    label: str = ""  # its `:name:`, a cross-reference target


@dataclass(frozen=True)
class ValueRef:
    """A `{value}` role: a module-level value of a lesson quoted in prose."""

    post_path: str
    line: int
    lesson_path: str
    name: str
    spec: str


@dataclass(frozen=True)
class Math:
    """A formula, converted to MathML and checked when the post was parsed."""

    mathml: str
    display: bool  # written $$...$$ (a block, or inline), not $...$
    line: int
    label: str = ""  # `$$ ... $$ (label)`: a numbered equation
    number: int = 0  # its number in the post (1, 2, ...)


@dataclass(frozen=True)
class TextPart:
    """A piece of a heading's text, from which its id and table-of-contents entry are made."""

    kind: str  # the inline node it comes from: text, code_inline, math_inline or myst_role
    text: str  # as written (a formula's LaTeX, a role's `file.py:name`)
    ref: ValueRef | None = None  # a {value}: the page shows the lesson's value instead


@dataclass(frozen=True)
class Heading:
    """A heading (`## Loss`), on its opening node."""

    level: int
    line: int
    parts: tuple[TextPart, ...]
    label: str = ""  # a `(label)=` line before it: its id


@dataclass(frozen=True)
class Footnote:
    """A footnote's number on the page (1, 2, ... in the order of first reference) on a
    reference to it, its definition or a back-link; `reference` counts a footnote's
    references from 0 (a back-link goes back to the reference it counts)."""

    number: int
    reference: int = 0


@dataclass(frozen=True)
class Target:
    """Something a cross-reference can name: a `(label)=` line's heading or cell, a `:name:`
    cell or a labelled equation. `level` is a heading's (0 for the rest)."""

    label: str
    kind: Literal["heading", "cell", "equation", "figure", "admonition"]
    line: int
    title: str  # what a {ref} without text shows
    number: int = 0  # an equation's
    level: int = 0
    parts: tuple[TextPart, ...] = ()  # a heading's text, its {value}s shown as the page shows them


@dataclass(frozen=True)
class XRef:
    """A `{ref}`, `{numref}`, `{eq}` or `{doc}` role: what it names, and its text if given."""

    role: str
    target: str  # a label, or for {doc} a post's slug or series number
    text: str  # "" when the role gives none
    line: int


@dataclass(frozen=True)
class Image:
    """A static image kept beside the post (`posts/<slug>/<path>`): `![alt](path)`, or a
    `{figure}` directive (figure=True) with its width, caption and `:name:` label."""

    path: str  # relative to the post's folder, normalized
    alt: str
    line: int
    figure: bool = False
    width: str = ""  # a figure's `:width:`: pixels ("300") or a percentage ("50%")
    caption: str = ""  # the caption's text (the page draws the caption's Markdown)
    label: str = ""
    number: int = 0  # a figure's number in its post, from 1
    align: str = ""  # left, center or right


@dataclass(frozen=True)
class Role:
    """A MyST text role: {abbr}`MSE (mean squared error)`, {sub}, {sup} or {kbd}`Ctrl+C`
    ({math} is a Math). `text` is what the page shows, `title` an {abbr}'s explanation."""

    name: str
    text: str
    title: str = ""


Payload = LessonRef | ValueRef | Math | Heading | Footnote | Target | XRef | Image | Role | None
Attribute = tuple[str, str | int | float]


@dataclass(frozen=True)
class Node:
    """One markdown-it token as plain data (the fields its HTML renderer reads), and its payload.

    Nodes are frozen, so parse shares one object between equal nodes: that keeps the parse
    memo small and quick to load on every build.
    """

    type: str
    tag: str = ""
    nesting: Literal[-1, 0, 1] = 0  # 1 opens an element, -1 closes one, 0 stands alone
    attrs: tuple[Attribute, ...] = ()
    line: int | None = None  # the 1-based file line a block starts on (none for inline nodes)
    content: str = ""
    markup: str = ""
    info: str = ""
    block: bool = False
    hidden: bool = False
    children: tuple[Node, ...] | None = None  # an `inline` node's
    payload: Payload = None

    def __getstate__(self) -> dict[str, Any]:
        """What pickling keeps: the fields that differ from their defaults (a text node is most
        of a post, and holds only its content). The rest read their class's default, as
        dataclasses keep each default on the class; this halves loading the parse memo."""
        return {name: value for name, value in self.__dict__.items() if value != _DEFAULTS[name]}

    @property
    def meta(self) -> Mapping[str, Any]:
        """The payload under the name markdown-it's plugins would give it ('ref', 'mathml'), read-only."""
        if isinstance(self.payload, Math):
            return MappingProxyType({"mathml": self.payload.mathml})
        if isinstance(self.payload, (LessonRef, ValueRef)):
            return MappingProxyType({"ref": self.payload})
        return MappingProxyType({})


_DEFAULTS = {item.name: item.default for item in fields(Node)}


@dataclass(frozen=True)
class Document:
    """A post's body: its nodes in markdown-it's order, inline nodes as the children of `inline` ones."""

    nodes: tuple[Node, ...]

    # Pickled, the nodes travel as bytes of their own and are unpickled on first use: a
    # rebuild whose pages all come from the cache loads the parsed posts but draws none.
    def __getstate__(self) -> dict[str, Any]:
        return {"packed": pickle.dumps(self.nodes, protocol=pickle.HIGHEST_PROTOCOL)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__["_packed"] = state["packed"]

    def __getattr__(self, name: str) -> Any:
        """`nodes` of a document just unpickled (only called for a name not yet set)."""
        if name != "nodes" or "_packed" not in self.__dict__:
            raise AttributeError(name)
        self.__dict__["nodes"] = pickle.loads(self.__dict__.pop("_packed"))
        return self.__dict__["nodes"]

    def payloads(self, kind: type[P]) -> Iterator[P]:
        """Every payload of type `kind`, in the order the post has them."""
        for node in self.nodes:
            if isinstance(node.payload, kind):
                yield node.payload
            for child in node.children or ():
                if isinstance(child.payload, kind):
                    yield child.payload


def targets(document: Document) -> list[Target]:
    """Every cross-reference target of the document, in order."""
    found = list(document.payloads(Target))
    found += [Target(m.label, "equation", m.line, "", m.number) for m in document.payloads(Math) if m.label]
    found += [
        Target(ref.label, "cell", ref.line, lesson_title(ref)) for ref in document.payloads(LessonRef) if ref.label
    ]
    found += [
        Target(i.label, "figure", i.line, i.caption or i.alt, i.number) for i in document.payloads(Image) if i.label
    ]
    return found


def lesson_title(ref: LessonRef) -> str:
    """A cell as a {ref} without text names it: `train.py#data`."""
    name = ref.lesson_path.rsplit("/", 1)[-1]
    return f"{name}#{ref.cell_name}" if ref.cell_name else name


# MyST's admonitions, by directive name, with the title each shows when given none.
ADMONITIONS = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "danger": "Danger",
    "seealso": "See also",
    "attention": "Attention",
    "error": "Error",
}

# A `:::{solution} Hint` block: parse's Markdown reads it, and both its render() (for tests
# and a quick look) and the render stage's pages draw it with solution_html.
SOLUTION = re.compile(r"^\{?solution\}?(\s.*)?$")


SOLUTIONS_CHOICES = ("open", "collapsed")  # site.yaml's `solutions:`: the first is the default


def solution_html(block: Any, collapsed: bool = False) -> str:
    """The HTML of a solution block's opening or closing line (a markdown-it token or a Node).

    Open (the default, as the series' author asked): a section framed and labelled by a
    heading whose id comes from the block's line, so it is unique on the page. Collapsed:
    a `<details>` the reader opens.
    """
    if block.nesting != 1:
        return "</details>\n" if collapsed else "</section>\n"
    match = SOLUTION.match(block.info.strip())
    summary = (match.group(1) or "").strip() if match else ""
    from markupsafe import escape

    label = escape(summary or "Solution")
    if collapsed:
        return f'<details class="solution">\n<summary>{label}</summary>\n'
    label_id = solution_id(block)
    return (
        f'<section class="solution" aria-labelledby="{label_id}">\n'
        f'<h3 class="solution-label" id="{label_id}">{label}</h3>\n'
    )


def solution_id(block: Any) -> str:
    """The id of an open solution's heading: from the line its block opens on (one a line)."""
    line = block.line if isinstance(block, Node) else (block.map[0] + 1 if block.map else None)
    return f"solution-{line or 0}"
