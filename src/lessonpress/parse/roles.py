"""MyST's text roles: {math}`x^2` (inline math, as `$x^2$`), {abbr}`MSE (mean squared error)`,
{sub}`2`, {sup}`2` and {kbd}`Ctrl+C`. They hold text only: nothing they name is looked up, and
only {math} can be wrong (its LaTeX, reported at its line as `$...$` is)."""

from __future__ import annotations

import re
from typing import Any

from ..document import Math, Role
from ..store import TextMemo
from .math import to_mathml

TEXT_ROLES = ("math", "abbr", "sub", "sup", "kbd")
# `MSE (mean squared error)`: the text, then its explanation in the last parentheses.
_ABBR = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$", re.DOTALL)


def parse_text_role(src_path: str, token: Any, line: int, formulas: TextMemo | None) -> Math | Role:
    """Read one of TEXT_ROLES: {math} as its checked MathML, the others as their text."""
    name, content = token.meta.get("name", ""), token.content
    if name == "math":
        return Math(to_mathml(content, src_path, line, False, formulas), False, line)
    match = _ABBR.match(content.strip()) if name == "abbr" else None
    if match and match.group(1):  # `(only)`, with no text before it, is all text
        return Role(name, match.group(1), match.group(2).strip())
    return Role(name, content.strip() if name == "abbr" else content)
