"""Stage 2: parse posts into metadata, tokens and references (nothing runs yet)."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from .cache import CACHE_DIR, TextMemo, code_key, digest, load, save
from .config import YamlError, load_yaml, scalar_text, value_kind
from .errors import ContentError, Problem
from .model import Lesson, LessonRef, ModuleOutline, ParsedPost, PostMeta, PostSource, ValueRef

SHOW_CHOICES = ("both", "code", "output")
DIRECTIVE_OPTIONS = ("show", "caption", "alt")
KNOWN_FIELDS = {
    "title",
    "series",
    "date",
    "summary",
    "tags",
    "draft",
    "author",
    "description",
    "image",
    "updated",
}
_SERIES = re.compile(r"^(\d+)\.(\d+)$")
_OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")


DIRECTIVE_INFO = re.compile(r"^\{([A-Za-z][\w-]*)\}\s*(.*)$")


class ParseMemo:
    """Parsed posts by content, so an unchanged post is not tokenized again (tokens not kept)."""

    def __init__(
        self, root: Path | None, formulas: TextMemo[str] | None = None, yaml: TextMemo[Any] | None = None
    ) -> None:
        self.path = root / CACHE_DIR / "parsed.pickle" if root is not None else None
        self.code_key = code_key()
        self.entries: dict[str, ParsedPost] = load(self.path, dict, ParsedPost) or {}
        self.used: dict[str, ParsedPost] = {}
        self.formulas = formulas or TextMemo(None, "")
        self.yaml = yaml

    def _key(self, post: PostSource) -> str:
        return digest(self.code_key, post.slug, post.src_path, post.text)

    def get(self, post: PostSource, lessons: dict[str, Lesson]) -> ParsedPost | None:
        """The memo of `post`, if its text is unchanged and every lesson and cell it names exists."""
        key = self._key(post)
        parsed = self.entries.get(key)
        if parsed is None or not _refs_resolve(parsed, lessons):
            return None
        self.used[key] = parsed
        return parsed

    def put(self, parsed: ParsedPost) -> None:
        self.used[self._key(parsed.source)] = replace(parsed, tokens=())

    def save(self) -> None:
        self.formulas.save()
        if self.yaml is not None:
            self.yaml.save()
        if self.used != self.entries:
            save(self.path, self.used)


def _refs_resolve(parsed: ParsedPost, lessons: dict[str, Lesson]) -> bool:
    for ref in parsed.lesson_refs:
        lesson = lessons.get(ref.lesson_path)
        if lesson is None or (ref.cell_name and lesson.cell(ref.cell_name) is None):
            return False
    return all(ref.lesson_path in lessons for ref in parsed.value_refs)


def parse_posts(
    posts: tuple[PostSource, ...],
    lessons: dict[str, Lesson],
    memo: ParseMemo | None = None,
    modules: tuple[ModuleOutline, ...] = (),
) -> list[ParsedPost]:
    """Parse every post, collecting all problems before failing.

    `modules` is site.yaml's outline: a series number outside it is a problem.
    """
    parsed, problems = collect_posts(posts, lessons, memo, modules)
    if problems:
        raise ContentError(problems)
    return parsed


def collect_posts(
    posts: tuple[PostSource, ...],
    lessons: dict[str, Lesson],
    memo: ParseMemo | None = None,
    modules: tuple[ModuleOutline, ...] = (),
) -> tuple[list[ParsedPost], list[Problem]]:
    """Parse the posts that parse; return them and the problems of the rest."""
    memo = memo or ParseMemo(None)
    md = None
    parsed: list[ParsedPost] = []
    problems: list[Problem] = []
    for post in posts:
        known = memo.get(post, lessons)
        if known is not None:
            parsed.append(known)
            continue
        try:
            md = md or _new_markdown()
            parsed.append(parse_post(md, post, lessons, memo.formulas, memo.yaml))
            memo.put(parsed[-1])
        except ContentError as exc:
            problems.extend(exc.problems)
    problems.extend(_duplicate_series(parsed))
    problems.extend(_outside_outline(parsed, modules))
    memo.save()
    return parsed, problems


def with_tokens(
    parsed: ParsedPost,
    lessons: dict[str, Lesson],
    formulas: TextMemo[str] | None = None,
    yaml: TextMemo[Any] | None = None,
) -> ParsedPost:
    """A memoized post tokenized again (for rendering)."""
    if parsed.tokens:
        return parsed
    return parse_post(_new_markdown(), parsed.source, lessons, formulas, yaml)


def _new_markdown() -> Any:
    from .markdown import new_markdown

    return new_markdown()


def parse_post(
    md: Any,
    post: PostSource,
    lessons: dict[str, Lesson],
    formulas: TextMemo[str] | None = None,
    yaml: TextMemo[Any] | None = None,
) -> ParsedPost:
    """Tokenize one post and resolve its front matter, directives and roles."""
    tokens = md.parse(post.text, {})
    if not tokens or tokens[0].type != "front_matter":
        raise ContentError.at(post.src_path, 1, _no_front_matter(post.text))
    meta = parse_front_matter(post.src_path, tokens[0].content, yaml)
    if not any(t.type != "front_matter" for t in tokens):
        raise ContentError.at(
            post.src_path,
            tokens[0].map[1] if tokens[0].map else 1,
            "the post has no content after its front matter",
        )
    problems: list[Problem] = []
    lesson_refs: list[LessonRef] = []
    value_refs: list[ValueRef] = []
    for token in tokens:
        line = token.map[0] + 1 if token.map else 1
        try:
            if token.type == "fence" and not _fence_closed(token):
                fence = token.markup
                problems.append(
                    Problem(
                        post.src_path,
                        line,
                        f"a {fence} fence opened here is never closed: end the block with a {fence} line",
                    )
                )
            elif token.type == "fence" and DIRECTIVE_INFO.match(token.info.strip()):
                ref = parse_directive(post, token, line, lessons)
                token.meta["ref"] = ref
                lesson_refs.append(ref)
            elif token.type in ("math_block", "math_block_label"):
                token.meta["mathml"] = to_mathml(token.content, post.src_path, line, True, formulas)
            elif token.type == "inline":
                value_refs.extend(_parse_inline(post, token, line, lessons, problems, formulas))
        except ContentError as exc:
            problems.extend(exc.problems)
    problems.extend(_block_problems(post, tokens))
    if problems:
        raise ContentError(problems)
    end = tokens[0].map[1] if tokens[0].map else 0
    return ParsedPost(post, meta, tuple(tokens), end, tuple(lesson_refs), tuple(value_refs))


def _no_front_matter(text: str) -> str:
    """Why a post has no front matter: none at all, or a first `---` line never closed."""
    opening = re.match(r"-{3,}", text)
    if opening is None:
        return "missing front matter: start the post with a '---' line, YAML fields (title, date, ...), and '---'"
    marker = opening.group(0)
    return (
        f"the front matter opened on line 1 is never closed: "
        f"end it with a '{marker}' line after its YAML fields (title, date, ...)"
    )


def _fence_closed(token: Any) -> bool:
    """Whether a fence has its closing line: markdown-it ends an unclosed one with the post
    (or the enclosing block), so its lines are the opening line and content only."""
    start, end = token.map or (0, 0)
    return end - start - 2 == len(token.content.splitlines())


def _block_problems(post: PostSource, tokens: list[Any]) -> list[Problem]:
    """`:::` blocks that are never closed (markdown-it ends them with the post, which would
    fold everything after the opening line into a collapsed solution), nested without more
    colons on the outer block, or not a {solution}."""
    lines = post.text.splitlines()
    problems, nesting, strays = [], [], []
    open_blocks: list[Any] = []
    for token in tokens:
        if token.type == "container_solution_close":
            open_blocks.pop()
        if token.type == "container_unknown_open" and token.map:
            strays.append(_stray_block(post.src_path, token))
        if token.type != "container_solution_open" or not token.map:
            continue
        start, end = token.map  # `end` is the line that closes the block, if one does
        opening = f"{token.markup}{token.info.strip()}"
        outer = open_blocks[-1] if open_blocks else None
        open_blocks.append(token)
        if outer is not None and len(token.markup) >= len(outer.markup):
            colons = ":" * (len(token.markup) + 1)
            message = (
                f"cannot nest '{opening}' in a block opened with as many colons (line {outer.map[0] + 1}): "
                f"open the outer block with more, e.g. '{colons}{{solution}}', and close it with '{colons}'"
            )
            nesting.append(Problem(post.src_path, start + 1, message))
            continue
        closing = lines[end].strip() if end < len(lines) else ""
        if not (closing.startswith(token.markup) and set(closing) == {":"}):
            message = f"'{opening}' is never closed: end the block with a '{token.markup}' line"
            problems.append(Problem(post.src_path, start + 1, message))
    # A wrongly nested block closes its outer one early, which leaves a stray ':::' behind.
    return nesting + problems + ([] if nesting else strays)


def _stray_block(src_path: str, token: Any) -> Problem:
    """A `:::` line that neither opens a {solution} nor closes one."""
    line, info = token.map[0] + 1, token.info.strip()
    match = DIRECTIVE_INFO.match(info)
    if match:
        message = f"unknown directive {{{match.group(1)}}}; lessonpress knows {{solution}}"
    elif not info:
        message = (
            f"'{token.markup}' closes no block: remove it, or open the block above "
            f"with '{token.markup}{{solution}}' (write '\\{token.markup}' for literal colons)"
        )
    else:
        message = f"cannot read '{token.markup}{info}': write '{token.markup}{{solution}}', or '\\{token.markup}' for literal colons"
    return Problem(src_path, line, message)


def parse_front_matter(src_path: str, text: str, memo: TextMemo[Any] | None = None) -> PostMeta:
    """Validate the YAML front matter of a post (the first line of YAML is file line 2)."""
    try:
        data = load_yaml(text, memo)
    except YamlError as exc:
        line = exc.line + 2 if exc.line is not None else 1
        raise ContentError.at(src_path, line, f"invalid YAML front matter: {exc.describe(2)}") from None
    if not isinstance(data, dict):
        raise ContentError.at(src_path, 2, "front matter must be YAML fields like 'title: ...'")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ContentError.at(
            src_path, _field_line(text, "title"), "front matter needs a 'title' (a non-empty string)"
        )
    return PostMeta(
        title=title.strip(),
        series=_series(src_path, text, data.get("series")),
        date=_date(src_path, text, data.get("date")),
        summary=_plain(src_path, text, data, "summary"),
        tags=_tags(src_path, text, data.get("tags")),
    )


def unknown_field_problems(post: PostSource, memo: TextMemo[Any] | None = None) -> list[Problem]:
    """Front matter fields lessonpress does not know, usually typos (`summery:`); for `check`."""
    match = re.match(r"---[ \t]*\n(.*?)\n---[ \t]*(\n|$)", post.text, re.DOTALL)
    if match is None:
        return []
    try:
        data = load_yaml(match.group(1), memo)
    except YamlError:
        return []  # reported by parse_front_matter
    if not isinstance(data, dict):
        return []
    known = ", ".join(sorted(KNOWN_FIELDS))
    return [
        Problem(
            post.src_path,
            _field_line(match.group(1), str(key)),
            f"unknown front matter field {key!r}; known: {known}",
        )
        for key in data
        if key not in KNOWN_FIELDS
    ]


def _field_line(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=2):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _series(src_path: str, text: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int, float)):  # never str() a list: an alias can make it huge
        raise ContentError.at(
            src_path,
            _field_line(text, "series"),
            f"'series' must look like \"1.2\" (module.post), got {value_kind(value)}",
        )
    # Unquoted, `1.10` is the float 1.1 to YAML: read the number as written.
    written = scalar_text(text, "series") if isinstance(value, float) else None
    series = (written or str(value)).strip()
    match = _SERIES.match(series)
    if not match or int(match.group(2)) == 0:
        raise ContentError.at(
            src_path,
            _field_line(text, "series"),
            f"'series' must look like \"1.2\" (module.post), got {series!r}",
        )
    return f"{int(match.group(1))}.{int(match.group(2))}"


def _date(src_path: str, text: str, value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    if not isinstance(value, (str, int, float)):  # never str() a list: an alias can make it huge
        raise ContentError.at(
            src_path,
            _field_line(text, "date"),
            f"'date' must be a date like 2026-10-29, got {value_kind(value)}",
        )
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        reason = "" if str(exc).startswith("Invalid isoformat") else f" ({exc})"  # 2026-02-30
        raise ContentError.at(
            src_path,
            _field_line(text, "date"),
            f"'date' must be a date like 2026-10-29, got {value!r}{reason}",
        ) from None


def _plain(src_path: str, text: str, data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        raise ContentError.at(src_path, _field_line(text, key), f"{key!r} must be text")
    return " ".join(str(value).split())


def _tags(src_path: str, text: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, (str, int, float)) for t in value):
        raise ContentError.at(src_path, _field_line(text, "tags"), "'tags' must be a list of words")
    return tuple(str(t) for t in value)


def _duplicate_series(posts: list[ParsedPost]) -> list[Problem]:
    seen: dict[str, ParsedPost] = {}
    problems = []
    for post in posts:
        series = post.meta.series
        if series is None:
            continue
        if series in seen:
            problems.append(
                Problem(
                    post.source.src_path,
                    _series_line(post.source.text),
                    f"series number {series} is already used by {seen[series].source.src_path}",
                )
            )
        else:
            seen[series] = post
    return problems


def _outside_outline(posts: list[ParsedPost], modules: tuple[ModuleOutline, ...]) -> list[Problem]:
    """Series numbers whose module is not in site.yaml's outline (when it has one)."""
    if not modules:
        return []
    problems = []
    for post in posts:
        series = post.meta.series
        if series is None or 1 <= int(series.split(".")[0]) <= len(modules):
            continue
        problems.append(
            Problem(
                post.source.src_path,
                _series_line(post.source.text),
                f"series {series} is in module {series.split('.')[0]}, but site.yaml's outline has "
                f"modules 1 to {len(modules)}: fix the number, or add the module to 'modules' in site.yaml",
            )
        )
    return problems


def _series_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("series:"):
            return number
    return 1


def resolve_lesson_path(post: PostSource, target: str, line: int, lessons: dict[str, Lesson]) -> str:
    """Map a path relative to `lessons/<slug>/` to a known lesson, refusing escapes."""
    if not target:
        raise ContentError.at(post.src_path, line, "missing lesson file name")
    if target.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", target):
        raise ContentError.at(
            post.src_path,
            line,
            f"lesson path {target!r} must be relative to lessons/{post.slug}/, not absolute",
        )
    if "\\" in target:
        forward = target.replace("\\", "/")
        raise ContentError.at(
            post.src_path, line, f"lesson path '{target}' has a '\\': use '/' between folders ('{forward}')"
        )
    joined = posixpath.normpath(posixpath.join("lessons", post.slug, target))
    if not joined.startswith("lessons/"):
        raise ContentError.at(
            post.src_path, line, f"lesson path {target!r} points outside the lessons folder"
        )
    if not target.endswith(".py"):
        raise ContentError.at(
            post.src_path,
            line,
            f"lesson file {target!r} is not a Python lesson: a lesson is a .py file in lessons/{post.slug}/",
        )
    if joined not in lessons:
        known = sorted(p.rsplit("/", 1)[-1] for p in lessons if p.startswith(f"lessons/{post.slug}/"))
        hint = f"; lessons/{post.slug}/ has: {', '.join(known)}" if known else f"; create it as {joined}"
        raise ContentError.at(post.src_path, line, f"lesson file {target!r} not found{hint}")
    return joined


def parse_directive(post: PostSource, token: Any, line: int, lessons: dict[str, Lesson]) -> LessonRef:
    """Read a ```{lesson} file.py#cell``` fence and its option lines."""
    match = DIRECTIVE_INFO.match(token.info.strip())
    assert match is not None
    name, argument = match.group(1), match.group(2).strip()
    if name != "lesson":
        raise ContentError.at(
            post.src_path, line, f"unknown directive {{{name}}}; lessonpress knows {{lesson}}"
        )
    target, _, cell_name = argument.partition("#")
    lesson_path = resolve_lesson_path(post, target.strip(), line, lessons)
    if cell_name and lessons[lesson_path].cell(cell_name.strip()) is None:
        names = ", ".join(c.name for c in lessons[lesson_path].cells)
        raise ContentError.at(
            post.src_path,
            line,
            f"lesson {target.strip()} has no cell {cell_name.strip()!r}; its cells: {names}",
        )
    options = _directive_options(post.src_path, token.content, line)
    return LessonRef(
        post.src_path,
        line,
        lesson_path,
        cell_name.strip() or None,
        show=options.get("show", ["both"])[-1],
        captions=tuple(options.get("caption", ())),
        alts=tuple(options.get("alt", ())),
    )


def _directive_options(src_path: str, body: str, line: int) -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    for offset, text in enumerate(body.splitlines(), start=1):
        if not text.strip():
            continue
        match = _OPTION.match(text.strip())
        if not match:
            raise ContentError.at(
                src_path,
                line + offset,
                f"unexpected line in {{lesson}} directive: "
                f"{text.strip()!r}; only ':option: value' "
                "lines are allowed",
            )
        key, value = match.group(1), match.group(2).strip()
        if key not in DIRECTIVE_OPTIONS:
            raise ContentError.at(
                src_path,
                line + offset,
                f"unknown option :{key}: for {{lesson}}; known: {', '.join(DIRECTIVE_OPTIONS)}",
            )
        if key == "show" and value not in SHOW_CHOICES:
            raise ContentError.at(
                src_path, line + offset, f":show: must be one of {', '.join(SHOW_CHOICES)}, got {value!r}"
            )
        if key == "show" and key in options:
            raise ContentError.at(src_path, line + offset, ":show: is given twice: keep one")
        if "{value}`" in value:
            raise ContentError.at(
                src_path,
                line + offset,
                f":{key}: is plain text, so a {{value}} role in it would show as written: "
                "quote the number in the prose around the cell",
            )
        options.setdefault(key, []).append(value)
    return options


def _parse_inline(
    post: PostSource,
    token: Any,
    line: int,
    lessons: dict[str, Lesson],
    problems: list[Problem],
    formulas: TextMemo | None,
) -> list[ValueRef]:
    refs = []
    for child in token.children or []:
        child.meta["line"] = line
        try:
            if child.type == "myst_role":
                ref = parse_value_role(post, child, line, lessons)
                child.meta["ref"] = ref
                refs.append(ref)
            elif child.type in ("math_inline", "math_inline_double"):
                display = child.type == "math_inline_double"
                child.meta["mathml"] = to_mathml(child.content, post.src_path, line, display, formulas)
            elif child.type == "math_unclosed":
                problems.append(
                    Problem(
                        post.src_path,
                        line + child.meta.get("offset", 0),
                        "'$$' is never closed: end the formula with a '$$' line (display math "
                        "cannot contain blank lines; write \\$ for a literal dollar)",
                    )
                )
        except ContentError as exc:
            problems.extend(exc.problems)
    return refs


def parse_value_role(post: PostSource, token: Any, line: int, lessons: dict[str, Lesson]) -> ValueRef:
    """Read {value}`file.py:name:spec`."""
    role = token.meta.get("name", "")
    if role != "value":
        raise ContentError.at(post.src_path, line, f"unknown role {{{role}}}; lessonpress knows {{value}}")
    target, _, rest = token.content.partition(":")
    name, _, spec = rest.partition(":")
    if not name.strip().isidentifier():
        raise ContentError.at(
            post.src_path,
            line,
            f"{{value}}`{token.content}` must look like `lesson.py:variable` or `lesson.py:variable:.4f`",
        )
    widest = _widest(spec)
    if len(widest) > 3 or int(widest) > MAX_FORMAT_WIDTH:
        raise ContentError.at(
            post.src_path,
            line,
            f"{{value}}`{token.content}` asks for a width or precision of {widest}: "
            f"at most {MAX_FORMAT_WIDTH} is allowed",
        )
    lesson_path = resolve_lesson_path(post, target.strip(), line, lessons)
    return ValueRef(post.src_path, line, lesson_path, name.strip(), spec)


# The widest width or precision a {value} format spec may ask for: `:>2000000000` would fill
# gigabytes with spaces, `.2000000000f` with digits.
MAX_FORMAT_WIDTH = 200


def _widest(spec: str) -> str:
    """The largest number in a format spec, without leading zeros: its width or precision (a
    digit used as the fill character, `0>5`, counts too, and is small). Compared as text:
    int() of thousands of digits is slow, and refused."""
    numbers = [digits.lstrip("0") or "0" for digits in re.findall(r"[0-9]+", spec)]
    return max(numbers, key=lambda number: (len(number), number), default="0")


def to_mathml(latex: str, src_path: str, line: int, display: bool, formulas: TextMemo | None = None) -> str:
    """LaTeX to MathML at build time, so pages need no JavaScript for math.

    Only formulas that pass every check are remembered in `formulas`, so a remembered one
    is used as it is.
    """
    mode = "block" if display else "inline"
    formula = latex.strip()

    def problem(reason: str) -> ContentError:
        return ContentError.at(src_path, line, f"cannot render math ${formula}$: {reason}")

    def convert() -> str:
        if "{value}`" in formula:
            raise problem("a {value} role is not read inside math; put it in the prose next to the formula")
        brace = _unbalanced_brace(formula)
        if brace:
            raise problem(brace)
        try:
            mathml = _escaped_mathml(formula, mode)
        except _UnsafeLink as exc:
            raise problem(str(exc)) from None
        except Exception as exc:  # latex2mathml raises many exception types for bad input
            reason = _MATH_ERRORS.get(type(exc).__name__, type(exc).__name__)
            raise problem(f"{reason} ({exc})" if str(exc) else reason) from None
        unknown = _UNKNOWN_COMMAND.search(mathml)
        if unknown:
            raise problem(
                f"unknown command {unknown.group(1)} (a typo, or a command latex2mathml does not support)"
            )
        incomplete = _missing_part(mathml)
        if incomplete:
            raise problem(incomplete)
        return mathml

    return formulas.get(f"{mode}:{formula}", convert) if formulas else convert()


_ESCAPED_REFERENCE = re.compile(r"&amp;(#x[0-9A-Fa-f]+|#[0-9]+);")


def _escaped_mathml(formula: str, mode: str) -> str:
    """latex2mathml's MathML, with the formula's own text escaped.

    latex2mathml serializes its element tree and then unescapes the whole string, to let
    through the character references it writes itself (`&#x000A0;`); that also unescapes
    the author's text, so `\\text{a < b}` or `\\text{</math><script>...}` went into the page
    as markup. Only those character references are let through here.
    """
    from xml.etree.ElementTree import tostring

    from latex2mathml.converter import convert_to_element

    element = convert_to_element(formula, display=mode)
    _make_safe(element)
    return _ESCAPED_REFERENCE.sub(r"&\1;", tostring(element, encoding="unicode"))


class _UnsafeLink(ValueError):
    """A `\\href` to a URL that no page may link to."""


def _make_safe(element: Any) -> None:
    """Drop the CSS of `\\style{css}{x}` (a formula must not restyle or cover the page around
    it; `x` stays) and refuse a `\\href` to a URL that prose links may not have either:
    markdown-it's check, which refuses javascript:, vbscript:, file: and data: URLs."""
    from markdown_it.common.normalize_url import normalizeLink, validateLink

    for node in element.iter():
        node.attrib.pop("style", None)
        href = node.get("href")
        if href is None:
            continue
        url = normalizeLink(href)
        # `&#...;` in the URL would be a character again in the page (see _escaped_mathml).
        if "&#" in url or not validateLink(url):
            raise _UnsafeLink(
                f"\\href{{{href}}} is not a link a page may hold: use an http(s), mailto or relative "
                "URL (javascript:, vbscript:, file: and data: URLs are refused, as in prose)"
            )
        node.set("href", url)


def _unbalanced_brace(latex: str) -> str | None:
    """Why the braces of `latex` do not pair up, or None (latex2mathml silently accepts `{x`)."""
    depth = 0
    escaped = False
    for char in latex:
        if escaped:  # \{ and \} are literal braces, \\ a line break
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return "a '}' has no matching '{'"
    return "a '{' is never closed" if depth else None


# MathML elements with a fixed number of children; latex2mathml writes `\\frac{1}` as an
# <mfrac> with one, which browsers draw as garbage.
_PARTS = {
    "mfrac": 2,
    "msub": 2,
    "msup": 2,
    "msubsup": 3,
    "mroot": 2,
    "munder": 2,
    "mover": 2,
    "munderover": 3,
}
_ELEMENT = re.compile(r"<(/?)(\w+)[^>]*?(/?)>")


def _missing_part(mathml: str) -> str | None:
    """What is missing when an element of `mathml` has fewer children than it must, or None."""
    stack: list[list[Any]] = []  # [name, children so far]
    for match in _ELEMENT.finditer(mathml):
        closing, name, empty = match.group(1), match.group(2), match.group(3)
        if closing:
            done = stack.pop()
            if done[1] < _PARTS.get(done[0], 0):
                if done[0] == "mfrac":
                    return "\\frac needs two arguments, a numerator and a denominator"
                return "it ends too early (a command is missing an argument)"
            continue
        if stack:
            stack[-1][1] += 1
        if not empty:
            stack.append([name, 0])
    return None


# latex2mathml's exceptions carry no message: say what each one means.
_MATH_ERRORS = {
    "NoAvailableTokensError": "it ends too early (a command is missing an argument, or a '}')",
    "NumeratorNotFoundError": "\\frac has no numerator",
    "DenominatorNotFoundError": "\\frac has no denominator",
    "MissingSuperScriptOrSubscriptError": "^ or _ has nothing after it",
    "DoubleSuperscriptsError": "two superscripts in a row (write x^{ab}, or {x^a}^b)",
    "DoubleSubscriptsError": "two subscripts in a row (write x_{ab}, or {x_a}_b)",
    "ExtraLeftOrMissingRightError": "a \\left has no matching \\right",
    "MissingEndError": "a \\begin{...} has no matching \\end{...}",
    "InvalidAlignmentError": "an array's column alignment is not l, c or r",
    "InvalidWidthError": "a width is not a TeX length",
    "InvalidStyleForGenfracError": "\\genfrac has an invalid style",
    "LimitsMustFollowMathOperatorError": "\\limits must follow an operator such as \\sum",
}
# latex2mathml writes a command it does not know as the element's text: <mi>\alpah</mi>
_UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")
