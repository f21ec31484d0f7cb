"""`python -m lessonpress.execute --worker [--lean]` or `--job FILE`: a worker process (worker.py)."""

from __future__ import annotations

from .worker import main

if __name__ == "__main__":
    main()
