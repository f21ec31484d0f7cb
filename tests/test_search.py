"""The Pagefind search index: what it is given, what it holds, and when it is rebuilt."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from lessonpress.build import build
from lessonpress.execute import RunOptions
from lessonpress.model import OutputFile
from lessonpress.write import SEARCH_DIR, search_documents

from .conftest import post, write_project

PAGE = (
    b'<!DOCTYPE html><html lang="de"><head><title>T</title><script>var x = "<span>";</script></head>'
    b"<body><header><nav>Site menu words</nav></header>"
    b'<main><article class="post" data-pagefind-body><h1>Gradient <em>descent</em></h1>'
    b'<div class="inner"><article>nested article text</article></div>'
    b'<p>Prose about <span class="k">learning</span> rates.</p>'
    b'<math display="block"><mi>w</mi><mo>=</mo></math>'
    b'<pre><code><span class="n">optimizer</span><span class="o">.</span>'
    b'<span class="n">zero_grad</span>()</code></pre>'
    b'<img src="fig.png" alt="A loss curve"><p>After the figure.</p></article>'
    b"<aside>Outside the body</aside></main><footer>Footer words</footer></body></html>"
)


def test_a_document_is_the_marked_element_without_wordless_markup() -> None:
    documents = search_documents(
        [
            OutputFile("posts/a/index.html", PAGE),
            OutputFile("index.html", b"<html><body><h1>Home</h1></body></html>"),
            OutputFile("posts/a/fig.png", b"\x89PNG"),
        ]
    )
    assert list(documents) == ["posts/a/index.html"]  # unmarked pages are left out, as Pagefind would
    text = documents["posts/a/index.html"]
    assert text.startswith(b'<!DOCTYPE html><html lang="de">')
    for kept in (
        b"Gradient <em>descent</em>",
        b"learning rates",
        b"optimizer.zero_grad()",
        b"After the figure",
    ):
        assert kept in text
    assert b"nested article text" in text  # the element ends at its own closing tag, not the first one
    assert b'<img src="fig.png" alt="A loss curve">' in text  # Pagefind takes its image from here
    for dropped in (b"<span", b"<math", b"Site menu", b"Outside the body", b"Footer", b"<script"):
        assert dropped not in text


def test_every_marked_element_of_a_page_is_kept() -> None:
    page = b"<body><div data-pagefind-body>first</div><p>between</p><section data-pagefind-body>second"
    text = search_documents([OutputFile("x.html", page)])["x.html"]
    assert b"first" in text and b"second" in text and b"between" not in text


def test_without_any_marked_page_every_page_is_indexed_whole() -> None:
    pages = [OutputFile("index.html", b"<html><body>Home</body></html>"), OutputFile("b.html", b"<p>B</p>")]
    assert search_documents(pages) == {f.dest_path: f.data for f in pages}


def fragments(site: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    """Pagefind's per-page records, by URL (gzip, then a signature, then JSON)."""
    records = {}
    for path in (site / SEARCH_DIR / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        record = json.loads(data[data.index(b"{") :])
        records[record["url"]] = record
    return records


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_project(
        tmp_path / "p",
        {
            "posts/a.md": post(
                "Momentum", "1.1", "## Why it helps\n\nHeavy ball prose.\n\n```{lesson} a.py\n```\n"
            ),
            "posts/b.md": post("Other post", "1.2", "Nothing about balls."),
            "lessons/a/a.py": "velocity_buffer = 3\nprint('printed_marker', velocity_buffer)\n",
        },
    )


def test_the_index_holds_prose_code_and_anchors_of_each_post(root: Path) -> None:
    build(root, root / "site", RunOptions(jobs=1))
    records = fragments(root / "site")
    assert set(records) == {"/posts/a/", "/posts/b/"}
    record = records["/posts/a/"]
    assert record["meta"]["title"] == "Momentum"
    for word in ("Heavy ball prose", "velocity_buffer", "printed_marker"):
        assert word in record["content"]
    assert any(anchor["id"] == "why-it-helps" for anchor in record["anchors"])
    assert "Nothing about balls" not in record["content"]


def test_the_index_follows_prose_edits_and_is_kept_when_no_page_changed(root: Path) -> None:
    build(root, root / "site", RunOptions(jobs=1))
    path = root / "posts" / "a.md"
    path.write_text(path.read_text().replace("Heavy ball prose.", "Nesterov lookahead prose."))
    build(root, root / "site", RunOptions(jobs=1))
    content = fragments(root / "site")["/posts/a/"]["content"]
    assert "Nesterov lookahead" in content and "Heavy ball" not in content
    search = root / "site" / SEARCH_DIR
    inodes = {p: p.stat().st_ino for p in search.rglob("*") if p.is_file()}
    build(root, root / "site", RunOptions(jobs=1))
    assert {p: p.stat().st_ino for p in search.rglob("*") if p.is_file()} == inodes


def edit_prose(root: Path, old: str, new: str) -> None:
    path = root / "posts" / "a.md"
    path.write_text(path.read_text().replace(old, new))


def test_a_deferred_index_is_marked_stale_until_updated(root: Path) -> None:
    from lessonpress.build import update_search

    site = root / "site"
    build(root, site, RunOptions(jobs=1))
    edit_prose(root, "Heavy ball prose.", "Nesterov lookahead prose.")
    build(root, site, RunOptions(jobs=1), defer_search=True)
    assert "Nesterov lookahead" in (site / "posts" / "a" / "index.html").read_text()
    assert "Heavy ball prose" in fragments(site)["/posts/a/"]["content"]  # the previous index, still whole
    assert (root / ".site.search-stale").exists()

    assert update_search(site) is True
    assert "Nesterov lookahead" in fragments(site)["/posts/a/"]["content"]
    assert not (root / ".site.search-stale").exists()
    assert update_search(site) is False


def test_a_build_after_a_deferred_one_never_keeps_the_stale_index(root: Path) -> None:
    site = root / "site"
    build(root, site, RunOptions(jobs=1))
    edit_prose(root, "Heavy ball prose.", "Adam moment prose.")
    build(root, site, RunOptions(jobs=1), defer_search=True)  # then serve stops before updating
    build(root, site, RunOptions(jobs=1))  # no page changed, but the index is stale
    assert "Adam moment" in fragments(site)["/posts/a/"]["content"]
    assert not (root / ".site.search-stale").exists()


def test_the_first_index_is_never_deferred(root: Path) -> None:
    build(root, root / "site", RunOptions(jobs=1), defer_search=True)
    assert "Heavy ball prose" in fragments(root / "site")["/posts/a/"]["content"]
    assert not (root / ".site.search-stale").exists()
