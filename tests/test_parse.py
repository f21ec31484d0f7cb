"""Stage 2: front matter, directives, roles and math."""

from __future__ import annotations

import datetime as dt

import pytest

from lessonpress.errors import ContentError
from lessonpress.load import split_cells
from lessonpress.parse.markdown import new_markdown
from lessonpress.model import ModuleOutline, PostSource
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


@pytest.mark.parametrize("written, series", [("1.10", "1.10"), ("2.30", "2.30"), ('"01.2"', "1.2")])
def test_series_is_read_as_written(written: str, series: str) -> None:
    # Unquoted, YAML reads 1.10 as the float 1.1.
    assert parse(f"---\ntitle: T\nseries: {written}\n---\nBody\n").meta.series == series


def test_impossible_date_in_a_valid_field_is_text_elsewhere() -> None:
    post = parse("---\ntitle: T\nsummary: 2026-02-30\n---\nBody\n")
    assert post.meta.summary == "2026-02-30"


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
        (
            "---\ntitle: T\nseries: 1.0\n---\nBody\n",
            3,
            "'series' must look like \"1.2\" (module.post), got '1.0'",
        ),
        (
            "---\ntitle: T\ndate: 2026-13-45\n---\nBody\n",
            3,
            "'date' must be a date like 2026-10-29, got '2026-13-45' (month must be in 1..12)",
        ),
        (
            "---\ntitle: T\nsummary: S\ndate: 2026-02-30\n---\nBody\n",
            4,
            "'date' must be a date like 2026-10-29, got '2026-02-30' (day is out of range for month)",
        ),
        (
            "---\ntitle: T\ndraft: !!bool maybe\n---\nBody\n",
            3,
            "invalid YAML front matter: cannot read 'maybe' as !!bool",
        ),
        (
            "---\ntitle: T\n\nimage: !!binary x\n---\nBody\n",
            4,
            "invalid YAML front matter: failed to decode base64",
        ),
        ("---\ntitle: T\ndate: !!timestamp soon\n---\nBody\n", 3, "cannot read 'soon' as !!timestamp"),
        ("---\ntitle: T\ntags: " + "[" * 2000 + "]" * 2000 + "\n---\nBody\n", 1, "nested too deeply"),
        (
            "---\ntitle: A\nsummary: S\ntitle: B\n---\nBody\n",
            4,
            "invalid YAML front matter: duplicate key 'title' (first set on line 2): keep one of them",
        ),
        (
            "---\ntitle: T\nimage: {src: a.png,\n  src: b.png}\n---\nBody\n",
            4,
            "duplicate key 'src' (first set on line 3)",
        ),
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
        ("```{tabs} x.png\n```", 5, "unknown directive {tabs}"),
        ("```{figure} x.png\n```", 5, "{figure} x.png has no alt text"),
        ("{value}`l.py`", 5, "must look like"),
        ("{value}`nope.py:x`", 5, "lesson file 'nope.py' not found"),
        ("{term}`x`", 5, "unknown role {term}"),
        ("$\\frac{1}{$", 5, "cannot render math $\\frac{1}{$: a '{' is never closed"),
        ("$\\frac{1}$", 5, "cannot render math $\\frac{1}$: \\frac needs two arguments"),
        ("Text\n\n$\\frac{1}{2$", 7, "cannot render math $\\frac{1}{2$: a '{' is never closed"),
        ("$$\na^{2}}\n$$", 5, "a '}' has no matching '{'"),
        ("$L = {value}`l.py:x`$", 5, "a {value} role is not read inside math"),
        ("```{lesson} l.py\n:caption: Loss {value}`l.py:x`\n```", 6, ":caption: is plain text"),
        ("```{lesson} l.py\n:show: code\n:show: output\n```", 7, ":show: is given twice"),
        ("$$\nx^1^2\n$$", 5, "two superscripts in a row"),
        ("Text\n\n$\\alpah + \\beta$", 7, "unknown command \\alpah"),
        (":::{solution}\nThe answer.\n\nThe rest of the post.", 5, "':::{solution}' is never closed"),
        ("::::{solution}\n:::{solution}\ninner\n:::\n", 5, "'::::{solution}' is never closed"),
        (
            "Text.\n\n```python\nx = 1\n\nThe rest of the post.",
            7,
            "a ``` fence opened here is never closed: end the block with a ``` line",
        ),
        ("~~~~\nx = 1", 5, "a ~~~~ fence opened here is never closed: end the block with a ~~~~ line"),
        ("- item\n\n  ```\n  x = 1\n- next", 7, "a ``` fence opened here is never closed"),
        ("```{lesson} l.py\n:show: code\n\nText.", 5, "a ``` fence opened here is never closed"),
        (":::{solution}\n```\ncode\n:::", 6, "a ``` fence opened here is never closed"),
        ("$$\nx = 1\n\nThe rest of the post.", 5, "'$$' is never closed: end the formula with a '$$' line"),
        ("Text\n\n$$\nx = 1", 7, "'$$' is never closed"),
        ("Text\nmore text\n$$\nx = 1", 7, "'$$' is never closed"),
        (
            ":::{solution}\n:::{solution}\ninner\n:::\nhidden\n:::",
            6,
            "cannot nest ':::{solution}' in a block opened with as many colons (line 5): open the outer "
            "block with more, e.g. '::::{solution}', and close it with '::::'",
        ),
        (":::{solution}\n\n::::{solution}\ninner\n::::\n:::", 7, "cannot nest '::::{solution}'"),
        (
            "Text.\n\n:::\n\nMore.",
            7,
            "':::' closes no block: remove it, or open the block above with ':::{solution}'",
        ),
        ("Text.\n:::", 6, "':::' closes no block"),
        (":::{notee}\nA note.\n:::", 5, "unknown directive {notee}; known: {solution}, {note}, {tip}"),
        (":::note\nA note.\n:::", 5, "cannot read ':::note': write ':::{solution}'"),
    ],
)
def test_reference_errors_name_the_post_line(fence: str, line: int, needle: str) -> None:
    got_line, message = error_of(f"---\ntitle: T\n---\n\n{fence}\n")
    assert needle in message
    assert got_line == line


def test_only_the_nesting_error_is_reported_for_same_colon_nesting() -> None:
    with pytest.raises(ContentError) as info:
        parse("---\ntitle: T\n---\n\n:::{solution}\n:::{solution}\ninner\n:::\nhidden\n:::\n")
    assert [(p.line, p.message.split(":")[0]) for p in info.value.problems] == [(6, "cannot nest '")]


def test_closed_fences_in_lists_and_quotes_are_accepted() -> None:
    post = parse("---\ntitle: T\n---\n\n- a\n  ```\n  x\n  ```\n- b\n\n> ~~~\n> y\n> ~~~\n\n```\n```")
    assert [t.content for t in post.tokens if t.type == "fence"] == ["x\n", "y\n", ""]


def render(text: str) -> str:
    return new_markdown().render(text)


@pytest.mark.parametrize(
    "text, html",
    [
        ("It costs $5 and $10 today.", "<p>It costs $5 and $10 today.</p>\n"),
        ("Between $5/$10 a day.", "<p>Between $5/$10 a day.</p>\n"),
        ("A \\$ sign and \\$x\\$.", "<p>A $ sign and $x$.</p>\n"),
        ("$n$ is 2", '<p><span class="math inline">n</span> is 2</p>\n'),
        ("Costs $5, or $x$.", '<p>Costs $5, or <span class="math inline">x</span>.</p>\n'),
        ("$$a$$ and 2", '<p><div class="math inline">a</div> and 2</p>\n'),
        ("\\:::", "<p>:::</p>\n"),
    ],
)
def test_dollars_follow_pandoc(text: str, html: str) -> None:
    assert render(text) == html


def test_currency_is_prose_and_its_post_parses() -> None:
    post = parse("---\ntitle: T\n---\n\nIt costs $5 and $10 today, and $w^2$ is math.\n")
    children = [c for t in post.tokens if t.children for c in t.children]
    assert [c.type for c in children] == ["text", "math_inline", "text"]
    assert children[0].content == "It costs $5 and $10 today, and "


def test_nested_solution_with_more_colons_outside_renders_nested() -> None:
    text = "---\ntitle: T\n---\n\n::::{solution}\n:::{solution} Hint\nInner.\n:::\nOuter.\n::::\n"
    parse(text)
    html = render(text)
    assert html.count('<section class="solution"') == 2 and html.index("Inner") < html.index("Outer") < html.rindex(
        "</section>"
    )
    assert ":::" not in html


def test_value_role_and_math_are_parsed() -> None:
    post = parse("---\ntitle: T\n---\n\nLoss {value}`l.py:x:.2f` and $a^2$.\n\n$$\nb\n$$\n")
    (ref,) = post.value_refs
    assert (ref.lesson_path, ref.name, ref.spec, ref.line) == ("lessons/p/l.py", "x", ".2f", 5)
    mathml = [t for t in post.tokens if t.type == "math_block"][0].meta["mathml"]
    assert mathml.startswith("<math") and 'display="block"' in mathml


def test_text_inside_math_is_escaped() -> None:
    """latex2mathml let \\text{...} through unescaped: markup (even a script) reached the page."""
    post = parse("---\ntitle: T\n---\n\n$\\text{a < b & c}$\n\n$$\n\\text{</math><script>x</script>}\n$$\n")
    inline = [
        c.meta["mathml"] for t in post.tokens if t.children for c in t.children if c.type == "math_inline"
    ]
    block = [t.meta["mathml"] for t in post.tokens if t.type == "math_block"]
    assert "<mtext>a&#x000A0;&lt;&#x000A0;b&#x000A0;&amp;&#x000A0;c</mtext>" in inline[0]
    assert "<script" not in block[0] and block[0].count("</math>") == 1
    assert "&lt;/math&gt;&lt;script&gt;x&lt;/script&gt;" in block[0]


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


def test_series_outside_the_outline_is_reported() -> None:
    outline = (ModuleOutline(1, "M1", "G", ("a", "b")), ModuleOutline(2, "M2", "G", ("c",)))
    posts = (
        PostSource("p", "posts/p.md", '---\ntitle: A\nseries: "2.1"\n---\nhi\n'),
        PostSource("q", "posts/q.md", '---\ntitle: B\ndate: 2026-01-01\nseries: "3.1"\n---\nhi\n'),
        PostSource("r", "posts/r.md", '---\ntitle: C\nseries: "0.1"\n---\nhi\n'),
    )
    with pytest.raises(ContentError) as info:
        parse_posts(posts, LESSONS, modules=outline)
    assert [(p.path, p.line, p.message) for p in info.value.problems] == [
        (
            "posts/q.md",
            4,
            "series 3.1 is in module 3, but site.yaml's outline has modules 1 to 2: "
            "fix the number, or add the module to 'modules' in site.yaml",
        ),
        (
            "posts/r.md",
            3,
            "series 0.1 is in module 0, but site.yaml's outline has modules 1 to 2: "
            "fix the number, or add the module to 'modules' in site.yaml",
        ),
    ]
    assert len(parse_posts(posts, LESSONS)) == 3  # without an outline, any module is fine


def test_series_written_1_10_is_not_1_1() -> None:
    posts = (
        PostSource("p", "posts/p.md", "---\ntitle: A\nseries: 1.10\n---\nhi\n"),
        PostSource("q", "posts/q.md", '---\ntitle: B\nseries: "1.1"\n---\nhi\n'),
    )
    assert [p.meta.series for p in parse_posts(posts, LESSONS)] == ["1.10", "1.1"]


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


@pytest.mark.parametrize(
    "text, line, message",
    [
        (
            "---\ntitle: A\n\nThe body.\n",
            1,
            "the front matter opened on line 1 is never closed: "
            "end it with a '---' line after its YAML fields (title, date, ...)",
        ),
        (
            "---\n",
            1,
            "the front matter opened on line 1 is never closed: "
            "end it with a '---' line after its YAML fields (title, date, ...)",
        ),
        (
            '---\ntitle: "abc\nsummary: S\n---\nBody\n',
            2,
            'invalid YAML front matter: the " opened here is never closed: end the text with another "',
        ),
        (
            "---\ntitle: T\nsummary: 'abc\n\n---\nBody\n",
            3,
            "invalid YAML front matter: the ' opened here is never closed: end the text with another '",
        ),
        (
            "---\ntitle: T\noops\nsummary: S\n---\nBody\n",
            3,
            "invalid YAML front matter: could not find expected ':' (while scanning a simple key that starts here)",
        ),
        (
            '---\ntitle: T\nsummary: "bell \\a here"\n---\nBody\n',
            3,
            "invalid YAML front matter: 'bell \\x07 here' holds the control character U+0007: remove it",
        ),
    ],
)
def test_unclosed_front_matter_and_quotes_are_reported_where_they_open(
    text: str, line: int, message: str
) -> None:
    assert error_of(text) == (line, message)


@pytest.mark.parametrize(
    "fence, message",
    [
        (
            "```{lesson} data.txt\n```",
            "lesson file 'data.txt' is not a lesson: a lesson is a .py script or a notebook (.ipynb, or a "
            "MyST/Jupytext Markdown notebook with a jupytext or kernelspec header) in lessons/p/",
        ),
        (
            "{value}`notes.md:x`",
            "lesson file 'notes.md' is not a lesson: a lesson is a .py script or a notebook (.ipynb, or a "
            "MyST/Jupytext Markdown notebook with a jupytext or kernelspec header) in lessons/p/",
        ),
        (
            "```{lesson} sub\\l.py\n```",
            "lesson path 'sub\\l.py' has a '\\': use '/' between folders ('sub/l.py')",
        ),
        (
            "```{lesson} C:\\l.py\n```",
            "lesson path 'C:\\\\l.py' must be relative to lessons/p/, not absolute",
        ),
    ],
)
def test_lesson_paths_that_are_not_lessons_say_why(fence: str, message: str) -> None:
    assert error_of(f"---\ntitle: T\n---\n\n{fence}\n") == (5, message)
