"""Issue 12, content: site.yaml, YAML and format specs that must fail fast and located, folders
where files belong, heading ids, math links, alt text and template messages; all through the CLI."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import post
from .safety import Built, MINIMAL, build_args, built, cli, fails_safely

MEMORY_CAP = 4 << 30  # bytes of address space for a build fed a small input that eats memory
QUICK = 60  # seconds: far more than any of these builds needs, far less than a runaway takes


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One built MINIMAL project; each test edits it and puts it back (see `edited`)."""
    return built(tmp_path_factory.mktemp("world"), MINIMAL)


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment whose Python caps its own memory (through a sitecustomize module), so a
    regression fails the test instead of eating the machine."""
    folder = tmp_path_factory.mktemp("cap")
    (folder / "sitecustomize.py").write_text(
        f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, resource.RLIM_INFINITY))\n"
    )
    return {"PYTHONPATH": str(folder)}


@contextmanager
def edited(case: Built, files: dict[str, str]) -> Iterator[Built]:
    """The case with `files` written into its project; the project is put back afterwards."""
    saved = {
        name: (case.root / name).read_bytes() if (case.root / name).is_file() else None for name in files
    }
    made = [p for name in files for p in (case.root / name).parents if not p.exists()]
    for name, text in files.items():
        (case.root / name).parent.mkdir(parents=True, exist_ok=True)
        (case.root / name).write_text(text, encoding="utf-8")
    try:
        yield case
    finally:
        for name, data in saved.items():
            if data is None:
                (case.root / name).unlink()
            else:
                (case.root / name).write_bytes(data)
        for folder in sorted(set(made), key=lambda p: len(p.parts), reverse=True):
            folder.rmdir()


def build_page(case: Built, files: dict[str, str], timeout: float = QUICK) -> str:
    """Build the case with `files` and return its post's page (the build must succeed)."""
    with edited(case, files):
        result = cli(*build_args(case), timeout=timeout)
    assert result.returncode == 0, result.stderr
    return (case.out / "posts" / "p" / "index.html").read_text(encoding="utf-8")


def with_body(body: str) -> dict[str, str]:
    """MINIMAL's post with `body` (its first line is line 7 of the file)."""
    return {"posts/p.md": post("P", body=body)}


# ---------------------------------------------------------------- site.yaml (item 10)


@pytest.mark.parametrize("language", ["../x", "a/b", "x" * 41, "en_US", "e", "en-"])
def test_language_must_be_a_language_tag(case: Built, language: str) -> None:
    with edited(case, {"site.yaml": f"title: T\nlanguage: '{language}'\n"}):
        fails_safely(
            case,
            *build_args(case),
            code=1,
            message=f"site.yaml:2: error: 'language' must be a language tag such as en, pt-BR or zh-Hant-TW "
            f"(BCP 47), got {language!r}",
        )


def test_language_tags_with_script_region_and_variant_build(case: Built) -> None:
    page = build_page(case, {"site.yaml": "language: sr-Latn-RS-1996\n"})
    assert '<html lang="sr-Latn-RS-1996"' in page


def test_every_site_yaml_problem_is_reported_at_once_with_its_line(case: Built) -> None:
    site = (
        "title: T\n"  # 1
        "language: ../x\n"  # 2
        "colour: red\n"  # 3
        "modules:\n"  # 4
        "  - title: [a, b]\n"  # 5
        "    goal: {x: 1}\n"  # 6
        "    posts: [One, [Two], Three]\n"  # 7
        "  - title: Fine\n"  # 8
        "    posts: Not a list\n"  # 9
        "  - nope\n"  # 10
        "  - title: M\n"  # 11
        "    gaol: G\n"  # 12
        "timeout: -1\n"  # 13
    )
    with edited(case, {"site.yaml": site}):
        result = fails_safely(case, *build_args(case), code=1)
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [
        "site.yaml:3: error: unknown setting 'colour'; known: author, base_url, description, figure_format, language, "
        "lessons, modules, solutions, timeout, title",
        "site.yaml:2: error: 'language' must be a language tag such as en, pt-BR or zh-Hant-TW (BCP 47), "
        "got '../x'",
        "site.yaml:5: error: module 1: 'title' must be text, got a list",
        "site.yaml:6: error: module 1: 'goal' must be text, got a mapping",
        "site.yaml:7: error: module 1: each of 'posts' must be a post title (text), got a list",
        "site.yaml:9: error: module 2: 'posts' must be a list of post titles, got text",
        "site.yaml:10: error: module 3 must be a mapping with 'title', 'goal' and a list of 'posts', got text",
        "site.yaml:12: error: module 4: unknown key 'gaol'; known: goal, posts, title",
        "site.yaml:13: error: 'timeout' must be a number of seconds above 0 and at most 604800 (a week)",
    ], result.stderr


# ---------------------------------------------------------------- small inputs, all the memory (item 11)


def laughs(levels: int = 9) -> str:
    """A 'billion laughs' YAML flow list: each level repeats the one before nine times."""
    items = ['&a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        items.append(f"&{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "[" + ", ".join(items) + "]"


@pytest.mark.parametrize("field", ["date", "series", "tags", "title"])
def test_an_alias_bomb_in_front_matter_fails_fast(case: Built, capped: dict[str, str], field: str) -> None:
    assert len(laughs()) < 700
    title = "" if field == "title" else "title: P\n"
    line = 2 if field == "title" else 3
    with edited(case, {"posts/p.md": f"---\n{title}{field}: {laughs()}\n---\n\n```{{lesson}} l.py\n```\n"}):
        fails_safely(
            case,
            *build_args(case),
            code=1,
            message=f"posts/p.md:{line}: error: invalid YAML front matter: its aliases (*name) repeat more "
            "than 10000 values",
            env=capped,
            timeout=QUICK,
        )


def test_an_alias_bomb_in_site_yaml_fails_fast(case: Built, capped: dict[str, str]) -> None:
    site = f"title: T\nmodules:\n  - title: {laughs()}\n    posts: [P]\n"
    with edited(case, {"site.yaml": site}):
        fails_safely(
            case,
            *build_args(case),
            code=1,
            message="site.yaml:3: error: invalid YAML: its aliases (*name) repeat more than 10000 values",
            env=capped,
            timeout=QUICK,
        )


def test_a_recursive_alias_is_refused(case: Built, capped: dict[str, str]) -> None:
    with edited(case, {"site.yaml": "title: T\nmodules: &m [*m]\n"}):
        fails_safely(
            case,
            *build_args(case),
            code=1,
            message="site.yaml:2: error: invalid YAML: an alias (*name) stands for a value that holds it",
            env=capped,
            timeout=QUICK,
        )


def test_aliases_that_repeat_little_still_work(case: Built) -> None:
    site = "title: T\nmodules:\n  - &m {title: M, goal: G, posts: [P, Q]}\n  - *m\n  - {<<: *m, title: N}\n"
    with edited(case, {"site.yaml": site}):
        result = cli(*build_args(case), timeout=QUICK)
    assert result.returncode == 0, result.stderr
    index = (case.out / "index.html").read_text(encoding="utf-8")
    assert index.count("Goal:</strong> G") == 3


@pytest.mark.parametrize(
    "spec", [">2000000000", ".2000000000f", "0201", "_>1000", "9>00000000000000000000999"]
)
def test_huge_value_widths_are_refused(case: Built, capped: dict[str, str], spec: str) -> None:
    with edited(case, with_body(f"Value {{value}}`l.py:x:{spec}`.\n\n```{{lesson}} l.py\n```\n")):
        fails_safely(
            case,
            *build_args(case),
            code=1,
            message=f"posts/p.md:7: error: {{value}}`l.py:x:{spec}` asks for a width or precision of ",
            env=capped,
            timeout=QUICK,
        )


def test_value_widths_up_to_the_limit_work(case: Built) -> None:
    page = build_page(case, with_body("Value {value}`l.py:x:>200`.\n\n```{lesson} l.py\n```\n"))
    assert '<span class="lesson-value">' + " " * 199 + "1</span>" in page


# ---------------------------------------------------------------- folders named like files (item 8)


@pytest.mark.parametrize(
    "folder, message",
    [
        ("posts/x.md", "posts/x.md:1: error: posts/x.md is a folder, not a post: a post is a Markdown file"),
        ("lessons/p/y.py", "lessons/p/y.py:1: error: lessons/p/y.py is a folder, not a lesson: a lesson"),
    ],
)
def test_a_folder_named_like_a_post_or_lesson_is_a_located_error(
    case: Built, folder: str, message: str
) -> None:
    (case.root / folder).mkdir()
    try:
        fails_safely(case, *build_args(case), code=1, message=message)
    finally:
        shutil.rmtree(case.root / folder)


@pytest.mark.parametrize("name", ["posts/q.md", "lessons/p/h.py"])
def test_a_broken_link_as_a_post_or_lesson_is_a_located_error(case: Built, name: str) -> None:
    link = case.root / name
    link.symlink_to(case.world / "nowhere.txt")
    try:
        fails_safely(
            case,
            *build_args(case),
            code=1,
            message=f"{name}:1: error: cannot read the file: it is a symbolic link to",
            allowed=(link,),
        )
    finally:
        link.unlink()


# ---------------------------------------------------------------- heading ids and contents


def old_heading_ids(titles: list[str], reserved: set[str]) -> list[str]:
    """The ids lessonpress gave headings before de-duplication became linear."""
    from mdit_py_plugins.anchors.index import slugify

    taken, ids = set(reserved), []
    for title in titles:
        base = slugify(title) or "section"
        slug, number = base, 1
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        ids.append(slug)
    return ids


TRICKY = ["A", "A", "a-1", "A", "main", "Main", "?!?", "...", "section", "section-1", "a-2-1", "a-2", "A",
          "`code` x", "Ünïcode", "a b", "a-b", "A B", "a-1-1", "a-1", "A", "Main", "main-2"]  # fmt: skip


def test_heading_ids_are_those_of_the_old_algorithm(case: Built) -> None:
    body = "".join(f"## {title}\n\n" for title in TRICKY) + "```{lesson} l.py\n```\n"
    page = build_page(case, with_body(body))
    headings = re.findall(r'<h2 id="([^"]+)">', page)
    others = set(re.findall(r'\bid="([^"]+)"', page)) - set(headings)
    assert headings == old_heading_ids(TRICKY, others)
    assert headings[:4] == ["a", "a-1", "a-1-1", "a-2"] and "main" in others


def test_twenty_thousand_identical_headings_build_quickly(case: Built) -> None:
    body = "## Same\n\n" * 20_000 + "```{lesson} l.py\n```\n"
    page = build_page(case, with_body(body), timeout=30)  # quadratic ids took a minute
    ids = re.findall(r'<h2 id="([^"]+)">', page)
    assert ids[:3] == ["same", "same-1", "same-2"] and ids[-1] == "same-19999"


def test_a_value_in_a_heading_is_part_of_its_id_and_contents_entry(case: Built) -> None:
    body = "## Loss {value}`l.py:x:.2f`\n\n## Loss {value}`l.py:x`\n\n```{lesson} l.py\n```\n"
    page = build_page(case, with_body(body))
    assert '<h2 id="loss-100">Loss <span class="lesson-value">1.00</span>' in page
    assert '<h2 id="loss-1">Loss <span class="lesson-value">1</span>' in page
    toc = re.findall(r'<li class="toc-h2"><a href="#([^"]+)">([^<]*)</a>', page)
    assert toc == [("loss-100", "Loss 1.00"), ("loss-1", "Loss 1")]


# ---------------------------------------------------------------- math links and styles


@pytest.mark.parametrize(
    "target",
    ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:x", "data:text/html,x", "java&#x09;script:x"],
)
def test_math_links_to_unsafe_urls_are_refused(case: Built, target: str) -> None:
    with edited(case, with_body(f"See $\\href{{{target}}}{{x}}$.\n\n```{{lesson}} l.py\n```\n")):
        fails_safely(
            case,
            *build_args(case),
            code=1,
            message="posts/p.md:7: error: cannot render math $\\href{",
        )


def test_math_keeps_safe_links_and_drops_styles(case: Built) -> None:
    body = "$\\href{https://example.com/a?b=1&c=2}{x} + \\style{color:red}{y} + \\href{#p}{z}$\n\n```{lesson} l.py\n```\n"
    page = build_page(case, with_body(body))
    math = re.search(r"<math.*?</math>", page, re.DOTALL)
    assert math is not None
    assert 'href="https://example.com/a?b=1&amp;c=2"' in math.group() and 'href="#p"' in math.group()
    assert "style=" not in math.group() and "<mi>y</mi>" in math.group()


# ---------------------------------------------------------------- messages and alt text


def test_cell_names_say_ascii_letters(case: Built) -> None:
    with edited(case, {"lessons/p/l.py": "# %% données\nx = 1; print(x)\n"}):
        fails_safely(
            case,
            *build_args(case),
            code=1,
            message="lessons/p/l.py:1: error: cell name 'données' must be one word of ASCII letters (A-Z, a-z), "
            "digits, '_', '-' or '.'",
        )


@pytest.mark.parametrize(
    "template, message",
    [
        ("{% extends 'nope.html' %}\n", "templates/post.html:1: error: "),
        ("<p>\n{% include 'missing/x.html' %}\n", "templates/post.html:2: error: "),
    ],
)
def test_a_missing_template_names_what_was_looked_for_and_where(
    case: Built, template: str, message: str
) -> None:
    name = re.search(r"'([^']+)'", template).group(1)  # type: ignore[union-attr]
    with edited(case, {"templates/post.html": template}):
        fails_safely(
            case,
            *build_args(case),
            code=1,
            message=f"{message}template error while rendering posts/p/index.html: templates/{name} not found, "
            "neither in the project's templates/ nor in the default theme",
        )


def test_a_missing_template_included_at_run_time_names_the_line(case: Built) -> None:
    index = "{% extends 'base.html' %}{% block content %}\n{% include 'gone.html' %}{% endblock %}\n"
    with edited(case, {"templates/index.html": index}):
        fails_safely(
            case,
            *build_args(case),
            code=1,
            message="templates/index.html:2: error: template error while rendering index.html: "
            "templates/gone.html not found, neither in the project's templates/ nor in the default theme",
        )


def test_alt_text_holds_no_control_characters(case: Built) -> None:
    lesson = (
        'import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.title("t\\x00i\\x02\\x85t")\nplt.show()\n'
    )
    body = "```{lesson} l.py\n```\n\n```{lesson} l.py\n:alt: a\x01b\x7fc\n```\n"
    page = build_page(case, {**with_body(body), "lessons/p/l.py": lesson})
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', page)
    assert alts == ["Plot: tit", "abc"], alts
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", page)


# ---------------------------------------------------------------- variants (site.yaml, files that are not files)


@pytest.mark.parametrize(
    "language", ["x-klingon", "i-klingon", "en-US-x-twain", "de-CH-u-co-phonebk", "EN-us"]
)
def test_private_use_extended_and_grandfathered_language_tags_build(case: Built, language: str) -> None:
    page = build_page(case, {"site.yaml": f"language: {language}\n"})
    assert f'<html lang="{language}"' in page


def test_site_yaml_variants_are_all_reported_at_their_lines(case: Built) -> None:
    site = (
        "title: yes\n"  # 1: a bool, not text
        f"timeout: 1{'0' * 400}\n"  # 2: too large even for a float
        "modules: 0\n"  # 3: not a list, though falsy
        "lessons:\n"  # 4
        f"  p/l.py: {{timeout: 1{'0' * 400}}}\n"  # 5
    )
    with edited(case, {"site.yaml": site}):
        result = fails_safely(case, *build_args(case), code=1)
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [
        "site.yaml:1: error: 'title' must be text, got true or false",
        "site.yaml:3: error: 'modules' must be a list",
        "site.yaml:2: error: 'timeout' must be a number of seconds above 0 and at most 604800 (a week)",
        "site.yaml:5: error: lessons.p/l.py.timeout must be a number of seconds above 0 and at most 604800 (a week)",
    ], result.stderr


@pytest.mark.parametrize("name", ["posts/q.md", "lessons/p/q.py", "site.yaml"])
@pytest.mark.parametrize("kind", ["a FIFO", "a device", "a folder"])
def test_a_fifo_device_or_folder_as_a_source_file_is_a_located_error(
    case: Built, name: str, kind: str
) -> None:
    path = case.root / name
    if kind == "a FIFO":
        os.mkfifo(path)
    elif kind == "a device":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    try:
        fails_safely(
            case, *build_args(case), code=1, message=f"{name}:1: error: ", timeout=QUICK, allowed=(path,)
        )
    finally:
        path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()


@pytest.mark.parametrize("name", ["posts", "lessons", "templates"])
def test_a_file_where_a_project_folder_belongs_is_a_plain_usage_error(
    case: Built, tmp_path: Path, name: str
) -> None:
    world = tmp_path / "world"
    shutil.copytree(case.world, world, symlinks=True)
    copy = Built(world, world / case.root.name, world / case.out.name)
    if (copy.root / name).is_dir():
        shutil.rmtree(copy.root / name)
    (copy.root / name).write_text("not a folder\n")
    fails_safely(copy, *build_args(copy), code=2, message=f"{copy.root / name} is not a folder")


def test_a_folder_named_like_a_template_is_a_located_error(case: Built) -> None:
    folder = case.root / "templates" / "post.html"
    folder.mkdir(parents=True)
    try:
        fails_safely(
            case,
            *build_args(case),
            code=1,
            message="templates/post.html:1: error: ",
            allowed=(case.root / "templates",),
        )
    finally:
        shutil.rmtree(case.root / "templates")
