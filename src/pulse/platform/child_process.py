"""What each helper process the product starts (the PDF render pool, the analysts' SQL
worker) does first, so stopping the product is quiet and leaves nothing behind."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from multiprocessing.connection import wait


def follow_parent() -> None:
    """Leave Ctrl-C to the parent, and end with it.

    A terminal's Ctrl-C reaches the whole process group: the parent stops its helpers in
    order, so a helper ignores it (else it prints a KeyboardInterrupt traceback). A parent
    that dies without stopping them (SIGKILL, the out-of-memory killer) would leave them
    running as orphans, each with the multiprocessing resource tracker it keeps alive: a
    thread here waits on the parent's sentinel and ends the process when the parent is gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


PR_SET_NAME = 15


def name_process(name: str) -> None:
    """The name `ps -o comm`, top and /proc/<pid>/comm show for this process (Linux; at
    most 15 bytes), so an operator can tell the server's processes apart."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NAME, name.encode()[:15])
