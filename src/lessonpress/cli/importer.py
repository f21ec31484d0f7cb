"""`lessonpress import`: posts whose Python is written inline, as posts showing lesson cells."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import ContentError, Problem, UsageError
from .options import EXIT_CONTENT
from .report import reported


@click.command()
@click.argument("posts", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (holds posts/ and lessons/); an empty folder becomes a new project.",
)
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
    from ..importing import plan_report, write_all

    with reported(ctx):
        root = project_root(root.expanduser())
        plans = _plans(posts, root)
        _no_two_alike(plans)
        for plan in plans:
            click.echo("\n".join(plan_report(plan, dry_run)))
        if dry_run:
            click.echo("dry run: nothing was written")
            return
        chosen = _confirmed(plans, yes)
        targets = [target for plan in chosen for target in plan.targets]
        write_all([(t.path, t.text) for t in targets], [t.shown for t in targets])
        if targets:
            click.echo(f"wrote {', '.join(t.shown for t in targets)}")
    click.echo(
        f"next: lessonpress check {root} runs every cell and reports each block that does not run "
        "at its line in the post"
    )


def project_root(root: Path) -> Path:
    """The project folder: one with a posts/ folder, or an empty folder (a new project, whose
    posts/ the import makes). Any other folder is refused: it is likely not the project."""
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder: give the project folder with --root")
    for name in ("posts", "lessons"):
        if os.path.lexists(root / name) and not (root / name).is_dir():
            raise UsageError(f"{root / name} is not a folder: {name}/ must be a folder")
    if not (root / "posts").is_dir() and any(root.iterdir()):
        raise UsageError(
            f"{root} has no posts/ folder, so it is not a lessonpress project: give the project with "
            f"--root, an empty folder to start one, or make {root / 'posts'} first"
        )
    return root


def _plans(posts: tuple[Path, ...], root: Path) -> list[Any]:
    """Each post's plan; every post's content problems reported together (nothing is written)."""
    from ..importing import plan_import

    plans: list[Any] = []
    problems: list[Problem] = []
    for path in posts:
        try:
            plans.append(plan_import(path.expanduser(), root))
        except ContentError as exc:
            problems += exc.problems
    if problems:
        _refuse(problems)
    return plans


def _refuse(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(problem.format(), err=True)
    count = len(problems)
    click.echo(f"{count} error{'s' if count != 1 else ''}: nothing was imported, nothing was written", err=True)
    raise SystemExit(EXIT_CONTENT)


def can_ask() -> bool:
    """Whether someone can answer a question (stdin is a terminal)."""
    return sys.stdin.isatty()


def _no_two_alike(plans: list[Any]) -> None:
    seen: dict[str, Path] = {}
    for plan in plans:
        if plan.slug in seen:
            raise UsageError(
                f"{seen[plan.slug]} and {plan.source} would both become posts/{plan.slug}.md: import them "
                "one at a time (rename one of them first); nothing was written"
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
