"""`python -m fsdl_tui` is the `fsdl-tui` command."""

import sys

from .cli.main import run

sys.exit(run())
