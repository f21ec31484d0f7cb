"""Reader actions shared by the browser tests (plain functions over a Playwright page)."""

from __future__ import annotations

from typing import Any

from .support import POST_SLUG, POST_TITLE


def open_index(page: Any, mount: str = "/") -> None:
    response = page.goto(mount)
    assert response is not None and response.ok, f"GET {mount}: {response and response.status}"
    page.wait_for_load_state("load")


def follow_to_post(page: Any, mount: str = "/") -> None:
    """Open the index under `mount` and follow the link to post 1.2, as a reader would."""
    open_index(page, mount)
    link = page.get_by_role("link", name=POST_TITLE, exact=True).first
    link.click()
    page.wait_for_url(f"**{mount}posts/{POST_SLUG}/**")
    page.wait_for_load_state("load")
    heading = page.locator("h1").first.inner_text().strip()
    assert heading == POST_TITLE, f"post 1.2's h1 is {heading!r}"


def open_post(page: Any, mount: str = "/") -> None:
    """Post 1.2 by its URL (for tests that are not about following the link)."""
    response = page.goto(f"{mount}posts/{POST_SLUG}/")
    assert response is not None and response.ok, f"post 1.2: HTTP {response and response.status}"
    page.wait_for_load_state("load")


def open_solutions(page: Any) -> int:
    """Open every collapsed <details> a reader can see by clicking its summary; returns how
    many. (A quiz's "Answer" disclosures are hidden once its script has made the options.)"""
    summaries = page.locator("details:not([open]) > summary:visible")
    count = summaries.count()
    for _ in range(count):
        summary = page.locator("details:not([open]) > summary:visible").first
        summary.scroll_into_view_if_needed()
        summary.click()
    return count


def load_images(page: Any) -> list[dict[str, Any]]:
    """Scroll each image into view (they load lazily), wait for all, return their sizes."""
    images = page.locator("img")
    for index in range(images.count()):
        images.nth(index).scroll_into_view_if_needed()
    page.wait_for_function("() => Array.from(document.images).every(img => img.complete)")
    page.evaluate("() => Promise.all(Array.from(document.images).map(img => img.decode().catch(() => null)))")
    page.evaluate("() => window.scrollTo(0, 0)")
    return page.evaluate(
        "() => Array.from(document.images).map(img => ("
        "{src: img.currentSrc || img.src, naturalWidth: img.naturalWidth,"
        " naturalHeight: img.naturalHeight, alt: img.getAttribute('alt')}))"
    )


def read_everything(page: Any) -> None:
    """What a thorough reader does: open the solutions and scroll past every figure."""
    open_solutions(page)
    load_images(page)


def background_luminance(page: Any) -> float:
    """Relative luminance (0 black .. 1 white) of the page's effective background."""
    return page.evaluate("""() => {
        const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
        let [r, g, b, a] = parse(getComputedStyle(document.body).backgroundColor);
        if (a === 0) [r, g, b] = parse(getComputedStyle(document.documentElement).backgroundColor);
        const lin = v => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    }""")


def search_for(page: Any, query: str, mount: str = "/") -> None:
    """Type `query` into the Pagefind UI (on the index, or on the search page the index links
    to) and wait for the results to show."""
    open_index(page, mount)
    box = page.locator(".pagefind-ui__search-input")
    if box.count() == 0:
        page.wait_for_timeout(500)  # the UI is drawn by script after load
    if box.count() == 0:
        link = page.locator("a[href*='search']").first
        assert link.count() > 0, (
            "no Pagefind search box (.pagefind-ui__search-input) on the index and no link to a search page"
        )
        link.click()
        page.wait_for_load_state("load")
    box.first.wait_for(state="visible")
    box.first.fill(query)
    page.locator(".pagefind-ui__result-link").first.wait_for(state="visible")
    page.wait_for_load_state("networkidle")


def too_wide(page: Any) -> list[str]:
    """The outermost elements that stick out past the viewport without a scroll box of their own
    to contain them (what makes the page scroll sideways)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .filter(e => {
            for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
                if (getComputedStyle(a).overflowX !== 'visible') return false;
            return true; })
        .slice(0, 8)
        .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ': '
                  + e.outerHTML.slice(0, 100))""")
