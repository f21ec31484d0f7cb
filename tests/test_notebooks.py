"""The notebook published beside each post carries the outputs of the run: what it printed,
its figures, the value a cell ended on and an expected error, with stable cell ids, valid
under nbformat's schema."""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat

from .conftest import post
from .safety import build_args, built, cli

LESSON = '''"""A lesson with every kind of output."""
import matplotlib.pyplot as plt

# %% printed
print("hello from the run")

# %% drawn
fig, ax = plt.subplots()
ax.plot([0, 1], [1, 0])
ax.set_title("A line")
plt.show()

# %% value
6 * 7

# %% broken tags=["raises-exception"]
raise ValueError("on purpose")
'''
FILES: dict[str, str | bytes] = {"posts/p.md": post("P", body="```{lesson} l.py\n```"), "lessons/p/l.py": LESSON}


def _notebook(site: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(site / "posts/p/l.ipynb", as_version=4)
    nbformat.validate(notebook)
    return notebook


def test_the_notebook_shows_what_the_page_shows(tmp_path: Path) -> None:
    case = built(tmp_path, FILES)
    code = {cell.metadata.get("title", ""): cell for cell in _notebook(case.out).cells if cell.cell_type == "code"}
    printed = code["printed"].outputs
    assert [o.output_type for o in printed] == ["stream"] and printed[0].text == "hello from the run\n"
    drawn = code["drawn"].outputs[0]
    assert drawn.output_type == "display_data"
    assert base64.b64decode(drawn.data["image/png"]).startswith(b"\x89PNG")
    value = code["value"].outputs[0]
    assert value.output_type == "execute_result" and value.data["text/plain"] == "42"
    error = code["broken"].outputs[0]
    assert error.output_type == "error" and error.ename == "ValueError" and error.evalue == "on purpose"
    assert [cell.execution_count for cell in code.values()] == [1, 2, 3, 4, 5][: len(code)]


def test_cell_ids_are_stable_and_the_notebook_follows_the_run(tmp_path: Path) -> None:
    case = built(tmp_path, FILES)
    first = _notebook(case.out)
    result = cli(*build_args(case, tmp_path / "second"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "second/posts/p/l.ipynb").read_bytes() == (case.out / "posts/p/l.ipynb").read_bytes()
    (case.root / "lessons/p/l.py").write_text(LESSON.replace("hello from the run", "changed output"))
    assert cli(*build_args(case)).returncode == 0
    again = _notebook(case.out)
    assert [cell.id for cell in again.cells] == [cell.id for cell in first.cells]
    assert "changed output" in (case.out / "posts/p/l.ipynb").read_text()
