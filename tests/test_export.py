"""`lessonpress export --format gfm|hugo`: the executed posts as plain Markdown.

The GitHub export is read back with markdown-it's gfm-like preset (every image a file of the
export, every link to a post a file); the Hugo export is built by a real Hugo (installed by
scripts/install-browser.sh; skipped where it is missing) into HTML that holds the values,
the code, the outputs, the figures and the TeX as written. Safety: an export replaces only
a folder an export wrote, an empty folder or a new one, and writes nothing on an error.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from .conftest import post, write_project
from .safety import cli, tree

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8cfc000000301010018dd8db40000000049454e44ae426082"
)

LESSON = '''\
"""A tiny fit."""
import builtins
display = getattr(builtins, "display", print)

# %% data
xs = [1.0, 2.0, 3.0]
learning_rate = 0.125
print("points:", len(xs))

# %% plot
import matplotlib.pyplot as plt
fig, ax = plt.subplots()
ax.plot(xs, [x * 2 for x in xs])
ax.set_title("Line")
plt.show()
final_loss = 0.0123456

# %% table
class Table:
    def _repr_html_(self):
        return "<table><tr><th>a</th></tr><tr><td>1</td></tr></table>"
    def __repr__(self):
        return "Table(a=1)"
Table()

# %% broken tags=["raises-exception"]
1 / 0
'''

FITTING = r"""---
title: "Fitting a line"
series: "1.1"
date: 2026-01-02
summary: A line through three points.
tags: [fit, demo]
---

(intro)=
## Introduction

We minimise $L(w) = \frac{1}{N} \sum_{i} (w x_i - y_i)^2$ with rate {value}`fit.py:learning_rate`
and reach a loss of {value}`fit.py:final_loss:.4f`; see {doc}`notes` and {ref}`intro`.

$$
\hat{y}_i = w_1 x_i + w_0 \\
a_{*} = b_{*}
$$ (model)

Equation {eq}`model` is linear; H{sub}`2`O, {abbr}`MSE (mean squared error)`, {kbd}`Ctrl+C`.

```{lesson} fit.py#data
```

```{lesson} fit.py#plot
:caption: The line rises.
:alt: A rising line.
```

```{lesson} fit.py#table
:show: output
```

```{lesson} fit.py#broken
```

:::{note}
Inline `code with {value}` stays, and $x_1$ too.
:::

:::{solution}
The answer is {value}`fit.py:learning_rate`.
:::

:::{quiz} Check yourself
1. What learning rate does the lesson use?
   - [ ] 1.0
   - [x] {value}`fit.py:learning_rate`
   > The line at the top sets it.
:::

:::{checklist}
- I can fit a line.
:::

![A diagram](diagram.png)

% a comment that is not exported

| a | b |
|---|:-:|
| 1 | {value}`fit.py:learning_rate` |
"""

NOTES = r"""+++
title = "Notes"
date = 2026-01-03
summary = "Notes on fitting."
+++

Back to {doc}`fitting` and {ref}`the intro <intro>`; a note[^n]. The slope is $f'(x) = 2$
for $x = 1, 2, ..., n$ and $a -- b$.

```{admonition} Careful
:class: warning dropdown
Check $a_1 * b_2$.
```

[^n]: A footnote.
"""

# What the Markdown may not hold any more: lessonpress's own syntax.
LEFTOVERS = (
    "{lesson}",
    "{value}",
    "{doc}",
    "{ref}",
    "{eq}",
    "{sub}",
    "{abbr}",
    ":::",
    "(intro)=",
    "% a comment",
)


@dataclass(frozen=True)
class Exported:
    root: Path
    gfm: Path
    hugo: Path


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    root = write_project(
        tmp_path_factory.mktemp("export") / "project",
        {
            "site.yaml": "title: Export test\nbase_url: /\n",
            "lessons/fitting/fit.py": LESSON,
            "posts/fitting.md": FITTING,
            "posts/fitting/diagram.png": PNG,
            "posts/notes.md": NOTES,
            "posts/later.md": post("Not yet", extra="draft: true"),
        },
    )
    for flavour in ("gfm", "hugo"):
        result = cli("export", str(root), "--format", flavour, "--quiet")
        assert result.returncode == 0, result.stderr
        assert f"exported 2 posts as {flavour} Markdown" in result.stderr
    return Exported(root, root / "export-gfm", root / "export-hugo")


def _rendered(markdown: str) -> str:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("gfm-like", {"linkify": False})
    front_matter_plugin(md)
    return md.render(markdown)


def test_gfm_export_is_markdown_github_shows(exported: Exported) -> None:
    assert sorted(path for path in tree(exported.gfm) if not path.startswith(".")) == [
        "README.md",
        "fitting",
        "fitting/README.md",
        "fitting/diagram.png",
        "fitting/fit-plot-1.png",
        "notes",
        "notes/README.md",
    ]  # the draft is left out
    text = (exported.gfm / "fitting/README.md").read_text(encoding="utf-8")
    assert text.startswith('---\ntitle: "Fitting a line"\nseries: "1.1"\n') and "\n# Fitting a line\n" in text
    for leftover in LEFTOVERS:
        assert leftover not in text.replace("`code with {value}`", "")
    assert "with rate 0.125\nand reach a loss of 0.0123;" in text
    assert r"$L(w) = \frac{1}{N} \sum_{i} (w x_i - y_i)^2$" in text  # math as written
    assert "$$\n\\hat{y}_i = w_1 x_i + w_0 \\\\\na_{*} = b_{*} \\tag{1}\n$$" in text
    assert "```python\nxs = [1.0, 2.0, 3.0]\n" in text and "```text\npoints: 3\n```" in text
    assert "ZeroDivisionError: division by zero\n```" in text  # the expected error
    assert "![A rising line.](fit-plot-1.png)\n\n*The line rises.*" in text
    assert "<table><tbody><tr><th>a</th></tr>" in text  # the rich display, sanitized HTML
    assert "> [!NOTE]\n> Inline `code with {value}` stays, and $x_1$ too." in text
    assert "> **Solution**\n>\n> The answer is 0.125." in text
    assert "   - 1.0\n   - 0.125\n\n   <details>\n   <summary>Answer</summary>\n\n   0.125" in text
    assert "- [ ] I can fit a line." in text and "| 1 | 0.125 |" in text
    assert "[Notes](../notes/README.md)" in text and "[Introduction](#intro)" in text
    assert '<a id="intro"></a>' in text and "[(1)](#model)" in text
    notes = (exported.gfm / "notes/README.md").read_text(encoding="utf-8")
    assert notes.startswith("---\ntitle: Notes\ndate: 2026-01-03\n")  # TOML written as YAML
    assert "[the intro](../fitting/README.md#intro)" in notes and "[^1]: A footnote." in notes
    assert "<details>\n<summary>Careful</summary>\n\nCheck $a_1 * b_2$." in notes
    index = (exported.gfm / "README.md").read_text(encoding="utf-8")
    assert "- 1.1 [Fitting a line](fitting/README.md): A line through three points." in index


def test_gfm_export_links_and_images_resolve(exported: Exported) -> None:
    for page in exported.gfm.rglob("*.md"):
        html = _rendered(page.read_text(encoding="utf-8"))
        targets = re.findall(r'<img src="([^"]+)"', html) + re.findall(r'<a href="([^"#][^"]*)"', html)
        assert targets or page.name == "README.md"
        for target in targets:
            path = (page.parent / unquote(urlsplit(target).path)).resolve()
            assert path.is_file() and exported.gfm.resolve() in path.parents, (page, target)
    html = _rendered((exported.gfm / "fitting/README.md").read_text(encoding="utf-8"))
    assert '<img src="fit-plot-1.png" alt="A rising line." />' in html and "0.0123" in html


def test_hugo_export_keeps_the_front_matter_and_escapes_math(exported: Exported) -> None:
    bundle = exported.hugo / "content/posts"
    assert sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()) == [
        "fitting/diagram.png",
        "fitting/fit-plot-1.png",
        "fitting/index.md",
        "notes/index.md",
    ]
    text = (bundle / "fitting/index.md").read_text(encoding="utf-8")
    assert text.startswith('---\ntitle: "Fitting a line"\n') and "## Introduction {#intro}" in text
    for leftover in LEFTOVERS:
        assert leftover not in text.replace("`code with {value}`", "")
    assert r"$L(w) \= \\frac{1}{N} \\sum\_{i} (w x\_i \- y\_i)^2$" in text
    assert '[Notes]({{< relref "/posts/notes" >}})' in text
    notes = (bundle / "notes/index.md").read_text(encoding="utf-8")
    assert notes.startswith('+++\ntitle = "Notes"\n')  # TOML, as the author wrote it


def _hugo_site(folder: Path, content: Path) -> Path:
    """A minimal Hugo site whose content is the export."""
    layouts = folder / "layouts" / "_default"
    layouts.mkdir(parents=True)
    page = "<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>%s</body></html>"
    (layouts / "single.html").write_text(page % "{{ .Content }}", encoding="utf-8")
    listing = '<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>'
    (layouts / "list.html").write_text(page % listing, encoding="utf-8")
    (folder / "config.toml").write_text(
        'baseURL = "http://example.org/"\ntitle = "Export test"\n'
        f"contentDir = {str(content)!r}\n"
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n'
        "[markup.goldmark.renderer]\nunsafe = true\n",
        encoding="utf-8",
    )
    return folder


def _hugo_build(content: Path, tmp_path: Path) -> None:
    """Build a minimal Hugo site around an export's content/ into tmp_path/public (or skip)."""
    hugo = shutil.which("hugo")
    if hugo is None:
        pytest.skip("hugo is not installed: scripts/install-browser.sh installs it (apt-get install hugo)")
    site = _hugo_site(tmp_path / "hugo-site", content)
    result = subprocess.run(
        [hugo, "--source", str(site), "--destination", str(tmp_path / "public")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hugo_builds_the_hugo_export(exported: Exported, tmp_path: Path) -> None:
    _hugo_build(exported.hugo / "content", tmp_path)
    public = tmp_path / "public" / "posts"
    html = (public / "fitting/index.html").read_text(encoding="utf-8")
    assert "<h1>Fitting a line</h1>" in html and '<h2 id="intro">Introduction</h2>' in html
    assert "with rate 0.125\nand reach a loss of 0.0123;" in html
    assert "learning_rate" in html and "points: 3" in html and "ZeroDivisionError" in html
    for src in re.findall(r'<img src="([^"]+)"', html):
        assert (public / "fitting" / unquote(src)).is_file(), src
    assert '<img src="fit-plot-1.png" alt="A rising line.">' in html
    # The TeX as written, for MathJax or KaTeX: no emphasis, no lost backslash.
    assert r"$L(w) = \frac{1}{N} \sum_{i} (w x_i - y_i)^2$" in html
    assert "$$\n\\hat{y}_i = w_1 x_i + w_0 \\\\\na_{*} = b_{*} \\tag{1}\n$$" in html
    assert '<a href="/posts/notes/">Notes</a>' in html and "<sub>2</sub>" in html
    notes = (public / "notes/index.html").read_text(encoding="utf-8")
    assert "$f'(x) = 2$" in notes and "$x = 1, 2, ..., n$" in notes and "$a -- b$" in notes
    assert "$a_1 * b_2$" in notes and '<a href="/posts/fitting/#intro">the intro</a>' in notes


def test_export_refuses_a_folder_it_did_not_write(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = project({"posts/a.md": post("A", body="Hello.")})
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    result = cli("export", str(root), "--format", "gfm", "--out", str(out), "--no-cache")
    assert result.returncode == 2 and "is not empty (notes.txt)" in result.stderr
    assert tree(out) == {"notes.txt": b"keep me"}
    for inside in (root, root / "posts", root / "lessons"):
        result = cli("export", str(root), "--format", "hugo", "--out", str(inside), "--no-cache")
        assert result.returncode == 2, result.stderr
    assert sorted(tree(root)) == ["posts", "posts/a.md"]


def test_export_replaces_only_its_own_export(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = project({"posts/a.md": post("A", body="Hello.")})
    out = tmp_path / "out"
    assert cli("export", str(root), "--format", "gfm", "--out", str(out), "--no-cache").returncode == 0
    (root / "posts/a.md").write_text(post("A", body="Hello again."), encoding="utf-8")
    assert cli("export", str(root), "--format", "gfm", "--out", str(out), "--no-cache").returncode == 0
    assert "Hello again." in (out / "a/README.md").read_text(encoding="utf-8")
    (out / "CNAME").write_text("example.org", encoding="utf-8")
    result = cli("export", str(root), "--format", "gfm", "--out", str(out), "--no-cache")
    assert result.returncode == 2 and "someone added CNAME" in result.stderr
    assert (out / "CNAME").read_text(encoding="utf-8") == "example.org"


def test_a_content_error_writes_nothing(project) -> None:  # type: ignore[no-untyped-def]
    root = project({"posts/a.md": post("A", body="Line one.\n\nA {value}`missing.py:x`.")})
    result = cli("export", str(root), "--format", "hugo", "--no-cache")
    assert result.returncode == 1
    assert re.search(r"posts/a\.md:\d+: error: ", result.stderr), result.stderr
    assert not (root / "export-hugo").exists()
    assert "1 error; the export was not changed" in result.stderr


# What a reviewer tried next: links an author wrote to other posts, reference links, values
# that look like Markdown, admonitions where GitHub draws no alert, dropdown titles, headings
# whose id GitHub would make differently, TOML's times, and folders an export must not replace.
EDGE_LESSON = '''\
# %% values
odd = "R&amp;D ~~not struck~~"
bullet = "- not an item"
print("ok")
'''

EDGE = r"""---
title: "Edges"
date: 2026-01-02
---

See [the other post](../other/#its-section), [the index](../../), a [reference link][ref]
and the [collapsed one][].

[ref]: https://example.org/ref "A title"
[collapsed one]: ../other/

A value {value}`edge.py:odd`, and one that starts a line:
{value}`edge.py:bullet` (still the same paragraph).

## The rate $\eta$ and its *limit*

::::{solution}
:::{note}
A note in a solution.
:::
::::

- An item holding a tip:

  :::{tip}
  A tip in a list.
  :::

:::{note} A *careful* look at {value}`edge.py:odd`
:class: dropdown
Hidden.
:::
"""

OTHER = """+++
title = "Other"
date = 2026-01-03
reminder = 07:30:00
+++

## Its section

Back to {doc}`edge`.
"""


@pytest.fixture(scope="module")
def edges(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    root = write_project(
        tmp_path_factory.mktemp("edges") / "project",
        {
            "site.yaml": "title: Edges\nbase_url: /\n",
            "lessons/edge/edge.py": EDGE_LESSON,
            "posts/edge.md": EDGE,
            "posts/other.md": OTHER,
        },
    )
    for flavour in ("gfm", "hugo"):
        result = cli("export", str(root), "--format", flavour, "--quiet")
        assert result.returncode == 0, result.stderr
    return Exported(root, root / "export-gfm", root / "export-hugo")


def test_links_to_other_posts_and_reference_links_lead_to_the_export(edges: Exported) -> None:
    text = (edges.gfm / "edge/README.md").read_text(encoding="utf-8")
    assert "[the other post](../other/README.md#its-section), [the index](../README.md)" in text
    assert text.endswith(  # markdown-it's tokens drop definitions: written back, at the end
        '[ref]: https://example.org/ref "A title"\n[collapsed one]: ../other/README.md\n'
    )
    html = _rendered(text)
    assert '<a href="https://example.org/ref" title="A title">reference link</a>' in html
    assert '<a href="../other/README.md">collapsed one</a>' in html
    hugo = (edges.hugo / "content/posts/edge/index.md").read_text(encoding="utf-8")
    assert '[the other post]({{< relref "/posts/other#its-section" >}})' in hugo
    assert '[collapsed one]: <{{< relref "/posts/other" >}}>' in hugo


def test_values_that_look_like_markdown_stay_text(edges: Exported) -> None:
    text = (edges.gfm / "edge/README.md").read_text(encoding="utf-8")
    assert r"A value R\&amp;D \~\~not struck\~\~, and one that starts a line:" + "\n" + r"\- not an item" in text
    html = _rendered(text)
    assert "A value R&amp;amp;D ~~not struck~~, and one that starts a line:\n- not an item (still" in html
    assert "<s>" not in html and "<del>" not in html


def test_admonitions_github_draws_no_alert_for_are_quotes(edges: Exported) -> None:
    text = (edges.gfm / "edge/README.md").read_text(encoding="utf-8")
    assert "> **Solution**\n>\n> > **Note**\n> >\n> > A note in a solution." in text
    assert "- An item holding a tip:\n\n  > **Tip**\n  >\n  > A tip in a list." in text
    assert "[!NOTE]" not in text and "[!TIP]" not in text
    # A <details> is HTML, in which neither GitHub nor Hugo reads Markdown: its title is HTML.
    assert "<summary>A <em>careful</em> look at R&amp;amp;D ~~not struck~~</summary>" in text


def test_headings_keep_the_ids_the_site_gives_them(edges: Exported) -> None:
    text = (edges.gfm / "edge/README.md").read_text(encoding="utf-8")
    assert '<a id="the-rate--and-its-limit"></a>\n\n## The rate $\\eta$ and its *limit*' in text
    assert "<a id=" not in (edges.gfm / "other/README.md").read_text(encoding="utf-8")  # GitHub's is the same
    hugo = (edges.hugo / "content/posts/other/index.md").read_text(encoding="utf-8")
    assert "## Its section {#its-section}" in hugo


def test_toml_front_matter_becomes_yaml_for_github(edges: Exported) -> None:
    text = (edges.gfm / "other/README.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: Other\ndate: 2026-01-03\nreminder: 07:30:00\n---\n")


def test_hugo_builds_links_the_author_wrote(edges: Exported, tmp_path: Path) -> None:
    _hugo_build(edges.hugo / "content", tmp_path)
    html = (tmp_path / "public/posts/edge/index.html").read_text(encoding="utf-8")
    assert '<a href="/posts/other/#its-section">the other post</a>' in html
    assert '<a href="/posts/other/">collapsed one</a>' in html
    assert '<h2 id="the-rate--and-its-limit">The rate $\\eta$ and its <em>limit</em></h2>' in html
    other = (tmp_path / "public/posts/other/index.html").read_text(encoding="utf-8")
    assert '<h2 id="its-section">Its section</h2>' in other


def test_an_export_replaces_no_site_and_no_export_of_the_other_format(edges: Exported) -> None:
    root = edges.root
    again = cli("export", str(root), "--format", "gfm", "--quiet")
    assert again.returncode == 0 and "0 files changed" in again.stderr  # idempotent
    before = tree(edges.gfm)
    result = cli("export", str(root), "--format", "hugo", "--out", str(edges.gfm))
    assert result.returncode == 2 and "holds a gfm export" in result.stderr, result.stderr
    assert tree(edges.gfm) == before
    site = root.parent / "site"
    assert cli("build", str(root), "--out", str(site), "--quiet").returncode == 0
    built = tree(site)
    result = cli("export", str(root), "--format", "gfm", "--out", str(site))
    assert result.returncode == 2 and "lessonpress build" in result.stderr, result.stderr
    assert tree(site) == built
    result = cli("build", str(root), "--out", str(edges.gfm))  # nor does a site replace an export
    assert result.returncode == 2 and "holds a Markdown export" in result.stderr, result.stderr
    assert tree(edges.gfm) == before
