"""MyST's block directives as MyST and Jupyter Book users write them: pages from
tests/myst_pages/ build unchanged, and each misuse of a directive's options is a located error.

{admonition} with a title, admonition options (`:class:`, `:name:`, dropdowns), {dropdown},
{math} with `:label:`, {code-block}, {image}, {figure} (numbered, its caption Markdown) and
MyST's YAML option blocks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import post
from .safety import Built, build_args, built, cli, copy_built, fails_safely, misuse_fails
from .test_myst import nu_errors

PAGES = Path(__file__).parent / "myst_pages"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8cfc000000301010018dd8db40000000049454e44ae426082"
)


def _files() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"site.yaml": "title: MyST pages\nbase_url: /\n"}
    for page in PAGES.glob("*.md"):
        if page.name != "README.md":
            files[f"posts/{page.name}"] = page.read_text(encoding="utf-8")
            files[f"posts/{page.stem}/bowl.png"] = PNG
    return files


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return built(tmp_path_factory.mktemp("myst-pages"), _files())


def page(case: Built, slug: str) -> str:
    return (case.out / "posts" / slug / "index.html").read_text(encoding="utf-8")


def test_a_jupyter_book_page_builds_unchanged(case: Built) -> None:
    html = page(case, "gradient-descent-notes")
    # {math} with :label:, numbered and named by {eq}
    assert re.search(r'<div class="math-display numbered" tabindex="0" id="gd-update">.*\(1\)</span></div>', html)
    assert '<a class="xref xref-eq" href="#gd-update">(1)</a>' in html
    # {figure} with a YAML option block: numbered, its caption Markdown, named by {numref}
    assert '<figure class="post-figure align-center" id="fig-bowl"><img src="bowl.png" alt="A bowl-shaped' in html
    assert '<span class="caption-number">Figure 1.</span> A <strong>bowl</strong>: every step' in html
    assert '<a class="xref xref-numref" href="#fig-bowl">Fig. 1</a>' in html
    assert '<a class="xref xref-numref" href="#fig-bowl">Figure 1</a>' in html
    # :class: dropdown, a generic admonition styled by its class, a :name: label
    assert '<details class="admonition admonition-note dropdown">\n<summary class="admonition-title">Note' in html
    assert '<div class="admonition admonition-tip" role="note" aria-label="Tip">' in html
    assert '<p class="admonition-title">Why the minus sign?</p>' in html
    assert '<div class="target" id="imp-scale"></div>' in html
    assert '<a class="xref xref-ref" href="#imp-scale">Important</a>' in html
    # {code-block}: highlighted Python, its options not shown as text
    assert '<span class="n">theta</span> <span class="o">=</span>' in html
    assert ":linenos:" not in html and ":class:" not in html and "name: fig-bowl" not in html
    # {image}, and MyST's roles, deflists, footnotes, comments and breaks
    assert '<p class="post-image"><img src="bowl.png" alt="The same bowl, small" width="120"></p>' in html
    assert '<abbr title="stochastic gradient descent">SGD</abbr>' in html and "<kbd>Ctrl+C</kbd>" in html
    assert "<dt>Learning rate</dt>" in html and 'id="fn:1"' in html
    assert "TODO" not in html and "part" not in html


def test_a_hugo_page_with_colon_fences_builds_unchanged(case: Built) -> None:
    html = page(case, "toml-and-colon")
    assert '<span class="caption-number">Figure 1.</span> The bowl again, with <math' in html
    assert '<details class="admonition admonition-note dropdown" open="">' in html
    assert html.count('class="admonition admonition-hint"') == 1
    assert '<a class="xref xref-numref" href="#colon-bowl">Fig. 1</a>' in html
    assert '<a class="xref xref-eq" href="#pythagoras">(1)</a>' in html
    assert html.count('<div class="math-display" tabindex="0">') == 1  # the unlabelled {math}


@pytest.mark.parametrize("slug", ["gradient-descent-notes", "toml-and-colon"])
def test_the_myst_pages_pass_the_nu_html_checker(case: Built, slug: str) -> None:
    assert nu_errors(case.out / "posts" / slug / "index.html") == ""


def test_option_lines_in_a_code_block_are_left_as_written(tmp_path: Path) -> None:
    body = "````markdown\n```{note}\n:class: dropdown\nx\n```\n````\n\n```{note}\n:class: dropdown\nHidden.\n```\n"
    case = built(tmp_path, {"posts/p.md": post("P", body=body)})
    html = page(case, "p")
    shown = re.sub(r"<[^>]+>", "", html.split('<div class="code-block">', 1)[1].split("</pre>", 1)[0])
    assert shown == "```{note}\n:class: dropdown\nx\n```\n"
    assert html.count("<details class=\"admonition") == 1


MISUSES = [
    ("```{note}\n:klass: tip\nx\n```", 8, "unknown option :klass: for an admonition; known: :class:, :name:"),
    (":::{tip}\n:class: a.b\nx\n:::", 8, ":class: takes names of letters, digits"),
    (":::{tip}\n:name: no way\nx\n:::", 8, "'no way' is not a label"),
    ("```{admonition}\nx\n```", 7, "{admonition} needs a title"),
    ("```{math}\n:lable: e\nx\n```", 8, "unknown option :lable: for {math}; known: :label:"),
    ("```{code-block} python\n:line-nos:\nx\n```", 8, "unknown option :line-nos: for {code-block}"),
    ("```{figure} bowl.png\n:alt: a\n:align: middle\n```", 9, ":align: is one of left, center, right"),
    ("```{figure} bowl.png\n:alt: a\n:wdth: 3\n```", 9, "unknown option :wdth: for {figure}"),
    ("```{image} bowl.png\n```", 7, "{image} bowl.png has no alt text"),
    ("```{image}\n:alt: a\n```", 7, "{image} needs a file name"),
    ("(n)=\n:::{note}\nx\n:::\n\n{numref}`n`", 12, "{numref}`n` needs a numbered equation or {figure}, but it labels an admonition"),
]


@pytest.mark.parametrize("body, line, message", MISUSES)
def test_each_directive_misuse_is_a_located_error(
    case: Built, tmp_path: Path, body: str, line: int, message: str
) -> None:
    stderr = misuse_fails(case, tmp_path / "copy", "posts/gradient-descent-notes.md", post("P", body=body))
    assert f"posts/gradient-descent-notes.md:{line}: error: {message}" in stderr, stderr


def test_check_lists_every_directive_misuse_at_once(case: Built, tmp_path: Path) -> None:
    copy = copy_built(case, tmp_path / "copy")
    body = "\n\n".join(b for b, _, _ in MISUSES[:8])
    (copy.root / "posts/gradient-descent-notes.md").write_text(post("P", body=body), encoding="utf-8")
    result = cli("check", "--root", str(copy.root))
    assert result.returncode == 1
    assert result.stderr.count("posts/gradient-descent-notes.md:") >= 8, result.stderr


def test_a_ref_to_a_heading_shows_its_values_as_the_page_does(tmp_path: Path) -> None:
    body = "(h-val)=\n## Loss is {value}`l.py:x:.2f` now\n\nSee {ref}`h-val`."
    case = built(tmp_path, {"posts/p.md": post("P", body=body), "lessons/p/l.py": "# %% a\nx = 1.5\n"})
    assert '<a class="xref xref-ref" href="#h-val">Loss is 1.50 now</a>' in page(case, "p")


OTHER_MISUSES = [
    ("See {doc}`d`.", 7, "{doc}`d` names posts/d.md, a draft (`draft: true`) that build does not publish"),
    ("See {ref}`in-draft`.", 7, "{ref}`in-draft` names posts/d.md, a draft"),
    ("(main)=\n## Main", 7, "label 'main' is an id the page itself uses"),
    ("(fn:1)=\n## Notes", 7, "label 'fn:1' is an id the page itself uses"),
    ("Text.\n\n[^lost]: Never cited.", 9, "footnote [^lost] is defined but never cited"),
]


@pytest.mark.parametrize("body, line, message", OTHER_MISUSES)
def test_references_to_drafts_clashing_labels_and_lost_footnotes_are_errors(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    draft = post("D", body="(in-draft)=\n## Draft heading", extra="draft: true")
    case = built(tmp_path, {"posts/p.md": post("P", body="Hello."), "posts/d.md": draft})
    (case.root / "posts/p.md").write_text(post("P", body=body), encoding="utf-8")
    result = fails_safely(case, *build_args(case), code=1)
    assert f"posts/p.md:{line}: error: {message}" in result.stderr, result.stderr


def test_a_role_naming_a_post_that_failed_to_parse_says_so(tmp_path: Path) -> None:
    """The post named has errors of its own: the role's message points there, not at a typo."""
    case = built(tmp_path, {"posts/a.md": post("A", body="Hello."), "posts/b.md": post("B", body="See {doc}`a`.")})
    (case.root / "posts/a.md").write_text(post("A", body=":::{notee}\nx\n:::"), encoding="utf-8")
    stderr = fails_safely(case, *build_args(case), code=1).stderr
    assert "posts/a.md:7: error: unknown directive {notee}" in stderr, stderr
    assert "posts/b.md:7: error: {doc}`a` names no post" in stderr
    assert "(or it is in posts/a.md, which has errors of its own)" in stderr


def test_directives_in_lists_and_quotes_and_a_figure_without_caption(tmp_path: Path) -> None:
    body = (
        "1. In a list:\n\n   :::{note}\n   :class: dropdown\n   Inside a list.\n   :::\n\n"
        "> ```{tip}\n> :class: dropdown\n> In a quote.\n> ```\n\n"
        "```{figure} bowl.png\n---\nalt: no caption\nname: bare\n---\n```\n\nSee {numref}`bare`."
    )
    case = built(tmp_path, {"posts/p.md": post("P", body=body), "posts/p/bowl.png": PNG})
    html = page(case, "p")
    assert html.count('<details class="admonition') == 2 and ":class:" not in html
    assert '<figcaption><span class="caption-number">Figure 1.</span> </figcaption>' in html
    assert '<a class="xref xref-numref" href="#bare">Fig. 1</a>' in html


def test_a_matrix_with_a_script_is_valid_mathml(tmp_path: Path) -> None:
    """latex2mathml gives `[...]^T` three bases; the page groups them, as MathML requires."""
    body = "$$\nX = \\begin{bmatrix} a & b \\end{bmatrix}^\\top\n$$"
    case = built(tmp_path, {"posts/p.md": post("P", body=body)})
    html = page(case, "p")
    assert "<msup><mrow><mo>&#x0005B;</mo><mtable>" in html
    assert nu_errors(case.out / "posts/p/index.html") == ""
