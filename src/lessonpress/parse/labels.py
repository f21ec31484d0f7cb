"""Cross-references as MyST writes them: `(label)=` targets before headings and cells, numbered
equations (`$$ ... $$ (label)`) and the {ref}, {numref}, {eq} and {doc} roles. Labels are one
namespace for the whole site, as in MyST, so a post may name another post's heading."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..document import Heading, Image, LessonRef, Math, Node, Target, XRef, lesson_title
from ..errors import ContentError, Problem
from ..model import ParsedPost

LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")
XREF_ROLES = ("ref", "numref", "eq", "doc")
_EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]*)>$", re.DOTALL)  # `text <label>`
_TITLE_TEXT = ("text", "code_inline", "math_inline")


def label_message(label: str) -> str:
    """Why `label` cannot be a label."""
    return (
        f"{label!r} is not a label: use ASCII letters, digits, '_', '-', '.' and ':', "
        "starting with a letter, digit or '_'"
    )


def parse_xref_role(src_path: str, token: Any, line: int) -> XRef:
    """Read {ref}`label`, {ref}`text <label>`, {numref}, {eq} or {doc}`slug-or-series`."""
    role, content = token.meta.get("name", ""), token.content.strip()
    match = _EXPLICIT.match(content)
    text, target = (match.group(1).strip(), match.group(2).strip()) if match else ("", content)
    if role != "doc" and not LABEL.match(target):
        raise ContentError.at(src_path, line, f"{{{role}}}`{token.content}`: {label_message(target)}")
    if role == "doc" and not target:
        raise ContentError.at(src_path, line, "{doc} needs a post's slug or series number: {doc}`1.2`")
    return XRef(role, target, text, line)


def with_targets(nodes: list[Node], src_path: str) -> tuple[list[Node], list[Problem]]:
    """`nodes` with each `(label)=` line's Target (its heading labelled too) and each labelled
    equation numbered; and a Problem for each label that is malformed or labels nothing."""
    out, problems, equations, figures = list(nodes), [], 0, 0
    for index, node in enumerate(nodes):
        line = node.line or 1
        if isinstance(node.payload, Image) and node.payload.figure:
            figures += 1
            caption = _caption_text(nodes, index)
            out[index] = replace(node, payload=replace(node.payload, number=figures, caption=caption))
            if index + 1 < len(nodes) and nodes[index + 1].type == "figcaption_open":
                out[index + 1] = replace(nodes[index + 1], info=str(figures))  # "Figure 2." before it
        label = node.content.strip() if node.type == "myst_target" else node.info.strip()
        if node.type not in ("myst_target", "math_block_label"):
            continue
        if not LABEL.match(label):
            problems.append(Problem(src_path, line, label_message(label)))
        elif node.type == "math_block_label" and isinstance(node.payload, Math):
            equations += 1
            out[index] = replace(node, payload=replace(node.payload, label=label, number=equations))
        elif (target := _target(out, index, label, line)) is not None:
            out[index] = replace(node, payload=target)
        else:
            problems.append(
                Problem(src_path, line, f"'({label})=' must come right before a heading, a {{lesson}} cell or an admonition")
            )
    return out, problems


def _caption_text(nodes: list[Node], index: int) -> str:
    """The text of the caption of the figure opened at `index` (what a {ref} to it shows)."""
    after = nodes[index + 3] if index + 3 < len(nodes) and nodes[index + 1].type == "figcaption_open" else None
    if after is None or after.type != "inline":
        return ""
    parts = after.children or ()
    if any(part.type == "myst_role" for part in parts):  # its roles' text is not known here
        return ""  # so a {ref} shows the figure's alt text
    return "".join(part.content for part in parts if part.type in _TITLE_TEXT).strip()


def _target(nodes: list[Node], index: int, label: str, line: int) -> Target | None:
    """The target `(label)=` at `index` makes of the node after it (a heading gets the label)."""
    after = nodes[index + 1] if index + 1 < len(nodes) else None
    if after is not None and isinstance(after.payload, Heading):
        heading = after.payload
        nodes[index + 1] = replace(after, payload=replace(heading, label=label))
        title = "".join(part.text for part in heading.parts if part.kind in _TITLE_TEXT).strip()
        return Target(label, "heading", line, title, level=heading.level, parts=heading.parts)
    if after is not None and isinstance(after.payload, LessonRef):
        return Target(label, "cell", line, lesson_title(after.payload))
    if after is not None and after.type == "admonition_open" and index + 3 < len(nodes):
        return Target(label, "admonition", line, nodes[index + 3].content)  # its title's text
    return None


def label_problems(posts: list[ParsedPost], failed: list[str] | None = None) -> list[Problem]:
    """Labels used twice on the site, and roles naming a label or post there is none of; with
    posts that `failed` to parse (their labels and numbers unknown), a role naming nothing may
    name one of them, and its message says so."""
    problems: list[Problem] = []
    seen: dict[str, tuple[str, Target]] = {}
    for post in posts:
        for target in post.targets:
            if target.label in seen:
                first, earlier = seen[target.label]
                problems.append(
                    Problem(
                        post.source.src_path,
                        target.line,
                        f"label {target.label!r} is already used at {first}:{earlier.line}: "
                        "labels are shared by the whole site; rename one",
                    )
                )
            seen.setdefault(target.label, (post.source.src_path, target))
    names = {name for post in posts for name in (post.source.slug, post.meta.series) if name}
    for post in posts:
        for ref in post.xrefs:
            message = _ref_problem(ref, {label: t for label, (_, t) in seen.items()}, names)
            if message and failed and "names no" in message:
                message += f" (or it is in {', '.join(failed)}, which has errors of its own)"
            if message:
                problems.append(Problem(post.source.src_path, ref.line, message))
    return problems


def _ref_problem(ref: XRef, labels: dict[str, Target], posts: set[str]) -> str | None:
    role = f"{{{ref.role}}}`{ref.target}`"
    if ref.role == "doc":
        if ref.target in posts:
            return None
        return f"{role} names no post: give a post's slug (its file name without .md) or series number"
    target = labels.get(ref.target)
    if target is None:
        return f"{role} names no label: put a '({ref.target})=' line before a heading or {{lesson}} cell"
    if ref.role == "eq" and target.kind != "equation":
        return f"{role} needs a numbered equation ($$ ... $$ ({ref.target})), but it labels {_a(target.kind)}"
    if ref.role == "numref" and not (target.kind in ("equation", "figure") and target.number):
        return f"{role} needs a numbered equation or {{figure}}, but it labels {_a(target.kind)}"
    return None


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
