"""A post's document drawn as HTML: its nodes as markdown-it tokens, lessonpress's own drawn
by rules.py, the rest by markdown-it's HTML renderer (a library here: nothing is parsed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..document import Document, Node
from .headings import SECTION_LEVELS
from .rules import Drawing, draw_block, draw_inline


def body_html(document: Document, ids: list[str], drawing: Drawing) -> str:
    """The post's HTML; each h2 and h3 gets its id from `ids` (heading_ids) and a '#' permalink."""
    from markdown_it.presets import commonmark
    from markdown_it.renderer import RendererHTML
    from markdown_it.utils import OptionsDict

    options = OptionsDict({**commonmark.make()["options"], "html": True, "typographer": False})
    return RendererHTML().render(list(_tokens(document.nodes, iter(ids), drawing)), options, {})


def _tokens(nodes: tuple[Node, ...], ids: Iterator[str], drawing: Drawing) -> Iterator[Any]:
    section_id = None  # the id of the section heading being opened, until its text is drawn
    for node in nodes:
        if node.type == "heading_open" and int(node.tag[1:]) in SECTION_LEVELS:
            section_id = next(ids)
            yield _token(node, attrs={**dict(node.attrs), "id": section_id})
        elif node.type == "inline":
            children = [_inline_token(child, drawing) for child in node.children or ()]
            if section_id is not None:
                children.extend(_permalink(section_id))
                section_id = None
            yield _token(node, children=children)
        else:
            html = draw_block(node, drawing)
            yield _token(node) if html is None else _html("html_block", html, node)


def _inline_token(node: Node, drawing: Drawing) -> Any:
    html = draw_inline(node, drawing)
    return _token(node) if html is None else _html("html_inline", html, node)


def _permalink(section_id: str) -> list[Any]:
    """' #' after a section heading's text, linking to it; kept out of the search index's headings.

    This is the anchors plugin's link. Its ids come from heading_ids, here at render time:
    they depend on the templates' ids and on {value} results (and the plugin de-duplicated
    them in quadratic time).
    """
    from markdown_it.token import Token

    link = Token("link_open", "a", 1)
    link.attrs = {"class": "header-anchor", "href": f"#{section_id}", "data-pagefind-ignore": ""}
    return [
        Token("text", "", 0, content=" "),
        link,
        Token("html_block", "", 0, content="#"),
        Token("link_close", "a", -1),
    ]


def _html(kind: str, html: str, node: Node) -> Any:
    """A node drawn by lessonpress, as raw HTML in its place (same block and hidden flags)."""
    from markdown_it.token import Token

    return Token(kind, "", 0, content=html, block=node.block, hidden=node.hidden)


def _token(node: Node, attrs: dict[str, Any] | None = None, children: list[Any] | None = None) -> Any:
    """The markdown-it token of `node` (its own attributes and children unless given)."""
    from markdown_it.token import Token

    if children is None and node.children is not None:
        children = [_token(child) for child in node.children]
    return Token(
        node.type,
        node.tag,
        node.nesting,
        attrs=dict(node.attrs) if attrs is None else attrs,
        content=node.content,
        markup=node.markup,
        info=node.info,
        block=node.block,
        hidden=node.hidden,
        children=children,
    )
