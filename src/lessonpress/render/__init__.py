"""Stage 4: turn parsed posts and lesson results into the site's files (nothing is written yet).

Render works from the document model (document.py) and the results; it never parses.
inputs.py gathers what each page is made from and derives its cache key; page.py assembles
a post's page, body.py and rules.py draw its document, headings.py gives its headings ids;
site_pages.py makes the index, feed, sitemap, 404 page and assets; notebook.py the lesson
downloads; environment.py is Jinja and its errors.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..memos import PageCache
from ..errors import ContentError, Problem
from ..model import LessonResult, OutputFile, ParsedPost, Project
from ..values import format_value, value_text
from .inputs import (
    Listing,
    PageInputs,
    SiteInputs,
    input_key,
    page_inputs,
    read_templates,
    series_key,
    site_info,
)
from .media import read_media
from .notebook import lesson_downloads, to_notebook

if TYPE_CHECKING:
    import jinja2

# What the pipeline imports from the render stage. The modules that draw pages (page.py,
# site_pages.py and theirs) are imported only when some page has to be rendered.
__all__ = [
    "format_value",
    "import_renderers",
    "render_site",
    "series_key",
    "site_info",
    "to_notebook",
    "value_text",
]


def render_site(
    project: Project,
    posts: list[ParsedPost],
    results: dict[str, LessonResult],
    cache: PageCache | None = None,
    digests: dict[str, str] | None = None,
    listed_only: frozenset[str] = frozenset(),
) -> list[OutputFile]:
    """Render every page, reusing a page whose inputs are all unchanged since the last build.

    `digests` stand for the results in the pages' keys (the execution's; any missing one
    is computed). The posts whose slugs are in `listed_only` are listed (index, feed,
    previous and next) but their pages are not rendered (`build --post` keeps them).
    """
    cache = cache or PageCache(None)
    site = site_info(project.config)
    templates = read_templates(project.template_dirs)
    ordered = sorted(posts, key=series_key)
    renderer = _LazyRenderer(project.template_dirs, cache)
    files: list[OutputFile] = []
    problems: list[Problem] = []
    for inputs in page_inputs(ordered, results, project.lessons, digests or {}, site, templates, listed_only):
        name = f"post-{inputs.post.source.slug}"
        try:
            inputs = replace(inputs, media=read_media(project.root, inputs.post))
            key = input_key(cache.code_key, inputs)
            files.extend(cache.get_or_make(name, key, partial(renderer.post, inputs)))
            files.extend(lesson_downloads(inputs.runs, inputs.post, cache))
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    listed = SiteInputs(site, templates, tuple(Listing(p.source.slug, p.meta) for p in ordered))
    files.extend(cache.get_or_make("site", input_key(cache.code_key, listed), partial(renderer.site, listed)))
    cache.save_memos()
    return files


def import_renderers() -> None:
    """Import what rendering a page needs (run in a thread while lessons execute)."""
    import jinja2  # noqa: F401
    import jupytext  # noqa: F401
    import markdown_it.renderer  # noqa: F401
    import pygments.formatters.html
    import pygments.lexers.python  # noqa: F401

    from . import page, site_pages  # noqa: F401


class _LazyRenderer:
    """Imports Jinja2, markdown-it, Pygments and the page-drawing modules only when some page
    has to be rendered."""

    def __init__(self, dirs: tuple[Path, ...], cache: PageCache) -> None:
        self.dirs = dirs
        self.cache = cache
        self._env: jinja2.Environment | None = None
        self._reserved: frozenset[str] | None = None

    def env(self) -> jinja2.Environment:
        from .environment import template_env

        if self._env is None:
            folder = self.cache.folder  # compiled templates are kept beside the pages
            self._env = template_env(self.dirs, folder.parent / "templates" if folder else None)
        return self._env

    def reserved(self, page: str) -> frozenset[str]:
        """The ids the post templates use themselves, read once per build (about 9 ms)."""
        from .environment import template_errors, template_ids

        if self._reserved is None:
            with template_errors(page, "post.html"):
                self._reserved = template_ids(self.env(), ("post.html", "_cell.html"))
        return self._reserved

    def post(self, inputs: PageInputs) -> list[OutputFile]:
        from .page import render_post

        reserved = self.reserved(f"posts/{inputs.post.source.slug}/index.html")
        return render_post(inputs, self.env(), reserved, self.cache.highlights)

    def site(self, inputs: SiteInputs) -> list[OutputFile]:
        from .site_pages import site_pages

        return site_pages(inputs, self.env())
