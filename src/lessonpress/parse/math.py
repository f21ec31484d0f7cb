"""LaTeX to MathML at parse time, checked so that a page never shows a broken formula."""

from __future__ import annotations

import re
from typing import Any

from ..store import TextMemo
from ..errors import ContentError


def to_mathml(latex: str, src_path: str, line: int, display: bool, formulas: TextMemo | None = None) -> str:
    """LaTeX to MathML at build time, so pages need no JavaScript for math.

    Only formulas that pass every check are remembered in `formulas`, so a remembered one
    is used as it is.
    """
    mode = "block" if display else "inline"
    formula = latex.strip()

    def convert() -> str:
        try:
            return _checked_mathml(formula, mode)
        except _BadFormula as exc:
            raise ContentError.at(src_path, line, f"cannot render math ${formula}$: {exc}") from None

    return formulas.get(f"{mode}:{formula}", convert) if formulas else convert()


class _BadFormula(ValueError):
    """Why a formula cannot be shown."""


class _UnsafeLink(_BadFormula):
    """A `\\href` to a URL that no page may link to."""


def _checked_mathml(formula: str, mode: str) -> str:
    """The MathML of `formula`, checked: raises _BadFormula saying what is wrong with it."""
    if "{value}`" in formula:
        raise _BadFormula("a {value} role is not read inside math; put it in the prose next to the formula")
    brace = _unbalanced_brace(formula)
    if brace:
        raise _BadFormula(brace)
    try:
        mathml = _escaped_mathml(formula, mode)
    except _UnsafeLink:
        raise
    except Exception as exc:  # latex2mathml raises many exception types for bad input
        reason = _MATH_ERRORS.get(type(exc).__name__, type(exc).__name__)
        raise _BadFormula(f"{reason} ({exc})" if str(exc) else reason) from None
    unknown = _UNKNOWN_COMMAND.search(mathml)
    if unknown:
        raise _BadFormula(
            f"unknown command {unknown.group(1)} (a typo, or a command latex2mathml does not support)"
        )
    incomplete = _missing_part(mathml)
    if incomplete:
        raise _BadFormula(incomplete)
    return mathml


_ESCAPED_REFERENCE = re.compile(r"&amp;(#x[0-9A-Fa-f]+|#[0-9]+);")


def _escaped_mathml(formula: str, mode: str) -> str:
    """latex2mathml's MathML, with the formula's own text escaped.

    latex2mathml serializes its element tree and then unescapes the whole string, to let
    through the character references it writes itself (`&#x000A0;`); that also unescapes
    the author's text, so `\\text{a < b}` or `\\text{</math><script>...}` went into the page
    as markup. Only those character references are let through here.
    """
    from xml.etree.ElementTree import tostring

    from latex2mathml.converter import convert_to_element

    element = convert_to_element(formula, display=mode)
    _make_safe(element)
    _group_bases(element)
    return _ESCAPED_REFERENCE.sub(r"&\1;", tostring(element, encoding="unicode"))


def _make_safe(element: Any) -> None:
    """Drop the CSS of `\\style{css}{x}` (a formula must not restyle or cover the page around
    it; `x` stays) and refuse a `\\href` to a URL that prose links may not have either:
    markdown-it's check, which refuses javascript:, vbscript:, file: and data: URLs."""
    from markdown_it.common.normalize_url import normalizeLink, validateLink

    for node in element.iter():
        node.attrib.pop("style", None)
        href = node.get("href")
        if href is None:
            continue
        url = normalizeLink(href)
        # `&#...;` in the URL would be a character again in the page (see _escaped_mathml).
        if "&#" in url or not validateLink(url):
            raise _UnsafeLink(
                f"\\href{{{href}}} is not a link a page may hold: use an http(s), mailto or relative "
                "URL (javascript:, vbscript:, file: and data: URLs are refused, as in prose)"
            )
        node.set("href", url)


def _group_bases(element: Any) -> None:
    """Wrap a script's base in one <mrow> where latex2mathml left it as several children:
    `\\begin{bmatrix}...\\end{bmatrix}^\\top` comes out as <msup> with the bracket, the table
    and the other bracket as three bases, which MathML forbids (the Nu checker refuses it)."""
    from xml.etree.ElementTree import Element

    for node in list(element.iter()):
        children = list(node)
        extra = len(children) - _PARTS.get(node.tag, len(children))
        if extra <= 0:
            continue
        row = Element("mrow")
        for child in children[: extra + 1]:
            node.remove(child)
            row.append(child)
        node.insert(0, row)


def _unbalanced_brace(latex: str) -> str | None:
    """Why the braces of `latex` do not pair up, or None (latex2mathml silently accepts `{x`)."""
    depth = 0
    escaped = False
    for char in latex:
        if escaped:  # \{ and \} are literal braces, \\ a line break
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return "a '}' has no matching '{'"
    return "a '{' is never closed" if depth else None


# MathML elements with a fixed number of children; latex2mathml writes `\\frac{1}` as an
# <mfrac> with one, which browsers draw as garbage.
_PARTS = {
    "mfrac": 2,
    "msub": 2,
    "msup": 2,
    "msubsup": 3,
    "mroot": 2,
    "munder": 2,
    "mover": 2,
    "munderover": 3,
}
_ELEMENT = re.compile(r"<(/?)(\w+)[^>]*?(/?)>")


def _missing_part(mathml: str) -> str | None:
    """What is missing when an element of `mathml` has fewer children than it must, or None."""
    stack: list[list[Any]] = []  # [name, children so far]
    for match in _ELEMENT.finditer(mathml):
        closing, name, empty = match.group(1), match.group(2), match.group(3)
        if closing:
            done = stack.pop()
            if done[1] < _PARTS.get(done[0], 0):
                if done[0] == "mfrac":
                    return "\\frac needs two arguments, a numerator and a denominator"
                return "it ends too early (a command is missing an argument)"
            continue
        if stack:
            stack[-1][1] += 1
        if not empty:
            stack.append([name, 0])
    return None


# latex2mathml's exceptions carry no message: say what each one means.
_MATH_ERRORS = {
    "NoAvailableTokensError": "it ends too early (a command is missing an argument, or a '}')",
    "NumeratorNotFoundError": "\\frac has no numerator",
    "DenominatorNotFoundError": "\\frac has no denominator",
    "MissingSuperScriptOrSubscriptError": "^ or _ has nothing after it",
    "DoubleSuperscriptsError": "two superscripts in a row (write x^{ab}, or {x^a}^b)",
    "DoubleSubscriptsError": "two subscripts in a row (write x_{ab}, or {x_a}_b)",
    "ExtraLeftOrMissingRightError": "a \\left has no matching \\right",
    "MissingEndError": "a \\begin{...} has no matching \\end{...}",
    "InvalidAlignmentError": "an array's column alignment is not l, c or r",
    "InvalidWidthError": "a width is not a TeX length",
    "InvalidStyleForGenfracError": "\\genfrac has an invalid style",
    "LimitsMustFollowMathOperatorError": "\\limits must follow an operator such as \\sum",
}
# latex2mathml writes a command it does not know as the element's text: <mi>\alpah</mi>
_UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")
