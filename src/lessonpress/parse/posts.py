"""Every post, parsed: front matter, document, references; and what no single post shows
wrong (a series number used twice, or outside the outline)."""

from __future__ import annotations

from typing import Any

from ..store import TextMemo
from ..errors import ContentError, Problem
from ..load.yaml import key_line
from ..model import Lesson, ModuleOutline, ParsedPost, PostSource
from .blocks import block_problems
from ..document import Image, XRef, targets
from .front_matter import no_front_matter, parse_front_matter
from .labels import label_problems
from .memo import ParseMemo
from .options import lift_options
from .nodes import DocumentReader, lesson_refs, value_refs
from .toml_front import toml_key_line


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
    failed = sorted({problem.path for problem in problems})  # posts that did not parse: labels unknown
    problems.extend(_duplicate_series(parsed))
    problems.extend(_outside_outline(parsed, modules))
    problems.extend(label_problems(parsed, failed))
    memo.save()
    return parsed, problems


def _new_markdown() -> Any:
    from .markdown import new_markdown  # markdown-it only when some post is read again

    return new_markdown()


def parse_post(
    md: Any,
    post: PostSource,
    lessons: dict[str, Lesson],
    formulas: TextMemo[str] | None = None,
    yaml: TextMemo[Any] | None = None,
) -> ParsedPost:
    """Tokenize one post and resolve its front matter, directives, roles, math and headings."""
    text, options = lift_options(post.text)
    env: dict[str, Any] = {"options": options}
    tokens = md.parse(text, env)
    if not tokens or tokens[0].type != "front_matter":
        raise ContentError.at(post.src_path, 1, no_front_matter(post.text))
    meta = parse_front_matter(post.src_path, tokens[0].content, yaml, toml=tokens[0].markup == "+++")
    if not any(t.type != "front_matter" for t in tokens):
        raise ContentError.at(
            post.src_path,
            tokens[0].map[1] if tokens[0].map else 1,
            "the post has no content after its front matter",
        )
    reader = DocumentReader(post, lessons, formulas)
    document = reader.read(tokens)
    from .quiz import quiz_problems  # here, not at the top: it imports markdown-it, which a
    # rebuild whose posts all come from the parse memo never needs

    problems = reader.problems + block_problems(post, tokens) + quiz_problems(post, tokens)
    problems += [Problem(post.src_path, line, message) for line, message in env.get("problems", ())]
    problems += _unused_footnotes(post, env)
    if problems:
        raise ContentError(problems)
    end = tokens[0].map[1] if tokens[0].map else 0
    refs = (lesson_refs(document), value_refs(document))
    return ParsedPost(
        post, meta, document, end, *refs, tuple(targets(document)), tuple(document.payloads(XRef)),
        images=tuple(document.payloads(Image)),
    )


def _unused_footnotes(post: PostSource, env: dict[str, Any]) -> list[Problem]:
    """Footnote definitions no `[^name]` cites: the page would leave them out."""
    unused = [label[1:] for label, index in env.get("footnotes", {}).get("refs", {}).items() if index == -1]
    lines = post.text.splitlines()
    return [
        Problem(
            post.src_path,
            next((n for n, text in enumerate(lines, 1) if text.lstrip().startswith(f"[^{name}]:")), 1),
            f"footnote [^{name}] is defined but never cited, so the page would leave it out: "
            f"cite it with [^{name}] or remove it",
        )
        for name in unused
    ]


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
                    _series_line(post),
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
                _series_line(post),
                f"series {series} is in module {series.split('.')[0]}, but site.yaml's outline has "
                f"modules 1 to {len(modules)}: fix the number, or add the module to 'modules' in site.yaml",
            )
        )
    return problems


def _series_line(post: ParsedPost) -> int:
    """The file line of the post's `series:`; its front matter's YAML is lines 2 to body_line - 1."""
    lines = post.source.text.splitlines()
    front_matter = "\n".join(lines[1 : post.body_line - 1])
    if lines[0].rstrip() == "+++":
        return toml_key_line(front_matter, "series", first_line=2)
    return key_line(front_matter, "series", first_line=2)
