"""Stage 1: cell splitting and loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonpress.errors import ContentError
from lessonpress.load import load_project, split_cells

from .conftest import write_project

SCRIPT = '''"""Doc."""
import math

# %% data
x = 1

# %% train
y = x + 1
# %% broken tags=["raises-exception"]
raise ValueError("no")
'''


def test_cells_have_names_lines_and_tags() -> None:
    lesson = split_cells("lessons/a/l.py", SCRIPT)
    assert [c.name for c in lesson.cells] == ["setup", "data", "train", "broken"]
    data = lesson.cell("data")
    assert data is not None and data.line == 5 and data.header_line == 4
    assert SCRIPT.splitlines()[data.line - 1] == "x = 1"
    assert lesson.cell("broken").expect_error  # type: ignore[union-attr]
    assert not lesson.cell("train").expect_error  # type: ignore[union-attr]


def test_script_without_headers_is_one_setup_cell() -> None:
    lesson = split_cells("lessons/a/l.py", "print(1)\n")
    assert [(c.name, c.line) for c in lesson.cells] == [("setup", 1)]


def test_unnamed_cells_get_positional_names() -> None:
    lesson = split_cells("lessons/a/l.py", "# %%\nx = 1\n# %%\ny = 2\n")
    assert [c.name for c in lesson.cells] == ["cell1", "cell2"]


def test_markdown_and_raw_cells_are_text_not_cells_to_run() -> None:
    # as in the notebook published beside the post, where they are Markdown and raw cells
    source = "# %% notes [markdown]\n# text\n# %% [raw]\n# raw\n# %% code\nx = 1\n# %%\ny = 2\n"
    lesson = split_cells("lessons/a/l.py", source)
    assert [c.name for c in lesson.cells] == ["code", "cell4"]


@pytest.mark.parametrize(
    "source, line, needle",
    [
        ("# %% a\nx=1\n# %% a\ny=2\n", 3, "duplicate cell name 'a'"),
        ("# %% two words\nx=1\n", 1, "must be one word"),
        ('# %% a tags="oops"\nx=1\n', 1, "tags must be a list"),
    ],
)
def test_bad_cell_headers_name_the_line(source: str, line: int, needle: str) -> None:
    with pytest.raises(ContentError) as info:
        split_cells("lessons/a/l.py", source)
    problem = info.value.problems[0]
    assert (problem.path, problem.line) == ("lessons/a/l.py", line)
    assert needle in problem.message


def test_non_utf8_post_is_reported_with_its_line(project) -> None:  # type: ignore[no-untyped-def]
    root = project({"posts/a.md": b"---\ntitle: x\n---\n\nok\n\xff\xfe bad\n"})
    with pytest.raises(ContentError) as info:
        load_project(root)
    problem = info.value.problems[0]
    assert (problem.path, problem.line) == ("posts/a.md", 6)
    assert "not UTF-8" in problem.message


def test_bad_site_yaml_names_the_line(project) -> None:  # type: ignore[no-untyped-def]
    root = project({"site.yaml": "title: x\nmodules: [\n", "posts/a.md": "---\ntitle: x\n---\nhi\n"})
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert info.value.problems[0].path == "site.yaml"
    assert "invalid YAML" in info.value.problems[0].message


@pytest.mark.parametrize(
    "header",
    [
        'broken tags=["raises-exception"]',
        'train key="v" tags=["a", "b"]',
        'x tags=["raises-exception"] slideshow={"slide_type": "skip"}',
        "plain",
    ],
)
def test_cell_headers_read_like_jupytext(header: str) -> None:
    from jupytext.cell_metadata import text_to_metadata

    from lessonpress.load import parse_cell_header

    title, meta = text_to_metadata(header, allow_title=True)
    assert parse_cell_header(header, default="cell1") == (title, meta)


def site_problem(project, site: str):  # type: ignore[no-untyped-def]
    root = project({"site.yaml": site, "posts/a.md": "---\ntitle: x\n---\nhi\n"})
    with pytest.raises(ContentError) as info:
        load_project(root)
    (problem,) = info.value.problems
    assert problem.path == "site.yaml"
    return problem.line, problem.message


@pytest.mark.parametrize(
    "site, line, message",
    [
        (
            "title: A\nauthor: B\ntitle: C\n",
            3,
            "invalid YAML: duplicate key 'title' (first set on line 1): keep one of them",
        ),
        (
            "title: A\nmodules:\n  - title: M\n    goal: G\n    title: N\n",
            5,
            "invalid YAML: duplicate key 'title' (first set on line 3): keep one of them",
        ),
        (
            "lessons:\n  a/x.py: {timeout: 5}\n  a/x.py: {timeout: 9}\n",
            3,
            "invalid YAML: duplicate key 'a/x.py' (first set on line 2): keep one of them",
        ),
        ("title: A\ntimeout: !!float ten\n", 2, "invalid YAML: cannot read 'ten' as !!float"),
        ("title: A\nlanguage: !!bool perhaps\n", 2, "invalid YAML: cannot read 'perhaps' as !!bool"),
        ("title: A\ntimeout: .nan\n", 2, "'timeout' must be a number of seconds above 0"),
        ("title: A\ntimeout: .inf\n", 2, "'timeout' must be a number of seconds above 0"),
        ("title: A\ntimeout: -1\n", 2, "'timeout' must be a number of seconds above 0"),
        ("lessons:\n  a/x.py: {timeout: 5}\n  a/y.py: {timout: 5}\n", 3, "lessons.a/y.py.timeout must be"),
        ("lessons:\n  a/x.py:\n    timeout: .nan\n", 2, "lessons.a/x.py.timeout must be"),
    ],
)
def test_site_yaml_errors_name_the_line(project, site: str, line: int, message: str) -> None:  # type: ignore[no-untyped-def]
    got_line, got_message = site_problem(project, site)
    assert got_line == line and got_message.startswith(message), got_message


def test_timeouts_may_be_written_as_text_yaml_does_not_read_as_numbers(project) -> None:  # type: ignore[no-untyped-def]
    site = "timeout: 1e3\nlessons:\n  a/x.py: {timeout: 2.5}\n"
    root = project({"site.yaml": site, "posts/a.md": "---\ntitle: x\n---\nhi\n", "lessons/a/x.py": "x = 1\n"})
    config = load_project(root).config
    assert config.timeout == 1000.0 and config.lesson_timeouts == (("lessons/a/x.py", 2.5),)


def test_site_yaml_impossible_date_is_text(project) -> None:  # type: ignore[no-untyped-def]
    root = project({"site.yaml": "title: 2026-02-30\n", "posts/a.md": "---\ntitle: x\n---\nhi\n"})
    assert load_project(root).config.title == "2026-02-30"


def test_yaml_memo_does_not_hide_a_duplicate_key() -> None:
    from lessonpress.store import TextMemo
    from lessonpress.load.yaml import YamlError, load_yaml

    memo: TextMemo = TextMemo(None, "pyyaml")
    text = "a: 1\na: 2\n"
    memo.get(text, lambda: {"a": 2})  # remembered by an older lessonpress
    with pytest.raises(YamlError) as info:
        load_yaml(text, memo)
    assert (info.value.line, info.value.describe(1)) == (
        1,
        "duplicate key 'a' (first set on line 1): keep one of them",
    )


@pytest.mark.parametrize(
    "site, line, message",
    [
        (
            'title: "Learn\nauthor: B\n',
            1,
            'invalid YAML: the " opened here is never closed: end the text with another "',
        ),
        (
            "title: A\ndescription: 'one\n\ntwo\n",
            2,
            "invalid YAML: the ' opened here is never closed: end the text with another '",
        ),
        (
            "title: A\nlanguage: {en\n",
            2,
            "invalid YAML: expected ',' or '}', but got '<stream end>' (while parsing a flow mapping that starts here)",
        ),
        (
            "title: A\nbase_url: example.com/blog\n",
            2,
            "'base_url' must be a URL like https://example.com/blog/ or a path like /blog/, got 'example.com/blog'",
        ),
        (
            "base_url: 5\ntitle: A\n",
            1,
            "'base_url' must be a URL like https://example.com/blog/ or a path like /blog/, got '5'",
        ),
        (
            "title: A\n\nbase_url: ftp://example.com\n",
            3,
            "'base_url' must be a URL like https://example.com/blog/ or a path like /blog/, got 'ftp://example.com'",
        ),
        (
            "base_url: //example.com/blog/\n",
            1,
            "'base_url' must be a URL like https://example.com/blog/ or a path like /blog/, got '//example.com/blog/'",
        ),
        (
            "base_url: https:///blog/\n",
            1,
            "'base_url' must be a URL like https://example.com/blog/ or a path like /blog/, got 'https:///blog/'",
        ),
    ],
)
def test_site_yaml_errors_give_the_exact_line_and_message(
    project, site: str, line: int, message: str
) -> None:  # type: ignore[no-untyped-def]
    assert site_problem(project, site) == (line, message)


@pytest.mark.parametrize(
    "url, normalised",
    [
        ("https://example.com/blog", "https://example.com/blog/"),
        ("http://localhost:8000/", "http://localhost:8000/"),
        ("/blog", "/blog/"),
        ("/", "/"),
        ("", "/"),
    ],
)
def test_base_url_may_be_an_http_url_or_a_path(project, url: str, normalised: str) -> None:  # type: ignore[no-untyped-def]
    root = project({"site.yaml": f"base_url: '{url}'\n", "posts/a.md": "---\ntitle: x\n---\nhi\n"})
    assert load_project(root).config.base_url == normalised


def lesson_setting_problems(root: Path, lessons: dict[str, str | bytes]) -> list[tuple[str, int, str]]:
    site = "title: A\nlessons:\n  a/x.py: {timeout: 5}\n  a/missing.py: {timeout: 5}\n"
    write_project(root, {"site.yaml": site, "posts/a.md": "---\ntitle: x\n---\nhi\n", **lessons})
    with pytest.raises(ContentError) as info:
        load_project(root)
    return [(p.path, p.line, p.message) for p in info.value.problems]


def test_lesson_settings_must_name_a_lesson_file(tmp_path: Path) -> None:
    lessons: dict[str, str | bytes] = {"lessons/a/x.py": "x = 1\n", "lessons/a/y.py": "y = 1\n"}
    assert lesson_setting_problems(tmp_path / "some", lessons) == [
        (
            "site.yaml",
            4,
            "lessons.a/missing.py: there is no lesson lessons/a/missing.py; lessons/a/ has: x.py, y.py",
        )
    ]
    assert lesson_setting_problems(tmp_path / "none", {}) == [
        (
            "site.yaml",
            line,
            f"lessons.a/{name}: there is no lesson lessons/a/{name}; "
            "name a lesson as <slug>/<file>.py, its path under lessons/",
        )
        for line, name in ((3, "x.py"), (4, "missing.py"))
    ]


def test_a_lesson_setting_for_a_lesson_with_errors_is_not_called_missing(project) -> None:  # type: ignore[no-untyped-def]
    site = "lessons:\n  a/x.py: {timeout: 5}\n"
    root = project(
        {"site.yaml": site, "posts/a.md": "---\ntitle: x\n---\nhi\n", "lessons/a/x.py": "# %% a b\n"}
    )
    with pytest.raises(ContentError) as info:
        load_project(root)
    assert [p.path for p in info.value.problems] == ["lessons/a/x.py"]
