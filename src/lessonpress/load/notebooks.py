"""Notebook lessons: `.ipynb`, MyST Markdown notebooks and the other Jupytext text formats,
read through jupytext into the same Lesson a `.py` script gives.

jupytext is imported only when the project has such a file (its import costs half a second).
A code cell's name is its Jupytext title, else a Quarto-style `#| label: name` line, else its
`name` metadata, else `cell<N>` (the N-th code cell). Markdown and raw cells are not run.

Where its cells lie: in a text notebook each code cell is found at its own lines of the file,
so a traceback names the file's real line, as for a script. An `.ipynb` (or a text cell that
Jupytext changed, so that it is not in the file verbatim) has no such lines: each cell is
compiled under the name `nb.ipynb#cell`, lines counted from the cell's first, the way Jupyter
says "Cell In[3], line 2", and errors are reported at `lessons/p/nb.ipynb#cell:2`.

IPython's syntax is not Python: a line magic or shell escape that starts a statement is
commented out, as Jupytext does in a script; a cell magic is an error at its cell, except
those whose body is Python (PYTHON_CELL_MAGICS), which runs once as a plain cell.
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
# Front matter (not past its closing `---`) with a top-level `jupytext:`, `kernelspec:` or
# `jupyter:` (Jupytext's Markdown format nests the other two under it).
_NOTEBOOK_HEADER = re.compile(
    r"\A---[ \t]*\r?\n(?:(?!---[ \t]*\r?$).*\n)*?(?:jupytext|kernelspec|jupyter):", re.MULTILINE
)
_FRONT_MATTER = re.compile(r"\A(?:# )?---[ \t]*\n.*?\n(?:# )?---[ \t]*\n", re.DOTALL)
_PY_FORMAT = re.compile(r"^#\s+format_name:\s*([\w-]+)\s*$", re.MULTILINE)
_OPTION = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$")
# IPython's line magics, shell escapes and `x = !cmd` (not `!=` or `% 2` in a continued line)
_MAGIC = re.compile(r"^\s*(%{1,2}[A-Za-z]|!\s*[A-Za-z.~$\\/{}]|[A-Za-z_]\w*\s*=\s*[%!][A-Za-z])")
_CELL_MAGIC = re.compile(r"\A\s*%%([A-Za-z]\w*)")
# Cell magics whose body is Python: it runs once as a plain cell (the magic line commented out).
PYTHON_CELL_MAGICS = ("time", "timeit", "capture")
_CELL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def is_notebook(path: Path, head: str) -> bool:
    """Whether a file under lessons/ is a notebook lesson, from its suffix and first lines:
    any `.ipynb`; a Markdown file whose front matter has `jupytext:`, `kernelspec:` or
    `jupyter:` (a Markdown file without is a data file); a `.py` whose Jupytext header names
    a format other than percent (a percent script is read without jupytext)."""
    head = head.removeprefix("\ufeff")
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
    text = _unix(text.removeprefix("\ufeff"))
    notebook = _read(src_path, text)
    for cell in notebook.cells:  # an .ipynb's JSON strings may hold Windows line endings too
        cell.source = _unix(cell.source)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    ipynb = src_path.endswith(".ipynb")
    lines = [None] * len(code) if ipynb else _locate(text, notebook.cells)
    json_lines = _json_cell_lines(text) if ipynb else []
    same = len(json_lines) == len(notebook.cells)
    json_at = dict(zip(map(id, notebook.cells), json_lines, strict=True)) if same else {}
    problems: list[Problem] = []
    cells: list[Cell] = []
    for number, (cell, first) in enumerate(zip(code, lines, strict=True), 1):
        at = (1, 1) if first is None else (first, max(first - 1, 1))
        try:
            cells.append(_cell(src_path, cell, number, at, cells, per_cell=first is None))
        except ValueError as exc:  # in an .ipynb, at the line of the cell's JSON
            problems.append(Problem(src_path, json_at.get(id(cell), at[1]), f"code cell {number}: {exc}"))
    if problems:
        raise ContentError(problems)
    return Lesson(src_path, _as_script(notebook, cells), tuple(cells))


def _unix(text: str) -> str:
    """Text with Unix line endings (Python counts `\\r\\n` and `\\r` as one line end each)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _cell(
    src_path: str, cell: Any, number: int, at: tuple[int, int], cells: list[Cell], per_cell: bool
) -> Cell:
    """One code cell as a lesson's Cell (`at`: its first line and header line in the file,
    unless `per_cell`), or a ValueError saying what is wrong with it."""
    source, options = _code(cell.source)
    name = _name(cell.metadata, options, number)
    if not _CELL_NAME.match(name):
        raise ValueError(
            f"cell name {name!r} must be one word of ASCII letters (A-Z, a-z), digits, '_', '-' or '.'"
        )
    if any(other.name == name for other in cells):
        raise ValueError(f"duplicate cell name {name!r}: give each cell its own name")
    magic = _CELL_MAGIC.match(source)
    if magic is not None and magic.group(1) not in PYTHON_CELL_MAGICS:
        allowed = ", ".join(f"%%{known}" for known in PYTHON_CELL_MAGICS)
        raise ValueError(
            f"the cell magic %%{magic.group(1)} makes cell {name!r} something other than the Python "
            f"lessonpress runs: write it in Python, or make it a Markdown cell ({allowed} may start "
            "a cell: its body runs once, as plain Python)"
        )
    where = f"{src_path.rsplit('/', 1)[-1]}#{name}" if per_cell else ""
    expect_error = "raises-exception" in _tags(cell.metadata)
    return Cell(name, _quiet_magics(source) + "\n", at[0], at[1], expect_error, where)


def _read(src_path: str, text: str) -> Any:
    """The notebook jupytext reads from `text`, or a located error."""
    import jupytext

    suffix = src_path.rsplit(".", 1)[-1]
    if suffix == "ipynb":
        _check_json(src_path, text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat's: a missing cell id, which it adds
            warnings.simplefilter("error", UserWarning)  # jupytext's: it cannot read the file right
            notebook = jupytext.reads(text, fmt=suffix)
    except Exception as exc:  # jupytext and nbformat raise many kinds for a damaged file
        reason = _reason(exc)
        line = re.search(r"\bat line (\d+)", reason)  # jupytext names the cell's line
        at = int(line.group(1)) if line else 1
        raise ContentError.at(src_path, at, f"jupytext cannot read this notebook: {reason}") from None
    language = _language(notebook.metadata)
    if re.sub(r"[^a-z]", "", language.lower()) not in ("python", "ipython"):  # python3, Python 3
        raise ContentError.at(
            src_path, 1, f"the notebook's kernel runs {language}: a lesson is Python, run by lessonpress"
        )
    return notebook


def _reason(exc: Exception) -> str:
    """Why jupytext failed, in one line (a schema error names the part of the notebook)."""
    message = str(getattr(exc, "message", "") or exc).strip().split("\n", 1)[0] or type(exc).__name__
    path = [str(part) for part in getattr(exc, "absolute_path", ())]
    return f"{message} (at {'.'.join(path)})" if path else message


def _language(metadata: Any) -> str:
    """The language the notebook's kernel runs: its kernelspec's, else language_info's."""
    for key in ("kernelspec", "language_info"):
        entry = metadata.get(key)
        value = entry.get("language" if key == "kernelspec" else "name") if isinstance(entry, dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "python"


def _check_json(src_path: str, text: str) -> None:
    """An .ipynb must be JSON holding an nbformat 4 notebook (what jupytext reads)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentError.at(src_path, exc.lineno, f"the notebook is not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise ContentError.at(src_path, 1, "the notebook's JSON is nested too deeply to read") from None
    version = data.get("nbformat") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or version != 4:
        found = f"nbformat {version}" if type(version) is int else "no nbformat version or cells"
        found = "its cells are not a list" if version == 4 else found
        raise ContentError.at(
            src_path,
            1,
            f"not a Jupyter notebook lessonpress can read ({found}): save it as nbformat 4 "
            "(jupyter nbconvert --to notebook --inplace)",
        )
    if not isinstance(data.get("metadata", {}), dict):
        raise ContentError.at(src_path, 1, "the notebook's metadata is not a JSON object")
    if type(data.get("nbformat_minor", 0)) is not int:
        raise ContentError.at(src_path, 1, "the notebook's nbformat_minor is not a whole number")
    json_lines = _json_cell_lines(text)
    for number, cell in enumerate(data["cells"], 1):
        problem = _cell_problem(cell)
        if problem:
            line = json_lines[number - 1] if len(json_lines) == len(data["cells"]) else 1
            raise ContentError.at(src_path, line, f"cell {number} of the notebook cannot be read: {problem}")


def _json_cell_lines(text: str) -> list[int]:
    """The line of each cell's `"cell_type"` key in an .ipynb's JSON: where the cell lies
    (a cell's text holds that key only escaped, `\\"cell_type\\"`)."""
    lines, line, position = [], 1, 0
    for found in re.finditer(r'(?<!\\)"cell_type"\s*:', text):
        line, position = line + text.count("\n", position, found.start()), found.start()
        lines.append(line)
    return lines


def _cell_problem(cell: Any) -> str:
    """What makes a cell of an .ipynb's JSON unreadable ("" if nothing does)."""
    if not isinstance(cell, dict):
        return "it is not a JSON object"
    if cell.get("cell_type") not in ("code", "markdown", "raw"):
        return f"its cell_type is {cell.get('cell_type')!r}, not 'code', 'markdown' or 'raw'"
    source = cell.get("source")
    if not isinstance(source, (str, list)) or not all(isinstance(line, str) for line in source):
        return "its source is missing or not text"
    try:
        "".join(source).encode("utf-8")
    except UnicodeEncodeError:
        return "its source has a \\ud800-\\udfff escape that is half of a character, not text"
    return "" if isinstance(cell.get("metadata", {}), dict) else "its metadata is not a JSON object"


def _code(source: str) -> tuple[str, dict[str, str]]:
    """A code cell's code without its leading `#| key: value` lines, and those options."""
    lines = source.split("\n")
    options: dict[str, str] = {}
    while lines and (match := _OPTION.match(lines[0])):
        options[match.group(1)] = match.group(2).strip("'\"")
        lines.pop(0)
    return "\n".join(lines), options


def _locate(text: str, cells: list[Any]) -> list[int | None]:
    """The line of the file where each code cell's code begins, in order; None for one whose
    code is not in the file as whole lines (Jupytext changed it). Text cells found verbatim
    are stepped over, so that code quoted in a Markdown cell is not taken for a code cell's."""
    front = _FRONT_MATTER.match(text)
    found: list[int | None] = []
    cursor = front.end() if front else 0
    for cell in cells:
        source = _code(cell.source)[0] if cell.cell_type == "code" else cell.source.strip("\n")
        at = _whole_lines(text, source, cursor) if source.strip() else cursor
        if at is not None:
            cursor = at + len(source)
        if cell.cell_type == "code":
            found.append(None if at is None else text.count("\n", 0, at) + 1)
    return found


def _whole_lines(text: str, source: str, start: int) -> int | None:
    """Where `source` next appears in `text` from `start` as whole lines, if it does."""
    at = text.find(source, start)
    while at >= 0:
        end = at + len(source)
        if (at == 0 or text[at - 1] == "\n") and (end == len(text) or text[end] == "\n"):
            return at
        at = text.find(source, at + 1)
    return None


def _name(metadata: dict[str, Any], options: dict[str, str], number: int) -> str:
    """The cell's name: its title, `#| label:`, `name` metadata, or `cell<number>`."""
    for key, candidate in (
        ("title", metadata.get("title")),
        ("label", options.get("label")),
        ("name", metadata.get("name")),
    ):
        if candidate is not None and not isinstance(candidate, str):
            raise ValueError(f"its {key} {candidate!r} is not text: a cell's name is one word")
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return f"cell{number}"


def _tags(metadata: dict[str, Any]) -> list[str]:
    """The cell's tags: a list of strings, else a ValueError."""
    tags = metadata.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValueError(f'its tags {tags!r} are not a list of strings, e.g. ["raises-exception"]')
    return tags


def _quiet_magics(source: str) -> str:
    """IPython's `%magic` and `!shell` lines (and a leading `%%time`) commented out, as
    Jupytext writes them into a script: plain Python cannot run them. As in IPython, only a
    line that starts a statement is one (not a line inside a string or brackets: `%b)`,
    `!= b`); a magic's continuation lines (`\\` at its end) go with it; lines keep their
    places. One opening a block (`for f in files:` then `    !rm $f`) becomes `pass  # !rm
    $f`, so that the block is not left empty."""
    lines, state, continued, opens_block = source.split("\n"), _Scan(), False, False
    for index, line in enumerate(lines):
        starts = state.depth == 0 and state.quote is None and not state.backslash
        if continued or (starts and _MAGIC.match(line)):
            body = line.lstrip()
            indent = line[: len(line) - len(body)]
            keep = "pass  " if opens_block and indent and not continued else ""
            lines[index] = f"{indent}{keep}# {body}" if not continued else f"# {line}"
            continued, opens_block = line.rstrip().endswith("\\"), False
        else:
            state.read(line)
            if line.strip() and not line.lstrip().startswith("#"):
                opens_block = line.split("#", 1)[0].rstrip().endswith(":") and state.depth == 0
    return "\n".join(lines)


class _Scan:
    """Just enough of Python's tokenizer to tell whether a line starts a statement: the open
    brackets, the string left open (a triple-quoted one spans lines), a `\\` at the end."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None
        self.backslash = False

    def read(self, line: str) -> None:
        """Take in one more line of the cell."""
        index, self.backslash = 0, False
        while index < len(line):
            if self.quote is not None:
                if line[index] == "\\":
                    index += 2
                    continue
                if line.startswith(self.quote, index):
                    index, self.quote = index + len(self.quote), None
                    continue
            elif line[index] == "#":
                return  # a comment: no string or bracket is left open by it
            elif line[index] in "\"'":
                triple = line[index] * 3
                self.quote = triple if line.startswith(triple, index) else line[index]
                index += len(self.quote)
                continue
            else:
                self.depth += (line[index] in "([{") - (line[index] in ")]}")
                self.depth = max(self.depth, 0)
            index += 1
        self.backslash = line.endswith("\\") and (self.quote is None or len(self.quote) == 1)
        if self.quote is not None and len(self.quote) == 1 and not self.backslash:
            self.quote = None  # a one-line string ends with its line


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
