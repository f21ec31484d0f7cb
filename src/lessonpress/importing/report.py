"""The summary `lessonpress import` prints: each file, each block and what became of it, and why."""

from __future__ import annotations

from .blocks import DROP, HIDDEN, RAISES, RUN
from .plan import Plan

_DOING = {
    RUN: "runs as cell {cell}",
    RAISES: "runs as cell {cell}, which must raise (tagged raises-exception)",
    HIDDEN: "runs as cell {cell}, not shown (remove-cell)",
}


def plan_report(plan: Plan, dry_run: bool) -> list[str]:
    """The plan as lines: the files, then each code block by its line in the source post and
    in the new one."""
    files = ", ".join(target.shown + (" (exists)" if target.exists else "") for target in plan.targets)
    lines = [f"{plan.source} -> {files}" if not dry_run else f"{plan.source}: would write {files}"]
    runs = sum(block.runs for block in plan.blocks)
    lines.append(f"  {runs} of {len(plan.blocks)} code blocks run, as cells of {plan.lesson}" if runs else
                 "  no code block runs: no lesson is written")
    for block, new_line in zip(plan.blocks, plan.post_lines, strict=True):
        where = f"  line {block.line}: {block.label}"
        if block.action in _DOING:
            shown = f"; post line {new_line}" + (f" (:show: {block.show})" if block.show else "")
            lines.append(f"{where}: {_DOING[block.action].format(cell=block.cell)}{shown}")
        elif block.action == DROP:
            lines.append(f"{where}: removed: {block.reason}")
        else:
            lines.append(f"{where}: post line {new_line}: {block.reason}")
    lines += [f"  {note}" for note in plan.notes]
    return lines
