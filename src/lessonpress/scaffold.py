"""`lessonpress new`: a post with the standard sections and a lesson that runs."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .model import SiteConfig
from .text import count, slug_of

# The shape the series' author asks of every post, in their order (docs/authoring.md).
SECTIONS = (
    "Introduction",
    "ELI5",
    "Mathematical foundations",
    "In-depth explanation",
    "Demonstrations",
    "Exercises",
    "Summary",
    "Key takeaways",
    "What's next",
)


@dataclass(frozen=True)
class NewPost:
    """The files `new` created."""

    post_path: Path
    lesson_path: Path


def slugify(title: str) -> str:
    """'The Simplest Case: Linear Regression' -> 'the-simplest-case-linear-regression';
    accents are dropped ('Café' -> 'cafe'), and a long title is cut to 80 characters."""
    return slug_of(title, ascii_only=True)[:80].rstrip("-") or "post"


def outline_title(config: SiteConfig, series: str) -> str:
    """The title the outline gives to series number `series`."""
    match = re.fullmatch(r"(\d+)\.(\d+)", series)
    if not match:
        raise UsageError(f"--series must look like 2.3 (module.post), got {series!r}")
    module, number = int(match.group(1)), int(match.group(2))
    if not 1 <= module <= len(config.modules):
        raise UsageError(
            f"site.yaml's outline has {count(len(config.modules), 'module')}; there is no module {module}"
        )
    titles = config.modules[module - 1].post_titles
    if not 1 <= number <= len(titles):
        raise UsageError(
            f"module {module} of the outline has {count(len(titles), 'post')}; there is no post {series}"
        )
    return titles[number - 1]


def create_post(
    root: Path, config: SiteConfig, title: str | None, series: str | None, today: dt.date
) -> NewPost:
    """Write posts/<slug>.md and lessons/<slug>/<name>.py; never overwrite anything."""
    if series:
        title = title or outline_title(config, series)
        _series_unused(root, series)
    title = title.strip() if title else title
    if not title:
        raise UsageError("give a title, or --series N.M to take the title from the outline")
    slug = slugify(title)
    post_path = root / "posts" / f"{slug}.md"
    lesson_name = short_name(slug) + ".py"
    lesson_path = root / "lessons" / slug / lesson_name
    for path in (post_path, lesson_path):
        if path.exists():
            raise UsageError(f"{path.relative_to(root)} already exists; not overwriting it")
    lesson_path.parent.mkdir(parents=True, exist_ok=True)
    post_path.parent.mkdir(parents=True, exist_ok=True)
    lesson_path.write_text(_lesson(title), encoding="utf-8")
    post_path.write_text(_post(title, series, today, lesson_name), encoding="utf-8")
    return NewPost(post_path, lesson_path)


def short_name(slug: str, limit: int = 32) -> str:
    """A module name from the slug, cut at a word boundary (`new` and `import` name lessons so)."""
    words, name = slug.split("-"), ""
    for word in words:
        candidate = f"{name}_{word}" if name else word
        if len(candidate) > limit and name:
            break
        name = candidate
    return name if name[:1].isalpha() else f"lesson_{name}"


def _series_unused(root: Path, series: str) -> None:
    for path in sorted((root / "posts").glob("*.md")):
        head = path.read_text(encoding="utf-8", errors="replace").split("\n---", 1)[0]
        if re.search(rf"^series:\s*[\"']?{re.escape(series)}[\"']?\s*$", head, re.MULTILINE):
            raise UsageError(f"series {series} is already used by posts/{path.name}")


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _post(title: str, series: str | None, today: dt.date, lesson: str) -> str:
    front = ["---", f"title: {_yaml_string(title)}"]
    if series:
        front.append(f'series: "{series}"')
    front += [
        f"date: {today.isoformat()}",
        "summary: One or two sentences on what the reader will learn.",
        "tags: []",
        "---",
        "",
    ]
    body = {
        "Introduction": "What the reader will learn, and why it matters.",
        "ELI5": "The idea with an everyday picture, and no formulas.",
        "Mathematical foundations": (
            "$$\nL(w) = \\frac{1}{N} \\sum_{i=1}^{N} (w x_i - y_i)^2\n$$\n\n"
            "In words: the loss $L$ is the average, over the $N$ examples, of the squared miss."
        ),
        "In-depth explanation": "The idea in detail, building on the math.",
        "Demonstrations": (
            f"```{{lesson}} {lesson}#train\n:caption: What the reader should see.\n```\n\n"
            f"The loss ends at {{value}}`{lesson}:final_loss:.4f`.\n\n"
            "To run it yourself, install what it needs with `uv pip install torch matplotlib` "
            f"and run it with `uv run {lesson}`."
        ),
        "Exercises": (
            "1. A task for the reader.\n\n"
            f":::{{solution}}\n```{{lesson}} {lesson}#exercise_1\n```\n\nWhat the solution shows.\n:::"
        ),
        "Summary": "The post in a paragraph.",
        "Key takeaways": "- One line per idea worth keeping.",
        "What's next": "Link the next post.",
    }
    sections = [f"## {name}\n\n{body[name]}\n" for name in SECTIONS]
    return "\n".join(front) + "\n".join(sections)


# The lesson `new` starts a post with: the training loop in plain sight, ready to edit.
_LESSON = '''"""__TITLE__: what this lesson shows.

Run it yourself: `uv pip install torch matplotlib`, then `uv run` this file.
"""
import matplotlib.pyplot as plt
import torch

# Hyperparameters
learning_rate: float = 0.1
num_epochs: int = 50

torch.manual_seed(0)

# %% data
x: torch.Tensor = torch.linspace(-1, 1, 100).unsqueeze(1)  # (N, 1)
y: torch.Tensor = 2.0 * x - 1.0 + 0.1 * torch.randn(x.shape)

# %% train
w: torch.Tensor = torch.zeros(1, requires_grad=True)
b: torch.Tensor = torch.zeros(1, requires_grad=True)
losses: list[float] = []
for epoch in range(num_epochs):
    # forward
    prediction = w * x + b
    # loss
    loss = ((prediction - y) ** 2).mean()
    losses.append(loss.item())
    # backward
    loss.backward()
    # update; backward() has filled in the gradients
    assert w.grad is not None and b.grad is not None
    with torch.no_grad():
        w -= learning_rate * w.grad
        b -= learning_rate * b.grad
        w.grad.zero_()
        b.grad.zero_()
    if epoch % 10 == 0:
        print(f"epoch {epoch:3d} | loss {loss.item():.4f}")
final_loss: float = losses[-1]
print(f"Result: final loss {final_loss:.4f}")
assert final_loss < 0.1, "the loss should fall well below its starting value"

fig, ax = plt.subplots()
ax.plot(losses)
ax.set_title("Loss during training")
ax.set_xlabel("epoch")
ax.set_ylabel("MSE loss")
plt.show()

# %% exercise_1
print("a solution, executed like every other cell")
'''


def _lesson(title: str) -> str:
    return _LESSON.replace("__TITLE__", title, 1)
