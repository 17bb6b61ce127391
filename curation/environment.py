"""Settings read from environment variables, checked like any other input."""

from __future__ import annotations

import os

from .errors import InputError


def seconds(name: str, default: float, allow_zero: bool = True) -> float:
    """A duration in seconds from ``name``, or ``default`` when it is unset or empty."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{name}={text!r}: expected a number of seconds") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise InputError(
            f"{name}={text!r}: expected a number of seconds {'>= 0' if allow_zero else '> 0'}"
        )
    return value
