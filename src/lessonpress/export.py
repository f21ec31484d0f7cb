"""`lessonpress export`: the pipeline of a build, ending in Markdown instead of a site.

Load, parse, execute (through the cache) and check the published posts as `build` does, then
write them as plain Markdown (render/markdown_out.py) into a folder of their own, replaced
in one step only when everything succeeded (write/export.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .build import parse_memo, published, with_figure_format
from .execute import Execution, Progress, RunOptions, execute, lessons_to_run, timeouts
from .load import load_project
from .memos import PageCache
from .parse import parse_posts
from .render.markdown_out import export_markdown
from .validate import check_results
from .write import build_lock, check_output_folder
from .write.export import check_export_folder, write_export

FORMATS = ("gfm", "hugo")


@dataclass(frozen=True)
class ExportReport:
    """What an export did, for the summary the CLI prints."""

    posts: int
    execution: Execution
    files_changed: int


def export(
    root: Path,
    out: Path,
    flavour: str,
    options: RunOptions,
    progress: Progress | None = None,
    on_wait=None,  # type: ignore[no-untyped-def]
) -> ExportReport:
    """Export the published posts of `root` as `flavour` Markdown into `out`; on any content
    error nothing is written and `out` is left as it was."""
    check_output_folder(root, out, export=True)
    check_export_folder(out, flavour)
    with build_lock(out, on_wait=on_wait):
        memos = PageCache(root, options.use_cache)
        project = load_project(root, memos.yaml)
        memo = parse_memo(options, memos, root)
        posts = published(parse_posts(project.posts, project.lessons, memo, project.config.modules))
        options = with_figure_format(project, options)  # as build's: one cache
        execution = execute(
            project.root, lessons_to_run(project, posts), timeouts(project), options, progress
        )
        check_results(posts, project.lessons, execution.results)
        files = export_markdown(project, posts, execution.results, flavour)
        changed = write_export(files, out, flavour)
    return ExportReport(len(posts), execution, changed)
