"""`lessonpress build --post SLUG` runs only that post's lessons: the other posts are rendered
from cached results, keep their published pages, or (never built) are left out; the site
is still replaced in one step, and a wrong name changes nothing."""

from __future__ import annotations

from pathlib import Path

from .conftest import post, write_project
from .safety import cli, tree


def _project(root: Path, said: dict[str, str]) -> Path:
    files: dict[str, str | bytes] = {}
    for slug in ("a", "b", "c"):
        files[f"posts/{slug}.md"] = post(slug.upper(), body="```{lesson} l.py\n```\n\n[Next](../c/)\n")
        files[f"lessons/{slug}/l.py"] = f'print("{slug} says {said.get(slug, "hello")}")\n'
    files["posts/d.md"] = post("D", body="Draft.", extra="draft: true")
    return write_project(root, files)


def _build(root: Path, *args: str) -> tuple[int, str]:
    result = cli("build", str(root), *args)
    return result.returncode, result.stderr


def _page(root: Path, slug: str) -> str:
    return (root / "site/posts" / slug / "index.html").read_text()


def test_only_the_posts_lessons_run_and_the_others_keep_their_pages(tmp_path: Path) -> None:
    root = _project(tmp_path / "w", {})
    assert _build(root)[0] == 0
    _project(root, {"a": "again", "b": "changed"})  # both lessons edited; only a is built
    code, err = _build(root, "--post", "a")
    assert code == 0, err
    assert "lessons: 1 needed, 0 cached, 1 to run" in err and "(1 lesson run, 1 cached" in err
    assert "a says again" in _page(root, "a")
    assert "b says hello" in _page(root, "b")  # kept as published: its lesson has not run
    assert "c says hello" in _page(root, "c")  # rendered from the cache
    assert "kept the pages of 1 other post as last built" in err
    assert all(f'href="posts/{slug}/"' in (root / "site/index.html").read_text() for slug in "abc")
    code, err = _build(root)  # a full build brings b up to date
    assert code == 0 and "b says changed" in _page(root, "b") and "(1 lesson run, 2 cached" in err


def test_a_first_build_of_one_post_leaves_the_others_out_and_says_so(tmp_path: Path) -> None:
    root = _project(tmp_path / "w", {})
    code, err = _build(root, "--post", "posts/b.md")
    assert code == 0, err
    assert "left out posts/a.md, posts/c.md: never built" in err
    assert "b says hello" in _page(root, "b")
    assert not (root / "site/posts/a").exists()
    index = (root / "site/index.html").read_text()
    assert 'href="posts/b/"' in index and 'href="posts/a/"' not in index
    assert "links to posts/c/" in err or "../c/" in err  # the link to c is broken until c is built: a warning


def test_a_wrong_or_draft_post_is_a_usage_error_that_changes_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path / "w", {})
    assert _build(root)[0] == 0
    before = tree(root / "site")
    code, err = _build(root, "--post", "bb")
    assert code == 2 and "--post bb: there is no published post by that slug" in err and "did you mean b" in err
    code, err = _build(root, "--post", "d")
    assert code == 2 and "posts/d.md is a draft" in err
    assert tree(root / "site") == before


def test_a_post_may_be_named_by_its_series_number(tmp_path: Path) -> None:
    outline = "title: T\nmodules:\n  - title: M\n    goal: G\n    posts: [A, B]\n"
    files: dict[str, str | bytes] = {"site.yaml": outline}
    for slug, number in (("a", "1.1"), ("b", "1.2")):
        files[f"posts/{slug}.md"] = post(slug.upper(), series=number, body="```{lesson} l.py\n```\n")
        files[f"lessons/{slug}/l.py"] = f'print("{slug} ran")\n'
    root = write_project(tmp_path / "w", files)
    code, err = _build(root, "--post", "1.2")
    assert code == 0, err
    assert "b ran" in _page(root, "b") and not (root / "site/posts/a").exists()
    code, err = _build(root, "--post", "1.3")
    assert code == 2 and "--post 1.3: there is no published post" in err
