"""`lessonpress import`: a post whose Python is written inline becomes a post showing the
cells of a lesson script, one cell per code block, so that every block really runs.

`plan.py` works out what to write (nothing is written), `blocks.py` which blocks run and
why the others do not, `front.py` the front matter, `report.py` the summary the command
prints, and `write.py` writes the files, each atomically.
"""

from __future__ import annotations

from .plan import Plan, Target, plan_import
from .report import plan_report
from .write import write_all, write_atomically

__all__ = ["Plan", "Target", "plan_import", "plan_report", "write_all", "write_atomically"]
