"""How each of lessonpress's own nodes is drawn: code, lesson cells, {value}s, math, solutions,
MyST's text roles, footnotes, and MyST's comments and block breaks (which the page does not show)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from ..store import TextMemo
from ..document import Footnote, Image, LessonRef, Math, Node, Role, Target, ValueRef, XRef, solution_html
from ..model import CONTROL_CHARACTERS, CellResult, Lesson, LessonResult, lesson_name
from ..values import value_text
from .rich import display_html
from .media import figcaption_html, figure_html, image_html
from .refs import Resolved, equation_html, target_html, xref_html

if TYPE_CHECKING:
    import jinja2

FigureKey = tuple[str, str, int]  # lesson path, cell name, figure number in the cell

# Nodes drawn the same on every page. Footnote ids hold a ':', which no heading id has.
_FIXED_BLOCKS = {
    "myst_line_comment": "",
    "myst_block_break": "",
    "footnote_block_open": '<section class="footnotes" aria-label="Footnotes">\n<ol class="footnotes-list">\n',
    "footnote_block_close": "</ol>\n</section>\n",
    "footnote_close": "</li>\n",
    "figcaption_close": "</figcaption>\n",
    "figure_close": "</figure>\n",
}


@dataclass(frozen=True)
class Drawing:
    """What drawing one post's nodes needs."""

    results: dict[str, LessonResult]
    lessons: dict[str, Lesson]
    cell_template: jinja2.Template
    downloads: dict[str, str]  # lesson path -> script name beside the page (ParsedPost.download_names)
    figure_names: dict[FigureKey, str]  # the file name of each figure the post shows
    highlights: TextMemo | None = None
    solutions: str = "open"  # site.yaml's `solutions:`: open (framed, labelled) or collapsed
    refs: dict[XRef, Resolved] = field(default_factory=dict)  # the post's cross-references


def draw_block(node: Node, drawing: Drawing) -> str | None:
    """The HTML of a block node lessonpress draws itself, or None for CommonMark's own."""
    if isinstance(node.payload, Image):
        return figure_html(node.payload)
    if node.type == "figcaption_open":
        return figcaption_html(node.info)
    if node.type in ("fence", "code_block"):
        if isinstance(node.payload, LessonRef):
            anchor = target_html(Target(node.payload.label, "cell", 0, "")) if node.payload.label else ""
            return anchor + render_lesson_ref(drawing, node.payload)
        language = node.info.strip().split()[0] if node.info.strip() else ""
        return f'<div class="code-block">{highlight(node.content, language, drawing.highlights)}</div>\n'
    if node.type in ("math_block", "math_block_label") and isinstance(node.payload, Math):
        return equation_html(node.payload)
    if isinstance(node.payload, Target):
        return target_html(node.payload)
    if node.type in ("container_solution_open", "container_solution_close"):
        return solution_html(node, collapsed=drawing.solutions == "collapsed")
    if isinstance(node.payload, Footnote):
        return _footnote_html(node.type, node.payload)
    return _FIXED_BLOCKS.get(node.type)


def draw_inline(node: Node, drawing: Drawing) -> str | None:
    """The HTML of an inline node lessonpress draws itself, or None for CommonMark's own."""
    if isinstance(node.payload, XRef):
        return xref_html(node.payload, drawing.refs.get(node.payload))
    if isinstance(node.payload, Image):
        return image_html(node.payload)
    if isinstance(node.payload, ValueRef):
        return f'<span class="lesson-value">{escape(value_text(node.payload, drawing.results))}</span>'
    if isinstance(node.payload, Math):
        return node.payload.mathml
    if isinstance(node.payload, Role):
        return role_html(node.payload)
    if isinstance(node.payload, Footnote):
        return _footnote_html(node.type, node.payload)
    return None


def role_html(role: Role) -> str:
    """A MyST text role: `<abbr title="...">`, `<sub>`, `<sup>` or `<kbd>` around its text."""
    title = f' title="{escape(role.title)}"' if role.title else ""
    return f"<{role.name}{title}>{escape(role.text)}</{role.name}>"


def _footnote_html(kind: str, note: Footnote) -> str:
    """A footnote's reference (`[1]`), the opening of its definition, or its back-link."""
    ref_id = f"fnref:{note.number}" + (f":{note.reference + 1}" if note.reference else "")
    if kind == "footnote_ref":
        # The id is on the <sup>: the link check reads the ids of elements other than links.
        link = f'<a href="#fn:{note.number}">[{note.number}]</a>'
        return f'<sup class="footnote-ref" id="{ref_id}">{link}</sup>'
    if kind == "footnote_open":
        return f'<li id="fn:{note.number}" class="footnote-item">'
    label = f"Back to reference {note.number}" + (f" ({note.reference + 1})" if note.reference else "")
    return f' <a href="#{ref_id}" class="footnote-backref" aria-label="{label}">\u21a9\ufe0e</a>'


def highlight(code: str, language: str, memo: TextMemo | None = None) -> str:
    """Static syntax highlighting with Pygments (no JavaScript), remembered across builds."""
    if memo is not None:
        return memo.get(f"{language}\n{code}", lambda: highlight(code, language))
    from pygments import highlight as pygments_highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    html = pygments_highlight(code, lexer, HtmlFormatter(cssclass="highlight", wrapcode=True))
    return html.replace("<pre>", '<pre tabindex="0">', 1)  # a scrolling box must take keyboard focus


def shown_cells(ref: LessonRef, result: LessonResult) -> list[CellResult]:
    """The cells a {lesson} directive shows: the one it names (if it ran), or all of them."""
    if ref.cell_name is None:
        return list(result.cells)
    cell = result.cell(ref.cell_name)
    return [cell] if cell else []


def render_lesson_ref(drawing: Drawing, ref: LessonRef) -> str:
    """A cell (or whole script): highlighted code, then output, value, figures, error."""
    cells = shown_cells(ref, drawing.results[ref.lesson_path])
    source = drawing.lessons[ref.lesson_path]
    code = source.source if ref.cell_name is None else source.cell(ref.cell_name).source  # type: ignore[union-attr]
    return drawing.cell_template.render(
        ref=ref,
        lesson=lesson_name(ref.lesson_path),
        download=drawing.downloads[ref.lesson_path],  # the script is published beside the page
        cell_name=ref.cell_name,
        folded=ref.show == "folded",  # the code under a <details>, the output in view
        code=Markup(highlight(code.strip("\n") + "\n", "python", drawing.highlights))
        if ref.show != "output"
        else None,
        outputs=_outputs(cells) if ref.show != "code" else [],
        figures=_figures(drawing, ref, cells) if ref.show != "code" else [],
    )


def _figures(drawing: Drawing, ref: LessonRef, cells: list[CellResult]) -> list[dict[str, Any]]:
    figures = [
        (drawing.figure_names[(ref.lesson_path, cell.name, number)], figure)
        for cell in cells
        for number, figure in enumerate(cell.figures, start=1)
    ]
    return [
        {
            "src": name,
            "width": fig.width,
            "height": fig.height,
            # From the post or the figure's own labels: either may hold control characters.
            "alt": CONTROL_CHARACTERS.sub("", _pick(ref.alts, i, fig.alt)),
            "caption": CONTROL_CHARACTERS.sub("", _pick(ref.captions, i, "")),
        }
        for i, (name, fig) in enumerate(figures)
    ]


def _outputs(cells: list[CellResult]) -> list[dict[str, Any]]:
    outputs = []
    for cell in cells:
        if cell.output:
            outputs.append(
                {"kind": "output", "text": cell.output.rstrip("\n"), "truncated": cell.output_truncated, "html": None}
            )
        if cell.display is not None:
            outputs.append({"kind": "display", "text": cell.display, "truncated": False, "html": None})
        for shown in cell.displays:  # display() calls, and a value shown in its rich form
            outputs.append({"kind": "display", "text": shown.text, "html": display_html(shown), "truncated": False})
        if cell.error is not None:
            outputs.append({"kind": "error", "text": cell.error.traceback.rstrip("\n"), "truncated": False, "html": None})
    return outputs


def _pick(values: tuple[str, ...], index: int, default: str) -> str:
    return values[index] if index < len(values) else default
