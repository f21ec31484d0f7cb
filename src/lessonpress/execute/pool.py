"""The build's side of running lessons: a pool of warm workers, and lessons scheduled onto them."""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..model import Lesson, LessonResult
from .job import Job, RunOptions, new_job
from .supervise import ForkServer, FreshInterpreter, new_runner


class Progress(Protocol):
    """Receives execution events (the CLI shows them)."""

    def planned(self, total: int, cached: int) -> None: ...
    def started(self, lesson_path: str) -> None: ...
    def finished(self, result: LessonResult, cached: bool) -> None: ...


class Quiet:
    """Progress that shows nothing."""

    def planned(self, total: int, cached: int) -> None:
        pass

    def started(self, lesson_path: str) -> None:
        pass

    def finished(self, result: LessonResult, cached: bool) -> None:
        pass


class WorkerPool:
    """Warm lesson workers that outlive one build (`serve` keeps them between rebuilds).

    `lean` workers import nothing ahead of the lesson (for a build where each worker runs
    one lesson, so that nothing is shared by forking).
    """

    def __init__(self, lean: bool = False) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="lessonpress-run-"))
        self.lean = lean
        self._idle: list[ForkServer | FreshInterpreter] = []
        self._lock = threading.Lock()

    def acquire(self) -> ForkServer | FreshInterpreter:
        """An idle worker, or a new one."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return new_runner(self.scratch, self.lean)

    def release(self, runner: ForkServer | FreshInterpreter) -> None:
        """Keep a worker for the next lesson, unless it died."""
        if getattr(runner, "ready", True):
            with self._lock:
                self._idle.append(runner)
        else:
            runner.close()

    def close(self) -> None:
        """Stop every idle worker and remove the scratch folder."""
        with self._lock:
            idle, self._idle = self._idle, []
        for runner in idle:
            runner.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def run_all(
    root: Path,
    lessons: list[Lesson],
    timeouts: dict[str, float],
    options: RunOptions,
    progress: Progress,
    pool: WorkerPool | None,
) -> list[LessonResult]:
    """Run the lessons in this order on parallel workers (`pool`'s, or new ones); return their results."""
    if not lessons:
        return []
    workers, threads = _shares(options, len(lessons))
    todo: queue.Queue[Lesson] = queue.Queue()
    for lesson in lessons:
        todo.put(lesson)
    # Preimporting torch pays off only when a worker forks it for several lessons.
    lending = pool or WorkerPool(lean=len(lessons) <= workers)

    def make_job(lesson: Lesson) -> Job:
        return new_job(root, lesson, lending.scratch, threads, options, timeouts)

    done: list[LessonResult] = []
    try:
        _in_threads(workers, lambda: _serve(lending, todo, make_job, progress, done))
    finally:
        if pool is None:
            lending.close()
    return done


def _shares(options: RunOptions, lessons: int) -> tuple[int, int]:
    """How many workers run these lessons, and how many threads each lesson gets."""
    cores = os.cpu_count() or 1
    workers = max(1, min(options.jobs or cores, lessons))
    # A lesson's share of the cores follows from --jobs alone, never from how many lessons
    # this build happens to run: torch's reductions round differently with more threads, and
    # a lesson re-run on its own must print what a clean build prints.
    return workers, max(1, cores // (options.jobs or cores))


def _serve(
    pool: WorkerPool,
    todo: queue.Queue[Lesson],
    make_job: Callable[[Lesson], Job],
    progress: Progress,
    done: list[LessonResult],
) -> None:
    """One worker's share: run lessons from `todo` until none is left."""
    runner = pool.acquire()
    try:
        while True:
            try:
                lesson = todo.get_nowait()
            except queue.Empty:
                return
            progress.started(lesson.src_path)
            result = runner.run(make_job(lesson), lesson)
            done.append(result)  # list.append is atomic: the workers' threads share `done`
            progress.finished(result, cached=False)
    finally:
        pool.release(runner)


def _in_threads(count: int, target: Callable[[], None]) -> None:
    """Run `target` in `count` threads at once, and wait for them all."""
    threads = [threading.Thread(target=target, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
