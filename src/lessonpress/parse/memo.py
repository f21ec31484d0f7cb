"""Parsed posts remembered by content, so an unchanged post is not read again."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from ..store import TextMemo, digest
from ..versions import code_key
from ..model import Lesson, ParsedPost, PostSource
from ..store import Store


class ParseMemo:
    """Parsed posts by content, each with its whole document model (render needs no other).

    Each post is kept pickled on its own, so a build that read one post again pickles only
    that one. `formulas` and `yaml` remember LaTeX -> MathML and YAML -> data for the posts
    that are read again.
    """

    def __init__(
        self, root: Path | None, formulas: TextMemo[str] | None = None, yaml: TextMemo[Any] | None = None
    ) -> None:
        self.store = Store.open(root)
        self.code_key = code_key()
        self.entries: dict[str, bytes] = self.store.get("parsed", dict, bytes) or {}
        self.used: dict[str, bytes] = {}
        self.formulas = formulas or TextMemo(None, "")
        self.yaml = yaml

    def _key(self, post: PostSource) -> str:
        return digest(self.code_key, post.slug, post.src_path, post.text)

    def get(self, post: PostSource, lessons: dict[str, Lesson]) -> ParsedPost | None:
        """The memo of `post`, if its text is unchanged and every lesson and cell it names exists."""
        key = self._key(post)
        parsed = _unpickled(self.entries.get(key))
        if parsed is None or not _refs_resolve(parsed, lessons):
            return None
        self.used[key] = self.entries[key]
        return parsed

    def put(self, parsed: ParsedPost) -> None:
        """Remember a post just parsed."""
        self.used[self._key(parsed.source)] = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)

    def save(self) -> None:
        """Write what changed: the posts of this build, and the formulas and YAML learned."""
        self.formulas.save()
        if self.yaml is not None:
            self.yaml.save()
        if self.used != self.entries:
            self.store.put("parsed", self.used)


def _unpickled(data: bytes | None) -> ParsedPost | None:
    """The post pickled in `data`; None if there is none, or it is damaged (a miss, as in the store)."""
    if data is None:
        return None
    try:
        parsed = pickle.loads(data)
    except Exception:  # a damaged pickle can raise nearly anything
        return None
    return parsed if isinstance(parsed, ParsedPost) else None


def _refs_resolve(parsed: ParsedPost, lessons: dict[str, Lesson]) -> bool:
    for ref in parsed.lesson_refs:
        lesson = lessons.get(ref.lesson_path)
        if lesson is None or (ref.cell_name and lesson.cell(ref.cell_name) is None):
            return False
    return all(ref.lesson_path in lessons for ref in parsed.value_refs)
