"""Lesson figures in a real browser (Debian's Chromium via Playwright), as PNG and as SVG
(`figure_format: svg`): each loads, and each is readable in the dark theme. Matplotlib draws
black axes and text on a white figure, or on nothing at all when the lesson makes the figure
transparent; on the dark page either must sit on a light panel, not on the dark background.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from ..conftest import post, write_project
from ..safety import cli
from .conftest import PageWatch
from .pages import background_luminance, load_images
from .support import serve

LESSON = '''"""Two figures: matplotlib's default (white) and a transparent one."""
import matplotlib.pyplot as plt

# %% white
fig, ax = plt.subplots(figsize=(4, 2.5))
ax.plot([0, 1, 2, 3], [1.0, 0.5, 0.25, 0.125], marker="o")
ax.set_title("Loss by epoch")
plt.show()

# %% clear
fig, ax = plt.subplots(figsize=(4, 2.5))
fig.patch.set_alpha(0.0)
ax.patch.set_alpha(0.0)
ax.plot([0, 1, 2, 3], [0.1, 0.4, 0.6, 0.7], marker="s")
ax.set_title("Accuracy by epoch")
plt.show()
'''
BODY = (
    "```{lesson} l.py#white\n```\n\n```{lesson} l.py#clear\n```\n\n"
    "```{figure} diagram.png\n:alt: A black frame on nothing\n\nAn author's transparent figure.\n```\n"
)
# The relative luminance (0 black .. 1 white) a light panel has at least, and a dark page at most.
LIGHT, DARK = 0.75, 0.1
# The panel around the figure, as an <img> reports it: background, padding and corners.
PANEL = """img => { const s = getComputedStyle(img);
    return {background: s.backgroundColor, padding: parseFloat(s.paddingTop), radius: parseFloat(s.borderTopLeftRadius),
            naturalWidth: img.naturalWidth, src: img.currentSrc}; }"""


@pytest.fixture(scope="module", params=["png", "svg"])
def figures_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """A post with both figures, built with `figure_format` png or svg and served: (format, URL)."""
    figure_format = request.param
    world = tmp_path_factory.mktemp(f"figures-{figure_format}")
    files: dict[str, str | bytes] = {
        "site.yaml": f"title: Figures\nfigure_format: {figure_format}\n",
        "posts/p.md": post("Figures", body=BODY),
        "lessons/p/l.py": LESSON,
        "posts/p/diagram.png": _transparent_png(),
    }
    root = write_project(world / "project", files)
    result = cli("build", "--root", str(root), "--out", str(world / "site"), "--quiet")
    assert result.returncode == 0, f"the build failed:\n{result.stdout}\n{result.stderr}"
    with serve(world / "site", ("/",)) as origin:
        yield figure_format, f"{origin}/posts/p/"


def _transparent_png() -> bytes:
    """A black frame on a transparent ground, as an author's saved figure may be."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (240, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((30, 30, 210, 90), outline=(0, 0, 0, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _luminance(rgb: tuple[int, ...]) -> float:
    def linear(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])


def _css_luminance(colour: str) -> float:
    """Of a computed `rgb(...)`/`rgba(...)` colour; a transparent one counts as black (unreadable)."""
    parts = [float(p) for p in colour[colour.index("(") + 1 : -1].replace("/", ",").split(",")]
    if len(parts) == 4 and parts[3] == 0:
        return 0.0
    return _luminance(tuple(round(p) for p in parts[:3]))


def _drawn_background(image: Any) -> list[float]:
    """The luminance of what the reader sees at the figure's corners, inside the panel: where
    matplotlib drew the figure's background (or, for a transparent figure, nothing)."""
    from PIL import Image

    shot = Image.open(io.BytesIO(image.screenshot())).convert("RGB")
    width, height = shot.size
    inset = 12  # past the padding, inside the figure's own margin
    corners = [
        (inset, inset),
        (width - inset, inset),
        (inset, height - inset),
        (width - inset, height - inset),
    ]
    return [_luminance(shot.getpixel(corner)) for corner in corners]


@pytest.mark.parametrize("dark", ["prefers-color-scheme", "toggle"])
def test_figures_load_and_sit_on_a_light_panel_in_the_dark_theme(
    context: Any, figures_site: tuple[str, str], dark: str
) -> None:
    figure_format, url = figures_site
    page = context(color_scheme="dark" if dark == "prefers-color-scheme" else "light").new_page()
    watch = PageWatch(page)
    page.goto(url)
    page.wait_for_load_state("load")
    if dark == "toggle":
        page.locator("button.theme-toggle").click()
        assert page.locator("html").get_attribute("data-theme") == "dark"
    load_images(page)
    assert background_luminance(page) < DARK, "the page is not in its dark theme"
    images = page.locator("figure.cell-figure img")
    assert images.count() == 2
    for index, name in enumerate(("white", "clear")):
        image = images.nth(index)
        panel = image.evaluate(PANEL)
        assert panel["src"].endswith(f"/l-{name}-1.{figure_format}"), panel
        assert panel["naturalWidth"] > 0, f"the {figure_format} figure did not load in Chromium: {panel}"
        assert _css_luminance(panel["background"]) > LIGHT, f"the {name} figure's panel is dark: {panel}"
        assert panel["padding"] > 0 and panel["radius"] > 0, f"the {name} figure has no framed panel: {panel}"
        drawn = _drawn_background(image)
        assert min(drawn) > LIGHT, (
            f"the {name} {figure_format} figure shows dark where it has no ink: {drawn}"
        )
    author = page.locator("figure.post-figure img")
    assert _css_luminance(author.evaluate(PANEL)["background"]) > LIGHT
    assert min(_drawn_background(author)) > LIGHT, "the author's transparent figure is dark on the dark page"
    watch.check(f"the figures page ({figure_format}, dark by {dark})")
