"""The `lessonpress` command line."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from .. import __version__
from ..errors import ContentError
from ..execute import RunOptions
from ..text import count
from .options import out_option, root_argument, root_option, run_options, the_root, use_cache
from .report import print_warnings, reported, run_counts, say, summary, waiting


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lessonpress")
@click.option("--debug", is_flag=True, help="Show lessonpress's own traceback on internal errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Build a static blog whose posts show lessons that really ran.

    Posts are Markdown files in posts/; the code they show lives in lesson scripts in
    lessons/<slug>/, which are executed at build time. See docs/authoring.md.
    """
    ctx.obj = {"debug": debug}


@main.command()
@root_argument
@out_option
@click.option(
    "--post",
    "only",
    metavar="SLUG",
    help="Build one post quickly: run only its lessons (by slug, posts/SLUG.md or series number).",
)
@run_options
@click.pass_context
def build(
    ctx: click.Context,
    root_arg: Path | None,
    root: Path | None,
    out: Path | None,
    only: str | None,
    jobs: int,
    no_cache: bool,
    timeout: float | None,
    quiet: bool,
) -> None:
    """Run the lessons and render the posts of ROOT (default: here) into a static site.

    Unchanged lessons come from the cache (.lessonpress-cache/). The previous site in --out
    is replaced in one step, and only when the whole build succeeded. With --post, only that
    post's lessons run; the other posts are rendered from the cache or keep their pages as
    last built.
    """
    from ..build import build as run_build
    from ..progress import new_progress

    root = the_root(root_arg, root)
    out = out if out is not None else root / "site"
    progress = new_progress(quiet)
    started = time.perf_counter()
    with reported(ctx, progress):
        options = RunOptions(jobs, use_cache(root, no_cache), timeout)
        report = run_build(root, out, options, progress, waiting, only=only)
    print_warnings(report.warnings)
    summary(progress, quiet)
    if report.kept:
        others = count(len(report.kept), "other post")
        click.echo(f"kept the pages of {others} as last built: their lessons have no cached results (a full build runs them)", err=True)
    if report.left_out:
        listed = ", ".join(f"posts/{slug}.md" for slug in report.left_out)
        click.echo(f"left out {listed}: never built; a build without --post runs their lessons", err=True)
    seconds = time.perf_counter() - started
    click.echo(
        f"built {count(report.posts, 'post')} into {out} in {seconds:.2f} s "
        + run_counts(report.execution, report.files_changed),
        err=True,
    )


@main.command()
@root_argument
@run_options
@click.pass_context
def check(
    ctx: click.Context,
    root_arg: Path | None,
    root: Path | None,
    jobs: int,
    no_cache: bool,
    timeout: float | None,
    quiet: bool,
) -> None:
    """Verify everything a build would, and run every lesson; write no site.

    Checks front matter, every {lesson} and {value} reference, expected and unexpected
    errors in every lesson script (even ones no post shows) and every internal link.
    Lists all problems and exits 1 if there are any. Made for CI.
    """
    from ..build import check as run_check
    from ..progress import new_progress

    root = the_root(root_arg, root)
    progress = new_progress(quiet)
    with reported(ctx, progress):
        report = run_check(root, RunOptions(jobs, use_cache(root, no_cache), timeout), progress)
        if report.problems:
            raise ContentError(report.problems)
    summary(progress, quiet)
    click.echo(
        f"ok: {count(report.posts, 'post')} and {count(len(report.execution.results), 'lesson')} checked",
        err=True,
    )


@main.command()
@root_argument
@out_option
@click.pass_context
def clean(ctx: click.Context, root_arg: Path | None, root: Path | None, out: Path | None) -> None:
    """Remove the site lessonpress wrote (--out) and the cache, and nothing else.

    A site to which files were added, or a folder lessonpress did not write, is refused
    and left as it is.
    """
    from ..write import clean as run_clean

    root = the_root(root_arg, root)
    with reported(ctx):
        removed = run_clean(root, out if out is not None else root / "site")
    click.echo(f"removed {', '.join(str(path) for path in removed)}" if removed else "nothing to remove", err=True)


@main.command()
@click.argument("title", required=False)
@click.option("--series", help="The outline position, like 2.3: the title comes from site.yaml.")
@root_option
@click.pass_context
def new(ctx: click.Context, title: str | None, series: str | None, root: Path) -> None:
    """Start a post: posts/<slug>.md with the standard sections and a lesson that runs.

    Either --series N.M (the title comes from the series outline) or a TITLE for a post
    outside the series.
    """
    from ..load import load_config
    from ..scaffold import create_post

    with reported(ctx):
        created = create_post(root, load_config(root), title, series, dt.date.today())
    click.echo(f"created {created.post_path.relative_to(root)} and {created.lesson_path.relative_to(root)}")


@main.command()
@root_argument
@out_option
@click.option("--open", "open_browser", is_flag=True, help="Open the site in the web browser once it is built.")
@click.option(
    "--port",
    "-p",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0 picks a free one).",
)
@run_options
@click.pass_context
def serve(
    ctx: click.Context,
    root_arg: Path | None,
    root: Path | None,
    out: Path | None,
    open_browser: bool,
    port: int,
    jobs: int,
    no_cache: bool,
    timeout: float | None,
    quiet: bool,
) -> None:
    """Build, serve the site on 127.0.0.1, and rebuild and reload on every change.

    Watches posts/, lessons/, templates/ and site.yaml. A build error is shown in the
    browser and here; the server keeps running, and fixing the file brings the page back.
    Ctrl+C (or SIGTERM) stops it.
    """
    from ..build import build as run_build
    from ..build import update_search
    from ..execute import WorkerPool
    from ..progress import LineProgress
    from ..serve import ServerState, bind, opening_browser, serve_until_stopped, stopped_by_sigterm
    from ..write import check_output_folder, resolve_out

    root = the_root(root_arg, root)
    out, state = out if out is not None else root / "site", ServerState()
    with reported(ctx):
        check_output_folder(root, out)
        out = resolve_out(out)
        out.mkdir(parents=True, exist_ok=True)
        server = bind(out, port, state)  # before building: a busy port is known at once
    options = RunOptions(jobs, use_cache(root, no_cache), timeout)

    def build_once() -> None:
        # The browser reloads as soon as the pages are out; search catches up right after.
        # Drafts too, each under a banner: `build` leaves them out.
        run_build(root, out, options, LineProgress(quiet=quiet), pool=pool, defer_search=True, drafts=True)

    first = opening_browser(server, say) if open_browser else None
    with stopped_by_sigterm():
        pool = WorkerPool()  # warm workers kept between rebuilds: an edited lesson reruns at once
        try:
            serve_until_stopped(server, state, root, out, build_once, lambda: update_search(out), say, first)
        finally:
            pool.close()

from .export import export  # noqa: E402
main.add_command(export)
from .importer import import_post  # noqa: E402
main.add_command(import_post, name="import")
