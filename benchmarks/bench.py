"""Benchmark lessonpress on the whole series, each figure beside its reference.

Run with `make bench` (installs sphinx-gallery for the reference). Prints:
(a) cold build against the limit L and against sphinx-gallery's cold build,
(b) no-change rebuild, (c) prose edit, (d) lesson edit, (e) per-lesson runner overhead,
(f) render-only builds of 100, 1,000 and 2,000 generated posts.
Nothing here asserts a time: the figures are for the README's performance section.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CORES = os.cpu_count() or 1
ENV = {**os.environ, "MPLBACKEND": "Agg", "GITHUB_ACTIONS": ""}


def timed(command: list[str], cwd: Path | None = None, check: bool = True) -> float:
    """Wall time of one command."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if check and result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    return elapsed


def best_of(runs: int, command: list[str], cwd: Path | None = None, check: bool = True) -> float:
    return min(timed(command, cwd, check) for _ in range(runs))


def copy_project(target: Path) -> Path:
    for name in ("posts", "lessons", "templates"):
        shutil.copytree(REPO / name, target / name, symlinks=True)
    shutil.copy(REPO / "site.yaml", target / "site.yaml")
    return target


def lessonpress_command() -> list[str]:
    """The installed `lessonpress` script, as an author runs it (`python -m` would compile
    the CLI module from source on every run, as Python does for a `__main__`)."""
    script = Path(PYTHON).parent / "lessonpress"
    return [str(script)] if script.is_file() else [PYTHON, "-m", "lessonpress.cli"]


def build(root: Path, *extra: str) -> float:
    return timed([*lessonpress_command(), "build", "--root", str(root), "--quiet", *extra])


def lesson_scripts(root: Path) -> list[Path]:
    return sorted(p for p in (root / "lessons").glob("*/*.py"))


def plain_python_times(root: Path) -> dict[Path, float]:
    """t_i: wall time of `python lesson.py`, best of two (scripts ending in an expected error included)."""
    return {
        path: best_of(2, [PYTHON, path.name], cwd=path.parent, check=False) for path in lesson_scripts(root)
    }


def sphinx_gallery_build(root: Path, work: Path) -> float | None:
    """sphinx-gallery's cold build of the same scripts, or None if it is not installed."""
    try:
        import sphinx_gallery  # noqa: F401
    except ImportError:
        return None
    source = work / "docs"
    examples = work / "examples"
    examples.mkdir(parents=True)
    (examples / "README.txt").write_text("Lessons\n=======\n")
    for index, path in enumerate(lesson_scripts(root)):
        text = path.read_text()
        title = f"{path.parent.name} / {path.name}"
        # sphinx-gallery needs a reST title docstring first; the rest of the script is unchanged.
        (examples / f"plot_{index:02d}_{path.stem}.py").write_text(
            f'"""\n{title}\n{"=" * len(title)}\n"""\n{text}'
        )
        for data in path.parent.iterdir():
            if data.suffix != ".py" and data.is_file():
                shutil.copy(data, examples / data.name)
    source.mkdir()
    (source / "index.rst").write_text("Bench\n=====\n\n.. toctree::\n\n   auto_examples/index\n")
    (source / "conf.py").write_text(
        "extensions = ['sphinx_gallery.gen_gallery']\n"
        "sphinx_gallery_conf = {'examples_dirs': '../examples', 'gallery_dirs': 'auto_examples',\n"
        "    'filename_pattern': '/', 'abort_on_example_error': False,\n"
        "    'only_warn_on_example_error': True, 'plot_gallery': 'True'}\n"
    )
    return timed([PYTHON, "-m", "sphinx", "-q", "-b", "html", str(source), str(work / "html")], check=False)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def runner_overhead(work: Path, count: int = 30) -> tuple[float, float]:
    """(ms per lesson the runner adds, ms for a fresh interpreter), for a trivial lesson.

    Sends `count` lessons to one warm worker and takes, per lesson, the round trip (job sent,
    child forked, cells run, result pickled, read back) minus the time the cells themselves ran.
    """
    from lessonpress.execute.job import RunOptions, new_job as _job
    from lessonpress.execute.supervise import ForkServer as _ForkServer
    from lessonpress.load import split_cells

    trivial = "import torch\nimport matplotlib.pyplot as plt\nx = torch.zeros(3)\nprint(x.sum().item())\n"
    root = work / "trivial"
    (root / "lessons" / "t").mkdir(parents=True)
    (root / "lessons" / "t" / "l.py").write_text(trivial)
    lesson = split_cells("lessons/t/l.py", trivial)
    worker = _ForkServer(work)
    overheads = []
    try:
        for _ in range(count):
            job = _job(root, lesson, work, 1, RunOptions(), {"*": 60.0})
            started = time.perf_counter()
            result = worker.run(job, lesson)
            overheads.append(time.perf_counter() - started - result.seconds)
    finally:
        worker.close()
    fresh = best_of(3, [PYTHON, "l.py"], cwd=root / "lessons" / "t")
    return statistics.median(overheads) * 1000, fresh * 1000


def served_edit(root: Path, path: Path, old: str, new: str, runs: int = 3) -> tuple[float, float]:
    """An edit under a real `lessonpress serve`, timed as the author sees it.

    Starts the server, listens to the reload events its pages listen to, and edits `path`
    `runs` times. Returns the medians of (time from the edit's write until the reload event,
    which covers the file watcher, the rebuild and publishing; time from the edit until the
    search index is up to date as well). `new` holds {} for the edit's number, so that every
    edit differs. The first edit is a warm-up: it starts the server's lesson workers.
    """
    import http.client
    import queue
    import threading

    from lessonpress.serve import EVENTS_PATH
    from lessonpress.write import _stale_marker

    command = [*lessonpress_command(), "serve", "--root", str(root), "--port", "0"]
    server = subprocess.Popen(command, env=ENV, stderr=subprocess.PIPE, text=True)
    events: queue.Queue[float] = queue.Queue()
    try:
        assert server.stderr is not None
        port = 0
        for line in server.stderr:  # the first build, then "serving ... at http://127.0.0.1:PORT/"
            if line.startswith("serving "):
                port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
                break
        if not port:
            raise SystemExit(f"lessonpress serve did not start: exit status {server.wait()}")
        threading.Thread(target=lambda: server.stderr and server.stderr.read(), daemon=True).start()
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", EVENTS_PATH)
        stream = connection.getresponse()

        def listen() -> None:
            for raw in iter(stream.readline, b""):
                if raw.startswith(b"data:"):
                    events.put(time.perf_counter())

        threading.Thread(target=listen, daemon=True).start()
        time.sleep(1)  # the file watcher starts as the server does: no author edits within a second
        stale = _stale_marker(root / "site")
        reloaded, searched = [], []
        for i in ["warm-up", *range(runs)]:
            started = time.perf_counter()
            edit(path, old, new.format(i))
            reloaded.append(events.get(timeout=600) - started)
            while stale.exists():  # serve brings the search index up to date after the reload
                time.sleep(0.002)
            searched.append(time.perf_counter() - started)
            time.sleep(0.5)  # let the watcher settle, so edits are not batched together
        return statistics.median(reloaded[1:]), statistics.median(searched[1:])
    finally:
        server.terminate()
        server.wait(timeout=30)


def search_index_alone(site: Path, work: Path) -> float:
    """Pagefind on its own, on the lean copies of `site`'s pages a build gives it: best of 3."""
    import pagefind_bin

    from lessonpress.model import OutputFile
    from lessonpress.write import search_documents

    pages = [OutputFile(str(p.relative_to(site)), p.read_bytes()) for p in site.rglob("*.html")]
    documents = work / "search-documents"
    for dest_path, data in search_documents(pages).items():
        (documents / dest_path).parent.mkdir(parents=True, exist_ok=True)
        (documents / dest_path).write_bytes(data)
    command = [str(pagefind_bin.get_executable()), "--site", str(documents), "--silent"]
    command += ["--output-path", str(work / "search-index"), "--exclude-selectors", "math"]
    return best_of(3, command)


def generated_site(work: Path, posts: int) -> float:
    root = work / f"generated{posts}"
    (root / "posts").mkdir(parents=True)
    for i in range(posts):
        (root / "posts" / f"post-{i:04d}.md").write_text(
            f"---\ntitle: Post {i}\ndate: 2026-01-01\nsummary: Generated post {i}.\n---\n\n"
            f"## Section\n\nSome *prose* with math $x_{{{i}}}^2$ and code:\n\n```python\nprint({i})\n```\n"
        )
    return build(root, "--no-cache")


def compile_lessonpress() -> None:
    """Write lessonpress's bytecode, as `pip install` of a wheel does.

    An editable install never compiles, and where PYTHONDONTWRITEBYTECODE is set (as on this
    project's machines) every command would compile every module again: about 0.1 s of each
    rebuild that no installed copy pays.
    """
    import compileall

    import lessonpress

    compileall.compile_dir(str(Path(lessonpress.__file__).parent), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-sphinx", action="store_true", help="do not run sphinx-gallery")
    args = parser.parse_args()
    compile_lessonpress()
    with tempfile.TemporaryDirectory(prefix="lessonpress-bench-") as scratch:
        work = Path(scratch)
        root = copy_project(work / "series")
        print(f"machine: {CORES} cores, Python {sys.version.split()[0]}")

        # L multiplies any error in I by the number of lessons: measure I as carefully as t_i.
        import_time = best_of(5, [PYTHON, "-c", "import torch, matplotlib.pyplot"])
        plain = plain_python_times(root)
        excess = [t - import_time for t in plain.values()]
        limit = import_time + max(sum(excess) / CORES, max(excess))
        cold = build(root)
        print(f"\n(a) cold build, {len(plain)} lessons, empty cache: {cold:.2f} s")
        print(
            f"    I (import torch + matplotlib) = {import_time:.2f} s; sum of plain runs = "
            f"{sum(plain.values()):.2f} s; L = {limit:.2f} s; cold / L = {cold / limit:.2f} (target <= 1.3)"
        )
        sphinx = None if args.skip_sphinx else sphinx_gallery_build(root, work / "sg")
        if sphinx is None:
            print("    sphinx-gallery: not measured (pip install sphinx sphinx-gallery)")
        else:
            print(
                f"    sphinx-gallery cold build of the same scripts: {sphinx:.2f} s; "
                f"lessonpress / sphinx-gallery = {cold / sphinx:.2f} (target <= 0.75)"
            )

        nochange = statistics.median(build(root) for _ in range(5))
        print(f"\n(b) no-change rebuild: {nochange:.3f} s (target < 0.3 s)")

        post = root / "posts" / "linear-regression.md"
        reload, searched = served_edit(
            root, post, "## The intuition\n", "## The intuition\n\nA served prose edit {}.\n"
        )
        print(
            "(c) rebuild after editing one post's prose, under `lessonpress serve` (the preview loop), "
            f"from saving the file: browser told to reload after {reload:.3f} s, search index up to "
            f"date after {searched:.3f} s (median of 3; target < 0.5 s)"
        )
        prose = []
        for i in range(5):
            edit(post, "## The intuition\n", f"## The intuition\n\nA prose edit, number {i}.\n")
            prose.append(build(root))
        startup = best_of(5, [*lessonpress_command(), "--version"])
        print(
            f"    the same edit with a one-shot `lessonpress build`: {statistics.median(prose):.3f} s, median of 5 "
            f"(fastest {min(prose):.3f} s), of which Pagefind re-indexing the whole site takes "
            f"{search_index_alone(root / 'site', work):.3f} s on its own and starting Python with "
            f"lessonpress's CLI {startup:.3f} s"
        )

        lesson = root / "lessons" / "linear-regression" / "autograd_missing_grad.py"
        own = plain[lesson] - import_time
        edits, alone = [], []
        for i in range(3):
            edit(lesson, "\n", f"\n# edit {i}\n")
            edits.append(build(root))
            # the lesson on its own, right after, so both see the machine in the same state
            alone.append(timed([PYTHON, lesson.name], cwd=lesson.parent, check=False))
        edited, plain_run = statistics.median(edits), statistics.median(alone)
        print(
            f"(d) rebuild after editing one lesson ({lesson.name}): {edited:.2f} s; "
            f"`python {lesson.name}` right after each took {plain_run:.2f} s, so the rebuild costs "
            f"{edited - plain_run:+.2f} s more than running the lesson (target < 0.5 s); "
            f"its compute beyond importing torch and matplotlib is about {max(own, 0):.2f} s"
        )

        warm, _ = served_edit(root, lesson, "\n", "\n# served edit {}\n")
        print(
            f"    the same edit under `lessonpress serve`, whose workers stay warm: browser told to reload "
            f"after {warm:.2f} s from saving the file, against {plain_run:.2f} s for `python {lesson.name}` alone"
        )

        per_lesson, fresh = runner_overhead(work)
        print(
            f"(e) per-lesson overhead of the runner: {per_lesson:.0f} ms, against {fresh:.0f} ms for a "
            "fresh interpreter running the same trivial lesson (target < 30 ms)"
        )

        print("(f) render-only builds of generated posts (no lessons):")
        for count in (100, 1000, 2000):
            seconds = generated_site(work, count)
            print(f"    {count:5d} posts: {seconds:6.2f} s  ({seconds / count * 1000:.1f} ms per post)")


if __name__ == "__main__":
    main()
