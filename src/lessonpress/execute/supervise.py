"""A worker as the build sees it: a fork server, or a fresh interpreter per lesson.

Either runs a Job and gives back the child's LessonResult, or, when the lesson did not
finish (a timeout, a crash, a worker that died), a result whose failure says what happened.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from ..model import Lesson, LessonResult
from .job import Job, Outcome

# The worker process (see __main__.py and worker.py).
_WORKER = (sys.executable, "-m", "lessonpress.execute")


def worker_env() -> dict[str, str]:
    """The environment of a worker process: Agg, a fixed hash seed, lessonpress importable."""
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONHASHSEED"] = "0"  # set and dict-of-str order the same in every build
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    src = str(Path(__file__).resolve().parents[2])  # the folder that holds lessonpress/
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else src
    return env


def new_runner(scratch: Path, lean: bool = False) -> ForkServer | FreshInterpreter:
    """A fork server where fork is available (and not turned off), else fresh interpreters."""
    if hasattr(os, "fork") and hasattr(os, "pidfd_open") and not os.environ.get("LESSONPRESS_NO_FORK"):
        return ForkServer(scratch, lean)
    return FreshInterpreter(scratch)


class ForkServer:
    """A worker process (with torch and matplotlib imported, unless lean) that forks a child per lesson."""

    def __init__(self, scratch: Path, lean: bool = False) -> None:
        self.log = tempfile.TemporaryFile(dir=scratch)
        self.process = subprocess.Popen(
            [*_WORKER, "--worker", *(["--lean"] if lean else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=worker_env(),
            # not the build's folder: importing matplotlib there would read a matplotlibrc the
            # lessons' own `python lesson.py` never sees (each lesson reads its folder's)
            cwd=scratch,
            text=True,
            bufsize=1,
        )
        self.ready = self._reply() is not None

    def _reply(self) -> str | None:
        """The worker's next line, or None if it closed its output (it died)."""
        assert self.process.stdout is not None
        return self.process.stdout.readline() or None

    def run(self, job: Job, lesson: Lesson) -> LessonResult:
        """Send the job, wait for the worker's answer, and read the result."""
        assert self.process.stdin is not None
        reply = None
        started = self.ready
        if self.ready:
            try:
                self.process.stdin.write(job.to_json() + "\n")
                self.process.stdin.flush()
                reply = self._reply()
            except (BrokenPipeError, OSError):
                reply = None
        if reply is None:
            self.ready = False
            return failed(lesson, _worker_died(job, self.process, self.log, started))
        return read_result(job, lesson, Outcome.from_json(reply))

    def close(self) -> None:
        """Close the worker's input (it then exits) and wait for it."""
        try:
            if self.process.stdin:
                self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
        self.log.close()


class FreshInterpreter:
    """Where fork is unavailable: one fresh Python per lesson."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch

    def run(self, job: Job, lesson: Lesson) -> LessonResult:
        """Run the job in a new interpreter of its own, killed with its session at the timeout."""
        job.job_file.write_text(job.to_json())
        started = time.perf_counter()
        process = subprocess.Popen(
            [*_WORKER, "--job", str(job.job_file)],
            env=worker_env(),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            outcome = Outcome("exited", process.wait(timeout=job.timeout), 0.0)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            outcome = Outcome("timeout", -signal.SIGKILL, 0.0)
        seconds = time.perf_counter() - started
        return read_result(job, lesson, Outcome(outcome.status, outcome.exitcode, seconds))

    def close(self) -> None:
        """Nothing to stop: each interpreter ended with its lesson."""


def failed(lesson: Lesson, failure: str, seconds: float = 0.0) -> LessonResult:
    """The result of a lesson that did not finish: no cells, only what went wrong."""
    return LessonResult(lesson.src_path, (), {}, seconds, (), failure)


def read_result(job: Job, lesson: Lesson, outcome: Outcome) -> LessonResult:
    """The child's LessonResult, or, if it wrote none, the failure that says why."""
    if outcome.status == "exited" and outcome.exitcode == 0 and job.result_path.exists():
        result = pickle.loads(job.result_path.read_bytes())
        job.result_path.unlink()
        return result
    where = _where(job)
    if outcome.status == "timeout":
        failure = (
            f"timed out after {job.timeout:g} s {where} (the limit is set by "
            "--timeout or `timeout:` in site.yaml)"
        )
    elif outcome.exitcode < 0:
        failure = f"was killed by {_signal_name(outcome.exitcode)} {where}"
    else:
        failure = f"exited with status {outcome.exitcode} {where} before it finished"
    if job.crash_file.exists():
        failure += f": lessonpress's runner failed ({job.crash_file.read_text()}), a lessonpress bug to report"
    return failed(lesson, failure, outcome.seconds)


# Every failure reads as what the lesson did, after "lesson lessons/p/l.py " (see
# validate.lesson_problems), and names the cell it was in when that is known.


def _where(job: Job) -> str:
    """'in cell NAME', from the file the lesson's process writes as each cell starts."""
    try:
        return f"in cell {job.cell_file.read_text()!r}"
    except OSError:
        return "before its first cell"


def _signal_name(exitcode: int) -> str:
    try:
        return signal.Signals(-exitcode).name
    except ValueError:
        return f"signal {-exitcode}"


def _worker_died(job: Job, process: subprocess.Popen[str], log: IO[bytes], started: bool) -> str:
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
