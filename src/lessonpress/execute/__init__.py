"""Stage 3: run the lessons that need running, in parallel warm workers, through the cache.

The build process runs the files above the line; the workers and the lessons' own
processes run those below it (they may import torch and matplotlib, the build may not):

    stage.py        execute(): the cached results, and the misses run through a pool
    pool.py         the pool of warm workers, and the lessons scheduled onto them
    supervise.py    a worker seen from the build: fork server or fresh interpreter; failures
    job.py          Job and Outcome, what crosses the process boundary (both sides)
    -------------
    __main__.py     `python -m lessonpress.execute`: a worker process
    worker.py       the worker: preimports, forks a child per job, waits, reaps, caps output
    child.py        the lesson's process: runs the cells, atexit handlers, writes the result
    isolation.py    what every lesson starts from: folder, seeds, threads, `__main__`, import hooks
    reads.py        which files under lessons/ the run read, for the cache
    readhook.py     the audit hook that logs them; also the sitecustomize.py of the lesson's Pythons
    cells.py        one cell: compile, run, show its final expression, output as the page shows it
    tracebacks.py   a cell's error, trimmed to the lesson's own frames
    module_values.py  the lesson's module-level values, for `{value}` roles
    capture.py      output captured at the file-descriptor level, and kept from filling the disk
    figures.py      matplotlib figures snapshotted at plt.show() and at the end of each cell
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .job import RunOptions

if TYPE_CHECKING:
    from .pool import Progress, WorkerPool
    from .stage import Execution, cached_only, execute, lessons_to_run, timeouts

__all__ = [
    "Execution",
    "Progress",
    "RunOptions",
    "WorkerPool",
    "cached_only",
    "execute",
    "lessons_to_run",
    "timeouts",
]

# Worker processes import this package too (`python -m lessonpress.execute`), and need none
# of the build's side: it is imported when the build first asks for one of its names, which
# keeps it (subprocess, threading, the cache) out of every worker's start.
_BUILD_SIDE = {
    "Execution": "stage",
    "cached_only": "stage",
    "execute": "stage",
    "lessons_to_run": "stage",
    "timeouts": "stage",
    "Progress": "pool",
    "WorkerPool": "pool",
}


def __getattr__(name: str) -> object:
    """The build side's public names, imported on first use."""
    if name not in _BUILD_SIDE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_BUILD_SIDE[name]}"), name)
