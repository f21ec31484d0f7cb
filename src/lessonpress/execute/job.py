"""What crosses the process boundary: the Job the build sends a worker, the Outcome it answers.

Both travel as JSON with explicit fields: one line each on the worker's stdin and stdout, or
a job file for a fresh interpreter. The child gets real Cell objects back, with their real
header lines. It writes the LessonResult as a pickle to the job's result path and leaves the
side files named here beside it, for the build to read when the lesson did not finish.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..model import Cell, Lesson

DEFAULT_OUTPUT_LIMIT = 200_000
DEFAULT_TIMEOUT = 600.0  # seconds, when neither --timeout nor site.yaml sets one
READY = json.dumps({"ready": True})  # a worker's first line: it has started (and preimported)


@dataclass(frozen=True)
class RunOptions:
    """How to execute: parallel jobs, cache use, and the timeout override."""

    jobs: int = 0  # 0: one per core
    use_cache: bool = True
    timeout: float | None = None  # overrides site.yaml for every lesson
    output_limit: int = DEFAULT_OUTPUT_LIMIT
    figure_format: str = "png"  # site.yaml's: how figures are captured (png or svg)

    def with_figure_format(self, figure_format: str) -> RunOptions:
        """These options, with figures captured as `figure_format` (site.yaml's, for the build)."""
        return dataclasses.replace(self, figure_format=figure_format)


@dataclass(frozen=True)
class Job:
    """One lesson for a worker to run, its limits, and where its process leaves what it did."""

    root: Path  # the project folder, resolved
    lesson_path: str  # relative to root, as Lesson.src_path
    cells: tuple[Cell, ...]
    result_path: Path  # in the pool's scratch folder
    timeout: float  # seconds
    threads: int  # torch's threads for this lesson
    output_limit: int  # bytes of a cell's output that the page shows
    figure_format: str = "png"  # png or svg: how the lesson's figures are saved

    @property
    def lesson_file(self) -> Path:
        """The lesson script, by absolute path."""
        return self.root / self.lesson_path

    @property
    def lessons_prefix(self) -> str:
        """The lessons tree, resolved and ending in '/': the lesson's own code and files lie below."""
        return str((self.root / "lessons").resolve()) + os.sep

    @property
    def cell_file(self) -> Path:
        """Holds the name of the cell the child is in (written as each cell starts)."""
        return self._beside(".cell")

    @property
    def crash_file(self) -> Path:
        """Holds the runner's own exception, when lessonpress itself failed in the child."""
        return self._beside(".crash")

    @property
    def reads_log(self) -> Path:
        """The log of the files the lesson's processes opened (see readhook.py)."""
        return self._beside(".reads")

    @property
    def job_file(self) -> Path:
        """The job, for a fresh interpreter to read."""
        return self._beside(".job.json")

    def _beside(self, suffix: str) -> Path:
        return self.result_path.with_name(self.result_path.name + suffix)

    def to_json(self) -> str:
        """The job as one line of JSON, every field named (a cell as an object of its fields)."""
        return json.dumps(
            {
                "root": str(self.root),
                "lesson_path": self.lesson_path,
                "cells": [dataclasses.asdict(cell) for cell in self.cells],
                "result_path": str(self.result_path),
                "timeout": self.timeout,
                "threads": self.threads,
                "output_limit": self.output_limit,
                "figure_format": self.figure_format,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Job:
        """The Job that to_json() wrote."""
        fields = json.loads(text)
        return cls(
            root=Path(fields["root"]),
            lesson_path=fields["lesson_path"],
            cells=tuple(Cell(**cell) for cell in fields["cells"]),
            result_path=Path(fields["result_path"]),
            timeout=float(fields["timeout"]),
            threads=int(fields["threads"]),
            output_limit=int(fields["output_limit"]),
            figure_format=str(fields["figure_format"]),
        )


def new_job(
    root: Path, lesson: Lesson, scratch: Path, threads: int, options: RunOptions, timeouts: dict[str, float]
) -> Job:
    """The job for one lesson: its cells, a result path of its own in `scratch`, its limits."""
    timeout = options.timeout or timeouts.get(lesson.src_path) or timeouts.get("*", DEFAULT_TIMEOUT)
    # unique per run: a pool's scratch folder outlives builds, and no stale file may be read
    name = f"{os.urandom(6).hex()}-{lesson.src_path.replace('/', '__')}.pickle"
    return Job(
        root.resolve(), lesson.src_path, lesson.cells, scratch / name, timeout, threads, options.output_limit,
        options.figure_format,
    )


@dataclass(frozen=True)
class Outcome:
    """How a lesson's process ended, as its worker tells the build."""

    status: Literal["exited", "timeout"]
    exitcode: int  # negative: killed by that signal
    seconds: float  # from the fork to the answer

    def to_json(self) -> str:
        """The outcome as one line of JSON."""
        return json.dumps({"status": self.status, "exitcode": self.exitcode, "seconds": self.seconds})

    @classmethod
    def from_json(cls, text: str) -> Outcome:
        """The Outcome that to_json() wrote."""
        fields = json.loads(text)
        status: Literal["exited", "timeout"] = "timeout" if fields["status"] == "timeout" else "exited"
        return cls(status, int(fields["exitcode"]), float(fields["seconds"]))
