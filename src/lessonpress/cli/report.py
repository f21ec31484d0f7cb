"""How the commands report: problems as `path:line: error:` lines (and GitHub annotations),
warnings, the timing table, and exit codes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import click

from ..errors import ContentError, LessonpressError, Problem, UsageError, environment_message
from ..text import count
from .options import EXIT_CONTENT, EXIT_USAGE


def say(text: str) -> None:
    click.echo(text, err=True)


def summary(progress: Any, quiet: bool) -> None:
    from ..progress import timing_report

    table = timing_report(progress)
    if table and not quiet:
        click.echo(table, err=True)


def print_warnings(warnings: tuple[Problem, ...]) -> None:
    for problem in warnings:
        click.echo(problem.format().replace(": error: ", ": warning: ", 1), err=True)


class reported:
    """Turn lessonpress errors into `path:line: error:` lines and an exit code."""

    def __init__(self, ctx: click.Context, progress: object = None, unchanged: str = "the site was not changed") -> None:
        self.debug = bool(ctx.obj and ctx.obj.get("debug"))
        self.progress = progress
        self.unchanged = unchanged  # what content errors left as it was, said after them

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
            report_problems(exc, self.unchanged)
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


def report_problems(exc: ContentError, unchanged: str = "the site was not changed") -> None:
    """Print every problem, as GitHub annotations too when running in Actions."""
    for problem in exc.problems:
        click.echo(problem.format(), err=True)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            path, message = _escape(problem.path, ":,"), _escape(problem.message, "")
            click.echo(f"::error file={path},line={problem.line}::{message}")
    count = len(exc.problems)
    click.echo(f"{count} error{'s' if count != 1 else ''}; {unchanged}", err=True)


def waiting(path: Path) -> None:
    """Said while another build of the same folder holds its lock."""
    click.echo(f"waiting for another build of {path} to finish...", err=True)


def run_counts(execution: Any, files_changed: int) -> str:
    """'(2 lessons run, 12 cached, 5 files changed)', for a command's last line."""
    ran = len(execution.results) - len(execution.cached)
    return (
        f"({count(ran, 'lesson')} run, {len(execution.cached)} cached, {count(files_changed, 'file')} changed)"
    )
