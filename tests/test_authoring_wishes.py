"""The author's wishes (issue 14): solutions in view, drafts, folded code, uv in the scaffold.

Through the CLI, as an author works; every misuse is a located error that leaves the
published site as it was.
"""

from __future__ import annotations

import re
from pathlib import Path

from lessonpress.build import build
from lessonpress.execute import RunOptions

from .conftest import post, write_project
from .safety import built, cli, fails_safely

SOLVED = {
    "posts/p.md": post(
        "P",
        body="## Exercises\n\n1. Print one.\n\n:::{solution}\n```{lesson} l.py#answer\n```\n:::\n\n"
        ":::{solution} A hint\nThink of 1.\n:::\n",
    ),
    "lessons/p/l.py": "# %% answer\nprint('one')\n",
}


def _page(out: Path, slug: str = "p") -> str:
    return (out / "posts" / slug / "index.html").read_text()


def test_solutions_are_open_by_default_and_collapsed_with_the_setting(tmp_path: Path) -> None:
    case = built(tmp_path, SOLVED)
    page = _page(case.out)
    opened = re.findall(r'<section class="solution" aria-labelledby="([^"]+)">\n<h3 class="solution-label" id="\1">', page)
    assert len(opened) == 2 and len(set(opened)) == 2, page  # an id unique on the page
    assert '">Solution</h3>' in page and '">A hint</h3>' in page and "<details" not in page
    assert page.index("Think of 1.") < page.rindex("</section>")

    (case.root / "site.yaml").write_text("title: T\nsolutions: collapsed\n")
    assert cli("build", "--root", str(case.root), "--out", str(case.out)).returncode == 0
    page = _page(case.out)  # the page was drawn again: the setting is one of its inputs
    assert page.count('<details class="solution">') == 2 and "<summary>A hint</summary>" in page
    assert 'class="solution-label"' not in page

    (case.root / "site.yaml").write_text("title: T\nsolutions: open\n")
    assert cli("build", "--root", str(case.root), "--out", str(case.out)).returncode == 0
    assert '<section class="solution"' in _page(case.out) and "<details" not in _page(case.out)


def test_a_solutions_setting_other_than_open_or_collapsed_is_a_located_error(tmp_path: Path) -> None:
    case = built(tmp_path, SOLVED)
    (case.root / "site.yaml").write_text("title: T\nsolutions: hidden\n")
    fails_safely(
        case,
        "build", "--root", str(case.root), "--out", str(case.out),
        code=1,
        message="site.yaml:2: error: 'solutions' must be one of open, collapsed, got 'hidden'",
    )


DRAFTED = {
    "site.yaml": "title: T\nbase_url: https://example.com/\n",
    "posts/p.md": post("Published", body="Hello."),
    "posts/d.md": post("Secret draft", extra="draft: true", body="```{lesson} l.py\n```\n"),
    "lessons/d/l.py": "print('drafted')\n",
}


def test_a_draft_is_left_out_of_the_site_and_shown_with_a_banner_under_serve(tmp_path: Path) -> None:
    case = built(tmp_path, DRAFTED)
    assert not (case.out / "posts" / "d").exists() and (case.out / "posts" / "p" / "index.html").is_file()
    for name in ("index.html", "feed.xml", "sitemap.xml", "posts/p/index.html"):
        text = (case.out / name).read_text()
        assert "Secret draft" not in text and "posts/d/" not in text and "../d/" not in text, name
    assert "draft-banner" not in _page(case.out, "p")

    serve_out = tmp_path / "preview"  # serve builds with drafts=True
    build(case.root, serve_out, RunOptions(jobs=1, use_cache=False), drafts=True)
    page = _page(serve_out, "d")
    assert re.search(r'<p class="draft-banner" role="note"[^>]*><strong>Draft</strong>', page)
    assert "drafted" in page and "Secret draft" in (serve_out / "index.html").read_text()
    assert "draft-banner" not in _page(serve_out, "p")


def test_check_still_runs_a_drafts_lessons(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {**DRAFTED, "lessons/d/l.py": "raise ValueError('broken draft')\n"})
    assert cli("build", "--root", str(root)).returncode == 0  # build skips the draft and its lesson
    result = cli("check", "--root", str(root))
    assert result.returncode == 1 and "broken draft" in result.stderr, result.stderr


def test_a_link_to_a_draft_from_a_published_post_is_a_located_error(tmp_path: Path) -> None:
    case = built(tmp_path, DRAFTED)
    (case.root / "posts" / "p.md").write_text(post("Published", body="Hello.\n\nSee [the draft](../d/).\n"))
    fails_safely(
        case,
        "build", "--root", str(case.root), "--out", str(case.out),
        code=1,
        message="posts/p.md:9: error: ../d/ links to posts/d.md, a draft (`draft: true`) that build does not publish",
    )
    result = cli("check", "--root", str(case.root))
    assert result.returncode == 1 and "posts/p.md:9: error: ../d/ links to posts/d.md" in result.stderr


def test_draft_must_be_true_or_false(tmp_path: Path) -> None:
    case = built(tmp_path, DRAFTED)
    (case.root / "posts" / "d.md").write_text(post("Secret draft", extra="draft: maybe"))
    fails_safely(
        case,
        "build", "--root", str(case.root), "--out", str(case.out),
        code=1,
        message="posts/d.md:5: error: 'draft' must be true or false, got 'maybe'",
    )


def test_show_folded_collapses_the_code_and_keeps_the_output_in_view(tmp_path: Path) -> None:
    files = {
        "posts/p.md": post("P", body="```{lesson} l.py#main\n:show: folded\n```\n"),
        "lessons/p/l.py": "# %% main\nprint('the output')\n",
    }
    page = _page(built(tmp_path, files).out)
    fold = page.index('<details class="cell-fold">')
    assert page.index("<summary>Show the code</summary>") > fold
    code_end = page.index("</details>")
    assert fold < page.index('class="cell-code"') < code_end < page.index('class="cell-output"')
    assert "the output</pre>" in page[code_end:]


def test_an_unknown_show_value_names_folded(tmp_path: Path) -> None:
    case = built(tmp_path)
    (case.root / "posts" / "p.md").write_text(post("P", body="```{lesson} l.py\n:show: hidden\n```\n"))
    fails_safely(
        case,
        "build", "--root", str(case.root), "--out", str(case.out),
        code=1,
        message="posts/p.md:8: error: :show: must be one of both, code, output, folded, got 'hidden'",
    )


def test_the_scaffold_installs_with_uv_never_pip(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"site.yaml": "title: T\n"})
    assert cli("new", "A title", "--root", str(root)).returncode == 0
    for path in (root / "posts" / "a-title.md", root / "lessons" / "a-title" / "a_title.py"):
        text = path.read_text()
        assert "uv pip install torch matplotlib" in text and "uv run" in text, path
        assert "pip install" not in text.replace("uv pip install", ""), path
    guides = (Path(__file__).resolve().parent.parent / name for name in ("README.md", "docs/authoring.md"))
    for guide in guides:
        assert "pip install" not in guide.read_text().replace("uv pip install", ""), guide
