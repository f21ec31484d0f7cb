"""`lessonpress import`: posts whose Python is written inline, as posts showing lesson cells."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from .options import root_option
from .report import reported


@click.command()
@click.argument("posts", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@root_option
@click.option("--dry-run", is_flag=True, help="Print what would be written, block by block; write nothing.")
@click.option("--yes", "-y", is_flag=True, help="Replace posts and lessons that exist without asking.")
@click.pass_context
def import_post(ctx: click.Context, posts: tuple[Path, ...], root: Path, dry_run: bool, yes: bool) -> None:
    """Import POSTS (Markdown with ```python blocks) into the project: posts/<slug>.md and
    lessons/<slug>/<name>.py, one cell per Python block, each block shown by a {lesson} fence.

    Shell, output and other blocks, and Python marked not to run, stay as they are; the
    summary says why for each. A file that exists is replaced only when you say so (or
    --yes). The posts given are never changed. See "Importing a post" in docs/authoring.md.
    """
    from ..importing import plan_import, plan_report, write_atomically

    with reported(ctx):
        root = root.expanduser()
        if not root.is_dir():
            raise UsageError(f"{root} is not a folder: give the project folder with --root")
        plans = [plan_import(path.expanduser(), root) for path in posts]
        _no_two_alike(plans)
        for plan in plans:
            click.echo("\n".join(plan_report(plan, dry_run)))
        if dry_run:
            click.echo("dry run: nothing was written")
            return
        for plan in _confirmed(plans, yes):
            for target in plan.targets:
                write_atomically(target.path, target.text)
    click.echo(
        f"next: lessonpress check {root} runs every cell and reports each block that does not run "
        "at its line in the post"
    )


def can_ask() -> bool:
    """Whether someone can answer a question (stdin is a terminal)."""
    return sys.stdin.isatty()


def _no_two_alike(plans: list[Any]) -> None:
    seen: dict[str, Path] = {}
    for plan in plans:
        if plan.slug in seen:
            raise UsageError(
                f"{seen[plan.slug]} and {plan.source} would both become posts/{plan.slug}.md: import them one at a time"
            )
        seen[plan.slug] = plan.source


def _confirmed(plans: list[Any], yes: bool) -> list[Any]:
    """The plans to write: all with --yes or when nothing would be replaced; otherwise each
    file that exists is asked about, and a post whose answer is no is skipped whole."""
    existing = [target.shown for plan in plans for target in plan.targets if target.exists]
    if yes or not existing:
        return plans
    if not can_ask():
        raise UsageError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}: nothing was written. "
            "Run again with --yes to replace them, or --dry-run to see what would change"
        )
    chosen = []
    for plan in plans:
        replace = all(
            click.confirm(f"{target.shown} exists: replace it?", default=False)
            for target in plan.targets
            if target.exists
        )
        if replace:
            chosen.append(plan)
        else:
            click.echo(f"skipped {plan.source}: nothing written for it")
    return chosen
