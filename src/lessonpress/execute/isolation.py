"""What every lesson starts from, alike: its folder, argv, seeds, threads, stdin, `__main__`.

Modules a warm worker imported ahead are set up now; the others (a lean worker's) the moment
the lesson imports them, through the import hooks here, so both start the same.
"""

from __future__ import annotations

import builtins
import importlib.abc
import os
import signal
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEED = 0
# What a warm worker imports once for all its lessons (without running any torch op).
SHARED_MODULES = ("numpy", "matplotlib", "matplotlib.pyplot", "torch", "torch._dynamo", "torch.optim")
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def prctl(option: int, value: int) -> None:
    """Linux's prctl(2); nothing where it is missing."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(option, value)
    except (OSError, AttributeError):
        pass


def separate_process() -> None:
    """Lead a process group of its own (the worker ends the lesson's strays with it), and die
    with the worker: Linux takes this lesson process down when its parent dies."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def isolate(path: Path, threads: int) -> None:
    """Start every lesson alike: its folder, argv, sys.path, seeds, threads, stdin."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.chdir(path.parent)
    sys.argv = [str(path)]
    sys.path.insert(0, str(path.parent))
    import random

    random.seed(SEED)
    # Seeded now if the worker imported them, else the moment the lesson does: either way
    # the lesson starts from the same state.
    after_import("numpy", _seed_numpy)
    after_import("torch", lambda torch: _seed_torch(torch, threads))
    after_import("matplotlib", _folder_rc)


def _seed_numpy(numpy: Any) -> None:
    numpy.random.seed(SEED)


def _seed_torch(torch: Any, threads: int) -> None:
    torch.random.default_generator.manual_seed(SEED)  # CPU; skips CUDA's lazy-init bookkeeping
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(SEED)
    torch.set_num_threads(max(1, threads))


def _folder_rc(matplotlib: Any) -> None:
    # `import matplotlib` reads ./matplotlibrc first; a warm worker imported it elsewhere.
    if os.path.isfile("matplotlibrc"):
        matplotlib.rc_file("matplotlibrc")  # the backend stays Agg: rc_file leaves it alone


def fresh_main(path: Path) -> dict[str, Any]:
    """A new `__main__` whose file is the lesson, so `if __name__ == "__main__"` and spawn work."""
    module = types.ModuleType("__main__")
    module.__file__ = str(path)
    module.__dict__["__builtins__"] = builtins  # the module, as `python lesson.py` has it
    module.__spec__ = None
    sys.modules["__main__"] = module
    return module.__dict__


def cpu_time() -> float:
    """CPU seconds of this process and its finished children: steadier than wall time under load."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def after_import(name: str, callback: Callable[[types.ModuleType], None]) -> None:
    """Call `callback(module)` now if `name` is imported, else right after it is."""
    if name in sys.modules:
        callback(sys.modules[name])
    else:
        _import_hooks().after[name] = callback


def exclude_import_time(names: tuple[str, ...]) -> None:
    """Count the CPU time spent importing these modules apart (see import_seconds)."""
    _import_hooks().timed.update(names)


def import_seconds() -> float:
    """CPU seconds spent importing the modules given to exclude_import_time()."""
    return _import_hooks().import_seconds


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
        started = cpu_time() if timed else 0.0
        try:
            self._loader.exec_module(module)
        finally:
            hooks.depth -= 1
            if timed:
                hooks.import_seconds += cpu_time() - started
        callback = hooks.after.pop(name, None)
        if callback is not None:
            callback(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)
