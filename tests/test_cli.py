"""The command line: every command, every kind of bad input, and a site that is never lost."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lessonpress.write import build_lock

from .conftest import post, write_project
from .safety import cli

GOOD = {
    "site.yaml": "title: T\nmodules:\n  - title: M\n    goal: G\n    posts: [One, Two]\n",
    "posts/one.md": post("One", "1.1", "```{lesson} l.py#main\n```\n\nValue: {value}`l.py:answer`.\n"),
    "lessons/one/l.py": "# %% main\nanswer = 42\nprint('hello')\n",
}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def good_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_project(tmp_path_factory.mktemp("good"), GOOD)
    result = cli("build", "--root", str(root))
    assert result.returncode == 0, result.stderr
    return root


def test_summary_counts_in_words(good_site: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(good_site, root)
    result = cli("build", "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert re.search(r"built 1 post into .* \(0 lessons run, 1 cached, 0 files changed\)", result.stderr)
    path = root / "lessons" / "one" / "l.py"
    path.write_text(path.read_text() + "# edited\n")
    result = cli("build", "--root", str(root))
    assert re.search(r"\(1 lesson run, 0 cached, \d+ files? changed\)", result.stderr), result.stderr


def test_version_and_help() -> None:
    assert cli("--version").stdout.strip() == "lessonpress, version 0.1.0"
    for command in ("build", "check", "new", "serve"):
        result = cli(command, "--help")
        assert result.returncode == 0 and "Usage: " in result.stdout and len(result.stdout) > 300


BAD_INPUTS = [
    (
        "malformed_yaml",
        {"posts/one.md": "---\ntitle: [oops\n---\nBody\n"},
        "posts/one.md:2: error: invalid YAML",
    ),
    (
        "missing_title",
        {"posts/one.md": "---\ndate: 2026-01-01\n---\nBody\n"},
        "posts/one.md:1: error: front matter needs a 'title'",
    ),
    (
        "duplicate_series",
        {"posts/two.md": post("Two", "1.1")},
        "posts/two.md:3: error: series number 1.1 is already used by posts/one.md",
    ),
    (
        "missing_file",
        {"posts/one.md": post(body="```{lesson} nope.py\n```")},
        "posts/one.md:7: error: lesson file 'nope.py' not found",
    ),
    (
        "missing_cell",
        {"posts/one.md": post(body="```{lesson} l.py#nope\n```")},
        "posts/one.md:7: error: lesson l.py has no cell 'nope'",
    ),
    (
        "escaping_path",
        {"posts/one.md": post(body="```{lesson} ../../etc/passwd\n```")},
        "posts/one.md:7: error: lesson path '../../etc/passwd' points outside the lessons folder",
    ),
    (
        "absolute_path",
        {"posts/one.md": post(body="```{lesson} /etc/passwd\n```")},
        "posts/one.md:7: error: lesson path '/etc/passwd' must be relative",
    ),
    (
        "unknown_option",
        {"posts/one.md": post(body="```{lesson} l.py\n:hide: yes\n```")},
        "posts/one.md:8: error: unknown option :hide:",
    ),
    (
        "non_utf8",
        {"posts/one.md": b"---\ntitle: x\n---\n\nok\n\xff\n"},
        "posts/one.md:6: error: file is not UTF-8",
    ),
    ("empty_post", {"posts/one.md": ""}, "posts/one.md:1: error: missing front matter"),
    (
        "template_error",
        {
            "templates/post.html": "{% extends 'base.html' %}\n{% block content %}\n{{ post.title | nosuchfilter }}\n{% endblock %}\n"
        },
        "templates/post.html:3: error: template error",
    ),
    (
        "syntax_error",
        {"lessons/one/l.py": "# %% main\nanswer = (\n"},
        "lesson l.py raised SyntaxError in cell 'main' (lessons/one/l.py:2)",
    ),
    (
        "raises",
        {"lessons/one/l.py": "# %% main\nanswer = 42\nraise KeyError('lost')\n"},
        "posts/one.md:8: error: lesson l.py raised KeyError in cell 'main' (lessons/one/l.py:3): 'lost'",
    ),
    (
        "hangs",
        {"lessons/one/l.py": "# %% main\nimport time\ntime.sleep(60)\n"},
        "posts/one.md:8: error: lesson lessons/one/l.py timed out after 2 s in cell 'main'",
    ),
    (
        "exits",
        {"lessons/one/l.py": "# %% main\nimport os\nos._exit(7)\n"},
        "posts/one.md:8: error: lesson lessons/one/l.py exited with status 7 in cell 'main'",
    ),
    (
        "expected_error_missing",
        {"lessons/one/l.py": '# %% main tags=["raises-exception"]\nanswer = 42\n'},
        "cell 'main' of lesson l.py is tagged raises-exception but did not raise",
    ),
]


@pytest.mark.parametrize("name, changes, expected", BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_reported_and_the_site_kept(
    good_site: Path, tmp_path: Path, name: str, changes: dict[str, str | bytes], expected: str
) -> None:
    root = tmp_path / "bad"
    shutil.copytree(good_site, root, ignore=shutil.ignore_patterns("site"))
    write_project(root, changes)
    out = tmp_path / "site"
    shutil.copytree(good_site / "site", out)
    before = snapshot(out)
    result = cli("build", "--root", str(root), "--out", str(out), "--timeout", "2")
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr
    assert "Traceback (most recent call last)" not in result.stderr.split("error:")[0]
    assert "lessonpress/" not in result.stderr, "no lessonpress frames in what the author sees"
    assert snapshot(out) == before


def test_megabytes_of_output_are_capped_on_the_page(project) -> None:  # type: ignore[no-untyped-def]
    root = project(
        {
            "posts/a.md": post(body="```{lesson} l.py\n```"),
            "lessons/a/l.py": "for i in range(100_000):\n    print('y' * 99)\n",
        }
    )
    result = cli("build", "--root", str(root))
    assert result.returncode == 0, result.stderr
    page = (root / "site" / "posts" / "a" / "index.html").read_text()
    assert "Output truncated" in page and len(page) < 400_000


def test_injection_is_escaped_everywhere(project) -> None:  # type: ignore[no-untyped-def]
    root = project(
        {
            "posts/a.md": "---\ntitle: 'Quote \" and <script>x</script>'\nsummary: '<img src=x onerror=y> \"s\"'\n"
            "date: 2026-01-01\ntags: ['<b>t</b>']\n---\n\n```{lesson} l.py\n:caption: <script>c</script>\n"
            ':alt: a " b\n```\n',
            "lessons/a/l.py": "import matplotlib.pyplot as plt\nprint('<script>alert(1)</script>')\n"
            "plt.plot([1, 2])\nplt.title('<script>t</script>')\nplt.show()\n",
        }
    )
    result = cli("build", "--root", str(root))
    assert result.returncode == 0, result.stderr
    site = root / "site"
    for path in [site / "posts" / "a" / "index.html", site / "index.html", site / "feed.xml"]:
        text = path.read_text()
        assert "<script>x" not in text and "<script>alert" not in text and "<script>c" not in text
        assert "<img src=x" not in text and "<b>t</b>" not in text
    page = (site / "posts" / "a" / "index.html").read_text()
    assert 'content="Quote &#34; and &lt;script&gt;x&lt;/script&gt;"' in page
    assert 'alt="a &#34; b"' in page
    import feedparser

    feed = feedparser.parse(str(site / "feed.xml"))
    assert not feed.bozo and feed.entries[0].title == 'Quote " and <script>x</script>'


def test_check_lists_every_problem_and_writes_nothing(project) -> None:  # type: ignore[no-untyped-def]
    root = project(
        {
            "posts/a.md": post(body="```{lesson} l.py#nope\n```\n\n[broken](../missing/)"),
            "posts/b.md": post(
                "B", body="{value}`m.py:nothing`\n\n[bad anchor](#nowhere)", extra="summery: typo"
            ),
            "lessons/a/l.py": "x = 1\n",
            "lessons/b/m.py": "y = 2\n",
            "lessons/b/unused.py": "# %% boom\nraise ValueError('unused lesson is broken')\n",
        }
    )
    result = cli("check", "--root", str(root))
    assert result.returncode == 1
    assert "posts/a.md:7: error: lesson l.py has no cell 'nope'" in result.stderr
    assert "lessons/b/unused.py:2: error: ValueError in cell 'boom': unused lesson is broken" in result.stderr
    assert "posts/b.md:5: error: unknown front matter field 'summery'" in result.stderr
    assert not (root / "site").exists()
    fixed = (root / "posts" / "a.md").read_text().replace("#nope", "")
    (root / "posts" / "a.md").write_text(fixed)
    (root / "lessons" / "b" / "unused.py").unlink()
    result = cli("check", "--root", str(root))
    assert result.returncode == 1
    assert "posts/a.md:10: error: broken link: ../missing/ points to a missing page" in result.stderr
    assert "posts/b.md:8: error: lesson m.py has no value 'nothing'" in result.stderr


def test_github_annotations(project) -> None:  # type: ignore[no-untyped-def]
    root = project({"posts/a.md": "---\ntitle: [x\n---\n"})
    result = cli("check", "--root", str(root), env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 1
    assert "::error file=posts/a.md,line=2::invalid YAML front matter" in result.stdout


def test_new_post_builds(project) -> None:  # type: ignore[no-untyped-def]
    root = project({"site.yaml": GOOD["site.yaml"]})
    result = cli("new", "--series", "1.2", "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert (root / "posts" / "two.md").is_file() and (root / "lessons" / "two" / "two.py").is_file()
    again = cli("new", "--series", "1.2", "--root", str(root))
    assert again.returncode == 2 and "already" in again.stderr
    assert cli("new", "Outside The Series", "--root", str(root)).returncode == 0
    result = cli("build", "--root", str(root))
    assert result.returncode == 0, result.stderr
    page = (root / "site" / "posts" / "two" / "index.html").read_text()
    assert "Mathematical foundations" in page and "<img" in page and "Result: final loss" in page
    standalone = subprocess.run(
        [sys.executable, str(root / "lessons" / "two" / "two.py")],
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert standalone.returncode == 0, standalone.stderr


def test_killed_build_leaves_the_site_and_cache_usable(good_site: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(good_site, root)
    before = snapshot(root / "site")
    (root / "lessons" / "one" / "l.py").write_text("# %% main\nimport time\ntime.sleep(30)\nanswer = 1\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "lessonpress.cli", "build", "--root", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(4)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert snapshot(root / "site") == before
    (root / "lessons" / "one" / "l.py").write_text(GOOD["lessons/one/l.py"].replace("42", "43"))
    result = cli("build", "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert "43" in (root / "site" / "posts" / "one" / "index.html").read_text()
    assert not list(root.glob(".site.new-*"))


def test_a_second_build_waits_for_the_first(good_site: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(good_site, root)
    with build_lock(root / "site"):
        process = subprocess.Popen(
            [sys.executable, "-m", "lessonpress.cli", "build", "--root", str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(3)
        assert process.poll() is None, "the second build must wait for the lock"
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0
    assert "waiting for another build" in stderr


@pytest.mark.parametrize(
    "out, message",
    [
        (".", "would replace the project folder"),
        ("..", "would replace the project folder"),
        ("posts/..", "would replace the project folder"),
        ("posts", "is inside the project's posts/ folder"),
        ("lessons", "is inside the project's lessons/ folder"),
        ("lessons/one", "is inside the project's lessons/ folder"),
        ("templates", "is inside the project's templates/ folder"),
        (".lessonpress-cache/x", "is inside the project's .lessonpress-cache/ folder"),
    ],
)
def test_out_may_not_replace_the_project_or_its_sources(
    good_site: Path, tmp_path: Path, out: str, message: str
) -> None:
    root = tmp_path / "p"
    shutil.copytree(good_site, root)
    (root / "templates").mkdir(exist_ok=True)
    before = snapshot(root)
    result = subprocess.run(
        [sys.executable, "-m", "lessonpress.cli", "build", "--out", out],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize("value", ["nan", "inf", "1e13", "0", "-1", "soon"])
def test_timeout_must_be_a_usable_number_of_seconds(good_site: Path, value: str) -> None:
    result = cli("check", "--root", str(good_site), "--timeout", value)
    assert result.returncode == 2, result.stderr
    assert "Invalid value for '--timeout'" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "title, slug",
    [("Café ünïcode", "cafe-unicode"), ("Ångström & Naïve Bayes", "angstrom-naive-bayes"), ("!!!", "post")],
)
def test_new_post_slug_drops_accents(title: str, slug: str) -> None:
    from lessonpress.scaffold import slugify

    assert slugify(title) == slug


def test_new_series_outside_the_outline_counts_in_words(project) -> None:  # type: ignore[no-untyped-def]
    root = project({"site.yaml": "title: T\nmodules:\n  - title: M\n    goal: G\n    posts: [One]\n"})
    result = cli("new", "--series", "9.9", "--root", str(root))
    assert result.returncode == 2
    assert "site.yaml's outline has 1 module; there is no module 9" in result.stderr
    result = cli("new", "--series", "1.3", "--root", str(root))
    assert result.returncode == 2
    assert "module 1 of the outline has 1 post; there is no post 1.3" in result.stderr


def test_concurrent_builds_end_with_the_latest_sources(tmp_path: Path) -> None:
    """A build that starts second publishes second: it must not finish first from the cache
    and then be overwritten by an older run still going."""
    lesson = "import time\ntime.sleep(2)\nprint('VERSION-{}')\n"
    root = write_project(
        tmp_path / "p",
        {"posts/a.md": post("A", body="```{lesson} slow.py\n```"), "lessons/a/slow.py": lesson.format("X")},
    )
    assert cli("build", "--root", str(root)).returncode == 0
    (root / "lessons/a/slow.py").write_text(lesson.format("Y"))
    first = subprocess.Popen(
        [sys.executable, "-m", "lessonpress.cli", "build", "--root", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)  # the first build is running the Y version
    (root / "lessons/a/slow.py").write_text(lesson.format("X"))  # back to what the cache holds
    second = cli("build", "--root", str(root))
    first.communicate(timeout=120)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert "VERSION-X" in (root / "site/posts/a/index.html").read_text()


def test_new_refuses_a_blank_title(project) -> None:  # type: ignore[no-untyped-def]
    root = project({"posts/a.md": post("A")})
    result = cli("new", "   ", "--root", str(root))
    assert result.returncode == 2 and "give a title" in result.stderr
    assert sorted(p.name for p in (root / "posts").iterdir()) == ["a.md"]
