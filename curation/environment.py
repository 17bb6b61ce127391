"""Settings read from environment variables, checked like any other input.

The rules live in :mod:`literature.environment`, the lowest layer, which reads settings too.
"""

from __future__ import annotations

from literature.environment import seconds

__all__ = ["seconds"]
