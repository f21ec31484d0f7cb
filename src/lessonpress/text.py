"""Small text helpers more than one part of lessonpress shares: counts in words, slugs."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit


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


def url_problem(link: str) -> str | None:
    """Why no browser could follow `link`, or None for a valid URL (relative ones included)."""
    control = next((c for c in link if (ord(c) < 0x20 and c not in "\t\n\r") or ord(c) == 0x7F), None)
    if control is not None:
        return f"it contains the control character {control!r}; remove it, or write it as %{ord(control):02X}"
    try:
        urlsplit(link).port  # noqa: B018 (reading it checks it: a number from 0 to 65535)
    except ValueError as exc:  # "Invalid IPv6 URL", a bracketed host that is no address
        if "Port" in str(exc) or "port" in str(exc):
            return f"{exc}; a port is a number from 0 to 65535"
        return f"{exc}; write a valid URL, with [ and ] only around an IPv6 address (elsewhere as %5B and %5D)"
    return None


def shown_url(link: str, limit: int = 200) -> str:
    """A link for a message: control characters escaped, a long one cut short."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in link)
    return text if len(text) <= limit else text[:limit] + f"... ({len(link)} characters)"
