"""Fuzz the post parser: any input either builds or is reported with a location, never a crash."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonpress.errors import ContentError
from lessonpress.load import split_cells
from lessonpress.model import CellResult, LessonResult, PostSource, Project, SiteConfig
from lessonpress.parse import parse_posts
from lessonpress.render import render_site

LESSONS = {"lessons/p/l.py": split_cells("lessons/p/l.py", "# %% a\nx = 1.5\n# %% b\ny = 'text'\n")}
RESULTS = {
    "lessons/p/l.py": LessonResult(
        "lessons/p/l.py", (CellResult("a", "out\n"), CellResult("b", "")), {"x": 1.5, "y": "text"}
    )
}
THEME = Path(__file__).resolve().parent.parent / "templates"

FRAGMENTS = [
    "---\n",
    "title: T\n",
    "title: [\n",
    "series: 1.2\n",
    "series: x\n",
    "date: 2026-01-01\n",
    "date: nope\n",
    "summary: s\n",
    "tags: [a, b]\n",
    ": :\n",
    "\n",
    "# Heading\n",
    "## Sub *x*\n",
    "$x^2$",
    "$$\n\\frac{1}{2}\n$$\n",
    "$\\frac{$",
    "$$",
    "\\begin{pmatrix} a \\end{pmatrix}",
    "```{lesson} l.py#a\n```\n",
    "```{lesson} l.py\n:show: code\n```\n",
    "```{lesson} ../x.py\n```\n",
    "```{lesson} l.py#zz\n```\n",
    "```{lesson}\n```\n",
    "```{other} q\n```\n",
    ":caption: c\n",
    "{value}`l.py:x:.2f`",
    "{value}`l.py:y`",
    "{value}`l.py:x:Q`",
    "{value}`l.py`",
    "{value}``",
    "{role}`x`",
    ":::{solution}\n",
    ":::\n",
    "::: solution Title\n",
    "<details>",
    "</div>",
    "[link](../other/)",
    "[a](#nowhere)",
    "`code`",
    "*",
    "_",
    "\x00",
    "é",
    "\t",
    "> quote\n",
    "- item\n",
    "1. one\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
]

post_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=25).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=post_text)
def test_any_post_builds_or_reports_a_location(text: str) -> None:
    project = Project(
        Path("/nonexistent"), SiteConfig(), (PostSource("p", "posts/p.md", text),), LESSONS, (THEME,)
    )
    try:
        posts = parse_posts(project.posts, project.lessons)
        from lessonpress.validate import result_problems

        problems = result_problems(posts, LESSONS, RESULTS)
        if problems:
            raise ContentError(problems)
        render_site(project, posts, RESULTS)
    except ContentError as exc:
        for problem in exc.problems:
            assert problem.path.startswith(("posts/", "templates/")) and problem.line >= 1
            assert problem.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=post_text)
def test_any_body_under_valid_front_matter(body: str) -> None:
    test_any_post_builds_or_reports_a_location.hypothesis.inner_test(  # type: ignore[attr-defined]
        text='---\ntitle: T\nseries: "1.1"\n---\n\n' + body
    )
