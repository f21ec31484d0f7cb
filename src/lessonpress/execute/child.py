"""The lesson's own process: run its cells in a fresh `__main__`, then write its LessonResult.

It is a child forked from a worker, or a fresh interpreter (`--job`); either way it may
import torch and matplotlib, and it never runs in the build process.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import sys
import time
from collections.abc import Callable
from typing import Any

from ..model import Cell, CellError, CellResult, LessonResult
from ..store import write_atomic  # a temporary name per process: lessons run side by side
from .capture import CapturedOutput
from .cells import failed_exit, run_cell, shown
from .rich import Displays
from .figures import FigureCapture
from .isolation import (
    SHARED_MODULES,
    cpu_time,
    exclude_import_time,
    fresh_main,
    import_seconds,
    isolate,
    separate_process,
)
from .job import Job
from .module_values import module_values
from .reads import recorded_reads, trace_reads
from .tracebacks import cell_error

ExitHandler = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


def run_job(job: Job, preloaded: frozenset[str] = frozenset()) -> None:
    """Run a lesson's cells in a fresh `__main__` and write the LessonResult to disk."""
    separate_process()
    isolate(job.lesson_file, job.threads)
    trace_reads(job)
    namespace = fresh_main(job.lesson_file)
    # CPU time spent importing what a warm worker shares is not the lesson's cost: leave it
    # out in a lean worker too, so both report the same run cost.
    exclude_import_time(SHARED_MODULES)
    started, cpu_started = time.perf_counter(), cpu_time()
    cells = _run_cells(job, namespace)
    seconds = time.perf_counter() - started
    values, unquotable = module_values(namespace)
    lesson_result = LessonResult(
        job.lesson_path,
        tuple(cells),
        values,
        seconds,
        recorded_reads(job, preloaded),
        cpu_seconds=cpu_time() - cpu_started - import_seconds(),
        unquotable=unquotable,
    )
    write_atomic(job.result_path, pickle.dumps(lesson_result, protocol=pickle.HIGHEST_PROTOCOL))


def _run_cells(job: Job, namespace: dict[str, Any]) -> list[CellResult]:
    """Run the cells in order until one stops the lesson, then the atexit handlers it registered."""
    figures = FigureCapture(job.lessons_prefix, job.figure_format)
    at_exit = _lesson_exit_handlers(job.lessons_prefix)
    owner, future_flags, displays = os.getpid(), 0, Displays()
    cells: list[CellResult] = []
    for cell in job.cells:
        job.cell_file.write_text(cell.name)
        result, future_flags, stop = run_cell(job, cell, namespace, figures, future_flags, displays)
        if os.getpid() != owner:  # a process the lesson forked ended its code: end it as Python would
            _exit_forked(result)
        cells.append(result)
        if stop:
            break
    if at_exit and cells:
        cells[-1] = _run_exit_handlers(at_exit, cells[-1], job.cells[len(cells) - 1], job)
    return cells


def _lesson_exit_handlers(lessons_dir: str) -> list[ExitHandler]:
    """The atexit handlers the lesson's own code registers, to run after its last cell.

    `python lesson.py` runs them; the lesson's process here ends with os._exit, which runs
    none. Those of libraries are left out: a warm worker imported torch ahead of every
    lesson, so torch's would run after the lessons of lean workers only.
    """
    import atexit

    handlers: list[ExitHandler] = []
    register, unregister = atexit.register, atexit.unregister

    def lesson_register(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        if not os.path.abspath(sys._getframe(1).f_code.co_filename).startswith(lessons_dir):
            return register(func, *args, **kwargs)
        handlers.append((func, args, kwargs))
        return func

    def lesson_unregister(func: Callable[..., Any]) -> None:
        handlers[:] = [handler for handler in handlers if handler[0] != func]
        unregister(func)

    atexit.register, atexit.unregister = lesson_register, lesson_unregister  # type: ignore[assignment]
    return handlers


def _run_exit_handlers(handlers: list[ExitHandler], last: CellResult, cell: Cell, job: Job) -> CellResult:
    """Run the lesson's atexit handlers, last registered first, as the end of its last cell."""
    error: CellError | None = None
    with CapturedOutput(job.output_limit) as captured:
        for func, args, kwargs in reversed(handlers):
            try:
                func(*args, **kwargs)
            except BaseException as exc:  # reported as a cell's error would be
                if error is None and not (isinstance(exc, SystemExit) and not failed_exit(exc)):
                    error = cell_error(exc, job, cell)
    return dataclasses.replace(
        last,
        output=last.output + shown(captured.text, job),
        error=last.error or error,
        output_truncated=last.output_truncated or captured.truncated,
    )


def _exit_forked(result: CellResult) -> None:
    """End a process that the lesson forked (os.fork) when it leaves a cell's code.

    It must not write the lesson's result or go on to the next cell: in a plain `python
    lesson.py`, such a child ends with sys.exit() or an uncaught exception, and a child that
    runs on would carry on with the rest of the script, which here is the parent's job.
    """
    error = result.error
    if error is not None and error.type_name != "SystemExit":
        os.write(2, error.traceback.encode(errors="replace"))
    code = 1 if error is not None else 0
    if error is not None and error.type_name == "SystemExit":
        code = int(error.message) if error.message.lstrip("-").isdigit() else 1
    os._exit(code)
