"""Stage 4: turn parsed posts and lesson results into the site's files (nothing is written yet)."""

from __future__ import annotations

import math
import platform
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import jinja2

from markupsafe import Markup, escape

from . import __version__
from .cache import PageCache, TextMemo, digest, package_version
from .errors import ContentError, Problem
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
    SiteConfig,
)

WORDS_PER_MINUTE = 220


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

    def post(
        self, ordered: list[ParsedPost], index: int, results: dict[str, LessonResult]
    ) -> list[OutputFile]:
        from .parse import with_tokens

        post = with_tokens(ordered[index], self.project.lessons, self.cache.formulas, self.cache.yaml)
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

    loader = jinja2.FileSystemLoader([str(d) for d in project.template_dirs])
    bytecode = None
    if compiled is not None:
        compiled.mkdir(parents=True, exist_ok=True)
        bytecode = jinja2.FileSystemBytecodeCache(str(compiled))
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
    import jinja2

    try:
        template = env.get_template(name)
        html = template.render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise ContentError.at(
            _template_path(exc.filename, exc.name), exc.lineno, f"template error: {exc.message}"
        ) from None
    except jinja2.TemplateError as exc:
        raise ContentError.at(*_template_location(exc, name), f"template error: {exc}") from None
    return OutputFile(dest, html.encode("utf-8"))


def _template_path(filename: str | None, name: str | None) -> str:
    if filename:
        parts = Path(filename).parts
        if "templates" in parts:
            return "/".join(parts[parts.index("templates") :])
        return filename
    return f"templates/{name}"


def _template_location(exc: BaseException, name: str) -> tuple[str, int]:
    """The innermost template frame of a runtime template error."""
    tb = exc.__traceback__
    location = (f"templates/{name}", 1)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml")):
            location = (_template_path(filename, None), tb.tb_lineno)
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
) -> list[OutputFile]:
    """The page of one post (`post` is ordered[index] with its tokens), and the files beside it."""
    slug = post.source.slug
    context = RenderContext(post, results, project.lessons, env.get_template("_cell.html"), {}, highlights)
    body = md.renderer.render(list(post.tokens), md.options, {"lessonpress": context})
    prev_post = ordered[index - 1] if index > 0 else None
    next_post = ordered[index + 1] if index + 1 < len(ordered) else None
    seconds = sum(results[p].cpu_seconds for p in post.lesson_paths if p in results)
    url = f"{site.base_url}posts/{slug}/"
    image = f"{url}{next(iter(context.figures))}" if context.figures else None
    page = _render_template(
        env,
        "post.html",
        f"posts/{slug}/index.html",
        site=site,
        root="../../",
        url=url,
        image=image,
        post=post.meta,
        slug=slug,
        content=Markup(body),
        toc=table_of_contents(post),
        position=position(project.config.modules, post),
        reading_minutes=reading_minutes(body),
        prev=_nav(prev_post),
        next=_nav(next_post),
        lessons=_downloads(post),
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


def _downloads(post: ParsedPost) -> list[tuple[str, str]]:
    return [(name, Path(name).stem + ".ipynb") for name in post.download_names.values()]


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


def table_of_contents(post: ParsedPost) -> list[tuple[int, str, str]]:
    """(level, id, text) of every h2/h3, from the ids the anchors plugin gave them."""
    toc = []
    tokens = post.tokens
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3") and token.attrs.get("id"):
            text = "".join(
                child.content
                for child in (tokens[index + 1].children or [])
                if child.type in ("text", "code_inline", "math_inline")
            )
            toc.append((int(token.tag[1]), str(token.attrs["id"]), text))
    return toc


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
    value = env["lessonpress"].results[ref.lesson_path].values[ref.name]
    return f'<span class="lesson-value">{escape(format_value(value, ref.spec))}</span>'


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
    download = context.post.download_names[ref.lesson_path]  # the script is published beside the page
    figures = []
    for cell in cells:
        for number, figure in enumerate(cell.figures, start=1):
            name = f"{download.removesuffix('.py')}-{cell.name}-{number}.png"
            context.figures[name] = figure.png
            figures.append((name, figure))
    shown = [
        {
            "src": name,
            "width": fig.width,
            "height": fig.height,
            "alt": _pick(ref.alts, i, fig.alt),
            "caption": _pick(ref.captions, i, ""),
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
