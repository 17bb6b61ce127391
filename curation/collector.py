"""Pausing Python's cyclic garbage collector while a large, acyclic model is built.

Reading a map and auditing it create tens of thousands of small immutable objects that
hold no reference cycles. Each generation-0 collection would walk them all again, so the
cost of loading grows faster than the map; with the collector paused it stays linear
(bench/run.py shows the per-reaction cost growing by a quarter at 50,000 reactions
otherwise). Reference counting still frees everything as usual.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is back on after, if it was on before."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
