"""Small text helpers more than one part of lessonpress shares: counts in words, slugs."""

from __future__ import annotations

import re
import unicodedata


def count(number: int, noun: str) -> str:
    """'1 module', '2 modules'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def slug_of(text: str, *, ascii_only: bool) -> str:
    """`text` lower-cased into a slug for a URL or an id, words joined by '-' ('' if nothing is left).

    The two kinds differ, and their results are public (post URLs, heading links), so each
    stays as it is:
    - ascii_only (the file name and URL of a new post): accents dropped ('Café' -> 'cafe'),
      every run of other characters one '-', none at the ends;
    - otherwise (heading ids, as markdown-it's anchors plugin and GitHub make them): letters
      of any script kept, each space a '-', other characters dropped.
    """
    if not ascii_only:
        return re.sub(r"[^\w\u4e00-\u9fff\- ]", "", text.lower().replace(" ", "-"))
    # Decomposed before lower-casing: '℃' decomposes to '°C', which has a lower case.
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
