"""`lessonpress export`: the executed posts as plain Markdown files (nothing is written here).

gfm: `README.md` (the posts, in series order) and `<slug>/README.md` for each post, which
GitHub shows when one opens its folder, with its figures and images beside it; YAML front
matter. hugo: a page bundle per post, `content/posts/<slug>/index.md` with its files beside,
its front matter as the author wrote it (YAML or TOML, both Hugo's), links to other posts as
`relref`s, which Hugo checks, and math escaped so that Hugo's Markdown leaves the TeX intact.
"""

from __future__ import annotations

import datetime
import tomllib
from typing import Any

from ..errors import ContentError, Problem
from ..model import LessonResult, OutputFile, ParsedPost, Project
from .headings import heading_ids, sections
from .inputs import series_key
from .markdown_blocks import blocks_markdown, tree
from .markdown_inline import FLAVOURS, Exporting, escape_text
from .markdown_links import reference_definitions
from .media import clash_problems, read_media
from .refs import SiteLabels, resolve_refs, site_labels

PAGE_NAMES = {"gfm": "README.md", "hugo": "index.md"}


def export_markdown(
    project: Project, posts: list[ParsedPost], results: dict[str, LessonResult], flavour: str
) -> list[OutputFile]:
    """Every post as Markdown with its files, in `flavour`'s layout; all problems at once."""
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown export format {flavour!r}")
    ordered = sorted(posts, key=series_key)
    labels = site_labels(ordered)
    slugs = frozenset(post.source.slug for post in ordered)
    files: list[OutputFile] = []
    problems: list[Problem] = []
    for post in ordered:
        try:
            files += _post_files(project, post, results, (labels, slugs), flavour)
        except ContentError as exc:
            problems += exc.problems
    if problems:
        raise ContentError(problems)
    if flavour == "gfm":
        files.append(OutputFile("README.md", _index(project, ordered).encode("utf-8")))
    return files


def post_folder(slug: str, flavour: str) -> str:
    """Where a post's Markdown and files go in the export."""
    return slug if flavour == "gfm" else f"content/posts/{slug}"


def _post_files(
    project: Project,
    post: ParsedPost,
    results: dict[str, LessonResult],
    site: tuple[SiteLabels, frozenset[str]],
    flavour: str,
) -> list[OutputFile]:
    """The post's Markdown and its files; `site` is the labels and slugs of every post."""
    from .page import figure_names

    labels, slugs = site
    page = PAGE_NAMES[flavour]
    ctx = Exporting(
        flavour,
        post.source.slug,
        post.source.src_path,
        results,
        project.lessons,
        {found.ref: found for found in resolve_refs(post, labels, results)},
        figure_names(post, results, post.download_names),
        project.config.solutions,
        slugs=slugs,
        heading_ids=dict(zip(sections(post.document), heading_ids(post.document, frozenset(), results), strict=True)),
    )
    text = post_markdown(post, ctx)
    media = {m.path: m.data for m in read_media(project.root, post)}
    if clashes := clash_problems(post, [page, *ctx.files]):
        raise ContentError(clashes)
    folder = post_folder(post.source.slug, flavour)
    return [
        OutputFile(f"{folder}/{page}", text.encode("utf-8")),
        *(OutputFile(f"{folder}/{name}", data) for name, data in {**ctx.files, **media}.items()),
    ]


def post_markdown(post: ParsedPost, ctx: Exporting) -> str:
    """The post's Markdown: front matter, (for GitHub) its title, its body."""
    head = front_matter(post, ctx.flavour)
    title = f"# {escape_text(post.meta.title)}" if ctx.flavour == "gfm" else ""
    try:
        body = blocks_markdown(tree(post.document.nodes), ctx)
    except RuntimeError as exc:  # a construct not found in its own source: a lessonpress bug
        raise RuntimeError(f"{post.source.src_path}: {exc}") from None
    lines = post.source.text.split("\n")
    prose = "\n" * post.body_line + "\n".join(lines[post.body_line :])  # the front matter left out
    references = reference_definitions(prose, ctx.slug, ctx.slugs, ctx.flavour)
    return "\n\n".join(part for part in (head, title, body, references) if part) + "\n"


def front_matter(post: ParsedPost, flavour: str) -> str:
    """The front matter as the author wrote it; for GitHub, TOML becomes YAML (which it shows)."""
    node = next((n for n in post.document.nodes if n.type == "front_matter"), None)
    if node is None:
        return ""
    toml = node.markup == "+++"
    if flavour == "hugo" or not toml:
        marker = "+++" if toml else "---"
        return f"{marker}\n{node.content.strip(chr(10))}\n{marker}"
    import yaml

    data = _yaml_ready(tomllib.loads(node.content))
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip("\n") + "\n---"


def _yaml_ready(value: Any) -> Any:
    """TOML's values as YAML can write them: a time of day (`07:30:00`), which YAML has no
    type for, as its text."""
    if isinstance(value, dict):
        return {key: _yaml_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_yaml_ready(item) for item in value]
    return value.isoformat() if isinstance(value, datetime.time) else value


def _index(project: Project, ordered: list[ParsedPost]) -> str:
    """The export's README.md: the site's title and description, and every post linked."""
    lines = [f"# {escape_text(project.config.title)}", ""]
    if project.config.description:
        lines += [escape_text(project.config.description), ""]
    for post in ordered:
        series = f"{post.meta.series} " if post.meta.series else ""
        summary = f": {escape_text(post.meta.summary)}" if post.meta.summary else ""
        lines.append(f"- {series}[{escape_text(post.meta.title)}]({post.source.slug}/README.md){summary}")
    return "\n".join(lines) + "\n"
