"""Paths named in ``crsmap.toml`` must stay inside the project, also through symbolic links.

``crsmap.toml`` is checked lexically when it is read (no absolute paths, no ``..``); a
symbolic link (the map file itself, or a folder such as ``maps/``) can still lead out of
the project, and crsmap rewrites map files, so every read and write goes through
:func:`contained` first.
"""

from __future__ import annotations

from pathlib import Path

from .config import CONFIG_FILE
from .errors import InputError


def contained(root: Path, relative: str, key: str) -> Path:
    """``root / relative`` when it resolves, links followed, to a path inside ``root``.

    ``key`` is the ``[map]`` setting that named the path (``files``, ``license_file``),
    for the message.
    """
    path = Path(root) / relative
    try:
        inside = Path(root).resolve()
        resolved = path.resolve()
    except (OSError, RuntimeError) as exc:  # a loop of symbolic links
        raise InputError(
            f"{CONFIG_FILE}: [map] {key} {relative!r} cannot be resolved ({exc}); "
            "expected a file inside the project folder"
        ) from None
    if resolved == inside:
        raise InputError(
            f"{CONFIG_FILE}: [map] {key} {relative!r} is the project folder itself; "
            "expected a file inside it"
        )
    if not resolved.is_relative_to(inside):
        raise InputError(
            f"{CONFIG_FILE}: [map] {key} {relative!r} resolves to {resolved}, outside the "
            "project folder; expected a file inside it (not a symbolic link that leaves it)"
        )
    return path
