"""Notebook lessons: `.ipynb`, MyST Markdown notebooks and the other Jupytext text formats,
read through jupytext into the same Lesson a `.py` script gives.

jupytext is imported only when the project has such a file (its import costs half a second).
A code cell's name is its Jupytext title, else a Quarto-style `#| label: name` line, else its
`name` metadata, else `cell<N>` (the N-th code cell). Markdown and raw cells are not run.

Where its cells lie: in a text notebook each code cell is found at its own lines of the file,
so a traceback names the file's real line, as for a script. An `.ipynb` (or a text file
whose cells cannot be found verbatim) has no such lines: each cell is compiled under the
name `nb.ipynb#cell`, lines counted from the cell's first, the way Jupyter says "Cell In[3],
line 2", and errors are reported at `lessons/p/nb.ipynb#cell:2`.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

from ..errors import ContentError, Problem
from ..model import Cell, Lesson

TEXT_SUFFIXES = (".md", ".markdown", ".myst", ".mystnb", ".Rmd")
_NOTEBOOK_HEADER = re.compile(r"\A---\s*\n(?:.*\n)*?(?:jupytext|kernelspec):", re.MULTILINE)
_PY_FORMAT = re.compile(r"^#\s+format_name:\s*([\w-]+)\s*$", re.MULTILINE)
_OPTION = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$")
_MAGIC = re.compile(r"^\s*(%|!)")
_CELL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def is_notebook(path: Path, head: str) -> bool:
    """Whether a file under lessons/ is a notebook lesson, from its suffix and first lines:
    any `.ipynb`; a Markdown file whose front matter has `jupytext:` or `kernelspec:` (a
    Markdown file without is a data file); a `.py` whose Jupytext header names a format
    other than percent (a percent script is read without jupytext)."""
    if path.suffix == ".ipynb":
        return True
    if path.suffix in TEXT_SUFFIXES:
        return _NOTEBOOK_HEADER.match(head) is not None
    if path.suffix == ".py":
        found = _PY_FORMAT.search(head)
        return found is not None and found.group(1) != "percent"
    return False


def notebook_lesson(src_path: str, text: str) -> Lesson:
    """The notebook's code cells as a Lesson. Its `source` is the same notebook as a percent
    script (what the page shows of the whole lesson, and what is published beside it)."""
    notebook = _read(src_path, text)
    per_cell = src_path.endswith(".ipynb")
    problems: list[Problem] = []
    cells: list[Cell] = []
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    lines = [] if per_cell else _locate(text, [_code(cell.source)[0] for cell in code])
    per_cell = per_cell or lines is None
    for number, cell in enumerate(code, 1):
        source, options = _code(cell.source)
        header = 1 if per_cell or lines is None else max(lines[number - 1] - 1, 1)
        name = _name(cell.metadata, options, number)
        problem = _name_problem(src_path, name, header, cells, number)
        if problem is not None:
            problems.append(problem)
            continue
        where = f"{src_path.rsplit('/', 1)[-1]}#{name}" if per_cell else ""
        first = 1 if per_cell or lines is None else lines[number - 1]
        expect_error = "raises-exception" in _tags(cell.metadata)
        cells.append(Cell(name, _quiet_magics(source) + "\n", first, header, expect_error, where))
    if problems:
        raise ContentError(problems)
    return Lesson(src_path, _as_script(notebook, cells), tuple(cells))


def _read(src_path: str, text: str) -> Any:
    """The notebook jupytext reads from `text`, or a located error."""
    import jupytext

    suffix = src_path.rsplit(".", 1)[-1]
    if suffix == "ipynb":
        _check_json(src_path, text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # what jupytext only warns about cannot be read right
            notebook = jupytext.reads(text, fmt=suffix)
    except Exception as exc:  # jupytext and nbformat raise many kinds for a damaged file
        raise ContentError.at(src_path, 1, f"jupytext cannot read this notebook: {exc}") from None
    language = str(notebook.metadata.get("kernelspec", {}).get("language", "python"))
    if language.lower() != "python":
        raise ContentError.at(
            src_path, 1, f"the notebook's kernel runs {language}: a lesson is Python, run by lessonpress"
        )
    return notebook


def _check_json(src_path: str, text: str) -> None:
    """An .ipynb must be JSON holding an nbformat 4 notebook (what jupytext reads)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentError.at(src_path, exc.lineno, f"the notebook is not valid JSON: {exc.msg}") from None
    version = data.get("nbformat") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or version != 4:
        found = f"nbformat {version}" if isinstance(version, int) else "no nbformat version or cells"
        raise ContentError.at(
            src_path,
            1,
            f"not a Jupyter notebook lessonpress can read ({found}): save it as nbformat 4 "
            "(jupyter nbconvert --to notebook --inplace)",
        )


def _code(source: str) -> tuple[str, dict[str, str]]:
    """A code cell's code without its leading `#| key: value` lines, and those options."""
    lines = source.split("\n")
    options: dict[str, str] = {}
    while lines and (match := _OPTION.match(lines[0])):
        options[match.group(1)] = match.group(2).strip("'\"")
        lines.pop(0)
    return "\n".join(lines), options


def _locate(text: str, sources: list[str]) -> list[int] | None:
    """The line of the file where each code cell's code begins, in order; None if one of
    them is not in the file verbatim."""
    found, cursor = [], 0
    for source in sources:
        at = text.find(source, cursor) if source.strip() else cursor
        if at < 0 or (at > 0 and text[at - 1] != "\n"):
            return None
        found.append(text.count("\n", 0, at) + 1)
        cursor = at + len(source)
    return found


def _name(metadata: dict[str, Any], options: dict[str, str], number: int) -> str:
    """The cell's name: its title, `#| label:`, `name` metadata, or `cell<number>`."""
    for candidate in (metadata.get("title"), options.get("label"), metadata.get("name")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return f"cell{number}"


def _name_problem(src_path: str, name: str, line: int, cells: list[Cell], number: int) -> Problem | None:
    """A cell name that cannot be referenced, or one given twice."""
    where = f"code cell {number}"
    if not _CELL_NAME.match(name):
        return Problem(
            src_path,
            line,
            f"{where}: cell name {name!r} must be one word of ASCII letters (A-Z, a-z), digits, "
            "'_', '-' or '.'",
        )
    if any(cell.name == name for cell in cells):
        return Problem(src_path, line, f"{where}: duplicate cell name {name!r}: give each cell its own name")
    return None


def _tags(metadata: dict[str, Any]) -> list[str]:
    tags = metadata.get("tags", [])
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def _quiet_magics(source: str) -> str:
    """IPython's `%magic` and `!shell` lines commented out (plain Python cannot run them), as
    Jupytext writes them into a script; the other lines keep their places."""
    return "\n".join(f"# {line}" if _MAGIC.match(line) else line for line in source.split("\n"))


def _as_script(notebook: Any, cells: list[Cell]) -> str:
    """The notebook as a Jupytext percent script with the cells' names (and tags)."""
    parts, code = [], iter(cells)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            ran = next(code)
            tags = ' tags=["raises-exception"]' if ran.expect_error else ""
            parts.append(f"# %% {ran.name}{tags}\n{ran.source.rstrip()}\n")
        elif cell.source.strip():
            kind = "markdown" if cell.cell_type == "markdown" else "raw"
            commented = "\n".join(f"# {line}".rstrip() for line in cell.source.split("\n"))
            parts.append(f"# %% [{kind}]\n{commented}\n")
    return "\n".join(parts)
