"""The one exception family of crsmap; the CLI maps each class to an exit code."""

from __future__ import annotations


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


class CheckFailed(CrsmapError):
    """A check ran and found problems (exit 1)."""

    exit_code = 1


class InternalError(CrsmapError):
    """A bug in crsmap caught by one of its own consistency checks (exit 70, EX_SOFTWARE)."""

    exit_code = 70
