"""Stage 2: parse posts into metadata, a document model and references (nothing runs yet).

front_matter.py checks the YAML, markdown.py is the Markdown dialect, nodes.py turns its
tokens into the document model (document.py), with directives.py ({lesson}, {value}) and
math.py (LaTeX -> MathML); blocks.py refuses unclosed fences and `:::` blocks; memo.py
remembers parsed posts between builds.
"""

from __future__ import annotations

from .directives import (
    DIRECTIVE_INFO,
    MAX_FORMAT_WIDTH,
    parse_directive,
    parse_value_role,
    resolve_lesson_path,
)
from .front_matter import KNOWN_FIELDS, parse_front_matter, unknown_field_problems
from .math import to_mathml
from .memo import ParseMemo
from .posts import collect_posts, parse_post, parse_posts

# What the pipeline, the CLI and the tests import from the parse stage.
__all__ = [
    "DIRECTIVE_INFO",
    "KNOWN_FIELDS",
    "MAX_FORMAT_WIDTH",
    "ParseMemo",
    "collect_posts",
    "parse_directive",
    "parse_front_matter",
    "parse_posts",
    "parse_post",
    "parse_value_role",
    "resolve_lesson_path",
    "to_mathml",
    "unknown_field_problems",
]
