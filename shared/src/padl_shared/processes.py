"""Which process opened a run or a staging folder, and whether it is still alive: how a later run tells
what a SIGKILL left behind from what another run is still writing."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def this_process() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_gone(owner: str) -> bool:
    """Whether ``owner`` (``host:pid``, or a bare pid on this host) names a process of this machine that has
    ended; False when it is alive, on another machine, or unreadable."""
    host, _, pid = owner.rpartition(":")
    if (host and host != socket.gethostname()) or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return _zombie(int(pid))


def _zombie(pid: int) -> bool:
    """A process that has ended but that no parent has reaped yet (Linux; elsewhere, False)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"
