"""`python -m lessonpress.cli`, as the `lessonpress` command."""

import sys

from . import main

sys.exit(main())
