"""The `lessonpress` command line."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from . import __version__
from .errors import ContentError, LessonpressError, UsageError
from .execute import RunOptions

EXIT_CONTENT = 1
EXIT_USAGE = 2


def _root_option(function):  # type: ignore[no-untyped-def]
    return click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
                        show_default=True, help="The project folder (holds posts/ and lessons/).")(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lessonpress")
@click.option("--debug", is_flag=True, help="Show lessonpress's own traceback on internal errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Build a static blog whose posts show lessons that really ran."""
    ctx.obj = {"debug": debug}


@main.command()
@_root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the site [default: ROOT/site].")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Lessons to run in parallel [default: one per CPU core].")
@click.option("--no-cache", is_flag=True, help="Run every lesson again, ignoring cached results.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds each lesson may run (overrides site.yaml; default 600).")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and the summary.")
@click.pass_context
def build(ctx: click.Context, root: Path, out: Path | None, jobs: int, no_cache: bool,
          timeout: float | None, quiet: bool) -> None:
    """Run the lessons and render the posts of ROOT into a static site.

    The previous site in --out is replaced only when the whole build succeeded.
    """
    from .build import build as run_build
    from .progress import new_progress, timing_report

    root = _existing_root(root)
    out = out if out is not None else root / "site"
    progress = new_progress(quiet)
    started = time.perf_counter()

    def waiting(path: Path) -> None:
        click.echo(f"waiting for another build of {path} to finish...", err=True)

    with _reported(ctx, progress):
        report = run_build(root, out, RunOptions(jobs, not no_cache, timeout), progress, waiting)
    elapsed = time.perf_counter() - started
    if not quiet:
        table = timing_report(progress)
        if table:
            click.echo(table, err=True)
    ran = len(report.execution.results) - len(report.execution.cached)
    click.echo(f"built {report.posts} posts into {out} in {elapsed:.2f} s "
               f"({ran} lessons run, {len(report.execution.cached)} cached, "
               f"{report.files_changed} files changed)", err=True)


def _existing_root(root: Path) -> Path:
    if not root.is_dir():
        raise click.UsageError(f"--root {root} is not a folder")
    if not (root / "posts").is_dir():
        raise click.UsageError(f"{root} has no posts/ folder: run lessonpress in a project folder "
                               "or pass --root")
    return root


class _reported:
    """Turn lessonpress errors into `path:line: error:` lines and an exit code."""

    def __init__(self, ctx: click.Context, progress: object = None) -> None:
        self.debug = bool(ctx.obj and ctx.obj.get("debug"))
        self.progress = progress

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: object) -> bool:
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
        if isinstance(exc, KeyboardInterrupt):
            click.echo("interrupted: the previous site is unchanged", err=True)
            raise SystemExit(130)
        if isinstance(exc, (LessonpressError, OSError, Exception)) and not self.debug:
            click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                       "(this is a lessonpress bug; run with --debug for the traceback)", err=True)
            raise SystemExit(3)
        return False


def report_problems(exc: ContentError) -> None:
    """Print every problem, as GitHub annotations too when running in Actions."""
    for problem in exc.problems:
        click.echo(problem.format(), err=True)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            message = problem.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            click.echo(f"::error file={problem.path},line={problem.line}::{message}")
    count = len(exc.problems)
    click.echo(f"{count} error{'s' if count != 1 else ''}; the site was not changed", err=True)


if __name__ == "__main__":
    sys.exit(main())
