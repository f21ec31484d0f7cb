"""Stage 1: read site.yaml, posts and lessons from disk into a Project."""

from __future__ import annotations

from pathlib import Path

from ..errors import ContentError, Problem
from ..model import Project, SiteConfig
from .config import CONFIG_NAME, load_config
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
    files = lesson_files(root)  # all of them, also those that do not load, for site.yaml's `lessons:`
    try:
        config = load_config(root, yaml_memo, {path.relative_to(root).as_posix() for path in files})
    except ContentError as exc:  # reported with the posts' and lessons' problems
        problems.extend(exc.problems)
        config = SiteConfig()
    posts, found = load_posts(root)
    problems.extend(found)
    lessons, found = load_lessons(root, files)
    problems.extend(found)
    if problems:
        raise ContentError(problems)
    template_dirs = tuple(d for d in (root / "templates", THEME_DIR) if d.is_dir())
    return Project(root, config, tuple(posts), lessons, template_dirs)
