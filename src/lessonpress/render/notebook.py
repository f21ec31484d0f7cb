"""Each lesson beside its post's page: the script, and the same cells as a Jupyter notebook."""

from __future__ import annotations

import re
from pathlib import Path

from ..memos import PageCache
from ..store import digest
from ..model import Lesson, OutputFile, ParsedPost
from .inputs import input_key


def lesson_downloads(lessons: dict[str, Lesson], post: ParsedPost, cache: PageCache) -> list[OutputFile]:
    """Each lesson of a post as its .py script and as a Jupyter notebook (cached by source)."""
    files = []
    for src_path, name in post.download_names.items():
        source = lessons[src_path].source
        files.append(OutputFile(f"posts/{post.source.slug}/{name}", source.encode("utf-8")))
        notebook = cache.get_or_make(
            f"notebook-{digest(src_path)[:24]}",
            input_key(cache.code_key, source),
            lambda source=source: to_notebook(source).encode("utf-8"),
        )
        files.append(OutputFile(f"posts/{post.source.slug}/{Path(name).stem}.ipynb", notebook))
    return files


def to_notebook(source: str) -> str:
    """The script as a notebook with the same cells (Jupytext's percent format reader)."""
    import jupytext
    import nbformat

    notebook = jupytext.reads(source, fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    for index, cell in enumerate(notebook.cells):  # stable ids: same script, same notebook
        title = re.sub(r"[^A-Za-z0-9_-]", "-", str(cell.metadata.get("title", "cell")))
        cell.id = f"{index}-{title}"[:64]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(notebook) + "\n"
