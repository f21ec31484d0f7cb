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

A text notebook's value: {value}`story.md:y`.
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
    assert "A text notebook's value: 2." in page
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
    extra = {
        "lessons/p/nb.ipynb": json.dumps(nb),
        "lessons/p/story.md": myst,
        "lessons/p/unused.ipynb": _ipynb(_code("1 / 0", name="bad")),  # in no post: check runs it too
        "site.yaml": "title: T\nlessons:\n  p/nb.ipynb: {timeout: 60}\n  p/story.md: {timeout: 60}\n",
    }
    write_project(root, _files(**extra))
    result = cli("check", "--root", str(root))
    assert result.returncode == 1
    assert "site.yaml" not in result.stderr  # a notebook's timeout is set by its file name
    assert "lessons/p/unused.ipynb#bad:1: error: ZeroDivisionError in cell 'bad'" in result.stderr
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
    bad_name = _ipynb(
        _code("x = 1", title="two words"), _code("y = 2", name="same"), _code("z = 3", name="same")
    )
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
    assert (
        "lessons/p/empty.ipynb:1: error: not a Jupyter notebook lessonpress can read (no nbformat"
        in result.stderr
    )
    assert (
        "lessons/p/old.ipynb:1: error: not a Jupyter notebook lessonpress can read (nbformat 3)"
        in result.stderr
    )
    assert "lessons/p/r.ipynb:1: error: the notebook's kernel runs R" in result.stderr
    # at the line of the cell in the notebook's JSON
    assert "lessons/p/nb.ipynb:4: error: code cell 1: cell name 'two words' must be one word" in result.stderr
    assert "lessons/p/nb.ipynb:28: error: code cell 3: duplicate cell name 'same'" in result.stderr
    assert "lessons/p/broken.ipynb:2: error: the notebook is not valid JSON" in result.stderr
    assert not (root / "site").exists()


def test_jupytext_is_imported_only_for_notebook_lessons(tmp_path: Path) -> None:
    root = write_project(tmp_path / "w", {"posts/p.md": post("P", body="Hi."), "lessons/p/l.py": "x = 1\n"})
    probe = (
        "import sys; from pathlib import Path; from lessonpress.load import load_project; "
        f"load_project(Path({str(root)!r})); print('jupytext' in sys.modules)"
    )
    assert (
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip()
        == "False"
    )
    (root / "lessons/p/nb.ipynb").write_text(IPYNB)
    assert (
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "True"
    )


def test_the_cache_key_follows_the_notebooks_code_not_its_saved_outputs(tmp_path: Path) -> None:
    case = built(tmp_path, _files())
    nb = json.loads(IPYNB)
    nb["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "stale output\n"}]
    nb["cells"][2]["execution_count"] = 7
    (case.root / "lessons/p/nb.ipynb").write_text(json.dumps(nb))
    again = cli(*build_args(case, case.out))
    assert (
        again.returncode == 0
        and "1 run" not in again.stderr
        and "stale output" not in (case.out / "posts/p/index.html").read_text()
    )
    # lines moved, code unchanged: the cached traceback would name the old line, so it reruns
    (case.root / "lessons/p/story.md").write_text(MYST.replace("# A MyST notebook", "# A MyST notebook\n\nMore."))
    moved = cli(*build_args(case, case.out))
    assert moved.returncode == 0 and "(1 lesson run" in moved.stderr, moved.stderr
    assert 'File "story.md", line 18' in html.unescape((case.out / "posts/p/index.html").read_text())


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


def test_cell_magics_run_as_python_or_are_a_located_error() -> None:
    from lessonpress.errors import ContentError
    from lessonpress.load.notebooks import notebook_lesson

    notebook = _ipynb(
        _code("%%time\nloss = 1\nprint(loss)", name="timed"),
        _code("%%capture\n!pip install tqdm\n%pip install numpy", name="quiet"),
    )
    timed, quiet = notebook_lesson("lessons/p/nb.ipynb", notebook).cells
    assert timed.source == "# %%time\nloss = 1\nprint(loss)\n"  # the body runs once, as Python
    assert quiet.source == "# %%capture\n# !pip install tqdm\n# %pip install numpy\n"
    for magic in ("%%bash\necho hi", "\n%%writefile data.txt\nsome text", "%%html\n<b>x</b>"):
        try:
            notebook_lesson("lessons/p/nb.ipynb", _ipynb(_code("x = 1"), _code(magic, name="shell")))
        except ContentError as exc:
            [problem] = exc.problems
            assert (problem.path, problem.line) == ("lessons/p/nb.ipynb", 14)  # the cell's JSON
            name = magic.split()[0]
            assert problem.message.startswith(
                f"code cell 2: the cell magic {name} makes cell 'shell' something"
            )
        else:
            raise AssertionError(f"{magic!r} was read as Python")


def test_only_real_magic_lines_are_commented_out() -> None:
    from lessonpress.load.notebooks import notebook_lesson

    code = (
        "a, b = 1, 2\n"
        "same = (a\n"
        "        != b)\n"  # a continued comparison, not a shell escape
        "ratio = (a\n"
        "         %b)\n"
        'text = """\n!important\n%d items\n"""\n'  # inside a string: data, not magics
        "files = !ls\n"
        "  !echo one \\\n"
        "    two\n"
        "%timeit f()\n"
        "for n in range(2):\n"
        "    !echo $n\n"  # the block is not left empty
        "    %time f()"
    )
    [cell] = notebook_lesson("lessons/p/nb.ipynb", _ipynb(_code(code))).cells
    assert cell.source.split("\n") == [
        "a, b = 1, 2",
        "same = (a",
        "        != b)",
        "ratio = (a",
        "         %b)",
        'text = """',
        "!important",
        "%d items",
        '"""',
        "# files = !ls",
        "  # !echo one \\",
        "#     two",
        "# %timeit f()",
        "for n in range(2):",
        "    pass  # !echo $n",
        "    # %time f()",
        "",
    ]
    ns: dict[str, object] = {}
    exec(cell.source, ns)  # the rest is plain Python
    assert ns["same"] is True and ns["text"] == "\n!important\n%d items\n"


def test_text_notebooks_with_bom_or_crlf_are_lessons_at_their_own_lines(tmp_path: Path) -> None:
    from lessonpress.load.lessons import lesson_files, load_lessons

    jupytext_md = (
        "---\njupyter:\n  jupytext:\n    text_representation:\n      format_name: markdown\n"
        "  kernelspec:\n    display_name: Python 3\n    language: python\n    name: python3\n---\n\n"
        "Some text.\n\n```python\nx = 1\ny = x / 0\n```\n"
    )
    quoting = MYST.replace(
        "Some text between.", 'Quoting code:\n\n```python\ny = x * 2\nprint("y is", y)\n```'
    )
    readme = "---\ntitle: Data\n---\n\nNotes: a notebook has\nkernelspec: in its front matter.\n"
    root = write_project(
        tmp_path,
        {
            "lessons/p/crlf.md": MYST.replace("\n", "\r\n").encode(),
            "lessons/p/bom.md": b"\xef\xbb\xbf" + MYST.replace("\n", "\r\n").encode(),
            "lessons/p/jupytext.md": jupytext_md,
            "lessons/p/quoting.md": quoting,
            "lessons/p/README.md": readme,
        },
    )
    files = lesson_files(root)
    assert sorted(path.name for path in files) == ["bom.md", "crlf.md", "jupytext.md", "quoting.md"]
    lessons, problems = load_lessons(root, files)
    assert problems == []
    for name in ("crlf", "bom"):
        cells = lessons[f"lessons/p/{name}.md"].cells
        assert [(c.name, c.line, c.file, c.source) for c in cells] == [
            ("cell1", 15, "", "x = 1\nx / 0\n"),
            ("double", 23, "", 'y = x * 2\nprint("y is", y)\n'),
        ]
    # Jupytext's Markdown format: its header nests `jupytext:` under `jupyter:`
    [cell] = lessons["lessons/p/jupytext.md"].cells
    assert (cell.line, cell.file) == (15, "")
    # the code a Markdown cell quotes is stepped over: 'double' is found in its own cell
    assert lessons["lessons/p/quoting.md"].cell("double").line == 28  # type: ignore[union-attr]


def test_notebooks_other_tools_write_are_read() -> None:
    from lessonpress.load.notebooks import notebook_lesson

    def notebook(metadata: dict[str, object], minor: int = 5, **cell: object) -> str:
        code = {"cell_type": "code", "metadata": {}, "source": ["x = 1\n", "x"], "outputs": [], **cell}
        return json.dumps({"cells": [code], "metadata": metadata, "nbformat": 4, "nbformat_minor": minor})

    kernel = {"name": "python3", "display_name": "Python 3"}
    cases = [
        notebook({"kernelspec": kernel}),  # nbformat 4.5 without cell ids: nbformat adds them
        notebook({"kernelspec": kernel}, minor=0, execution_count=3),  # nbformat 4.0
        notebook({"kernelspec": {**kernel, "language": "python3"}}),
        notebook({"kernelspec": "python3", "language_info": {"name": "python"}}),  # odd, still Python
        notebook(
            {"colab": {"provenance": []}}, id="Xy1", outputs=[{"output_type": "stream", "name": "stdout"}]
        ),
    ]
    for text in cases:
        assert [c.source for c in notebook_lesson("lessons/p/nb.ipynb", text).cells] == ["x = 1\nx\n"]
    windows = notebook({"kernelspec": kernel}, id="w", source=["#| label: win\r\n", "x = 1\r\n", "x"])
    [cell] = notebook_lesson("lessons/p/nb.ipynb", windows).cells
    assert (cell.name, cell.source) == ("win", "x = 1\nx\n")  # Windows line endings inside the JSON


def test_bad_notebook_metadata_is_a_located_content_error(tmp_path: Path) -> None:
    def notebook(*cells: object) -> str:
        return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 4})

    def code(**fields: object) -> dict[str, object]:
        return {"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [], **fields}

    myst_header = "---\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n"
    files = {
        "posts/p.md": post("P", body="Hi."),
        "lessons/p/tags.ipynb": notebook(code(), code(metadata={"tags": "raises-exception"})),
        "lessons/p/name.ipynb": notebook(code(metadata={"name": 7})),
        "lessons/p/source.ipynb": json.dumps(json.loads(notebook(code(), code(source=None))), indent=1),
        "lessons/p/cells.ipynb": notebook(code(), "not a cell"),
        "lessons/p/lang.ipynb": json.dumps(
            {
                "cells": [],
                "metadata": {"language_info": {"name": "julia"}},
                "nbformat": 4,
                "nbformat_minor": 4,
            }
        ),
        "lessons/p/tags.md": myst_header
        + "Text.\n\n```{code-cell} ipython3\n:tags: raises-exception\n1 / 0\n```\n",
        "lessons/p/magic.md": myst_header + "```{code-cell} ipython3\n%%bash\nls\n```\n",
        "lessons/p/yaml.md": myst_header
        + "Text.\n\n```{code-cell} ipython3\n---\ntags: [\n---\nx = 1\n```\n",
        "lessons/p/meta.ipynb": notebook(code(metadata=["tags"])),
        "lessons/p/kind.ipynb": notebook(
            code(), {"metadata": {}, "source": "no cell_type"}
        ),  # crashed (exit 3)
        # a lone surrogate (half a character) in a Markdown cell once crashed the build (exit 3)
        "lessons/p/half.ipynb": notebook({"cell_type": "markdown", "metadata": {}, "source": "a \ud800"}),
        "lessons/p/deep.ipynb": '{"cells": [' + "[" * 100_000 + "]" * 100_000 + "]}",
        "lessons/p/kernel.md": "---\nkernelspec:\n  name: python3\n---\n\n```{code-cell} ipython3\nx = 1\n```\n",
    }
    result = cli("check", "--root", str(write_project(tmp_path / "w", files)))
    assert result.returncode == 1, result.stderr
    for expected in (
        "lessons/p/tags.ipynb:1: error: code cell 2: its tags 'raises-exception' are not a list of strings",
        "lessons/p/name.ipynb:1: error: code cell 1: its name 7 is not text",
        "lessons/p/source.ipynb:10: error: cell 2 of the notebook cannot be read: its source is missing or not text",
        "lessons/p/cells.ipynb:1: error: cell 2 of the notebook cannot be read: it is not a JSON object",
        "lessons/p/lang.ipynb:1: error: the notebook's kernel runs julia",
        "lessons/p/tags.md:1: error: jupytext cannot read this notebook: 'raises-exception' is not of type 'array'",
        "lessons/p/magic.md:7: error: code cell 1: the cell magic %%bash makes cell 'cell1' something",
        "lessons/p/yaml.md:9: error: jupytext cannot read this notebook: Code cell 1 at line 9 could not be read: Invalid YAML",
        "lessons/p/meta.ipynb:1: error: cell 1 of the notebook cannot be read: its metadata is not a JSON object",
        "lessons/p/kind.ipynb:1: error: cell 2 of the notebook cannot be read: its cell_type is None, not 'code'",
        "lessons/p/half.ipynb:1: error: cell 1 of the notebook cannot be read: its source has a \\ud800-\\udfff",
        "lessons/p/deep.ipynb:1: error: the notebook's JSON is nested too deeply to read",
        # one line, naming what is missing (nbformat's error spans a dozen)
        "lessons/p/kernel.md:1: error: jupytext cannot read this notebook: 'display_name' is a required "
        "property (at metadata.kernelspec)\n",
    ):
        assert expected in result.stderr


def test_a_notebook_cell_runs_in_its_folder_and_its_data_files_key_the_cache(tmp_path: Path) -> None:
    notebook = _ipynb(
        _code(
            "import os\nhere = os.path.basename(os.getcwd())\nfile = os.path.basename(__file__)", name="where"
        ),
        _code("with open('data.txt') as f:\n    data = f.read().strip()", name="read"),
    )
    body = "{value}`nb.ipynb:here` {value}`nb.ipynb:file` {value}`nb.ipynb:data`\n"
    case = built(
        tmp_path,
        {"posts/p.md": post("P", body=body), "lessons/p/nb.ipynb": notebook, "lessons/p/data.txt": "one"},
    )
    assert _values(case.out) == ["p", "nb.ipynb", "one"]
    (case.root / "lessons/p/data.txt").write_text("two")
    again = cli(*build_args(case, case.out))
    assert again.returncode == 0 and "1 lesson run" in again.stderr
    assert _values(case.out) == ["p", "nb.ipynb", "two"]


def _values(out: Path) -> list[str]:
    return re.findall(r'<span class="lesson-value">([^<]*)</span>', (out / "posts/p/index.html").read_text())


def test_a_percent_script_jupytext_wrote_keeps_its_commented_cell_magics_in_their_cells() -> None:
    from lessonpress.load.lessons import split_cells

    # what `jupytext --to py:percent` writes for two cells starting with %%time
    script = "# %% first\n# %%time\nx = 1\n\n# %%\n# %%time\ny = 2\n"
    lesson = split_cells("lessons/p/l.py", script)
    assert [(c.name, c.source) for c in lesson.cells] == [
        ("first", "# %%time\nx = 1\n\n"),
        ("cell2", "# %%time\ny = 2\n"),
    ]
