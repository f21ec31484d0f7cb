"""Each lesson beside its post's page: the script, and the same cells as a Jupyter notebook
that carries the outputs of the run, so that a reader who opens it sees what the page shows."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from ..memos import PageCache
from ..model import CellResult, Figure, LessonResult, OutputFile, ParsedPost
from ..store import digest
from .inputs import Run, input_key


def lesson_downloads(runs: tuple[Run, ...], post: ParsedPost, cache: PageCache) -> list[OutputFile]:
    """Each lesson of a post as its .py script and as an executed Jupyter notebook (cached by
    source and result)."""
    by_path = {run.lesson.src_path: run for run in runs}
    files = []
    for src_path, name in post.download_names.items():
        run = by_path[src_path]
        source = run.lesson.source
        files.append(OutputFile(f"posts/{post.source.slug}/{name}", source.encode("utf-8")))
        notebook = cache.get_or_make(
            f"notebook-{digest(src_path)[:24]}",
            input_key(cache.code_key, (source, run.digest)),
            lambda source=source, result=run.result: to_notebook(source, result).encode("utf-8"),
        )
        files.append(OutputFile(f"posts/{post.source.slug}/{Path(name).stem}.ipynb", notebook))
    return files


def to_notebook(source: str, result: LessonResult | None = None) -> str:
    """The script as a notebook with the same cells (Jupytext's percent format reader), each
    code cell with the outputs its run gave (`result`), valid under nbformat's schema."""
    import jupytext
    import nbformat

    notebook = jupytext.reads(source, fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    for index, cell in enumerate(notebook.cells):  # stable ids: same script, same notebook
        title = re.sub(r"[^A-Za-z0-9_-]", "-", str(cell.metadata.get("title", "cell")))
        cell.id = f"{index}-{title}"[:64]
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if result is not None and len(code) == len(result.cells):  # one code cell per lesson cell
        for count, (cell, ran) in enumerate(zip(code, result.cells, strict=True), 1):
            cell.execution_count = count
            cell.outputs = _outputs(ran, count)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def _outputs(cell: CellResult, count: int) -> list[Any]:
    """A cell's outputs as Jupyter shows them: its printed text, its figures, the value it
    ended on, and the error of an expected-error cell."""
    from nbformat.v4 import new_output

    outputs = []
    if cell.output:
        outputs.append(new_output("stream", name="stdout", text=cell.output))
    for figure in cell.figures:
        data = {**_figure_data(figure), "text/plain": figure.alt or "<Figure>"}
        outputs.append(new_output("display_data", data=data, metadata={}))
    for shown in cell.displays:
        outputs.append(new_output("display_data", data={shown.mime: shown.data, "text/plain": shown.text}, metadata={}))
    if cell.display is not None:
        outputs.append(new_output("execute_result", data={"text/plain": cell.display}, execution_count=count))
    if cell.error is not None:
        traceback = cell.error.traceback.splitlines() or [f"{cell.error.type_name}: {cell.error.message}"]
        outputs.append(new_output("error", ename=cell.error.type_name, evalue=cell.error.message, traceback=traceback))
    return outputs


def _figure_data(figure: Figure) -> dict[str, str]:
    """A figure as a notebook holds it: SVG as its text (nbformat's image/svg+xml), PNG in base64."""
    if figure.format == "svg":
        return {"image/svg+xml": figure.data.decode("utf-8")}
    return {"image/png": base64.b64encode(figure.data).decode("ascii")}
