"""A scorer that tells the test it is running (a file named by $FSDL_TEST_READY), then sleeps: for ctrl+c."""

import os
import time
from pathlib import Path

from fsdl_tui import hookimpl
from fsdl_tui.scoring import Score, Scorer


class Sleeps(Scorer):
    name = "sleeps"

    def score(self, project, settings):
        Path(os.environ["FSDL_TEST_READY"]).write_text("scoring", encoding="utf-8")
        time.sleep(30)
        return Score(1.0)


@hookimpl
def register_scorers():
    return [Sleeps()]
