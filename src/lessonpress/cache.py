"""Lesson results cached by content, so unchanged lessons never run twice.

An entry is trusted only if the lesson's source, the environment (runner, Python, torch,
matplotlib, NumPy versions) and every file the run read from the lessons tree are unchanged.
Entries are written to a temporary name and renamed into place: a killed build leaves no
half-written entry behind.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from . import __version__
from .model import Lesson, LessonResult

CACHE_DIR = ".lessonpress-cache"
RUNNER_VERSION = "1"
CACHE_FORMAT = "2"  # bump when _Entry changes
T = TypeVar("T")
V = TypeVar("V")


def package_version(name: str) -> str | None:
    """The installed version of a distribution, read from its dist-info folder name.

    importlib.metadata would do, but importing it costs more than a whole no-change rebuild
    may spend; the folder name (PEP 376/427) carries the same version. Names compare as
    PEP 503 normalizes them: "PyYAML" finds pyyaml-6.0.4.dist-info.
    """
    found = _installed(tuple((entry, _mtime(entry or ".")) for entry in sys.path)).get(_normalized(name))
    if found is not None:
        return found
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@functools.lru_cache(maxsize=4)
def _installed(folders: tuple[tuple[str, int], ...]) -> dict[str, str]:
    """Distribution versions by normalized name, first on sys.path first. Keyed by the
    folders' mtimes, which change when a package is installed or removed."""
    versions: dict[str, str] = {}
    for entry, _ in folders:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info"):
                distribution, _, version = folder.removesuffix(".dist-info").partition("-")
                versions.setdefault(_normalized(distribution), version)
    return versions


def _mtime(folder: str) -> int:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return -1


def _normalized(name: str) -> str:
    return name.replace("-", "_").replace(".", "_").lower()


def environment_key() -> str:
    """What, besides the lesson's own files, decides what a lesson prints and plots."""
    # runner.py runs the lesson; execute.py decides how (threads, timeouts, output limit);
    # model.py is the shape of the cached results.
    code = b"".join(
        (Path(__file__).parent / name).read_bytes() for name in ("runner.py", "execute.py", "model.py")
    )
    parts = [RUNNER_VERSION, CACHE_FORMAT, _sha(code), __version__, sys.version, platform.machine()]
    for package in ("torch", "matplotlib", "numpy"):
        parts.append(f"{package}=={package_version(package)}")
    return _sha("\n".join(parts).encode())


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(*parts: object) -> str:
    """sha256 over parts: bytes and str as they are, anything else by its pickle."""
    h = hashlib.sha256()
    for part in parts:
        data = (
            part
            if isinstance(part, bytes)
            else part.encode()
            if isinstance(part, str)
            else pickle.dumps(part, protocol=4)
        )
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def code_key() -> str:
    """The lessonpress code itself: a change to the engine invalidates parsed and rendered pages."""
    folder = Path(__file__).parent
    return digest(__version__, *((p.name, p.read_bytes()) for p in sorted(folder.glob("*.py"))))


class PageCache:
    """Rendered files per page, reused while the page's key (all its inputs) is unchanged."""

    def __init__(self, root: Path | None, enabled: bool = True) -> None:
        self.folder = root / CACHE_DIR / "pages" if root is not None and enabled else None
        self.code_key = code_key()
        folder = root / CACHE_DIR if root is not None and enabled else None
        self.highlights: TextMemo[str] = TextMemo(
            folder / "highlighted.pickle" if folder else None, f"pygments {package_version('pygments')}"
        )
        self.formulas: TextMemo[str] = TextMemo(
            folder / "mathml.pickle" if folder else None,
            f"latex2mathml {package_version('latex2mathml')}, text escaped, checked",
        )
        self.yaml: TextMemo[Any] = TextMemo(
            folder / "yaml.pickle" if folder else None, f"pyyaml {package_version('PyYAML')}"
        )
        self.link_scans: PageMemo[Any] = PageMemo(folder / "links.pickle" if folder else None, self.code_key)
        self.search_pages: PageMemo[bytes | None] = PageMemo(
            folder / "search-pages.pickle" if folder else None, self.code_key
        )

    def save_memos(self) -> None:
        """Write the highlighting, MathML and YAML memos, if they learned anything."""
        self.highlights.save()
        self.formulas.save()
        self.yaml.save()

    def get_or_make(self, name: str, key: str, make):  # type: ignore[no-untyped-def]
        """The cached files for `name` if `key` matches, else `make()` (then cached)."""
        path = self.folder / f"{name}.pickle" if self.folder else None
        if path is not None:
            try:
                stored_key, files = pickle.loads(path.read_bytes())
                if stored_key == key:
                    return files
            except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError):
                pass
        files = make()
        if path is not None:
            write_atomic(path, pickle.dumps((key, files), protocol=pickle.HIGHEST_PROTOCOL))
        return files


class TextMemo(Generic[V]):
    """A persistent memo of a pure text function (LaTeX -> MathML, code -> HTML, YAML -> data).

    Loaded on first use only, so a build that renders nothing never reads it.
    """

    def __init__(self, path: Path | None, version: str) -> None:
        self.path = path
        self.version = version
        self._data: dict[str, V] | None = None
        self._dirty = False

    def _entries(self) -> dict[str, V]:
        if self._data is None:
            self._data = {}
            if self.path is not None and self.path.is_file():
                try:
                    self._data = pickle.loads(self.path.read_bytes())
                except (OSError, pickle.UnpicklingError, EOFError, ValueError):
                    self._data = {}
        return self._data

    def get(self, text: str, make: Callable[[], V]) -> V:
        """`make()`, or its remembered result for the same `text` and library version."""
        key = digest(self.version, text)
        entries = self._entries()
        if key not in entries:
            entries[key] = make()
            self._dirty = True
        return entries[key]

    def save(self) -> None:
        if self._dirty and self.path is not None and self._data is not None:
            write_atomic(self.path, pickle.dumps(self._data, protocol=pickle.HIGHEST_PROTOCOL))
            self._dirty = False


class PageMemo(Generic[T]):
    """A persistent memo of a pure function of one page's bytes (the links and ids it holds).

    It keeps only the pages asked for by the last build that used it, so it never grows
    beyond one site's worth of entries however many edits are made.
    """

    def __init__(self, path: Path | None, version: str) -> None:
        self.path = path
        self.version = version
        self._old: dict[str, T] | None = None
        self._used: dict[str, T] = {}

    def get(self, data: bytes, make: Callable[[bytes], T]) -> T:
        """`make(data)`, or its remembered result for the same bytes and version."""
        if self._old is None:
            self._old = {}
            if self.path is not None and self.path.is_file():
                try:
                    self._old = pickle.loads(self.path.read_bytes())
                except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError):
                    self._old = {}
        key = digest(self.version, data)
        if key not in self._used:
            self._used[key] = self._old[key] if key in self._old else make(data)
        return self._used[key]

    def save(self) -> None:
        if self.path is not None and self._old is not None and self._used.keys() != self._old.keys():
            write_atomic(self.path, pickle.dumps(self._used, protocol=pickle.HIGHEST_PROTOCOL))


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary name, then rename: readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass(frozen=True)
class _Entry:
    key: str
    result: LessonResult
    digest: str  # of the result, so pages can key on it without pickling it again


class LessonCache:
    """One entry per lesson: its last result, valid while its inputs are unchanged."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = root
        self.folder = root / CACHE_DIR / "lessons"
        self.enabled = enabled
        self.env_key = environment_key()

    def key(self, lesson: Lesson) -> str:
        """The part of the key known before running: environment and source."""
        return _sha(f"{self.env_key}\n{lesson.src_path}\n{lesson.source}".encode())

    def _path(self, lesson_path: str) -> Path:
        return self.folder / (_sha(lesson_path.encode())[:24] + ".pickle")

    def _load(self, lesson_path: str) -> _Entry | None:
        try:
            entry = pickle.loads(self._path(lesson_path).read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None
        return entry if isinstance(entry, _Entry) and hasattr(entry, "digest") else None

    def lookup(self, lesson: Lesson) -> tuple[LessonResult, str] | None:
        """The cached result and its digest, if the lesson and everything it read are unchanged."""
        if not self.enabled:
            return None
        entry = self._load(lesson.src_path)
        if entry is None or entry.key != self.key(lesson):
            return None
        if any(self.file_hash(path) != digest for path, digest in entry.result.reads):
            return None
        return entry.result, entry.digest

    def file_hash(self, src_path: str) -> str:
        """sha256 of a project file, or 'missing'."""
        try:
            return _sha((self.root / src_path).read_bytes())
        except OSError:
            return "missing"

    def last_seconds(self, lesson_path: str) -> float | None:
        """How long the lesson took last time (for scheduling the longest first)."""
        entry = self._load(lesson_path)
        return entry.result.seconds if entry else None

    def store(self, lesson: Lesson, result: LessonResult) -> str:
        """Save a run atomically, unless it failed (crashed, timed out, raised where it should
        not): a failure is run again next time, since what it tripped over may be outside
        what the key can see (a file restored after it was missing). Return its digest."""
        result_digest = digest(result)
        if not result.failed:
            entry = _Entry(self.key(lesson), result, result_digest)
            write_atomic(self._path(lesson.src_path), pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
        return result_digest
