"""Stage 2: front matter, directives, roles and math."""

from __future__ import annotations

import datetime as dt

import pytest

from lessonpress.errors import ContentError
from lessonpress.load import split_cells
from lessonpress.markdown import new_markdown
from lessonpress.model import PostSource
from lessonpress.parse import parse_post, parse_posts

LESSONS = {
    "lessons/p/l.py": split_cells("lessons/p/l.py", "# %% a\nx = 1\n# %% b\ny = 2\n"),
    "lessons/shared/s.py": split_cells("lessons/shared/s.py", "z = 3\n"),
}


def parse(text: str, slug: str = "p"):  # type: ignore[no-untyped-def]
    return parse_post(new_markdown(), PostSource(slug, f"posts/{slug}.md", text), LESSONS)


def error_of(text: str) -> tuple[int, str]:
    with pytest.raises(ContentError) as info:
        parse(text)
    problem = info.value.problems[0]
    assert problem.path == "posts/p.md"
    return problem.line, problem.message


def test_front_matter_fields() -> None:
    post = parse('---\ntitle: "T: x"\nseries: "1.2"\ndate: 2026-10-29\nsummary: S\ntags: [a, b]\n---\nBody\n')
    assert post.meta.title == "T: x"
    assert post.meta.series == "1.2"
    assert post.meta.date == dt.date(2026, 10, 29)
    assert post.meta.tags == ("a", "b")


def test_unquoted_series_number_is_accepted() -> None:
    assert parse("---\ntitle: T\nseries: 2.3\n---\nBody\n").meta.series == "2.3"


@pytest.mark.parametrize(
    "text, line, needle",
    [
        ("---\ntitle: [unclosed\n---\nBody\n", 2, "invalid YAML"),
        ("---\nsummary: no title\n---\nBody\n", 1, "needs a 'title'"),
        ("---\ntitle: ''\n---\nBody\n", 2, "needs a 'title'"),
        ("no front matter\n", 1, "missing front matter"),
        ("", 1, "missing front matter"),
        ("---\ntitle: T\n---\n", 3, "no content"),
        ("---\ntitle: T\nseries: one\n---\nBody\n", 3, "'series' must look like"),
        ("---\ntitle: T\ndate: soon\n---\nBody\n", 3, "'date' must be a date"),
    ],
)
def test_front_matter_errors_name_the_line(text: str, line: int, needle: str) -> None:
    got_line, message = error_of(text)
    assert needle in message
    assert got_line == line


def test_directive_with_options() -> None:
    post = parse("---\ntitle: T\n---\n\n```{lesson} l.py#b\n:show: output\n:caption: C1\n:caption: C2\n```\n")
    (ref,) = post.lesson_refs
    assert (ref.lesson_path, ref.cell_name, ref.show, ref.captions, ref.line) == (
        "lessons/p/l.py",
        "b",
        "output",
        ("C1", "C2"),
        5,
    )


def test_directive_without_cell_means_whole_script() -> None:
    (ref,) = parse("---\ntitle: T\n---\n```{lesson} l.py\n```\n").lesson_refs
    assert ref.cell_name is None and ref.show == "both"


def test_directive_may_reach_other_lesson_folders_inside_lessons() -> None:
    (ref,) = parse("---\ntitle: T\n---\n```{lesson} ../shared/s.py\n```\n").lesson_refs
    assert ref.lesson_path == "lessons/shared/s.py"


@pytest.mark.parametrize(
    "fence, line, needle",
    [
        ("```{lesson} missing.py\n```", 5, "lesson file 'missing.py' not found"),
        ("```{lesson} l.py#nope\n```", 5, "has no cell 'nope'; its cells: a, b"),
        ("```{lesson} ../../etc/passwd\n```", 5, "outside the lessons folder"),
        ("```{lesson} /etc/passwd\n```", 5, "not absolute"),
        ("```{lesson} l.py\n:colour: red\n```", 6, "unknown option :colour:"),
        ("```{lesson} l.py\n:show: everything\n```", 6, ":show: must be one of"),
        ("```{lesson} l.py\nprint(1)\n```", 6, "unexpected line"),
        ("```{figure} x.png\n```", 5, "unknown directive {figure}"),
        ("{value}`l.py`", 5, "must look like"),
        ("{value}`nope.py:x`", 5, "lesson file 'nope.py' not found"),
        ("{ref}`x`", 5, "unknown role {ref}"),
        ("$\\frac{1}{$", 5, "cannot render math $\\frac{1}{$: a '{' is never closed"),
        ("$\\frac{1}$", 5, "cannot render math $\\frac{1}$: \\frac needs two arguments"),
        ("Text\n\n$\\frac{1}{2$", 7, "cannot render math $\\frac{1}{2$: a '{' is never closed"),
        ("$$\na^{2}}\n$$", 5, "a '}' has no matching '{'"),
        ("$$\nx^1^2\n$$", 5, "two superscripts in a row"),
        ("Text\n\n$\\alpah + \\beta$", 7, "unknown command \\alpah"),
        (":::{solution}\nThe answer.\n\nThe rest of the post.", 5, "':::{solution}' is never closed"),
        ("::::{solution}\n:::{solution}\ninner\n:::\n", 5, "'::::{solution}' is never closed"),
    ],
)
def test_reference_errors_name_the_post_line(fence: str, line: int, needle: str) -> None:
    got_line, message = error_of(f"---\ntitle: T\n---\n\n{fence}\n")
    assert needle in message
    assert got_line == line


def test_value_role_and_math_are_parsed() -> None:
    post = parse("---\ntitle: T\n---\n\nLoss {value}`l.py:x:.2f` and $a^2$.\n\n$$\nb\n$$\n")
    (ref,) = post.value_refs
    assert (ref.lesson_path, ref.name, ref.spec, ref.line) == ("lessons/p/l.py", "x", ".2f", 5)
    mathml = [t for t in post.tokens if t.type == "math_block"][0].meta["mathml"]
    assert mathml.startswith("<math") and 'display="block"' in mathml


def test_escaped_braces_in_math_need_no_partner() -> None:
    post = parse(
        "---\ntitle: T\n---\n\nThe set $\\{x \\mid x > 0\\}$ and $\\left\\{ a \\right.$ and $a \\\\ {b}$.\n"
    )
    mathml = [
        c.meta["mathml"] for t in post.tokens if t.children for c in t.children if c.type == "math_inline"
    ]
    assert len(mathml) == 3 and all(m.startswith("<math") for m in mathml)


def test_all_problems_are_collected_across_posts() -> None:
    posts = (
        PostSource("p", "posts/p.md", "---\ntitle: T\n---\n```{lesson} x.py\n```\n{value}`y.py:v`\n"),
        PostSource("q", "posts/q.md", "---\nseries: 1.1\n---\nhi\n"),
    )
    with pytest.raises(ContentError) as info:
        parse_posts(posts, LESSONS)
    assert [(p.path, p.line) for p in info.value.problems] == [
        ("posts/p.md", 4),
        ("posts/p.md", 6),
        ("posts/q.md", 1),
    ]


def test_duplicate_series_numbers_are_reported() -> None:
    posts = (
        PostSource("p", "posts/p.md", '---\ntitle: A\nseries: "1.1"\n---\nhi\n'),
        PostSource("q", "posts/q.md", '---\ntitle: B\nseries: "1.1"\n---\nhi\n'),
    )
    with pytest.raises(ContentError) as info:
        parse_posts(posts, LESSONS)
    (problem,) = info.value.problems
    assert (problem.path, problem.line) == ("posts/q.md", 3)
    assert "already used by posts/p.md" in problem.message
