"""Release versions: SemVer ``MAJOR.MINOR.PATCH`` or CalVer ``YYYY.MM[.N]``."""

from __future__ import annotations

import re

from .errors import InputError

_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
_CALVER = re.compile(r"(\d{4})\.(0[1-9]|1[0-2])(?:\.(0|[1-9]\d*))?")
BUMPS = ("major", "minor", "patch")


def parse_version(text: str) -> tuple[int, ...]:
    """A comparable key for a version; InputError for anything else."""
    raw = text.strip().removeprefix("v")
    calver = _CALVER.fullmatch(raw)
    if calver and int(calver.group(1)) >= 1900:
        return (int(calver.group(1)), int(calver.group(2)), int(calver.group(3) or 0))
    semver = _SEMVER.fullmatch(raw)
    if semver:
        return tuple(int(g) for g in semver.groups())
    raise InputError(
        f"invalid version {text!r}: expected SemVer MAJOR.MINOR.PATCH (e.g. 1.2.0) "
        "or CalVer YYYY.MM[.N] (e.g. 2026.11)"
    )


def bump(previous: str | None, part: str) -> str:
    """The next version after ``previous`` (1.0.0 when there is none)."""
    if part not in BUMPS:
        raise InputError(f"invalid --bump {part!r}: expected one of {', '.join(BUMPS)}")
    if previous is None:
        return "1.0.0" if part != "patch" else "0.0.1"
    major, minor, patch = parse_version(previous)
    if _CALVER.fullmatch(previous) and major >= 1900:
        raise InputError(
            f"--bump works on SemVer versions; the last release is CalVer {previous}: give the version"
        )
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"
