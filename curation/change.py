"""What a command did, as returned by every writing method of the library."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """A one-line summary, the files written (relative to the project) and the commit made."""

    summary: str
    written: tuple[str, ...] = ()
    commit: str | None = None
    skipped: tuple[str, ...] = ()
