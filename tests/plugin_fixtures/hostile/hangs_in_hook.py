"""A registration hook that hangs (until RELEASE is set, at most a minute)."""

import threading

from fsdl_tui import hookimpl

RELEASE = threading.Event()


@hookimpl
def register_scorers():
    RELEASE.wait(60)
    return []
