"""The pipeline, stage by stage: load -> parse -> execute -> render -> write."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .cache import PageCache, digest
from .errors import ContentError, Problem
from .execute import Execution, Progress, RunOptions, WorkerPool, execute
from .links import LinkReport, broken_links, check_links, scan_page
from .load import load_project
from .model import (
    Lesson,
    LessonRef,
    LessonResult,
    OutputFile,
    ParsedPost,
    PostSource,
    Project,
    ValueRef,
    lesson_name,
)
from .parse import ParseMemo, collect_posts, parse_posts, unknown_field_problems
from .render import format_value, import_renderers, render_site
from .write import build_lock, check_output_folder, lean_page, publish, update_search_index


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
) -> BuildReport:
    """Build the site in `root` into `out`; on any content error, `out` is left as it was.

    `pool` lends warm lesson workers that outlive this build (as `serve` does). With
    `defer_search`, the pages are published without waiting for a new search index;
    update_search() makes it afterwards.
    """
    check_output_folder(root, out)
    # The whole build holds the lock, not only publishing: a second build that found its
    # results cached could otherwise publish first and then be overwritten by an older one.
    with build_lock(out, on_wait=on_wait):
        return _build(root, out, options, progress, pool, defer_search)


def _build(
    root: Path,
    out: Path,
    options: RunOptions,
    progress: Progress | None,
    pool: WorkerPool | None,
    defer_search: bool,
) -> BuildReport:
    pages = PageCache(root, options.use_cache)
    project = load_project(root, pages.yaml)
    posts = parse_posts(
        project.posts,
        project.lessons,
        ParseMemo(root if options.use_cache else None, pages.formulas, pages.yaml),
        project.config.modules,
    )
    execution = run_lessons(project, posts, options, progress, pool=pool)
    check_results(posts, project.lessons, execution.results)
    files = render_site(project, posts, execution.results, pages, execution.digests)
    html = [f for f in files if f.dest_path.endswith(".html")]
    # Links are checked while publishing waits on Pagefind, and done before the swap:
    # an invalid URL fails the build (broken links are only warnings).
    links = _Background(
        lambda: pages.get_or_make(
            "links",
            digest(pages.code_key, *(f.dest_path for f in html), *(f.data for f in html)),
            lambda: _checked_links(files, project.posts, pages),
        )
    )
    changed = publish(
        files,
        out,
        defer_search=defer_search,
        lean=lambda page: pages.search_pages.get(page, lean_page),
        verify=lambda: _no_invalid_links(links.result()),
    )
    pages.search_pages.save()
    return BuildReport(len(posts), execution, changed, links.result().broken)


def update_search(out: Path) -> bool:
    """Bring the search index of `out` up to date after a build with `defer_search`."""
    with build_lock(out):
        return update_search_index(out)


def _checked_links(files: list[OutputFile], posts: tuple[PostSource, ...], pages: PageCache) -> LinkReport:
    """The invalid and broken links, rescanning only the pages that changed since the last check."""
    report = check_links(files, posts, lambda data: pages.link_scans.get(data, scan_page))
    pages.link_scans.save()
    return report


def _no_invalid_links(report: LinkReport) -> None:
    if report.invalid:
        raise ContentError(report.invalid)


class _Background:
    """A function running in a thread, and its result (or its exception) when asked.

    concurrent.futures would do the same, but importing it adds about 5 ms to every build,
    a no-change rebuild included.
    """

    def __init__(self, function: Callable[[], LinkReport]) -> None:
        self._function = function
        self._value = LinkReport()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._function()
        except BaseException as exc:  # re-raised in the caller's thread
            self._error = exc

    def result(self) -> LinkReport:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def check(root: Path, options: RunOptions, progress: Progress | None = None) -> CheckReport:
    """Everything `build` verifies, for every lesson, collecting all problems; writes no site."""
    pages = PageCache(root, options.use_cache)
    project = load_project(root, pages.yaml)
    posts, problems = collect_posts(
        project.posts,
        project.lessons,
        ParseMemo(root if options.use_cache else None, pages.formulas, pages.yaml),
        project.config.modules,
    )
    problems.extend(p for post in project.posts for p in unknown_field_problems(post, pages.yaml))
    execution = run_lessons(project, posts, options, progress, everything=True)
    found = result_problems(posts, project.lessons, execution.results)
    problems.extend(found)
    renderable = [post for post in posts if not any(p.path == post.source.src_path for p in found)]
    try:  # links are checked on the posts that can be rendered
        files = render_site(project, renderable, execution.results, pages, execution.digests)
        problems.extend(broken_links(files, project.posts))
    except ContentError as exc:
        problems.extend(exc.problems)
    problems.extend(unreferenced_lesson_problems(project, posts, execution.results))
    return CheckReport(len(posts), execution, tuple(problems))


def unreferenced_lesson_problems(
    project: Project, posts: list[ParsedPost], results: dict[str, LessonResult]
) -> list[Problem]:
    """Lessons no post shows must still run as their cells promise (reported at the lesson)."""
    used = {p for post in posts for p in post.lesson_paths}
    problems = []
    for path, result in results.items():
        if path in used:
            continue
        if result.failure:
            problems.append(Problem(path, 1, f"lesson {path} {result.failure}"))
        for cell in (c for c in result.cells if c.failed):
            if cell.error is not None:
                problems.append(
                    Problem(
                        cell.error.path,
                        cell.error.line,
                        f"{cell.error.type_name} in cell {cell.name!r}: {cell.error.message}",
                        cell.error.traceback,
                    )
                )
            else:
                header = project.lessons[path].cell(cell.name)
                problems.append(
                    Problem(
                        path,
                        header.header_line if header else 1,
                        f"cell {cell.name!r} is tagged raises-exception but did not raise",
                    )
                )
    return problems


def run_lessons(
    project: Project,
    posts: list[ParsedPost],
    options: RunOptions,
    progress: Progress | None = None,
    everything: bool = False,
    pool: WorkerPool | None = None,
) -> Execution:
    """Execute the lessons the posts reference (or every lesson script, for `check`)."""
    needed = dict.fromkeys(p for post in posts for p in post.lesson_paths)
    if everything:
        needed.update(
            dict.fromkeys(p for p, lesson in project.lessons.items() if lesson.cells and _is_lesson_script(p))
        )
    timeouts = dict(project.config.lesson_timeouts)
    timeouts["*"] = project.config.timeout
    lessons = [project.lessons[p] for p in needed]
    return execute(project.root, lessons, timeouts, options, progress, import_renderers, pool)


def _is_lesson_script(src_path: str) -> bool:
    """Scripts directly in lessons/<slug>/ are lessons; deeper files may be helper modules."""
    return src_path.count("/") == 2


def check_results(
    posts: list[ParsedPost], lessons: dict[str, Lesson], results: dict[str, LessonResult]
) -> None:
    """Every lesson ran as its cells promise, and every quoted value exists."""
    problems = result_problems(posts, lessons, results)
    if problems:
        raise ContentError(problems)


def result_problems(
    posts: list[ParsedPost], lessons: dict[str, Lesson], results: dict[str, LessonResult]
) -> list[Problem]:
    """The problems check_results would raise, as a list."""
    problems: list[Problem] = []
    for post in posts:
        first_refs: dict[str, LessonRef | ValueRef] = {}
        refs: list[LessonRef | ValueRef] = [*post.lesson_refs, *post.value_refs]
        for ref in refs:
            first_refs.setdefault(ref.lesson_path, ref)
        for lesson_path, ref in first_refs.items():
            problems.extend(lesson_problems(ref, lessons[lesson_path], results[lesson_path]))
        if not any(p.path == post.source.src_path for p in problems):
            problems.extend(_ref_problems(post, results))
    return problems


def lesson_problems(ref: LessonRef | ValueRef, lesson: Lesson, result: LessonResult) -> list[Problem]:
    """Crashes, timeouts, unexpected exceptions and expected errors that did not happen."""
    name = lesson_name(ref.lesson_path)
    if result.failure:
        return [Problem(ref.post_path, ref.line, f"lesson {ref.lesson_path} {result.failure}")]
    problems = []
    for cell in result.cells:
        error = cell.error
        source_cell = lesson.cell(cell.name)
        expected = source_cell.header_line if source_cell and source_cell.expect_error else 0
        if error is not None and not expected:
            problems.append(
                Problem(
                    ref.post_path,
                    ref.line,
                    f"lesson {name} raised {error.type_name} in cell {cell.name!r} "
                    f"({error.path}:{error.line}): {error.message}",
                    detail=f"{error.path}:{error.line}: error: {error.type_name}: {error.message}\n"
                    + error.traceback,
                )
            )
        elif error is None and expected:
            problems.append(
                Problem(
                    ref.post_path,
                    ref.line,
                    f"cell {cell.name!r} of lesson {name} is tagged raises-exception but did not raise",
                    detail=f"{ref.lesson_path}:{expected}: error: expected an exception in cell "
                    f"{cell.name!r}; remove the tag or make the cell fail",
                )
            )
    return problems


def _ref_problems(post: ParsedPost, results: dict[str, LessonResult]) -> list[Problem]:
    problems = []
    for ref in post.lesson_refs:
        result = results[ref.lesson_path]
        if ref.cell_name and result.cell(ref.cell_name) is None:
            problems.append(
                Problem(
                    ref.post_path,
                    ref.line,
                    f"cell {ref.cell_name!r} did not run (the lesson stopped before it)",
                )
            )
        else:
            problems.extend(_description_problems(ref, result))
    for value in post.value_refs:
        problems.extend(_value_problems(value, results[value.lesson_path]))
    return problems


def _description_problems(ref: LessonRef, result: LessonResult) -> list[Problem]:
    """More :caption: or :alt: lines than the shown cells drew figures: they would be dropped."""
    cells = [result.cell(ref.cell_name)] if ref.cell_name else list(result.cells)
    figures = sum(len(cell.figures) for cell in cells if cell is not None)
    shown = f"cell {ref.cell_name!r}" if ref.cell_name else "the lesson"
    problems = []
    for option, lines in (("caption", ref.captions), ("alt", ref.alts)):
        if len(lines) > figures:
            drew = f"draws {figures} figure{'s' if figures != 1 else ''}"
            problems.append(
                Problem(
                    ref.post_path,
                    ref.line,
                    f"{len(lines)} :{option}: line{'s' if len(lines) != 1 else ''}, but {shown} of "
                    f"{lesson_name(ref.lesson_path)} {drew}: one line per figure, in order",
                )
            )
    return problems


def _value_problems(ref: ValueRef, result: LessonResult) -> list[Problem]:
    name = lesson_name(ref.lesson_path)
    if ref.name in result.unquotable:
        kind = result.unquotable[ref.name]
        message = (
            f"{ref.name!r} in lesson {name} is a {kind}: only numbers, strings, one-element "
            "tensors and lists of them can be quoted; assign the number you mean to a module-level variable"
        )
        return [Problem(ref.post_path, ref.line, message)]
    if ref.name not in result.values:
        import difflib

        close = difflib.get_close_matches(ref.name, [*result.values, *result.unquotable], n=3)
        hint = (
            f"; did you mean {', '.join(close)}?"
            if close
            else " (only module-level numbers, strings, one-element tensors and lists of them can be quoted)"
        )
        return [Problem(ref.post_path, ref.line, f"lesson {name} has no value {ref.name!r}{hint}")]
    try:
        format_value(result.values[ref.name], ref.spec)
    except (ValueError, TypeError) as exc:
        return [
            Problem(
                ref.post_path,
                ref.line,
                f"cannot format {ref.name} = {result.values[ref.name]!r} with {ref.spec!r}: {exc}",
            )
        ]
    return []
