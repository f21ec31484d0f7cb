"""`lessonpress export`: the executed posts as plain Markdown, for GitHub or for a Hugo site."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..execute import RunOptions
from ..text import count
from .options import root_argument, run_options, the_root, use_cache
from .report import reported, run_counts, summary, waiting


@click.command()
@root_argument
@click.option(
    "--format",
    "flavour",
    type=click.Choice(["gfm", "hugo"]),
    required=True,
    help="gfm: Markdown GitHub shows (<slug>/README.md); hugo: page bundles for a Hugo site "
    "(content/posts/<slug>/index.md).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    callback=lambda ctx, param, value: value.expanduser() if value is not None else None,
    help="Where to write the Markdown [default: ROOT/export-gfm or ROOT/export-hugo]. It is "
    "replaced as a whole, so it must be an export lessonpress wrote, an empty folder, or a new one.",
)
@run_options
@click.pass_context
def export(
    ctx: click.Context,
    root_arg: Path | None,
    root: Path | None,
    flavour: str,
    out: Path | None,
    jobs: int,
    no_cache: bool,
    timeout: float | None,
    quiet: bool,
) -> None:
    """Run the lessons and write the published posts of ROOT as plain Markdown.

    Each post keeps its front matter; its lesson cells become code blocks followed by their
    output, its figures image files beside it, {value} roles the numbers, math stays
    $...$ and $$...$$ (escaped for Hugo's Markdown), and solutions, quizzes and admonitions
    become plain Markdown. Drafts are left out. --out is replaced in one step, and only when
    the whole export succeeded. See docs/export.md.
    """
    from ..export import export as run_export
    from ..progress import new_progress

    root = the_root(root_arg, root)
    out = out if out is not None else root / f"export-{flavour}"
    progress = new_progress(quiet)
    started = time.perf_counter()
    with reported(ctx, progress, unchanged="the export was not changed"):
        options = RunOptions(jobs, use_cache(root, no_cache), timeout)
        report = run_export(root, out, flavour, options, progress, waiting)
    summary(progress, quiet)
    seconds = time.perf_counter() - started
    click.echo(
        f"exported {count(report.posts, 'post')} as {flavour} Markdown into {out} in {seconds:.2f} s "
        + run_counts(report.execution, report.files_changed),
        err=True,
    )
