"""Which files under lessons/ a run read, with their content when first opened: the cache's inputs.

What a lesson reads is traced by the audit hook in readhook.py, in the lesson's process and,
through a sitecustomize.py put first on their PYTHONPATH, in the Python processes it starts.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..store import write_atomic  # a temporary name per process: lessons run side by side
from . import readhook
from .job import Job

# Read once per worker: every lesson's child processes get this file as their sitecustomize.py.
_HOOK_SOURCE = Path(readhook.__file__).read_bytes()


def trace_reads(job: Job) -> None:
    """Log what this lesson and the Python processes it starts open under lessons/."""
    folder = job.result_path.parent / "child-hook"
    hook = folder / "sitecustomize.py"
    if not hook.is_file() or hook.read_bytes() != _HOOK_SOURCE:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(hook, _HOOK_SOURCE)
    os.environ["LESSONPRESS_READS_LOG"] = str(job.reads_log)
    os.environ["LESSONPRESS_LESSONS_DIR"] = job.lessons_prefix
    paths = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(folder) + (os.pathsep + paths if paths else "")
    readhook.install()  # the same hook, in this process


def recorded_reads(job: Job, preloaded: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """Every file under lessons/ that the run read (not the lesson itself), with its sha256
    when first opened, named by its path under the project as the lesson saw it: through a
    symbolic link (a data set kept elsewhere) too, so the cache reads it the same way."""
    prefix = job.lessons_prefix
    for file in _lesson_modules(prefix, preloaded):  # a C extension's import opens nothing traced
        try:
            with open(file, "rb"):  # traced by the hook, which hashes it
                pass
        except OSError:
            continue
    itself = os.path.realpath(job.lesson_file)
    return tuple(
        ("lessons/" + Path(full[len(prefix) :]).as_posix(), digest)
        for full, digest in sorted(_logged_reads(job.reads_log).items())
        if digest != "-" and os.path.realpath(full) != itself
    )


def _lesson_modules(prefix: str, preloaded: frozenset[str]) -> list[str]:
    """Files under lessons/ of the modules the lesson imported."""
    files = []
    for name in set(sys.modules) - preloaded:
        try:
            file = getattr(sys.modules.get(name), "__file__", None)
        except Exception:  # a module object of the lesson's own making
            continue
        if isinstance(file, str) and os.path.abspath(file).startswith(prefix):
            files.append(os.path.abspath(file))
    return files


def _logged_reads(log: Path) -> dict[str, str]:
    """The log of readhook.py: each file's first line (the lesson's processes append in turn)."""
    try:
        text = log.read_bytes().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        return {}
    os.unlink(log)
    first: dict[str, str] = {}
    for line in text.splitlines():
        digest, _, full = line.partition(" ")
        first.setdefault(full, digest)
    return first
