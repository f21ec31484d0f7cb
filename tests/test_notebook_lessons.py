"""A lesson may be a notebook: an .ipynb, a MyST Markdown notebook or another Jupytext text
format, read through jupytext. Its cells are named by title, `#| label:` or `name` metadata,
and work as a script's: output, values, expected errors, tracebacks at the cell's line."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .conftest import post, write_project
from .safety import build_args, built, cli


def _ipynb(*cells: nbformat.NotebookNode) -> str:
    notebook = new_notebook(cells=list(cells))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(notebook)


def _code(source: str, **metadata: object) -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    cell.metadata.update(metadata)
    return cell


IPYNB = _ipynb(
    new_markdown_cell("# Training\nSome words."),
    _code("%matplotlib inline\nimport math\nscale = 3", title="setup"),
    _code("#| label: train\nloss = math.sqrt(2) * scale\nprint(f'loss {loss:.3f}')"),
    _code("def broken() -> float:\n    return missing_name\n", name="helpers"),
    _code("broken()", tags=["raises-exception"], name="boom"),
    _code("loss * 2"),
)

MYST = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  name: python3
---

# A MyST notebook

```{code-cell} ipython3
:tags: [raises-exception]
x = 1
x / 0
```

Some text between.

```{code-cell} ipython3
#| label: double
y = x * 2
print("y is", y)
```
"""

POST = """```{lesson} nb.ipynb#train
```

The loss is {value}`nb.ipynb:loss:.2f`.

```{lesson} nb.ipynb#boom
```

```{lesson} nb.ipynb#cell5
```

```{lesson} story.md#double
```

```{lesson} story.md#cell1
```
"""


def _files(**extra: str) -> dict[str, str | bytes]:
    return {
        "posts/p.md": post("P", body=POST),
        "lessons/p/nb.ipynb": IPYNB,
        "lessons/p/story.md": MYST,
        "lessons/p/README.md": "# Not a lesson\n\nNo notebook header: a data file.\n",
        **extra,
    }


def test_notebook_cells_run_and_show_like_a_scripts(tmp_path: Path) -> None:
    case = built(tmp_path, _files())
    page = re.sub(r"<[^>]+>", "", html.unescape((case.out / "posts/p/index.html").read_text()))
    assert "loss 4.243" in page and "The loss is 4.24." in page
    assert "NameError" in page and "missing_name" in page  # the expected error, shown
    assert "8.485" in page  # cell5's value: the fifth code cell
    assert "y is 2" in page and "ZeroDivisionError" in page
    assert "#| label" not in page  # Quarto's option lines are read, not shown


def test_a_notebook_lesson_is_published_as_script_and_executed_notebook(tmp_path: Path) -> None:
    case = built(tmp_path, _files())
    script = (case.out / "posts/p/nb.py").read_text()
    assert "# %% train\n" in script and "# %matplotlib inline" in script  # the magic cannot run in Python
    notebook = nbformat.read(case.out / "posts/p/nb.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = {cell.metadata.get("title"): cell for cell in notebook.cells if cell.cell_type == "code"}
    assert code["train"].outputs[0].text == "loss 4.243\n"
    assert code["boom"].outputs[0].ename == "NameError"
    assert any(cell.cell_type == "markdown" and "Some words." in cell.source for cell in notebook.cells)
    # the published script runs standalone, as every lesson does
    ran = subprocess.run([sys.executable, str(case.out / "posts/p/nb.py")], capture_output=True, text=True)
    assert "loss 4.243" in ran.stdout and "NameError" in ran.stderr


def test_an_unexpected_error_names_the_notebook_cell_and_its_line(tmp_path: Path) -> None:
    nb = json.loads(IPYNB)
    nb["cells"][4]["metadata"] = {"name": "boom"}  # no longer expected to raise
    myst = MYST.replace(":tags: [raises-exception]\n", "")
    root = tmp_path / "w"
    write_project(root, _files(**{"lessons/p/nb.ipynb": json.dumps(nb), "lessons/p/story.md": myst}))
    result = cli("check", "--root", str(root))
    assert result.returncode == 1
    # the innermost frame is in the cell that defined the function: the helper cell, line 2
    assert (
        "posts/p.md:12: error: lesson nb.ipynb raised NameError in cell 'boom' (lessons/p/nb.ipynb#helpers:2)"
        in result.stderr
    )
    # a text notebook's cells lie at the file's own lines: `x / 0` is line 15 of story.md
    assert "lessons/p/story.md:15: error: ZeroDivisionError: division by zero" in result.stderr
    assert 'File "nb.ipynb#helpers", line 2, in broken' in result.stderr
    assert "return missing_name" in result.stderr  # the cell's own line, though no file holds it


def test_notebook_problems_are_located(tmp_path: Path) -> None:
    bad_name = _ipynb(_code("x = 1", title="two words"), _code("y = 2", name="same"), _code("z = 3", name="same"))
    root = tmp_path / "w"
    r_kernel = json.loads(_ipynb(_code("x <- 1")))
    r_kernel["metadata"]["kernelspec"]["language"] = "R"
    files = _files(
        **{
            "lessons/p/nb.ipynb": bad_name,
            "lessons/p/broken.ipynb": '{"cells": [\n  oops',
            "lessons/p/empty.ipynb": "{}",
            "lessons/p/old.ipynb": '{"nbformat": 3, "worksheets": []}',
            "lessons/p/r.ipynb": json.dumps(r_kernel),
        }
    )
    write_project(root, files)
    result = cli("build", "--root", str(root))
    assert result.returncode == 1
    assert "lessons/p/empty.ipynb:1: error: not a Jupyter notebook lessonpress can read (no nbformat" in result.stderr
    assert "lessons/p/old.ipynb:1: error: not a Jupyter notebook lessonpress can read (nbformat 3)" in result.stderr
    assert "lessons/p/r.ipynb:1: error: the notebook's kernel runs R" in result.stderr
    assert "lessons/p/nb.ipynb:1: error: code cell 1: cell name 'two words' must be one word" in result.stderr
    assert "lessons/p/nb.ipynb:1: error: code cell 3: duplicate cell name 'same'" in result.stderr
    assert "lessons/p/broken.ipynb:2: error: the notebook is not valid JSON" in result.stderr
    assert not (root / "site").exists()


def test_jupytext_is_imported_only_for_notebook_lessons(tmp_path: Path) -> None:
    root = write_project(tmp_path / "w", {"posts/p.md": post("P", body="Hi."), "lessons/p/l.py": "x = 1\n"})
    probe = (
        "import sys; from pathlib import Path; from lessonpress.load import load_project; "
        f"load_project(Path({str(root)!r})); print('jupytext' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "False"
    (root / "lessons/p/nb.ipynb").write_text(IPYNB)
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "True"


def test_the_cache_key_follows_the_notebooks_code_not_its_saved_outputs(tmp_path: Path) -> None:
    case = built(tmp_path, _files())
    nb = json.loads(IPYNB)
    nb["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "stale output\n"}]
    nb["cells"][2]["execution_count"] = 7
    (case.root / "lessons/p/nb.ipynb").write_text(json.dumps(nb))
    again = cli(*build_args(case, case.out))
    assert again.returncode == 0 and "1 run" not in again.stderr and "stale output" not in (
        case.out / "posts/p/index.html"
    ).read_text()


LIGHT = """# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: light
# ---

import math

# + tags=["raises-exception"]
x = 1
1 / 0
# -

# Some Markdown.

print(math.pi)
"""


def test_a_light_format_script_is_read_through_jupytext_at_its_own_lines() -> None:
    from lessonpress.load.notebooks import is_notebook, notebook_lesson

    assert is_notebook(Path("l.py"), LIGHT) and not is_notebook(Path("l.py"), "# %% a\nx = 1\n")
    lesson = notebook_lesson("lessons/p/l.py", LIGHT)
    assert [(c.name, c.line, c.expect_error, c.file) for c in lesson.cells] == [
        ("cell1", 9, False, ""),
        ("cell2", 12, True, ""),
        ("cell3", 18, False, ""),
    ]
    assert "# %% [markdown]\n# Some Markdown." in lesson.source  # text, not a cell to run


def test_a_cell_name_comes_from_its_title_then_label_then_name_metadata() -> None:
    from lessonpress.load.notebooks import notebook_lesson

    notebook = _ipynb(
        _code("#| label: from-label\nx = 1", title="from-title", name="from-name"),
        _code("#| label: from-label\nx = 1", name="from-name"),
        _code("x = 1", name="from-name"),
        _code("x = 1"),
    )
    lesson = notebook_lesson("lessons/p/nb.ipynb", notebook)
    assert [c.name for c in lesson.cells] == ["from-title", "from-label", "from-name", "cell4"]
    assert [c.file for c in lesson.cells][-1] == "nb.ipynb#cell4"
