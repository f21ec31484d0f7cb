"""Runs lessons in separate processes: a warm worker forks one fresh child per lesson.

This module runs inside the worker and its children, never in the build process, so it
may import torch and matplotlib. The build talks to a worker with one JSON line per job
on stdin/stdout; the child writes its LessonResult as a pickle to the job's result path.
"""

from __future__ import annotations
import __future__

import ast
import dataclasses
import importlib
import importlib.abc
import io
import json
import os
import pickle
import re
import select
import signal
import sys
import time
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cache import write_atomic  # a temporary name per process: lessons run side by side
from .model import CONTROL_CHARACTERS, Cell, CellError, CellResult, Figure, LessonResult

SEED = 0
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_DEFAULT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
_ADDRESS = re.compile(r"(?<= at 0x)[0-9a-fA-F]+(?=>)")  # in `<function f at 0x7f3a...>`
_FUTURE_MASK = 0
for _name in __future__.all_feature_names:
    _FUTURE_MASK |= getattr(__future__, _name).compiler_flag


# ---------------------------------------------------------------- worker (parent of children)


# What a warm worker imports once for all its lessons (without running any torch op).
SHARED_MODULES = ("numpy", "matplotlib", "matplotlib.pyplot", "torch", "torch._dynamo", "torch.optim")


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
    protocol.write(json.dumps({"ready": True}) + "\n")
    while True:
        if exiting and not select.select([0], [], [], 0.05)[0]:
            _reap(exiting)  # while idle; the build sends one job at a time, so none is buffered
            continue
        line = sys.stdin.readline()
        if not line:
            break
        job = json.loads(line)
        protocol.write(json.dumps(run_forked(job, protocol.fileno(), preloaded, exiting)) + "\n")
    # Input closed: the build is done with this worker. Skip interpreter teardown, which
    # with torch._dynamo loaded takes about a second and would hold up the build's exit.
    protocol.flush()
    deadline = time.monotonic() + 2
    while exiting and time.monotonic() < deadline:  # what the last lesson left running
        _reap(exiting)
        time.sleep(0.01)
    os._exit(0)


def run_forked(
    job: dict[str, Any], protocol_fd: int, preloaded: frozenset[str], exiting: list[int]
) -> dict[str, Any]:
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
    if pid == 0:  # the child
        code = 1
        try:
            os.close(protocol_fd)
            os.close(done_read)
            run_job(job, preloaded)
            os.write(done_write, b".")
            code = 0
        except BaseException as exc:
            note_crash(job, exc)
        finally:
            os._exit(code)
    os.close(done_write)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    try:
        status = _wait(pid, done_read, job["timeout"], job.get("output_limit", 200_000))
    finally:
        os.close(done_read)
    if status[0] == "done":
        exiting.append(pid)
        status = ("exited", 0)
    return {
        "id": job["id"],
        "status": status[0],
        "exitcode": status[1],
        "seconds": time.perf_counter() - started,
    }


def note_crash(job: dict[str, Any], exc: BaseException) -> None:
    """Leave the runner's own exception beside the result, for the build to report: a
    lessonpress bug must not look like a lesson that exited without a word."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip().replace("\n", " ")
    try:
        write_atomic(Path(job["result_path"] + ".crash"), text.encode(errors="replace"))
    except OSError:
        pass


def _wait(pid: int, done: int, timeout: float, output_limit: int = 200_000) -> tuple[str, int]:
    """Wait for the child within the timeout; if the build goes away meanwhile, stop everything.

    Returns ("done", 0) when the child reported its result written (it is still exiting),
    else how it ended. The build sends nothing while a job runs, so stdin becoming readable
    means it closed. Meanwhile, several times a second, the cell's output file is kept from
    growing without bound (see _cap_output).
    """
    pidfd = os.pidfd_open(pid)
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                ready = []
                break
            ready = select.select([pidfd, done, 0], [], [], min(remaining, _OUTPUT_CHECK))[0]
            if not ready:
                _cap_output(pid, output_limit)
                continue
            if pidfd in ready or done in ready:
                break
            if not os.read(0, 1):  # EOF: the build died (killed, interrupted)
                _kill_group(pid)
                os._exit(1)
    finally:
        os.close(pidfd)
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


_OUTPUT_CHECK = 0.1  # seconds between looks at a running lesson's output file
_OUTPUT_SLACK = 8 << 20  # bytes a cell's output file may grow past what the page shows


def _cap_output(pid: int, limit: int) -> None:
    """Cut a runaway cell's output file back to just over what the page shows.

    The page keeps the first `limit` bytes of a cell's output, but a lesson stuck printing
    in a loop would fill the disk before its timeout. Its output file is unlinked and open
    for appending (see _temp_file), so the lesson's next writes land after the cut.
    """
    link = f"/proc/{pid}/fd/1"
    try:
        if not _is_capture(os.stat(link), limit):
            return
        fd = os.open(link, os.O_WRONLY | os.O_NOCTTY)
    except OSError:  # gone, or not Linux
        return
    try:
        if _is_capture(os.fstat(fd), limit):
            os.ftruncate(fd, limit + 1)
    finally:
        os.close(fd)


def _is_capture(info: os.stat_result, limit: int) -> bool:
    """An oversized unlinked regular file: a cell's output, never the build's own log file."""
    import stat

    return stat.S_ISREG(info.st_mode) and info.st_nlink == 0 and info.st_size > limit + _OUTPUT_SLACK


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
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _die_with_parent() -> None:
    """Linux: take this lesson process down when its parent, the worker, dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# ---------------------------------------------------------------- child: run one lesson


def run_job(job: dict[str, Any], preloaded: frozenset[str] = frozenset()) -> None:
    """Run a lesson's cells in a fresh `__main__` and write the LessonResult to disk."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    _die_with_parent()
    root = Path(job["root"])
    path = root / job["lesson_path"]
    _isolate(path, job.get("threads", 1))
    reads_log = job["result_path"] + ".reads"
    _trace_reads(root / "lessons", Path(job["result_path"]).parent, reads_log)
    namespace = _fresh_main(path)
    # CPU time spent importing what a warm worker shares is not the lesson's cost: leave it
    # out in a lean worker too, so both report the same run cost.
    for name in SHARED_MODULES:
        _import_hooks().timed.add(name)
    started, cpu_started = time.perf_counter(), _cpu_time()
    cells = _run_cells(job, path, root, namespace)
    seconds = time.perf_counter() - started
    values, unquotable = _values(namespace)
    lesson_result = LessonResult(
        job["lesson_path"],
        tuple(cells),
        values,
        seconds,
        _reads(root, reads_log, path, preloaded),
        cpu_seconds=_cpu_time() - cpu_started - _import_hooks().import_seconds,
        unquotable=unquotable,
    )
    write_atomic(Path(job["result_path"]), pickle.dumps(lesson_result, protocol=pickle.HIGHEST_PROTOCOL))


def _run_cells(job: dict[str, Any], path: Path, root: Path, namespace: dict[str, Any]) -> list[CellResult]:
    """Run the cells in order until one stops the lesson, then the atexit handlers it registered."""
    lessons_dir = str((root / "lessons").resolve()) + os.sep
    figures = _FigureCapture(lessons_dir)
    at_exit = _lesson_exit_handlers(lessons_dir)
    owner, future_flags, limit = os.getpid(), 0, job.get("output_limit", 200_000)
    cells: list[CellResult] = []
    for name, source, line, expect_error in job["cells"]:
        Path(job["result_path"] + ".cell").write_text(name)
        cell = Cell(name, source, line, line - 1, expect_error)
        result, future_flags, stop = _run_cell(cell, path, root, namespace, figures, limit, future_flags)
        if os.getpid() != owner:  # a process the lesson forked ended its code: end it as Python would
            _exit_forked(result)
        cells.append(result)
        if stop:
            break
    if at_exit and cells:
        cells[-1] = _run_exit_handlers(at_exit, cells[-1], cell, path, root, limit)
    return cells


ExitHandler = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


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


def _run_exit_handlers(
    handlers: list[ExitHandler], last: CellResult, cell: Cell, path: Path, root: Path, limit: int
) -> CellResult:
    """Run the lesson's atexit handlers, last registered first, as the end of its last cell."""
    error: CellError | None = None
    with _CapturedOutput(limit) as captured:
        for func, args, kwargs in reversed(handlers):
            try:
                func(*args, **kwargs)
            except BaseException as exc:  # reported as a cell's error would be
                if error is None and not (isinstance(exc, SystemExit) and exc.code in (None, 0)):
                    error = _cell_error(exc, path, root, cell)
    return dataclasses.replace(
        last,
        output=last.output + _shown(captured.text, path, root),
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


def _cpu_time() -> float:
    """CPU seconds of this process and its finished children: steadier than wall time under load."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _isolate(path: Path, threads: int) -> None:
    """Start every lesson alike: its folder, argv, sys.path, seeds, threads, stdin."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.chdir(path.parent)
    sys.argv = [str(path)]
    sys.path.insert(0, str(path.parent))
    import random

    random.seed(SEED)

    def seed_numpy(numpy: Any) -> None:
        numpy.random.seed(SEED)

    def seed_torch(torch: Any) -> None:
        torch.random.default_generator.manual_seed(SEED)  # CPU; skips CUDA's lazy-init bookkeeping
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(SEED)
        torch.set_num_threads(max(1, threads))

    def folder_rc(matplotlib: Any) -> None:
        # `import matplotlib` reads ./matplotlibrc first; a warm worker imported it elsewhere.
        if os.path.isfile("matplotlibrc"):
            matplotlib.rc_file("matplotlibrc")  # the backend stays Agg: rc_file leaves it alone

    # Seeded now if the worker imported them, else the moment the lesson does: either way
    # the lesson starts from the same state.
    after_import("numpy", seed_numpy)
    after_import("torch", seed_torch)
    after_import("matplotlib", folder_rc)


def after_import(name: str, callback: Callable[[types.ModuleType], None]) -> None:
    """Call `callback(module)` now if `name` is imported, else right after it is."""
    if name in sys.modules:
        callback(sys.modules[name])
    else:
        _import_hooks().after[name] = callback


def _import_hooks() -> _ImportHooks:
    """The finder in sys.meta_path that watches imports for this lesson process."""
    for finder in sys.meta_path:
        if isinstance(finder, _ImportHooks):
            return finder
    hooks = _ImportHooks()
    sys.meta_path.insert(0, hooks)
    return hooks


class _ImportHooks(importlib.abc.MetaPathFinder):
    """Watches the imports of chosen modules: a callback once one has run (`after`), and
    the CPU time spent importing others (`timed`, outermost imports only)."""

    def __init__(self) -> None:
        self.after: dict[str, Callable[[types.ModuleType], None]] = {}
        self.timed: set[str] = set()
        self.import_seconds = 0.0
        self.depth = 0

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in self.after and fullname not in self.timed:
            return None
        for finder in sys.meta_path:  # ask the others, then wrap what they found
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _HookedLoader(spec.loader, self)
        return spec


class _HookedLoader(importlib.abc.Loader):
    """A module's own loader, watched by _ImportHooks."""

    def __init__(self, loader: Any, hooks: _ImportHooks) -> None:
        self._loader = loader
        self._hooks = hooks

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        module.__loader__ = self._loader  # the module keeps its real loader (resources, source)
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        hooks, name = self._hooks, module.__name__
        timed = name in hooks.timed and hooks.depth == 0
        hooks.depth += 1
        started = _cpu_time() if timed else 0.0
        try:
            self._loader.exec_module(module)
        finally:
            hooks.depth -= 1
            if timed:
                hooks.import_seconds += _cpu_time() - started
        callback = hooks.after.pop(name, None)
        if callback is not None:
            callback(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


def _fresh_main(path: Path) -> dict[str, Any]:
    """A new `__main__` whose file is the lesson, so `if __name__ == "__main__"` and spawn work."""
    module = types.ModuleType("__main__")
    module.__file__ = str(path)
    module.__dict__["__builtins__"] = __builtins__
    module.__spec__ = None
    sys.modules["__main__"] = module
    return module.__dict__


# What a lesson reads under lessons/ is traced by an audit hook on `open`, in the lesson's
# process and, through a sitecustomize.py put first on their PYTHONPATH, in the Python
# processes it starts (multiprocessing's spawn, torch.multiprocessing.spawn,
# `subprocess.run([sys.executable, ...])`). Each file is hashed the moment it is first
# opened: a file saved while the lesson runs must not be keyed by content the lesson never
# read. A file first opened write-only or truncating is the lesson's output, not its input
# (two lessons saving the same `loss.png` must not make each other run again). An import
# from bytecode opens only `__pycache__/name.*.pyc`: that stands for its source, `name.py`.
# One log line per file: "<sha256, 'missing', or '-' for no input> <absolute path as opened>".
_TRACE_READS = """\
import os, sys


def _lessonpress_digest(name):
    import hashlib, stat

    try:
        if not stat.S_ISREG(os.stat(name).st_mode):
            return "-"
        digest = hashlib.sha256()
        with open(name, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "-"


def _lessonpress_trace_reads():
    log, prefix = os.environ.get("LESSONPRESS_READS_LOG"), os.environ.get("LESSONPRESS_LESSONS_DIR")
    if not log or not prefix:
        return
    seen = set()
    cache_dir = os.sep + "__pycache__" + os.sep

    def hook(event, args):
        if event != "open" or not isinstance(args[0], (str, bytes, os.PathLike)):
            return
        full = os.path.abspath(os.fsdecode(args[0]))
        if not full.startswith(prefix) or full in seen:
            return
        if cache_dir in full:
            if not full.endswith(".pyc"):
                return
            folder, name = os.path.split(full)
            full = os.path.join(os.path.dirname(folder), name.split(".", 1)[0] + ".py")
            if full in seen:
                return
        seen.add(full)  # first, so that hashing it (another open) is not traced
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else os.O_RDONLY
        read = flags & os.O_ACCMODE != os.O_WRONLY and not flags & os.O_TRUNC
        line = (_lessonpress_digest(full) if read else "-") + " " + full + "\\n"
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8", "surrogateescape"))
        finally:
            os.close(fd)

    def safe_hook(event, args):
        try:
            hook(event, args)
        except Exception:  # tracing must never break the lesson's own open()
            pass

    sys.addaudithook(safe_hook)


_lessonpress_trace_reads()
"""

_TRACE_READS_CODE = compile(_TRACE_READS, "<lessonpress: trace reads>", "exec")  # once per worker

# The rest of the sitecustomize.py: run the environment's own one, which this one shadows.
_CHAIN_SITECUSTOMIZE = """\


def _lessonpress_chain():
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        candidate = os.path.join(entry or ".", "sitecustomize.py")
        if os.path.abspath(entry or ".") != here and os.path.isfile(candidate):
            import importlib.util

            spec = importlib.util.spec_from_file_location("_lessonpress_next_sitecustomize", candidate)
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
            return


_lessonpress_chain()
"""


def _trace_reads(lessons_dir: Path, scratch: Path, log: str) -> None:
    """Log what this lesson and the Python processes it starts open under `lessons_dir`."""
    folder = scratch / "child-hook"
    hook = folder / "sitecustomize.py"
    source = _TRACE_READS + _CHAIN_SITECUSTOMIZE
    if not hook.is_file() or hook.read_text() != source:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(hook, source.encode())
    os.environ["LESSONPRESS_READS_LOG"] = log
    os.environ["LESSONPRESS_LESSONS_DIR"] = str(lessons_dir.resolve()) + os.sep
    paths = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(folder) + (os.pathsep + paths if paths else "")
    exec(_TRACE_READS_CODE, {"__name__": "_lessonpress_reads"})  # the same hook, in this process


def _reads(root: Path, log: str, lesson: Path, preloaded: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """Every file under lessons/ that the run read (not the lesson itself), with its sha256
    when first opened, named by its path under the project as the lesson saw it: through a
    symbolic link (a data set kept elsewhere) too, so the cache reads it the same way."""
    prefix = str((root / "lessons").resolve()) + os.sep
    for file in _lesson_modules(prefix, preloaded):  # a C extension's import opens nothing traced
        try:
            with open(file, "rb"):  # traced by the hook, which hashes it
                pass
        except OSError:
            continue
    itself = os.path.realpath(lesson)
    return tuple(
        ("lessons/" + Path(full[len(prefix) :]).as_posix(), digest)
        for full, digest in sorted(_logged_reads(log).items())
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


def _logged_reads(log: str) -> dict[str, str]:
    """The log of _TRACE_READS: each file's first line (the lesson's processes append in turn)."""
    try:
        text = Path(log).read_bytes().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        return {}
    os.unlink(log)
    first: dict[str, str] = {}
    for line in text.splitlines():
        digest, _, full = line.partition(" ")
        first.setdefault(full, digest)
    return first


def _run_cell(
    cell: Cell,
    path: Path,
    root: Path,
    namespace: dict[str, Any],
    figures: _FigureCapture,
    output_limit: int,
    future_flags: int,
) -> tuple[CellResult, int, bool]:
    """Execute one cell with its output captured; return its result and whether to stop."""
    display: str | None = None
    error: CellError | None = None
    stop = False
    figures.start_cell((str(path), cell.line))
    with _CapturedOutput(output_limit) as captured:
        try:
            display, future_flags = _execute(cell, path, namespace, future_flags)
        except SystemExit as exc:
            stop = True
            if exc.code not in (None, 0):
                error = _cell_error(exc, path, root, cell)
        except BaseException as exc:  # the lesson's own errors, reported to the author
            error = _cell_error(exc, path, root, cell)
            stop = not cell.expect_error
        try:
            figures.snapshot_open(close=True)
        except Exception as exc:  # a figure that cannot be drawn: the lesson's error
            if error is None:
                error, stop = _figure_error(exc, path, root, cell, figures.failed_at), not cell.expect_error
    text = _shown(captured.text, path, root)
    truncated = captured.truncated
    if display is not None:
        display = _shown(display, path, root)
        if len(display) > output_limit:
            display, truncated = display[:output_limit], True
    result = CellResult(cell.name, text, display, tuple(figures.taken), error, truncated, cell.expect_error)
    return result, future_flags, stop


def _shown(text: str, path: Path, root: Path) -> str:
    """Output as the page shows it: no folders of this machine, no addresses (see _display)."""
    return _ADDRESS.sub("…", _short_paths(text, _path_roots(path, root)))


def _path_roots(path: Path, root: Path) -> list[str]:
    """Folders whose absolute paths a page should not show, longest first, each ending in '/'."""
    folders = {str(path.parent), str(path.parent.resolve()), str(root), str(root.resolve())}
    folders.update(entry for entry in sys.path if os.path.isabs(entry))
    prefixes = {folder.rstrip(os.sep) + os.sep for folder in folders}
    return sorted((p for p in prefixes if len(p) > 1), key=len, reverse=True)


def _short_paths(text: str, roots: list[str]) -> str:
    """Absolute paths written relative to the lesson's folder, the project or an import root.

    A warning names its source by absolute path ('/home/me/blog/lessons/fit/train.py:12:
    UserWarning', or a file in site-packages); the page shows 'train.py:12' and
    'torch/nn/functional.py:5', so it does not depend on where the project or Python lives.
    """
    for prefix in roots:
        text = text.replace(prefix, "")
    return text


def _execute(cell: Cell, path: Path, namespace: dict[str, Any], flags: int) -> tuple[str | None, int]:
    """Compile the cell under the lesson's real path and line numbers; show a final expression."""
    padded = "\n" * (cell.line - 1) + cell.source
    tree = ast.parse(padded, filename=str(path), feature_version=None)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not _ends_with_semicolon(cell.source):
        final = tree.body.pop()
        assert isinstance(final, ast.Expr)
        last = ast.Expression(final.value)
    code = compile(tree, str(path), "exec", flags=flags, dont_inherit=True)
    flags |= code.co_flags & _FUTURE_MASK
    exec(code, namespace)
    if last is None:
        return None, flags
    value = eval(compile(last, str(path), "eval", flags=flags, dont_inherit=True), namespace)
    return _display(value), flags


def _ends_with_semicolon(source: str) -> bool:
    """Whether the cell's last statement ends in ';', which hides its value in a notebook."""
    import tokenize

    last = None
    skip = {tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER, tokenize.DEDENT}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type not in skip:
                last = token
    except (tokenize.TokenError, SyntaxError):
        return False
    return last is not None and last.type == tokenize.OP and last.string == ";"


def _display(value: Any) -> str | None:
    """The repr a notebook would show, or None for values not worth showing.

    Matplotlib's return values are left out (the figure is shown), and so is a default
    repr such as `<torch._C.Generator object at 0x7f...>` (what `torch.manual_seed(0)`
    returns): it tells a reader nothing, and its address differs from run to run. Addresses
    inside other reprs (`<function f at 0x7f...>`) are shown as `0x…` by the caller.
    """
    if value is None:
        return None
    items = value if isinstance(value, (list, tuple)) and value else [value]
    if all(type(item).__module__.startswith("matplotlib") for item in items):
        return None
    shown = repr(value)
    return None if _DEFAULT_REPR.fullmatch(shown) else shown


def _cell_error(exc: BaseException, path: Path, root: Path, cell: Cell) -> CellError:
    """Trim a traceback to frames in the lessons tree, with paths relative to the lesson."""
    lessons_dir = str((root / "lessons").resolve()) + os.sep
    # Source lines are read only for the frames kept (deep recursion has 100,000 others).
    te = traceback.TracebackException.from_exception(exc, lookup_lines=False)
    line = cell.header_line or cell.line
    for part in _chain(te):
        part.stack = _lesson_stack(part.stack, lessons_dir, path.parent)
        if getattr(part, "filename", None):
            part.filename = os.path.relpath(os.path.abspath(part.filename), path.parent)
    own = [f for f in te.stack if f.filename == path.name]
    if own:
        line = own[-1].lineno or line
    elif isinstance(exc, SyntaxError) and exc.lineno:
        line = exc.lineno
    text = "".join(te.format())
    only = "".join(te.format_exception_only()).strip()
    if isinstance(exc, SyntaxError):  # its file, code and caret lines come first
        only = only.split("\n")[-1]
    message = only.split(": ", 1)[1] if ": " in only.split("\n")[0] else only  # drop "ValueError: "
    message = " ".join(line.strip() for line in message.splitlines() if line.strip())
    rel = Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()
    return CellError(type(exc).__name__, message, text, rel, line)


_EDGE_FRAMES = 10  # of a deep traceback, the lesson frames shown at each end


class _CutStack(traceback.StackSummary):
    """A deep stack shown by its first and last frames, and how many calls lie between."""

    omitted = 0

    def format(self) -> list[str]:
        outer = traceback.StackSummary.from_list(self[:_EDGE_FRAMES]).format()
        inner = traceback.StackSummary.from_list(self[_EDGE_FRAMES:]).format()
        return [*outer, f"  ... {self.omitted} more calls ...\n", *inner]


def _lesson_stack(stack: traceback.StackSummary, lessons_dir: str, folder: Path) -> traceback.StackSummary:
    """The frames of a stack in the lessons tree, named relative to the lesson's folder.

    A deep one (infinite recursion under a raised recursion limit) keeps its first and last
    frames: formatting 100,000 of them took half a minute and filled the page.
    """
    names = {f.filename for f in stack}
    inside = {name for name in names if os.path.abspath(name).startswith(lessons_dir)}
    frames = [f for f in stack if f.filename in inside]
    omitted = len(frames) - 2 * _EDGE_FRAMES
    if omitted > 0:
        frames = frames[:_EDGE_FRAMES] + frames[-_EDGE_FRAMES:]
    for frame in frames:
        frame.line  # noqa: B018 (read while the frame still names its file)
        frame.filename = os.path.relpath(os.path.abspath(frame.filename), folder)
    if omitted <= 0:
        return traceback.StackSummary(frames)
    cut = _CutStack(frames)
    cut.omitted = omitted
    return cut


def _figure_error(
    exc: BaseException, path: Path, root: Path, cell: Cell, made_at: Location | None
) -> CellError:
    """A figure failed to draw when its cell ended: at the line that made it, if the lesson's."""
    error = _cell_error(exc, path, root, cell)
    if made_at is not None and os.path.realpath(made_at[0]) == os.path.realpath(path):
        return dataclasses.replace(error, line=made_at[1])
    return error


def _chain(te: traceback.TracebackException) -> list[traceback.TracebackException]:
    parts, seen = [], set()
    current: traceback.TracebackException | None = te
    stack = [te]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        parts.append(current)
        stack.extend(x for x in (current.__cause__, current.__context__) if x is not None)
    return parts


def _values(namespace: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Module-level values that prose may quote (numbers, strings, one-element tensors and
    lists of them) as plain builtins, and the kind of every other name, so that quoting one
    gets a clear error. A value that cannot even be read is named, never fatal."""
    values: dict[str, Any] = {}
    unquotable: dict[str, str] = {}
    for name, value in list(namespace.items()):
        if name.startswith("_") or issubclass(type(value), types.ModuleType):
            continue
        try:
            plain = _plain(value)
        except BaseException as exc:  # the lesson's own class misbehaved when read
            unquotable[name] = f"{type(value).__name__} that could not be read ({type(exc).__name__})"
            continue
        if plain is not None:
            values[name] = plain
        else:
            unquotable[name] = type(value).__name__
    return values, unquotable


# Exact builtins from their subclasses, without calling the lesson's overrides: a subclass
# would be pickled by reference to its class in the lesson's `__main__`, which the build
# cannot import (np.float64, a float subclass, would make the build import NumPy).
_PLAIN_NUMBERS: tuple[tuple[type, Callable[[Any], Any]], ...] = (
    (bool, bool),
    (int, int.__int__),
    (float, float.__float__),
    (complex, complex.__complex__),
)


def _plain(value: Any) -> Any:
    """The value as builtins if prose may quote it, else None. Types are looked up with
    type(), not isinstance(), which would ask the object for its `__class__`."""
    kind = type(value)
    for base, plain in _PLAIN_NUMBERS:
        if issubclass(kind, base):
            return plain(value)
    if issubclass(kind, str):
        return str.__str__(value) if len(value) <= 10_000 else None
    if issubclass(kind, (list, tuple)) and len(value) <= 1000:
        items = [_plain(v) for v in value]
        return items if all(v is not None for v in items) else None
    item = getattr(value, "item", None)
    numel = getattr(value, "numel", None) or getattr(value, "size", None)
    try:
        if callable(item) and (numel() if callable(numel) else numel) == 1:
            number = item()
            return _plain(number) if issubclass(type(number), (bool, int, float, complex)) else None
    except (TypeError, ValueError, RuntimeError):
        return None
    return None


class _CapturedOutput:
    """Send fds 1 and 2 (Python, C extensions and child processes alike) to one file."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.text = ""
        self.truncated = False

    def __enter__(self) -> _CapturedOutput:
        sys.stdout.flush()
        sys.stderr.flush()
        self.saved = (os.dup(1), os.dup(2))
        self.file = io.FileIO(_temp_file(), "w+")
        os.dup2(self.file.fileno(), 1)
        os.dup2(self.file.fileno(), 2)
        self.streams = (sys.stdout, sys.stderr)
        sys.stdout = _text_stream(1)
        sys.stderr = _text_stream(2)
        return self

    def __exit__(self, *exc: object) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        sys.stdout, sys.stderr = self.streams
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        for fd in self.saved:
            os.close(fd)
        size = os.fstat(self.file.fileno()).st_size
        self.file.seek(0)
        data = self.file.read(self.limit)
        self.file.close()
        self.truncated = size > self.limit
        self.text = clean_output(data.decode("utf-8", errors="replace"))


def _temp_file() -> int:
    """An unlinked file opened for appending: writes go to its end even after the worker
    cuts it short (see _cap_output)."""
    import fcntl
    import tempfile

    fd, name = tempfile.mkstemp(prefix="lessonpress-out-")
    os.unlink(name)
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
    return fd


def _text_stream(fd: int) -> io.TextIOWrapper:
    """A stream on `fd` that is line-buffered, as Python's stdout is on a terminal.

    Every finished line reaches the fd at once, so it lands in order with what C code and
    child processes write there; unbuffered writes would cost a system call per `print`
    argument, which made a lesson printing millions of lines several times slower.
    """
    buffer = io.BufferedWriter(io.FileIO(fd, "w", closefd=False))
    return io.TextIOWrapper(buffer, encoding="utf-8", errors="backslashreplace", line_buffering=True)


def clean_output(text: str) -> str:
    """What a terminal would show: ANSI codes dropped, `\\r` redraws resolved to their end, and
    no other control characters (a NUL byte is not even allowed in an HTML page)."""
    text = CONTROL_CHARACTERS.sub("", _ANSI.sub("", text.replace("\r\n", "\n")))
    lines = []
    for line in text.split("\n"):
        shown = ""
        for part in line.split("\r"):
            shown = part + shown[len(part) :]
        lines.append(shown)
    return "\n".join(lines)


Location = tuple[str, int]  # a file and line of the lesson's code


class _FigureCapture:
    """Snapshots of figures: at every plt.show() and for figures still open when a cell ends.

    Drawing happens here, not where `python lesson.py` would draw (if ever): a figure that
    fails to draw is the lesson's error, and a warning drawing raises is the lesson's, at
    the line that asked for the snapshot (its plt.show()) or else the line that made the
    figure, never at lessonpress's own code.
    """

    def __init__(self, lessons_dir: str) -> None:
        self.taken: list[Figure] = []
        self.lessons_dir = lessons_dir
        self.failed_at: Location | None = None  # where the figure that failed to draw was made
        after_import("matplotlib.pyplot", self._patch_pyplot)  # a lesson without plots never imports it

    def _patch_pyplot(self, plt: Any) -> None:
        import functools

        figure = plt.figure

        @functools.wraps(plt.show)
        def show(*args: Any, **kwargs: Any) -> None:
            self.snapshot_open(close=False, at=_lesson_line(self.lessons_dir))

        @functools.wraps(figure)
        def made_here(*args: Any, **kwargs: Any) -> Any:  # plt.subplots() and plt.gcf() call it too
            made = figure(*args, **kwargs)
            if getattr(made, _MADE_AT, None) is None:
                setattr(made, _MADE_AT, _lesson_line(self.lessons_dir))
            return made

        plt.show, plt.figure = show, made_here

    def start_cell(self, at: Location) -> None:
        self.taken = []
        self.cell_at = at

    def snapshot_open(self, close: bool, at: Location | None = None) -> None:
        if "matplotlib.pyplot" not in sys.modules:
            return
        import matplotlib.pyplot as plt
        from matplotlib._pylab_helpers import Gcf

        try:
            for manager in Gcf.get_all_fig_managers():
                self._snapshot_changed(manager.canvas.figure, at)
        finally:
            if close:
                plt.close("all")

    def _snapshot_changed(self, figure: Any, at: Location | None) -> None:
        if getattr(figure, _SHOWN, False):
            return
        made_at = getattr(figure, _MADE_AT, None)
        try:
            shot = _snapshot(figure, at or made_at or self.cell_at)
        except Exception as exc:
            import matplotlib.pyplot as plt

            plt.close(figure)  # it failed once: not again when the cell ends
            self.failed_at = made_at
            exc.add_note("(raised while lessonpress drew the figure for the page)")
            raise
        # Changed since its last capture, or perhaps only redrawn (a savefig() redraws
        # and marks it changed): a snapshot equal to the last one is not a new image.
        if shot.png != getattr(figure, _LAST_PNG, None):
            self.taken.append(shot)
        setattr(figure, _LAST_PNG, shot.png)


def _lesson_line(lessons_dir: str) -> Location | None:
    """The innermost line of the lesson's code (or its helpers') calling into this."""
    frame: types.FrameType | None = sys._getframe(2)
    while frame is not None:
        if os.path.abspath(frame.f_code.co_filename).startswith(lessons_dir):
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back
    return None


# Set on a figure once it is captured, and cleared by any change to it. Matplotlib's own
# `stale` flag will not do: a lesson's savefig() draws the figure and clears it.
_SHOWN = "_lessonpress_shown"
_LAST_PNG = "_lessonpress_png"
_MADE_AT = "_lessonpress_made_at"


def _snapshot(figure: Any, at: Location) -> Figure:
    """Render a figure to PNG at twice its CSS size, with no time-dependent metadata."""
    import warnings

    buffer = io.BytesIO()
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:  # type: ignore[assignment]
            warnings.simplefilter("always")  # each goes through the lesson's own filters below
            figure.savefig(buffer, format="png", dpi=figure.dpi * 2, metadata={"Software": None})
    finally:
        _warn_at(caught, at)
    figure.stale = False
    _watch_changes(figure)
    setattr(figure, _SHOWN, True)
    width, height = figure.get_size_inches() * figure.dpi
    return Figure(buffer.getvalue(), round(width), round(height), _alt_text(figure))


def _warn_at(caught: list[Any], at: Location) -> None:
    """Warn again what drawing warned (a missing glyph, say) as the lesson's, at its line."""
    import warnings

    registry = sys.modules["__main__"].__dict__.setdefault("__warningregistry__", {})
    for warning in caught:
        warnings.warn_explicit(warning.message, warning.category, at[0], at[1], registry=registry)


def _watch_changes(figure: Any) -> None:
    """Clear the figure's captured mark whenever an artist in it changes.

    Every change to an artist marks its axes and then its figure stale, and the figure then
    calls its stale_callback (pyplot's redraw hook), which this wraps once.
    """
    original = figure.stale_callback
    if getattr(original, "_lessonpress", False):
        return

    def changed(artist: Any, stale: bool) -> None:
        if stale:
            setattr(figure, _SHOWN, False)
        if original is not None:
            original(artist, stale)

    changed._lessonpress = True  # type: ignore[attr-defined]
    figure.stale_callback = changed


def _alt_text(figure: Any) -> str:
    """Describe a figure from its titles and axis labels."""
    parts = []
    suptitle = figure._suptitle.get_text() if figure._suptitle is not None else ""
    if suptitle:
        parts.append(suptitle)
    for axes in figure.axes:
        bits = [axes.get_title()]
        labels = [
            f"{axis} axis: {label}"
            for axis, label in (("x", axes.get_xlabel()), ("y", axes.get_ylabel()))
            if label
        ]
        if labels:
            bits.append("(" + ", ".join(labels) + ")")
        text = " ".join(b for b in bits if b)
        if text:
            parts.append(text)
    return "Plot: " + "; ".join(parts) if parts else "Plot produced by the lesson"


def main() -> None:
    """`python -m lessonpress.runner --worker` or `--job FILE` (a fresh interpreter per lesson)."""
    if sys.argv[1:2] == ["--worker"]:
        worker_main(lean=sys.argv[2:3] == ["--lean"])
    elif sys.argv[1:2] == ["--job"]:
        job = json.loads(Path(sys.argv[2]).read_text())
        try:
            run_job(job)  # imports what the lesson imports
        except BaseException as exc:
            note_crash(job, exc)
            raise
    else:
        raise SystemExit("usage: python -m lessonpress.runner --worker [--lean] | --job FILE")


if __name__ == "__main__":
    main()
