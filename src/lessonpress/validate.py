"""Between execute and render: did every lesson run as its cells promise, and does every
reference of a post find what it shows (a cell that ran, figures to caption, a value)?"""

from __future__ import annotations

import math
import posixpath

from .errors import ContentError, Problem
from .model import CellResult, Lesson, LessonRef, LessonResult, ParsedPost, Project, ValueRef, lesson_name
from .values import format_value

Ref = LessonRef | ValueRef


def check_results(
    posts: list[ParsedPost], lessons: dict[str, Lesson], results: dict[str, LessonResult]
) -> None:
    """Every lesson ran as its cells promise, and every quoted value exists."""
    problems = result_problems(posts, lessons, results)
    if problems:
        raise ContentError(problems)


def result_problems(
    posts: list[ParsedPost], lessons: dict[str, Lesson], results: dict[str, LessonResult]
) -> list[Problem]:
    """The problems check_results would raise, as a list."""
    problems: list[Problem] = []
    for post in posts:
        first_refs: dict[str, Ref] = {}
        refs: list[Ref] = [*post.lesson_refs, *post.value_refs]
        for ref in refs:
            first_refs.setdefault(ref.lesson_path, ref)
        for lesson_path, ref in first_refs.items():
            shown: dict[str, LessonRef] = {}  # each cell at the first fence that shows it
            for cell_ref in post.lesson_refs:
                if cell_ref.lesson_path == lesson_path and cell_ref.cell_name:
                    shown.setdefault(cell_ref.cell_name, cell_ref)
            problems.extend(lesson_problems(ref, lessons[lesson_path], results[lesson_path], shown))
        if not any(p.path == post.source.src_path for p in problems):
            problems.extend(_ref_problems(post, results))
    return problems


def lesson_problems(
    ref: Ref, lesson: Lesson, result: LessonResult, shown: dict[str, LessonRef] | None = None
) -> list[Problem]:
    """Crashes, timeouts, unexpected exceptions and expected errors that did not happen,
    reported at the post's reference to the lesson, or (`shown`) at the fence showing the cell."""
    if result.failure:
        return [Problem(ref.post_path, ref.line, f"lesson {ref.lesson_path} {result.failure}")]
    return [
        _cell_problem(lesson, cell, (shown or {}).get(cell.name, ref))
        for cell in result.cells
        if _misbehaved(lesson, cell)
    ]


def unreferenced_lesson_problems(
    project: Project, posts: list[ParsedPost], results: dict[str, LessonResult]
) -> list[Problem]:
    """Lessons no post shows must still run as their cells promise (reported at the lesson)."""
    used = {p for post in posts for p in post.lesson_paths}
    problems = []
    for path, result in results.items():
        if path in used:
            continue
        if result.failure:
            problems.append(Problem(path, 1, f"lesson {path} {result.failure}"))
        lesson = project.lessons[path]
        problems.extend(
            _cell_problem(lesson, cell, None) for cell in result.cells if _misbehaved(lesson, cell)
        )
    return problems


def _misbehaved(lesson: Lesson, cell: CellResult) -> bool:
    """Raised when the lesson's source does not tag the cell raises-exception, or the reverse."""
    source = lesson.cell(cell.name)
    return (cell.error is not None) != bool(source and source.expect_error)


def _cell_problem(lesson: Lesson, cell: CellResult, ref: Ref | None) -> Problem:
    """One misbehaving cell as a problem: at the post's reference, or (`ref` None) at the lesson."""
    name = lesson_name(lesson.src_path)
    error = cell.error
    if error is not None:
        where = f"{error.path}:{error.line}"
        if ref is None:
            return Problem(
                error.path,
                error.line,
                f"{error.type_name} in cell {cell.name!r}: {error.message}",
                error.traceback,
            )
        return Problem(
            ref.post_path,
            ref.line,
            f"lesson {name} raised {error.type_name} in cell {cell.name!r} ({where}): {error.message}",
            detail=f"{where}: error: {error.type_name}: {error.message}\n" + error.traceback,
        )
    source = lesson.cell(cell.name)
    path, header = source.location(lesson.src_path) if source else (lesson.src_path, 1)
    if ref is None:
        return Problem(path, header, f"cell {cell.name!r} is tagged raises-exception but did not raise")
    return Problem(
        ref.post_path,
        ref.line,
        f"cell {cell.name!r} of lesson {name} is tagged raises-exception but did not raise",
        detail=f"{path}:{header}: error: expected an exception in cell "
        f"{cell.name!r}; remove the tag or make the cell fail",
    )


def _ref_problems(post: ParsedPost, results: dict[str, LessonResult]) -> list[Problem]:
    problems = []
    for ref in post.lesson_refs:
        result = results[ref.lesson_path]
        if ref.cell_name and result.cell(ref.cell_name) is None:
            problems.append(
                Problem(
                    ref.post_path,
                    ref.line,
                    f"cell {ref.cell_name!r} did not run (the lesson stopped before it)",
                )
            )
        else:
            problems.extend(_description_problems(ref, result))
    for value in post.value_refs:
        problems.extend(_value_problems(value, results[value.lesson_path]))
    return problems


def _description_problems(ref: LessonRef, result: LessonResult) -> list[Problem]:
    """More :caption: or :alt: lines than the shown cells drew figures: they would be dropped."""
    cells = [result.cell(ref.cell_name)] if ref.cell_name else list(result.cells)
    figures = sum(len(cell.figures) for cell in cells if cell is not None)
    shown = f"cell {ref.cell_name!r}" if ref.cell_name else "the lesson"
    problems = []
    for option, lines in (("caption", ref.captions), ("alt", ref.alts)):
        if len(lines) > figures:
            drew = f"draws {figures} figure{'s' if figures != 1 else ''}"
            problems.append(
                Problem(
                    ref.post_path,
                    ref.line,
                    f"{len(lines)} :{option}: line{'s' if len(lines) != 1 else ''}, but {shown} of "
                    f"{lesson_name(ref.lesson_path)} {drew}: one line per figure, in order",
                )
            )
    return problems


def _value_problems(ref: ValueRef, result: LessonResult) -> list[Problem]:
    """A `{value}` role that names nothing quotable, or whose format does not apply."""
    name = lesson_name(ref.lesson_path)
    if ref.name in result.unquotable:
        kind = result.unquotable[ref.name]
        message = (
            f"{ref.name!r} in lesson {name} is a {kind}: only numbers, strings, one-element "
            "tensors and lists of them can be quoted; assign the number you mean to a module-level variable"
        )
        return [Problem(ref.post_path, ref.line, message)]
    if ref.name not in result.values:
        return [
            Problem(
                ref.post_path, ref.line, f"lesson {name} has no value {ref.name!r}{_close_names(ref, result)}"
            )
        ]
    try:
        format_value(result.values[ref.name], ref.spec)
    except (ValueError, TypeError, ArithmeticError) as exc:  # (an int too large for a float)
        shown = _shown(result.values[ref.name])
        return [Problem(ref.post_path, ref.line, f"cannot format {ref.name} = {shown} with {ref.spec!r}: {exc}")]
    return []


def _shown(value: object) -> str:
    """The value for a message, short; an int too long to print (10**100000) by its size."""
    try:
        text = repr(value)
    except ValueError:  # more digits than str() may convert
        assert isinstance(value, int)
        return f"<int of {_digits(value)} digits>"
    if len(text) <= 200:
        return text
    return f"<int of {_digits(value)} digits>" if isinstance(value, int) else f"<{type(value).__name__} of {len(text)} characters>"


def _digits(number: int) -> int:
    """How many decimal digits `number` has, without converting it to a string."""
    digits = max(1, int((abs(number).bit_length() - 1) * math.log10(2)))
    while abs(number) >= 10**digits:
        digits += 1
    return digits


def _close_names(ref: ValueRef, result: LessonResult) -> str:
    """A hint for a value name that is not there: names close to it, or what can be quoted."""
    import difflib

    close = difflib.get_close_matches(ref.name, [*result.values, *result.unquotable], n=3)
    if close:
        return f"; did you mean {', '.join(close)}?"
    return " (only module-level numbers, strings, one-element tensors and lists of them can be quoted)"


def draft_link_problems(posts: list[ParsedPost]) -> list[Problem]:
    """Links and images of published posts to a draft's page or files, which `build` leaves
    out of the site (so the link would be broken), each at its line."""
    drafts = {post.source.slug for post in posts if post.meta.draft}
    if not drafts:
        return []
    return [
        Problem(post.source.src_path, line, f"{url} links to posts/{slug}.md, {_DRAFT}")
        for post in posts
        if not post.meta.draft
        for line, url in _links(post)
        if (slug := _linked_post(post.source.slug, url)) in drafts
    ] + _draft_ref_problems(posts)


def _draft_ref_problems(posts: list[ParsedPost]) -> list[Problem]:
    """{doc} roles naming a draft, and {ref}, {numref} and {eq} roles naming a label in one."""
    drafts = [post for post in posts if post.meta.draft]
    by_name = {name: p.source.slug for p in drafts for name in (p.source.slug, p.meta.series) if name}
    by_label = {target.label: p.source.slug for p in drafts for target in p.targets}
    return [
        Problem(post.source.src_path, ref.line, f"{{{ref.role}}}`{ref.target}` names posts/{slug}.md, {_DRAFT}")
        for post in posts
        if not post.meta.draft
        for ref in post.xrefs
        if (slug := (by_name if ref.role == "doc" else by_label).get(ref.target)) is not None
    ]


_DRAFT = "a draft (`draft: true`) that build does not publish: publish it, or remove the link"


def _links(post: ParsedPost) -> list[tuple[int, str]]:
    """(line, URL) of every link and image in the post's prose."""
    return [
        (node.line or 1, str(value))
        for node in post.document.nodes
        for child in node.children or ()
        for name, value in child.attrs
        if name in ("href", "src")
    ]


def _linked_post(slug: str, url: str) -> str | None:
    """The slug of the post whose folder a relative `url` on post `slug`'s page points into."""
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    target = posixpath.normpath(posixpath.join(f"posts/{slug}", unquote(parts.path)))
    folder, _, rest = target.partition("/")
    return rest.split("/", 1)[0] if folder == "posts" else None
