"""Settings read from environment variables, checked like any other input.

``curation.environment`` re-exports these: the rules are shared by every layer.
"""

from __future__ import annotations

import math
import os

from .errors import InputError


def seconds(
    name: str, default: float, allow_zero: bool = True, maximum: float | None = None
) -> float:
    """A duration in seconds from ``name``, or ``default`` when it is unset or empty.

    ``nan`` is never a duration; with a ``maximum``, neither is anything above it
    (``inf`` included): timers and sockets refuse such values with a traceback.
    """
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{name}={text!r}: expected a number of seconds") from None
    if math.isnan(value) or value < 0 or (value == 0 and not allow_zero):
        raise InputError(
            f"{name}={text!r}: expected a number of seconds {'>= 0' if allow_zero else '> 0'}"
        )
    if maximum is not None and value > maximum:
        raise InputError(f"{name}={text!r}: expected at most {maximum:g} seconds")
    return value
