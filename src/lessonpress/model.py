"""Plain data passed between the pipeline stages: load -> parse -> execute -> render -> write."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Hashable
from typing import Any, TypeVar

# The references are at home in the document model; other stages import them from here too.
from .document import Document, Image, LessonRef, Node, Target, ValueRef, XRef

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class ModuleOutline:
    """One module of the series outline in site.yaml."""

    number: int
    title: str
    goal: str
    post_titles: tuple[str, ...]


# Characters no HTML page or feed may hold: C0 controls (but tab, newline and carriage
# return), DEL and the C1 controls. One set for lesson output, YAML text and alt text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

MAX_TIMEOUT = 7 * 24 * 3600.0  # seconds: a week; longer deadlines overflow the system's timers
FIGURE_FORMATS = ("png", "svg")  # site.yaml's `figure_format`; the first is the default


@dataclass(frozen=True)
class SiteConfig:
    """Settings from site.yaml (all optional: a bare folder still builds)."""

    title: str = "lessonpress site"
    author: str = ""
    description: str = ""
    base_url: str = "/"
    language: str = "en"
    modules: tuple[ModuleOutline, ...] = ()
    timeout: float = 600.0
    lesson_timeouts: tuple[tuple[str, float], ...] = ()
    solutions: str = "open"  # open (framed, labelled) or collapsed (a <details>): SOLUTIONS_CHOICES
    figure_format: str = "png"  # how lesson figures are captured and published: FIGURE_FORMATS


@dataclass(frozen=True)
class Cell:
    """A cell of a lesson script, between `# %%` lines (or a notebook lesson's code cell)."""

    name: str
    source: str
    line: int  # 1-based line in the lesson file of the cell's first source line
    header_line: int  # the `# %%` line, or 1 for the implicit setup cell
    expect_error: bool = False
    # The name its code is compiled under, beside the lesson, when the lesson file has no
    # lines of its own for it (an .ipynb's cell: 'nb.ipynb#train', lines counted from 1).
    file: str = ""

    def location(self, lesson_path: str) -> tuple[str, int]:
        """Where the author finds the cell: the lesson file and the header's line, or a
        notebook cell without lines of its own as `lessons/p/nb.ipynb#train` and line 1."""
        if self.file:
            return f"{lesson_path.rsplit('/', 1)[0]}/{self.file}", 1
        return lesson_path, self.header_line


@dataclass(frozen=True)
class Lesson:
    """A lesson script split into cells."""

    src_path: str  # relative to the project root, with forward slashes
    source: str
    cells: tuple[Cell, ...]

    def cell(self, name: str) -> Cell | None:
        """The cell called `name`, if any."""
        return next((c for c in self.cells if c.name == name), None)


@dataclass(frozen=True)
class PostSource:
    """A post file as read from disk."""

    slug: str
    src_path: str
    text: str


@dataclass(frozen=True)
class Project:
    """Everything `load` read: config, post sources, lessons, and where they live."""

    root: Path
    config: SiteConfig
    posts: tuple[PostSource, ...]
    lessons: dict[str, Lesson]
    template_dirs: tuple[Path, ...]


@dataclass(frozen=True)
class PostMeta:
    """Validated front matter."""

    title: str
    series: str | None
    date: dt.date | None
    summary: str
    tags: tuple[str, ...] = ()
    draft: bool = False  # built by `serve` (with a banner), never published by `build`


def lesson_name(lesson_path: str) -> str:
    """A lesson's path inside its post's folder: 'lessons/slug/x.py' -> 'x.py'."""
    return lesson_path.split("/", 2)[-1]


def script_name(name: str) -> str:
    """The name a lesson is published under as a script: a notebook lesson's (nb.ipynb,
    nb.md) is its percent script, nb.py, beside which its executed nb.ipynb is published."""
    return name if name.endswith(".py") else name.rsplit(".", 1)[0] + ".py"


@dataclass(frozen=True)
class ParsedPost:
    """A post after parsing: metadata, its document model and all its references."""

    source: PostSource
    # The rest is read from `source` by the parse code, so equality (and every cache key
    # made from a post, which includes the code's version) goes by the source alone.
    meta: PostMeta = field(compare=False)
    document: Document = field(compare=False)
    body_line: int = field(compare=False)  # lines before the body (front matter)
    lesson_refs: tuple[LessonRef, ...] = field(compare=False)
    value_refs: tuple[ValueRef, ...] = field(compare=False)
    # Cross-references: what other posts may name, and what this one names (kept apart from
    # the document, so that linking pages does not unpickle every post's document).
    targets: tuple[Target, ...] = field(default=(), compare=False)
    xrefs: tuple[XRef, ...] = field(default=(), compare=False)
    images: tuple[Image, ...] = field(default=(), compare=False)  # files beside the post it shows

    @property
    def tokens(self) -> tuple[Node, ...]:
        """The document's nodes, markdown-it's tokens as plain data."""
        return self.document.nodes

    @property
    def lesson_paths(self) -> tuple[str, ...]:
        """The lesson scripts this post needs, in first-use order."""
        paths = [r.lesson_path for r in self.lesson_refs] + [r.lesson_path for r in self.value_refs]
        return tuple(dict.fromkeys(paths))

    @property
    def download_names(self) -> dict[str, str]:
        """The name each lesson script is published under beside the page, no two alike.

        Its file name, or, where two of the post's lessons share one, its path under lessons/
        with '-' for '/'; should that clash too, lessons keeping their own file name come
        first: beside lessons/p/l.py, lessons/q/l.py wants q-l.py, which lessons/p/q-l.py
        keeps, so it gets q-l-2.py (see unique_names). A notebook lesson is published as
        its script (script_name) and, as every lesson, as an executed notebook.
        """
        names = [script_name(path.rsplit("/", 1)[-1]) for path in self.lesson_paths]
        wanted = {
            path: name if names.count(name) == 1 else script_name(path.removeprefix("lessons/").replace("/", "-"))
            for path, name in zip(self.lesson_paths, names, strict=True)
        }
        own_name_first = sorted(
            wanted.items(), key=lambda item: item[1] != script_name(item[0].rsplit("/", 1)[-1])
        )
        unique = unique_names(own_name_first)
        return {path: unique[path] for path in wanted}


@dataclass(frozen=True)
class Figure:
    """A figure captured from a lesson: PNG or SVG bytes, as `format` (FIGURE_FORMATS) says."""

    data: bytes
    width: int  # CSS pixels
    height: int
    alt: str
    format: str = "png"  # also the suffix of the file it is published as


@dataclass(frozen=True)
class CellError:
    """An exception raised by a cell, trimmed to the lesson's own frames."""

    type_name: str
    message: str
    traceback: str
    path: str  # project-relative path of the innermost lesson frame
    line: int


@dataclass(frozen=True)
class Display:
    """An object a cell showed in a form richer than its repr: a `display(obj)` call, or the
    value it ended on. `mime` is text/html, image/svg+xml, text/markdown, text/latex or
    image/png (base64); `text` is its plain repr (what a notebook falls back to)."""

    mime: str
    data: str
    text: str
    mathml: str = ""  # text/latex converted in the lesson's process (parse's checked MathML)


@dataclass(frozen=True)
class CellResult:
    """What one cell did: output in order, the value it ended on, figures, error, and what it
    showed in rich form (`displays`: its display() calls, then its value if that has one)."""

    name: str
    output: str
    display: str | None = None
    figures: tuple[Figure, ...] = ()
    error: CellError | None = None
    output_truncated: bool = False
    expect_error: bool = False
    displays: tuple[Display, ...] = ()

    @property
    def failed(self) -> bool:
        """Raised when it should not have, or did not raise when it should have."""
        return (self.error is not None) != self.expect_error


@dataclass(frozen=True)
class LessonResult:
    """A lesson's run: per-cell results, module-level values, time, and files it read."""

    lesson_path: str
    cells: tuple[CellResult, ...]
    values: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    reads: tuple[tuple[str, str], ...] = ()  # (project-relative path, sha256)
    failure: str | None = None  # crash, timeout: the lesson did not finish
    cpu_seconds: float = 0.0  # what the run cost, shown on the post (steadier than wall time)
    unquotable: dict[str, str] = field(default_factory=dict)  # other module-level names: type name

    @property
    def failed(self) -> bool:
        """Crashed, timed out, or a cell did not behave as tagged."""
        return self.failure is not None or any(cell.failed for cell in self.cells)

    def cell(self, name: str) -> CellResult | None:
        """The result of the cell called `name`, if it ran."""
        return next((c for c in self.cells if c.name == name), None)


@dataclass(frozen=True)
class OutputFile:
    """A file of the finished site, relative to the output folder."""

    dest_path: str
    data: bytes


def unique_names(wanted: list[tuple[K, str]]) -> dict[K, str]:
    """A file name for each key, no two alike (compared ignoring case, as macOS and Windows do).

    A key gets the name it wants unless an earlier key wants the same; then it gets the first
    of '<stem>-2<suffix>', '<stem>-3<suffix>', ... that no key wants and no key got.
    """
    taken = {name.casefold() for _, name in wanted}
    owner: dict[str, K] = {}
    names: dict[K, str] = {}
    for key, name in wanted:
        if key in names:
            continue
        if owner.setdefault(name.casefold(), key) == key:
            names[key] = name
            continue
        suffix = Path(name).suffix
        stem = name.removesuffix(suffix)
        number = 2
        while f"{stem}-{number}{suffix}".casefold() in taken:
            number += 1
        names[key] = f"{stem}-{number}{suffix}"
        taken.add(names[key].casefold())
    return names
