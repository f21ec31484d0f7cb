"""Heading ids and the table of contents: from each heading's text, as the page shows it."""

from __future__ import annotations

from ..document import Document, Heading, targets
from ..model import LessonResult
from ..text import slug_of
from ..values import value_text

SECTION_LEVELS = (2, 3)  # the headings with an id, a '#' permalink and a table-of-contents entry
# A heading's id is made from its text, code and {value}s; its table-of-contents entry shows
# the LaTeX of its formulas too.
_ID_TEXT = ("text", "code_inline", "myst_role")
_TOC_TEXT = ("text", "code_inline", "math_inline", "myst_role")


def sections(document: Document) -> list[Heading]:
    """The document's h2 and h3 headings, in order."""
    return [h for h in document.payloads(Heading) if h.level in SECTION_LEVELS]


def heading_ids(document: Document, reserved: frozenset[str], results: dict[str, LessonResult]) -> list[str]:
    """The id of each of the sections(): from its text (a {value} as the page shows it),
    slugified as markdown-it's anchors plugin does, but never empty ('section' for '## ?!?')
    and never one of the page template's own ids (`reserved`) or an earlier heading's: those
    get '-1', '-2', ...; a heading after a `(label)=` line has the label for its id."""
    taken = set(reserved) | {target.label for target in targets(document)}  # a label is its heading's id
    tried: dict[str, int] = {}
    return [
        h.label
        or _unique_id(slug_of(heading_text(h, _ID_TEXT, results), ascii_only=False) or "section", taken, tried)
        for h in sections(document)
    ]


def table_of_contents(
    document: Document, ids: list[str], results: dict[str, LessonResult]
) -> list[tuple[int, str, str]]:
    """(level, id, text) of every h2/h3, `ids` being theirs (heading_ids)."""
    return [
        (h.level, id_, heading_text(h, _TOC_TEXT, results).strip())
        for h, id_ in zip(sections(document), ids, strict=True)
    ]


def heading_text(heading: Heading, kinds: tuple[str, ...], results: dict[str, LessonResult]) -> str:
    """The heading's text of the `kinds` given, a {value} as the page shows it."""
    return "".join(
        value_text(part.ref, results) if part.ref is not None else part.text
        for part in heading.parts
        if part.kind in kinds
    )


def _unique_id(base: str, taken: set[str], tried: dict[str, int]) -> str:
    """`base`, or the first of `base-1`, `base-2`, ... not in `taken`; added to `taken`.

    `tried` remembers, per base, the number to try next: what was taken stays taken, so the
    search resumes there, and 20,000 headings 'Loss' cost 20,000 steps, not 200 million.
    """
    number = tried.get(base, 0)
    id_ = f"{base}-{number}" if number else base
    while id_ in taken:
        number += 1
        id_ = f"{base}-{number}"
    tried[base] = number + 1
    taken.add(id_)
    return id_
