"""Issue 12, the lesson runner: what a lesson reads, figures, odd values, failures, exits.

Each case goes through the CLI, as an author would meet it. Builds that should succeed
check the page and whether the lesson ran or came from the cache; builds that should fail
go through `fails_safely` (exit code, message, site and sources untouched).
"""

from __future__ import annotations

import py_compile
import time
from pathlib import Path

import pytest

from .conftest import post, write_project
from .safety import CACHE, MINIMAL, build_args, built, cli, fails_safely, tree

POST_LINE = 7  # the line of the `{lesson}` directive in MINIMAL's post


def build(root: Path, out: Path) -> str:
    """Build successfully; return stderr (it says what ran and what was cached)."""
    result = cli("build", "--root", str(root), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return result.stderr


def page(out: Path) -> str:
    return (out / "posts" / "p" / "index.html").read_text()


def ran(stderr: str) -> bool:
    """Whether the build ran the one lesson (rather than taking it from the cache)."""
    assert ("1 needed, 1 cached, 0 to run" in stderr) != ("1 needed, 0 cached, 1 to run" in stderr), stderr
    return "0 cached, 1 to run" in stderr


def lesson_fails(tmp_path: Path, source: str, message: str) -> str:
    """Build MINIMAL, then replace its lesson with `source`: the build fails with `message`.

    A lesson's own exception is shown with its traceback trimmed to the lesson's frames,
    which `fails_safely` would take for a lessonpress traceback: those cases are checked
    here the same way, and for showing no frame but the lesson's.
    """
    case = built(tmp_path)
    (case.root / "lessons/p/l.py").write_text(source)
    args = ("build", "--root", str(case.root), "--out", str(case.out))
    if "raised" not in message:
        return fails_safely(case, *args, code=1, message=message).stderr
    skip = (case.root / CACHE,)
    site_before, world_before = tree(case.out), tree(case.world, skip)
    result = cli(*args)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "internal error" not in result.stderr and "lessonpress/" not in result.stderr, result.stderr
    assert all(
        line.strip().startswith('File "l.py"') for line in result.stderr.splitlines() if "File " in line
    )
    assert tree(case.out) == site_before and tree(case.world, skip) == world_before
    return result.stderr


# ---------------------------------------------------------------- 3: a read is keyed as it was read

REWRITES_DATA = """\
text = open("data.txt").read().strip()
print("read", text)
open("data.txt", "w").write("newer\\n")  # after reading it: the next run reads something else
"""

REWRITES_HELPER = """\
import helper
print("helper says", helper.WORD)
with open(helper.__file__, "w") as file:
    file.write('WORD = "newer"\\n')
"""

CHILD_REWRITES_DATA = """\
import subprocess, sys
code = "t = open('data.txt').read().strip(); print('child read', t); open('data.txt', 'w').write('newer')"
subprocess.run([sys.executable, "-c", code], check=True)
"""


@pytest.mark.parametrize(
    ("lesson", "extra", "first", "then"),
    [
        (REWRITES_DATA, {"lessons/p/data.txt": "old\n"}, "read old", "read newer"),
        (REWRITES_HELPER, {"lessons/p/helper.py": 'WORD = "old"\n'}, "helper says old", "helper says newer"),
        (CHILD_REWRITES_DATA, {"lessons/p/data.txt": "old\n"}, "child read old", "child read newer"),
    ],
    ids=["data-file", "helper-module", "child-process"],
)
def test_a_file_changed_while_the_lesson_runs_is_read_again_next_build(
    tmp_path: Path, lesson: str, extra: dict[str, str], first: str, then: str
) -> None:
    case = built(tmp_path, {**MINIMAL, "lessons/p/l.py": lesson, **extra})
    assert first in page(case.out)
    stderr = build(case.root, case.out)
    assert ran(stderr), "the cache claimed the content the lesson wrote after reading"
    assert then in page(case.out)
    assert not ran(build(case.root, case.out))  # and now it is stable


def test_a_helper_imported_from_its_bytecode_is_keyed_as_imported(tmp_path: Path) -> None:
    files = {**MINIMAL, "lessons/p/l.py": REWRITES_HELPER, "lessons/p/helper.py": 'WORD = "old"\n'}
    root = write_project(tmp_path / "project", files)
    py_compile.compile(str(root / "lessons/p/helper.py"))  # the import reads the .pyc, not the .py
    out = tmp_path / "site"
    build(root, out)
    assert "helper says old" in page(out)
    assert ran(build(root, out))
    assert "helper says newer" in page(out)


# ---------------------------------------------------------------- 4: data behind a symlink


def test_data_behind_symlinks_is_keyed_by_its_content(tmp_path: Path) -> None:
    data = tmp_path / "datasets" / "x"
    data.mkdir(parents=True)
    (data / "values.txt").write_text("42\n")
    (tmp_path / "outside.txt").write_text("hello\n")
    lesson = 'print("values", open("data/values.txt").read().strip())\nprint("one", open("one.txt").read().strip())\n'
    root = write_project(tmp_path / "project", {**MINIMAL, "lessons/p/l.py": lesson})
    (root / "lessons/p/data").symlink_to(data)
    (root / "lessons/p/one.txt").symlink_to(tmp_path / "outside.txt")
    out = tmp_path / "site"
    assert ran(build(root, out))
    assert "values 42" in page(out) and "one hello" in page(out)
    assert not ran(build(root, out))
    (data / "values.txt").write_text("43\n")
    assert ran(build(root, out))
    assert "values 43" in page(out)
    (tmp_path / "outside.txt").write_text("bye\n")
    assert ran(build(root, out))
    assert "one bye" in page(out)


# ---------------------------------------------------------------- 5: figures lessonpress cannot draw

BAD_MATH_SHOWN = """\
import matplotlib.pyplot as plt
plt.plot([1, 2])
plt.title(r"loss $\\frac{1}{$")
plt.show()
"""

BAD_MATH_LEFT_OPEN = """\
import matplotlib.pyplot as plt
x = 1
fig, ax = plt.subplots()
ax.set_title(r"loss $\\frac{1}{$")
"""

TOO_LARGE = """\
import matplotlib.pyplot as plt
plt.figure(figsize=(50000, 1))  # wider than Agg can draw
plt.plot([1, 2])
"""


@pytest.mark.parametrize(
    ("source", "line"),
    [(BAD_MATH_SHOWN, 4), (BAD_MATH_LEFT_OPEN, 3), (TOO_LARGE, 2)],
    ids=["shown", "open", "size"],
)
def test_a_figure_that_cannot_be_drawn_is_the_lessons_error(tmp_path: Path, source: str, line: int) -> None:
    message = f"posts/p.md:{POST_LINE}: error: lesson l.py raised ValueError in cell 'setup' (lessons/p/l.py:{line}): "
    stderr = lesson_fails(tmp_path, source, message)
    assert "exited with status" not in stderr


def test_a_warning_from_drawing_a_figure_names_the_lessons_line(tmp_path: Path) -> None:
    lesson = 'import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.title("loss \\u4e2d")\nplt.show()\n'
    case = built(tmp_path, {**MINIMAL, "lessons/p/l.py": lesson})
    shown = page(case.out)
    assert "runner.py" not in shown
    assert "l.py:4: UserWarning: Glyph 20013" in shown


# ---------------------------------------------------------------- 7: odd module-level values

ODD_VALUES = """\
class Opaque:
    def __getattr__(self, name):
        raise RuntimeError("no attributes here")

class NoClass:
    @property
    def __class__(self):
        raise RuntimeError("no class")

class Touchy:
    def __eq__(self, other):
        raise RuntimeError("no comparing")
    def __repr__(self):
        raise RuntimeError("no repr")
    __hash__ = None

class Label(str):
    def __str__(self):
        return self

class Rate(float):
    pass

class Item:
    def item(self):
        return Rate(0.25)
    def numel(self):
        return 1

opaque = Opaque()
no_class = NoClass()
touchy = Touchy()
label = Label("hello")
rate = Rate(0.5)
labels = [Label("a"), Label("b")]
mixed = [1, Opaque()]
item = Item()
"""

QUOTES = "{value}`l.py:label` {value}`l.py:rate` {value}`l.py:labels` {value}`l.py:item`"


def test_odd_module_level_values_do_not_crash_and_plain_ones_are_quoted(tmp_path: Path) -> None:
    files = {
        "posts/p.md": post("P", body=f"```{{lesson}} l.py\n```\n\n{QUOTES}\n"),
        "lessons/p/l.py": ODD_VALUES,
    }
    case = built(tmp_path, files)
    values = ["hello", "0.5", "[&#39;a&#39;, &#39;b&#39;]", "0.25"]
    assert " ".join(f'<span class="lesson-value">{v}</span>' for v in values) in page(case.out)


@pytest.mark.parametrize("name", ["opaque", "no_class", "touchy", "mixed"])
def test_an_odd_value_quoted_is_named_unquotable(tmp_path: Path, name: str) -> None:
    case = built(tmp_path)
    (case.root / "posts/p.md").write_text(
        post("P", body=f"```{{lesson}} l.py\n```\n\n{{value}}`l.py:{name}`\n")
    )
    (case.root / "lessons/p/l.py").write_text(ODD_VALUES)
    fails_safely(
        case,
        *build_args(case),
        code=1,
        message=f"{name!r} in lesson l.py is a",
    )


# ---------------------------------------------------------------- smaller defects


def test_a_dead_worker_is_reported_in_a_sentence_with_its_cell(tmp_path: Path) -> None:
    lesson = "import os, signal\n# %% main\nos.kill(os.getppid(), signal.SIGKILL)\n"
    message = (
        f"posts/p.md:{POST_LINE}: error: lesson lessons/p/l.py stopped in cell 'main': "
        "its worker process died (killed by SIGKILL)"
    )
    lesson_fails(tmp_path, lesson, message)


def test_atexit_handlers_run_with_their_output_on_the_page(tmp_path: Path) -> None:
    lesson = 'import atexit\n\n@atexit.register\ndef goodbye():\n    print("goodbye" + " from atexit")\n\nprint("hello")\n'
    case = built(tmp_path, {**MINIMAL, "lessons/p/l.py": lesson})
    assert "goodbye from atexit" in page(case.out)


def test_an_atexit_handler_that_raises_is_the_lessons_error(tmp_path: Path) -> None:
    lesson = "import atexit\n\ndef fail():\n    raise ValueError('at exit')\n\natexit.register(fail)\n"
    message = f"posts/p.md:{POST_LINE}: error: lesson l.py raised ValueError in cell 'setup' (lessons/p/l.py:4): at exit"
    lesson_fails(tmp_path, lesson, message)


def test_deep_recursion_is_reported_quickly_and_briefly(tmp_path: Path) -> None:
    lesson = (
        "import sys\nsys.setrecursionlimit(100000)\n\ndef f(n):\n    return g(n + 1)\n\n"
        "def g(n):\n    return f(n + 1)\n\nf(0)\n"
    )
    started = time.monotonic()
    stderr = lesson_fails(tmp_path, lesson, "raised RecursionError in cell 'setup' (lessons/p/l.py:")
    assert len(stderr) < 20_000, len(stderr)
    assert "more calls" in stderr
    assert time.monotonic() - started < 30


def test_a_failure_of_the_runner_itself_is_reported_with_its_exception(tmp_path: Path) -> None:
    lesson = "import pickle\npickle.dumps = None  # the runner pickles the results with it\n"
    message = (
        f"posts/p.md:{POST_LINE}: error: lesson lessons/p/l.py exited with status 1 in cell 'setup' before it "
        "finished: lessonpress's runner failed (TypeError: 'NoneType' object is not callable)"
    )
    lesson_fails(tmp_path, lesson, message)


@pytest.mark.parametrize(
    "quote, shown",
    [
        ("{value}`l.py:big`", "big = <int of 100001 digits>"),
        ("{value}`l.py:large:.2e`", "large = <int of 401 digits>"),
    ],
    ids=["too many digits for str", "too large for a float"],
)
def test_a_huge_int_quoted_is_a_located_error(tmp_path: Path, quote: str, shown: str) -> None:
    case = built(tmp_path)
    (case.root / "posts/p.md").write_text(post("P", body=f"```{{lesson}} l.py\n```\n\n{quote}\n"))
    (case.root / "lessons/p/l.py").write_text("big = 10**100000\nlarge = 10**400\n")
    args = ("build", "--root", str(case.root), "--out", str(case.out))
    result = fails_safely(case, *args, code=1, message=f"posts/p.md:{POST_LINE + 3}: error: cannot format")
    assert shown in result.stderr, result.stderr
