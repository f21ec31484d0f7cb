"""Stage 1: cell splitting and loading."""

from __future__ import annotations

import pytest

from lessonpress.errors import ContentError
from lessonpress.load import load_project, split_cells

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


def test_markdown_cell_marker_is_not_part_of_the_name() -> None:
    lesson = split_cells("lessons/a/l.py", "# %% notes [markdown]\n# text\n")
    assert lesson.cells[0].name == "notes"


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
