"""{quiz} and {checklist} in a real browser: a small project built with the CLI and served over
HTTP. With JavaScript the options are radio buttons with a spoken verdict, checklist ticks are
remembered, axe finds nothing in either theme and the console stays clean; without JavaScript
the answers are in <details> and the checklist is a plain list."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import pytest

from ..conftest import post, write_project
from ..safety import cli
from .conftest import PageWatch
from .support import require, serve
from .test_accessibility import BLOCKING, _describe

BODY = """\
```{lesson} l.py
```

:::{quiz} Check yourself
1. What does the lesson print?
   - [ ] 0
   - [x] {value}`l.py:x`
   - [ ] $x + 1$
   > Because `x` is set to one.
2. Is it Python?
   - [X] Yes
   - [ ] No
   Why: it ends in *.py*.
:::

:::{checklist}
- I can print a value.
- I can read a lesson.
- I can quote it: {value}`l.py:x`.
:::
"""


@pytest.fixture(scope="module")
def quiz_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    world = tmp_path_factory.mktemp("quiz")
    root = write_project(
        world / "project", {"posts/p.md": post("P", body=BODY), "lessons/p/l.py": "x = 1; print(x)\n"}
    )
    out = world / "site"
    result = cli("build", "--root", str(root), "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    page = next(out.glob("**/p/index.html"))
    with serve(out, ("/",)) as origin:
        yield f"{origin}/{page.parent.relative_to(out).as_posix()}/"


def test_quiz_and_checklist_with_javascript(context: Any, quiz_url: str) -> None:
    require(
        importlib.util.find_spec("axe_playwright_python") is not None,
        "axe-playwright-python is not installed (pip install axe-playwright-python)",
    )
    from axe_playwright_python.sync_playwright import Axe

    page = context().new_page()
    watch = PageWatch(page)
    page.goto(quiz_url)

    # (1) the quiz: a wrong option by click, then the right one by keyboard
    first = page.locator(".quiz-question").first
    assert first.locator("fieldset.quiz-fieldset > legend").inner_text() == "What does the lesson print?"
    radios = first.get_by_role("radio")
    assert radios.count() == 3
    assert first.get_by_role("radio", name="x+1").count() == 1, "the math option's radio has no name"
    feedback = first.locator(".quiz-feedback")
    assert feedback.get_attribute("aria-live") == "polite"
    assert not feedback.is_visible(), "the feedback shows before an answer is picked"
    first.get_by_label("0", exact=True).check()
    assert feedback.locator("strong").inner_text() == "Not quite."
    assert "Because x is set to one." in feedback.inner_text()
    radios.nth(0).focus()
    page.keyboard.press("ArrowDown")
    assert radios.nth(1).is_checked()
    assert feedback.locator("strong").inner_text() == "Correct."
    assert "Because x is set to one." in feedback.inner_text()
    second = page.locator(".quiz-question").nth(1)
    second.get_by_label("No").check()
    assert second.locator(".quiz-feedback strong").inner_text() == "Not quite."
    assert "it ends in .py." in second.locator(".quiz-feedback").inner_text()
    answers = page.locator("details.quiz-answer")
    assert answers.count() == 2
    assert not answers.first.is_visible() and not answers.nth(1).is_visible()

    # (2) the checklist: one tick survives a reload, the others stay clear
    boxes = page.locator(".checklist-items").get_by_role("checkbox")
    assert boxes.count() == 3
    page.get_by_label("I can read a lesson.").check()
    page.reload()
    boxes = page.locator(".checklist-items").get_by_role("checkbox")
    assert [boxes.nth(i).is_checked() for i in range(3)] == [False, True, False]

    # (3) axe, light then dark, with a verdict showing
    page.locator(".quiz-question").first.get_by_label("0", exact=True).check()
    axe = Axe()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        violations = axe.run(page).response.get("violations", [])
        blocking = [v for v in violations if v.get("impact") in BLOCKING]
        assert not blocking, f"axe on the quiz ({scheme}):\n" + "\n".join(map(_describe, blocking))

    # (4) the console
    watch.check("the quiz page")


def test_quiz_and_checklist_without_javascript(context: Any, quiz_url: str) -> None:
    page = context(java_script_enabled=False).new_page()
    page.goto(quiz_url)
    assert page.locator("input").count() == 0
    answers = page.locator("details.quiz-answer")
    assert answers.count() == 2
    answers.first.locator("summary").click()
    assert "Because x is set to one." in answers.first.inner_text()
    assert page.locator(".quiz-options > li").count() == 5
    items = page.locator(".checklist ul.checklist-items > li")
    assert items.count() == 3 and items.first.inner_text() == "I can print a value."
