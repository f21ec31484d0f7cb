"""The Jinja environment: templates from the project over the default theme, compiled once
and kept between builds, and every template problem reported at its file and line."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..store import Store
from ..errors import ContentError
from ..load import THEME_DIR
from ..model import OutputFile

if TYPE_CHECKING:
    import jinja2
    import jinja2.bccache


def template_env(dirs: tuple[Path, ...], compiled: Path | None = None) -> jinja2.Environment:
    """Jinja2 with autoescape; templates are looked up in `dirs` in order (the project's
    templates/ before the default theme).

    `compiled` keeps compiled templates between builds (Jinja checks the sources' mtimes).
    """
    import jinja2

    loader = _utf8_loader(dirs)
    bytecode = template_cache(compiled) if compiled is not None else None
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=bytecode,
    )
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    env.filters["longdate"] = lambda d: f"{d:%B} {d.day}, {d.year}" if d else ""
    return env


def render_template(env: jinja2.Environment, name: str, dest: str, **context: Any) -> OutputFile:
    """The file `dest`: the template `name` rendered with `context` (its errors reported as template_errors does)."""
    with template_errors(dest, name):
        html = env.get_template(name).render(**context)
    return OutputFile(dest, html.encode("utf-8"))


class _TemplateNotUtf8(Exception):
    """A template file with bytes that are not UTF-8 (raised by the loader, reported as a Problem)."""

    def __init__(self, path: Path, line: int, byte: int) -> None:
        super().__init__(f"{path}:{line}: byte 0x{byte:02x}")
        self.path = path
        self.line = line
        self.byte = byte


def _utf8_loader(dirs: tuple[Path, ...]) -> jinja2.BaseLoader:
    """Jinja's file loader, reporting a template that is not UTF-8 with its file and line."""
    import jinja2

    class Utf8Loader(jinja2.FileSystemLoader):
        def get_source(
            self, environment: jinja2.Environment, template: str
        ) -> tuple[str, str, Callable[[], bool]]:
            _refuse_non_file(dirs, template)
            try:
                return super().get_source(environment, template)
            except UnicodeDecodeError:
                raise _not_utf8(dirs, template) from None

    return Utf8Loader([str(d) for d in dirs])


def _refuse_non_file(dirs: tuple[Path, ...], template: str) -> None:
    """A folder, FIFO or device where the project's template belongs is an error at its path:
    Jinja would pass it by and quietly use the default theme's."""
    import jinja2

    for folder in dirs:
        path = folder / template
        if os.path.lexists(path) and not path.is_file():
            where = _template_path(str(path), template)
            kind = "a folder" if path.is_dir() else "not a regular file"
            raise jinja2.TemplateError(f"{where} is {kind}: a template must be a text file")
        if path.is_file():
            return


def _not_utf8(dirs: tuple[Path, ...], template: str) -> Exception:
    """Where the template `template` (the first found in `dirs`, as Jinja looks) stops being UTF-8."""
    path = next((d / template for d in dirs if (d / template).is_file()), None)
    if path is None:
        return UnicodeError(f"template {template} could not be decoded")
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _TemplateNotUtf8(path, data[: exc.start].count(b"\n") + 1, data[exc.start])
    return UnicodeError(f"template {path} could not be decoded")


@contextmanager
def template_errors(page: str, name: str) -> Iterator[None]:
    """Report a problem in a template as a ContentError at the template's file and line, naming
    the page being rendered: a syntax error, an undefined name, a file that is not UTF-8, or an
    exception raised by the template's own code (`{{ 1/0 }}`). An exception with no frame in a
    template, or one in the default theme, is left alone: that is a lessonpress bug."""
    try:
        yield
    except Exception as exc:
        problem = _template_problem(exc, f"template error while rendering {page}", name)
        if problem is None:
            raise
        raise problem from None


def _template_problem(exc: Exception, what: str, name: str) -> ContentError | None:
    """`exc`, raised while rendering with the template `name`, as the author's problem (or None)."""
    import jinja2

    if isinstance(exc, _TemplateNotUtf8):
        return ContentError.at(
            _template_path(str(exc.path), None),
            exc.line,
            f"{what}: file is not UTF-8 text (byte 0x{exc.byte:02x}); save it as UTF-8",
        )
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return ContentError.at(
            _template_path(exc.filename, exc.name), exc.lineno or 1, f"{what}: {exc.message}"
        )
    if isinstance(exc, _NamedTemplateMissing):
        return ContentError.at(exc.path, exc.line, f"{what}: {_not_found(exc.name)}")
    if isinstance(exc, jinja2.TemplateNotFound):
        return ContentError.at(*_template_location(exc, name), f"{what}: {_not_found(str(exc.name))}")
    if isinstance(exc, jinja2.TemplateError):
        return ContentError.at(*_template_location(exc, name), f"{what}: {exc}")
    frame = _template_frame(exc)
    if frame is None or Path(frame[0]).resolve().is_relative_to(THEME_DIR.resolve()):
        return None
    path, line = frame
    return ContentError.at(_template_path(path, None), line, f"{what}: {type(exc).__name__}: {exc}")


def _template_path(filename: str | None, name: str | None) -> str:
    if filename:
        parts = Path(filename).parts
        if "templates" in parts:
            return "/".join(parts[parts.index("templates") :])
        return filename
    return f"templates/{name}"


def _template_location(exc: BaseException, name: str) -> tuple[str, int]:
    """The innermost template frame of a runtime template error."""
    frame = _template_frame(exc)
    return (_template_path(frame[0], None), frame[1]) if frame else (f"templates/{name}", 1)


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The file and line of the innermost template frame in the traceback of `exc`, if any.

    Jinja rewrites the traceback of any exception raised while rendering so that template
    code shows as frames of the template file, named 'template', 'top-level template code'
    or "block 'name'".
    """
    tb = exc.__traceback__
    location = None
    while tb is not None:
        code = tb.tb_frame.f_code
        template = code.co_name in ("template", "top-level template code") or code.co_name.startswith(
            "block "
        )
        if code.co_filename.endswith((".html", ".xml")) or (
            template and not code.co_filename.endswith(".py")
        ):
            location = (code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return location


_ID_ATTRIBUTE = re.compile(r"""\bid\s*=\s*(?:"([^"{}<>]+)"|'([^'{}<>]+)')""")


_REFERENCED = re.compile(r"""\{%-?\s*(?:extends|include|import|from)\s+["']([^"']+)["']""")


def template_ids(env: jinja2.Environment, names: tuple[str, ...]) -> frozenset[str]:
    """The fixed ids (`id="main"`) in the templates `names` and those they extend or include
    (found by name in their source: parsing them with Jinja costs about 9 ms a build).
    A missing one is a ContentError at the line that names it."""
    import jinja2

    ids: set[str] = set()
    todo: list[tuple[str, tuple[str, int] | None]] = [(name, None) for name in names]
    seen: set[str] = set()
    while todo:
        name, named_at = todo.pop()
        if name in seen or env.loader is None:
            continue
        seen.add(name)
        try:
            source, path, _ = env.loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            if named_at is None:
                raise
            raise _NamedTemplateMissing(name, *named_at) from None
        ids.update(a or b for a, b in _ID_ATTRIBUTE.findall(source))
        where = _template_path(path, name)
        todo.extend(
            (m.group(1), (where, source.count("\n", 0, m.start()) + 1)) for m in _REFERENCED.finditer(source)
        )
    return frozenset(ids)


class _NamedTemplateMissing(Exception):
    """A template that another names (`{% include 'x.html' %}` at `path`:`line`) is missing."""

    def __init__(self, name: str, path: str, line: int) -> None:
        super().__init__(f"{path}:{line}: {name} not found")
        self.name = name
        self.path = path
        self.line = line


def _not_found(name: str) -> str:
    return (
        f"templates/{name} not found, neither in the project's templates/ nor in the default theme: "
        "create it, or fix the name"
    )


def template_cache(folder: Path) -> jinja2.BytecodeCache:
    """Jinja's compiled templates in `folder`, stored through a Store like every other entry
    (Jinja's own FileSystemBytecodeCache raises on some damaged files)."""
    import jinja2

    store = Store(folder)

    class TemplateCache(jinja2.BytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            data = store.get(bucket.key, bytes)
            try:  # Jinja checks its own and Python's versions, and raises on damaged data
                if data is not None:
                    bucket.bytecode_from_string(data)
            except Exception:
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            store.put(bucket.key, bucket.bytecode_to_string())

    return TemplateCache()
