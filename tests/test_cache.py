"""Caching: a rebuild runs only what changed, and never trusts a stale or broken entry."""

from __future__ import annotations

import filecmp
import os
import time
from pathlib import Path

import pytest

from lessonpress.build import build
from lessonpress.store import CACHE_DIR
from lessonpress.execute import RunOptions

from lessonpress.errors import ContentError

from .conftest import post, write_project

FILES = {
    "posts/a.md": post("A", "1.1", "```{lesson} a.py\n```\n\nValue {value}`a.py:total`."),
    "posts/b.md": post("B", "1.2", "```{lesson} b.py\n```"),
    "lessons/a/a.py": "import helper\nprint(open('data.txt').read().strip())\ntotal = helper.twice(21)\n",
    "lessons/a/helper.py": "def twice(x):\n    return 2 * x\n",
    "lessons/a/data.txt": "first data\n",
    "lessons/b/b.py": "import random\nprint('b', random.random())\n",
}


def rebuild(root: Path, use_cache: bool = True) -> set[str]:
    """Build and return the lessons that were executed (not taken from the cache)."""
    report = build(root, root / "site", RunOptions(jobs=2, use_cache=use_cache))
    return set(report.execution.results) - set(report.execution.cached)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = write_project(tmp_path / "p", FILES)
    assert rebuild(root) == {"lessons/a/a.py", "lessons/b/b.py"}
    return root


def mtimes(root: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in (root / "site").rglob("*") if p.is_file()}


def test_nothing_changed_runs_nothing_and_rewrites_nothing(root: Path) -> None:
    before = mtimes(root)
    time.sleep(0.01)
    assert rebuild(root) == set()
    assert mtimes(root) == before


def test_prose_edit_rerenders_without_running(root: Path) -> None:
    path = root / "posts" / "a.md"
    path.write_text(path.read_text().replace("Value", "The value is"))
    before = mtimes(root)
    assert rebuild(root) == set()
    after = mtimes(root)
    page = str(root / "site" / "posts" / "a" / "index.html")
    assert after[page] != before[page]
    assert "The value is" in Path(page).read_text() and "42" in Path(page).read_text()
    assert (
        after[str(root / "site" / "posts" / "b" / "index.html")]
        == before[str(root / "site" / "posts" / "b" / "index.html")]
    )


def test_lesson_edit_reruns_only_that_lesson(root: Path) -> None:
    (root / "lessons" / "b" / "b.py").write_text("print('b changed')\n")
    assert rebuild(root) == {"lessons/b/b.py"}
    assert "b changed" in (root / "site" / "posts" / "b" / "index.html").read_text()


@pytest.mark.parametrize(
    "name, content", [("helper.py", "def twice(x):\n    return x + x + 1\n"), ("data.txt", "second data\n")]
)
def test_files_the_lesson_read_are_part_of_the_key(root: Path, name: str, content: str) -> None:
    (root / "lessons" / "a" / name).write_text(content)
    assert rebuild(root) == {"lessons/a/a.py"}


def test_no_cache_runs_everything(root: Path) -> None:
    assert rebuild(root, use_cache=False) == {"lessons/a/a.py", "lessons/b/b.py"}


def test_a_damaged_entry_is_a_miss_not_a_crash(root: Path) -> None:
    for entry in (root / CACHE_DIR / "lessons").glob("*.pickle"):
        entry.write_bytes(entry.read_bytes()[:50])
    for entry in (root / CACHE_DIR / "pages").glob("*.pickle"):
        entry.write_bytes(b"garbage")
    assert rebuild(root) == {"lessons/a/a.py", "lessons/b/b.py"}


def test_two_clean_builds_are_byte_identical(tmp_path: Path) -> None:
    files = dict(FILES)
    files["lessons/b/b.py"] = (
        "import matplotlib.pyplot as plt, torch\nprint(torch.rand(2))\n"
        "plt.plot(torch.rand(5))\nplt.title('random')\nplt.show()\n"
    )
    roots = [write_project(tmp_path / name, files) for name in ("one", "two")]
    for root in roots:
        rebuild(root)
    comparison = filecmp.dircmp(roots[0] / "site", roots[1] / "site")

    def differences(cmp: filecmp.dircmp) -> list[str]:  # type: ignore[type-arg]
        found = cmp.left_only + cmp.right_only + cmp.diff_files
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        found += mismatch + errors
        for sub in cmp.subdirs.values():
            found += differences(sub)
        return found

    assert differences(comparison) == []
    assert any(p.suffix == ".png" for p in (roots[0] / "site").rglob("*"))
    assert os.listdir(roots[0] / "site" / "posts") == os.listdir(roots[1] / "site" / "posts")


def test_a_worker_pool_serves_several_builds(root: Path) -> None:
    """`serve` keeps its workers between rebuilds; they must survive the build that started them."""
    from lessonpress.execute import WorkerPool

    pool = WorkerPool()
    try:
        for answer in (1, 2, 3):
            (root / "lessons" / "b" / "b.py").write_text(f"print('answer', {answer})\n")
            report = build(root, root / "site", RunOptions(jobs=1), pool=pool)
            assert set(report.execution.results) - set(report.execution.cached) == {"lessons/b/b.py"}
            assert f"answer {answer}" in (root / "site" / "posts" / "b" / "index.html").read_text()
    finally:
        pool.close()


def test_a_worker_pool_closes_its_workers(tmp_path: Path) -> None:
    """Closing a pool ends its workers with status 0 (they exit as soon as their input closes)."""
    from lessonpress.execute import WorkerPool

    pool = WorkerPool()
    runner = pool.acquire()
    process = getattr(runner, "process", None)
    pool.release(runner)
    pool.close()
    if process is not None:  # a fork server (not the fresh-interpreter fallback)
        assert process.poll() == 0


def test_link_check_rescans_only_changed_pages_and_still_finds_new_breaks(root: Path) -> None:
    from lessonpress.store import PageMemo
    from lessonpress.write.links import scan_page

    memo_file = root / CACHE_DIR / "links.pickle"
    assert memo_file.is_file()
    path = root / "posts" / "a.md"
    path.write_text(path.read_text() + "\nSee [the other post](../nowhere/).\n")
    report = build(root, root / "site", RunOptions(jobs=1))
    assert [w.message for w in report.warnings] == [
        "broken link: ../nowhere/ points to a missing page or file"
    ]
    assert report.warnings[0].path == "posts/a.md"

    # The memo on disk now knows every page of the site: scanning them again makes nothing.
    scanned: list[bytes] = []
    from lessonpress.memos import PageCache

    memo: PageMemo[object] = PageMemo(memo_file, PageCache(root).code_key)
    pages = [p.read_bytes() for p in (root / "site").rglob("*.html")]
    for page in pages:
        memo.get(page, lambda data: scanned.append(data) or scan_page(data))
    assert scanned == []
    memo.get(b"<a href='x'>new</a>", lambda data: scanned.append(data) or scan_page(data))
    assert scanned == [b"<a href='x'>new</a>"]

    path.write_text(path.read_text().replace("../nowhere/", "../b/"))
    assert build(root, root / "site", RunOptions(jobs=1)).warnings == ()


def test_page_memo_keeps_only_the_last_builds_pages(tmp_path: Path) -> None:
    from lessonpress.store import PageMemo

    path = tmp_path / "memo.pickle"
    first: PageMemo[int] = PageMemo(path, "v1")
    assert [first.get(page, len) for page in (b"a", b"bb")] == [1, 2]
    first.save()
    second: PageMemo[int] = PageMemo(path, "v1")
    made: list[bytes] = []
    assert second.get(b"bb", lambda d: made.append(d) or len(d)) == 2 and made == []
    assert second.get(b"ccc", lambda d: made.append(d) or len(d)) == 3 and made == [b"ccc"]
    second.save()
    third: PageMemo[int] = PageMemo(path, "v1")
    assert third.get(b"a", lambda d: made.append(d) or 9) == 9  # "a" was not in the last build
    assert PageMemo(path, "v2").get(b"bb", lambda d: 7) == 7  # another version trusts nothing


def test_the_work_done_while_lessons_run_has_finished_when_they_have(root: Path) -> None:
    """The build imports renderers in a thread while lessons run; rendering must not begin
    before that thread is done (importing a module from two threads at once can fail)."""
    import threading

    from lessonpress.execute import execute
    from lessonpress.load import load_project

    done = threading.Event()

    def slow_imports() -> None:
        time.sleep(2)
        done.set()

    project = load_project(root)
    lessons = [project.lessons["lessons/b/b.py"]]
    execute(root, lessons, {"*": 60.0}, RunOptions(jobs=1, use_cache=False), while_running=slow_imports)
    assert done.is_set()


@pytest.mark.parametrize("name", ["PyYAML", "pyyaml", "Pygments", "typing-extensions", "markdown_it_py"])
def test_package_versions_match_the_installed_distributions(name: str) -> None:
    from importlib import metadata

    from lessonpress.versions import package_version

    assert package_version(name) == metadata.version(name)


def test_a_prose_edit_does_not_parse_yaml_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Front matter and site.yaml are remembered by text: only changed YAML is parsed."""
    from lessonpress.load import yaml as config

    root = write_project(tmp_path, {**FILES, "site.yaml": "title: Memo\n"})
    rebuild(root)
    calls: list[str] = []
    real = config._safe_load
    monkeypatch.setattr(config, "_safe_load", lambda text: calls.append(text) or real(text))
    post_a = root / "posts" / "a.md"
    post_a.write_text(post_a.read_text() + "\nMore prose.\n")
    rebuild(root)
    assert calls == []
    post_a.write_text(post_a.read_text().replace('title: "A"', 'title: "A, renamed"'))
    rebuild(root)
    assert len(calls) == 1 and "A, renamed" in calls[0]
    assert "A, renamed" in (root / "site" / "posts" / "a" / "index.html").read_text()


def test_package_versions_follow_installs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lessonpress.versions import package_version

    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "fake_pkg-1.0.dist-info").mkdir()
    assert package_version("Fake-Pkg") == "1.0"
    (tmp_path / "fake_pkg-1.0.dist-info").rename(tmp_path / "fake_pkg-2.0.dist-info")
    os.utime(tmp_path, ns=(0, time.time_ns() + 10**9))  # the folder's mtime, as an install changes it
    assert package_version("fake-pkg") == "2.0"


def test_a_file_that_was_missing_reruns_the_lesson_when_it_appears(tmp_path: Path) -> None:
    """Looked for and not there is an input too: its arrival must not leave a stale page."""
    lesson = "try:\n    found = open('maybe.txt').read().strip()\nexcept FileNotFoundError:\n    found = 'absent'\n"
    files = {
        "posts/a.md": post("A", "1.1", "```{lesson} l.py\n```\n\n{value}`l.py:found`"),
        "lessons/a/l.py": lesson,
    }
    root = write_project(tmp_path / "p", files)
    assert rebuild(root) == {"lessons/a/l.py"}
    assert rebuild(root) == set()
    (root / "lessons/a/maybe.txt").write_text("here\n")
    assert rebuild(root) == {"lessons/a/l.py"}
    assert "here" in (root / "site/posts/a/index.html").read_text()


def test_a_failed_lesson_runs_again_once_what_it_missed_is_back(tmp_path: Path) -> None:
    files = {
        "posts/a.md": post("A", "1.1", "```{lesson} l.py\n```"),
        "lessons/a/l.py": "import hh\nprint(hh.MARK)\n",
        "lessons/a/hh.py": "MARK = 'helper found'\n",
    }
    root = write_project(tmp_path / "p", files)
    assert rebuild(root) == {"lessons/a/l.py"}
    (root / "lessons/a/hh.py").rename(root / "hh.bak")
    with pytest.raises(ContentError):
        rebuild(root)
    (root / "hh.bak").rename(root / "lessons/a/hh.py")
    rebuild(root)  # the failure was not cached: the earlier run, whose inputs are back, is valid again
    assert "helper found" in (root / "site/posts/a/index.html").read_text()
