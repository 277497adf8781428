"""Entry point of ``python -m evosync.sandbox``."""

import sys

from .cli import main

sys.exit(main())
