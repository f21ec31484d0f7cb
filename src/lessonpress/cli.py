"""The `lessonpress` command line."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any, Literal

import click

from . import __version__
from .errors import ContentError, LessonpressError, Problem, UsageError, environment_message
from .execute import RunOptions
from .model import MAX_TIMEOUT
from .text import count

EXIT_CONTENT = 1
EXIT_USAGE = 2


def _root_option(function: Any) -> Any:
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=".",
        show_default=True,
        help="The project folder (holds posts/ and lessons/).",
    )(function)


def _root_argument(function: Any) -> Any:
    """ROOT as an argument (`lessonpress build book/`, as with mkdocs and quarto) or --root."""
    function = click.argument("root_arg", metavar="[ROOT]", required=False, type=click.Path(path_type=Path))(
        function
    )
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The project folder, as the ROOT argument gives it [default: .].",
    )(function)


def _the_root(root_arg: Path | None, root: Path | None) -> Path:
    """The project folder, from ROOT or --root (both only when they agree)."""
    if root_arg is not None and root is not None and root_arg.resolve() != root.resolve():
        raise click.UsageError(f"ROOT {root_arg} and --root {root} name different folders: give one")
    return _existing_root((root_arg or root or Path(".")).expanduser())


def _out_option(function: Any) -> Any:
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        callback=_expand_user,
        help="Where to write the site [default: ROOT/site]. It is replaced as a whole, so it must "
        "be a site lessonpress wrote, an empty folder, or a new one.",
    )(function)


def _expand_user(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    # `--out=~/site` reaches us unexpanded: it means the home folder, not a folder named ~
    return value.expanduser() if value is not None else None


def _not_nan(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and value != value:  # FloatRange lets nan through: no comparison fails
        raise click.BadParameter("nan is not a number of seconds", ctx, param)
    return value


def _run_options(function: Any) -> Any:
    options = [
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=0),
            default=0,
            help="Lessons to run in parallel [default: one per CPU core].",
        ),
        click.option("--no-cache", is_flag=True, help="Run every lesson again, and write no cache."),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True, max=MAX_TIMEOUT),
            callback=_not_nan,
            default=None,
            help="Seconds each lesson may run (overrides site.yaml; default 600).",
        ),
        click.option("--quiet", "-q", is_flag=True, help="Print only problems and the summary."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


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
@_root_argument
@_out_option
@_run_options
@click.pass_context
def build(
    ctx: click.Context,
    root_arg: Path | None,
    root: Path | None,
    out: Path | None,
    jobs: int,
    no_cache: bool,
    timeout: float | None,
    quiet: bool,
) -> None:
    """Run the lessons and render the posts of ROOT (default: here) into a static site.

    Unchanged lessons come from the cache (.lessonpress-cache/). The previous site in --out
    is replaced in one step, and only when the whole build succeeded.
    """
    from .build import build as run_build
    from .progress import new_progress

    root = _the_root(root_arg, root)
    out = out if out is not None else root / "site"
    progress = new_progress(quiet)
    started = time.perf_counter()

    def waiting(path: Path) -> None:
        click.echo(f"waiting for another build of {path} to finish...", err=True)

    with _reported(ctx, progress):
        options = RunOptions(jobs, _use_cache(root, no_cache), timeout)
        report = run_build(root, out, options, progress, waiting)
    _print_warnings(report.warnings)
    _summary(progress, quiet)
    ran = len(report.execution.results) - len(report.execution.cached)
    click.echo(
        f"built {count(report.posts, 'post')} into {out} in {time.perf_counter() - started:.2f} s "
        f"({count(ran, 'lesson')} run, {len(report.execution.cached)} cached, "
        f"{count(report.files_changed, 'file')} changed)",
        err=True,
    )


def _use_cache(root: Path, no_cache: bool) -> bool:
    """Whether the build may use the cache: not with --no-cache (then nothing under
    .lessonpress-cache is created or changed), nor, said once, where it cannot."""
    if no_cache:
        return False
    from .store import open_cache

    unusable = open_cache(root)
    if unusable is not None:
        click.echo(f"warning: {unusable}", err=True)
    return unusable is None


@main.command()
@_root_argument
@_run_options
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
    from .build import check as run_check
    from .progress import new_progress

    root = _the_root(root_arg, root)
    progress = new_progress(quiet)
    with _reported(ctx, progress):
        report = run_check(root, RunOptions(jobs, _use_cache(root, no_cache), timeout), progress)
        if report.problems:
            raise ContentError(report.problems)
    _summary(progress, quiet)
    click.echo(
        f"ok: {count(report.posts, 'post')} and {count(len(report.execution.results), 'lesson')} checked",
        err=True,
    )


@main.command()
@_root_argument
@_out_option
@click.pass_context
def clean(ctx: click.Context, root_arg: Path | None, root: Path | None, out: Path | None) -> None:
    """Remove the site lessonpress wrote (--out) and the cache, and nothing else.

    A site to which files were added, or a folder lessonpress did not write, is refused
    and left as it is.
    """
    from .write import clean as run_clean

    root = _the_root(root_arg, root)
    with _reported(ctx):
        removed = run_clean(root, out if out is not None else root / "site")
    click.echo(f"removed {', '.join(str(path) for path in removed)}" if removed else "nothing to remove", err=True)


@main.command()
@click.argument("title", required=False)
@click.option("--series", help="The outline position, like 2.3: the title comes from site.yaml.")
@_root_option
@click.pass_context
def new(ctx: click.Context, title: str | None, series: str | None, root: Path) -> None:
    """Start a post: posts/<slug>.md with the standard sections and a lesson that runs.

    Either --series N.M (the title comes from the series outline) or a TITLE for a post
    outside the series.
    """
    from .load import load_config
    from .scaffold import create_post

    with _reported(ctx):
        created = create_post(root, load_config(root), title, series, dt.date.today())
    click.echo(f"created {created.post_path.relative_to(root)} and {created.lesson_path.relative_to(root)}")


@main.command()
@_root_argument
@_out_option
@click.option("--open", "open_browser", is_flag=True, help="Open the site in the web browser once it is built.")
@click.option(
    "--port",
    "-p",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0 picks a free one).",
)
@_run_options
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
    from .build import build as run_build
    from .build import update_search
    from .execute import WorkerPool
    from .progress import LineProgress
    from .serve import ServerState, bind, opening_browser, serve_until_stopped, stopped_by_sigterm
    from .write import check_output_folder, resolve_out

    root = _the_root(root_arg, root)
    out, state = out if out is not None else root / "site", ServerState()
    with _reported(ctx):
        check_output_folder(root, out)
        out = resolve_out(out)
        out.mkdir(parents=True, exist_ok=True)
        server = bind(out, port, state)  # before building: a busy port is known at once
    options = RunOptions(jobs, _use_cache(root, no_cache), timeout)

    def build_once() -> None:
        # The browser reloads as soon as the pages are out; search catches up right after.
        # Drafts too, each under a banner: `build` leaves them out.
        run_build(root, out, options, LineProgress(quiet=quiet), pool=pool, defer_search=True, drafts=True)

    first = opening_browser(server, _say) if open_browser else None
    with stopped_by_sigterm():
        pool = WorkerPool()  # warm workers kept between rebuilds: an edited lesson reruns at once
        try:
            serve_until_stopped(server, state, root, out, build_once, lambda: update_search(out), _say, first)
        finally:
            pool.close()


def _say(text: str) -> None:
    click.echo(text, err=True)


def _existing_root(root: Path) -> Path:
    if not root.is_dir():
        raise click.UsageError(f"{root} is not a folder: give the project folder (it holds posts/)")
    if not os.path.lexists(root / "posts"):
        raise click.UsageError(
            f"{root} has no posts/ folder: run lessonpress in a project folder or pass --root"
        )
    for name in ("posts", "lessons", "templates"):  # optional but posts/; never a file
        if os.path.lexists(root / name) and not (root / name).is_dir():
            raise click.UsageError(f"{root / name} is not a folder: {name}/ must be a folder of {_HOLDS[name]}")
    return root


_HOLDS = {"posts": "Markdown posts", "lessons": "lesson scripts", "templates": "Jinja templates"}


def _summary(progress: Any, quiet: bool) -> None:
    from .progress import timing_report

    table = timing_report(progress)
    if table and not quiet:
        click.echo(table, err=True)


def _print_warnings(warnings: tuple[Problem, ...]) -> None:
    for problem in warnings:
        click.echo(problem.format().replace(": error: ", ": warning: ", 1), err=True)


class _reported:
    """Turn lessonpress errors into `path:line: error:` lines and an exit code."""

    def __init__(self, ctx: click.Context, progress: object = None) -> None:
        self.debug = bool(ctx.obj and ctx.obj.get("debug"))
        self.progress = progress

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> Literal[False]:
        close = getattr(self.progress, "close", None)
        if close:
            close()
        if exc is None:
            return False
        if isinstance(exc, ContentError):
            report_problems(exc)
            raise SystemExit(EXIT_CONTENT)
        if isinstance(exc, UsageError):
            click.echo(f"error: {exc}", err=True)
            raise SystemExit(EXIT_USAGE)
        environment = environment_message(exc)
        if environment is not None:  # a full disk, a read-only folder: not a lessonpress bug
            click.echo(f"error: {environment}", err=True)
            raise SystemExit(EXIT_USAGE)
        if isinstance(exc, KeyboardInterrupt):
            click.echo("interrupted: the previous site is unchanged", err=True)
            raise SystemExit(130)
        if isinstance(exc, (LessonpressError, Exception)) and not self.debug:
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "(this is a lessonpress bug; run with --debug for the traceback)",
                err=True,
            )
            raise SystemExit(3)
        return False


def _escape(text: str, also: str) -> str:
    """Escape text for a GitHub workflow command: the message, or (with `also` = ":,") a property."""
    for char in "%\r\n" + also:  # % first: the escapes themselves contain it
        text = text.replace(char, f"%{ord(char):02X}")
    return text


def report_problems(exc: ContentError) -> None:
    """Print every problem, as GitHub annotations too when running in Actions."""
    for problem in exc.problems:
        click.echo(problem.format(), err=True)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            path, message = _escape(problem.path, ":,"), _escape(problem.message, "")
            click.echo(f"::error file={path},line={problem.line}::{message}")
    count = len(exc.problems)
    click.echo(f"{count} error{'s' if count != 1 else ''}; the site was not changed", err=True)


if __name__ == "__main__":
    sys.exit(main())
