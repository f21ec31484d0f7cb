"""The pipeline, stage by stage: load -> parse -> execute -> (validate) -> render -> write.

Each stage is a package (or module) of its own and imports only earlier ones; this module
is the only one that calls them all, and README's "Architecture" draws what passes between.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError, Problem, UsageError
from .execute import (
    Execution,
    Progress,
    RunOptions,
    WorkerPool,
    cached_only,
    execute,
    lessons_to_run,
    timeouts,
)
from .load import load_project
from .memos import PageCache
from .model import Lesson, OutputFile, ParsedPost, PostSource, Project
from .parse import ParseMemo, collect_posts, parse_posts, unknown_field_problems
from .render import import_renderers, render_site
from .validate import check_results, draft_link_problems, result_problems, unreferenced_lesson_problems
from .write import build_lock, check_output_folder, lean_page, publish, published_pages, update_search_index
from .write.links import LinkCheck, Links, broken_links


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the summary the CLI prints."""

    posts: int
    execution: Execution
    files_changed: int
    warnings: tuple[Problem, ...] = ()
    kept: tuple[str, ...] = ()  # with --post: the other posts whose last built pages were kept
    left_out: tuple[str, ...] = ()  # with --post: those with neither results nor a page yet


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
    only: str | None = None,
) -> BuildReport:
    """Build the site in `root` into `out`; on any content error, `out` is left as it was.

    `pool` lends warm lesson workers that outlive this build (as `serve` does). With
    `defer_search`, the pages are published without waiting for a new search index;
    update_search() makes it afterwards. With `drafts` (as `serve` builds), posts marked
    `draft: true` are published too; otherwise they are left out, and a link to one is an error.
    With `only` (a post's slug, file or series number), only that post's lessons run: each
    other post is rendered from cached results, or keeps its page from the previous site, or
    (having neither) is left out until a full build.
    """
    check_output_folder(root, out)
    # The whole build holds the lock, not only publishing: a second build that found its
    # results cached could otherwise publish first and then be overwritten by an older one.
    with build_lock(out, on_wait=on_wait):
        return _build(root, out, options, progress, pool, defer_search, drafts, only)


def _build(
    root: Path,
    out: Path,
    options: RunOptions,
    progress: Progress | None,
    pool: WorkerPool | None,
    defer_search: bool,
    drafts: bool,
    only: str | None,
) -> BuildReport:
    memos = PageCache(root, options.use_cache, link_type=Links)
    project = load_project(root, memos.yaml)
    parsed = parse_posts(
        project.posts, project.lessons, parse_memo(options, memos, root), project.config.modules
    )
    posts = parsed if drafts else published(parsed)
    if only is None:
        execution, partial = _execute(project, lessons_to_run(project, posts), options, progress, pool), None
    else:
        execution, partial = _execute_one(project, posts, only, out, options, progress, pool)
        posts = [post for post in posts if post.source.slug not in partial.left_out]
    kept = partial.kept if partial else frozenset()
    check_results([post for post in posts if post.source.slug not in kept], project.lessons, execution.results)
    files = render_site(project, posts, execution.results, memos, execution.digests, kept)
    files += partial.files if partial else []
    links = LinkCheck(files, project.posts, memos, project.template_dirs)  # beside Pagefind; done before the swap
    changed = publish(
        files,
        out,
        defer_search=defer_search,
        lean=lambda page: memos.search_pages.get(page, lean_page),  # remembers unchanged pages' copies
        verify=links.verify,
    )
    memos.search_pages.save()
    if partial is None:
        return BuildReport(len(posts), execution, changed, links.result().broken)
    return BuildReport(1, execution, changed, links.result().broken, tuple(sorted(kept)), partial.left_out)


@dataclass(frozen=True)
class _OnePost:
    """What `build --post` does with the other posts: `kept` keep their published pages
    (`files`), `left_out` have neither cached results nor a page."""

    kept: frozenset[str]
    files: list[OutputFile]
    left_out: tuple[str, ...]


def _execute_one(
    project: Project,
    posts: list[ParsedPost],
    only: str,
    out: Path,
    options: RunOptions,
    progress: Progress | None,
    pool: WorkerPool | None,
) -> tuple[Execution, _OnePost]:
    """Run the lessons of the post `only` names; take the others' results from the cache."""
    chosen = chosen_post(posts, only, project.posts)
    ran = _execute(project, lessons_to_run(project, [chosen]), options, progress, pool)
    others = [post for post in posts if post is not chosen]
    cached = cached_only(project.root, lessons_to_run(project, others), with_figure_format(project, options))
    results, digests = {**cached.results, **ran.results}, {**cached.digests, **ran.digests}
    missing = frozenset(p.source.slug for p in others if any(path not in results for path in p.lesson_paths))
    files, found = published_pages(out, missing)
    execution = Execution(results, ran.cached | cached.cached, digests)
    return execution, _OnePost(found, files, tuple(sorted(missing - found)))


def chosen_post(posts: list[ParsedPost], only: str, sources: tuple[PostSource, ...]) -> ParsedPost:
    """The post `build --post` names by slug, file (posts/x.md) or series number (1.2)."""
    slug = only.removeprefix("posts/").removesuffix(".md")
    for post in posts:
        if slug == post.source.slug or (post.meta.series and only == post.meta.series):
            return post
    if any(source.slug == slug for source in sources):
        raise UsageError(f"posts/{slug}.md is a draft: build publishes no drafts (preview it with lessonpress serve)")
    close = difflib.get_close_matches(slug, [post.source.slug for post in posts], n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UsageError(f"--post {only}: there is no published post by that slug, file or series number{hint}")


def check(root: Path, options: RunOptions, progress: Progress | None = None) -> CheckReport:
    """Everything `build` verifies, for every lesson, collecting all problems; writes no site."""
    memos = PageCache(root, options.use_cache)
    project = load_project(root, memos.yaml)
    posts, problems = collect_posts(
        project.posts, project.lessons, parse_memo(options, memos, root), project.config.modules
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


def published(posts: list[ParsedPost]) -> list[ParsedPost]:
    """The posts `build` publishes (and `export` writes): not the drafts, to which no
    published post may link."""
    problems = draft_link_problems(posts)
    if problems:
        raise ContentError(problems)
    return [post for post in posts if not post.meta.draft]


def update_search(out: Path) -> bool:
    """Bring the search index of `out` up to date after a build with `defer_search`."""
    with build_lock(out):
        return update_search_index(out)


def parse_memo(options: RunOptions, memos: PageCache, root: Path) -> ParseMemo:
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
    options = with_figure_format(project, options)
    return execute(project.root, lessons, timeouts(project), options, progress, import_renderers, pool)


def with_figure_format(project: Project, options: RunOptions) -> RunOptions:
    """The run options with site.yaml's figure_format, part of the lessons' cache key."""
    return options.with_figure_format(project.config.figure_format)  # site.yaml's, part of the cache key
