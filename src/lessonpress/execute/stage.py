"""The stage as the build calls it: execute() finds the cached results and runs the rest."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..model import Lesson, LessonResult, ParsedPost, Project
from .cache import LessonCache
from .job import RunOptions
from .pool import Progress, Quiet, WorkerPool, run_all


@dataclass(frozen=True)
class Execution:
    """The results of every planned lesson, and which ones came from the cache."""

    results: dict[str, LessonResult]
    cached: frozenset[str]
    digests: dict[str, str]  # identifies each result's content, for page caching


def execute(
    root: Path,
    lessons: list[Lesson],
    timeouts: dict[str, float],
    options: RunOptions,
    progress: Progress | None = None,
    while_running: Callable[[], None] | None = None,
    pool: WorkerPool | None = None,
) -> Execution:
    """Run every lesson that has no valid cache entry; return all results.

    `while_running` is started in a thread when some lesson has to run (the build uses the
    wait to import what rendering needs); it has finished when this returns. `pool` lends
    warm workers; without one, workers are started for this call and stopped at its end.
    """
    progress = progress or Quiet()
    cache = LessonCache(root, options.use_cache, options.figure_format)
    results, digests, misses = _cached(cache, lessons)
    progress.planned(len(lessons), len(results))
    for lesson in lessons:
        if lesson.src_path in results:
            progress.finished(results[lesson.src_path], cached=True)
    cached = frozenset(results)
    # Longest first (by last recorded duration), so the slowest lesson never starts last.
    misses.sort(key=lambda lesson: -(cache.last_seconds(lesson.src_path) or 0.0))
    meanwhile = _in_background(while_running) if misses else None
    for result in run_all(root, misses, timeouts, options, progress, pool):
        lesson = next(m for m in misses if m.src_path == result.lesson_path)
        digests[result.lesson_path] = cache.store(lesson, result)
        results[result.lesson_path] = result
    if meanwhile is not None:
        # The caller would otherwise import the same modules while this thread is half-way
        # through them (pygments.formatters then failed with an ImportError).
        meanwhile.join()
    return Execution(results, cached, digests)


def cached_only(root: Path, lessons: list[Lesson], options: RunOptions) -> Execution:
    """The results the cache holds for `lessons`, running none (`build --post` takes the
    other posts' results so); a lesson without one is missing from `results`."""
    cache = LessonCache(root, options.use_cache, options.figure_format)
    results, digests, _ = _cached(cache, lessons)
    return Execution(results, frozenset(results), digests)


def _cached(
    cache: LessonCache, lessons: list[Lesson]
) -> tuple[dict[str, LessonResult], dict[str, str], list[Lesson]]:
    """The cached results and their digests, and the lessons that have none (the misses)."""
    results: dict[str, LessonResult] = {}
    digests: dict[str, str] = {}
    misses = []
    for lesson in lessons:
        hit = cache.lookup(lesson)
        if hit is None:
            misses.append(lesson)
        else:
            results[lesson.src_path], digests[lesson.src_path] = hit
    return results, digests, misses


def _in_background(task: Callable[[], None] | None) -> threading.Thread | None:
    """`task` started in a thread of its own, if there is one."""
    if task is None:
        return None
    thread = threading.Thread(target=task, daemon=True)
    thread.start()
    return thread


def lessons_to_run(project: Project, posts: list[ParsedPost], everything: bool = False) -> list[Lesson]:
    """The lessons the posts show or quote (or every lesson script, for `check`), in first-use order."""
    needed = dict.fromkeys(p for post in posts for p in post.lesson_paths)
    if everything:  # scripts directly in lessons/<slug>/ are lessons; deeper files may be helpers
        needed.update(
            dict.fromkeys(p for p, lesson in project.lessons.items() if lesson.cells and p.count("/") == 2)
        )
    return [project.lessons[p] for p in needed]


def timeouts(project: Project) -> dict[str, float]:
    """Seconds each lesson may run, by path, and under "*" for the rest (site.yaml, --timeout)."""
    return {**dict(project.config.lesson_timeouts), "*": project.config.timeout}
