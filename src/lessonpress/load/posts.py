"""Post sources: the Markdown files in posts/, read but not yet parsed."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ContentError, Problem
from ..model import PostSource
from .files import folder_problem, read_text

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def load_posts(root: Path) -> tuple[list[PostSource], list[Problem]]:
    """Every post in `root/posts/`, and the problems of those that did not load."""
    posts, problems = [], []
    for path in sorted((root / "posts").glob("*.md")):
        src_path = f"posts/{path.name}"
        slug = path.stem
        folder = folder_problem(path, src_path, "post", "a Markdown file")
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
