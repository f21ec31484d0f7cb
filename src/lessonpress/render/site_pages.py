"""The site-wide pages: the series index, the feed, the sitemap, the 404 page, the assets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .. import __version__
from ..model import ModuleOutline, OutputFile
from .environment import render_template
from .inputs import Listing, SiteInfo, SiteInputs

if TYPE_CHECKING:
    import jinja2


@dataclass(frozen=True)
class OutlineEntry:
    """One line of the series outline: a written post (with URL) or an upcoming title."""

    series: str
    title: str
    url: str | None
    summary: str = ""


@dataclass(frozen=True)
class OutlineModule:
    """A module of the outline as shown on the index."""

    number: int
    title: str
    goal: str
    entries: tuple[OutlineEntry, ...]


def site_pages(inputs: SiteInputs, env: jinja2.Environment) -> list[OutputFile]:
    """The index, the feed, the sitemap, the 404 page and the static files."""
    site, posts = inputs.site, list(inputs.posts)
    index = render_template(
        env,
        "index.html",
        "index.html",
        site=site,
        root="",
        modules=outline(site.modules, posts, ""),
        other_posts=_others(site.modules, posts, ""),
        version=__version__,
    )
    return [index, *site_files(env, site, posts), *static_files(inputs.templates.dirs)]


def site_files(env: jinja2.Environment, site: SiteInfo, posts: list[Listing]) -> list[OutputFile]:
    """The feed, the sitemap and the 404 page (`posts` in series order)."""
    dated = sorted((p for p in posts if p.meta.date), key=lambda p: (p.meta.date, p.slug), reverse=True)
    updated = dated[0].meta.date if dated else None
    entries = [
        {"post": p.meta, "url": f"{site.base_url}posts/{p.slug}/", "id": _entry_id(site, p)} for p in dated
    ]
    return [
        render_template(
            env, "feed.xml", "feed.xml", site=site, entries=entries, updated=updated, version=__version__
        ),
        render_template(
            env,
            "sitemap.xml",
            "sitemap.xml",
            site=site,
            updated=updated,
            pages=[{"url": f"{site.base_url}posts/{p.slug}/", "date": p.meta.date} for p in posts],
        ),
        render_template(env, "404.html", "404.html", site=site, root=site.base_path, version=__version__),
    ]


def _entry_id(site: SiteInfo, post: Listing) -> str:
    """An absolute IRI for the feed, even when base_url is a bare path."""
    url = f"{site.base_url}posts/{post.slug}/"
    return url if urlsplit(url).scheme else f"urn:lessonpress:post:{post.slug}"


def outline(modules: tuple[ModuleOutline, ...], posts: list[Listing], root: str) -> list[OutlineModule]:
    """The series outline with written posts linked and the rest marked upcoming."""
    written = {p.meta.series: p for p in posts if p.meta.series}
    shown = []
    for module in modules:
        entries = []
        for number, title in enumerate(module.post_titles, start=1):
            series = f"{module.number}.{number}"
            post = written.get(series)
            entries.append(
                OutlineEntry(
                    series,
                    post.meta.title if post else title,
                    f"{root}posts/{post.slug}/" if post else None,
                    post.meta.summary if post else "",
                )
            )
        shown.append(OutlineModule(module.number, module.title, module.goal, tuple(entries)))
    return shown


def _others(modules: tuple[ModuleOutline, ...], posts: list[Listing], root: str) -> list[OutlineEntry]:
    """Posts not placed by the outline (no series number, or beyond the outline)."""
    placed = {f"{m.number}.{i}" for m in modules for i in range(1, len(m.post_titles) + 1)}
    return [
        OutlineEntry(p.meta.series or "", p.meta.title, f"{root}posts/{p.slug}/", p.meta.summary)
        for p in posts
        if p.meta.series not in placed
    ]


def static_files(dirs: tuple[Path, ...]) -> list[OutputFile]:
    """Theme assets (CSS, JavaScript) and the Pygments stylesheets (`dirs`: the project's first)."""
    from pygments.formatters import HtmlFormatter

    files = {}
    for folder in reversed(dirs):
        assets = folder / "assets"
        for path in sorted(assets.rglob("*")) if assets.is_dir() else []:
            if path.is_file():
                files[f"assets/{path.relative_to(assets).as_posix()}"] = path.read_bytes()
    # Light colours only: style.css sets its own contrast-checked code colours for the dark theme.
    files["assets/pygments.css"] = (
        HtmlFormatter(style="default").get_style_defs(".highlight") + "\n"
    ).encode()
    return [OutputFile(dest, data) for dest, data in sorted(files.items())]
