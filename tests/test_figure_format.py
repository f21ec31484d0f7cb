"""`figure_format: svg` in site.yaml: figures captured and published as SVG, the same bytes on
every run, in the page as <img> and in the notebook as image/svg+xml; switching the format
rebuilds the figures rather than serving the other format's from the cache."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from lessonpress.errors import ContentError
from lessonpress.load import load_project

from .conftest import post, write_project
from .safety import cli

LESSON = '''"""Text, markers, a clip path and an image: every part of a figure an SVG holds."""
import io

import matplotlib.pyplot as plt
import numpy as np

# %% drawn
fig, (left, right) = plt.subplots(1, 2, figsize=(6, 2.5))
left.plot([0, 1, 2], [1.0, 0.5, 0.25], marker="o", label="loss")
left.set_title("Loss by epoch")
left.set_xlabel("epoch")
left.legend()
right.imshow(np.arange(16.0).reshape(4, 4))
plt.show()
fig.savefig(io.BytesIO(), format="svg")  # redraws it unchanged: the same bytes, no second figure
'''
FILES: dict[str, str | bytes] = {
    "posts/p.md": post("P", body="```{lesson} l.py#drawn\n```\n"),
    "lessons/p/l.py": LESSON,
}


def _build(root: Path, out: Path, *extra: str) -> None:
    result = cli("build", "--root", str(root), "--out", str(out), "--quiet", *extra)
    assert result.returncode == 0, result.stderr


def _project(tmp_path: Path, figure_format: str | None) -> Path:
    site = {"site.yaml": f"title: T\nfigure_format: {figure_format}\n"} if figure_format else {}
    return write_project(tmp_path / "project", {**FILES, **site})


def test_figure_format_is_png_by_default_and_may_be_svg(tmp_path: Path) -> None:
    assert load_project(_project(tmp_path / "default", None)).config.figure_format == "png"
    assert load_project(_project(tmp_path / "svg", "svg")).config.figure_format == "svg"
    assert load_project(_project(tmp_path / "png", " png")).config.figure_format == "png"


@pytest.mark.parametrize(
    "value, shown",
    [("jpeg", "'jpeg'"), ("SVG", "'SVG'"), ("[svg]", "a list"), ("true", "true or false"), ("1", "'1'")],
)
def test_another_figure_format_is_an_error_at_its_line(tmp_path: Path, value: str, shown: str) -> None:
    root = write_project(
        tmp_path / "project", {**FILES, "site.yaml": f"title: T\n\nfigure_format: {value}\n"}
    )
    with pytest.raises(ContentError) as info:
        load_project(root)
    (problem,) = info.value.problems
    assert (problem.path, problem.line) == ("site.yaml", 3)
    assert problem.message == f"'figure_format' must be one of png, svg, got {shown}"


def test_the_cli_reports_a_bad_figure_format_at_its_line(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {**FILES, "site.yaml": "title: T\nfigure_format: gif\n"})
    result = cli("build", "--root", str(root), "--out", str(tmp_path / "site"))
    assert result.returncode == 1
    assert "site.yaml:2: error: 'figure_format' must be one of png, svg, got 'gif'" in result.stderr


def test_svg_figures_are_published_beside_the_page_and_in_the_notebook(tmp_path: Path) -> None:
    root = _project(tmp_path, "svg")
    _build(root, tmp_path / "site")
    folder = tmp_path / "site/posts/p"
    svg = (folder / "l-drawn-1.svg").read_bytes()
    assert svg.startswith(b"<?xml") and b"<svg" in svg and svg.rstrip().endswith(b"</svg>")
    assert b"<dc:date>" not in svg, "the SVG carries the time it was made"
    assert b"<text" not in svg, "text is drawn as paths, so the figure needs no fonts"
    assert b"data:image/png;base64," in svg  # the imshow, embedded
    assert not list(folder.glob("*.png")), "a PNG was published beside the SVG"
    assert [path.name for path in folder.glob("*.svg")] == ["l-drawn-1.svg"]
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert (
        '<img src="l-drawn-1.svg" alt="Plot: Loss by epoch (x axis: epoch)" width="600" height="250"' in html
    )
    assert "og:image" not in html  # link previews do not show SVG
    notebook = nbformat.read(folder / "l.ipynb", as_version=4)
    nbformat.validate(notebook)
    (cell,) = [
        cell for cell in notebook.cells if cell.cell_type == "code" and cell.metadata.get("title") == "drawn"
    ]
    (output,) = cell.outputs
    assert output.output_type == "display_data" and "image/png" not in output.data
    assert output.data["image/svg+xml"] == svg.decode("utf-8")


def test_svg_figures_are_the_same_bytes_on_every_run(tmp_path: Path) -> None:
    root = _project(tmp_path, "svg")
    _build(root, tmp_path / "first", "--no-cache")
    _build(root, tmp_path / "second", "--no-cache")
    first = (tmp_path / "first/posts/p/l-drawn-1.svg").read_bytes()
    assert first == (tmp_path / "second/posts/p/l-drawn-1.svg").read_bytes()
    assert (tmp_path / "first/posts/p/l.ipynb").read_bytes() == (
        tmp_path / "second/posts/p/l.ipynb"
    ).read_bytes()


def test_switching_the_format_rebuilds_the_figures(tmp_path: Path) -> None:
    """png -> svg -> png through the cache: each build publishes its own format's figure, as a
    build without the cache would, and never the other format's from the cache."""
    root = _project(tmp_path, None)
    site = tmp_path / "site"
    folder = site / "posts/p"
    _build(root, site)
    png = (folder / "l-drawn-1.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    for figure_format in ("svg", "png", "svg"):
        (root / "site.yaml").write_text(f"title: T\nfigure_format: {figure_format}\n", encoding="utf-8")
        _build(root, site)
        other = "png" if figure_format == "svg" else "svg"
        assert (folder / f"l-drawn-1.{figure_format}").is_file()
        assert not (folder / f"l-drawn-1.{other}").exists(), f"the {other} figure is still published"
        html = (folder / "index.html").read_text(encoding="utf-8")
        assert f'src="l-drawn-1.{figure_format}"' in html and f"l-drawn-1.{other}" not in html
        mime = "image/svg+xml" if figure_format == "svg" else "image/png"
        outputs = [
            o for c in nbformat.read(folder / "l.ipynb", as_version=4).cells for o in c.get("outputs", [])
        ]
        assert [set(o.data) - {"text/plain"} for o in outputs] == [{mime}]
    _build(root, tmp_path / "fresh", "--no-cache")  # the last build, made from the cache, is a clean build's
    assert (tmp_path / "fresh/posts/p/l-drawn-1.svg").read_bytes() == (folder / "l-drawn-1.svg").read_bytes()
    (root / "site.yaml").write_text("title: T\n", encoding="utf-8")
    _build(root, site)
    assert (folder / "l-drawn-1.png").read_bytes() == png  # png again, the same bytes
