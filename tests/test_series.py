"""The real series: every lesson runs (in lessonpress and standalone) and every post builds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lessonpress.load import load_config
from lessonpress.load import load_project
from lessonpress.parse.front_matter import parse_front_matter
from lessonpress.scaffold import SECTIONS

from .conftest import REPO

PROJECT = load_project(REPO)
SCRIPTS = sorted(p for p in PROJECT.lessons if p.count("/") == 2)


def test_index_lists_the_whole_outline(series_site: Path) -> None:
    html = (series_site / "index.html").read_text()
    config = load_config(REPO)
    titles = [t for module in config.modules for t in module.post_titles]
    assert len(titles) == 22 and len(config.modules) == 3
    for module in config.modules:
        assert module.goal in html
    listed = re.findall(r'<span class="series-number">(\d+\.\d+)</span>', html)
    assert listed == [f"{m.number}.{i}" for m in config.modules for i in range(1, len(m.post_titles) + 1)]
    for post in PROJECT.posts:
        assert f'href="posts/{post.slug}/"' in html


META = {p.slug: parse_front_matter(p.src_path, p.text.split("\n---", 1)[0][4:]) for p in PROJECT.posts}
SERIES_POSTS = sorted(slug for slug, meta in META.items() if meta.series)
# The last post of each module (its recap) ends the module with a quiz and a checklist.
LAST_OF_MODULE = {f"{n}.{len(m.post_titles)}" for n, m in enumerate(load_config(REPO).modules, 1)}
RECAPS = sorted(slug for slug in SERIES_POSTS if META[slug].series in LAST_OF_MODULE)
MAX_READING_MINUTES = 30  # the budget for a post, as the page counts it


def _h2s(html: str) -> list[str]:
    article = html.split('<h2 class="toc-title">', 1)[-1]
    return [h.strip() for h in re.findall(r'<h2 id="[^"]+">([^<]+?)\s*<a class="header-anchor"', article)]


@pytest.mark.parametrize("post", SERIES_POSTS)
def test_post_shows_executed_output_figures_and_math(series_site: Path, post: str) -> None:
    folder = series_site / "posts" / post
    html = (folder / "index.html").read_text()
    assert html.count('class="cell-output"') >= 3
    assert html.count("<math") >= 5
    figures = re.findall(r'<img src="([^"]+\.png)" alt="([^"]+)"', html)
    assert len(figures) >= 2
    for src, alt in figures:
        assert (folder / src).read_bytes().startswith(b"\x89PNG") and alt.strip()
    assert html.count('<section class="solution"') >= 1  # open, as the author asked
    assert "<details class=\"solution" not in html


@pytest.mark.parametrize("post", SERIES_POSTS)
def test_post_follows_the_authors_shape(series_site: Path, post: str) -> None:
    """The author's sections in their order (a recap adds the module's quiz and checklist
    before "What's next"), at most 30 minutes of reading, and a link to the notation page."""
    html = (series_site / "posts" / post / "index.html").read_text()
    expected = list(SECTIONS)
    if post in RECAPS:
        expected[-1:-1] = ["Quiz", "Checklist"]
        assert html.count('class="quiz"') == 1 and html.count('class="checklist"') == 1
    assert [h.replace("&#x27;", "'").replace("&#39;", "'") for h in _h2s(html)] == expected
    minutes = int(re.search(r"(\d+) min read", html).group(1))  # type: ignore[union-attr]
    assert minutes <= MAX_READING_MINUTES
    assert 'href="../notation/"' in html
    exercises = html.split('id="exercises"', 1)[1].split('id="summary"', 1)[0]
    assert 1 <= exercises.count('<section class="solution"') <= 4
    assert 'class="cell' in exercises  # every solution is an executed cell


def test_modules_have_the_authors_titles() -> None:
    assert [m.title for m in load_config(REPO).modules] == [
        "The Elementary Training Loop",
        "The Training Loop for Neural Networks",
        "Advanced Training Loops and Modern Tricks",
    ]


def test_install_instructions_use_uv() -> None:
    """The author works with uv: no bare `pip install` in posts, lessons or docs."""
    files = [*REPO.glob("posts/*.md"), *REPO.glob("lessons/*/*.py"), *REPO.glob("docs/*.md"), REPO / "README.md"]
    bare = {f.name: m for f in files for m in re.findall(r"(?<!uv )(?<!-m )\bpip install[^\n]*", f.read_text())}
    assert not bare, bare


def test_linear_regression_settles_the_readers_questions(series_site: Path) -> None:
    html = (series_site / "posts" / "linear-regression" / "index.html").read_text()
    assert "element 0 of tensors does not require grad and does not have a grad_fn" in html
    assert "requires_grad=True" in html
    assert html.count("<img") >= 5


def _run_standalone(script: str) -> tuple[str, subprocess.CompletedProcess[str]]:
    path = REPO / script
    result = subprocess.run(
        [sys.executable, path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"},  # two runs share the cores
        timeout=120,
    )
    return script, result


@pytest.fixture(scope="module")
def standalone_runs() -> dict[str, subprocess.CompletedProcess[str]]:
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return dict(pool.map(_run_standalone, SCRIPTS))


@pytest.mark.parametrize("script", SCRIPTS)
def test_lesson_runs_standalone(standalone_runs: dict, script: str) -> None:  # type: ignore[type-arg]
    """`python lesson.py` works; a script may only stop in its final, expected-error cell."""
    result = standalone_runs[script]
    last_cell = PROJECT.lessons[script].cells[-1]
    if last_cell.expect_error:
        assert result.returncode != 0 and "Traceback" in result.stderr
        # The script's own line where it stopped (a function it called may be defined earlier)
        frames = re.findall(rf'File "[^"]*{re.escape(Path(script).name)}", line (\d+), in <module>', result.stderr)
        assert frames and int(frames[-1]) >= last_cell.line, result.stderr
    else:
        assert result.returncode == 0, result.stderr


def test_every_lesson_runs_in_lessonpress() -> None:
    """`lessonpress check` runs every lesson script, shown in a post or not, and every reference."""
    result = subprocess.run(
        [sys.executable, "-m", "lessonpress.cli", "check", "--root", str(REPO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert f"{len(SCRIPTS)} lessons checked" in result.stderr


def test_lessons_avoid_solvers_that_read_uninitialized_memory() -> None:
    """torch 2.13's default lstsq driver (gelsy) reads an uninitialized pivot array
    (pytorch#187411): its last digits then depend on what the process did before, and two
    clean builds of the series gave different pages. Every call names another driver."""
    calls = {
        script: re.findall(r"torch\.linalg\.lstsq\((?:[^()]|\([^()]*\))*\)", (REPO / script).read_text())
        for script in SCRIPTS
    }
    assert any(calls.values())
    unsafe = {s: [c for c in found if "driver=" not in c or "gelsy" in c] for s, found in calls.items()}
    assert not any(unsafe.values()), unsafe
