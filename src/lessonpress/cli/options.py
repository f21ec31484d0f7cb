"""Options and arguments the commands share: the project folder, --out, the run options."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from ..model import MAX_TIMEOUT

EXIT_CONTENT = 1
EXIT_USAGE = 2


def root_option(function: Any) -> Any:
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=".",
        show_default=True,
        help="The project folder (holds posts/ and lessons/).",
    )(function)


def root_argument(function: Any) -> Any:
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


def the_root(root_arg: Path | None, root: Path | None) -> Path:
    """The project folder, from ROOT or --root (both only when they agree)."""
    if root_arg is not None and root is not None and root_arg.resolve() != root.resolve():
        raise click.UsageError(f"ROOT {root_arg} and --root {root} name different folders: give one")
    return _existing_root((root_arg or root or Path(".")).expanduser())


def out_option(function: Any) -> Any:
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


def run_options(function: Any) -> Any:
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


def use_cache(root: Path, no_cache: bool) -> bool:
    """Whether the build may use the cache: not with --no-cache (then nothing under
    .lessonpress-cache is created or changed), nor, said once, where it cannot."""
    if no_cache:
        return False
    from ..store import open_cache

    unusable = open_cache(root)
    if unusable is not None:
        click.echo(f"warning: {unusable}", err=True)
    return unusable is None


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
