"""Lessons: Jupytext percent-format scripts split into named cells (notebooks: notebooks.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import ContentError, Problem
from ..model import Cell, Lesson
from .files import folder_problem, read_text
from .notebooks import TEXT_SUFFIXES, is_notebook, notebook_lesson

# `# %%`, then a title, `[markdown]` or nothing; not `# %%time` (Jupytext's commented cell magic)
_CELL_HEADER = re.compile(r"^# ?%%(?=[\s\[]|$)(.*)$")
_CELL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_NOT_CODE = re.compile(r"\[(markdown|md|raw)\]")
SETUP_CELL = "setup"


def lesson_files(root: Path) -> list[Path]:
    """Every lesson under lessons/ (not in __pycache__ or a hidden folder): each .py script and
    each notebook (.ipynb, or a Markdown notebook with a Jupytext or kernel header)."""
    found = []
    for path in sorted((root / "lessons").rglob("*")):
        parts = path.relative_to(root).parts
        if "__pycache__" in parts or any(p.startswith(".") for p in parts):
            continue
        if path.suffix in (".py", ".ipynb") or (path.suffix in TEXT_SUFFIXES and _has_header(path)):
            found.append(path)
    return found


def _has_header(path: Path) -> bool:
    """Whether a Markdown file under lessons/ is a notebook (else it is a data file)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return is_notebook(path, file.read(4096))
    except OSError:  # a folder or an unreadable file: not a lesson either way
        return False


def load_lessons(root: Path, files: list[Path]) -> tuple[dict[str, Lesson], list[Problem]]:
    """The lessons in `files` by their path from `root`, and the problems of those that did not load."""
    lessons: dict[str, Lesson] = {}
    problems: list[Problem] = []
    for path in files:
        src_path = path.relative_to(root).as_posix()
        folder = folder_problem(path, src_path, "lesson", "a Python script or a notebook")
        if folder is not None:
            problems.append(folder)
            continue
        try:
            text = read_text(path, src_path)
            notebook = is_notebook(path, text[:4096])
            lessons[src_path] = notebook_lesson(src_path, text) if notebook else split_cells(src_path, text)
        except ContentError as exc:
            problems.extend(exc.problems)
    return lessons, problems


def split_cells(src_path: str, source: str) -> Lesson:
    """Split a Jupytext percent-format script into named cells with their real line numbers."""
    lines = source.splitlines()
    starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _CELL_HEADER.match(line))]
    cells: list[Cell] = []
    problems: list[Problem] = []
    first = starts[0][0] if starts else len(lines)
    if "\n".join(lines[:first]).strip():
        cells.append(Cell(SETUP_CELL, "\n".join(lines[:first]) + "\n", 1, 1))
    for index, (start, header) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
        try:
            name, meta = parse_cell_header(header, default=f"cell{index + 1}")
        except ValueError as exc:
            problems.append(Problem(src_path, start + 1, str(exc)))
            continue
        if _NOT_CODE.search(header):  # a Markdown or raw cell is text, not run
            continue
        if any(c.name == name for c in cells):
            problems.append(
                Problem(src_path, start + 1, f"duplicate cell name {name!r}: give each cell its own name")
            )
        tags = meta.get("tags", [])
        cells.append(
            Cell(
                name,
                "\n".join(lines[start + 1 : end]) + "\n",
                start + 2,
                start + 1,
                expect_error="raises-exception" in tags,
            )
        )
    if problems:
        raise ContentError(problems)
    return Lesson(src_path, source, tuple(cells))


def parse_cell_header(header: str, default: str) -> tuple[str, dict]:
    """Parse the text after `# %%`: an optional title, cell type and key=value metadata."""
    text = header.strip()
    text = _NOT_CODE.sub("", text).strip()
    if "=" in text:
        title, meta = _jupytext_metadata(text)
    else:
        title, meta = text, {}
    name = title.strip() or default
    if not _CELL_NAME.match(name):
        raise ValueError(
            f"cell name {name!r} must be one word of ASCII letters (A-Z, a-z), digits, '_', '-' or '.'"
        )
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError('cell tags must be a list of strings, e.g. tags=["raises-exception"]')
    return name, meta


_META_ITEM = re.compile(r'\s*([A-Za-z_][\w-]*)=("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^}]*\}|\S+)')


def _jupytext_metadata(text: str) -> tuple[str, dict]:
    """Jupytext's header syntax, `title key="value" tags=["a", "b"]`, values being JSON.

    Parsed here rather than with jupytext itself, whose import costs half a second per build.
    """
    first = _META_ITEM.search(text)
    if first is None:
        return text, {}
    title, rest = text[: first.start()], text[first.start() :]
    meta = {}
    position = 0
    while position < len(rest.rstrip()):
        match = _META_ITEM.match(rest, position)
        if match is None:
            raise ValueError(
                f"cannot read cell metadata {rest.strip()!r}: use key=value pairs with "
                'JSON values, e.g. tags=["raises-exception"]'
            )
        try:
            meta[match.group(1)] = json.loads(match.group(2))
        except json.JSONDecodeError as exc:
            raise ValueError(f"cannot read cell metadata {match.group(0).strip()!r}: {exc}") from None
        position = match.end()
    return title, meta
