"""Runs lessons in separate processes: a warm worker forks one fresh child per lesson.

This module runs inside the worker and its children, never in the build process, so it
may import torch and matplotlib. The build talks to a worker with one JSON line per job
on stdin/stdout; the child writes its LessonResult as a pickle to the job's result path.
"""

from __future__ import annotations
import __future__

import ast
import hashlib
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
from .model import Cell, CellError, CellResult, Figure, LessonResult

SEED = 0
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_DEFAULT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # a terminal shows none of these
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
    progress_path = job["result_path"] + ".cell"
    _isolate(path, job.get("threads", 1))
    owner = os.getpid()
    reads = _record_reads(root / "lessons")
    children_log = job["result_path"] + ".reads"
    _trace_child_reads(root / "lessons", Path(job["result_path"]).parent, children_log)
    namespace = _fresh_main(path)
    figures = _FigureCapture()
    # CPU time spent importing what a warm worker shares is not the lesson's cost: leave it
    # out in a lean worker too, so both report the same run cost.
    for name in SHARED_MODULES:
        _import_hooks().timed.add(name)
    cells = []
    started, cpu_started = time.perf_counter(), _cpu_time()
    future_flags = 0
    for name, source, line, expect_error in job["cells"]:
        Path(progress_path).write_text(name)
        cell = Cell(name, source, line, line - 1, expect_error)
        result, future_flags, stop = _run_cell(
            cell, path, root, namespace, figures, job.get("output_limit", 200_000), future_flags
        )
        if os.getpid() != owner:  # a process the lesson forked ended its code: end it as Python would
            _exit_forked(result)
        cells.append(result)
        if stop:
            break
    seconds = time.perf_counter() - started
    for name, read in _child_reads(children_log).items():
        reads.setdefault(name, read)
    values, unquotable = _values(namespace)
    lesson_result = LessonResult(
        job["lesson_path"],
        tuple(cells),
        values,
        seconds,
        _hash_reads(root, {name for name, read in reads.items() if read}, path, preloaded),
        cpu_seconds=_cpu_time() - cpu_started - _import_hooks().import_seconds,
        unquotable=unquotable,
    )
    write_atomic(Path(job["result_path"]), pickle.dumps(lesson_result, protocol=pickle.HIGHEST_PROTOCOL))


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


def _record_reads(lessons_dir: Path) -> dict[str, bool]:
    """Remember every file under the lessons tree that the lesson opens, and whether its
    first opening could read what was there before (False: write-only, or truncating).

    A file the lesson writes before it reads it is the lesson's output, not its input: two
    lessons saving the same `loss.png` must not make each other run again on every build.
    """
    prefix = str(lessons_dir.resolve()) + os.sep
    opened: dict[str, bool] = {}

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            name = os.fsdecode(args[0])
            full = os.path.abspath(name)
            if full.startswith(prefix) and full not in opened:
                flags = args[2] if len(args) > 2 and isinstance(args[2], int) else os.O_RDONLY
                opened[full] = flags & os.O_ACCMODE != os.O_WRONLY and not flags & os.O_TRUNC

    sys.addaudithook(hook)
    return opened


# Python processes a lesson starts (multiprocessing's spawn, torch.multiprocessing.spawn,
# `subprocess.run([sys.executable, ...])`) record what they open too: this file is put first
# on their PYTHONPATH as sitecustomize.py, and chains to the environment's own one.
_CHILD_HOOK = """\
import os, sys


def _lessonpress_trace_reads():
    log, prefix = os.environ.get("LESSONPRESS_READS_LOG"), os.environ.get("LESSONPRESS_LESSONS_DIR")
    if not log or not prefix:
        return
    seen = set()

    def hook(event, args):
        if event != "open" or not isinstance(args[0], (str, bytes, os.PathLike)):
            return
        full = os.path.abspath(os.fsdecode(args[0]))
        if not full.startswith(prefix) or full in seen:
            return
        seen.add(full)
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else os.O_RDONLY
        read = flags & os.O_ACCMODE != os.O_WRONLY and not flags & os.O_TRUNC
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (("r " if read else "w ") + full + "\\n").encode("utf-8", "surrogateescape"))
        finally:
            os.close(fd)

    sys.addaudithook(hook)


def _lessonpress_chain():
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        candidate = os.path.join(entry or ".", "sitecustomize.py")
        if os.path.abspath(entry or ".") != here and os.path.isfile(candidate):
            import importlib.util

            spec = importlib.util.spec_from_file_location("_lessonpress_next_sitecustomize", candidate)
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
            return


_lessonpress_trace_reads()
_lessonpress_chain()
"""


def _trace_child_reads(lessons_dir: Path, scratch: Path, log: str) -> None:
    """Make the Python processes this lesson starts append what they open to `log`."""
    folder = scratch / "child-hook"
    hook = folder / "sitecustomize.py"
    if not hook.is_file() or hook.read_text() != _CHILD_HOOK:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(hook, _CHILD_HOOK.encode())
    os.environ["LESSONPRESS_READS_LOG"] = log
    os.environ["LESSONPRESS_LESSONS_DIR"] = str(lessons_dir.resolve()) + os.sep
    paths = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(folder) + (os.pathsep + paths if paths else "")


def _child_reads(log: str) -> dict[str, bool]:
    """What the lesson's Python child processes opened under the lessons tree (see _record_reads)."""
    try:
        text = Path(log).read_bytes().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        return {}
    os.unlink(log)
    found: dict[str, bool] = {}
    for line in text.splitlines():
        kind, _, name = line.partition(" ")
        found.setdefault(name, kind == "r")
    return found


def _hash_reads(
    root: Path, opened: set[str], lesson: Path, preloaded: frozenset[str] = frozenset()
) -> tuple[tuple[str, str], ...]:
    """sha256 of every lessons-tree file the lesson opened or imported (not the lesson itself)."""
    prefix = str((root / "lessons").resolve()) + os.sep
    for name in set(sys.modules) - preloaded:  # only what the lesson imported
        file = getattr(sys.modules.get(name), "__file__", None)
        if file and os.path.abspath(file).startswith(prefix):
            opened.add(os.path.abspath(file))
    reads = []
    for full in sorted(opened):
        candidate = Path(full)
        if candidate.resolve() == lesson.resolve() or "__pycache__" in full or candidate.is_dir():
            continue
        try:
            digest = hashlib.sha256(candidate.read_bytes()).hexdigest()
        except FileNotFoundError:  # looked for and not there: its arrival must re-run the lesson
            digest = "missing"  # what LessonCache.file_hash says of it
        except OSError:
            continue
        reads.append((candidate.resolve().relative_to(root.resolve()).as_posix(), digest))
    return tuple(reads)


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
    figures.start_cell()
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
        figures.snapshot_open(close=True)
    roots = _path_roots(path, root)
    text = _ADDRESS.sub("…", _short_paths(captured.text, roots))
    truncated = captured.truncated
    if display is not None:
        display = _ADDRESS.sub("…", _short_paths(display, roots))
        if len(display) > output_limit:
            display, truncated = display[:output_limit], True
    result = CellResult(cell.name, text, display, tuple(figures.taken), error, truncated, cell.expect_error)
    return result, future_flags, stop


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
    te = traceback.TracebackException.from_exception(exc)
    line = cell.header_line or cell.line
    for part in _chain(te):
        part.stack = traceback.StackSummary.from_list(
            [f for f in part.stack if os.path.abspath(f.filename).startswith(lessons_dir)]
        )
        for frame in part.stack:
            frame.filename = os.path.relpath(os.path.abspath(frame.filename), path.parent)
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
    lists of them), and the type of every other name, so that quoting one gets a clear error."""
    values: dict[str, Any] = {}
    unquotable: dict[str, str] = {}
    for name, value in namespace.items():
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        plain = _plain(value)
        if plain is not None:
            values[name] = plain
        else:
            unquotable[name] = type(value).__name__
    return values, unquotable


def _plain(value: Any) -> Any:
    """Builtin types only (np.float64 is a float subclass: unpickling it would import NumPy)."""
    for kind in (bool, int, float, complex):
        if isinstance(value, kind):
            return kind(value)  # type: ignore[arg-type]
    if isinstance(value, str):
        return str(value) if len(value) <= 10_000 else None
    item = getattr(value, "item", None)
    numel = getattr(value, "numel", None) or getattr(value, "size", None)
    try:
        if callable(item) and (numel() if callable(numel) else numel) == 1:
            plain = item()
            return plain if isinstance(plain, (bool, int, float, complex)) else None
    except (TypeError, ValueError, RuntimeError):
        return None
    if isinstance(value, (list, tuple)) and len(value) <= 1000:
        items = [_plain(v) for v in value]
        return items if all(v is not None for v in items) else None
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
    text = _CONTROL.sub("", _ANSI.sub("", text.replace("\r\n", "\n")))
    lines = []
    for line in text.split("\n"):
        shown = ""
        for part in line.split("\r"):
            shown = part + shown[len(part) :]
        lines.append(shown)
    return "\n".join(lines)


class _FigureCapture:
    """Snapshots of figures: at every plt.show() and for figures still open when a cell ends."""

    def __init__(self) -> None:
        self.taken: list[Figure] = []
        after_import("matplotlib.pyplot", self._patch_show)  # a lesson without plots never imports it

    def _patch_show(self, plt: Any) -> None:
        import functools

        original = plt.show

        @functools.wraps(original)
        def show(*args: Any, **kwargs: Any) -> None:
            self.snapshot_open(close=False)

        plt.show = show

    def start_cell(self) -> None:
        self.taken = []

    def snapshot_open(self, close: bool) -> None:
        if "matplotlib.pyplot" not in sys.modules:
            return
        import matplotlib.pyplot as plt
        from matplotlib._pylab_helpers import Gcf

        for manager in Gcf.get_all_fig_managers():
            figure = manager.canvas.figure
            if getattr(figure, _SHOWN, False):
                continue
            # Changed since its last capture, or perhaps only redrawn (a savefig() redraws
            # and marks it changed): a snapshot equal to the last one is not a new image.
            shot = _snapshot(figure)
            if shot.png != getattr(figure, _LAST_PNG, None):
                self.taken.append(shot)
            setattr(figure, _LAST_PNG, shot.png)
        if close:
            plt.close("all")


# Set on a figure once it is captured, and cleared by any change to it. Matplotlib's own
# `stale` flag will not do: a lesson's savefig() draws the figure and clears it.
_SHOWN = "_lessonpress_shown"
_LAST_PNG = "_lessonpress_png"


def _snapshot(figure: Any) -> Figure:
    """Render a figure to PNG at twice its CSS size, with no time-dependent metadata."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi * 2, metadata={"Software": None})
    figure.stale = False
    _watch_changes(figure)
    setattr(figure, _SHOWN, True)
    width, height = figure.get_size_inches() * figure.dpi
    return Figure(buffer.getvalue(), round(width), round(height), _alt_text(figure))


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
        run_job(json.loads(Path(sys.argv[2]).read_text()))  # imports what the lesson imports
    else:
        raise SystemExit("usage: python -m lessonpress.runner --worker [--lean] | --job FILE")


if __name__ == "__main__":
    main()
