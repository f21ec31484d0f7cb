"""One post's page: its body, table of contents, figures and the facts around it."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from markupsafe import Markup

from .. import __version__
from ..document import Document, solution_id
from ..errors import ContentError
from ..store import TextMemo
from ..model import LessonResult, ModuleOutline, OutputFile, ParsedPost, unique_names
from .body import body_html
from .environment import render_template, template_errors
from .headings import heading_ids, table_of_contents
from .inputs import PageInputs
from .media import clash_problems
from .refs import label_clashes
from .rules import Drawing, FigureKey, shown_cells

if TYPE_CHECKING:
    import jinja2

WORDS_PER_MINUTE = 220
_RUN_TIME_STEPS = (20, 60, 300, 1200)


def render_post(
    inputs: PageInputs, env: jinja2.Environment, reserved: frozenset[str], highlights: TextMemo | None = None
) -> list[OutputFile]:
    """The page of one post, and the figures beside it.

    `reserved`: the ids the templates use themselves (template_ids), which headings avoid.
    """
    post = inputs.post
    dest = f"posts/{post.source.slug}/index.html"
    results = {run.lesson.src_path: run.result for run in inputs.runs}
    downloads = post.download_names
    names = figure_names(post, results, downloads)
    solutions = inputs.site.solutions
    reserved |= solution_ids(post.document, solutions)
    if clashes := clash_problems(post, [*names.values(), *downloads.values()]) + label_clashes(post, reserved):
        raise ContentError(clashes)
    with template_errors(dest, "_cell.html"):
        ids = heading_ids(post.document, reserved, results)
        lessons = {run.lesson.src_path: run.lesson for run in inputs.runs}
        drawing = Drawing(
            results, lessons, env.get_template("_cell.html"), downloads, names, highlights, solutions,
            {found.ref: found for found in inputs.refs},
        )
        body = body_html(post.document, ids, drawing)
    figures = page_figures(post, results, names)
    preview = next((name for name in figures if not name.endswith(".svg")), None)  # link previews show no SVG
    page = _page(inputs, env, dest, body, table_of_contents(post.document, ids, results), preview)
    figures.update({media.path: media.data for media in inputs.media})
    return [page, *(OutputFile(f"posts/{post.source.slug}/{name}", data) for name, data in figures.items())]


def _page(
    inputs: PageInputs,
    env: jinja2.Environment,
    dest: str,
    body: str,
    toc: list[tuple[int, str, str]],
    figure: str | None,
) -> OutputFile:
    """The post's page around its `body`; `figure`, its first, is its image for link previews."""
    post, site = inputs.post, inputs.site
    url = f"{site.base_url}posts/{post.source.slug}/"
    seconds = sum(run.result.cpu_seconds for run in inputs.runs)
    return render_template(
        env,
        "post.html",
        dest,
        site=site,
        root="../../",
        url=url,
        image=f"{url}{quote(figure)}" if figure else None,
        post=post.meta,
        slug=post.source.slug,
        content=Markup(body),
        toc=toc,
        position=position(site.modules, post),
        reading_minutes=reading_minutes(body),
        prev=inputs.prev,
        next=inputs.next,
        lessons=[(name, Path(name).stem + ".ipynb") for name in post.download_names.values()],
        run_time=run_time(seconds) if post.lesson_paths else "",
        version=__version__,
    )


def solution_ids(document: Document, solutions: str) -> frozenset[str]:
    """The ids of the post's open solutions' headings, which its section headings avoid."""
    if solutions == "collapsed":
        return frozenset()
    return frozenset(solution_id(n) for n in document.nodes if n.type == "container_solution_open")


def figure_names(
    post: ParsedPost, results: dict[str, LessonResult], downloads: dict[str, str]
) -> dict[FigureKey, str]:
    """The file name of every figure the post's lesson cells draw, no two alike.

    '<script stem>-<cell>-<number>.png' (or .svg, as the figure was saved) unless an earlier
    figure of the post has that name (l.py#a-b and l-a.py#b both want l-a-b-1.png).
    """
    wanted: list[tuple[FigureKey, str]] = []
    for ref in post.lesson_refs:
        result = results.get(ref.lesson_path)
        if result is None:
            continue
        stem = downloads[ref.lesson_path].removesuffix(".py")
        for cell in shown_cells(ref, result):
            for number, figure in enumerate(cell.figures, start=1):
                name = f"{stem}-{cell.name}-{number}.{figure.format}"
                wanted.append(((ref.lesson_path, cell.name, number), name))
    return unique_names(wanted)


def page_figures(
    post: ParsedPost, results: dict[str, LessonResult], names: dict[FigureKey, str]
) -> dict[str, bytes]:
    """The figures published beside the page, by file name, in the order the page shows them
    (every figure of a shown cell, even where only its code is shown)."""
    figures: dict[str, bytes] = {}
    for ref in post.lesson_refs:
        for cell in shown_cells(ref, results[ref.lesson_path]):
            for number, figure in enumerate(cell.figures, start=1):
                figures[names[(ref.lesson_path, cell.name, number)]] = figure.data
    return figures


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
