"""The root of crsmap's one exception family, and the problem record of a lenient read.

The family starts here, in the lowest layer, so that ``literature`` needs nothing above
it and ``curation`` and the CLI catch literature's failures with the very same classes:
``curation.errors`` re-exports these and adds the check failure and the internal error.
"""

from __future__ import annotations

from dataclasses import dataclass


class CrsmapError(Exception):
    """Base class of every error crsmap reports to a user as one line.

    ``details`` are further lines (e.g. each problem a check found), printed after it.
    """

    exit_code = 2

    def __init__(self, message: str = "", details: tuple[str, ...] | list[str] = ()):
        super().__init__(message)
        self.details = tuple(details)


class InputError(CrsmapError):
    """Bad input or usage: a value, file or argument the user can correct (exit 2)."""

    exit_code = 2


class OutsideError(CrsmapError):
    """A failure outside crsmap's control, such as git or the network (exit 3)."""

    exit_code = 3


@dataclass(frozen=True)
class LineProblem:
    """A malformed line of a file, located by file name and 1-based line number."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"
