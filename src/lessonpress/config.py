"""Read site.yaml into a SiteConfig; a missing file gives the defaults."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import ContentError, Problem
from .model import CONTROL_CHARACTERS, MAX_TIMEOUT, ModuleOutline, SiteConfig

if TYPE_CHECKING:
    from .cache import TextMemo

CONFIG_NAME = "site.yaml"
_KNOWN_KEYS = {
    "title",
    "author",
    "description",
    "base_url",
    "language",
    "modules",
    "timeout",
    "lessons",
}


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


# Part of the memo key: data remembered under other loading rules is not reused.
_LOADING_RULES = "strict yaml 3"
# Values that aliases (`*name`) may repeat in one document: far more than any real use, far
# less than a "billion laughs" (600 bytes of aliases that stand for a billion strings).
MAX_ALIAS_VALUES = 10_000
T = TypeVar("T")


def load_yaml(text: str, memo: TextMemo[Any] | None = None) -> Any:
    """Strict yaml.safe_load, remembered by text in `memo`: a build that finds the YAML of
    site.yaml and of every front matter unchanged (a prose edit) does not even import PyYAML.

    Raises only YamlError: a duplicate key, or a scalar its tag cannot read (`!!int x`), is
    one too, at its line. A timestamp that is not a real date (`2026-02-30`) is read as text.
    """
    if memo is None:
        return _safe_load(text)
    return memo.get(f"{_LOADING_RULES}\n{text}", lambda: _safe_load(text))


def scalar_text(text: str, key: str) -> str | None:
    """The value of the top-level `key` of YAML `text` as written, before YAML typed it
    (`1.10`, where yaml reads the float 1.1), or None if it is not a plain scalar."""
    import yaml

    node = yaml.compose(text, Loader=_strict_loader())
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node.value if isinstance(value_node, yaml.ScalarNode) else None
    return None


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
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:
                    continue  # an unhashable key: SafeLoader reports it
                if first is not key_node:
                    raise YamlError(key_node.start_mark.line, f"duplicate key {key!r}", first.start_mark.line)
            return super().construct_mapping(node, deep)

        def construct_scalar(self, node: Any) -> Any:
            value = super().construct_scalar(node)
            control = CONTROL_CHARACTERS.search(value) if isinstance(value, str) else None
            if control:  # from a "\\a" or "\\x01" escape: no HTML page or feed may hold one
                raise YamlError(
                    node.start_mark.line,
                    f"{value!r} holds the control character U+{ord(control.group()):04X}: remove it",
                )
            return value

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


def load_config(root: Path, yaml_memo: TextMemo[Any] | None = None) -> SiteConfig:
    """Load `root/site.yaml`, or defaults when there is none."""
    path = root / CONFIG_NAME
    if not path.is_file():
        return SiteConfig()
    data = _read_yaml(path, yaml_memo)
    known = ", ".join(sorted(_KNOWN_KEYS))
    problems = [
        Problem(CONFIG_NAME, _key_line(path, str(key)), f"unknown setting {key!r}; known: {known}")
        for key in data
        if key not in _KNOWN_KEYS
    ]

    def setting(default: T, read: Callable[[], T]) -> T:
        return _checked(problems, default, read)

    config = SiteConfig(
        title=setting(SiteConfig.title, lambda: _text(data, "title", SiteConfig.title, path)),
        author=setting("", lambda: _text(data, "author", "", path)),
        description=setting("", lambda: _text(data, "description", "", path)),
        base_url=setting("/", lambda: _base_url(_text(data, "base_url", "/", path), path)),
        language=setting("en", lambda: _language(data, path)),
        modules=setting((), lambda: _modules(data.get("modules") or [], path)),
        timeout=setting(SiteConfig.timeout, lambda: _number(data, "timeout", SiteConfig.timeout, path)),
        lesson_timeouts=setting((), lambda: _lesson_timeouts(data.get("lessons") or {}, path)),
    )
    if problems:
        raise ContentError(problems)
    return config


def _checked(problems: list[Problem], default: T, read: Callable[[], T]) -> T:
    """`read()`, or `default` with its problems added to `problems`: one build reports them all."""
    try:
        return read()
    except ContentError as exc:
        problems.extend(exc.problems)
        return default


def _read_yaml(path: Path, memo: TextMemo[Any] | None) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8-sig"), memo)
    except YamlError as exc:
        line = exc.line + 1 if exc.line is not None else 1
        raise ContentError.at(CONFIG_NAME, line, f"invalid YAML: {exc.describe(1)}") from None
    except UnicodeDecodeError as exc:
        raise ContentError.at(CONFIG_NAME, 1, f"not UTF-8 text: {exc.reason}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ContentError.at(CONFIG_NAME, 1, "site.yaml must be a mapping of settings")
    return data


def _key_line(path: Path, key: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _nested_key_line(path: Path, key: str) -> int:
    """The line of `key:` indented under a top-level key (a lesson under `lessons:`)."""
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if line[:1].isspace() and line.strip().strip("'\"").startswith(key):
            return number
    return _key_line(path, "lessons")


def lesson_setting_line(root: Path, lesson_path: str) -> int:
    """The line of site.yaml that sets `lesson_path` (`lessons/<slug>/<file>.py`) under `lessons:`."""
    return _nested_key_line(root / CONFIG_NAME, lesson_path.removeprefix("lessons/"))


def _node_line(path: Path, keys: tuple[str | int, ...]) -> int:
    """The line of the value at `keys` (mapping keys and list indexes) in site.yaml, or of the
    deepest one there is. Only asked for a problem, so composing the YAML again costs little."""
    import yaml

    node = yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=_strict_loader())
    line = 0
    for key in keys:
        node = _child_node(node, key)
        if node is None:
            break
        line = node.start_mark.line
    return line + 1


def _child_node(node: Any, key: str | int) -> Any:
    """The value node under `key` of a mapping node, or item `key` of a sequence node, or None."""
    if isinstance(key, int):
        items = node.value if isinstance(node.value, list) else []
        return items[key] if key < len(items) and not isinstance(items[key], tuple) else None
    pairs = node.value if isinstance(node.value, list) else []
    return next((v for k, v in pairs if isinstance(k.value, str) and k.value == key), None)


_TEXT = (str, int, float)  # what YAML gives for a line of text (`title: 1984` is a number)


def value_kind(value: Any) -> str:
    """What a YAML value is, in words (never the value: an alias can make it huge)."""
    if isinstance(value, _TEXT):
        return "text"
    kinds = {list: "a list", dict: "a mapping", type(None): "nothing", dt.date: "a date"}
    return kinds.get(type(value), f"a {type(value).__name__}")


def _text(data: dict[str, Any], key: str, default: str, path: Path) -> str:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, _TEXT):
        raise ContentError.at(CONFIG_NAME, _key_line(path, key), f"{key!r} must be text")
    return str(value).strip()


# BCP 47's well-formed tags without extensions: a language (2-3 or 5-8 letters), then an
# optional script, region and variants (en, pt-BR, zh-Hant-TW, sr-Latn-RS-1996).
_LANGUAGE_TAG = re.compile(
    r"(?:[A-Za-z]{2,3}|[A-Za-z]{5,8})(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
)
_MAX_LANGUAGE_TAG = 35  # characters: RFC 5646's advice; Pagefind fails on 41


def _language(data: dict[str, Any], path: Path) -> str:
    """`language`: the pages' `lang`, and the name of Pagefind's index files (`../x` broke them)."""
    language = _text(data, "language", "en", path)
    if len(language) <= _MAX_LANGUAGE_TAG and _LANGUAGE_TAG.fullmatch(language):
        return language
    raise ContentError.at(
        CONFIG_NAME,
        _key_line(path, "language"),
        f"'language' must be a language tag such as en, pt-BR or zh-Hant-TW (BCP 47), got {language!r}",
    )


def _number(data: dict[str, Any], key: str, default: float, path: Path) -> float:
    seconds = _seconds(data.get(key, default))
    if seconds is None:
        raise ContentError.at(CONFIG_NAME, _key_line(path, key), f"{key!r} {_SECONDS}")
    return seconds


_SECONDS = f"must be a number of seconds above 0 and at most {MAX_TIMEOUT:.0f} (a week)"


def _seconds(value: Any) -> float | None:
    """A usable timeout: a number (or numeric text: YAML reads `1e3` as text) in (0, a week]."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 < seconds <= MAX_TIMEOUT else None  # also refuses nan


def _base_url(url: str, path: Path) -> str:
    """Check and normalise so that `base_url + "posts/x/"` is always a valid URL: an
    http(s) URL with a host, or a path from the site's root."""
    if not url:
        return "/"
    if not _valid_base_url(url):
        raise ContentError.at(
            CONFIG_NAME,
            _key_line(path, "base_url"),
            f"'base_url' must be a URL like https://example.com/blog/ or a path like /blog/, got {url!r}",
        )
    return url if url.endswith("/") else url + "/"


def _valid_base_url(url: str) -> bool:
    from urllib.parse import urlsplit

    if any(char.isspace() for char in url) or "?" in url or "#" in url:
        return False
    if url.startswith("/"):
        return not url.startswith("//")  # `//host/...` is a URL without its scheme
    try:
        parts = urlsplit(url)
    except ValueError:  # an invalid IPv6 host, `https://[x`
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _modules(raw: Any, path: Path) -> tuple[ModuleOutline, ...]:
    if not isinstance(raw, list):
        raise ContentError.at(CONFIG_NAME, _key_line(path, "modules"), "'modules' must be a list")
    problems = [p for number, item in enumerate(raw, start=1) for p in _module_problems(number, item, path)]
    if problems:
        raise ContentError(problems)
    return tuple(_module(number, item) for number, item in enumerate(raw, start=1))


def _module(number: int, item: dict[str, Any]) -> ModuleOutline:
    """One entry of `modules:` (checked by _module_problems)."""
    title, goal = item.get("title"), item.get("goal")
    return ModuleOutline(
        number,
        f"Module {number}" if title is None else str(title),
        "" if goal is None else str(goal),
        tuple(str(post_title) for post_title in item.get("posts") or []),
    )


_MODULE_KEYS = ("goal", "posts", "title")


def _module_problems(number: int, item: Any, path: Path) -> list[Problem]:
    """Every problem of one entry of `modules:`, each at its line."""

    def problem(message: str, *keys: str | int) -> Problem:
        line = _node_line(path, ("modules", number - 1, *keys))
        return Problem(CONFIG_NAME, line, f"module {number}{message}")

    if not isinstance(item, dict):
        return [
            problem(f" must be a mapping with 'title', 'goal' and a list of 'posts', got {value_kind(item)}")
        ]
    known = ", ".join(_MODULE_KEYS)
    problems = [
        problem(f": unknown key {key!r}; known: {known}", str(key)) for key in item if key not in _MODULE_KEYS
    ]
    problems += [
        problem(f": {key!r} must be text, got {value_kind(item[key])}", key)
        for key in ("title", "goal")
        if not isinstance(item.get(key), (*_TEXT, type(None)))
    ]
    posts = item.get("posts") or []
    if not isinstance(posts, list):
        return [
            *problems,
            problem(f": 'posts' must be a list of post titles, got {value_kind(posts)}", "posts"),
        ]
    return problems + [
        problem(f": each of 'posts' must be a post title (text), got {value_kind(title)}", "posts", index)
        for index, title in enumerate(posts)
        if not isinstance(title, _TEXT)
    ]


def _lesson_timeouts(raw: Any, path: Path) -> tuple[tuple[str, float], ...]:
    """`lessons: {<slug>/<file>.py: {timeout: 60}}` in site.yaml."""
    if not isinstance(raw, dict):
        raise ContentError.at(CONFIG_NAME, _key_line(path, "lessons"), "'lessons' must be a mapping")
    timeouts, problems = [], []
    for name, settings in raw.items():
        value = settings.get("timeout") if isinstance(settings, dict) else None
        seconds = _seconds(value)
        if seconds is None:
            line = _nested_key_line(path, str(name))
            problems.append(Problem(CONFIG_NAME, line, f"lessons.{name}.timeout {_SECONDS}"))
        else:
            timeouts.append((f"lessons/{name}", seconds))
    if problems:
        raise ContentError(problems)
    return tuple(timeouts)
