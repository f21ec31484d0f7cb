"""The build's memos, one per pure function a stage repeats (YAML -> data, LaTeX -> MathML,
code -> HTML, page -> links, page -> search copy), and the rendered pages, all kept in
the one store (store.py) under `.lessonpress-cache/`. build.py makes one and lends each
stage the memos it uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .store import PageMemo, Store, TextMemo, Types
from .versions import code_key, package_version


@dataclass(frozen=True)
class _Page:
    key: str
    files: Any


class PageCache:
    """Rendered files per page, reused while the page's key (all its inputs) is unchanged.

    `link_type` is what a link scan gives (write's Links): a remembered scan of another
    type is a miss. The cache names it rather than imports it, importing no stage.
    """

    def __init__(self, root: Path | None, enabled: bool = True, link_type: Types = object) -> None:
        top = Store.open(root, enabled)
        self.pages = top.sub("pages")
        self.folder = self.pages.folder  # render keeps its compiled templates beside it
        self.code_key = code_key()
        self.highlights: TextMemo[str] = TextMemo(
            top.path("highlighted"), f"pygments {package_version('pygments')}", str
        )
        self.formulas: TextMemo[str] = TextMemo(
            top.path("mathml"),
            f"latex2mathml {package_version('latex2mathml')}, text escaped, checked, links checked, no style, bases grouped",
            str,
        )
        self.yaml: TextMemo[Any] = TextMemo(top.path("yaml"), f"pyyaml {package_version('PyYAML')}")
        self.link_scans: PageMemo[Any] = PageMemo(top.path("links"), self.code_key, link_type)
        self.search_pages: PageMemo[bytes | None] = PageMemo(
            top.path("search-pages"), self.code_key, (bytes, type(None))
        )

    def save_memos(self) -> None:
        """Write the highlighting, MathML and YAML memos, if they learned anything."""
        self.highlights.save()
        self.formulas.save()
        self.yaml.save()

    def get_or_make(self, name: str, key: str, make):  # type: ignore[no-untyped-def]
        """The cached files for `name` if `key` matches, else `make()` (then cached)."""
        stored = self.pages.get(name, _Page)
        if stored is not None and stored.key == key:
            return stored.files
        files = make()
        self.pages.put(name, _Page(key, files))
        return files
