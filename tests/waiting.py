"""Waiting, in tests, for something another thread or process does."""
from __future__ import annotations

import time


def wait_for(condition, timeout: float = 30, every: float = 0.1) -> bool:
    """True as soon as `condition()` is, False if it is still not after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False
