"""MyST's text roles through the CLI: {math}, {abbr}, {sub}, {sup} and {kbd} build into the
HTML MyST documents, escaped, wherever {value} works (prose, headings and their ids and
table of contents, lists, tables, admonition titles, solutions, quiz options); a {math}
with bad LaTeX and an unknown role are located errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import post
from .safety import Built, built, misuse_fails

BODY = r"""## The {abbr}`MSE (mean squared error)` of {math}`x^2` and H{sub}`2`O

Prose: {abbr}`MSE (mean squared error)`, {abbr}`CPU`, {sub}`2`, {sup}`2`, {kbd}`Ctrl+C`,
{math}`x^2` and $x^2$.

Escaped: {kbd}`<b>&` {sub}`<i>` {sup}`"q"` {abbr}`<A> (a "b" <c>)`.

- In a list: {kbd}`Esc`

| role | shown |
|------|-------|
| sup | {sup}`10` |

:::{note} Press {kbd}`Ctrl+S`
Body.
:::

:::{solution}
Use {abbr}`SGD (stochastic gradient descent)`.
:::

:::{quiz} Check
1. Which key copies?
   - [x] {kbd}`Ctrl+C`
   - [ ] {kbd}`Ctrl+V`
:::
"""
FILES: dict[str, str | bytes] = {"posts/p.md": post("P", body=BODY)}
PAGE = "posts/p/index.html"
MATHML = (
    '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">'
    "<mrow><msup><mi>x</mi><mn>2</mn></msup></mrow></math>"
)


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return built(tmp_path_factory.mktemp("roles"), FILES)


@pytest.fixture(scope="module")
def html(case: Built) -> str:
    return (case.out / PAGE).read_text(encoding="utf-8")


def test_each_role_draws_its_element_in_prose(html: str) -> None:
    prose = re.search(r"<p>Prose: (.*?)</p>", html, re.DOTALL)
    assert prose is not None, html
    assert prose.group(1) == (
        '<abbr title="mean squared error">MSE</abbr>, <abbr>CPU</abbr>, <sub>2</sub>, <sup>2</sup>, '
        f"<kbd>Ctrl+C</kbd>,\n{MATHML} and {MATHML}."
    )


def test_role_content_is_escaped(html: str) -> None:
    assert (
        "<kbd>&lt;b&gt;&amp;</kbd> <sub>&lt;i&gt;</sub> <sup>&#34;q&#34;</sup> "
        '<abbr title="a &#34;b&#34; &lt;c&gt;">&lt;A&gt;</abbr>' in html
    )
    assert "<b>&" not in html and "<i>" not in html


def test_roles_work_in_lists_tables_admonition_titles_solutions_and_quizzes(html: str) -> None:
    assert "<li>In a list: <kbd>Esc</kbd></li>" in html
    assert "<td><sup>10</sup></td>" in html
    assert '<p class="admonition-title">Press <kbd>Ctrl+S</kbd></p>' in html
    assert 'Use <abbr title="stochastic gradient descent">SGD</abbr>.' in html
    assert html.count("<kbd>Ctrl+C</kbd>") >= 2 and "<kbd>Ctrl+V</kbd>" in html  # prose and the quiz
    assert "{kbd}" not in html and "{abbr}" not in html and "{math}" not in html


def test_a_heading_takes_its_id_and_contents_entry_from_the_roles_text(html: str) -> None:
    # As for `$x^2$`, the formula is left out of the id and its LaTeX is in the contents.
    heading = (
        '<h2 id="the-mse-of--and-h2o">The <abbr title="mean squared error">MSE</abbr> of '
        f"{MATHML} and H<sub>2</sub>O "
    )
    assert heading in html
    assert '<a href="#the-mse-of--and-h2o">The MSE of x^2 and H2O</a>' in html


def test_math_role_and_dollar_math_give_the_same_heading(case: Built, tmp_path: Path) -> None:
    dollar = built(tmp_path / "dollar", {"posts/p.md": post("P", body="## Loss $x^2$ here\n")})
    role = built(tmp_path / "role", {"posts/p.md": post("P", body="## Loss {math}`x^2` here\n")})
    assert (dollar.out / PAGE).read_bytes() == (role.out / PAGE).read_bytes()


MISUSES = [
    ("Text.\n\nThen {math}`\\frac{1`.", 9, "cannot render math"),
    ("## A {math}`\\nope{x}`", 7, "cannot render math"),
    (
        "A {term}`x`.",
        7,
        "unknown role {term}; lessonpress knows {value}, {ref}, {numref}, {eq}, {doc}, "
        "{math}, {abbr}, {sub}, {sup}, {kbd}",
    ),
]


@pytest.mark.parametrize("body, line, message", MISUSES)
def test_bad_latex_and_an_unknown_role_are_located_errors(
    case: Built, tmp_path: Path, body: str, line: int, message: str
) -> None:
    stderr = misuse_fails(case, tmp_path / "copy", "posts/p.md", post("P", body=body))
    assert f"posts/p.md:{line}: error: {message}" in stderr, stderr
