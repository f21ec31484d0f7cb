"""{quiz} and {checklist} blocks through the CLI: the page without JavaScript, and each
misuse a located error that leaves the published site as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import post
from .safety import Built, built, fails_safely

LESSON = "x = 1; print(x)\n"
QUIZ = """\
```{lesson} l.py
```

:::{quiz} Check yourself
1. What does the lesson print?
   - [ ] 0
   - [x] {value}`l.py:x`
   - [ ] $x + 1$
   > Because `x` is {value}`l.py:x:.2f`.
2. Is it Python?
   - [X] Yes
   - [ ] No
   Why: it ends in *.py*.
:::

:::{checklist}
- I can print a value.
- I can quote it: {value}`l.py:x`.
:::
"""


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return built(
        tmp_path_factory.mktemp("world"), {"posts/p.md": post("P", body=QUIZ), "lessons/p/l.py": LESSON}
    )


def page(case: Built) -> str:
    return next(case.out.glob("**/p/index.html")).read_text(encoding="utf-8")


def test_quiz_reads_without_javascript(case: Built) -> None:
    html = page(case)
    assert '<section class="quiz" aria-label="Check yourself">' in html
    assert '<div class="quiz-prompt" id="quiz:10:1">\n<p>What does the lesson print?</p>' in html
    assert '<li class="quiz-option" data-right=""><span class="lesson-value">1</span></li>' in html
    assert "<math" in html.split('<ul class="quiz-options">')[1].split("</ul>")[0]
    answer = html.split('<details class="quiz-answer">')[1].split("</details>")[0]
    assert "<summary>Answer</summary>" in answer
    assert '<p class="quiz-right"><span class="lesson-value">1</span></p>' in answer
    assert 'Because <code>x</code> is <span class="lesson-value">1.00</span>.' in answer
    second = html.split('<details class="quiz-answer">')[2].split("</details>")[0]
    assert '<p class="quiz-right">Yes</p>' in second
    assert "<p>it ends in <em>.py</em>.</p>" in second
    assert "[x]" not in html and "[ ]" not in html and "Why:" not in html


def test_checklist_is_a_plain_list_without_javascript(case: Built) -> None:
    html = page(case)
    assert '<div class="checklist" aria-label="Checklist" role="group">\n<ul class="checklist-items">' in html
    assert '<li class="checklist-item">I can quote it: <span class="lesson-value">1</span>.</li>' in html


MISUSES = {
    "no right option": (
        ":::{quiz}\n1. Q?\n   - [ ] a\n   - [ ] b\n:::\n",
        "posts/p.md:12: error: this question has no right option: mark it '- [x] ...'",
    ),
    "two right options": (
        ":::{quiz}\n1. Q?\n   - [x] a\n   - [x] b\n:::\n",
        "posts/p.md:12: error: this question has 2 right options (lines 12, 13): mark only one '[x]'",
    ),
    "no options": (
        ":::{quiz}\n1. Q?\n2. R?\n   - [x] a\n:::\n",
        "posts/p.md:11: error: this question has no options: add a nested list of options",
    ),
    "an unmarked option": (
        ":::{quiz}\n1. Q?\n   - [x] a\n   - b\n:::\n",
        "posts/p.md:13: error: this option is not marked right or wrong",
    ),
    "an empty quiz": (":::{quiz}\n:::\n", "posts/p.md:10: error: the {quiz} block is empty"),
    "a checklist without items": (
        ":::{checklist}\nI can nothing.\n:::\n",
        "posts/p.md:11: error: a {checklist} block holds only a list: write each item as '- I can ...'",
    ),
    "an unclosed quiz": (
        ":::{quiz}\n1. Q?\n   - [x] a\n",
        "posts/p.md:10: error: ':::{quiz}' is never closed",
    ),
}


@pytest.mark.parametrize("misuse", MISUSES)
def test_misuse_is_a_located_error(case: Built, misuse: str) -> None:
    source, message = MISUSES[misuse]
    path: Path = case.root / "posts/p.md"
    before = path.read_text(encoding="utf-8")
    path.write_text(post("P", body="```{lesson} l.py\n```\n\n" + source), encoding="utf-8")
    try:
        result = fails_safely(
            case, "build", "--root", str(case.root), "--out", str(case.out), code=1, message=message
        )
    finally:
        path.write_text(before, encoding="utf-8")
    assert result.stderr.count(": error: ") == 1, result.stderr
