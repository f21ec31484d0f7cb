"""Rich display in lessons: display(obj) and a value's richest form (_repr_html_, _repr_svg_,
_repr_png_, _repr_markdown_, _repr_latex_), sanitized on the page and kept in the notebook."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import nbformat
import pytest

from .conftest import post
from .safety import built

LESSON = '''"""Rich values."""
import base64

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mP4z8AAAAMBAQAY3Y20AAAAAElFTkSuQmCC"
)


class Table:
    def _repr_html_(self) -> str:
        return "<table><tr><th>loss</th><td>0.25</td></tr></table>"

    def __repr__(self) -> str:
        return "Table(loss=0.25)"


class Svg:
    def _repr_svg_(self) -> str:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


class Png:
    def _repr_png_(self) -> bytes:
        return PNG


class Notes:
    def _repr_markdown_(self) -> str:
        return "**bold** and [a link](https://example.com)"


class Formula:
    def _repr_latex_(self) -> str:
        return "$x^2 + 1$"


class Evil:
    def _repr_html_(self) -> str:
        return PAYLOAD


PAYLOAD = __PAYLOAD__

# %% table
Table()

# %% shown
display(Svg(), Png())
display(42)
Notes()

# %% formula
Formula()

# %% evil
Evil()
'''
PAYLOADS = [
    '<script>alert(1)</script><b>x</b>',
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<svg><script>alert(1)</script></svg>',
    '<iframe src="https://example.com"></iframe>',
    '<div style="background:url(javascript:alert(1))" onclick="alert(1)">y</div>',
    '<form action="https://evil.example"><input name=q></form>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
]


def _build(tmp_path: Path, payload: str) -> tuple[str, Path]:
    lesson = LESSON.replace("__PAYLOAD__", repr(payload))
    case = built(tmp_path, {"posts/p.md": post("P", body="```{lesson} l.py\n:show: output\n```"), "lessons/p/l.py": lesson})
    return (case.out / "posts/p/index.html").read_text(), case.out


def test_rich_values_are_shown_in_their_rich_form(tmp_path: Path) -> None:
    html, out = _build(tmp_path, "<b>plain</b>")
    assert "<table><tbody><tr><th>loss</th><td>0.25</td></tr></tbody></table>" in html
    assert "Table(loss=0.25)" not in html  # shown as the table, not as its repr
    assert re.search(r'<img class="cell-svg" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="', html)
    assert '<img src="data:image/png;base64,iVBORw0KGgo' in html
    assert "<strong>bold</strong>" in html and 'href="https://example.com"' in html
    assert "<pre tabindex=\"0\">42\n" in html or "42" in re.sub(r"<[^>]+>", "", html)  # printed, as IPython shows it
    formula = html.split('<div class="math-display" tabindex="0">', 1)[1]
    assert formula.startswith("<math") and "<msup><mi>x</mi><mn>2</mn></msup>" in formula
    notebook = nbformat.read(out / "posts/p/l.ipynb", as_version=4)
    nbformat.validate(notebook)
    mimes = {m for cell in notebook.cells for o in cell.get("outputs", []) for m in o.get("data", {})}
    assert {"text/html", "image/svg+xml", "image/png", "text/markdown", "text/latex", "text/plain"} <= mimes
    png = next(o.data["image/png"] for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    assert base64.b64decode(png).startswith(b"\x89PNG")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_from_a_lesson_cannot_run_script(tmp_path: Path, payload: str) -> None:
    html, _ = _build(tmp_path, payload)
    body = html.split('<div class="post-body">', 1)[1].split('<aside class="downloads"', 1)[0]
    assert body.count('<div class="cell-display"') == 6, "a value was not shown"  # the evil one too
    lowered = body.lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<form", "<input", "xlink:href", "style="):
        assert bad not in lowered, (bad, body)
