"""Atomic, locked writes: a crash or a second crsmap never leaves a half-written file.

The atomic writer and the checked reader live in :mod:`literature.files` (the literature
cache uses them too) and are re-exported here; the project lock is curation's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from literature.files import TEMP_PREFIX, atomic_write_bytes, atomic_write_text, read_text

from .errors import OutsideError

__all__ = [
    "LOCK_NAME",
    "LOCK_TIMEOUT_SECONDS",
    "TEMP_PREFIX",
    "atomic_write_bytes",
    "atomic_write_text",
    "lock_timeout",
    "project_lock",
    "read_text",
]

LOCK_NAME = ".crsmap.lock"
LOCK_TIMEOUT_SECONDS = 60.0


def lock_timeout() -> float:
    """Seconds to wait for the project lock: ``CRSMAP_LOCK_TIMEOUT`` or one minute."""
    from .environment import seconds

    return seconds("CRSMAP_LOCK_TIMEOUT", LOCK_TIMEOUT_SECONDS)


@contextlib.contextmanager
def project_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Serialise crsmap processes that write to the same project."""
    from filelock import FileLock, Timeout

    if timeout is None:
        timeout = lock_timeout()

    lock = FileLock(str(Path(root) / LOCK_NAME), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise OutsideError(
            f"another crsmap process holds {Path(root) / LOCK_NAME} (waited {timeout:g} s); "
            "try again when it has finished"
        ) from None
    try:
        yield
    finally:
        lock.release()
