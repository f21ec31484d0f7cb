"""The runner: capture, figures, values, errors, isolation, limits, spawned processes.

All lessons of the zoo run in one execute() call (one worker start for the module).
"""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest

from lessonpress.execute import RunOptions, execute
from lessonpress.load import load_project
from lessonpress.render.page import run_time

from .conftest import write_project

ZOO = {
    "lessons/z/capture.py": """
        # %% order
        import os, subprocess, sys, warnings
        print("one")
        print("two", file=sys.stderr)
        os.write(1, b"three from fd 1\\n")
        warnings.warn("four")
        subprocess.run([sys.executable, "-c", "print('five from a child process')"], check=True)
        for i in range(5):
            print(f"\\rprogress {i * 25}%", end="", flush=True)
        print()
        print("\\x1b[31mred\\x1b[0m plain")
        # %% second
        print("only in the second cell")
        # %% paths
        import json
        warnings.warn_explicit("from a library", UserWarning, json.__file__, 1)
        print(__file__)
        json.__file__
    """,
    "lessons/z/unseeded.py": """
        # %% draws
        import random
        import numpy as np
        import torch
        print(random.random(), np.random.rand(), torch.rand(1).item(), torch.get_num_threads())
    """,
    "lessons/z/figures.py": """
        import matplotlib.pyplot as plt
        # %% twice
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        plt.show()
        ax.plot([0, 1], [1, 0])
        plt.show()
        # %% left_open
        fig, ax = plt.subplots()
        ax.set_title("Open figure")
        ax.set_xlabel("time")
        # %% shown_once
        fig, ax = plt.subplots()
        ax.plot([1, 2])
        plt.show()
        # %% none
        x = 1
        # %% saved
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 2])
        fig.savefig("saved.png")
        # %% saved_and_shown
        fig, ax = plt.subplots()
        ax.plot([0, 1], [2, 0])
        fig.savefig("saved.png")
        plt.show()
        # %% shown_unchanged_twice
        fig, ax = plt.subplots()
        ax.plot([1, 2])
        plt.show()
        fig.savefig("saved.png")
        plt.show()
    """,
    "lessons/z/display.py": """
        # %% tensor
        import torch
        w = torch.tensor([1.9876])
        w
        # %% artists
        import matplotlib.pyplot as plt
        plt.plot([1, 2])
        # %% assignment
        y = 3
        # %% seed
        torch.manual_seed(0)
        # %% custom
        class Point:
            def __repr__(self):
                return "Point(1, 2)"
        Point()
        # %% addresses
        def f():
            pass
        (f, (i for i in range(3)))
        # %% semicolon
        1 + 1;  # a trailing semicolon hides the value, as in a notebook
        # %% long_value
        "z" * 300_000
    """,
    "lessons/z/forks.py": """
        # %% fork
        import os, sys
        pid = os.fork()
        if pid == 0:
            print("in the forked child")
            sys.exit(0)
        os.waitpid(pid, 0)
        print("parent continues")
        # %% after
        print("the next cell runs")
    """,
    "lessons/z/writes.py": """
        # %% write_then_read
        with open("written.txt", "w") as f:
            f.write("made by the lesson")
        print(open("written.txt").read(), open("data.txt").read().strip())
    """,
    "lessons/z/errors.py": """
        import helper_mod
        # %% fine
        x = 1
        # %% broken tags=["raises-exception"]
        import torch
        helper_mod.explode()
        # %% after
        print("cells after an expected error still run")
    """,
    "lessons/z/helper_mod.py": """
        def explode():
            raise ValueError("exploded in a helper")
    """,
    "lessons/z/control.py": """
        # %% raw_bytes
        import os
        os.write(1, b"nul\\x00 bell\\x07 tab\\tend\\n")
        # %% multiline tags=["raises-exception"]
        raise ValueError("line one\\nline two")
    """,
    "lessons/z/unexpected.py": """
        # %% a
        print("a ran")
        # %% b
        1 / 0
        # %% c
        print("never")
    """,
    "lessons/z/syntax.py": """
        # %% ok
        x = 1
        # %% bad
        def broken(:
            pass
    """,
    "lessons/z/leak_a.py": """
        import os, random, sys
        import matplotlib
        import torch
        import helper_mod
        print(random.random(), torch.rand(1).item())
        matplotlib.rcParams["lines.linewidth"] = 9
        os.environ["LESSONPRESS_LEAK"] = "1"
        torch.set_default_dtype(torch.float64)
        torch.set_grad_enabled(False)
        sys.path.append("/leaked")
        os.chdir("/")
    """,
    "lessons/z/leak_b.py": """
        import os, random, sys
        import matplotlib
        import torch
        print(random.random(), torch.rand(1).item())
        print("linewidth", matplotlib.rcParams["lines.linewidth"])
        print("env", os.environ.get("LESSONPRESS_LEAK"))
        print("dtype", torch.get_default_dtype())
        print("grad", torch.is_grad_enabled())
        print("path", "/leaked" in sys.path)
        print("helper", "helper_mod" in sys.modules)
        print("cwd", os.path.basename(os.getcwd()))
        print("data", open("data.txt").read().strip())
        print("main", __name__, os.path.basename(__file__))
    """,
    "lessons/z/data.txt": "relative read works\n",
    "lessons/z/values.py": """
        import numpy as np
        import torch
        final_loss = 0.012345
        steps = 50
        name = "sgd"
        tensor_value = torch.tensor([2.5])
        numpy_value = np.float64(1.25)
        big_tensor = torch.zeros(3)
        _private = 1
    """,
    "lessons/z/exit_code.py": """
        # %% start
        print("before")
        # %% boom
        import os
        os._exit(3)
    """,
    "lessons/z/segfault.py": """
        # %% crash
        import ctypes
        ctypes.string_at(0)
    """,
    "lessons/z/hang.py": """
        # %% forever
        import time
        time.sleep(600)
    """,
    "lessons/z/huge.py": """
        # %% flood
        for i in range(200_000):
            print("x" * 40)
    """,
    "lessons/z/spawned.py": """
        import multiprocessing as mp
        import os

        import torch
        import torch.distributed as dist
        import torch.multiprocessing as tmp


        def square(n):
            return n * n


        def all_reduce(rank, world_size, port):
            os.environ["MASTER_ADDR"] = "127.0.0.1"
            os.environ["MASTER_PORT"] = str(port)
            dist.init_process_group("gloo", rank=rank, world_size=world_size)
            t = torch.tensor([float(rank + 1)])
            dist.all_reduce(t)
            assert t.item() == 3.0
            dist.destroy_process_group()


        if __name__ == "__main__":
            with mp.get_context("spawn").Pool(2) as pool:
                squares = pool.map(square, range(4))
            print("spawn pool", squares)
            import socket
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            tmp.spawn(all_reduce, args=(2, port), nprocs=2, join=True)
            print("gloo all_reduce ok")
            spawned_ok = True
    """,
}


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    root = write_project(tmp_path_factory.mktemp("zoo"), ZOO)
    project = load_project(root)
    lessons = [lesson for path, lesson in project.lessons.items() if "helper_mod" not in path]
    timeouts = {"lessons/z/hang.py": 3.0, "*": 120.0}
    execution = execute(root, lessons, timeouts, RunOptions(jobs=2, use_cache=False, output_limit=100_000))
    return {"root": root, "results": execution.results}


def cell(zoo: dict, lesson: str, name: str):  # type: ignore[no-untyped-def,type-arg]
    result = zoo["results"][f"lessons/z/{lesson}.py"].cell(name)
    assert result is not None, f"cell {name} of {lesson} did not run"
    return result


def test_output_is_captured_in_order_at_the_fd_level(zoo: dict) -> None:  # type: ignore[type-arg]
    text = cell(zoo, "capture", "order").output
    lines = text.splitlines()
    assert lines[0:3] == ["one", "two", "three from fd 1"]
    assert "UserWarning: four" in lines[3]
    positions = [text.index(s) for s in ("four", "five from a child process", "progress 100%", "red plain")]
    assert positions == sorted(positions)


def test_carriage_returns_and_ansi_codes_are_resolved(zoo: dict) -> None:  # type: ignore[type-arg]
    text = cell(zoo, "capture", "order").output
    assert "progress 100%" in text.splitlines()
    assert "progress 0%" not in text
    assert "\x1b" not in text and "red plain" in text


def test_pages_show_no_absolute_paths_of_this_machine(zoo: dict) -> None:  # type: ignore[type-arg]
    order, paths = cell(zoo, "capture", "order"), cell(zoo, "capture", "paths")
    assert "\ncapture.py:6: UserWarning: four" in "\n" + order.output
    assert "json/__init__.py:1: UserWarning: from a library" in paths.output
    assert paths.output.splitlines()[-1] == "capture.py"
    assert paths.display == "'json/__init__.py'"
    assert str(zoo["root"]) not in order.output + paths.output + paths.display


def test_each_cell_gets_its_own_output(zoo: dict) -> None:  # type: ignore[type-arg]
    assert cell(zoo, "capture", "second").output == "only in the second cell\n"
    assert "only in the second" not in cell(zoo, "capture", "order").output


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_every_show_is_a_snapshot(zoo: dict) -> None:  # type: ignore[type-arg]
    figures = cell(zoo, "figures", "twice").figures
    assert len(figures) == 2
    assert figures[0].data != figures[1].data and figures[0].format == "png"
    assert png_size(figures[0].data) == (figures[0].width * 2, figures[0].height * 2)


def test_open_figures_are_captured_once_at_cell_end(zoo: dict) -> None:  # type: ignore[type-arg]
    (figure,) = cell(zoo, "figures", "left_open").figures
    assert "Open figure" in figure.alt and "x axis: time" in figure.alt
    assert len(cell(zoo, "figures", "shown_once").figures) == 1
    assert cell(zoo, "figures", "none").figures == ()


def test_bare_expression_value_is_displayed(zoo: dict) -> None:  # type: ignore[type-arg]
    assert cell(zoo, "display", "tensor").display == "tensor([1.9876])"
    assert cell(zoo, "display", "artists").display is None
    assert cell(zoo, "display", "assignment").display is None
    assert cell(zoo, "display", "seed").display is None  # <torch._C.Generator object at 0x...>
    assert cell(zoo, "display", "custom").display == "Point(1, 2)"


def test_figures_saved_by_the_lesson_are_still_captured(zoo: dict) -> None:  # type: ignore[type-arg]
    assert len(cell(zoo, "figures", "saved").figures) == 1  # savefig() clears matplotlib's stale flag
    assert len(cell(zoo, "figures", "saved_and_shown").figures) == 1
    assert len(cell(zoo, "figures", "shown_unchanged_twice").figures) == 1


def test_displayed_values_hide_addresses_and_are_capped(zoo: dict) -> None:  # type: ignore[type-arg]
    shown = cell(zoo, "display", "addresses").display
    assert shown.startswith("(<function f at 0x…>, <generator object <genexpr> at 0x…>)"), shown
    assert cell(zoo, "display", "semicolon").display is None
    long_value = cell(zoo, "display", "long_value")
    assert long_value.output_truncated and len(long_value.display) <= 100_000


def test_a_process_the_lesson_forks_does_not_end_the_lesson(zoo: dict) -> None:  # type: ignore[type-arg]
    result = zoo["results"]["lessons/z/forks.py"]
    assert result.failure is None, result.failure
    assert "parent continues" in result.cells[0].output
    assert result.cells[1].output == "the next cell runs\n"


def test_files_the_lesson_writes_are_not_its_inputs(zoo: dict) -> None:  # type: ignore[type-arg]
    result = zoo["results"]["lessons/z/writes.py"]
    assert result.cells[0].output == "made by the lesson relative read works\n"
    assert [path for path, _ in result.reads] == ["lessons/z/data.txt"]


def test_expected_error_is_trimmed_to_lesson_frames(zoo: dict) -> None:  # type: ignore[type-arg]
    error = cell(zoo, "errors", "broken").error
    assert error is not None and error.type_name == "ValueError"
    assert error.message == "exploded in a helper"
    assert 'File "errors.py", line 6' in error.traceback
    assert 'File "helper_mod.py", line 2, in explode' in error.traceback
    assert "lessonpress" not in error.traceback and "/tmp" not in error.traceback
    assert cell(zoo, "errors", "after").output.startswith("cells after an expected error")


def test_unexpected_error_stops_the_lesson_with_its_line(zoo: dict) -> None:  # type: ignore[type-arg]
    result = zoo["results"]["lessons/z/unexpected.py"]
    assert [c.name for c in result.cells] == ["a", "b"]
    error = result.cell("b").error
    assert (error.type_name, error.path, error.line) == ("ZeroDivisionError", "lessons/z/unexpected.py", 4)


def test_syntax_error_points_at_the_real_line(zoo: dict) -> None:  # type: ignore[type-arg]
    error = cell(zoo, "syntax", "bad").error
    assert error is not None and error.type_name == "SyntaxError" and error.line == 4


def test_nothing_leaks_between_lessons(zoo: dict) -> None:  # type: ignore[type-arg]
    a = cell(zoo, "leak_a", "setup").output.splitlines()
    b = cell(zoo, "leak_b", "setup").output.splitlines()
    assert a[0] == b[0], "both lessons start from the same seeds"
    assert b[1:] == [
        "linewidth 1.5",
        "env None",
        "dtype torch.float32",
        "grad True",
        "path False",
        "helper False",
        "cwd z",
        "data relative read works",
        "main __main__ leak_b.py",
    ]


def test_module_level_values_are_kept(zoo: dict) -> None:  # type: ignore[type-arg]
    values = zoo["results"]["lessons/z/values.py"].values
    assert values["final_loss"] == 0.012345 and values["steps"] == 50 and values["name"] == "sgd"
    assert values["tensor_value"] == 2.5 and values["numpy_value"] == 1.25
    assert "big_tensor" not in values and "_private" not in values


def test_a_lesson_that_exits_is_reported_with_status_and_cell(zoo: dict) -> None:  # type: ignore[type-arg]
    failure = zoo["results"]["lessons/z/exit_code.py"].failure
    assert failure == "exited with status 3 in cell 'boom' before it finished"


def test_a_segfault_is_reported(zoo: dict) -> None:  # type: ignore[type-arg]
    assert "SIGSEGV in cell 'crash'" in zoo["results"]["lessons/z/segfault.py"].failure


def test_a_hung_lesson_times_out(zoo: dict) -> None:  # type: ignore[type-arg]
    failure = zoo["results"]["lessons/z/hang.py"].failure
    assert failure.startswith("timed out after 3 s in cell 'forever'")


def test_control_characters_are_dropped_and_messages_keep_every_line(zoo: dict) -> None:  # type: ignore[type-arg]
    assert cell(zoo, "control", "raw_bytes").output == "nul bell tab\tend\n"
    error = cell(zoo, "control", "multiline").error
    assert error is not None and error.message == "line one line two"


def test_huge_output_is_capped(zoo: dict) -> None:  # type: ignore[type-arg]
    flood = cell(zoo, "huge", "flood")
    assert flood.output_truncated and len(flood.output) <= 100_000


def test_spawned_processes_work_under_main_guard(zoo: dict) -> None:  # type: ignore[type-arg]
    result = zoo["results"]["lessons/z/spawned.py"]
    assert result.failure is None and not result.failed, result
    text = result.cells[0].output
    assert "spawn pool [0, 1, 4, 9]" in text and "gloo all_reduce ok" in text
    assert result.values["spawned_ok"] is True


def test_reads_are_recorded_for_the_cache(zoo: dict) -> None:  # type: ignore[type-arg]
    reads = dict(zoo["results"]["lessons/z/leak_b.py"].reads)
    assert "lessons/z/data.txt" in reads
    assert "lessons/z/helper_mod.py" in dict(zoo["results"]["lessons/z/errors.py"].reads)


def test_lean_workers_give_the_same_results(zoo: dict) -> None:  # type: ignore[type-arg]
    """A worker that imports nothing ahead (one lesson per worker) must not change a single
    byte: seeds, thread counts and plt.show() snapshots are set up when the lesson imports
    numpy, torch and pyplot itself."""
    from lessonpress.execute import WorkerPool

    names = ["unseeded", "figures", "display", "capture"]
    project = load_project(zoo["root"])
    lessons = [project.lessons[f"lessons/z/{name}.py"] for name in names]
    pool = WorkerPool(lean=True)
    try:
        lean = execute(
            zoo["root"],
            lessons,
            {"*": 120.0},
            RunOptions(jobs=2, use_cache=False, output_limit=100_000),
            pool=pool,
        )
    finally:
        pool.close()
    for name in names:
        path = f"lessons/z/{name}.py"
        assert lean.results[path].cells == zoo["results"][path].cells, name
        assert lean.results[path].values == zoo["results"][path].values, name
        # importing torch and matplotlib in the lesson is not counted in its run cost
        assert run_time(lean.results[path].cpu_seconds) == run_time(zoo["results"][path].cpu_seconds), name
    assert len(lean.results["lessons/z/unseeded.py"].cells[0].output.split()) == 4


def _children(pid: int) -> dict[int, str]:
    """The child processes of `pid`, with their state letter (Z: exited, not yet reaped)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found[int(stat.parent.name)] = fields[0]
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("own_session", [False, True])
def test_workers_reap_their_children_and_kill_strays(tmp_path: Path, own_session: bool) -> None:
    """A worker answers as soon as a lesson's result is written, and still reaps every child
    and kills what a lesson left running, also in a session of its own (out of the lesson's
    process group)."""
    from lessonpress.execute.job import new_job as _job
    from lessonpress.execute.supervise import ForkServer as _ForkServer
    from lessonpress.load import split_cells

    start = f"subprocess.Popen(['sleep', '60'], start_new_session={own_session})"
    root = write_project(tmp_path, {"lessons/s/stray.py": f"import subprocess\nprint({start}.pid)\n"})
    lesson = split_cells("lessons/s/stray.py", (root / "lessons/s/stray.py").read_text())
    worker = _ForkServer(tmp_path, lean=True)
    try:
        outputs = [
            worker.run(_job(root, lesson, tmp_path, 1, RunOptions(), {"*": 60.0}), lesson) for _ in range(4)
        ]
        strays = [int(result.cells[0].output) for result in outputs]
        deadline = time.monotonic() + 5
        while _children(worker.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _children(worker.process.pid) == {}  # reaped, even with no job coming
        for stray in strays:
            state = Path(f"/proc/{stray}/stat")
            assert not state.exists() or state.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    finally:
        worker.close()


def test_a_lessons_threads_do_not_depend_on_how_many_lessons_run(tmp_path: Path) -> None:
    """Re-running one edited lesson must print what a clean build of all lessons printed:
    its thread count (and so torch's rounding) follows from --jobs alone."""
    import os

    root = write_project(tmp_path, {"lessons/t/threads.py": "import torch\nprint(torch.get_num_threads())\n"})
    lesson = load_project(root).lessons["lessons/t/threads.py"]
    alone = execute(root, [lesson], {"*": 120.0}, RunOptions(jobs=2, use_cache=False))
    threads = int(alone.results["lessons/t/threads.py"].cells[0].output)
    assert threads == max(1, (os.cpu_count() or 1) // 2)


def test_runaway_output_does_not_fill_the_disk(tmp_path: Path) -> None:
    """The page shows the first output_limit bytes; the file behind it is cut back while the
    lesson runs, so a lesson stuck printing cannot fill the disk before its timeout."""
    lesson_text = (
        "import os, time\n"
        "peak = written = 0\n"
        "chunk = b'x' * (1 << 20)\n"
        "end = time.monotonic() + 1.5\n"
        "while time.monotonic() < end:  # about 1 GB/s at most: the worker looks 10 times a second\n"
        "    written += os.write(1, chunk)\n"
        "    peak = max(peak, os.fstat(1).st_size)\n"
        "    time.sleep(0.001)\n"
    )
    root = write_project(tmp_path, {"lessons/r/runaway.py": lesson_text})
    lesson = load_project(root).lessons["lessons/r/runaway.py"]
    options = RunOptions(jobs=1, use_cache=False, output_limit=100_000)
    result = execute(root, [lesson], {"*": 120.0}, options).results["lessons/r/runaway.py"]
    assert result.failure is None, result.failure
    written, peak = result.values["written"], result.values["peak"]
    assert written >= 100 << 20 and peak < written / 2, (written, peak)
    assert result.cells[0].output_truncated and len(result.cells[0].output) <= 100_000


def test_files_read_by_python_processes_the_lesson_starts_are_inputs(tmp_path: Path) -> None:
    """A spawn pool's workers and a Python subprocess read data files too: a change to one
    must re-run the lesson, so they are recorded with the lesson's own reads."""
    lesson_text = (
        "import multiprocessing as mp\n"
        "import subprocess, sys\n"
        "\n"
        "def scaled(k):\n"
        "    return k * int(open('n.txt').read())\n"
        "\n"
        "if __name__ == '__main__':\n"
        "    with mp.get_context('spawn').Pool(1) as pool:\n"
        "        print(pool.map(scaled, [1, 2]))\n"
        "    code = \"open('m.txt').read(); open('made.txt', 'w').write('x')\"\n"
        "    subprocess.run([sys.executable, '-c', code], check=True)\n"
    )
    files = {"lessons/c/pool.py": lesson_text, "lessons/c/n.txt": "5\n", "lessons/c/m.txt": "m\n"}
    root = write_project(tmp_path, files)
    lesson = load_project(root).lessons["lessons/c/pool.py"]
    result = execute(root, [lesson], {"*": 120.0}, RunOptions(jobs=1, use_cache=False)).results[
        "lessons/c/pool.py"
    ]
    assert result.failure is None and result.cells[0].output == "[5, 10]\n", result
    assert [path for path, _ in result.reads] == ["lessons/c/m.txt", "lessons/c/n.txt"]


def test_a_matplotlibrc_in_the_lesson_folder_applies_in_warm_and_lean_workers(tmp_path: Path) -> None:
    """`python lesson.py` in its folder reads ./matplotlibrc; so must a lesson forked from a
    worker that imported matplotlib elsewhere."""
    lesson = "import matplotlib\nprint(matplotlib.rcParams['lines.linewidth'], matplotlib.get_backend())\n"
    files = {f"lessons/m/l{i}.py": lesson for i in range(3)}
    root = write_project(tmp_path, {**files, "lessons/m/matplotlibrc": "lines.linewidth: 7\n"})
    lessons = list(load_project(root).lessons.values())
    warm = execute(root, lessons, {"*": 120.0}, RunOptions(jobs=1, use_cache=False))  # 3 lessons, 1 worker
    lean = execute(root, lessons[:1], {"*": 120.0}, RunOptions(jobs=1, use_cache=False))
    outputs = [r.cells[0].output for r in [*warm.results.values(), *lean.results.values()]]
    assert [o.lower() for o in outputs] == ["7.0 agg\n"] * 4, outputs
