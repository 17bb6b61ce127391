"""A record-level three-way merge for the ledgers, run by git as a merge driver.

Curators work on branches. Git's line merge conflicts whenever two branches add records
next to each other in a sorted file, which is the common case. Here each file is read as
records keyed by their natural key, merged record by record, and written back sorted:
records added or removed on either side merge cleanly, and only a record changed
differently on both sides is a conflict, marked around that record alone. A line that
cannot be keyed (a cache line that is not an object with a text ``id``) is never dropped
or guessed at: it is kept verbatim as a conflict of its own, after the records.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from literature.cache import CACHE_FILE

from .identifiers import reference_key
from .ledger import (
    EVIDENCE_COLUMNS,
    EVIDENCE_FILE,
    INTERACTION_COLUMNS,
    INTERACTIONS_FILE,
    REJECTED_COLUMNS,
    REJECTED_FILE,
    natural_key,
)

DRIVER_NAME = "crsmap"
MERGED_FILES = (EVIDENCE_FILE, INTERACTIONS_FILE, REJECTED_FILE, CACHE_FILE)


@dataclass(frozen=True)
class Format:
    """How to split a ledger into keyed records and put it back together.

    ``key`` raises :class:`Unkeyed` for a line it cannot key. ``reconcile`` may settle two
    versions of a record that differ on both sides (``None``: they conflict).
    """

    header: str | None
    key: Callable[[str], tuple]
    reconcile: Callable[[list[str], list[str]], list[str] | None] | None = None


class Unkeyed(ValueError):
    """A line that has no key: it is kept verbatim, as a conflict of its own."""


def _evidence_key(line: str) -> tuple:
    cells = line.split("\t")
    return (natural_key(cells[0]), natural_key(reference_key(cells[1]) if len(cells) > 1 else ""))


def _interaction_key(line: str) -> tuple:
    return natural_key(line.split("\t")[0])


def _cache_object(line: str) -> dict:
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        raise Unkeyed("not JSON") from None
    # Any other id (a number, null, a list, none at all) cannot be ordered or compared
    # with the others: sorting it crashed the driver, and an absent id merged silently.
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise Unkeyed("no text id")
    return data


def _cache_key(line: str) -> tuple:
    return (_cache_object(line)["id"],)


def _fetched_at(data: dict) -> dt.datetime | None:
    try:
        stamp = dt.datetime.fromisoformat(data["fetched"])
    except (KeyError, TypeError, ValueError):
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _later_fetch(mine: list[str], other: list[str]) -> list[str] | None:
    """One reference fetched on both sides with the same metadata: the later fetch."""
    if len(mine) != 1 or len(other) != 1:
        return None
    a, b = _cache_object(mine[0]), _cache_object(other[0])
    if {k: v for k, v in a.items() if k != "fetched"} != {
        k: v for k, v in b.items() if k != "fetched"
    }:
        return None
    when_a, when_b = _fetched_at(a), _fetched_at(b)
    if when_a is None or when_b is None:
        return None  # no time to go by: say so rather than pick one
    return other if when_b > when_a else mine


FORMATS = {
    EVIDENCE_FILE: Format("\t".join(EVIDENCE_COLUMNS), _evidence_key),
    INTERACTIONS_FILE: Format("\t".join(INTERACTION_COLUMNS), _interaction_key),
    # Keyed like evidence.tsv: one rejection per (interaction, reference).
    REJECTED_FILE: Format("\t".join(REJECTED_COLUMNS), _evidence_key),
    CACHE_FILE: Format(None, _cache_key, _later_fetch),
}


class Unmergeable(Exception):
    """A version that cannot be read as records; git's line merge takes over."""


def _records(text: str, fmt: Format) -> tuple[dict[tuple, list[str]], dict[str, list[str]]]:
    """Records by key, and the lines without a key by their text."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    if fmt.header is not None:
        if not lines:
            return {}, {}
        if lines[0] != fmt.header:
            raise Unmergeable("unexpected header")
        lines = lines[1:]
    records: dict[tuple, list[str]] = {}
    unkeyed: dict[str, list[str]] = {}
    for line in lines:
        if not line.strip():
            continue
        if line.startswith(("<<<<<<<", "=======", ">>>>>>>")):
            raise Unmergeable("conflict markers")
        try:
            key = fmt.key(line)
        except Unkeyed:
            unkeyed.setdefault(line, []).append(line)
            continue
        except (ValueError, AttributeError):
            raise Unmergeable(f"unreadable record {line[:60]!r}") from None
        records.setdefault(key, []).append(line)
    return records, unkeyed


def _three_way(was, mine, other) -> tuple[list[str] | None, bool]:
    """(the merged version of one record, whether it conflicts)."""
    if mine == other:
        return mine, False
    if mine == was:
        return other, False
    if other == was:
        return mine, False
    return None, True


def merge_texts(
    base: str, ours: str, theirs: str, fmt: Format, labels=("ours", "theirs")
) -> tuple[str, int]:
    """(merged text, number of conflicting records).

    Lines without a key are matched by their exact text. One that a side removed while
    the other left it alone is gone; any other is written after the records, verbatim,
    between conflict markers, so that a person looks at it.
    """
    (o, o_bad), (a, a_bad), (b, b_bad) = (_records(t, fmt) for t in (base, ours, theirs))
    out: list[str] = [] if fmt.header is None else [fmt.header]
    conflicts = 0

    def conflict(mine, other) -> None:
        nonlocal conflicts
        conflicts += 1
        out.extend([
            f"<<<<<<< {labels[0]}", *(mine or []), "=======", *(other or []), f">>>>>>> {labels[1]}",
        ])  # fmt: skip

    for key in sorted(set(o) | set(a) | set(b)):
        was, mine, other = o.get(key), a.get(key), b.get(key)
        chosen, clash = _three_way(was, mine, other)
        if clash and mine and other and fmt.reconcile is not None:
            chosen = fmt.reconcile(mine, other)
            clash = chosen is None
        if clash:
            conflict(mine, other)
        else:
            out += chosen or []
    for line in dict.fromkeys([*a_bad, *b_bad]):  # in order of appearance, ours first
        mine, other = a_bad.get(line), b_bad.get(line)
        chosen, clash = _three_way(o_bad.get(line), mine, other)
        if chosen or clash:
            conflict(mine, other)
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
