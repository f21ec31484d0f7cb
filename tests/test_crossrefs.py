"""MyST cross-references through the CLI: `(label)=` targets, `:name:` cells, numbered equations
and the {ref}, {numref}, {eq} and {doc} roles, within a post and between posts; a page naming
another post is re-rendered when that post changes; each misuse is a located error."""

from __future__ import annotations

from pathlib import Path

from .conftest import post
from .safety import built, cli, fails_safely

ALPHA = """(intro)=
## Getting started

See {ref}`beta-sec`, {doc}`1.2`, {doc}`the other post <beta>` and {ref}`back <beta-sec>`.

$$ y = w x $$ (eq-line)

By {eq}`eq-line`, {numref}`eq-line` and {numref}`Equation %s <eq-line>`.

(cell-a)=
```{lesson} l.py#data
```

```{lesson} l.py#more
:name: cell-b
```

## Plain heading

{ref}`cell-a`, {ref}`the cell <cell-b>` and {ref}`intro`.
"""
BETA = """(beta-sec)=
## Beta section

Back to {ref}`intro`, {eq}`eq-line` and {doc}`alpha`.
"""
FILES: dict[str, str | bytes] = {
    "posts/alpha.md": post("Alpha", series="1.1", body=ALPHA),
    "posts/beta.md": post("Beta post", series="1.2", body=BETA),
    "lessons/alpha/l.py": "# %% data\nx = 1\n# %% more\nprint(x)\n",
}


def _page(out: Path, slug: str) -> str:
    return (out / "posts" / slug / "index.html").read_text(encoding="utf-8")


def test_every_construct_links_both_ways(tmp_path: Path) -> None:
    case = built(tmp_path, FILES)
    alpha, beta = _page(case.out, "alpha"), _page(case.out, "beta")
    for html in (
        '<h2 id="intro">Getting started',
        '<h2 id="plain-heading">Plain heading',
        '<a class="xref xref-ref" href="../beta/#beta-sec">Beta section</a>',
        '<a class="xref xref-doc" href="../beta/">Beta post</a>',
        '<a class="xref xref-doc" href="../beta/">the other post</a>',
        '<a class="xref xref-ref" href="../beta/#beta-sec">back</a>',
        '<a class="xref xref-eq" href="#eq-line">(1)</a>',
        '<a class="xref xref-numref" href="#eq-line">Eq. 1</a>',
        '<a class="xref xref-numref" href="#eq-line">Equation 1</a>',
        'id="eq-line">',
        '<span class="equation-number">(1)</span>',
        '<div class="target" id="cell-a"></div>',
        '<div class="target" id="cell-b"></div>',
        '<a class="xref xref-ref" href="#cell-a">l.py#data</a>',
        '<a class="xref xref-ref" href="#cell-b">the cell</a>',
        '<a class="xref xref-ref" href="#intro">Getting started</a>',
    ):
        assert html in alpha, html
    for html in (
        '<h2 id="beta-sec">Beta section',
        '<a class="xref xref-ref" href="../alpha/#intro">Getting started</a>',
        '<a class="xref xref-eq" href="../alpha/#eq-line">(1)</a>',
        '<a class="xref xref-doc" href="../alpha/">Alpha</a>',
    ):
        assert html in beta, html
    assert "(intro)=" not in alpha
    result = cli("build", "--root", str(case.root), "--out", str(case.out))
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr


def test_editing_a_named_heading_rerenders_the_page_naming_it(tmp_path: Path) -> None:
    case = built(tmp_path, FILES)
    alpha = case.root / "posts/alpha.md"
    alpha.write_text(alpha.read_text().replace("## Getting started", "## Starting out"))
    result = cli("build", "--root", str(case.root), "--out", str(case.out))
    assert result.returncode == 0, result.stderr
    assert '<a class="xref xref-ref" href="../alpha/#intro">Starting out</a>' in _page(case.out, "beta")


BAD = """See {ref}`nope`.

{doc}`9.9` and {eq}`sec`.

(sec)=
## Sec
"""
PROBLEMS = (
    "posts/p.md:7: error: {ref}`nope` names no label",
    "posts/p.md:9: error: {doc}`9.9` names no post",
    "posts/p.md:9: error: {eq}`sec` needs a numbered equation",
    "posts/q.md:7: error: label 'sec' is already used at posts/p.md:11",
    "posts/r.md:7: error: '(dangling)=' must come right before a heading, a {lesson} cell or an admonition",
    "posts/r.md:10: error: {ref}`bad label`: 'bad label' is not a label",
)


def test_each_misuse_is_a_located_error_and_check_lists_all(tmp_path: Path) -> None:
    case = built(tmp_path, FILES)
    (case.root / "posts/p.md").write_text(post("P", body=BAD))
    (case.root / "posts/q.md").write_text(post("Q", body="(sec)=\n## Again\n"))
    (case.root / "posts/r.md").write_text(post("R", body="(dangling)=\nProse.\n\n{ref}`bad label`\n"))
    args = ("--root", str(case.root))
    result = fails_safely(case, "build", *args, "--out", str(case.out), code=1, message=PROBLEMS[0])
    checked = cli("check", *args)
    assert checked.returncode == 1, checked.stderr
    for problem in PROBLEMS:
        assert problem in result.stderr, result.stderr
        assert problem in checked.stderr, checked.stderr
