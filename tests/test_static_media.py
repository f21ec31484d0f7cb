"""Issue 14: TOML front matter (`+++`, as in Hugo), through the CLI as an author uses it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import post
from .safety import build_args, built, cli, fails_safely

TOML_POST = """+++
title = "A post"
series = "1.2"
date = 2026-01-02
summary = "A test post."
tags = ["optim", "sgd"]
+++

Hello.

+++

After a MyST block break.
"""
YAML_POST = post(
    "A post", series="1.2", extra="tags: [optim, sgd]", body="Hello.\n\n+++\n\nAfter a MyST block break."
)


def test_toml_front_matter_builds_the_page_yaml_builds(tmp_path: Path) -> None:
    toml = built(tmp_path / "toml", {"posts/a.md": TOML_POST})
    yaml = built(tmp_path / "yaml", {"posts/a.md": YAML_POST})
    page = (toml.out / "posts/a/index.html").read_bytes()
    assert page == (yaml.out / "posts/a/index.html").read_bytes()
    assert b"+++" not in page and b"After a MyST block break." in page
    assert (toml.out / "index.html").read_bytes() == (yaml.out / "index.html").read_bytes()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '+++\ntitle = "A post"\ndate = 2026-01-02\nsummary = A test\n+++\n\nHello.\n',
            "posts/a.md:4: error: invalid TOML front matter: Invalid value",
        ),
        (
            '+++\ntitle = "A post"\ndraft = "no"\n+++\n\nHello.\n',
            "posts/a.md:3: error: 'draft' must be true or false, got 'no'",
        ),
        (
            '+++\ntitle = "A post"\nseries = 1.0\n+++\n\nHello.\n',
            "posts/a.md:3: error: 'series' must look like \"1.2\" (module.post), got '1.0'",
        ),
        (
            '+++\ntitle = "A post"\n\nHello.\n',
            "posts/a.md:1: error: the front matter opened on line 1 is never closed: end it with a '+++' line",
        ),
    ],
)
def test_toml_errors_are_located(tmp_path: Path, text: str, message: str) -> None:
    case = built(tmp_path, {"posts/a.md": TOML_POST})
    (case.root / "posts/a.md").write_text(text, encoding="utf-8")
    fails_safely(
        case,
        *build_args(case),
        code=1,
        message=message,
        allowed=(case.root / "posts/a.md",),
    )


def test_unknown_toml_field_is_located_by_check(tmp_path: Path) -> None:
    case = built(tmp_path, {"posts/a.md": TOML_POST.replace("summary =", "sumary =")})
    result = cli("check", "--root", str(case.root))
    assert result.returncode == 1
    assert "posts/a.md:5: error: unknown front matter field 'sumary'" in result.stderr


def test_a_prose_edit_reads_toml_from_the_memo(tmp_path: Path) -> None:
    case = built(tmp_path, {"posts/a.md": TOML_POST})
    (case.root / "posts/a.md").write_text(TOML_POST.replace("Hello.", "Hello again."), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "lessonpress.cli",
            "build",
            "-q",
            "--root",
            str(case.root),
            "--out",
            str(case.out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Hello again." in (case.out / "posts/a/index.html").read_text(encoding="utf-8")
    assert " tomllib" not in result.stderr and " yaml" not in result.stderr


# Static images beside a post: `![alt](file)` and `{figure}`, copied beside the page.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
IMAGES_BODY = """\
An inline image ![a plot of the loss](loss.png) and a remote one ![logo](https://example.com/x.png).

```{figure} diagrams/net.svg
:alt: The network
:width: 300
:name: fig-net

The network, layer by layer.
```

:::{figure} loss.png
:alt: The loss again
:width: 50%

Half as wide.
:::

See {ref}`fig-net`.
"""


def _images_project(body: str = IMAGES_BODY) -> dict[str, str | bytes]:
    return {
        "posts/a.md": post("A post", body=body),
        "posts/a/loss.png": PNG,
        "posts/a/diagrams/net.svg": SVG,
    }


def test_images_and_figures_are_copied_and_drawn(tmp_path: Path) -> None:
    case = built(tmp_path, _images_project())
    assert (case.out / "posts/a/loss.png").read_bytes() == PNG
    assert (case.out / "posts/a/diagrams/net.svg").read_bytes() == SVG
    page = (case.out / "posts/a/index.html").read_text()
    assert '<img src="loss.png" alt="a plot of the loss">' in page
    assert 'src="https://example.com/x.png"' in page
    figure = (
        '<figure class="post-figure" id="fig-net"><img src="diagrams/net.svg" alt="The network" width="300">'
    )
    assert figure in page
    caption = '<figcaption><span class="caption-number">Figure 1.</span> The network, layer by layer.</figcaption>'
    assert caption in page
    second = 'alt="The loss again" style="width: 50%">\n<figcaption><span class="caption-number">Figure 2.</span> Half'
    assert second in page
    assert 'href="#fig-net"' in page


def test_an_edited_image_republishes(tmp_path: Path) -> None:
    case = built(tmp_path, _images_project())
    (case.root / "posts/a/loss.png").write_bytes(PNG + b"edited")
    result = cli("build", "--root", str(case.root), "--out", str(case.out))
    assert result.returncode == 0, result.stderr
    assert (case.out / "posts/a/loss.png").read_bytes() == PNG + b"edited"


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("Text.\n\n![a plot](gone.png)\n", 9, "image file posts/a/gone.png not found"),
        ("Text.\n\n![](loss.png)\n", 9, "has no alt text"),
        ("```{figure} loss.png\n:width: 20\n```\n", 7, "has no alt text"),
        ("![a plot](../b/loss.png)\n", 7, "leaves the post's folder"),
        ("![a plot](/loss.png)\n", 7, "must be relative to posts/a/"),
        ("```{lesson} l.py\n```\n\n![a plot](l.ipynb)\n", 10, "has the name of a file lessonpress writes"),
        ("```{lesson} l.py\n```\n\n![a plot](l-a-1.png)\n", 10, "has the name of a file lessonpress writes"),
    ],
)
def test_image_misuse_is_a_located_error(tmp_path: Path, body: str, line: int, message: str) -> None:
    case = built(tmp_path, _images_project())
    lesson = "import matplotlib.pyplot as plt\n\n# %% a\nplt.plot([1, 2])\n"
    (case.root / "lessons/a").mkdir(parents=True, exist_ok=True)
    (case.root / "lessons/a/l.py").write_text(lesson)
    (case.root / "posts/a/l.ipynb").write_bytes(PNG)
    (case.root / "posts/a/l-a-1.png").write_bytes(PNG)
    (case.root / "posts/a.md").write_text(post("A post", body=body))
    allowed = (case.root / "posts", case.root / "lessons")
    args = ("build", "--root", str(case.root), "--out", str(case.out))
    result = fails_safely(case, *args, code=1, allowed=allowed)
    assert f"posts/a.md:{line}: error: " in result.stderr and message in result.stderr, result.stderr
