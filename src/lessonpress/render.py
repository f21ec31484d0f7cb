"""Stage 4: turn parsed posts and lesson results into the site's files (nothing is written yet)."""

from __future__ import annotations

import math
import platform
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    import jinja2

from markupsafe import Markup, escape

from . import __version__
from .cache import PageCache, TextMemo, digest, package_version, template_cache
from .errors import ContentError, Problem
from .load import THEME_DIR
from .model import (
    CellResult,
    Lesson,
    LessonRef,
    LessonResult,
    ModuleOutline,
    OutputFile,
    ParsedPost,
    Project,
    lesson_name,
    unique_names,
    SiteConfig,
    ValueRef,
    CONTROL_CHARACTERS,
)

WORDS_PER_MINUTE = 220

FigureKey = tuple[str, str, int]  # lesson path, cell name, figure number in the cell


@dataclass(frozen=True)
class NavLink:
    """A link to another post: its title and URL relative to the current page."""

    title: str
    url: str
    series: str | None


@dataclass(frozen=True)
class OutlineEntry:
    """One line of the series outline: a written post (with URL) or an upcoming title."""

    series: str
    title: str
    url: str | None
    summary: str = ""


@dataclass(frozen=True)
class OutlineModule:
    """A module of the outline as shown on the index."""

    number: int
    title: str
    goal: str
    entries: tuple[OutlineEntry, ...]


@dataclass(frozen=True)
class RenderContext:
    """What markdown render rules need to draw lesson cells and values for one post."""

    post: ParsedPost
    results: dict[str, LessonResult]
    lessons: dict[str, Lesson]
    cell_template: jinja2.Template
    figures: dict[str, bytes]  # file name beside the page -> PNG, filled while rendering
    downloads: dict[str, str]  # lesson path -> script name beside the page (ParsedPost.download_names)
    figure_names: dict[FigureKey, str]  # the file name of each figure the post shows
    highlights: TextMemo | None = None


def series_key(post: ParsedPost) -> tuple[int, int, str]:
    """Sort key: series posts in outline order, then the rest by date and slug."""
    if post.meta.series:
        module, number = post.meta.series.split(".")
        return (int(module), int(number), post.source.slug)
    date = post.meta.date.isoformat() if post.meta.date else "9999"
    return (10**6, 0, date + post.source.slug)


@dataclass(frozen=True)
class SiteInfo:
    """Site-wide template values: config, absolute URLs and the versions behind the outputs."""

    config: SiteConfig
    base_path: str  # the path part of base_url, for pages served at any URL (404)
    versions: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.config, name)


def site_info(config: SiteConfig) -> SiteInfo:
    """Template values shared by every page."""
    parts = [f"Python {platform.python_version()}"]
    for package in ("torch", "matplotlib"):
        version = package_version(package)
        if version:
            parts.append(f"{package} {version.split('+')[0]}")
    parts.append(f"lessonpress {__version__}")
    return SiteInfo(config, urlsplit(config.base_url).path or "/", ", ".join(parts))


def render_site(
    project: Project,
    posts: list[ParsedPost],
    results: dict[str, LessonResult],
    cache: PageCache | None = None,
    digests: dict[str, str] | None = None,
) -> list[OutputFile]:
    """Render every page, reusing a page whose inputs are all unchanged since the last build."""
    cache = cache or PageCache(None)
    digests = digests or {}
    site = site_info(project.config)
    ordered = sorted(posts, key=series_key)
    renderer = _LazyRenderer(project, site, cache)
    base = digest(cache.code_key, repr(project.config), site.versions, _templates_key(project))
    files: list[OutputFile] = []
    problems: list[Problem] = []
    for index, post in enumerate(ordered):
        key = digest(
            base,
            post.source.text,
            _neighbours(ordered, index),
            *(digest(project.lessons[p].source, digests.get(p) or results[p]) for p in post.lesson_paths),
        )
        try:
            files.extend(
                cache.get_or_make(
                    f"post-{post.source.slug}",
                    key,
                    lambda index=index: renderer.post(ordered, index, results),
                )
            )
            files.extend(lesson_downloads(project, post, cache))
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    key = digest(base, *(digest(p.source.slug, p.meta) for p in ordered))
    files.extend(cache.get_or_make("site", key, lambda: renderer.site_pages(ordered)))
    cache.save_memos()
    return files


def _templates_key(project: Project) -> str:
    return digest(
        *(
            (str(p), p.read_bytes())
            for d in project.template_dirs
            for p in sorted(d.rglob("*"))
            if p.is_file()
        )
    )


def _neighbours(ordered: list[ParsedPost], index: int) -> str:
    near = [ordered[i] for i in (index - 1, index + 1) if 0 <= i < len(ordered)]
    return repr([(p.source.slug, p.meta.title, p.meta.series) for p in near]) + str(index)


def import_renderers() -> None:
    """Import what rendering a page needs (run in a thread while lessons execute)."""
    import jinja2  # noqa: F401
    import jupytext  # noqa: F401
    import latex2mathml.converter  # noqa: F401
    import pygments.formatters.html
    import pygments.lexers.python  # noqa: F401

    from . import markdown  # noqa: F401


class _LazyRenderer:
    """Imports Jinja2, markdown-it and Pygments only when some page has to be rendered."""

    def __init__(self, project: Project, site: SiteInfo, cache: PageCache) -> None:
        self.project = project
        self.site = site
        self.cache = cache
        self._env: jinja2.Environment | None = None
        self._md: Any = None
        self._reserved: frozenset[str] | None = None

    def env(self) -> jinja2.Environment:
        if self._env is None:
            folder = self.cache.folder
            self._env = template_env(self.project, folder.parent / "templates" if folder else None)
        return self._env

    def md(self) -> Any:
        if self._md is None:
            from .markdown import new_markdown

            self._md = new_markdown()
            _add_rules(self._md)
        return self._md

    def reserved(self, page: str) -> frozenset[str]:
        """The ids the post templates use themselves, read once per build (about 9 ms)."""
        if self._reserved is None:
            with template_errors(page, "post.html"):
                self._reserved = template_ids(self.env(), ("post.html", "_cell.html"))
        return self._reserved

    def post(
        self, ordered: list[ParsedPost], index: int, results: dict[str, LessonResult]
    ) -> list[OutputFile]:
        from .parse import with_tokens

        post = with_tokens(ordered[index], self.project.lessons, self.cache.formulas, self.cache.yaml)
        reserved = self.reserved(f"posts/{post.source.slug}/index.html")
        return render_post(
            self.project,
            self.site,
            self.env(),
            self.md(),
            ordered,
            index,
            post,
            results,
            self.cache.highlights,
            reserved,
        )

    def site_pages(self, ordered: list[ParsedPost]) -> list[OutputFile]:
        env, project = self.env(), self.project
        files = [
            _render_template(
                env,
                "index.html",
                "index.html",
                site=self.site,
                root="",
                modules=outline(project, ordered, ""),
                other_posts=_others(project, ordered, ""),
                version=__version__,
            )
        ]
        files.extend(site_files(env, self.site, ordered))
        files.extend(static_files(project))
        return files


def site_files(env: jinja2.Environment, site: SiteInfo, ordered: list[ParsedPost]) -> list[OutputFile]:
    """The feed, the sitemap and the 404 page."""
    dated = sorted(
        (p for p in ordered if p.meta.date), key=lambda p: (p.meta.date, p.source.slug), reverse=True
    )
    updated = dated[0].meta.date if dated else None
    entries = [
        {"post": p.meta, "url": f"{site.base_url}posts/{p.source.slug}/", "id": _entry_id(site, p)}
        for p in dated
    ]
    return [
        _render_template(
            env, "feed.xml", "feed.xml", site=site, entries=entries, updated=updated, version=__version__
        ),
        _render_template(
            env,
            "sitemap.xml",
            "sitemap.xml",
            site=site,
            updated=updated,
            pages=[{"url": f"{site.base_url}posts/{p.source.slug}/", "date": p.meta.date} for p in ordered],
        ),
        _render_template(env, "404.html", "404.html", site=site, root=site.base_path, version=__version__),
    ]


def _entry_id(site: SiteInfo, post: ParsedPost) -> str:
    """An absolute IRI for the feed, even when base_url is a bare path."""
    url = f"{site.base_url}posts/{post.source.slug}/"
    return url if urlsplit(url).scheme else f"urn:lessonpress:post:{post.source.slug}"


def template_env(project: Project, compiled: Path | None = None) -> jinja2.Environment:
    """Jinja2 with autoescape; the project's templates/ override the default theme.

    `compiled` keeps compiled templates between builds (Jinja checks the sources' mtimes).
    """
    import jinja2

    loader = _utf8_loader(project.template_dirs)
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


def _render_template(env: jinja2.Environment, name: str, dest: str, **context: Any) -> OutputFile:
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
            try:
                return super().get_source(environment, template)
            except UnicodeDecodeError:
                raise _not_utf8(dirs, template) from None

    return Utf8Loader([str(d) for d in dirs])


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
    import jinja2

    what = f"template error while rendering {page}"
    try:
        yield
    except _TemplateNotUtf8 as exc:
        raise ContentError.at(
            _template_path(str(exc.path), None),
            exc.line,
            f"{what}: file is not UTF-8 text (byte 0x{exc.byte:02x}); save it as UTF-8",
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ContentError.at(
            _template_path(exc.filename, exc.name), exc.lineno or 1, f"{what}: {exc.message}"
        ) from None
    except _NamedTemplateMissing as exc:
        raise ContentError.at(exc.path, exc.line, f"{what}: {_not_found(exc.name)}") from None
    except jinja2.TemplateNotFound as exc:
        missing = _not_found(str(exc.name))
        raise ContentError.at(*_template_location(exc, name), f"{what}: {missing}") from None
    except jinja2.TemplateError as exc:
        raise ContentError.at(*_template_location(exc, name), f"{what}: {exc}") from None
    except Exception as exc:
        frame = _template_frame(exc)
        if frame is None or Path(frame[0]).resolve().is_relative_to(THEME_DIR.resolve()):
            raise
        path, line = frame
        raise ContentError.at(
            _template_path(path, None), line, f"{what}: {type(exc).__name__}: {exc}"
        ) from None


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


def render_post(
    project: Project,
    site: SiteInfo,
    env: jinja2.Environment,
    md: Any,
    ordered: list[ParsedPost],
    index: int,
    post: ParsedPost,
    results: dict[str, LessonResult],
    highlights: TextMemo | None = None,
    reserved: frozenset[str] | None = None,
) -> list[OutputFile]:
    """The page of one post (`post` is ordered[index] with its tokens), and the files beside it.

    `reserved`: the ids the templates use themselves (template_ids), which headings avoid.
    """
    slug = post.source.slug
    dest = f"posts/{slug}/index.html"
    downloads = post.download_names
    with template_errors(dest, "_cell.html"):
        if reserved is None:
            reserved = template_ids(env, ("post.html", "_cell.html"))
        post = replace(post, tokens=tuple(with_heading_ids(post.tokens, reserved, results)))
        context = RenderContext(
            post,
            results,
            project.lessons,
            env.get_template("_cell.html"),
            {},
            downloads,
            figure_names(post, results, downloads),
            highlights,
        )
        body = md.renderer.render(list(post.tokens), md.options, {"lessonpress": context})
    prev_post = ordered[index - 1] if index > 0 else None
    next_post = ordered[index + 1] if index + 1 < len(ordered) else None
    seconds = sum(results[p].cpu_seconds for p in post.lesson_paths if p in results)
    url = f"{site.base_url}posts/{slug}/"
    image = f"{url}{quote(next(iter(context.figures)))}" if context.figures else None
    page = _render_template(
        env,
        "post.html",
        dest,
        site=site,
        root="../../",
        url=url,
        image=image,
        post=post.meta,
        slug=slug,
        content=Markup(body),
        toc=table_of_contents(post, results),
        position=position(project.config.modules, post),
        reading_minutes=reading_minutes(body),
        prev=_nav(prev_post),
        next=_nav(next_post),
        lessons=_downloads(downloads),
        run_time=run_time(seconds) if post.lesson_paths else "",
        version=__version__,
    )
    figures = [OutputFile(f"posts/{slug}/{name}", data) for name, data in context.figures.items()]
    return [page, *figures]


def lesson_downloads(project: Project, post: ParsedPost, cache: PageCache) -> list[OutputFile]:
    """Each lesson of a post as its .py script and as a Jupyter notebook (cached by source)."""
    files = []
    for src_path, name in post.download_names.items():
        source = project.lessons[src_path].source
        files.append(OutputFile(f"posts/{post.source.slug}/{name}", source.encode("utf-8")))
        notebook = cache.get_or_make(
            f"notebook-{digest(src_path)[:24]}",
            digest(cache.code_key, source),
            lambda source=source: to_notebook(source).encode("utf-8"),
        )
        files.append(OutputFile(f"posts/{post.source.slug}/{Path(name).stem}.ipynb", notebook))
    return files


def to_notebook(source: str) -> str:
    """The script as a notebook with the same cells (Jupytext's percent format reader)."""
    import jupytext
    import nbformat

    notebook = jupytext.reads(source, fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    for index, cell in enumerate(notebook.cells):  # stable ids: same script, same notebook
        title = re.sub(r"[^A-Za-z0-9_-]", "-", str(cell.metadata.get("title", "cell")))
        cell.id = f"{index}-{title}"[:64]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(notebook) + "\n"


_RUN_TIME_STEPS = (20, 60, 300, 1200)


def run_time(seconds: float) -> str:
    """A coarse description of the lessons' CPU time ('under 20 s').

    Two clean builds must give the same page, but a measured time is not the same twice:
    on these machines the same lessons measured up to a third apart an hour later. So the
    steps are few and far apart, and the first sits well above what a post's lessons take
    when they "finish in seconds", as teaching code should (finer steps at 1, 3 and 10 s
    made the batch-size post flip between "under 10 s" and "under 30 s").
    """
    for step in _RUN_TIME_STEPS:
        if seconds < step:
            return f"under {step} s" if step < 60 else f"under {step // 60} min"
    return "over 20 min"


def _nav(post: ParsedPost | None) -> NavLink | None:
    if post is None:
        return None
    return NavLink(post.meta.title, f"../{post.source.slug}/", post.meta.series)


def _downloads(downloads: dict[str, str]) -> list[tuple[str, str]]:
    return [(name, Path(name).stem + ".ipynb") for name in downloads.values()]


def figure_names(
    post: ParsedPost, results: dict[str, LessonResult], downloads: dict[str, str]
) -> dict[FigureKey, str]:
    """The file name of every figure the post's lesson cells draw, no two alike.

    '<script stem>-<cell>-<number>.png' unless an earlier figure of the post has that name
    (l.py#a-b and l-a.py#b both want l-a-b-1.png).
    """
    wanted: list[tuple[FigureKey, str]] = []
    for ref in post.lesson_refs:
        result = results.get(ref.lesson_path)
        if result is None:
            continue
        cell = result.cell(ref.cell_name) if ref.cell_name else None
        cells = result.cells if ref.cell_name is None else (cell,) if cell else ()
        stem = downloads[ref.lesson_path].removesuffix(".py")
        for cell in cells:
            for number in range(1, len(cell.figures) + 1):
                wanted.append(((ref.lesson_path, cell.name, number), f"{stem}-{cell.name}-{number}.png"))
    return unique_names(wanted)


def position(modules: tuple[ModuleOutline, ...], post: ParsedPost) -> str:
    """'Module 1 · Post 2 of 6', or '' for a post outside the outline."""
    if not post.meta.series:
        return ""
    module, number = (int(x) for x in post.meta.series.split("."))
    if module <= len(modules):
        return f"Module {module} · Post {number} of {len(modules[module - 1].post_titles)}"
    return f"Module {module} · Post {number}"


def reading_minutes(html: str) -> int:
    """Minutes to read the prose and glance at the code."""
    words = len(re.sub(r"<[^>]+>", " ", html).split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def table_of_contents(post: ParsedPost, results: dict[str, LessonResult]) -> list[tuple[int, str, str]]:
    """(level, id, text) of every h2/h3, from the ids `with_heading_ids` gave them."""
    toc = []
    tokens = post.tokens
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3") and token.attrs.get("id"):
            kinds = ("text", "code_inline", "math_inline", "myst_role")
            text = _heading_title(tokens[index + 1].children or [], kinds, results)
            toc.append((int(token.tag[1]), str(token.attrs["id"]), text.strip()))
    return toc


def _heading_title(children: list[Any], kinds: tuple[str, ...], results: dict[str, LessonResult]) -> str:
    """The text of a heading's inline tokens of the `kinds` given, a {value} as the page shows it."""
    return "".join(
        value_text(child.meta["ref"], results) if child.type == "myst_role" else child.content
        for child in _heading_text(children)
        if child.type in kinds
    )


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


def with_heading_ids(
    tokens: tuple[Any, ...], reserved: frozenset[str], results: dict[str, LessonResult]
) -> list[Any]:
    """The tokens with each h2/h3 (and its '#' permalink) given an id from its text (a {value}
    as the page shows it), slugified as the anchors plugin does, but never empty ('section'
    for '## ?!?') and never one of the page template's own ids (`reserved`) or an earlier
    heading's: those get '-1', '-2', ...
    Changed tokens are copies: the post's own tokens are left as they are."""
    from mdit_py_plugins.anchors.index import slugify

    taken = set(reserved)
    tried: dict[str, int] = {}
    out = list(tokens)
    for index, token in enumerate(tokens[:-1]):
        if token.type != "heading_open" or token.tag not in ("h2", "h3"):
            continue
        inline = tokens[index + 1]
        children = inline.children or []
        title = _heading_title(children, ("text", "code_inline", "myst_role"), results)
        slug = _unique_id(slugify(title) or "section", taken, tried)
        out[index] = token.copy(attrs={**token.attrs, "id": slug})
        out[index + 1] = inline.copy(children=[_with_href(c, slug) for c in children])
    return out


def _unique_id(base: str, taken: set[str], tried: dict[str, int]) -> str:
    """`base`, or the first of `base-1`, `base-2`, ... not in `taken`; added to `taken`.

    `tried` remembers, per base, the number to try next: what was taken stays taken, so the
    search resumes there, and 20,000 headings 'Loss' cost 20,000 steps, not 200 million.
    """
    number = tried.get(base, 0)
    slug = f"{base}-{number}" if number else base
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    tried[base] = number + 1
    taken.add(slug)
    return slug


def _heading_text(children: list[Any]) -> list[Any]:
    """A heading's inline tokens without the ' #' permalink the anchors plugin added."""
    for index, child in enumerate(children):
        if child.type == "link_open" and child.attrGet("class") == "header-anchor":
            before = children[:index]
            space = before and before[-1].type == "text" and before[-1].content == " "
            return before[:-1] if space else before
    return children


def _with_href(child: Any, slug: str) -> Any:
    if child.type == "link_open" and child.attrGet("class") == "header-anchor":
        return child.copy(attrs={**child.attrs, "href": f"#{slug}"})
    return child


def outline(project: Project, ordered: list[ParsedPost], root: str) -> list[OutlineModule]:
    """The series outline with written posts linked and the rest marked upcoming."""
    written = {p.meta.series: p for p in ordered if p.meta.series}
    modules = []
    for module in project.config.modules:
        entries = []
        for number, title in enumerate(module.post_titles, start=1):
            series = f"{module.number}.{number}"
            post = written.get(series)
            entries.append(
                OutlineEntry(
                    series,
                    post.meta.title if post else title,
                    f"{root}posts/{post.source.slug}/" if post else None,
                    post.meta.summary if post else "",
                )
            )
        modules.append(OutlineModule(module.number, module.title, module.goal, tuple(entries)))
    return modules


def _others(project: Project, ordered: list[ParsedPost], root: str) -> list[OutlineEntry]:
    """Posts not placed by the outline (no series number, or beyond the outline)."""
    placed = {f"{m.number}.{i}" for m in project.config.modules for i in range(1, len(m.post_titles) + 1)}
    return [
        OutlineEntry(p.meta.series or "", p.meta.title, f"{root}posts/{p.source.slug}/", p.meta.summary)
        for p in ordered
        if p.meta.series not in placed
    ]


def static_files(project: Project) -> list[OutputFile]:
    """Theme assets (CSS, JavaScript) and the Pygments stylesheets."""
    from pygments.formatters import HtmlFormatter

    files = {}
    for folder in reversed(project.template_dirs):
        assets = folder / "assets"
        for path in sorted(assets.rglob("*")) if assets.is_dir() else []:
            if path.is_file():
                files[f"assets/{path.relative_to(assets).as_posix()}"] = path.read_bytes()
    # Light colours only: style.css sets its own contrast-checked code colours for the dark theme.
    files["assets/pygments.css"] = (
        HtmlFormatter(style="default").get_style_defs(".highlight") + "\n"
    ).encode()
    return [OutputFile(dest, data) for dest, data in sorted(files.items())]


# ---------------------------------------------------------------- markdown render rules


def _add_rules(md: Any) -> None:
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_fence)
    md.add_render_rule("myst_role", _render_value)
    for name in ("math_inline", "math_inline_double", "math_block", "math_block_label"):
        md.add_render_rule(name, _render_math)


def highlight(code: str, language: str, memo: TextMemo | None = None) -> str:
    """Static syntax highlighting with Pygments (no JavaScript), remembered across builds."""
    if memo is not None:
        return memo.get(f"{language}\n{code}", lambda: highlight(code, language))
    from pygments import highlight as pygments_highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    html = pygments_highlight(code, lexer, HtmlFormatter(cssclass="highlight", wrapcode=True))
    return html.replace("<pre>", '<pre tabindex="0">', 1)  # a scrolling box must take keyboard focus


def _render_fence(self: Any, tokens: list[Any], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    ref = token.meta.get("ref")
    if ref is None:
        language = token.info.strip().split()[0] if token.info.strip() else ""
        memo = env["lessonpress"].highlights
        return f'<div class="code-block">{highlight(token.content, language, memo)}</div>\n'
    return render_lesson_ref(env["lessonpress"], ref)


def _render_math(self: Any, tokens: list[Any], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    mathml = token.meta.get("mathml", "")
    if token.type.startswith("math_block"):
        return f'<div class="math-display" tabindex="0">{mathml}</div>\n'
    return mathml


def _render_value(self: Any, tokens: list[Any], idx: int, options: Any, env: dict[str, Any]) -> str:
    ref = tokens[idx].meta["ref"]
    return f'<span class="lesson-value">{escape(value_text(ref, env["lessonpress"].results))}</span>'


def value_text(ref: ValueRef, results: dict[str, LessonResult]) -> str:
    """What a {value} role shows: the lesson's value in the role's format spec."""
    return format_value(results[ref.lesson_path].values[ref.name], ref.spec)


def format_value(value: Any, spec: str) -> str:
    """A quoted value in its format spec; a list gets the spec on each item ("[0.52, 0.31]")."""
    if isinstance(value, list) and spec:
        return "[" + ", ".join(format_value(item, spec) for item in value) + "]"
    return format(value, spec)


def render_lesson_ref(context: RenderContext, ref: LessonRef) -> str:
    """A cell (or whole script): highlighted code, then output, value, figures, error."""
    result = context.results[ref.lesson_path]
    lesson = lesson_name(ref.lesson_path)
    source = context.lessons[ref.lesson_path]
    if ref.cell_name is None:
        cells = list(result.cells)
        code = source.source
    else:
        cell = result.cell(ref.cell_name)
        cells = [cell] if cell else []
        code = source.cell(ref.cell_name).source  # type: ignore[union-attr]
    download = context.downloads[ref.lesson_path]  # the script is published beside the page
    figures = []
    for cell in cells:
        for number, figure in enumerate(cell.figures, start=1):
            name = context.figure_names[(ref.lesson_path, cell.name, number)]
            context.figures[name] = figure.png
            figures.append((name, figure))
    shown = [
        {
            "src": name,
            "width": fig.width,
            "height": fig.height,
            # From the post or the figure's own labels: either may hold control characters.
            "alt": CONTROL_CHARACTERS.sub("", _pick(ref.alts, i, fig.alt)),
            "caption": CONTROL_CHARACTERS.sub("", _pick(ref.captions, i, "")),
        }
        for i, (name, fig) in enumerate(figures)
    ]
    return context.cell_template.render(
        ref=ref,
        lesson=lesson,
        download=download,
        cell_name=ref.cell_name,
        code=Markup(highlight(code.strip("\n") + "\n", "python", context.highlights))
        if ref.show != "output"
        else None,
        outputs=_outputs(cells) if ref.show != "code" else [],
        figures=shown if ref.show != "code" else [],
    )


def _outputs(cells: list[CellResult]) -> list[dict[str, Any]]:
    outputs = []
    for cell in cells:
        if cell.output:
            outputs.append(
                {"kind": "output", "text": cell.output.rstrip("\n"), "truncated": cell.output_truncated}
            )
        if cell.display is not None:
            outputs.append({"kind": "display", "text": cell.display, "truncated": False})
        if cell.error is not None:
            outputs.append({"kind": "error", "text": cell.error.traceback.rstrip("\n"), "truncated": False})
    return outputs


def _pick(values: tuple[str, ...], index: int, default: str) -> str:
    return values[index] if index < len(values) else default
