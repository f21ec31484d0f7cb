"""Cross-references of a page: each {ref}, {numref}, {eq} and {doc} role's link and text,
resolved against every post's targets (labels are site-wide, as in MyST). What a page shows
of other posts (their titles, headings, numbers) is in its inputs, so in its key: editing a
heading in one post re-renders the posts that name it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import escape

from ..document import Math, Target, XRef
from ..errors import Problem
from ..model import LessonResult, ParsedPost
from ..values import value_text
from .headings import SECTION_LEVELS

_TITLE = ("text", "code_inline", "math_inline", "myst_role")  # a heading's text in a {ref}


@dataclass(frozen=True)
class Resolved:
    """A role as the page draws it: a link (relative to the page) and its text."""

    ref: XRef
    href: str
    text: str


@dataclass(frozen=True)
class SiteLabels:
    """Every post's targets by label, and every post by slug and by series number."""

    labels: dict[str, tuple[str, Target]]  # label -> (slug of its post, target)
    posts: dict[str, tuple[str, str]]  # slug or series -> (slug, title)


def site_labels(posts: list[ParsedPost]) -> SiteLabels:
    """The labels and posts the pages' roles may name (the first of a label used twice)."""
    labels: dict[str, tuple[str, Target]] = {}
    names: dict[str, tuple[str, str]] = {}
    for post in posts:
        slug = post.source.slug
        for target in post.targets:
            labels.setdefault(target.label, (slug, target))
        for name in (slug, post.meta.series):
            if name:
                names.setdefault(name, (slug, post.meta.title))
    return SiteLabels(labels, names)


def resolve_refs(post: ParsedPost, site: SiteLabels, results: dict[str, LessonResult]) -> tuple[Resolved, ...]:
    """The post's roles that name something, resolved (parse reported the rest); a heading's
    {value}s show the lesson's values (`results`)."""
    slug = post.source.slug
    return tuple(found for ref in post.xrefs if (found := _resolve(ref, slug, site, results)) is not None)


def _resolve(ref: XRef, slug: str, site: SiteLabels, results: dict[str, LessonResult]) -> Resolved | None:
    if ref.role == "doc":
        post = site.posts.get(ref.target)
        return Resolved(ref, f"../{post[0]}/", ref.text or post[1]) if post else None
    found = site.labels.get(ref.target)
    if found is None:
        return None
    other, target = found
    href = ("" if other == slug else f"../{other}/") + f"#{target.label}"
    return Resolved(ref, href, _text(ref, target, results))


def _text(ref: XRef, target: Target, results: dict[str, LessonResult]) -> str:
    """{eq}: '(1)'; {numref}: 'Eq. 1' or 'Fig. 1' (its text's %s or {number} is the number); {ref}: its
    text, or the heading's (a cell's `file.py#cell`)."""
    number = str(target.number)
    if ref.role == "eq":
        return ref.text or f"({number})"
    if ref.role == "numref":
        default = "Fig. %s" if target.kind == "figure" else "Eq. %s"
        return (ref.text or default).replace("%s", number).replace("{number}", number)
    if not ref.text and target.parts:
        shown = "".join(value_text(p.ref, results) if p.ref else p.text for p in target.parts if p.kind in _TITLE)
        return shown.strip() or target.label
    return ref.text or target.title or target.label


def label_clashes(post: ParsedPost, reserved: frozenset[str]) -> list[Problem]:
    """Labels that are ids the page has already (the template's own, a solution's, a
    footnote's): the page would have two elements with one id, and links would go astray."""
    return [
        Problem(
            post.source.src_path,
            target.line,
            f"label {target.label!r} is an id the page itself uses (its template, a solution or a "
            "footnote): rename the label",
        )
        for target in post.targets
        if target.label in reserved or _FOOTNOTE_ID.match(target.label)
    ]


_FOOTNOTE_ID = re.compile(r"^fn(ref)?:\d+(:\d+)?$")


def xref_html(ref: XRef, found: Resolved | None) -> str:
    """A role's link; one naming nothing (only `check` draws such a page) as written."""
    if found is None:
        return str(escape(f"{{{ref.role}}}`{ref.target}`"))
    return f'<a class="xref xref-{ref.role}" href="{escape(found.href)}">{escape(found.text)}</a>'


def target_html(target: Target) -> str:
    """A `(label)=` line: nothing before a section heading (the label is its id), else an anchor."""
    if target.kind == "heading" and target.level in SECTION_LEVELS:
        return ""
    return f'<div class="target" id="{escape(target.label)}"></div>\n'


def equation_html(math: Math) -> str:
    """A display formula; a labelled one with its id and its number at the right."""
    if not math.label:
        return f'<div class="math-display" tabindex="0">{math.mathml}</div>\n'
    return (
        f'<div class="math-display numbered" tabindex="0" id="{escape(math.label)}">{math.mathml}'
        f'<span class="equation-number">({math.number})</span></div>\n'
    )
