"""The lesson's module-level values that prose may quote with `{value}`, as plain builtins."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

# Exact builtins from their subclasses, without calling the lesson's overrides: a subclass
# would be pickled by reference to its class in the lesson's `__main__`, which the build
# cannot import (np.float64, a float subclass, would make the build import NumPy).
_PLAIN_NUMBERS: tuple[tuple[type, Callable[[Any], Any]], ...] = (
    (bool, bool),
    (int, int.__int__),
    (float, float.__float__),
    (complex, complex.__complex__),
)


def module_values(namespace: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Module-level values that prose may quote (numbers, strings, one-element tensors and
    lists of them) as plain builtins, and the kind of every other name, so that quoting one
    gets a clear error. A value that cannot even be read is named, never fatal."""
    values: dict[str, Any] = {}
    unquotable: dict[str, str] = {}
    for name, value in list(namespace.items()):
        if name.startswith("_") or issubclass(type(value), types.ModuleType):
            continue
        try:
            plain = _plain(value)
        except BaseException as exc:  # the lesson's own class misbehaved when read
            unquotable[name] = f"{type(value).__name__} that could not be read ({type(exc).__name__})"
            continue
        if plain is not None:
            values[name] = plain
        else:
            unquotable[name] = type(value).__name__
    return values, unquotable


def _plain(value: Any) -> Any:
    """The value as builtins if prose may quote it, else None. Types are looked up with
    type(), not isinstance(), which would ask the object for its `__class__`."""
    kind = type(value)
    for base, plain in _PLAIN_NUMBERS:
        if issubclass(kind, base):
            return plain(value)
    if issubclass(kind, str):
        return str.__str__(value) if len(value) <= 10_000 else None
    if issubclass(kind, (list, tuple)) and len(value) <= 1000:
        items = [_plain(v) for v in value]
        return items if all(v is not None for v in items) else None
    item = getattr(value, "item", None)
    numel = getattr(value, "numel", None) or getattr(value, "size", None)
    try:
        if callable(item) and (numel() if callable(numel) else numel) == 1:
            number = item()
            return _plain(number) if issubclass(type(number), (bool, int, float, complex)) else None
    except (TypeError, ValueError, RuntimeError):
        return None
    return None
