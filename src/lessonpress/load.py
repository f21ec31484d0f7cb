"""Stage 1: read site.yaml, posts and lessons from disk."""

from __future__ import annotations

import json
import os
import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import CONFIG_NAME, lesson_setting_line, load_config
from .errors import ContentError, Problem
from .model import Cell, Lesson, PostSource, Project, SiteConfig

if TYPE_CHECKING:
    from .cache import TextMemo

THEME_DIR = Path(__file__).parent / "theme"
_CELL_HEADER = re.compile(r"^# ?%%(?!%)(.*)$")
_CELL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
SETUP_CELL = "setup"


def load_project(root: Path, yaml_memo: TextMemo[Any] | None = None) -> Project:
    """Read everything the build needs; collect every problem before failing.

    `yaml_memo` remembers parsed YAML by text (see config.load_yaml).
    """
    problems: list[Problem] = []
    try:
        config = load_config(root, yaml_memo)
    except ContentError as exc:  # reported with the posts' and lessons' problems
        problems.extend(exc.problems)
        config = SiteConfig()
    posts = _collect(problems, _load_posts, root)
    files = _lesson_files(root)
    lessons = _collect(problems, lambda root: _load_lessons(root, files), root)
    problems.extend(_unknown_lesson_settings(root, config, files))
    if problems:
        raise ContentError(problems)
    template_dirs = tuple(d for d in (root / "templates", THEME_DIR) if d.is_dir())
    return Project(root, config, tuple(posts), dict(lessons), template_dirs)


def _collect(problems: list[Problem], loader, root: Path):  # type: ignore[no-untyped-def]
    items, found = loader(root)
    problems.extend(found)
    return items


def read_text(path: Path, src_path: str) -> str:
    """Read UTF-8 text, reporting undecodable bytes with their line.

    A byte-order mark (which some Windows editors write) is dropped, as Python drops it
    from a script: otherwise a post's front matter would not be found.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:  # a broken link, no permission: the author can fix it, it is no bug
        raise ContentError.at(src_path, 1, _unreadable(path, exc)) from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError.at(
            src_path, line, f"file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        ) from None


def _unreadable(path: Path, exc: OSError) -> str:
    """Why a post or lesson file could not be read, and what to do."""
    if path.is_symlink() and not path.exists():
        return f"cannot read the file: it is a symbolic link to {os.readlink(path)}, which does not exist"
    return f"cannot read the file ({exc.strerror or exc}); check that it exists and is readable"


def _folder_problem(path: Path, src_path: str, what: str, kind: str) -> Problem | None:
    """A folder named like a post or lesson (`posts/x.md/`): it cannot be read as one."""
    if not path.is_dir():
        return None
    where = src_path.rsplit("/", 1)[0]
    message = f"{src_path} is a folder, not a {what}: a {what} is {kind}; rename the folder or move it out of {where}/"
    return Problem(src_path, 1, message)


def _load_posts(root: Path) -> tuple[list[PostSource], list[Problem]]:
    posts, problems = [], []
    for path in sorted((root / "posts").glob("*.md")):
        src_path = f"posts/{path.name}"
        slug = path.stem
        folder = _folder_problem(path, src_path, "post", "a Markdown file")
        if folder is not None:
            problems.append(folder)
            continue
        if not _SLUG.match(slug):
            problems.append(
                Problem(
                    src_path,
                    1,
                    f"post file name {slug!r} is not a valid slug: "
                    "use lower-case letters, digits, '-', '_' or '.'",
                )
            )
            continue
        try:
            posts.append(PostSource(slug, src_path, read_text(path, src_path)))
        except ContentError as exc:
            problems.extend(exc.problems)
    return posts, problems


def _load_lessons(root: Path, files: list[Path]) -> tuple[dict[str, Lesson], list[Problem]]:
    lessons: dict[str, Lesson] = {}
    problems: list[Problem] = []
    for path in files:
        src_path = path.relative_to(root).as_posix()
        folder = _folder_problem(path, src_path, "lesson", "a Python script")
        if folder is not None:
            problems.append(folder)
            continue
        try:
            lessons[src_path] = split_cells(src_path, read_text(path, src_path))
        except ContentError as exc:
            problems.extend(exc.problems)
    return lessons, problems


def _lesson_files(root: Path) -> list[Path]:
    """Every lesson script under lessons/ (not in __pycache__ or a hidden folder)."""
    return [
        path
        for path in sorted((root / "lessons").rglob("*.py"))
        if "__pycache__" not in path.parts
        and not any(p.startswith(".") for p in path.relative_to(root).parts)
    ]


def _unknown_lesson_settings(root: Path, config: SiteConfig, files: list[Path]) -> list[Problem]:
    """Entries of site.yaml's `lessons:` that name no lesson file (a typo would be ignored);
    `files` are all lesson files, also those that did not load."""
    known = {path.relative_to(root).as_posix() for path in files}
    problems = []
    for lesson_path, _ in config.lesson_timeouts:
        if lesson_path in known:
            continue
        folder = posixpath.dirname(lesson_path)
        siblings = sorted(p.rsplit("/", 1)[-1] for p in known if posixpath.dirname(p) == folder)
        hint = (
            f"; {folder}/ has: {', '.join(siblings)}"
            if siblings
            else "; name a lesson as <slug>/<file>.py, its path under lessons/"
        )
        name = lesson_path.removeprefix("lessons/")
        problems.append(
            Problem(
                CONFIG_NAME,
                lesson_setting_line(root, lesson_path),
                f"lessons.{name}: there is no lesson {lesson_path}{hint}",
            )
        )
    return problems


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
    text = re.sub(r"\[(markdown|md|raw)\]", "", text).strip()
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
