"""Stage 1: read site.yaml, posts and lessons from disk into a Project."""

from __future__ import annotations

import posixpath
from pathlib import Path

from ..errors import ContentError, Problem
from ..model import Project, SiteConfig
from .config import CONFIG_NAME, lesson_setting_line, load_config
from .files import read_text
from .lessons import SETUP_CELL, lesson_files, load_lessons, parse_cell_header, split_cells
from .posts import load_posts
from .yaml import YamlMemo

# What other stages and the CLI import from the load stage.
__all__ = [
    "CONFIG_NAME",
    "SETUP_CELL",
    "THEME_DIR",
    "load_config",
    "load_project",
    "parse_cell_header",
    "read_text",
    "split_cells",
]
THEME_DIR = Path(__file__).parent.parent / "theme"


def load_project(root: Path, yaml_memo: YamlMemo | None = None) -> Project:
    """Read everything the build needs; collect every problem before failing.

    `yaml_memo` remembers parsed YAML by text (see yaml.load_yaml).
    """
    problems: list[Problem] = []
    try:
        config = load_config(root, yaml_memo)
    except ContentError as exc:  # reported with the posts' and lessons' problems
        problems.extend(exc.problems)
        config = SiteConfig()
    posts, found = load_posts(root)
    problems.extend(found)
    files = lesson_files(root)
    lessons, found = load_lessons(root, files)
    problems.extend(found)
    problems.extend(_unknown_lesson_settings(root, config, files))
    if problems:
        raise ContentError(problems)
    template_dirs = tuple(d for d in (root / "templates", THEME_DIR) if d.is_dir())
    return Project(root, config, tuple(posts), lessons, template_dirs)


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
