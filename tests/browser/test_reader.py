"""A reader's visit in a real browser (Debian's Chromium via Playwright): the index, then post
1.2 by its link, with the things JavaScript adds (copy, theme, search) and the ones it must not
be needed for (math, figures, layout at 360 px)."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from .pages import (
    background_luminance,
    follow_to_post,
    load_images,
    open_index,
    open_post,
    open_solutions,
    read_everything,
    search_for,
    too_wide,
)
from .support import POST_SLUG, SUB_PATH, base_path

PHONE = {"width": 360, "height": 740}


def test_index_then_post_has_no_console_errors_or_failed_requests(watched: Any) -> None:
    page, watch = watched()
    open_index(page)
    load_images(page)
    watch.check("the index")
    follow_to_post(page)
    read_everything(page)
    watch.check("post 1.2")


@pytest.mark.parametrize("where", ["index", "post"])
def test_page_declares_an_icon_that_loads(watched: Any, where: str) -> None:
    """Without <link rel="icon"> browsers probe /favicon.ico at the host's root (outside a
    sub-path site), which logs a console error on every page."""
    page, _ = watched()
    (open_index if where == "index" else open_post)(page)
    icons = page.evaluate("() => Array.from(document.querySelectorAll('link[rel~=icon]'), link => link.href)")
    assert icons, f'the {where} page has no <link rel="icon">'
    for icon in icons:
        if icon.startswith("data:"):
            continue
        response = page.request.get(icon)
        assert response.ok, f"the icon {icon} answers {response.status}"


def test_every_image_loaded(watched: Any) -> None:
    page, watch = watched()
    follow_to_post(page)
    open_solutions(page)
    images = load_images(page)
    assert images, "post 1.2 shows no images; it has figures from its lessons"
    broken = [image["src"] for image in images if image["naturalWidth"] <= 0]
    assert not broken, f"images that did not load: {broken}"
    missing_alt = [image["src"] for image in images if not (image["alt"] or "").strip()]
    assert not missing_alt, f"images without alt text: {missing_alt}"
    watch.check("post 1.2")


def test_math_is_rendered(watched: Any) -> None:
    page, _ = watched()
    follow_to_post(page)
    open_solutions(page)
    boxes = page.evaluate(
        "() => Array.from(document.querySelectorAll('math')).map(m => {"
        " const r = m.getBoundingClientRect();"
        " return {width: r.width, height: r.height,"
        "         text: m.textContent.trim()}; })"
    )
    assert boxes, "post 1.2 has no <math> elements (math should be MathML)"
    flat = [box["text"][:40] for box in boxes if box["width"] <= 0 or box["height"] <= 0]
    assert not flat, f"{len(flat)} of {len(boxes)} <math> elements have no rendered size: {flat}"


def test_copy_button_puts_the_code_on_the_clipboard(watched: Any, origin: str) -> None:
    page, watch = watched(permissions=["clipboard-read", "clipboard-write"])
    follow_to_post(page)
    buttons = page.locator(".cell-code .copy-button")
    assert buttons.count() > 0, "no copy buttons on the lesson cells of post 1.2"
    button = buttons.first
    cell = button.locator("xpath=ancestor::div[contains(@class, 'cell-code')][1]")
    shown = cell.locator("pre").first.inner_text()
    button.scroll_into_view_if_needed()
    button.click()
    page.wait_for_function("b => b.textContent.trim() !== 'Copy'", arg=button.element_handle())
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.strip(), "the clipboard is empty after clicking Copy"
    assert copied.strip() == shown.strip(), "the clipboard differs from the code shown"
    # What was copied is the lesson's real code: it appears verbatim in the downloadable script.
    script_href = cell.locator(".cell-label a").first.get_attribute("href")
    if script_href:
        script = page.request.get(urllib.parse.urljoin(page.url, script_href))
        assert script.ok, f"the lesson script {script_href} is not downloadable ({script.status})"
        assert copied.strip() in script.text(), f"the copied code is not in {script_href}"
    watch.check("post 1.2")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_theme_toggle_switches_and_persists(watched: Any, scheme: str) -> None:
    page, watch = watched(color_scheme=scheme)
    open_post(page)
    other = "dark" if scheme == "light" else "light"
    html = page.locator("html")
    start = background_luminance(page)
    assert (start > 0.5) == (scheme == "light"), f"prefers-color-scheme {scheme} is not followed"
    toggle = page.locator("button.theme-toggle")
    assert toggle.is_visible(), "the theme toggle is not shown with JavaScript on"
    toggle.click()
    assert html.get_attribute("data-theme") == other
    switched = background_luminance(page)
    assert (switched > 0.5) == (other == "light"), f"toggled to {other}, page unchanged"
    pressed = toggle.get_attribute("aria-pressed")
    assert pressed == ("true" if other == "dark" else "false"), "aria-pressed does not match"
    page.reload()
    page.wait_for_load_state("load")
    assert html.get_attribute("data-theme") == other, "the chosen theme was forgotten on reload"
    assert abs(background_luminance(page) - switched) < 1e-6
    open_index(page)
    assert html.get_attribute("data-theme") == other, "the chosen theme does not carry to the index"
    toggle.click()
    assert html.get_attribute("data-theme") == scheme
    watch.check("theme toggle")


@pytest.mark.parametrize("mount", ["/", SUB_PATH], ids=["root", "sub-path"])
def test_search_for_learning_rate_lists_post_12(watched: Any, mount: str) -> None:
    page, watch = watched()
    search_for(page, "learning rate", mount)
    hit = page.locator(f".pagefind-ui__result-link[href*='/posts/{POST_SLUG}/']")
    more = page.locator("button.pagefind-ui__button")  # "Load more results"
    while hit.count() == 0 and more.count() > 0:
        more.first.click()
        page.wait_for_load_state("networkidle")
    assert hit.count() > 0, "post 1.2 is not among the results for 'learning rate'"
    href = hit.first.get_attribute("href") or ""
    assert urllib.parse.urlsplit(urllib.parse.urljoin(page.url, href)).path.startswith(mount)
    hit.first.click()
    page.wait_for_url(f"**{mount}posts/{POST_SLUG}/**")
    watch.check(f"search under {mount}")


@pytest.mark.parametrize("where", ["index", "post"])
def test_no_sideways_scrolling_at_360px(watched: Any, artifacts: Path, where: str) -> None:
    page, _ = watched(viewport=PHONE)
    (open_index if where == "index" else open_post)(page)
    read_everything(page)
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        pytest.fail(
            f"{where} scrolls sideways at 360 px: scrollWidth {width[0]} > {width[1]}; "
            f"too wide: {too_wide(page)}"
        )
    page.screenshot(path=str(artifacts / f"{where}-360px.png"), full_page=True)


def test_no_post_scrolls_sideways_at_360px(watched: Any) -> None:
    """Every post linked from the index, with its solutions open."""
    page, _ = watched(viewport=PHONE)
    open_index(page)
    posts = page.evaluate(
        "() => [...new Set(Array.from(document.querySelectorAll('main a[href]'),"
        " a => a.href).filter(h => /\\/posts\\/[^/]+\\/$/.test(h)))]"
    )
    assert len(posts) > 1, "the index links to no posts"
    wide = []
    for url in posts:
        page.goto(url)
        open_solutions(page)
        width = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if width > 0:
            wide.append(f"{url} is {width}px too wide: {too_wide(page)}")
    assert not wide, "posts that scroll sideways at 360 px:\n  " + "\n  ".join(wide)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("where", ["index", "post"])
def test_screenshots(watched: Any, artifacts: Path, where: str, scheme: str) -> None:
    """The artifacts a person looks at; also checks the theme follows prefers-color-scheme."""
    page, watch = watched(color_scheme=scheme, viewport={"width": 1100, "height": 900})
    (open_index if where == "index" else open_post)(page)
    read_everything(page)
    luminance = background_luminance(page)
    assert (luminance > 0.5) == (scheme == "light"), f"{where} is not {scheme} ({luminance:.2f})"
    page.screenshot(path=str(artifacts / f"{where}-{scheme}.png"), full_page=True)
    watch.check(f"{where} ({scheme})")


def test_links_work_from_a_sub_path(watched: Any, origin: str) -> None:
    """Served at /sub/path/ (a GitHub Pages project site): every internal URL on the index and
    post 1.2 stays under the sub-path and answers 200."""
    page, watch = watched()
    checked: set[str] = set()
    for step in ("index", "post"):
        if step == "index":
            open_index(page, SUB_PATH)
        else:
            follow_to_post(page, SUB_PATH)
        read_everything(page)
        urls = page.evaluate("""() => [
            ...Array.from(document.querySelectorAll('a[href]'), e => e.href),
            ...Array.from(document.querySelectorAll('link[href]'), e => e.href),
            ...Array.from(document.querySelectorAll('script[src], img[src]'), e => e.src)]""")
        for url in urls:
            parts = urllib.parse.urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}" != origin:
                continue
            assert parts.path.startswith(SUB_PATH), f"{step}: {url} leaves the sub-path {SUB_PATH}"
            target = parts._replace(fragment="").geturl()
            if target in checked:
                continue
            checked.add(target)
            response = page.request.get(target)
            assert response.status == 200, f"{step}: {url} answers {response.status}"
        watch.check(f"{step} under {SUB_PATH}")
    assert checked, "no internal links found"


def test_404_page(watched: Any, site: Path) -> None:
    """A mistyped URL deep under the site (as GitHub Pages serves it) shows a styled 404 page
    whose link home works."""
    if not (site / "404.html").is_file():
        pytest.fail("the site has no 404.html", pytrace=False)
    mount = base_path()
    page, watch = watched()
    response = page.goto(f"{mount}no/such/page/")
    assert response is not None and response.status == 404
    page.wait_for_load_state("load")
    expected = re.compile(
        r"(HTTP 404|console error: Failed to load resource: the server responded "
        r"with a status of 404).*no/such/page"
    )
    watch.problems = [problem for problem in watch.problems if not expected.match(problem)]
    styled = page.evaluate(
        "() => Array.from(document.styleSheets).some(s => s.href && "
        "s.href.endsWith('style.css') && s.cssRules.length > 0)"
    )
    assert styled, "the 404 page's stylesheet did not load at a nested URL"
    home = page.locator("a.site-title")
    if home.count() == 0:
        home = page.locator("main a[href]")
    home.first.click()
    page.wait_for_load_state("load")
    assert urllib.parse.urlsplit(page.url).path == mount, f"the 404 page's link went to {page.url}"
    watch.check("404 page")


def test_post_reads_without_javascript(watched: Any) -> None:
    """JavaScript only adds copy buttons, the theme toggle and search."""
    page, _ = watched(java_script_enabled=False)
    follow_to_post(page)
    assert page.locator("button.theme-toggle:visible").count() == 0, (
        "the theme toggle shows without JavaScript, where it cannot work"
    )
    math = page.evaluate(
        "() => Array.from(document.querySelectorAll('math'))"
        ".filter(m => m.getBoundingClientRect().width > 0).length"
    )
    assert math > 0, "no rendered math without JavaScript"
    assert page.locator("pre .k, pre .kn, pre .nb").count() > 0, "no static syntax highlighting"
    details = page.locator("details > summary")
    if details.count():
        details.first.click()
        assert page.locator("details[open]").count() >= 1, "solutions do not open without JS"
    images = load_images(page)
    assert all(image["naturalWidth"] > 0 for image in images)
