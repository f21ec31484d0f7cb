"""The audit hook that logs what a lesson's processes open under lessons/ (see reads.py).

It runs in the lesson's own process (reads.trace_reads installs it) and, as a copy of this
very file saved as the sitecustomize.py put first on their PYTHONPATH, in the Python
processes the lesson starts (multiprocessing's spawn, torch.multiprocessing.spawn,
`subprocess.run([sys.executable, ...])`). So it imports nothing but the standard library,
and nothing at all until a file is opened.

Each file is hashed the moment it is first opened: a file saved while the lesson runs must
not be keyed by content the lesson never read. A file first opened write-only or truncating
is the lesson's output, not its input (two lessons saving the same `loss.png` must not make
each other run again). An import from bytecode opens only `__pycache__/name.*.pyc`: that
stands for its source, `name.py`. One log line per file: "<sha256, 'missing', or '-' for no
input> <absolute path as opened>".
"""

from __future__ import annotations

import os
import sys


def _digest(name: str) -> str:
    """The file's sha256, 'missing', or '-' for anything that is no regular file."""
    import hashlib
    import stat

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


def install() -> None:
    """Log the files this process opens under LESSONPRESS_LESSONS_DIR to LESSONPRESS_READS_LOG."""
    log, prefix = os.environ.get("LESSONPRESS_READS_LOG"), os.environ.get("LESSONPRESS_LESSONS_DIR")
    if not log or not prefix:
        return
    seen: set[str] = set()

    def safe_hook(event: str, args: tuple[object, ...]) -> None:
        try:
            _trace(event, args, log, prefix, seen)
        except Exception:  # tracing must never break the lesson's own open()
            pass

    sys.addaudithook(safe_hook)


def _trace(event: str, args: tuple[object, ...], log: str, prefix: str, seen: set[str]) -> None:
    """Log a file opened under `prefix` the first time it is opened."""
    if event != "open" or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    full = _source(os.path.abspath(os.fsdecode(args[0])))
    if full is None or not full.startswith(prefix) or full in seen:
        return
    seen.add(full)  # first, so that hashing it (another open) is not traced
    flags = args[2] if len(args) > 2 and isinstance(args[2], int) else os.O_RDONLY
    read = flags & os.O_ACCMODE != os.O_WRONLY and not flags & os.O_TRUNC
    line = (_digest(full) if read else "-") + " " + full + "\n"
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8", "surrogateescape"))
    finally:
        os.close(fd)


def _source(full: str) -> str | None:
    """The file a path stands for: a module's bytecode stands for its source; None for other
    files in a __pycache__ folder."""
    if os.sep + "__pycache__" + os.sep not in full:
        return full
    if not full.endswith(".pyc"):
        return None
    folder, name = os.path.split(full)
    return os.path.join(os.path.dirname(folder), name.split(".", 1)[0] + ".py")


def _run_next_sitecustomize() -> None:
    """Run the environment's own sitecustomize.py, which this copy shadows."""
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        candidate = os.path.join(entry or ".", "sitecustomize.py")
        if os.path.abspath(entry or ".") != here and os.path.isfile(candidate):
            import importlib.util

            spec = importlib.util.spec_from_file_location("_lessonpress_next_sitecustomize", candidate)
            assert spec is not None and spec.loader is not None
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
            return


if __name__ == "sitecustomize":  # the copy in a Python process the lesson started
    install()
    _run_next_sitecustomize()
