"""Strict YAML for site.yaml and front matter: typed data, and the line of any key.

PyYAML is imported only when some YAML has to be read: a build that finds the YAML of
site.yaml and of every front matter unchanged (a prose edit) takes it from a memo.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, Protocol

from ..model import CONTROL_CHARACTERS

# Part of the memo key: data remembered under other loading rules is not reused.
_LOADING_RULES = "strict yaml 3"
# Values that aliases (`*name`) may repeat in one document: far more than any real use, far
# less than a "billion laughs" (600 bytes of aliases that stand for a billion strings).
MAX_ALIAS_VALUES = 10_000
TEXT = (str, int, float)  # what YAML gives for a line of text (`title: 1984` is a number)


def is_text(value: Any) -> bool:
    """A YAML value that is a line of text: a string or a number, never true or false."""
    return isinstance(value, TEXT) and not isinstance(value, bool)


class YamlError(Exception):
    """Text that is not valid YAML: `line` (0-based, None if unknown) and what is wrong;
    `earlier` is the 0-based line of the first occurrence of a duplicate key."""

    def __init__(self, line: int | None, problem: str, earlier: int | None = None) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem
        self.earlier = earlier

    def describe(self, first_line: int) -> str:
        """The problem, with any earlier line as a file line (`first_line`: that of YAML line 0)."""
        if self.earlier is None:
            return self.problem
        return f"{self.problem} (first set on line {self.earlier + first_line}): keep one of them"


class YamlMemo(Protocol):
    """Where parsed YAML is remembered by text (the cache's TextMemo)."""

    def get(self, text: str, make: Callable[[], Any]) -> Any: ...


def load_yaml(text: str, memo: YamlMemo | None = None) -> Any:
    """Strict yaml.safe_load, remembered by text in `memo`: a build that finds the YAML of
    site.yaml and of every front matter unchanged (a prose edit) does not even import PyYAML.

    Raises only YamlError: a duplicate key, or a scalar its tag cannot read (`!!int x`), is
    one too, at its line. A timestamp that is not a real date (`2026-02-30`) is read as text.
    """
    if memo is None:
        return _safe_load(text)
    return memo.get(f"{_LOADING_RULES}\n{text}", lambda: _safe_load(text))


def key_line(text: str, *path: str | int, first_line: int = 1) -> int:
    """The file line of the key at `path` (mapping keys and list indexes) in YAML `text`, or
    of the deepest part of it there is; line 1 of the file if there is none of it.
    `first_line` is the file line of the text's first line (2 for a post's front matter).

    Read from the composed document's marks. Asked only to report a problem, so a build
    that finds none never composes (nor imports PyYAML for) it.
    """
    node, line = _composed(text), None
    for key in path:
        node, at = _child(node, key)
        if node is None:
            break
        line = at
    return line + first_line if line is not None else 1


def scalar_text(text: str, key: str) -> str | None:
    """The value of the top-level `key` of YAML `text` as written, before YAML typed it
    (`1.10`, where yaml reads the float 1.1), or None if it is not a plain scalar."""
    import yaml

    node, _ = _child(_composed(text), key)
    return node.value if isinstance(node, yaml.ScalarNode) else None


@functools.lru_cache(maxsize=16)
def _composed(text: str) -> Any:
    """The node tree of `text`, or None if it is not one YAML document. Composed once per
    text, however many problems ask for lines in it (the nodes are only read)."""
    import yaml

    try:
        return yaml.compose(text, Loader=_strict_loader())
    except (yaml.YAMLError, RecursionError):
        return None


def _child(node: Any, key: str | int) -> tuple[Any, int]:
    """The value under `key` of a mapping node, or item `key` of a sequence node, with the
    0-based line of its key (of the item itself); (None, 0) if there is none."""
    items = node.value if node is not None and isinstance(node.value, list) else []
    if isinstance(key, int):
        found = items[key] if key < len(items) and not isinstance(items[key], tuple) else None
        return found, found.start_mark.line if found is not None else 0
    for key_node, value_node in (item for item in items if isinstance(item, tuple)):
        if isinstance(key_node.value, str) and key_node.value == key:
            return value_node, key_node.start_mark.line
    return None, 0


def value_kind(value: Any) -> str:
    """What a YAML value is, in words (never the value: an alias can make it huge)."""
    if isinstance(value, bool):  # an int to Python, but `yes` or `true` to the author
        return "true or false"
    if isinstance(value, TEXT):
        return "text"
    kinds = {list: "a list", dict: "a mapping", type(None): "nothing", dt.date: "a date"}
    return kinds.get(type(value), f"a {type(value).__name__}")


def _safe_load(text: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_strict_loader())
    except yaml.YAMLError as exc:
        line, problem = _where_and_why(exc, text)
        raise YamlError(line, problem) from None
    except RecursionError:
        raise YamlError(None, "it is nested too deeply") from None


def _where_and_why(exc: Any, text: str) -> tuple[int | None, str]:
    """The 0-based line and description of a PyYAML error.

    PyYAML reports a quote or bracket that is never closed where the text ends; its
    `context_mark` is where the unclosed construct opened, which is what the author must fix.
    """
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    opened = getattr(exc, "context_mark", None)
    if mark is None or opened is None or opened.line >= mark.line:
        return (mark.line if mark is not None else None), problem
    at_end = "end of stream" in problem or "<stream end>" in problem
    if not (at_end or context.startswith(("while scanning", "while parsing a flow"))):
        return mark.line, problem  # "while parsing a block mapping": the mapping's start is no help
    if at_end and context == "while scanning a quoted scalar":
        quote = text[opened.index] if opened.index < len(text) else '"'
        return opened.line, f"the {quote} opened here is never closed: end the text with another {quote}"
    return opened.line, f"{problem} ({context} that starts here)"


@functools.cache
def _strict_loader() -> type:
    """yaml.SafeLoader that refuses duplicate keys and reports bad scalars at their line."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except (YamlError, yaml.YAMLError, RecursionError):
                raise
            except Exception:  # PyYAML's scalar constructors raise bare ValueError, KeyError...
                kind = str(node.tag).rsplit(":", 1)[-1]
                raise YamlError(node.start_mark.line, f"cannot read {node.value!r} as !!{kind}") from None

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            _refuse_duplicate_keys(self, node)
            return super().construct_mapping(node, deep)

        def construct_scalar(self, node: Any) -> Any:
            return _without_control_characters(node, super().construct_scalar(node))

        def construct_document(self, node: Any) -> Any:
            _check_aliases(node)
            return super().construct_document(node)

        def construct_yaml_timestamp(self, node: Any) -> Any:
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError:  # looks like a date but is none (2026-02-30): keep the text
                return self.construct_scalar(node)

    StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", StrictLoader.construct_yaml_timestamp)
    return StrictLoader


def _refuse_duplicate_keys(loader: Any, node: Any) -> None:
    """Raise YamlError at the second of two equal keys in a mapping node."""
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.setdefault(key, key_node)
        except TypeError:
            continue  # an unhashable key: SafeLoader reports it
        if first is not key_node:
            raise YamlError(key_node.start_mark.line, f"duplicate key {key!r}", first.start_mark.line)


def _without_control_characters(node: Any, value: Any) -> Any:
    """`value`, refused (at `node`'s line) if it holds a control character: from a "\\a" or
    "\\x01" escape; no HTML page or feed may hold one."""
    control = CONTROL_CHARACTERS.search(value) if isinstance(value, str) else None
    if control:
        raise YamlError(
            node.start_mark.line,
            f"{value!r} holds the control character U+{ord(control.group()):04X}: remove it",
        )
    return value


def _check_aliases(root: Any) -> None:
    """Refuse a composed document whose aliases repeat more than MAX_ALIAS_VALUES values, or
    hold themselves. PyYAML builds one shared object per anchor, so loading one is quick,
    but anything that walks or prints the data (`str(value)`) would take all memory."""
    sizes = _expanded_sizes(root)
    if sizes[id(root)] - len(sizes) > MAX_ALIAS_VALUES:
        raise YamlError(
            _where_it_grows(root, sizes).start_mark.line,
            f"its aliases (*name) repeat more than {MAX_ALIAS_VALUES} values: write the values out instead",
        )


def _expanded_sizes(root: Any) -> dict[int, int]:
    """How many values each node (by id) stands for with its aliases written out."""
    sizes: dict[int, int] = {}
    counting: set[int] = set()  # the nodes around the one at hand: an alias to one is a loop
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:  # not recursive: a deeply nested document must not overflow Python's stack
        node, children_counted = stack.pop()
        if children_counted:
            counting.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
        elif id(node) in counting:
            raise YamlError(
                node.start_mark.line,
                "an alias (*name) stands for a value that holds it: write the value out instead",
            )
        elif id(node) not in sizes:
            counting.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    return sizes


def _children(node: Any) -> list[Any]:
    """The nodes in a composed YAML node: a list's items, a mapping's keys and values."""
    if not isinstance(node.value, list):
        return []  # a scalar
    return [child for item in node.value for child in (item if isinstance(item, tuple) else (item,))]


def _where_it_grows(node: Any, sizes: dict[int, int]) -> Any:
    """The innermost node that stands for too many values: where the repeating piles up."""
    while True:
        inner = next((c for c in _children(node) if sizes[id(c)] > MAX_ALIAS_VALUES), None)
        if inner is None:
            return node
        node = inner
