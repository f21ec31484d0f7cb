"""Read site.yaml into a SiteConfig; a missing file gives the defaults."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ContentError, Problem
from ..document import SOLUTIONS_CHOICES
from ..model import FIGURE_FORMATS, MAX_TIMEOUT, ModuleOutline, SiteConfig
from .files import read_text
from .yaml import YamlError, YamlMemo, is_text, key_line, load_yaml, value_kind

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
    "solutions",
    "figure_format",
}
T = TypeVar("T")


def load_config(root: Path, yaml_memo: YamlMemo | None = None, lessons: set[str] | None = None) -> SiteConfig:
    """Load `root/site.yaml`, or defaults when there is none; every problem at once.

    `lessons` are the project's lesson files (`lessons/<slug>/<file>.py`): a setting under
    `lessons:` for another is a problem (a typo would be ignored).
    """
    path = root / CONFIG_NAME
    if not os.path.lexists(path):
        return SiteConfig()
    text, data = _read_yaml(path, yaml_memo)
    known = ", ".join(sorted(_KNOWN_KEYS))
    problems = [
        Problem(CONFIG_NAME, key_line(text, str(key)), f"unknown setting {key!r}; known: {known}")
        for key in data
        if key not in _KNOWN_KEYS
    ]

    def setting(default: T, read: Callable[[], T]) -> T:
        return _checked(problems, default, read)

    config = SiteConfig(
        title=setting(SiteConfig.title, lambda: _text(data, "title", SiteConfig.title, text)),
        author=setting("", lambda: _text(data, "author", "", text)),
        description=setting("", lambda: _text(data, "description", "", text)),
        base_url=setting("/", lambda: _base_url(_text(data, "base_url", "/", text), text)),
        language=setting("en", lambda: _language(data, text)),
        modules=setting((), lambda: _modules(_given(data, "modules", []), text)),
        timeout=setting(SiteConfig.timeout, lambda: _number(data, "timeout", SiteConfig.timeout, text)),
        lesson_timeouts=setting((), lambda: _lesson_timeouts(_given(data, "lessons", {}), text)),
        solutions=setting(SiteConfig.solutions, lambda: _solutions(data, text)),
        figure_format=setting(SiteConfig.figure_format, lambda: _choice(data, "figure_format", FIGURE_FORMATS, text)),
    )
    if lessons is not None and not problems:  # a typo'd lesson matters once the settings are sound
        problems += _unknown_lessons(_given(data, "lessons", {}), lessons, text)
    if problems:
        raise ContentError(problems)
    return config


def _given(data: dict[str, Any], key: str, default: Any) -> Any:
    """The value of `key`, or `default` if it is missing or empty (`modules:`): not if it is 0 or false."""
    value = data.get(key)
    return default if value is None else value


def _checked(problems: list[Problem], default: T, read: Callable[[], T]) -> T:
    """`read()`, or `default` with its problems added to `problems`: one build reports them all."""
    try:
        return read()
    except ContentError as exc:
        problems.extend(exc.problems)
        return default


def _read_yaml(path: Path, memo: YamlMemo | None) -> tuple[str, dict[str, Any]]:
    """site.yaml's text (for the lines of problems) and its settings."""
    text = read_text(path, CONFIG_NAME)  # a folder, a FIFO, bytes that are not UTF-8: located errors
    try:
        data = load_yaml(text, memo)
    except YamlError as exc:
        line = exc.line + 1 if exc.line is not None else 1
        raise ContentError.at(CONFIG_NAME, line, f"invalid YAML: {exc.describe(1)}") from None
    if data is None:
        return text, {}
    if not isinstance(data, dict):
        raise ContentError.at(CONFIG_NAME, 1, "site.yaml must be a mapping of settings")
    return text, data


def _text(data: dict[str, Any], key: str, default: str, text: str) -> str:
    value = data.get(key, default)
    if value is None:
        return default
    if not is_text(value):
        raise ContentError.at(CONFIG_NAME, key_line(text, key), f"{key!r} must be text, got {value_kind(value)}")
    return str(value).strip()


# BCP 47's well-formed tags (RFC 5646, section 2.1): a language (2-3 letters with up to three
# extended subtags, or 4-8 letters), then an optional script, region, variants, extensions
# and private use (en, pt-BR, zh-Hant-TW, sr-Latn-RS-1996, de-CH-u-co-phonebk, en-x-twain);
# a private-use tag alone (x-klingon); or one of the grandfathered tags (i-klingon).
_PRIVATE_USE = r"x(?:-[A-Za-z0-9]{1,8})+"
_LANGUAGE_TAG = re.compile(
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WYZa-wyz](?:-[A-Za-z0-9]{2,8})+)*"
    rf"(?:-{_PRIVATE_USE})?|{_PRIVATE_USE}",
    re.IGNORECASE,
)
_GRANDFATHERED = frozenset(
    {
        "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux",
        "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr", "sgn-be-nl",
        "sgn-ch-de", "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min",
        "zh-min-nan", "zh-xiang",
    }
)
_MAX_LANGUAGE_TAG = 35  # characters: RFC 5646's advice; Pagefind fails on 41


def _language(data: dict[str, Any], text: str) -> str:
    """`language`: the pages' `lang`, and the name of Pagefind's index files (`../x` broke them)."""
    language = _text(data, "language", "en", text)
    if len(language) <= _MAX_LANGUAGE_TAG and (
        _LANGUAGE_TAG.fullmatch(language) or language.casefold() in _GRANDFATHERED
    ):
        return language
    raise ContentError.at(
        CONFIG_NAME,
        key_line(text, "language"),
        f"'language' must be a language tag such as en, pt-BR or zh-Hant-TW (BCP 47), got {language!r}",
    )


def _solutions(data: dict[str, Any], text: str) -> str:
    """`solutions`: how `:::{solution}` blocks are drawn, open (the default) or collapsed."""
    value = data.get("solutions")
    if value is None:
        return SiteConfig.solutions
    if is_text(value) and str(value).strip() in SOLUTIONS_CHOICES:
        return str(value).strip()
    shown = repr(str(value).strip()) if is_text(value) else value_kind(value)
    raise ContentError.at(
        CONFIG_NAME,
        key_line(text, "solutions"),
        f"'solutions' must be one of {', '.join(SOLUTIONS_CHOICES)}, got {shown}",
    )


def _choice(data: dict[str, Any], key: str, choices: tuple[str, ...], text: str) -> str:
    """A setting that is one of `choices` (the first is the default), as text."""
    value = data.get(key)
    if value is None:
        return choices[0]
    if is_text(value) and str(value).strip() in choices:
        return str(value).strip()
    shown = repr(str(value).strip()) if is_text(value) else value_kind(value)
    raise ContentError.at(
        CONFIG_NAME, key_line(text, key), f"{key!r} must be one of {', '.join(choices)}, got {shown}"
    )


def _number(data: dict[str, Any], key: str, default: float, text: str) -> float:
    seconds = _seconds(data.get(key, default))
    if seconds is None:
        raise ContentError.at(CONFIG_NAME, key_line(text, key), f"{key!r} {_SECONDS}")
    return seconds


_SECONDS = f"must be a number of seconds above 0 and at most {MAX_TIMEOUT:.0f} (a week)"


def _seconds(value: Any) -> float | None:
    """A usable timeout: a number (or numeric text: YAML reads `1e3` as text) in (0, a week]."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):  # not a number; an integer too large for a float
        return None
    return seconds if 0 < seconds <= MAX_TIMEOUT else None  # also refuses nan


def _base_url(url: str, text: str) -> str:
    """Check and normalise so that `base_url + "posts/x/"` is always a valid URL: an
    http(s) URL with a host, or a path from the site's root."""
    if not url:
        return "/"
    if not _valid_base_url(url):
        raise ContentError.at(
            CONFIG_NAME,
            key_line(text, "base_url"),
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


def _modules(raw: Any, text: str) -> tuple[ModuleOutline, ...]:
    if not isinstance(raw, list):
        raise ContentError.at(CONFIG_NAME, key_line(text, "modules"), "'modules' must be a list")
    problems = [p for number, item in enumerate(raw, start=1) for p in _module_problems(number, item, text)]
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


def _module_problems(number: int, item: Any, text: str) -> list[Problem]:
    """Every problem of one entry of `modules:`, each at its line."""

    def problem(message: str, *keys: str | int) -> Problem:
        line = key_line(text, "modules", number - 1, *keys)
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
        if item.get(key) is not None and not is_text(item[key])
    ]
    posts = [] if item.get("posts") is None else item["posts"]
    if not isinstance(posts, list):
        return [
            *problems,
            problem(f": 'posts' must be a list of post titles, got {value_kind(posts)}", "posts"),
        ]
    return problems + [
        problem(f": each of 'posts' must be a post title (text), got {value_kind(title)}", "posts", index)
        for index, title in enumerate(posts)
        if not is_text(title)
    ]


def _lesson_timeouts(raw: Any, text: str) -> tuple[tuple[str, float], ...]:
    """`lessons: {<slug>/<file>.py: {timeout: 60}}` in site.yaml."""
    if not isinstance(raw, dict):
        raise ContentError.at(CONFIG_NAME, key_line(text, "lessons"), "'lessons' must be a mapping")
    timeouts, problems = [], []
    for name, settings in raw.items():
        value = settings.get("timeout") if isinstance(settings, dict) else None
        seconds = _seconds(value)
        if seconds is None:
            line = key_line(text, "lessons", str(name))
            problems.append(Problem(CONFIG_NAME, line, f"lessons.{name}.timeout {_SECONDS}"))
        else:
            timeouts.append((f"lessons/{name}", seconds))
    if problems:
        raise ContentError(problems)
    return tuple(timeouts)


def _unknown_lessons(raw: Any, known: set[str], text: str) -> list[Problem]:
    """Entries of `lessons:` that name no lesson file in `known`, each at its line."""
    problems = []
    for name in raw if isinstance(raw, dict) else ():
        lesson_path = f"lessons/{name}"
        if lesson_path in known:
            continue
        folder = posixpath.dirname(lesson_path)
        siblings = sorted(p.rsplit("/", 1)[-1] for p in known if posixpath.dirname(p) == folder)
        hint = (
            f"; {folder}/ has: {', '.join(siblings)}"
            if siblings
            else "; name a lesson as <slug>/<file>.py, its path under lessons/"
        )
        line = key_line(text, "lessons", str(name))
        problems.append(Problem(CONFIG_NAME, line, f"lessons.{name}: there is no lesson {lesson_path}{hint}"))
    return problems
