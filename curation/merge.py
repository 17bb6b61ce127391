"""A record-level three-way merge for the ledgers, run by git as a merge driver.

Curators work on branches. Git's line merge conflicts whenever two branches add records
next to each other in a sorted file, which is the common case. Here each file is read as
records keyed by their natural key, merged record by record, and written back sorted:
records added or removed on either side merge cleanly, and only a record changed
differently on both sides is a conflict, marked around that record alone.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .identifiers import reference_key
from .ledger import (
    EVIDENCE_COLUMNS,
    EVIDENCE_FILE,
    INTERACTION_COLUMNS,
    INTERACTIONS_FILE,
    natural_key,
)

CACHE_FILE = "literature.jsonl"
DRIVER_NAME = "crsmap"
MERGED_FILES = (EVIDENCE_FILE, INTERACTIONS_FILE, CACHE_FILE)


@dataclass(frozen=True)
class Format:
    """How to split a ledger into keyed records and put it back together."""

    header: str | None
    key: Callable[[str], tuple]


def _evidence_key(line: str) -> tuple:
    cells = line.split("\t")
    return (natural_key(cells[0]), natural_key(reference_key(cells[1]) if len(cells) > 1 else ""))


def _interaction_key(line: str) -> tuple:
    return natural_key(line.split("\t")[0])


def _cache_key(line: str) -> tuple:
    return (json.loads(line).get("id", ""),)


FORMATS = {
    EVIDENCE_FILE: Format("\t".join(EVIDENCE_COLUMNS), _evidence_key),
    INTERACTIONS_FILE: Format("\t".join(INTERACTION_COLUMNS), _interaction_key),
    CACHE_FILE: Format(None, _cache_key),
}


class Unmergeable(Exception):
    """A version that cannot be read as records; git's line merge takes over."""


def _records(text: str, fmt: Format) -> dict[tuple, list[str]]:
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    if fmt.header is not None:
        if not lines:
            return {}
        if lines[0] != fmt.header:
            raise Unmergeable("unexpected header")
        lines = lines[1:]
    records: dict[tuple, list[str]] = {}
    for line in lines:
        if not line.strip():
            continue
        if line.startswith(("<<<<<<<", "=======", ">>>>>>>")):
            raise Unmergeable("conflict markers")
        try:
            key = fmt.key(line)
        except (ValueError, AttributeError):
            raise Unmergeable(f"unreadable record {line[:60]!r}") from None
        records.setdefault(key, []).append(line)
    return records


def merge_texts(
    base: str, ours: str, theirs: str, fmt: Format, labels=("ours", "theirs")
) -> tuple[str, int]:
    """(merged text, number of conflicting records)."""
    o, a, b = (_records(t, fmt) for t in (base, ours, theirs))
    out: list[str] = [] if fmt.header is None else [fmt.header]
    conflicts = 0
    for key in sorted(set(o) | set(a) | set(b)):
        was, mine, other = o.get(key), a.get(key), b.get(key)
        if mine == other:
            chosen = mine
        elif mine == was:
            chosen = other
        elif other == was:
            chosen = mine
        else:
            conflicts += 1
            out += [
                f"<<<<<<< {labels[0]}",
                *(mine or []),
                "=======",
                *(other or []),
                f">>>>>>> {labels[1]}",
            ]
            continue
        out += chosen or []
    return "\n".join(out) + "\n" if out else "", conflicts


def format_for(path: str | None, text: str) -> Format | None:
    """The ledger format of a file, from its name (``%P``) or its header."""
    if path:
        name = Path(path).name
        if name in FORMATS:
            return FORMATS[name]
    first = text.split("\n", 1)[0].removesuffix("\r")
    for fmt in FORMATS.values():
        if fmt.header is not None and first == fmt.header:
            return fmt
    if first.startswith("{"):
        return FORMATS[CACHE_FILE]
    return None


def merge_files(base: Path, ours: Path, theirs: Path, path: str | None = None) -> int:
    """Merge into ``ours`` as git expects of a driver: 0 when clean, 1 with conflicts."""
    from .storage import atomic_write_text

    texts = [
        Path(p).read_bytes().decode("utf-8", "replace").removeprefix("\ufeff")
        for p in (base, ours, theirs)
    ]
    fmt = format_for(path, texts[1] or texts[2] or texts[0])
    try:
        if fmt is None:
            raise Unmergeable("not a crsmap ledger")
        merged, conflicts = merge_texts(*texts, fmt)
    except Unmergeable:
        # Fall back to git's own line merge, which writes its usual markers.
        result = subprocess.run(
            [
                "git",
                "merge-file",
                "-L",
                "ours",
                "-L",
                "base",
                "-L",
                "theirs",
                str(ours),
                str(base),
                str(theirs),
            ],
            capture_output=True,
        )
        return 0 if result.returncode == 0 else 1
    atomic_write_text(Path(ours), merged)
    return 1 if conflicts else 0


def install(repo, root: Path) -> list[str]:
    """Register the driver in the repository's git config and the ledgers' attributes."""
    from .scaffold import GITATTRIBUTES, merged_lines
    from .storage import atomic_write_text

    with repo.config_writer() as config:
        config.set_value(f'merge "{DRIVER_NAME}"', "name", "crsmap record-level ledger merge")
        config.set_value(f'merge "{DRIVER_NAME}"', "driver", "crsmap merge-driver %O %A %B %P")
    done = ["git config merge.crsmap.driver"]
    merged = merged_lines(Path(root) / ".gitattributes", GITATTRIBUTES)
    if merged is not None:
        atomic_write_text(Path(root) / ".gitattributes", merged)
        done.append(".gitattributes")
    return done
