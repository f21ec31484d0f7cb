"""axe-core (axe-playwright-python) on the index, post 1.2 (solutions open) and the search
results, in both themes: no serious or critical violations."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from .pages import open_index, open_post, read_everything, search_for
from .support import require

BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe() -> Any:
    require(
        importlib.util.find_spec("axe_playwright_python") is not None,
        "axe-playwright-python is not installed (pip install axe-playwright-python)",
    )
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _describe(violation: dict[str, Any]) -> str:
    nodes = violation.get("nodes", [])
    plural = "s" if len(nodes) != 1 else ""
    lines = [
        (
            f"[{violation.get('impact')}] {violation['id']}: {violation.get('help')} "
            f"({len(nodes)} element{plural}; {violation.get('helpUrl')})"
        )
    ]
    for node in nodes[:5]:
        summary = " ".join((node.get("failureSummary") or "").split())
        lines.append(f"    {node.get('target')} {node.get('html', '')[:120]}")
        lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("where", ["index", "post", "search"])
def test_no_serious_accessibility_violations(
    watched: Any, axe: Any, artifacts: Path, where: str, scheme: str
) -> None:
    page, _ = watched(color_scheme=scheme)
    if where == "search":  # the index with the results for "learning rate" showing
        search_for(page, "learning rate")
        page.screenshot(path=str(artifacts / f"search-{scheme}.png"))
    else:
        (open_index if where == "index" else open_post)(page)
        read_everything(page)
    results = axe.run(page)
    violations = results.response.get("violations", [])
    (artifacts / f"axe-{where}-{scheme}.json").write_text(json.dumps(violations, indent=1))
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert not blocking, f"axe on {where} ({scheme}):\n" + "\n".join(map(_describe, blocking))


def test_scroll_boxes_are_keyboard_reachable_at_360px(watched: Any, axe: Any) -> None:
    """On a phone, wide code, outputs and display math scroll inside their own boxes; each such
    box must be reachable by keyboard (tabindex="0") so it can be scrolled without a mouse."""
    page, _ = watched(viewport={"width": 360, "height": 740})
    open_post(page)
    read_everything(page)
    only = {
        "runOnly": {"type": "rule", "values": ["scrollable-region-focusable"]},
        "resultTypes": ["violations"],
    }
    violations = axe.run(page, options=only).response.get("violations", [])
    assert not violations, "post 1.2 at 360 px:\n" + "\n".join(map(_describe, violations))
