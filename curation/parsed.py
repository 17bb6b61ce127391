"""Large ledgers and ``literature.jsonl``, kept parsed on disk by content hash.

The audit of a project of 10,000 interactions reads 30,000 evidence records and as many
citations. Parsing them line by line, every field checked, was most of its time, and
these files are read far more often than they change. So, like a map
(:mod:`curation.mapcache`), what the parser returned for each of these files of at least
:data:`MIN_BYTES` is kept in ``.crsmap-cache/files/`` under

- the sha256 of the file's bytes,
- a digest of the code that parses it (and of the Python that wrote the entry),
- for a ledger, the day it was read: a date in the future is a line problem until that
  day comes.

An entry holds exactly what the parser returned, the records and the line problems both,
so a command reads the same with the cache as without it. Entries are checked as the map
cache's are (a checksum, then every column's types) and rebuilt silently when stale or
damaged; :data:`KEEP` versions of each file are kept. Smaller files are parsed every
time: they parse faster than an entry loads. ``CRSMAP_CACHE=off`` turns this off too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

from literature.errors import LineProblem
from literature.files import decode_text, read_text

from .collector import collector_paused
from .ledger import LedgerContent, read_ledger_file
from .mapcache import (
    cache_folder,
    check_columns,
    code_digest,
    file_digest,
    instances,
    named_tuples,
    read_value,
    shared,
    write_value,
)

MIN_BYTES = 64 * 1024
KEEP = 3  # entries per file name: this version of the file and two before it
PART = "files"
_PROBLEM_KINDS = ("text", "int", "text")


def read_ledger(
    path: Path,
    parse: Callable[..., LedgerContent],
    record_type: type,
    today: dt.date | None,
    root: Path,
) -> LedgerContent:
    """``parse(text, name, today)`` of a ledger file, through the cache of ``root``'s project.

    ``record_type`` is the dataclass ``parse`` makes (all of its fields text). A missing
    file reads as an empty ledger, as :func:`curation.ledger.read_ledger_file` reads it.
    """
    path, folder = Path(path), cache_folder(root)
    digest = _digest(path, folder) if folder is not None else None
    if digest is None:
        return read_ledger_file(path, parse, today)
    key, data = digest
    day = today.isoformat() if today is not None else "any"
    modules = ("ledger", "identifiers", "literature/errors")
    entry = _entry(folder, path, key, modules, day)
    names = tuple(f.name for f in fields(record_type))
    with collector_paused():  # thousands of small objects and no cycle: no pass over them
        content = _load_ledger(entry, record_type, names, day)
    if content is None:
        if data is None:  # unchanged since its stamp, but not in the cache: read it now
            data = _read(path, "ledger")
            entry = _entry(folder, path, hashlib.sha256(data).hexdigest(), modules, day)
        content = parse(decode_text(data, path), path.name, today)
        _store_ledger(entry, content, names, day)
    return content


def _load_ledger(entry: Path, record_type: type, names: tuple, day: str) -> LedgerContent | None:
    try:
        kind, stored_names, stored_day, columns, problems = read_value(entry)
        if kind != "ledger" or stored_names != names or stored_day != day:
            return None
        columns = check_columns(columns, ("text",) * len(names) + ("int",))
        problems = check_columns(problems, _PROBLEM_KINDS)
    except (ValueError, TypeError):  # None, or a value of another shape
        return None
    *values, lines = columns  # the records hold exactly the cells the parser was given
    records = list(instances(record_type, names, values))
    return LedgerContent(records, _problems(problems), dict(enumerate(lines)))


def _store_ledger(entry: Path, content: LedgerContent, names: tuple, day: str) -> None:
    records = content.records
    columns = [tuple(getattr(r, name) for r in records) for name in names]
    columns.append(tuple(content.lines[i] for i in range(len(records))))
    value = ("ledger", names, day, shared(columns), _problem_columns(content.problems))
    write_value(entry, value, KEEP, like=f"{entry.name.split('-', 1)[0]}-*.bin")


def read_citations(root: Path, problems: list[LineProblem] | None = None) -> dict:
    """``literature.jsonl`` of ``root``'s project as :func:`literature.cache.read_cache` reads it.

    With ``problems`` a broken line is recorded there and skipped; without, it is an
    :class:`~literature.errors.InputError` (both exactly as the parser does).
    """
    from literature.cache import CACHE_FILE, parse_cache, read_cache
    from literature.model import Citation

    path, folder = Path(root) / CACHE_FILE, cache_folder(root)
    digest = _digest(path, folder) if folder is not None else None
    if digest is None:
        return read_cache(path, problems)
    key, data = digest
    modules = ("literature/cache", "literature/model", "literature/errors")
    entry = _entry(folder, path, key, modules, "")
    names = tuple(f.name for f in fields(Citation))
    with collector_paused():
        loaded = _load_citations(entry, names)
    if loaded is not None:
        citations, stored = loaded
        if not stored or problems is not None:  # a strict read of a broken file parses it
            if problems is not None:
                problems.extend(stored)
            return citations
    if data is None:  # unchanged since its stamp, but not in the cache: read it now
        data = _read(path, "literature cache")
        entry = _entry(folder, path, hashlib.sha256(data).hexdigest(), modules, "")
    text = decode_text(data, path)
    found = []
    citations = parse_cache(text, path.name, found)
    _store_citations(entry, citations, found, names)
    if found and problems is None:
        return parse_cache(text, path.name)  # raises as it always did
    if problems is not None:
        problems.extend(found)
    return citations


# The columns of a citation entry, by field of Citation.
_CITATION_KINDS = {
    "pmid": "text?",
    "pmcid": "text?",
    "doi": "text?",
    "authors": "pairs",
    "year": "int?",
    "pubtypes": "texts",
    "retracted": "bool",
    "notices": "pairs",
}


def _load_citations(entry: Path, names: tuple) -> tuple[dict, list[LineProblem]] | None:
    from literature.model import Author, Citation, Notice

    try:
        kind, stored_names, columns, problems = read_value(entry)
        if kind != "citations" or stored_names != names:
            return None
        kinds = tuple(_CITATION_KINDS.get(name, "text") for name in names)
        columns = list(check_columns(columns, kinds))
        problems = check_columns(problems, _PROBLEM_KINDS)
    except (ValueError, TypeError):
        return None
    for name, named in (("authors", Author), ("notices", Notice)):  # checked as text pairs
        i = names.index(name)
        columns[i] = named_tuples(named, columns[i])
    ids = columns[names.index("id")]
    citations = dict(zip(ids, instances(Citation, names, columns), strict=True))
    if len(citations) != len(ids):
        return None  # two citations with one id: not what the parser keeps
    return citations, _problems(problems)


def _store_citations(entry: Path, citations: dict, problems: list, names: tuple) -> None:
    values = citations.values()
    columns = []
    for name in names:
        column = tuple(getattr(c, name) for c in values)
        if name in ("authors", "notices"):  # named tuples are marshalled as plain ones
            column = tuple(tuple(map(tuple, pairs)) for pairs in column)
        columns.append(column)
    value = ("citations", names, shared(columns), _problem_columns(problems))
    write_value(entry, value, KEEP, like=f"{entry.name.split('-', 1)[0]}-*.bin")


def _digest(path: Path, folder: Path) -> tuple[str, bytes | None] | None:
    """The file's digest (and bytes, when they were read) if it is large enough to be worth
    an entry; None for a smaller file, or one that is missing or unreadable (the plain
    reader then says so, as always)."""
    try:
        if path.stat().st_size < MIN_BYTES:
            return None
        return file_digest(path, folder, Path.read_bytes)
    except OSError:
        return None


def _read(path: Path, what: str) -> bytes:
    """The file's bytes, read now. Its entry is then named by their own digest, not by its
    stamp's: the file may have changed since the stamp was looked at, and an entry must
    hold what its name says."""
    try:
        return path.read_bytes()
    except OSError:
        read_text(path, what)  # raises the plain reader's one-line error
        raise


def _entry(folder: Path, path: Path, key: str, modules: tuple, extra: str) -> Path:
    name = path.name.replace("-", "_")  # "-" separates the parts of an entry's name
    suffix = f"-{extra}" if extra else ""
    return folder / PART / f"{name}-{key}-{code_digest(*modules)}{suffix}.bin"


def _problems(columns: tuple) -> list[LineProblem]:
    return list(map(LineProblem, *columns)) if columns[0] else []


def _problem_columns(problems: list[LineProblem]) -> tuple:
    return (
        tuple(p.file for p in problems),
        tuple(p.line for p in problems),
        tuple(p.message for p in problems),
    )
