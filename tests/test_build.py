"""End to end: build a small project with the CLI and check the site."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import post

LESSON = '''
"""A small lesson."""
import matplotlib.pyplot as plt

# %% train
final_loss = 0.0123456
print("<script>alert('x')</script>")
fig, ax = plt.subplots()
ax.plot([3, 2, 1])
ax.set_title("Loss")
plt.show()

# %% oops tags=["raises-exception"]
raise RuntimeError("element 0 of tensors does not require grad")
'''

BODY = """
## The math

Inline $w \\leftarrow w - \\eta g$ and display:

$$
L = \\frac{1}{N} \\sum_{i=1}^{N} (w x_i - y_i)^2
$$

The loss ends at {value}`lesson.py:final_loss:.4f`.

```{lesson} lesson.py#train
:caption: The loss falls.
```

```{lesson} lesson.py#oops
```
"""


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lessonpress.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "GITHUB_ACTIONS": ""},
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import write_project

    root = write_project(
        tmp_path_factory.mktemp("site"),
        {
            "posts/first.md": post('First <post> & "quotes"', "1.1", BODY),
            "posts/second.md": post("Second", "1.2", "## Only prose\n\nNo lessons here."),
            "lessons/first/lesson.py": LESSON,
            "site.yaml": "title: Test series\nmodules:\n  - title: M1\n    goal: Learn.\n"
            "    posts: [First, Second, Third]\n",
        },
    )
    result = run_cli("build", "--root", str(root), "--out", str(root / "out"))
    assert result.returncode == 0, result.stderr
    return root


def page(built: Path, slug: str) -> str:
    return (built / "out" / "posts" / slug / "index.html").read_text()


def test_post_shows_code_output_figure_and_math(built: Path) -> None:
    html = page(built, "first")
    assert '<span class="n">final_loss</span>' in html  # highlighted at build time
    assert "&lt;script&gt;alert(" in html and "<script>alert(" not in html
    assert '<span class="lesson-value">0.0123</span>' in html
    assert html.count("<math") == 2 and 'display="block"' in html
    img = re.search(r'<img src="([^"]+)" alt="([^"]+)"', html)
    assert img and img.group(2) == "Plot: Loss"
    data = (built / "out" / "posts" / "first" / img.group(1)).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000
    assert "<figcaption>The loss falls.</figcaption>" in html


def test_expected_error_is_shown(built: Path) -> None:
    html = page(built, "first")
    assert "RuntimeError: element 0 of tensors does not require grad" in html
    assert "File &#34;lesson.py&#34;, line 13" in html


def test_title_is_escaped(built: Path) -> None:
    html = page(built, "first")
    assert "<h1>First &lt;post&gt; &amp; &#34;quotes&#34;</h1>" in html


def test_index_lists_outline_with_upcoming_posts(built: Path) -> None:
    html = (built / "out" / "index.html").read_text()
    assert 'href="posts/first/"' in html and 'href="posts/second/"' in html
    assert "Third" in html and "upcoming" in html
    assert "Goal:</strong> Learn." in html


def test_previous_and_next_links_follow_the_series(built: Path) -> None:
    assert 'rel="next" href="../second/"' in page(built, "first")
    assert 'rel="prev" href="../first/"' in page(built, "second")


def test_bare_folder_builds_with_default_look(project) -> None:  # type: ignore[no-untyped-def]
    root = project(
        {"posts/a.md": post("Alone", body="{value}`l.py:answer`"), "lessons/a/l.py": "answer = 42\n"}
    )
    result = run_cli("build", "--root", str(root), "--out", str(root / "public"))
    assert result.returncode == 0, result.stderr
    assert "42" in (root / "public" / "posts" / "a" / "index.html").read_text()
    assert (root / "public" / "assets" / "style.css").is_file()


def test_unknown_cell_is_reported_and_old_site_kept(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    import shutil

    shutil.copytree(built / "out", out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = tmp_path / "broken"
    shutil.copytree(built, broken, ignore=shutil.ignore_patterns("out"))
    text = (broken / "posts" / "first.md").read_text().replace("lesson.py#train", "lesson.py#trian")
    (broken / "posts" / "first.md").write_text(text)
    result = run_cli("build", "--root", str(broken), "--out", str(out))
    assert result.returncode == 1
    line = text.splitlines().index("```{lesson} lesson.py#trian") + 1
    assert (
        f"posts/first.md:{line}: error: lesson lesson.py has no cell 'trian'; its cells: setup, "
        "train, oops" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_unexpected_exception_names_post_and_lesson_line(project) -> None:  # type: ignore[no-untyped-def]
    root = project(
        {
            "posts/a.md": post(body="```{lesson} l.py\n```"),
            "lessons/a/l.py": "x = 1\n\ndef f():\n    return 1 / 0\n\nf()\n",
        }
    )
    result = run_cli("build", "--root", str(root))
    assert result.returncode == 1
    assert (
        "posts/a.md:7: error: lesson l.py raised ZeroDivisionError in cell 'setup' "
        "(lessons/a/l.py:4): division by zero" in result.stderr
    )
    assert 'File "l.py", line 6, in <module>' in result.stderr
    assert not (root / "site").exists()


def test_expected_error_that_does_not_raise_fails(project) -> None:  # type: ignore[no-untyped-def]
    root = project(
        {
            "posts/a.md": post(body="```{lesson} l.py#c\n```"),
            "lessons/a/l.py": 'x = 1\n# %% c tags=["raises-exception"]\ny = 2\n',
        }
    )
    result = run_cli("build", "--root", str(root))
    assert result.returncode == 1
    assert "cell 'c' of lesson l.py is tagged raises-exception but did not raise" in result.stderr
    assert "lessons/a/l.py:2: error: expected an exception" in result.stderr


def test_unknown_value_is_an_error_with_line(project) -> None:  # type: ignore[no-untyped-def]
    root = project(
        {
            "posts/a.md": post(body="Loss: {value}`l.py:final_los:.2f`\n\nHistory: {value}`l.py:history`"),
            "lessons/a/l.py": "i = 3\nfinal_loss = 0.5\nhistory = {'loss': [0.9, 0.5]}\n",
        }
    )
    result = run_cli("build", "--root", str(root))
    assert result.returncode == 1
    assert (
        "posts/a.md:7: error: lesson l.py has no value 'final_los'; did you mean final_loss?\n"
        in result.stderr
    )
    assert (
        "posts/a.md:9: error: 'history' in lesson l.py is a dict: only numbers, strings, "
        "one-element tensors and lists of them can be quoted" in result.stderr
    )


def test_missing_posts_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("build", "--root", str(tmp_path))
    assert result.returncode == 2 and "has no posts/ folder" in result.stderr


def test_fresh_interpreter_fallback_gives_the_same_page(project) -> None:  # type: ignore[no-untyped-def]
    files = {
        "posts/a.md": post(body="```{lesson} l.py\n```"),
        "lessons/a/l.py": "import random\nprint('drawn', random.random())\n",
    }
    root = project(files)
    forked = run_cli("build", "--root", str(root), "--out", str(root / "forked"))
    fresh = subprocess.run(
        [
            sys.executable,
            "-m",
            "lessonpress.cli",
            "build",
            "--root",
            str(root),
            "--out",
            str(root / "fresh"),
            "--no-cache",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "LESSONPRESS_NO_FORK": "1"},
    )
    assert forked.returncode == 0 and fresh.returncode == 0, fresh.stderr
    page = "posts/a/index.html"
    assert (root / "forked" / page).read_text() == (root / "fresh" / page).read_text()
    assert "drawn 0.844" in (root / "fresh" / page).read_text()  # random.seed(0) before every lesson


def test_per_lesson_timeout_from_site_yaml(project) -> None:  # type: ignore[no-untyped-def]
    root = project(
        {
            "site.yaml": "lessons:\n  a/slow.py:\n    timeout: 1\n",
            "posts/a.md": post(body="```{lesson} slow.py\n```"),
            "lessons/a/slow.py": "import time\ntime.sleep(30)\n",
        }
    )
    result = run_cli("build", "--root", str(root))
    assert result.returncode == 1
    assert "lessons/a/slow.py timed out after 1 s in cell 'setup'" in result.stderr


def test_same_named_lessons_of_one_post_get_their_own_files(project) -> None:  # type: ignore[no-untyped-def]
    """Two lessons called train.py in one post: each keeps its own download, notebook and figure."""
    plot = (
        "import matplotlib.pyplot as plt\n"
        "# %% plot\n"
        "plt.plot([0, 1], [0, {top}])\n"
        "plt.title('{title}')\n"
        "plt.show()\n"
    )
    root = project(
        {
            "posts/a.md": post(
                "A", "1.1", "```{lesson} train.py#plot\n```\n\n```{lesson} ../b/train.py#plot\n```\n"
            ),
            "lessons/a/train.py": plot.format(top=1, title="from a"),
            "lessons/b/train.py": plot.format(top=-1, title="from b"),
        }
    )
    result = run_cli("build", "--root", str(root))
    assert result.returncode == 0, result.stderr
    folder = root / "site" / "posts" / "a"
    html = (folder / "index.html").read_text()
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == 2 and len(set(images)) == 2
    assert (folder / images[0]).read_bytes() != (folder / images[1]).read_bytes()
    assert "from a" in (folder / "a-train.py").read_text() and "from b" in (folder / "b-train.py").read_text()
    assert "from b" in (folder / "b-train.ipynb").read_text()
    for name in ("a-train.py", "b-train.py", "a-train.ipynb", "b-train.ipynb"):
        assert f'href="{name}"' in html
    assert not (folder / "train.py").exists()


def built_page(root: Path) -> str:
    """Build `root` with the CLI, which must succeed, and return the page of post a."""
    result = run_cli("build", "--root", str(root))
    assert result.returncode == 0, result.stderr
    return (root / "site" / "posts" / "a" / "index.html").read_text()


def test_byte_order_marks_are_ignored(project) -> None:  # type: ignore[no-untyped-def]
    """Files saved by editors that write a UTF-8 BOM build like any other."""
    bom = b"\xef\xbb\xbf"
    root = project(
        {
            "site.yaml": bom + b"title: Marked\n",
            "posts/a.md": bom + post(body="```{lesson} l.py#c\n```\n\nx is {value}`l.py:x`.").encode(),
            "lessons/a/l.py": bom + b"x = 3\n# %% c\nprint('x', x)\n",
        }
    )
    page = built_page(root)
    assert "<title>A post · Marked" in page and 'x is <span class="lesson-value">3</span>' in page
    assert "\ufeff" not in page


def test_run_cost_steps_are_far_apart() -> None:
    """Measured times differ between builds; the page shows a step that such noise does not cross."""
    from lessonpress.render.page import run_time

    assert {run_time(s) for s in (0.0, 0.9, 1.2, 8.6, 10.4, 14.0)} == {"under 20 s"}
    assert [run_time(s) for s in (45, 200, 900, 5000)] == [
        "under 1 min",
        "under 5 min",
        "under 20 min",
        "over 20 min",
    ]


def test_a_quoted_list_gets_the_format_spec_on_each_item(project) -> None:  # type: ignore[no-untyped-def]
    root = project(
        {
            "posts/a.md": post(body="Losses {value}`l.py:losses:.2f`, epochs {value}`l.py:epochs`."),
            "lessons/a/l.py": "losses = [0.5234, 0.3101]\nepochs = [1, 2]\n",
        }
    )
    page = built_page(root)
    assert '<span class="lesson-value">[0.52, 0.31]</span>' in page
    assert '<span class="lesson-value">[1, 2]</span>' in page


def _plot_lesson(label: str, cell: str = "plot") -> str:
    """A lesson whose cell `cell` prints and plots `label` (so each file and figure is recognisable)."""
    return (
        "import matplotlib.pyplot as plt\n"
        f"# %% {cell}\n"
        f"print('from {label}')\n"
        f"plt.plot([0, 1], [0, {len(label)}])\n"
        f"plt.title('{label}')\n"
        "plt.show()\n"
    )


def _cell_links(html: str) -> list[str]:
    """The file each cell label's lesson link points to, in page order."""
    return re.findall(r'<div class="cell-label"><a href="([^"]+)">', html)


def test_download_names_never_collide(project) -> None:  # type: ignore[no-untyped-def]
    """p/l.py and q/l.py are renamed p-l.py and q-l.py, but p/q-l.py already has that name."""
    root = project(
        {
            "posts/p.md": post(
                "P",
                "1.1",
                "```{lesson} ../q/l.py#plot\n```\n\n```{lesson} l.py#plot\n```\n\n"
                "```{lesson} q-l.py#plot\n```\n",
            ),
            "lessons/p/l.py": _plot_lesson("p/l"),
            "lessons/p/q-l.py": _plot_lesson("p/q-l"),
            "lessons/q/l.py": _plot_lesson("q/l"),
        }
    )
    result = run_cli("build", "--root", str(root))
    assert result.returncode == 0, result.stderr
    folder = root / "site" / "posts" / "p"
    html = (folder / "index.html").read_text()
    links = _cell_links(html)
    assert links[1:] == ["p-l.py", "q-l.py"] and len(set(links)) == 3  # unchanged where no collision
    for script, source in zip(links, ("q/l", "p/l", "p/q-l"), strict=True):
        assert f"from {source}" in (folder / script).read_text()
        notebook = script.removesuffix(".py") + ".ipynb"
        assert f"from {source}" in (folder / notebook).read_text()
        assert f'href="{script}" download' in html and f'href="{notebook}" download' in html
    assert len(list(folder.glob("*.py"))) == 3 and len(list(folder.glob("*.ipynb"))) == 3


def test_figure_names_never_collide(project) -> None:  # type: ignore[no-untyped-def]
    """l.py#a-b and l-a.py#b would both draw l-a-b-1.png."""
    root = project(
        {
            "posts/a.md": post(body="```{lesson} l.py#a-b\n```\n\n```{lesson} l-a.py#b\n```\n"),
            "lessons/a/l.py": _plot_lesson("first", "a-b"),
            "lessons/a/l-a.py": _plot_lesson("second lesson", "b"),
        }
    )
    html = built_page(root)
    folder = root / "site" / "posts" / "a"
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', html)
    assert [alt for _, alt in images] == ["Plot: first", "Plot: second lesson"]
    assert images[0][0] == "l-a-b-1.png"  # the first keeps its name
    assert images[1][0] != images[0][0]
    assert (folder / images[0][0]).read_bytes() != (folder / images[1][0]).read_bytes()
    assert len(list(folder.glob("*.png"))) == 2


TEMPLATE_ERRORS = [
    (
        {
            "posts/a.md": post(),
            "templates/post.html": "{% extends 'base.html' %}\n{% block content %}\n<p>{{ 1/0 }}</p>\n"
            "{% endblock %}\n",
        },
        "templates/post.html:3: error: template error while rendering posts/a/index.html: "
        "ZeroDivisionError: division by zero",
    ),
    (
        {
            "posts/a.md": post(body="```{lesson} l.py\n```"),
            "lessons/a/l.py": "x = 1\n",
            "templates/_cell.html": "<div>\n{{ code }}{{ cell_name.upper() }}\n</div>\n",
        },
        "templates/_cell.html:2: error: template error while rendering posts/a/index.html: ",
    ),
    (
        {
            "posts/a.md": post(),
            "templates/base.html": b"<!DOCTYPE html>\n<title>caf\xe9</title>\n{% block content %}{% endblock %}\n",
        },
        "templates/base.html:2: error: template error while rendering posts/a/index.html: "
        "file is not UTF-8 text (byte 0xe9)",
    ),
]


@pytest.mark.parametrize("files, message", TEMPLATE_ERRORS, ids=["runtime", "cell-template", "not-utf8"])
def test_errors_in_an_authors_template_name_the_template_line(project, files, message) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("build", "--root", str(project(files)))
    assert result.returncode == 1, result.stderr
    assert message in result.stderr
    assert "internal error" not in result.stderr


def test_heading_ids_are_unique_non_empty_and_not_the_templates(project) -> None:  # type: ignore[no-untyped-def]
    root = project({"posts/a.md": post(body="## Intro\n\n## ?!?\n\n## Main\n\n### ...\n\n## Main\n")})
    html = built_page(root)
    ids = re.findall(r'\bid="([^"]*)"', html)
    assert len(ids) == len(set(ids)) and "" not in ids
    headings = re.findall(r'<h([23]) id="([^"]+)">(.*?) <a class="header-anchor" href="#([^"]+)"', html)
    assert [(level, id_, text) for level, id_, text, _ in headings] == [
        ("2", "intro", "Intro"),
        ("2", "section", "?!?"),
        ("2", "main-1", "Main"),
        ("3", "section-1", "..."),
        ("2", "main-2", "Main"),
    ]
    assert all(id_ == href for _, id_, _, href in headings)
    toc = re.findall(r'<li class="toc-h(\d)"><a href="#([^"]+)">([^<]*)</a>', html)
    assert toc == [(level, id_, text) for level, id_, text, _ in headings]
    assert '<main id="main">' in html


def test_more_captions_than_figures_is_an_error(project) -> None:  # type: ignore[no-untyped-def]
    body = (
        "```{lesson} l.py#plot\n:caption: First.\n:caption: Second.\n```\n\n"
        "```{lesson} l.py#quiet\n:alt: A plot that is not there.\n```\n"
    )
    lesson = "import matplotlib.pyplot as plt\n# %% plot\nplt.plot([1, 2])\n# %% quiet\nx = 1\n"
    root = project({"posts/a.md": post(body=body), "lessons/a/l.py": lesson})
    result = run_cli("build", "--root", str(root))
    assert result.returncode == 1
    assert (
        "posts/a.md:7: error: 2 :caption: lines, but cell 'plot' of l.py draws 1 figure: one line per figure"
        in result.stderr
    )
    assert "posts/a.md:12: error: 1 :alt: line, but cell 'quiet' of l.py draws 0 figures" in result.stderr


def test_lesson_file_names_are_percent_encoded_in_links(project) -> None:  # type: ignore[no-untyped-def]
    lesson = "import matplotlib.pyplot as plt\n# %% plot\nplt.plot([1, 2])\n"
    body = "```{lesson} my lesson.py#plot\n```\n\n```{lesson} p%41.py#plot\n```\n"
    root = project(
        {"posts/a.md": post(body=body), "lessons/a/my lesson.py": lesson, "lessons/a/p%41.py": lesson}
    )
    result = run_cli("build", "--root", str(root))
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
    html = (root / "site" / "posts" / "a" / "index.html").read_text()
    assert 'href="my%20lesson.py"' in html and 'src="my%20lesson-plot-1.png"' in html
    assert 'href="p%2541.py"' in html and 'href="p%2541.ipynb"' in html
    assert '<meta property="og:image" content="/posts/a/my%20lesson-plot-1.png">' in html
    assert (root / "site" / "posts" / "a" / "my lesson-plot-1.png").is_file()
