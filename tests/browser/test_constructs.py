"""Every construct of docs/authoring.md on one page, in a real browser.

The fixture project tests/browser/constructs/ has a post that uses each of them (lesson cells
shown four ways, {value}, solutions, the ten admonitions, {admonition}, dropdowns, labels,
footnotes, definition lists, comments, block breaks, TOML front matter, images, figures,
numbered equations, the cross-reference roles, the inline roles, {code-block}, a quiz and a
checklist), a second post it links to and a draft. It is built with the CLI; the page passes
the Nu HTML checker, axe finds nothing serious in the light or the dark theme, full-page
screenshots go to test-artifacts/constructs-{light,dark}.png, and each construct shows and
works as the guide says.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..safety import cli
from .conftest import PageWatch
from .pages import load_images
from .support import nu_report, require, serve
from .test_accessibility import BLOCKING, _describe

FIXTURE = Path(__file__).parent / "constructs"
SLUG = "every-construct"
PAGE = f"posts/{SLUG}/index.html"
# Each admonition on the page, in order: (kind, title shown).
ADMONITIONS = [
    ("note", "The loss is 0.062"),
    ("tip", "Tip"),
    ("note", "Note"),  # nested in the tip
    ("hint", "Hint"),
    ("important", "Important"),
    ("warning", "Warning"),
    ("caution", "Caution"),
    ("danger", "Danger"),
    ("seealso", "See also"),
    ("attention", "Attention"),
    ("error", "Error"),
    ("tip", "What to remember"),  # {admonition} with :class: tip
    ("note", "More detail"),  # :class: dropdown
    ("note", "Open me"),  # {dropdown}
    ("important", "A labelled box"),  # :name: box-label
]


@pytest.fixture(scope="module")
def constructs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project copied to a temporary folder (the build writes its cache there)
    and built with the CLI."""
    world = tmp_path_factory.mktemp("constructs")
    root = world / "project"
    shutil.copytree(FIXTURE, root)
    out = world / "site"
    result = cli("build", "--root", str(root), "--out", str(out), "--quiet")
    assert result.returncode == 0, f"the build failed:\n{result.stdout}\n{result.stderr}"
    return out


@pytest.fixture(scope="module")
def constructs_url(constructs_site: Path) -> Iterator[str]:
    with serve(constructs_site, ("/",)) as origin:
        yield f"{origin}/posts/{SLUG}/"


def test_the_build_publishes_the_page_and_not_the_draft(constructs_site: Path) -> None:
    html = (constructs_site / PAGE).read_text(encoding="utf-8")
    for name in ("diagram.svg", "demo.py", "demo.ipynb", "demo-plot-1.png"):
        assert (constructs_site / "posts" / SLUG / name).is_file(), f"{name} is not beside the page"
    assert (constructs_site / "posts/second-post/index.html").is_file()
    # draft: true -> no page, and no entry in the index, the feed or the sitemap
    assert not (constructs_site / "posts/draft-notes").exists()
    for name in ("index.html", "feed.xml", "sitemap.xml"):
        text = (constructs_site / name).read_text(encoding="utf-8")
        assert "draft-notes" not in text and "Draft Notes" not in text, f"the draft is in {name}"
    # % comments, +++ breaks and option lines do not show
    for hidden in ("This comment is for the author only", "+++", ":class:", ":name:", ":label:", ":linenos:"):
        assert hidden not in html, f"{hidden!r} shows on the page"


def test_the_page_passes_the_nu_html_checker(constructs_site: Path) -> None:
    """The same check as tests/test_site_validity.py, on the constructs page and the post it
    links to."""
    count, report = nu_report([constructs_site / PAGE, constructs_site / "posts/second-post/index.html"], constructs_site)
    assert not count, f"{count} HTML errors:\n{report}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_both_themes_pass_axe_and_are_photographed(
    context: Any, constructs_url: str, artifacts: Path, scheme: str
) -> None:
    require(
        importlib.util.find_spec("axe_playwright_python") is not None,
        "axe-playwright-python is not installed (pip install axe-playwright-python)",
    )
    from axe_playwright_python.sync_playwright import Axe

    page = context(color_scheme=scheme).new_page()
    watch = PageWatch(page)
    page.goto(constructs_url)
    page.wait_for_load_state("load")
    images = load_images(page)
    assert len(images) == 4, images  # the cell's figure, ![...], {figure} and {image}
    broken = [image["src"] for image in images if not image["naturalWidth"]]
    assert not broken, f"images that did not load: {broken}"

    # Each admonition's title and left rule take its kind's colour, and the kinds differ.
    colours = page.evaluate("""() => Array.from(document.querySelectorAll('.admonition')).map(a => [
        getComputedStyle(a.querySelector(':scope > .admonition-title')).color,
        getComputedStyle(a).borderLeftColor])""")
    assert all(title == rule for title, rule in colours), colours
    assert len({title for title, _ in colours}) >= 8, f"the kinds share colours: {colours}"

    page.screenshot(path=str(artifacts / f"constructs-{scheme}.png"), full_page=True)

    # axe with everything open: the dropdowns, the folded code and the quiz's verdict
    summaries = page.locator(".post-body :is(details.admonition, details.cell-fold) > summary")
    for index in range(summaries.count()):
        summaries.nth(index).click()
    page.locator(".quiz-question").first.get_by_role("radio").first.check()
    violations = Axe().run(page).response.get("violations", [])
    (artifacts / f"axe-constructs-{scheme}.json").write_text(json.dumps(violations, indent=1))
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert not blocking, f"axe on the constructs page ({scheme}):\n" + "\n".join(map(_describe, blocking))
    watch.check(f"the constructs page ({scheme})")


def test_each_construct_shows_and_works(context: Any, constructs_url: str) -> None:
    page = context().new_page()
    watch = PageWatch(page)
    page.goto(constructs_url)
    page.wait_for_load_state("load")
    body = page.locator(".post-body")

    # TOML front matter: the title, the date and the series position
    assert page.locator("h1").first.inner_text() == "Every Construct"
    assert page.locator(".post-header time").get_attribute("datetime") == "2026-01-05"
    assert "Post 1 of 2" in page.locator(".breadcrumb").inner_text()

    # {value} roles, formatted; a list gets its items
    values = body.locator(".lesson-value").all_inner_texts()
    assert values[:3] == ["0.0625", "0.5", "[0, 1, 2, 3, 4]"], values

    # lesson cells: both (code, figure with caption and alt), code only, output only, folded
    cells = body.locator(":scope > .lesson-cell")
    assert cells.count() == 4
    both, code, output, folded = (cells.nth(i) for i in range(4))
    assert both.locator(".cell-code").is_visible() and both.locator("figure.cell-figure img").is_visible()
    assert both.locator("figcaption").inner_text() == "The loss halves every epoch."
    assert both.locator("img").get_attribute("alt") == (
        "A line plot of the loss falling from 1 to 0.0625 over four epochs."
    )
    assert code.locator(".cell-code").is_visible() and code.locator(".cell-output").count() == 0
    assert output.locator(".cell-code").count() == 0
    assert output.locator(".cell-output pre").inner_text() == "final loss: 0.0625"
    fold = folded.locator("details.cell-fold")
    assert fold.get_attribute("open") is None
    assert fold.locator("summary").inner_text() == "Show the code"
    assert not fold.locator(".cell-code").is_visible(), "the folded cell's code is not collapsed"
    assert folded.locator(".cell-output pre").is_visible(), "the folded cell's output is not in view"
    fold.locator("summary").click()
    assert fold.locator(".cell-code").is_visible(), "the folded code does not open"

    # solutions: open, labelled by their heading
    solutions = body.locator("section.solution")
    assert solutions.count() == 2
    assert solutions.locator("h3.solution-label").all_inner_texts() == ["Solution", "A hint"]
    assert solutions.first.is_visible() and "0.0625" in solutions.first.inner_text()

    # admonitions: each kind, each title in view (dropdowns: the summary), nesting kept
    boxes = body.locator(".admonition")
    found = [
        (next(c.removeprefix("admonition-") for c in classes.split() if c.startswith("admonition-")), title)
        for classes, title in zip(
            boxes.evaluate_all("els => els.map(e => e.className)"),
            boxes.evaluate_all("els => els.map(e => e.querySelector(':scope > .admonition-title').innerText)"),
            strict=True,
        )
    ]
    assert found == ADMONITIONS
    for index in range(boxes.count()):
        title = boxes.nth(index).locator(":scope > .admonition-title")
        assert title.is_visible(), f"the title of admonition {found[index]} is not visible"
    assert body.locator(".admonition-tip > .admonition-note").count() == 1, "the nested note is not nested"
    assert body.locator(".admonition-warning .lesson-cell .cell-output").is_visible()
    assert body.locator("div.admonition").evaluate_all(
        "els => els.every(e => e.getAttribute('role') === 'note')"
    )

    # dropdowns (:class: dropdown and {dropdown}): closed, and open on a click
    dropdowns = body.locator("details.admonition.dropdown")
    assert dropdowns.count() == 2
    for index, line in enumerate(("closed until the reader opens it", "body of a sphinx-design dropdown")):
        dropdown = dropdowns.nth(index)
        content = dropdown.locator(":scope > p")
        assert dropdown.get_attribute("open") is None and not content.is_visible()
        dropdown.locator("summary").click()
        assert content.is_visible() and line in content.inner_text()
        assert dropdown.evaluate("d => d.open")

    # :name: labels reach an admonition, a cell, a figure, an equation and headings
    assert body.locator("a.xref-ref[href='#box-label']").inner_text() == "A labelled box"
    assert body.locator("a.xref-ref[href='#cell-plot']").inner_text() == "demo.py#plot"
    for label in ("box-label", "cell-plot", "fig-loop", "update", "mse", "cells-section", "math-section"):
        assert page.locator(f"[id='{label}']").count() == 1, f"no element has the id {label!r}"

    # inline roles
    abbr = body.locator("abbr").first
    assert abbr.inner_text() == "MSE" and abbr.get_attribute("title") == "mean squared error"
    assert body.locator("kbd").inner_text() == "Ctrl+C"
    assert body.locator("p sup").first.inner_text() == "2" and body.locator("p sub").first.inner_text() == "2"
    assert page.locator("h2#roles-like-h2o sub").inner_text() == "2", "a role in a heading"
    assert body.locator("p math").count() >= 3, "inline {math} and $...$ are not MathML"

    # footnotes: numbered in order, linked both ways, listed at the end
    refs = body.locator("sup.footnote-ref a")
    assert refs.all_inner_texts() == ["[1]", "[2]"]
    notes = body.locator("section.footnotes li.footnote-item")
    assert notes.count() == 2 and "A second paragraph" in notes.nth(1).inner_text()
    refs.first.click()
    assert page.evaluate("location.hash") == "#fn:1"
    notes.first.locator("a.footnote-backref").click()
    assert page.evaluate("location.hash") == "#fnref:1"

    # definition lists
    assert body.locator("dl dt").all_inner_texts() == ["Learning rate", "Epoch"]
    assert body.locator("dl dd").first.inner_text() == "How far each step moves the weights."

    # images: ![alt](file), a numbered {figure} with a Markdown caption and a width, an {image}
    figure = body.locator("figure.post-figure#fig-loop")
    caption = figure.locator("figcaption")
    assert caption.is_visible() and caption.inner_text().startswith("Figure 1. The training loop")
    assert caption.locator(".caption-number").inner_text() == "Figure 1."
    assert caption.locator("strong").inner_text() == "loss", "the caption's Markdown is not drawn"
    assert figure.locator("img").get_attribute("style") == "width: 50%"
    image_box, figure_box = figure.locator("img").bounding_box(), figure.bounding_box()
    assert image_box and figure_box
    middle = figure_box["x"] + figure_box["width"] / 2
    assert abs(image_box["x"] + image_box["width"] / 2 - middle) < 2, "the figure is not centred over its caption"
    assert body.locator("p > img[src='diagram.svg']").first.get_attribute("alt") == (
        "Three boxes joined by arrows: data, model and loss"
    )
    assert body.locator(".post-image img").get_attribute("width") == "200"

    # equations: {math} with :label: and $$ $$ (label), numbered (1) and (2) at the right
    equations = body.locator(".math-display.numbered")
    assert equations.count() == 2
    assert equations.locator(".equation-number").all_inner_texts() == ["(1)", "(2)"]
    number = equations.first.locator(".equation-number").bounding_box()
    box = equations.first.bounding_box()
    assert number and box and number["x"] + number["width"] > box["x"] + box["width"] - 2
    assert equations.first.locator("math").is_visible()

    # cross-reference roles
    def link(href: str, nth: int = 0) -> str:
        return body.locator(f"a.xref[href='{href}']").nth(nth).inner_text()

    assert body.locator("a.xref-eq[href='#mse']").inner_text() == "(2)"
    assert body.locator("a.xref-eq[href='#update']").inner_text() == "(1)"
    assert body.locator("a.xref-numref[href='#update']").inner_text() == "Eq. 1"
    assert body.locator("a.xref-numref[href='#mse']").inner_text() == "Equation 2"
    assert body.locator("a.xref-numref[href='#fig-loop']").inner_text() == "Fig. 1"
    assert link("#cells-section") == "Lesson cells" and link("#cells-section", 1) == "that section"
    assert link("../second-post/#second-section") == "its heading"
    docs = body.locator("a.xref-doc")
    assert set(docs.all_inner_texts()) == {"A Second Post"} and docs.count() == 3
    docs.last.click()
    page.wait_for_url("**/posts/second-post/")
    assert page.locator("h1").first.inner_text() == "A Second Post"
    page.go_back()
    page.wait_for_url(f"**/posts/{SLUG}/**")

    # {code-block}: highlighted code, shown plainly
    assert "for epoch in range(3):" in body.locator(".code-block pre").inner_text()
    assert body.locator(".code-block .highlight .k").first.inner_text() == "for"

    # comments and block breaks do not show
    text = body.inner_text()
    assert "This comment is for the author only" not in text and "+++" not in text

    # the quiz, by keyboard only: Tab to the first option, arrows to the right one
    question = body.locator(".quiz-question").first
    radios = question.get_by_role("radio")
    assert radios.count() == 3
    feedback = question.locator(".quiz-feedback")
    assert not feedback.is_visible()
    body.locator("#check-yourself a.header-anchor").focus()
    for _ in range(6):
        page.keyboard.press("Tab")
        if radios.first.evaluate("r => r === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reaches the quiz's first option")
    page.keyboard.press("Space")
    assert radios.first.is_checked()
    assert feedback.locator("strong").inner_text() == "Not quite."
    page.keyboard.press("ArrowDown")
    assert radios.nth(1).is_checked()
    assert feedback.locator("strong").inner_text() == "Correct."
    assert "sets it" in feedback.inner_text()
    second = body.locator(".quiz-question").nth(1)
    second.get_by_label("Yes").check()
    assert second.locator(".quiz-feedback strong").inner_text() == "Correct."

    # the checklist: a checkbox per item
    boxes = body.locator(".checklist-items").get_by_role("checkbox")
    assert boxes.count() == 2
    page.get_by_label("I can show a lesson cell four ways.").check()
    assert boxes.first.is_checked()

    watch.check("the constructs page")
