"""Figures: snapshots at every plt.show() and of the figures still open when a cell ends."""

from __future__ import annotations

import io
import os
import sys
import types
from typing import Any

from ..model import Figure
from .isolation import after_import

Location = tuple[str, int]  # a file and line of the lesson's code

# Set on a figure once it is captured, and cleared by any change to it. Matplotlib's own
# `stale` flag will not do: a lesson's savefig() draws the figure and clears it.
_SHOWN = "_lessonpress_shown"
_LAST_SHOT = "_lessonpress_last_shot"  # the bytes of its last snapshot
_MADE_AT = "_lessonpress_made_at"


class FigureCapture:
    """Snapshots of figures: at every plt.show() and for figures still open when a cell ends.

    Drawing happens here, not where `python lesson.py` would draw (if ever): a figure that
    fails to draw is the lesson's error, and a warning drawing raises is the lesson's, at
    the line that asked for the snapshot (its plt.show()) or else the line that made the
    figure, never at lessonpress's own code.
    """

    def __init__(self, lessons_dir: str, figure_format: str = "png") -> None:
        self.taken: list[Figure] = []
        self.lessons_dir = lessons_dir
        self.figure_format = figure_format  # png or svg (site.yaml's figure_format)
        self.failed_at: Location | None = None  # where the figure that failed to draw was made
        after_import("matplotlib.pyplot", self._patch_pyplot)  # a lesson without plots never imports it

    def _patch_pyplot(self, plt: Any) -> None:
        import functools

        figure = plt.figure

        @functools.wraps(plt.show)
        def show(*args: Any, **kwargs: Any) -> None:
            self.snapshot_open(close=False, at=_lesson_line(self.lessons_dir))

        @functools.wraps(figure)
        def made_here(*args: Any, **kwargs: Any) -> Any:  # plt.subplots() and plt.gcf() call it too
            made = figure(*args, **kwargs)
            if getattr(made, _MADE_AT, None) is None:
                setattr(made, _MADE_AT, _lesson_line(self.lessons_dir))
            return made

        plt.show, plt.figure = show, made_here

    def start_cell(self, at: Location) -> None:
        """Forget the last cell's snapshots; `at` is where this cell starts."""
        self.taken = []
        self.cell_at = at

    def snapshot_open(self, close: bool, at: Location | None = None) -> None:
        """Snapshot every open figure that changed since its last snapshot; close them all if `close`."""
        if "matplotlib.pyplot" not in sys.modules:
            return
        import matplotlib.pyplot as plt
        from matplotlib._pylab_helpers import Gcf

        try:
            for manager in Gcf.get_all_fig_managers():
                self._snapshot_changed(manager.canvas.figure, at)
        finally:
            if close:
                plt.close("all")

    def _snapshot_changed(self, figure: Any, at: Location | None) -> None:
        if getattr(figure, _SHOWN, False):
            return
        made_at = getattr(figure, _MADE_AT, None)
        try:
            shot = _snapshot(figure, at or made_at or self.cell_at, self.figure_format)
        except Exception as exc:
            import matplotlib.pyplot as plt

            plt.close(figure)  # it failed once: not again when the cell ends
            self.failed_at = made_at
            exc.add_note("(raised while lessonpress drew the figure for the page)")
            raise
        # Changed since its last capture, or perhaps only redrawn (a savefig() redraws
        # and marks it changed): a snapshot equal to the last one is not a new image.
        if shot.data != getattr(figure, _LAST_SHOT, None):
            self.taken.append(shot)
        setattr(figure, _LAST_SHOT, shot.data)


def _lesson_line(lessons_dir: str) -> Location | None:
    """The innermost line of the lesson's code (or its helpers') calling into this."""
    frame: types.FrameType | None = sys._getframe(2)
    while frame is not None:
        if os.path.abspath(frame.f_code.co_filename).startswith(lessons_dir):
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back
    return None


def _snapshot(figure: Any, at: Location, figure_format: str) -> Figure:
    """Render a figure as PNG or SVG (`figure_format`), the same bytes on every run."""
    import warnings

    buffer = io.BytesIO()
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:  # type: ignore[assignment]
            warnings.simplefilter("always")  # each goes through the lesson's own filters below
            _save(figure, buffer, figure_format)
    finally:
        _warn_at(caught, at)
    figure.stale = False
    _watch_changes(figure)
    setattr(figure, _SHOWN, True)
    width, height = figure.get_size_inches() * figure.dpi
    return Figure(buffer.getvalue(), round(width), round(height), _alt_text(figure), figure_format)


def _save(figure: Any, buffer: io.BytesIO, figure_format: str) -> None:
    """PNG at twice the figure's CSS size; SVG scales, and its raster parts (imshow) get that
    resolution too. Neither holds time-dependent metadata."""
    if figure_format != "svg":
        figure.savefig(buffer, format="png", dpi=figure.dpi * 2, metadata={"Software": None})
        return
    import matplotlib

    # The same bytes on every run, drawn without the fonts of the reader's machine: ids hashed
    # with a fixed salt instead of a random one, text as paths, and no Date in the metadata.
    with matplotlib.rc_context({"svg.hashsalt": "lessonpress", "svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg", dpi=figure.dpi * 2, metadata={"Date": None})


def _warn_at(caught: list[Any], at: Location) -> None:
    """Warn again what drawing warned (a missing glyph, say) as the lesson's, at its line."""
    import warnings

    registry = sys.modules["__main__"].__dict__.setdefault("__warningregistry__", {})
    for warning in caught:
        warnings.warn_explicit(warning.message, warning.category, at[0], at[1], registry=registry)


def _watch_changes(figure: Any) -> None:
    """Clear the figure's captured mark whenever an artist in it changes.

    Every change to an artist marks its axes and then its figure stale, and the figure then
    calls its stale_callback (pyplot's redraw hook), which this wraps once.
    """
    original = figure.stale_callback
    if getattr(original, "_lessonpress", False):
        return

    def changed(artist: Any, stale: bool) -> None:
        if stale:
            setattr(figure, _SHOWN, False)
        if original is not None:
            original(artist, stale)

    changed._lessonpress = True  # type: ignore[attr-defined]
    figure.stale_callback = changed


def _alt_text(figure: Any) -> str:
    """Describe a figure from its titles and axis labels."""
    parts = []
    suptitle = figure._suptitle.get_text() if figure._suptitle is not None else ""
    if suptitle:
        parts.append(suptitle)
    for axes in figure.axes:
        bits = [axes.get_title()]
        labels = [
            f"{axis} axis: {label}"
            for axis, label in (("x", axes.get_xlabel()), ("y", axes.get_ylabel()))
            if label
        ]
        if labels:
            bits.append("(" + ", ".join(labels) + ")")
        text = " ".join(b for b in bits if b)
        if text:
            parts.append(text)
    return "Plot: " + "; ".join(parts) if parts else "Plot produced by the lesson"
