"""Rich display in a lesson, as in Jupyter: `display(obj)`, and a value's richest form.

A value (or a displayed object) shows the first of `_repr_html_`, `_repr_svg_`, `_repr_png_`,
`_repr_markdown_`, `_repr_latex_` its class defines (IPython's order); the render stage
sanitizes HTML and SVG before a page shows them. Looked up on the class, so that an object
answering every attribute (a mock) does not pass for a table.
"""

from __future__ import annotations

import base64
import builtins
from typing import Any

from ..model import Display

_FORMS = (
    ("text/html", "_repr_html_"),
    ("image/svg+xml", "_repr_svg_"),
    ("image/png", "_repr_png_"),
    ("text/markdown", "_repr_markdown_"),
    ("text/latex", "_repr_latex_"),
)


def rich_form(value: Any, text: str) -> Display | None:
    """`value` in its richest form, with `text` (its repr) to fall back on; None if it has none."""
    for mime, method in _FORMS:
        if getattr(type(value), method, None) is None:
            continue
        try:
            data = getattr(value, method)()
        except Exception:  # a broken _repr_*_: IPython, too, falls back to the next form
            continue
        if isinstance(data, tuple) and data:  # (data, metadata)
            data = data[0]
        if mime == "image/png" and isinstance(data, bytes):
            data = base64.b64encode(data).decode("ascii")
        if mime == "text/latex" and isinstance(data, str):
            mathml = _mathml(data)
            if mathml:
                return Display(mime, data, text, mathml)
            continue
        if isinstance(data, str) and data.strip():
            return Display(mime, data, text)
    return None


def _mathml(latex: str) -> str:
    """`$x$` or `$$x$$` (or bare LaTeX) as MathML, checked as a post's math is; "" if it fails."""
    from ..errors import ContentError
    from ..parse.math import to_mathml

    formula = latex.strip()
    block = formula.startswith("$$") and formula.endswith("$$") and len(formula) > 4
    formula = formula.strip("$").strip()
    try:
        return to_mathml(formula, "display", 1, block) if formula else ""
    except ContentError:
        return ""


class Displays:
    """The `display` a lesson calls (set as a builtin, as Jupyter does), and what it showed
    in the current cell."""

    def __init__(self) -> None:
        self.shown: list[Display] = []
        builtins.display = self  # type: ignore[attr-defined]

    def __call__(self, *objects: Any, **options: Any) -> None:
        """Show each object in its richest form; one without a rich form prints its repr."""
        for value in objects:
            text = repr(value)
            form = rich_form(value, text)
            if form is None:
                print(text)
            else:
                self.shown.append(form)

    def take(self) -> tuple[Display, ...]:
        """What the cell displayed, and a fresh start for the next cell."""
        shown, self.shown = tuple(self.shown), []
        return shown
