"""Stage 3: run the lessons that need running, in parallel warm workers, through the cache."""

from __future__ import annotations

import json
import os
import pickle
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .cache import LessonCache
from .model import Lesson, LessonResult

DEFAULT_OUTPUT_LIMIT = 200_000


class Progress(Protocol):
    """Receives execution events (the CLI shows them)."""

    def planned(self, total: int, cached: int) -> None: ...
    def started(self, lesson_path: str) -> None: ...
    def finished(self, result: LessonResult, cached: bool) -> None: ...


class _Quiet:
    def planned(self, total: int, cached: int) -> None:
        pass

    def started(self, lesson_path: str) -> None:
        pass

    def finished(self, result: LessonResult, cached: bool) -> None:
        pass


@dataclass(frozen=True)
class RunOptions:
    """How to execute: parallel jobs, cache use, and the timeout override."""

    jobs: int = 0  # 0: one per core
    use_cache: bool = True
    timeout: float | None = None  # overrides site.yaml for every lesson
    output_limit: int = DEFAULT_OUTPUT_LIMIT


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
    progress = progress or _Quiet()
    cache = LessonCache(root, options.use_cache)
    results: dict[str, LessonResult] = {}
    digests: dict[str, str] = {}
    misses = []
    for lesson in lessons:
        hit = cache.lookup(lesson)
        if hit is None:
            misses.append(lesson)
        else:
            results[lesson.src_path], digests[lesson.src_path] = hit
    progress.planned(len(lessons), len(results))
    for lesson in lessons:
        if lesson.src_path in results:
            progress.finished(results[lesson.src_path], cached=True)
    cached = frozenset(results)
    # Longest first (by last recorded duration), so the slowest lesson never starts last.
    misses.sort(key=lambda lesson: -(cache.last_seconds(lesson.src_path) or 0.0))
    meanwhile = None
    if misses and while_running is not None:
        meanwhile = threading.Thread(target=while_running, daemon=True)
        meanwhile.start()
    for result in _run_all(root, misses, timeouts, options, progress, pool):
        lesson = next(m for m in misses if m.src_path == result.lesson_path)
        digests[result.lesson_path] = cache.store(lesson, result)
        results[result.lesson_path] = result
    if meanwhile is not None:
        # The caller would otherwise import the same modules while this thread is half-way
        # through them (pygments.formatters then failed with an ImportError).
        meanwhile.join()
    return Execution(results, cached, digests)


class WorkerPool:
    """Warm lesson workers that outlive one build (`serve` keeps them between rebuilds).

    `lean` workers import nothing ahead of the lesson (for a build where each worker runs
    one lesson, so that nothing is shared by forking).
    """

    def __init__(self, lean: bool = False) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="lessonpress-run-"))
        self.lean = lean
        self._idle: list[_ForkServer | _FreshInterpreter] = []
        self._lock = threading.Lock()

    def acquire(self) -> _ForkServer | _FreshInterpreter:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return _new_runner(self.scratch, self.lean)

    def release(self, runner: _ForkServer | _FreshInterpreter) -> None:
        if getattr(runner, "ready", True):
            with self._lock:
                self._idle.append(runner)
        else:
            runner.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for runner in idle:
            runner.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def _run_all(
    root: Path,
    lessons: list[Lesson],
    timeouts: dict[str, float],
    options: RunOptions,
    progress: Progress,
    pool: WorkerPool | None,
) -> list[LessonResult]:
    if not lessons:
        return []
    cores = os.cpu_count() or 1
    workers = max(1, min(options.jobs or cores, len(lessons)))
    # A lesson's share of the cores follows from --jobs alone, never from how many lessons
    # this build happens to run: torch's reductions round differently with more threads, and
    # a lesson re-run on its own must print what a clean build prints.
    threads = max(1, cores // (options.jobs or cores))
    todo: queue.Queue[Lesson] = queue.Queue()
    for lesson in lessons:
        todo.put(lesson)
    done: list[LessonResult] = []
    lock = threading.Lock()
    own_pool = pool is None
    # Preimporting torch pays off only when a worker forks it for several lessons.
    pool = pool or WorkerPool(lean=len(lessons) <= workers)

    def serve() -> None:
        runner = pool.acquire()
        try:
            while True:
                try:
                    lesson = todo.get_nowait()
                except queue.Empty:
                    return
                progress.started(lesson.src_path)
                job = _job(root, lesson, pool.scratch, threads, options, timeouts)
                result = runner.run(job, lesson)
                with lock:
                    done.append(result)
                progress.finished(result, cached=False)
        finally:
            pool.release(runner)

    threads_running = [threading.Thread(target=serve, daemon=True) for _ in range(workers)]
    try:
        for thread in threads_running:
            thread.start()
        for thread in threads_running:
            thread.join()
    finally:
        if own_pool:
            pool.close()
    return done


def _job(
    root: Path, lesson: Lesson, scratch: Path, threads: int, options: RunOptions, timeouts: dict[str, float]
) -> dict[str, Any]:
    timeout = options.timeout or timeouts.get(lesson.src_path) or timeouts.get("*", 600.0)
    return {
        "id": lesson.src_path,
        "root": str(root.resolve()),
        "lesson_path": lesson.src_path,
        "cells": [[c.name, c.source, c.line, c.expect_error] for c in lesson.cells],
        # unique per run: a pool's scratch folder outlives builds, and no stale file may be read
        "result_path": str(scratch / f"{uuid.uuid4().hex[:12]}-{lesson.src_path.replace('/', '__')}.pickle"),
        "timeout": timeout,
        "threads": threads,
        "output_limit": options.output_limit,
    }


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONHASHSEED"] = "0"  # set and dict-of-str order the same in every build
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    src = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else src
    return env


def _new_runner(scratch: Path, lean: bool = False) -> _ForkServer | _FreshInterpreter:
    if hasattr(os, "fork") and hasattr(os, "pidfd_open") and not os.environ.get("LESSONPRESS_NO_FORK"):
        return _ForkServer(scratch, lean)
    return _FreshInterpreter(scratch)


def _read_result(
    job: dict[str, Any], lesson: Lesson, status: str, exitcode: int, seconds: float
) -> LessonResult:
    result_path = Path(job["result_path"])
    if status == "exited" and exitcode == 0 and result_path.exists():
        result = pickle.loads(result_path.read_bytes())
        result_path.unlink()
        return result
    where = _where(job)
    if status == "timeout":
        failure = (
            f"timed out after {job['timeout']:g} s {where} (the limit is set by "
            "--timeout or `timeout:` in site.yaml)"
        )
    elif exitcode < 0:
        failure = f"was killed by {_signal_name(exitcode)} {where}"
    else:
        failure = f"exited with status {exitcode} {where} before it finished"
    crash = Path(job["result_path"] + ".crash")
    if crash.exists():
        failure += f": lessonpress's runner failed ({crash.read_text()}), a lessonpress bug to report"
    return LessonResult(lesson.src_path, (), {}, seconds, (), failure)


# Every failure reads as what the lesson did, after "lesson lessons/p/l.py " (see
# build.lesson_problems), and names the cell it was in when that is known.


def _where(job: dict[str, Any]) -> str:
    """'in cell NAME', from the file the lesson's process writes as each cell starts."""
    try:
        return f"in cell {Path(job['result_path'] + '.cell').read_text()!r}"
    except OSError:
        return "before its first cell"


def _signal_name(exitcode: int) -> str:
    try:
        return signal.Signals(-exitcode).name
    except ValueError:
        return f"signal {-exitcode}"


def _worker_died(job: dict[str, Any], process: subprocess.Popen[str], log: Any, started: bool) -> str:
    """The failure of a lesson whose worker process died, with how it ended and its last words."""
    try:
        code = process.wait(timeout=5)
        how = f"killed by {_signal_name(code)}" if code < 0 else f"exit status {code}"
    except subprocess.TimeoutExpired:
        how = "it stopped answering"
    log.seek(0)
    tail = log.read().decode(errors="replace")[-2000:].strip()
    head = f"stopped {_where(job)}" if started else "could not start"
    return f"{head}: its worker process died ({how})" + (f"; its last output:\n{tail}" if tail else "")


class _ForkServer:
    """A worker process (with torch and matplotlib imported, unless lean) that forks a child per lesson."""

    def __init__(self, scratch: Path, lean: bool = False) -> None:
        self.log = tempfile.TemporaryFile(dir=scratch)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lessonpress.runner", "--worker", *(["--lean"] if lean else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=_worker_env(),
            # not the build's folder: importing matplotlib there would read a matplotlibrc the
            # lessons' own `python lesson.py` never sees (each lesson reads its folder's)
            cwd=scratch,
            text=True,
            bufsize=1,
        )
        self.ready = self._reply() is not None

    def _reply(self) -> dict[str, Any] | None:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        return json.loads(line) if line else None

    def run(self, job: dict[str, Any], lesson: Lesson) -> LessonResult:
        assert self.process.stdin is not None
        reply = None
        started = self.ready
        if self.ready:
            try:
                self.process.stdin.write(json.dumps(job) + "\n")
                self.process.stdin.flush()
                reply = self._reply()
            except (BrokenPipeError, OSError):
                reply = None
        if reply is None:
            self.ready = False
            failure = _worker_died(job, self.process, self.log, started)
            return LessonResult(lesson.src_path, (), {}, 0.0, (), failure)
        return _read_result(job, lesson, reply["status"], reply["exitcode"], reply["seconds"])

    def close(self) -> None:
        try:
            if self.process.stdin:
                self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
        self.log.close()


class _FreshInterpreter:
    """Where fork is unavailable: one fresh Python per lesson."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch

    def run(self, job: dict[str, Any], lesson: Lesson) -> LessonResult:
        job_path = Path(job["result_path"] + ".job.json")
        job_path.write_text(json.dumps(job))
        import time

        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "lessonpress.runner", "--job", str(job_path)],
            env=_worker_env(),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            code = process.wait(timeout=job["timeout"])
            status = "exited"
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            status, code = "timeout", -signal.SIGKILL
        return _read_result(job, lesson, status, code, time.perf_counter() - started)

    def close(self) -> None:
        pass
