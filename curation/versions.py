"""Release versions: SemVer ``MAJOR.MINOR.PATCH`` or CalVer ``YYYY.MM[.N]``."""

from __future__ import annotations

import re
import unicodedata

from .errors import InputError

# ASCII digits only: a version becomes a git tag and a file name, where look-alike digits
# from other scripts would make a second, different "1.0.0".
_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", re.ASCII)
_CALVER = re.compile(r"(\d{4})\.(0[1-9]|1[0-2])(?:\.(0|[1-9]\d*))?", re.ASCII)
BUMPS = ("major", "minor", "patch")
MAX_VERSION_LENGTH = 64
EXPECTED = (
    "expected SemVer MAJOR.MINOR.PATCH (e.g. 1.2.0) or CalVer YYYY.MM[.N] (e.g. 2026.11), "
    "with an optional leading v and no spaces"
)


def _shown(text: str) -> str:
    """The value as the user can see it in one line, however long it is."""
    if len(text) <= 2 * MAX_VERSION_LENGTH:
        return repr(text)
    return f"{text[:MAX_VERSION_LENGTH]!r}… ({len(text)} characters)"


def parse_version(text: str) -> tuple[int, ...]:
    """A comparable key for a version; InputError for anything else.

    Nothing is stripped: the version names a git tag, a CHANGELOG section and a bundle, so
    ``"1.1.0 "`` is refused rather than quietly becoming a second spelling of 1.1.0.
    """
    if len(text) > MAX_VERSION_LENGTH:
        raise InputError(
            f"invalid version {_shown(text)}: longer than {MAX_VERSION_LENGTH} characters; {EXPECTED}"
        )
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise InputError(
            f"invalid version {_shown(text)}: it contains whitespace or a control character; "
            f"{EXPECTED}"
        )
    raw = text.removeprefix("v")
    calver = _CALVER.fullmatch(raw)
    if calver and int(calver.group(1)) >= 1900:
        return (int(calver.group(1)), int(calver.group(2)), int(calver.group(3) or 0))
    semver = _SEMVER.fullmatch(raw)
    if semver:
        return tuple(int(g) for g in semver.groups())
    raise InputError(f"invalid version {_shown(text)}: {EXPECTED}")


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
