"""The one exception family of crsmap; the CLI maps each class to an exit code.

The root and the input and outside errors live in :mod:`literature.errors`, the lowest
layer, so that a failure raised there is caught here by the same class.
"""

from __future__ import annotations

from literature.errors import CrsmapError, InputError, OutsideError

__all__ = ["CheckFailed", "CrsmapError", "InputError", "InternalError", "OutsideError"]


class CheckFailed(CrsmapError):
    """A check ran and found problems (exit 1)."""

    exit_code = 1


class InternalError(CrsmapError):
    """A bug in crsmap caught by one of its own consistency checks (exit 70, EX_SOFTWARE)."""

    exit_code = 70
