"""The pipeline, stage by stage: load -> parse -> execute -> (validate) -> render -> write.

Each stage is a package (or module) of its own and imports only earlier ones; this module
is the only one that calls them all, and README's "Architecture" draws what passes between.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError, Problem
from .execute import Execution, Progress, RunOptions, WorkerPool, execute, lessons_to_run, timeouts
from .load import load_project
from .memos import PageCache
from .model import Lesson, ParsedPost, Project
from .parse import ParseMemo, collect_posts, parse_posts, unknown_field_problems
from .render import import_renderers, render_site
from .validate import check_results, draft_link_problems, result_problems, unreferenced_lesson_problems
from .write import build_lock, check_output_folder, lean_page, publish, update_search_index
from .write.links import LinkCheck, Links, broken_links


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the summary the CLI prints."""

    posts: int
    execution: Execution
    files_changed: int
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class CheckReport:
    """What `check` found."""

    posts: int
    execution: Execution
    problems: tuple[Problem, ...]


def build(
    root: Path,
    out: Path,
    options: RunOptions,
    progress: Progress | None = None,
    on_wait=None,  # type: ignore[no-untyped-def]
    pool: WorkerPool | None = None,
    defer_search: bool = False,
    drafts: bool = False,
) -> BuildReport:
    """Build the site in `root` into `out`; on any content error, `out` is left as it was.

    `pool` lends warm lesson workers that outlive this build (as `serve` does). With
    `defer_search`, the pages are published without waiting for a new search index;
    update_search() makes it afterwards. With `drafts` (as `serve` builds), posts marked
    `draft: true` are published too; otherwise they are left out, and a link to one is an error.
    """
    check_output_folder(root, out)
    # The whole build holds the lock, not only publishing: a second build that found its
    # results cached could otherwise publish first and then be overwritten by an older one.
    with build_lock(out, on_wait=on_wait):
        return _build(root, out, options, progress, pool, defer_search, drafts)


def _build(
    root: Path,
    out: Path,
    options: RunOptions,
    progress: Progress | None,
    pool: WorkerPool | None,
    defer_search: bool,
    drafts: bool,
) -> BuildReport:
    memos = PageCache(root, options.use_cache, link_type=Links)
    project = load_project(root, memos.yaml)
    parsed = parse_posts(
        project.posts, project.lessons, _parse_memo(options, memos, root), project.config.modules
    )
    posts = parsed if drafts else _published(parsed)
    execution = _execute(project, lessons_to_run(project, posts), options, progress, pool)
    check_results(posts, project.lessons, execution.results)
    files = render_site(project, posts, execution.results, memos, execution.digests)
    links = LinkCheck(files, project.posts, memos, project.template_dirs)  # beside Pagefind; done before the swap
    changed = publish(
        files,
        out,
        defer_search=defer_search,
        lean=lambda page: memos.search_pages.get(page, lean_page),  # remembers unchanged pages' copies
        verify=links.verify,
    )
    memos.search_pages.save()
    return BuildReport(len(posts), execution, changed, links.result().broken)


def check(root: Path, options: RunOptions, progress: Progress | None = None) -> CheckReport:
    """Everything `build` verifies, for every lesson, collecting all problems; writes no site."""
    memos = PageCache(root, options.use_cache)
    project = load_project(root, memos.yaml)
    posts, problems = collect_posts(
        project.posts, project.lessons, _parse_memo(options, memos, root), project.config.modules
    )
    problems.extend(p for post in project.posts for p in unknown_field_problems(post, memos.yaml))
    execution = _execute(project, lessons_to_run(project, posts, everything=True), options, progress)
    found = result_problems(posts, project.lessons, execution.results)
    problems.extend(found)
    renderable = [post for post in posts if not any(p.path == post.source.src_path for p in found)]
    try:  # links are checked on the posts that can be rendered
        files = render_site(project, renderable, execution.results, memos, execution.digests)
        problems.extend(broken_links(files, project.posts, templates=project.template_dirs))
    except ContentError as exc:
        problems.extend(exc.problems)
    problems.extend(unreferenced_lesson_problems(project, posts, execution.results))
    problems.extend(draft_link_problems(posts))
    return CheckReport(len(posts), execution, tuple(problems))


def _published(posts: list[ParsedPost]) -> list[ParsedPost]:
    """The posts `build` publishes: not the drafts, to which no published post may link."""
    problems = draft_link_problems(posts)
    if problems:
        raise ContentError(problems)
    return [post for post in posts if not post.meta.draft]


def update_search(out: Path) -> bool:
    """Bring the search index of `out` up to date after a build with `defer_search`."""
    with build_lock(out):
        return update_search_index(out)


def _parse_memo(options: RunOptions, memos: PageCache, root: Path) -> ParseMemo:
    """Parsed posts are remembered in the project's cache (not with --no-cache)."""
    return ParseMemo(root if options.use_cache else None, memos.formulas, memos.yaml)


def _execute(
    project: Project,
    lessons: list[Lesson],
    options: RunOptions,
    progress: Progress | None,
    pool: WorkerPool | None = None,
) -> Execution:
    # While lessons run, the build imports what rendering needs (import_renderers).
    return execute(project.root, lessons, timeouts(project), options, progress, import_renderers, pool)
