"""MyST constructs through the CLI: admonitions, footnotes, definition lists, `%` comments and
`+++` breaks build into the expected HTML, and each misuse is a located error that keeps the
published site."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import post, write_project
from .browser.support import nu_report
from .safety import CACHE, Built, built, cli, copy_built, fails_safely, misuse_fails

KINDS = ("note", "tip", "hint", "important", "warning", "caution", "danger", "seealso", "attention", "error")
EACH_KIND = "\n\n".join(f":::{{{kind}}}\nA {kind}.\n:::" for kind in KINDS)
BODY = f"""Footnotes[^a] can be long[^long], and cited twice[^a].

% a comment the page does not show
+++ a block break, not shown either

:::{{note}} Loss is {{value}}`l.py:x:.2f`
Inside a note: $x^2$ and {{value}}`l.py:x`.

```{{lesson}} l.py#a
```
:::

````{{warning}}
Careful.

```{{tip}} Nested tip
A tip inside a warning, with a footnote[^inner].
```
````

::::{{danger}} Outer
:::{{seealso}}
Inner.
:::
::::

{EACH_KIND}

Term
: Its definition.

[^a]: The first footnote.
[^long]: A longer one.

    With a second paragraph.
[^inner]: Defined after its admonition.
"""
FILES: dict[str, str | bytes] = {
    "posts/p.md": post("P", body=BODY),
    "lessons/p/l.py": "# %% a\nx = 1.5\nprint(x)\n",
}
PAGE = "posts/p/index.html"


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parents: list[Element]
    text: list[str] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()


class Elements(HTMLParser):
    """Every element of a page, with its ancestors and the text inside it."""

    VOID = {"meta", "link", "img", "br", "hr", "input", "source", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.all: list[Element] = []
        self.stack: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, list(self.stack))
        self.all.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.text.append(data)

    def having(self, cls: str) -> list[Element]:
        return [e for e in self.all if cls in e.classes]


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return built(tmp_path_factory.mktemp("myst"), FILES)


@pytest.fixture(scope="module")
def page(case: Built) -> Elements:
    return Elements((case.out / PAGE).read_text(encoding="utf-8"))


def test_admonitions_of_every_kind_have_a_role_a_title_and_an_accent_class(page: Elements) -> None:
    boxes = page.having("admonition")
    kinds = [next(c for c in box.classes if c.startswith("admonition-")) for box in boxes]
    assert sorted(set(kinds)) == sorted(f"admonition-{kind}" for kind in KINDS)
    for box in boxes:
        assert box.tag == "div" and box.attrs["role"] == "note" and box.attrs["aria-label"]
    titles = page.having("admonition-title")
    assert len(titles) == len(boxes)
    assert all("admonition" in title.parents[-1].classes for title in titles)
    shown = ["".join(title.text) for title in titles]
    assert shown[:5] == ["Loss is 1.50", "Warning", "Nested tip", "Outer", "See also"]
    assert "Note" in shown and "Attention" in shown


def test_admonitions_nest_and_hold_full_markdown(page: Elements) -> None:
    (tip,) = page.having("admonition-tip")[:1]
    assert "admonition-warning" in [c for p in tip.parents for c in p.classes]
    seealso = page.having("admonition-seealso")[0]
    assert any("admonition-danger" in p.classes for p in seealso.parents)
    note = page.having("admonition-note")[0]
    inside = [e for e in page.all if note in e.parents]
    assert any(e.tag == "math" for e in inside)
    assert any("lesson-cell" in e.classes for e in inside)
    assert "1.5" in [("".join(e.text)) for e in inside if "lesson-value" in e.classes]


def test_footnotes_link_both_ways_with_unique_ids(page: Elements) -> None:
    ids = [e.attrs["id"] for e in page.all if "id" in e.attrs]
    assert len(ids) == len(set(ids))
    sups = page.having("footnote-ref")
    refs = [e for e in page.all if e.tag == "a" and e.parents and e.parents[-1] in sups]
    assert [(a.attrs["href"], sup.attrs["id"]) for a, sup in zip(refs, sups, strict=True)] == [
        ("#fn:1", "fnref:1"),
        ("#fn:2", "fnref:2"),
        ("#fn:1", "fnref:1:2"),
        ("#fn:3", "fnref:3"),
    ]
    items = page.having("footnote-item")
    assert [li.attrs["id"] for li in items] == ["fn:1", "fn:2", "fn:3"]
    backs = [a.attrs["href"] for a in page.having("footnote-backref")]
    assert backs == ["#fnref:1", "#fnref:1:2", "#fnref:2", "#fnref:3"]
    assert all(href[1:] in ids for href in backs + [a.attrs["href"] for a in refs])
    assert "With a second paragraph." in "".join(items[1].text)


def test_definition_lists_comments_and_block_breaks(case: Built, page: Elements) -> None:
    assert [e.tag for e in page.all if e.tag in ("dl", "dt", "dd")] == ["dl", "dt", "dd"]
    html = (case.out / PAGE).read_text(encoding="utf-8")
    assert "comment the page does not show" not in html
    assert "block break" not in html and "+++" not in html and "myst-block" not in html


def test_the_build_has_no_link_warnings(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", FILES)
    result = cli("build", "--root", str(root), "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr.lower(), result.stderr


def test_a_page_drawn_from_the_parse_memo_is_byte_identical(case: Built, tmp_path: Path) -> None:
    copy = copy_built(case, tmp_path / "copy")
    parsed = (copy.root / CACHE / "parsed.pickle").read_bytes()
    shutil.rmtree(copy.root / CACHE / "pages")
    out = tmp_path / "again"
    result = cli("build", "--root", str(copy.root), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (copy.root / CACHE / "parsed.pickle").read_bytes() == parsed  # nothing parsed again
    assert (out / PAGE).read_bytes() == (case.out / PAGE).read_bytes()


def nu_errors(page: Path) -> str:
    """The Nu HTML checker's report on `page` ("" when it has no error)."""
    count, report = nu_report([page], page.parent)
    return report if count else ""


def test_the_page_passes_the_nu_html_checker(case: Built) -> None:
    assert nu_errors(case.out / PAGE) == ""


MISUSES = [
    (":::{notee}\nx\n:::", 7, "unknown directive {notee}; known: {solution}, {note}"),
    ("```{notee}\nx\n```", 7, "unknown directive {notee}; known: {lesson}, {note}"),
    ("Text[^nope].", 7, "footnote [^nope] is never defined"),
    ("```{note}\nfirst\n\nsee[^zz]\n```", 10, "footnote [^zz] is never defined"),
    (":::{note}\nThe rest of the post.", 7, "':::{note}' is never closed"),
    ("```{warning}\nThe rest of the post.", 7, "a ``` fence opened here is never closed"),
    (":::{note}\n:::{tip}\nx\n:::\ny\n:::", 8, "cannot nest ':::{tip}'"),
    (":::{note}\nSee {value}`nope.py:x`.\n:::", 8, "lesson file 'nope.py' not found"),
    ("````{tip}\n```{lesson} l.py#nope\n```\n````", 8, "lesson l.py has no cell 'nope'"),
]


@pytest.mark.parametrize("body, line, message", MISUSES)
def test_each_misuse_is_a_located_error_that_keeps_the_site(
    case: Built, tmp_path: Path, body: str, line: int, message: str
) -> None:
    stderr = misuse_fails(case, tmp_path / "copy", "posts/p.md", post("P", body=body))
    assert f"posts/p.md:{line}: error: {message}" in stderr, stderr


def test_a_value_inside_an_admonition_is_validated(case: Built, tmp_path: Path) -> None:
    copy = copy_built(case, tmp_path / "copy")
    body = "::::{note}\nText.\n\n:::{tip}\nSee {value}`l.py:missing`.\n:::\n::::"
    (copy.root / "posts/p.md").write_text(post("P", body=body), encoding="utf-8")
    result = fails_safely(copy, "build", "--root", str(copy.root), "--out", str(copy.out), code=1)
    assert "posts/p.md:11: error:" in result.stderr and "missing" in result.stderr, result.stderr
