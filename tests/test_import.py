"""`lessonpress import`: posts with inline Python become a post and a lesson script; on posts
we wrote and on posts written by other people (tests/import_posts/, see SOURCES.md)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lessonpress.importing import plan_import
from lessonpress.importing.blocks import DROP, HIDDEN, KEEP, RAISES, RUN
from lessonpress.load.lessons import split_cells

from .conftest import REPO
from .safety import cli, tree

POSTS = REPO / "tests" / "import_posts"

OURS = """\
---
title: Three blocks
---

Some prose.

```python
x = 1
print(x)
```

```text
1
```

## The second step

```py
y = x + 1
```

```python
print(z)
```

```bash
pip install numpy
```

```python
for i in range(:
```

```python no-run
import this_is_only_shown
```

```python
# lessonpress: raises
1 / 0
```

```python
%matplotlib inline
import math
```

```python
>>> 1 + 1
2
```
"""


def _source(tmp_path: Path, name: str = "2024-01-05-three-blocks.md", text: str = OURS) -> Path:
    folder = tmp_path / "drafts"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "blog"
    (root / "posts").mkdir(parents=True, exist_ok=True)
    return root


def test_each_kind_of_block_becomes_what_the_docs_say(tmp_path: Path) -> None:
    plan = plan_import(_source(tmp_path), _root(tmp_path))
    assert plan.slug == "three-blocks" and plan.lesson == "three_blocks.py"
    actions = [(block.line, block.action, block.cell) for block in plan.blocks]
    assert actions == [
        (7, RUN, "block1"),
        (12, DROP, ""),
        (18, RUN, "the_second_step"),
        (22, RUN, "the_second_step_2"),
        (26, KEEP, ""),
        (30, KEEP, ""),
        (34, KEEP, ""),
        (38, RAISES, "the_second_step_3"),
        (43, KEEP, ""),
        (48, KEEP, ""),
    ]
    reasons = {block.line: block.reason for block in plan.blocks}
    assert "output of the block at line 7" in reasons[12]
    assert "shell" in reasons[26] and "line 1 of the block" in reasons[30]
    assert "marked not to run" in reasons[34] and "%matplotlib" in reasons[43] and ">>>" in reasons[48]
    lesson, post = (target.text for target in plan.targets)
    cells = split_cells("l.py", lesson)
    assert [c.name for c in cells.cells] == ["setup", "block1", "the_second_step", "the_second_step_2", "the_second_step_3"]
    assert cells.cell("the_second_step_3").expect_error  # type: ignore[union-attr]
    for block in plan.blocks:
        if block.runs:  # byte for byte
            assert cells.cell(block.cell).source.rstrip("\n") == block.code.rstrip("\n")  # type: ignore[union-attr]
    assert lesson.startswith('"""The code of the post 2024-01-05-three-blocks.md') and "from __future__ import annotations" in lesson
    lines = post.splitlines()
    assert lines[:4] == ["---", "date: 2024-01-05", "title: Three blocks", "---"]
    for block, line in zip(plan.blocks, plan.post_lines, strict=True):
        if block.action in (RUN, RAISES):
            assert lines[line - 1] == f"```{{lesson}} three_blocks.py#{block.cell}"
        elif block.action == KEEP:
            assert lines[line - 1].startswith("```")
    assert "```text" not in post and "```bash" in post and "```python no-run" in post


def test_title_from_the_first_heading_toml_front_matter_and_a_page_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "content" / "my-post"
    bundle.mkdir(parents=True)
    text = '+++\ndate = 2024-01-02\nweight = 3\n\n[params]\n  x = 1\n+++\n\n# Hello *world*\n\n```python\nprint(1)\n```\n'
    (bundle / "index.md").write_text(text)
    plan = plan_import(bundle / "index.md", _root(tmp_path))
    post = plan.targets[-1].text
    assert plan.slug == "my-post"
    assert post.startswith('+++\ntitle = "Hello *world*"\ndate = 2024-01-02\n# weight = 3\n\n# [params]\n#   x = 1\n+++\n')
    assert "# Hello" not in post.split("+++")[-1]
    assert any("commented out weight, [params]" in note for note in plan.notes)


def test_a_post_without_front_matter_or_heading_is_titled_after_its_file(tmp_path: Path) -> None:
    plan = plan_import(_source(tmp_path, "notes_on-loss.md", "Text.\n\n```python\nx = 1\n```\n"), _root(tmp_path))
    assert plan.targets[-1].text.startswith('---\ntitle: "Notes on loss"\n---\nText.\n')


def test_fences_in_lists_and_quotes_keep_their_indentation(tmp_path: Path) -> None:
    text = "---\ntitle: T\n---\n\n- step\n\n  ```python\n  a = 1\n  ```\n\n> ```python\n> b = 2\n> ```\n"
    plan = plan_import(_source(tmp_path, "t.md", text), _root(tmp_path))
    post = plan.targets[-1].text
    assert "  ```{lesson} t.py#block1\n  ```\n" in post and "> ```{lesson} t.py#block2\n> ```\n" in post


def test_dry_run_writes_nothing_and_the_source_is_never_changed(tmp_path: Path) -> None:
    source, root = _source(tmp_path), _root(tmp_path)
    before = tree(tmp_path)
    result = cli("import", "--root", str(root), "--dry-run", str(source))
    assert result.returncode == 0, result.stderr
    assert "would write lessons/three-blocks/three_blocks.py, posts/three-blocks.md" in result.stdout
    assert "line 26: ```bash: post line" in result.stdout and "nothing was written" in result.stdout
    assert tree(tmp_path) == before


def test_existing_files_are_replaced_only_when_the_author_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, root = _source(tmp_path), _root(tmp_path)
    assert cli("import", "--root", str(root), str(source)).returncode == 0
    post = root / "posts" / "three-blocks.md"
    post.write_text("my own edits\n")
    source_text = source.read_text()
    before = tree(tmp_path)
    refused = cli("import", "--root", str(root), str(source))  # no terminal, no --yes
    assert refused.returncode == 2 and "posts/three-blocks.md" in refused.stderr and "nothing was written" in refused.stderr
    assert tree(tmp_path) == before
    from lessonpress.cli import importer, main

    monkeypatch.setattr(importer, "can_ask", lambda: True)
    runner = CliRunner()
    declined = runner.invoke(main, ["import", "--root", str(root), str(source)], input="n\n")
    assert declined.exit_code == 0 and "skipped" in declined.output and post.read_text() == "my own edits\n"
    accepted = runner.invoke(main, ["import", "--root", str(root), str(source)], input="y\ny\n")
    assert accepted.exit_code == 0, accepted.output
    assert post.read_text().startswith("---\ndate: 2024-01-05") and source.read_text() == source_text
    assert cli("import", "--root", str(root), "--yes", str(source)).returncode == 0
    assert not [p for p in root.rglob(".*.tmp")]  # atomic writes leave nothing behind


def test_usage_errors(tmp_path: Path) -> None:
    root = _root(tmp_path)
    missing = cli("import", "--root", str(root), str(tmp_path / "nope.md"))
    assert missing.returncode == 2 and "nope.md: no such file" in missing.stderr
    a, b = _source(tmp_path, "2024-01-01-same.md"), _source(tmp_path, "same.md")
    clash = cli("import", "--root", str(root), str(a), str(b))
    assert clash.returncode == 2 and "would both become posts/same.md" in clash.stderr
    assert not (root / "posts" / "same.md").exists()
    (root / "posts" / "inplace.md").write_text(OURS)
    same = cli("import", "--root", str(root), "--yes", str(root / "posts" / "inplace.md"))
    assert same.returncode == 2 and (root / "posts" / "inplace.md").read_text() == OURS


BROKEN = """\
---
title: Broken third
---

```python
a = 1
```

Then:

```python
b = a + 1
print(b)
```

And the third block, which fails:

```python
print(c)
```

```python
print("never reached")
```
"""


def test_check_names_the_post_line_of_the_block_that_does_not_run(tmp_path: Path) -> None:
    root = _root(tmp_path)
    source = _source(tmp_path, "broken-third.md", BROKEN)
    imported = cli("import", "--root", str(root), str(source))
    assert imported.returncode == 0
    post = (root / "posts" / "broken-third.md").read_text().splitlines()
    third = post.index("```{lesson} broken_third.py#block3") + 1
    source_line = BROKEN.splitlines().index("print(c)")  # the block's fence line in the source
    assert f"line {source_line}: ```python: runs as cell block3; post line {third}" in imported.stdout + imported.stderr
    result = cli("check", str(root), "--no-cache", "--quiet")
    assert result.returncode == 1
    assert f"posts/broken-third.md:{third}: error: lesson broken_third.py raised NameError in cell 'block3'" in result.stderr


def test_imported_post_builds_with_the_real_output(tmp_path: Path) -> None:
    root = _root(tmp_path)
    text = "# Squares\n\n```python\nsquares = [n * n for n in range(4)]\nprint(squares)\n```\n\n```\n[0, 1, 4, 9]\n```\n"
    assert cli("import", "--root", str(root), str(_source(tmp_path, "squares.md", text))).returncode == 0
    result = cli("build", str(root), "--no-cache", "--quiet")
    assert result.returncode == 0, result.stderr
    page = (root / "site" / "posts" / "squares" / "index.html").read_text()
    assert "[0, 1, 4, 9]" in page and "<h1>Squares</h1>" in page
    ruff = Path(os.sys.executable).with_name("ruff")
    if ruff.exists():
        import subprocess

        lint = subprocess.run([str(ruff), "check", "--no-cache", "--isolated", "--select", "E4,E7,E9,F", str(root / "lessons")], capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout


# Posts by other people (tests/import_posts/SOURCES.md): what each becomes.
REAL = {
    "fastpages/2020-01-14-test-markdown-post.md": ("test-markdown-post", ["code"]),
    "laurentrdc/genesis.md": ("genesis", ["code"]),
    "mkdocs-material/code-blocks.md": ("code-blocks", ["usage", "adding_a_title", "adding_line_numbers"]),
    "myst-nb/hiding.md": ("hiding", ["hide_code_cells", *(f"hide_code_cells_{n}" for n in (2, 3, 4)),
                                     "remove_parts_of_cells", *(f"remove_parts_of_cells_{n}" for n in (2, 3))]),
    "hugo-blox/jupyter/index.md": ("jupyter", ["block1", "block2"]),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_posts_by_other_people_import(name: str, tmp_path: Path) -> None:
    slug, cells = REAL[name]
    plan = plan_import(POSTS / name, _root(tmp_path))
    assert plan.slug == slug
    assert [block.cell for block in plan.blocks if block.runs] == cells
    lesson = split_cells("l.py", plan.targets[0].text)
    assert [cell.name for cell in lesson.cells] == ["setup", *cells]
    post = plan.targets[-1].text.splitlines()
    for block, line in zip(plan.blocks, plan.post_lines, strict=True):
        if block.action in (RUN, RAISES):
            assert post[line - 1].lstrip().startswith(f"```{{lesson}} {plan.lesson}#{block.cell}")
        assert block.action != HIDDEN or post[line - 1].startswith("% lessonpress import: cell")


def test_posts_by_other_people_check_reports_each_failing_block_at_its_post_line(tmp_path: Path) -> None:
    root = _root(tmp_path)
    sources = [str(POSTS / name) for name in sorted(REAL)]
    result = cli("import", "--root", str(root), *sources)
    assert result.returncode == 0, result.stderr
    shutil.rmtree(root / "posts" / ".lessonpress-cache", ignore_errors=True)
    checked = cli("check", str(root), "--no-cache", "--quiet")
    assert checked.returncode == 1
    lines = {
        slug: (root / "posts" / f"{slug}.md").read_text().splitlines() for slug, _ in REAL.values()
    }
    tensorflow = lines["code-blocks"].index("```{lesson} code_blocks.py#usage") + 1
    ipython = lines["jupyter"].index("```{lesson} jupyter.py#block1") + 1
    assert f"posts/code-blocks.md:{tensorflow}: error: lesson code_blocks.py raised ModuleNotFoundError in cell 'usage'" in checked.stderr
    assert f"posts/jupyter.md:{ipython}: error: lesson jupyter.py raised ModuleNotFoundError in cell 'block1'" in checked.stderr
    for runs in ("genesis.py", "hiding.py", "test_markdown_post.py"):  # their code runs here
        assert f"lesson {runs} raised" not in checked.stderr


@pytest.mark.parametrize("name", sorted(REAL))
def test_the_summary_gives_every_block_its_line_in_the_new_post(name: str, tmp_path: Path) -> None:
    plan = plan_import(POSTS / name, _root(tmp_path))
    source = (POSTS / name).read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    post = plan.targets[-1].text.split("\n")
    for block, line in zip(plan.blocks, plan.post_lines, strict=True):
        if block.action == KEEP and not block.label.startswith("{%"):  # kept byte for byte, where the summary says
            assert line and post[line - 1] == source[block.start], (block, line)
        elif block.action in (RUN, RAISES):
            assert post[line - 1].lstrip(" >").startswith("```{lesson}"), (block, line)
        else:
            assert line == 0 or block.action == HIDDEN


def test_quarto_chunks_run_without_their_option_lines(tmp_path: Path) -> None:
    chunk = "---\nformat: html\n---\n\n```{python}\n#| label: test\n#| tags: [parameters]\ndatapath = None\n```"
    plan = plan_import(_source(tmp_path, "params.qmd", chunk), _root(tmp_path))
    assert [b.cell for b in plan.blocks if b.runs] == ["block1"]
    assert plan.blocks[0].code == "datapath = None\n" and plan.blocks[0].label == "```{python}"
    text = (
        "---\ntitle: Q\n---\n\n```{python}\n#| echo: false\nprint(1)\n```\n\n```{python}\n#| eval: false\n"
        "import nothing\n```\n\n```{python}\n#| include: false\nsecret = 2\n```\n\n```{python echo=FALSE}\n"
        "print(secret)\n```\n\n```{r}\nx <- 1\n```\n\n```{code-block} python\nshown_only = 1\n```\n"
    )
    plan = plan_import(_source(tmp_path, "q.qmd", text), _root(tmp_path))
    got = [(b.line, b.action, b.show) for b in plan.blocks]
    assert got == [(5, RUN, "output"), (10, KEEP, ""), (15, HIDDEN, ""), (20, RUN, "output"), (24, KEEP, ""), (28, KEEP, "")]
    assert "#|" not in plan.targets[0].text
    reasons = [b.reason for b in plan.blocks]
    assert "marked not to run" in reasons[1] and "r, not Python" in reasons[4] and "{code-block}" in reasons[5]


LIQUID = """\
---
layout: post
title: Liquid
---
Squares:
{% highlight python linenos %}
squares = [n * n for n in range(4)]
print(squares)
{% endhighlight %}

{% highlight bash %}
pip install numpy
{% endhighlight %}
"""


def test_jekyll_highlight_tags_become_cells_and_fences(tmp_path: Path) -> None:
    root = _root(tmp_path)
    plan = plan_import(_source(tmp_path, "2015-03-01-liquid.md", LIQUID), root)
    assert [(b.line, b.action, b.label) for b in plan.blocks] == [
        (6, RUN, "{% highlight python linenos %}"), (11, KEEP, "{% highlight bash %}")]
    post = plan.targets[-1].text
    assert "```{lesson} liquid.py#block1\n```\n" in post and "```bash\npip install numpy\n```\n" in post
    assert "highlight" not in post and any("Jekyll {% highlight %} tags on lines 6, 11" in n for n in plan.notes)
    result = cli("import", "--root", str(root), str(_source(tmp_path, "2015-03-01-liquid.md", LIQUID)))
    assert result.returncode == 0 and "line 6: {% highlight python linenos %}: runs as cell block1" in result.stdout
    built = cli("build", str(root), "--no-cache", "--quiet")
    assert built.returncode == 0, built.stderr
    assert "[0, 1, 4, 9]" in (root / "site" / "posts" / "liquid" / "index.html").read_text()


def test_a_bom_crlf_and_tabs_post_keeps_its_front_matter(tmp_path: Path) -> None:
    text = "\ufeff---\r\ntitle: BOM post\r\n---\r\n\r\n## Tabs\r\n\r\n```python\r\nfor i in range(2):\r\n\tprint(i)\r\n```\r\n"
    source = tmp_path / "bom.md"
    source.write_bytes(text.encode("utf-8"))
    plan = plan_import(source, _root(tmp_path))
    lesson, post = (t.text for t in plan.targets)
    assert post.startswith("---\ntitle: BOM post\n---\n") and "\r" not in post + lesson
    assert "\tprint(i)\n" in lesson and plan.post_lines == (7,) and plan.blocks[0].cell == "tabs"


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (b"\xff\xfe\x00b", "byte 0xff at column 1", 1),
        (b"# Caf\n\n```python\nx = 1\n```\ncaf\xe9\n", "byte 0xe9 at column 4", 6),
        (b"# Title\n\nA\x00B\n", "a NUL byte", 3),
        (b"  \n\n", "the file is empty", 1),
        (b"---\ntitle: [unclosed\n---\n\n```python\nx = 1\n```\n", "YAML front matter does not parse", 2),
        (b'+++\ntitle = "x\n+++\n', "TOML front matter does not parse", 1),
        (b"---\ntitle: open\n\n```python\nx = 1\n```\n", "never closed", 1),
        (b"---\n- a\n- b\n---\n", "no table of fields", 2),
    ],
)
def test_bad_content_is_exit_1_at_its_line_and_writes_nothing(tmp_path: Path, content: bytes, message: str, line: int) -> None:
    root = _root(tmp_path)
    bad = tmp_path / "bad.md"
    bad.write_bytes(content)
    good = _source(tmp_path, "good.md", BROKEN)
    before = tree(tmp_path)
    result = cli("import", "--root", str(root), str(good), str(bad))
    assert result.returncode == 1, result.stderr
    assert f"{bad}:{line}: error: " in result.stderr and message in result.stderr
    assert "nothing was written" in result.stderr and "internal error" not in result.stderr
    assert tree(tmp_path) == before


def test_bad_paths_are_usage_errors(tmp_path: Path) -> None:
    root = _root(tmp_path)
    (tmp_path / "loop1.md").symlink_to(tmp_path / "loop2.md")
    (tmp_path / "loop2.md").symlink_to(tmp_path / "loop1.md")
    (tmp_path / "dangling.md").symlink_to(tmp_path / "gone.md")
    (tmp_path / "nb.ipynb").write_text("{}")
    (tmp_path / "folder.md").mkdir()
    (tmp_path / "Ünïcôdé ✓.md").write_text("x\n")
    cases = {
        "loop1.md": "loop of symbolic links", "dangling.md": "symbolic link to", "nb.ipynb": "a Jupyter notebook",
        "folder.md": "is a directory", "Ünïcôdé ✓.md": "", "gone.md": "no such file",
    }
    for name, message in cases.items():
        result = cli("import", "--root", str(root), "--dry-run", str(tmp_path / name))
        if not message:  # accents dropped: a slug lessonpress takes
            assert result.returncode == 0 and "posts/unicode.md" in result.stdout, result.stderr
            continue
        assert result.returncode == 2 and message in result.stderr, (name, result.stderr)
    (tmp_path / "日本語.md").write_text("x\n")
    no_slug = cli("import", "--root", str(root), str(tmp_path / "日本語.md"))
    assert no_slug.returncode == 2 and "cannot make a post name" in no_slug.stderr


def test_root_must_be_a_project_or_an_empty_folder(tmp_path: Path) -> None:
    source = _source(tmp_path, "squares.md", "# Squares\n\n```python\nprint(1)\n```\n")
    other = tmp_path / "old-blog"
    (other / "_posts").mkdir(parents=True)
    before = tree(tmp_path)
    refused = cli("import", "--root", str(other), str(source))
    assert refused.returncode == 2 and "has no posts/ folder" in refused.stderr and tree(tmp_path) == before
    (tmp_path / "file-root").write_text("")
    assert cli("import", "--root", str(tmp_path / "file-root"), str(source)).returncode == 2
    (tmp_path / "empty").mkdir()
    made = cli("import", "--root", str(tmp_path / "empty"), str(source))
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "empty" / "posts" / "squares.md").is_file() and (tmp_path / "empty" / "lessons" / "squares" / "squares.py").is_file()
    assert cli("check", str(tmp_path / "empty"), "--no-cache", "--quiet").returncode == 0


def test_a_write_that_fails_half_way_leaves_the_project_as_it_was(tmp_path: Path) -> None:
    root = _root(tmp_path)
    source = _source(tmp_path, "squares.md", "# Squares\n\n```python\nprint(1)\n```\n")
    (root / "posts" / "squares.md").mkdir()  # the second file cannot be written
    before = tree(tmp_path)
    result = cli("import", "--root", str(root), "--yes", str(source))
    assert result.returncode == 2 and "cannot write posts/squares.md" in result.stderr, result.stderr
    assert "Nothing was written" in result.stderr and "internal error" not in result.stderr
    assert tree(tmp_path) == before  # the lesson written first is gone, and lessons/ with it


def test_a_failed_rename_puts_back_the_files_already_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lessonpress.errors import UsageError
    from lessonpress.importing import write

    first, second = tmp_path / "a" / "one.py", tmp_path / "b" / "two.md"
    first.parent.mkdir()
    first.write_text("old one\n")
    real, calls = os.replace, []

    def failing(src: str, dst: object) -> None:
        calls.append(dst)
        if dst == second:
            raise PermissionError(13, "Permission denied", str(dst))
        real(src, dst)

    monkeypatch.setattr(write.os, "replace", failing)
    with pytest.raises(UsageError, match="cannot write b/two.md.*Nothing was written"):
        write.write_all([(first, "new one\n"), (second, "two\n")], ["a/one.py", "b/two.md"])
    monkeypatch.setattr(write.os, "replace", real)
    assert first.read_text() == "old one\n" and not second.parent.exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "one.py"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only folders")
def test_a_read_only_posts_folder_writes_nothing(tmp_path: Path) -> None:
    root = _root(tmp_path)
    source = _source(tmp_path, "squares.md", "# Squares\n\n```python\nprint(1)\n```\n")
    (root / "posts").chmod(0o555)
    try:
        before = tree(tmp_path)
        result = cli("import", "--root", str(root), str(source))
        assert result.returncode == 2 and "cannot write posts/squares.md" in result.stderr
        assert tree(tmp_path) == before
    finally:
        (root / "posts").chmod(0o755)


def test_cell_names_from_odd_headings_pass_lessonpress_rule(tmp_path: Path) -> None:
    headings = ["Setup", "2. Results", "import", "Ĉu ĉi tio? — “quotes”!", "日本語", "class", "x" * 60, "Setup"]
    text = "".join(f"## {h}\n\n```python\nx = {n}\n```\n\n" for n, h in enumerate(headings))
    plan = plan_import(_source(tmp_path, "odd.md", text), _root(tmp_path))
    names = [b.cell for b in plan.blocks]
    assert names[:5] == ["setup_2", "2_results", "import", "cu_ci_tio_quotes", "block5"]
    assert len(set(names)) == len(names) and all(len(n) <= 32 for n in names)
    lesson = split_cells("odd.py", plan.targets[0].text)  # raises on a name the rule refuses
    assert [c.name for c in lesson.cells][1:] == names


def test_a_long_post_imports_whole(tmp_path: Path) -> None:
    # (how fast is a benchmark's business, not a test's: see benchmarks/)
    text = "---\ntitle: Long\n---\n\n" + "".join(f"## Step {n}\n\nText.\n\n```python\nx{n} = {n}\n```\n\n```\n{n}\n```\n\n" for n in range(3000))
    plan = plan_import(_source(tmp_path, "long.md", text), _root(tmp_path))
    assert sum(b.runs for b in plan.blocks) == 3000 and [b for b in plan.blocks if b.runs][-1].cell == "step_2999"
