"""How a {value} role shows a lesson's value: checked before rendering, drawn by render."""

from __future__ import annotations

from typing import Any

from .document import ValueRef
from .model import LessonResult


def format_value(value: Any, spec: str) -> str:
    """A quoted value in its format spec; a list gets the spec on each item ("[0.52, 0.31]")."""
    if isinstance(value, list) and spec:
        return "[" + ", ".join(format_value(item, spec) for item in value) + "]"
    return format(value, spec)


def value_text(ref: ValueRef, results: dict[str, LessonResult]) -> str:
    """What a {value} role shows: the lesson's value in the role's format spec."""
    return format_value(results[ref.lesson_path].values[ref.name], ref.spec)
