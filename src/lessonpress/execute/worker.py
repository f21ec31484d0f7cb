"""The worker process: a warm parent that forks one fresh child per lesson, and supervises it.

It runs apart from the build (`python -m lessonpress.execute`), so it may import torch and
matplotlib. The build sends one Job per line on its stdin and reads one Outcome per line
from its stdout; the child writes its LessonResult to the job's result path (see job.py).
"""

from __future__ import annotations

import importlib
import os
import select
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import IO, NoReturn

from ..store import write_atomic  # a temporary name per process: lessons run side by side
from .capture import OUTPUT_CHECK, cap_output
from .child import run_job
from .isolation import PR_SET_CHILD_SUBREAPER, SHARED_MODULES, prctl
from .job import READY, Job, Outcome


def preimport() -> None:
    """Import what every lesson needs once, without running any torch op (fork safety)."""
    for name in SHARED_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        if name == "matplotlib":
            sys.modules[name].use("Agg")


def worker_main(lean: bool = False) -> None:
    """Serve jobs from stdin until it closes: fork a child per job, reply with how it ended.

    A `lean` worker imports nothing ahead: when each worker runs one lesson, importing
    torch in the worker only to fork once costs what the lesson's own import would, plus
    the modules it never uses (a plain `python lesson.py` imports only what it needs).
    The worker notices the build going away by its stdin closing, even mid-job (see _wait).
    PR_SET_PDEATHSIG is no use here: it fires when the *thread* that started the worker ends,
    and a pool's workers outlive the build thread that started them.
    """
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints from imports must not corrupt the protocol
    _become_subreaper()
    if not lean:
        preimport()
    preloaded = frozenset(sys.modules)  # a lesson's own imports are whatever is added to this
    exiting: list[int] = []
    protocol.write(READY + "\n")
    _serve(protocol, preloaded, exiting)
    # Input closed: the build is done with this worker. Skip interpreter teardown, which
    # with torch._dynamo loaded takes about a second and would hold up the build's exit.
    protocol.flush()
    deadline = time.monotonic() + 2
    while exiting and time.monotonic() < deadline:  # what the last lesson left running
        _reap(exiting)
        time.sleep(0.01)
    os._exit(0)


def _serve(protocol: IO[str], preloaded: frozenset[str], exiting: list[int]) -> None:
    """Answer each job on stdin with its Outcome until stdin closes."""
    while True:
        if exiting and not select.select([0], [], [], 0.05)[0]:
            _reap(exiting)  # while idle; the build sends one job at a time, so none is buffered
            continue
        line = sys.stdin.readline()
        if not line:
            return
        outcome = run_forked(Job.from_json(line), protocol.fileno(), preloaded, exiting)
        protocol.write(outcome.to_json() + "\n")


def run_forked(job: Job, protocol_fd: int, preloaded: frozenset[str], exiting: list[int]) -> Outcome:
    """Fork a child for one lesson, wait for it within the timeout, and say how it ended.

    The child writes a byte on a pipe once its result is on disk, and the reply goes out
    then: its exit, which unmaps a whole copy of the worker's address space (about 10 ms
    with torch loaded), happens while the build goes on. `exiting` holds such children
    until they are reaped.
    """
    _reap(exiting)
    started = time.perf_counter()
    done_read, done_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(job, preloaded, close=(protocol_fd, done_read), done=done_write)
    os.close(done_write)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    try:
        status, exitcode = _wait(pid, done_read, job.timeout, job.output_limit)
    finally:
        os.close(done_read)
    if status == "done":
        exiting.append(pid)
    return Outcome("timeout" if status == "timeout" else "exited", exitcode, time.perf_counter() - started)


def _child(job: Job, preloaded: frozenset[str], close: tuple[int, ...], done: int) -> NoReturn:
    """The forked child: run the lesson, say on `done` that its result is written, exit."""
    code = 1
    try:
        for fd in close:  # the worker's ends, not the lesson's
            os.close(fd)
        run_job(job, preloaded)
        os.write(done, b".")
        code = 0
    except BaseException as exc:
        note_crash(job, exc)
    finally:
        os._exit(code)


def note_crash(job: Job, exc: BaseException) -> None:
    """Leave the runner's own exception beside the result, for the build to report: a
    lessonpress bug must not look like a lesson that exited without a word."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip().replace("\n", " ")
    try:
        write_atomic(job.crash_file, text.encode(errors="replace"))
    except OSError:
        pass


def _wait(pid: int, done: int, timeout: float, output_limit: int) -> tuple[str, int]:
    """Wait for the child within the timeout; if the build goes away meanwhile, stop everything.

    Returns ("done", 0) when the child reported its result written (it is still exiting),
    else how it ended: ("exited", status) or ("timeout", -SIGKILL).
    """
    ready = _watch(pid, done, time.monotonic() + timeout, output_limit)
    if not ready:
        _kill_group(pid)
        os.waitpid(pid, 0)
        return "timeout", -signal.SIGKILL
    if done in ready and os.read(done, 1) == b".":
        _kill_group(pid)  # stray grandchildren of the lesson (and the child, on its way out)
        return "done", 0
    _, raw = os.waitpid(pid, 0)
    _kill_group(pid)  # stray grandchildren of the lesson
    return "exited", os.waitstatus_to_exitcode(raw)


def _watch(pid: int, done: int, deadline: float, output_limit: int) -> list[int]:
    """The fds ready when the child ended or reported done, or [] at the deadline.

    The build sends nothing while a job runs, so stdin becoming readable means it closed.
    Meanwhile, several times a second, the cell's output file is kept from growing without
    bound (see capture.cap_output).
    """
    pidfd = os.pidfd_open(pid)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            ready = select.select([pidfd, done, 0], [], [], min(remaining, OUTPUT_CHECK))[0]
            if not ready:
                cap_output(pid, output_limit)
                continue
            if pidfd in ready or done in ready:
                return ready
            if not os.read(0, 1):  # EOF: the build died (killed, interrupted)
                _kill_group(pid)
                os._exit(1)
    finally:
        os.close(pidfd)


def _reap(exiting: list[int]) -> None:
    """Collect the children that have finished exiting since they reported done, and end
    what lessons left running that the worker adopted (see _become_subreaper).

    Call it only between jobs: every child of the worker then belongs to a finished lesson.
    """
    for pid in list(exiting):
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            finished = pid
        if finished:
            exiting.remove(pid)
    for pid in _children():
        if pid not in exiting:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            exiting.append(pid)


def _children() -> list[int]:
    """The worker's child processes (Linux; none found elsewhere)."""
    try:
        return [int(pid) for pid in Path(f"/proc/self/task/{os.getpid()}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _become_subreaper() -> None:
    """Linux: adopt what lessons leave behind.

    A lesson's strays are killed with its process group, but a process it started in a
    session of its own (`start_new_session=True`, a daemon) is not in that group. As the
    lesson ends, such an orphan is handed to the nearest subreaper, the worker, which ends it.
    """
    prctl(PR_SET_CHILD_SUBREAPER, 1)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def main() -> None:
    """`python -m lessonpress.execute --worker [--lean]`, or `--job FILE` (a fresh interpreter per lesson)."""
    if sys.argv[1:2] == ["--worker"]:
        worker_main(lean=sys.argv[2:3] == ["--lean"])
    elif sys.argv[1:2] == ["--job"]:
        job = Job.from_json(Path(sys.argv[2]).read_text())
        try:
            run_job(job)  # imports what the lesson imports
        except BaseException as exc:
            note_crash(job, exc)
            raise
    else:
        raise SystemExit("usage: python -m lessonpress.execute --worker [--lean] | --job FILE")
