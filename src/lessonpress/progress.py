"""Show execution progress: a live bar on a terminal, plain lines in CI logs."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from .model import LessonResult


class LineProgress:
    """One line per event: readable in CI logs, no control characters."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.lock = threading.Lock()
        self.total = 0
        self.done = 0
        self.timings: list[tuple[str, float, bool]] = []

    def _say(self, text: str) -> None:
        if self.quiet:
            return
        with self.lock:
            print(text, file=self.stream, flush=True)

    def planned(self, total: int, cached: int) -> None:
        self.total = total
        if total:
            self._say(f"lessons: {total} needed, {cached} cached, {total - cached} to run")

    def started(self, lesson_path: str) -> None:
        self._say(f"  run     {lesson_path}")

    def finished(self, result: LessonResult, cached: bool) -> None:
        self.done += 1
        self.timings.append((result.lesson_path, result.seconds, cached))
        if cached:
            return
        failed = result.failed
        state = "ran" if not failed else "FAILED"
        self._say(f"  {state:<7} {result.lesson_path} ({result.seconds:.1f} s) [{self.done}/{self.total}]")

    def close(self) -> None:
        pass


class RichProgress(LineProgress):
    """A progress bar with the running lessons, for an interactive terminal."""

    def __init__(self) -> None:
        super().__init__()
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console(stderr=True)
        self.bar = Progress(
            TextColumn("[bold]lessons"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self.task = self.bar.add_task("", total=None)
        self.running: list[str] = []

    def planned(self, total: int, cached: int) -> None:
        self.total = total
        if total:
            self.bar.start()
            self.bar.update(self.task, total=total)

    def started(self, lesson_path: str) -> None:
        with self.lock:
            self.running.append(lesson_path)
            self.bar.update(self.task, description=", ".join(p.split("/")[-1] for p in self.running))

    def finished(self, result: LessonResult, cached: bool) -> None:
        with self.lock:
            self.timings.append((result.lesson_path, result.seconds, cached))
            if result.lesson_path in self.running:
                self.running.remove(result.lesson_path)
            failed = result.failed
            if not cached:
                mark = "[red]failed" if failed else "[green]ran"
                self.console.print(f"  {mark}[/] {result.lesson_path} ({result.seconds:.1f} s)")
            self.bar.update(
                self.task, advance=1, description=", ".join(p.split("/")[-1] for p in self.running)
            )

    def close(self) -> None:
        self.bar.stop()


def new_progress(quiet: bool = False) -> LineProgress:
    """A bar on a terminal, lines otherwise."""
    if not quiet and sys.stderr.isatty():
        return RichProgress()
    return LineProgress(quiet=quiet)


def timing_report(progress: LineProgress, limit: int = 5) -> str:
    """The slowest lessons and the cache hits, like sphinx-gallery's timing table."""
    if not progress.timings:
        return ""
    hits = sum(1 for _, _, cached in progress.timings if cached)
    rows = sorted(progress.timings, key=lambda row: -row[1])[:limit]
    width = max(len(path) for path, _, _ in rows)
    lines = [f"slowest lessons (cache hits: {hits} of {len(progress.timings)}):"]
    for path, seconds, cached in rows:
        lines.append(f"  {path:<{width}}  {seconds:6.2f} s{'  (cached)' if cached else ''}")
    return "\n".join(lines)
