"""``literature.jsonl``: one citation per line, sorted by id, keys sorted (docs/formats.md)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path

from .errors import InputError, LineProblem
from .files import atomic_write_text, read_text
from .identifiers import quoted
from .model import NOTICE_TYPES, SOURCES, STATUSES, Author, Citation, Notice

CACHE_FILE = "literature.jsonl"


def read_cache(path: Path, problems: list[LineProblem] | None = None) -> dict[str, Citation]:
    """Citations by reference id; a missing file is an empty cache.

    A corrupt line is an :class:`InputError` (exit 2), or, when a ``problems`` list is
    given, is recorded there and skipped (the audit reports them all).
    """
    path = Path(path)
    if not path.exists():
        return {}
    return parse_cache(read_text(path, "literature cache"), path.name, problems)


def parse_cache(
    text: str, name: str = CACHE_FILE, problems: list[LineProblem] | None = None
) -> dict[str, Citation]:
    """Parse the text of ``literature.jsonl`` (from a file or a git revision)."""
    citations: dict[str, Citation] = {}
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line_start, start = start, start + len(line) + 1
        if not line.strip():
            continue
        # Read in place, without json.loads's wrapping of each line: one JSON value that
        # fills its line (trailing JSON whitespace aside) and lays out a citation as crsmap
        # writes it. Any other line goes through json.loads and _problem, which judge and
        # name it as always.
        try:
            data, end = _SCAN(text, line_start)
        except (StopIteration, ValueError, RecursionError):
            end = -1
        filled = end == line_start + len(line.rstrip(" \t\r"))
        citation = _citation(data) if filled else None
        if citation is None:
            data, problem = _decoded(line)
            if problem:
                if problems is None:
                    raise InputError(f"{name}:{number}: {problem}; run `crsmap fetch --refresh`")
                problems.append(LineProblem(name, number, problem))
                continue
            citation = Citation.from_json(data)
        citations[citation.id] = citation
    return citations


# One value at a position of a text: the scanner json.loads itself runs on each line.
_SCAN = json.JSONDecoder().scan_once


def _decoded(line: str) -> tuple[object, str | None]:
    """A line as json.loads reads it, and why it is not a citation record (or None)."""
    try:
        data = json.loads(line)
    except ValueError as exc:
        return None, f"invalid JSON ({getattr(exc, 'msg', exc)})"
    except RecursionError:
        return None, "invalid JSON (nested too deeply)"
    return data, _problem(data)


_TEXT_FIELDS = ("title", "journal", "volume", "issue", "pages", "fetched")
_OPTIONAL_TEXT = ("pmid", "pmcid", "doi")

# A line as render_line writes it: every field, keys sorted (_citation unpacks them so).
_LAYOUT = tuple(sorted(Citation.__dataclass_fields__))
_AUTHOR_LAYOUT = ("family", "given")
_NOTICE_LAYOUT = ("id", "type")
_TEXT = frozenset({str})


def _citation(data) -> Citation | None:
    """The citation of a record laid out as crsmap writes it, or None for any other record.

    What it returns passes every check of :func:`_problem` and equals what
    :meth:`Citation.from_json` makes; anything else (another key order, a key missing or
    added, a value of another type) is left to them, to be judged and named as always.
    Types are compared exactly: json.loads makes a str, never a subclass of one.
    """
    if type(data) is not dict or tuple(data) != _LAYOUT:
        return None
    (
        authors, doi, fetched, id_, issue, journal, notices, pages, pmcid, pmid, pubtypes,
        retracted, source, status, title, volume, year,
    ) = data.values()  # fmt: skip
    if not (
        type(id_) is str
        and ":" in id_
        and status in STATUSES
        and source in SOURCES
        and type(title) is str
        and type(journal) is str
        and type(volume) is str
        and type(issue) is str
        and type(pages) is str
        and type(fetched) is str
        and (pmid is None or type(pmid) is str)
        and (pmcid is None or type(pmcid) is str)
        and (doi is None or type(doi) is str)
        and type(retracted) is bool
        and (year is None or type(year) is int)
        and type(authors) is list
        and type(notices) is list
        and type(pubtypes) is list
        and _TEXT.issuperset(map(type, pubtypes))
    ):
        return None
    names = []
    for author in authors:
        if type(author) is not dict or tuple(author) != _AUTHOR_LAYOUT:
            return None
        name = _new_tuple(Author, author.values())
        if type(name.family) is not str or type(name.given) is not str:
            return None
        names.append(name)
    linked = []
    for notice in notices:
        if type(notice) is not dict or tuple(notice) != _NOTICE_LAYOUT:
            return None
        notice_id, notice_type = notice.values()
        if type(notice_id) is not str or notice_type not in NOTICE_TYPES:
            return None
        linked.append(Notice(notice_type, notice_id))
    # A new dict rather than the parsed one: its keys are the field names themselves, not
    # 17 strings of the line's own for every citation kept.
    return Citation.from_fields(
        {
            "id": id_,
            "status": status,
            "source": source,
            "fetched": fetched,
            "pmid": pmid,
            "pmcid": pmcid,
            "doi": doi,
            "title": title,
            "authors": tuple(names),
            "journal": journal,
            "year": year,
            "volume": volume,
            "issue": issue,
            "pages": pages,
            "pubtypes": tuple(pubtypes),
            "retracted": retracted,
            "notices": tuple(linked),
        }
    )


# Author(family, given) without the Python-level __new__ of a named tuple: the values of an
# author object laid out as checked are exactly (family, given).
_new_tuple = tuple.__new__


def _problem(data) -> str | None:
    """Why a parsed line is not a citation record, or None; every field's type is checked."""
    if not isinstance(data, dict):
        return "expected a JSON object"
    if not isinstance(data.get("id"), str) or ":" not in data["id"]:
        return "missing or invalid 'id'"
    if data.get("status") not in STATUSES:
        return f"status {quoted(str(data.get('status')))} is not one of {', '.join(STATUSES)}"
    if data.get("source") not in SOURCES:
        return f"source {quoted(str(data.get('source')))} is not one of {', '.join(SOURCES)}"
    for key in _TEXT_FIELDS:
        if not isinstance(data.get(key, ""), str):
            return f"{key} must be text"
    for key in _OPTIONAL_TEXT:
        if data.get(key) is not None and not isinstance(data[key], str):
            return f"{key} must be text or null"
    authors = data.get("authors", [])
    if not isinstance(authors, list) or not all(
        isinstance(a, dict)
        and isinstance(a.get("family", ""), str)
        and isinstance(a.get("given", ""), str)
        for a in authors
    ):
        return "authors must be a list of {family, given} objects"
    pubtypes = data.get("pubtypes", [])
    if not isinstance(pubtypes, list) or not all(isinstance(p, str) for p in pubtypes):
        return "pubtypes must be a list of text"
    notices = data.get("notices", [])
    if not isinstance(notices, list):
        return "notices must be a list"
    for notice in notices:
        if (
            not isinstance(notice, dict)
            or notice.get("type") not in NOTICE_TYPES
            or not isinstance(notice.get("id"), str)
        ):
            return f"invalid notice {quoted(str(notice))}"
    if not isinstance(data.get("retracted", False), bool):
        return "retracted must be true or false"
    if data.get("year") is not None and (
        not isinstance(data["year"], int) or isinstance(data["year"], bool)
    ):
        return f"year {quoted(str(data['year']))} is not a number"
    return None


def render_cache(citations: Iterable[Citation]) -> str:
    """The deterministic text of ``literature.jsonl``."""
    ordered = sorted(citations, key=lambda c: c.id)
    return "".join(render_line(c) for c in ordered)


def render_line(citation: Citation) -> str:
    """One line of ``literature.jsonl``, newline included."""
    return json.dumps(citation.to_json(), sort_keys=True, ensure_ascii=False) + "\n"


def _stamp(path: Path) -> tuple[int, int, int, int] | None:
    """What tells this file from a rewrite of it: every write replaces it with a new inode."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


class Cache:
    """The cache file of one project, kept in memory and written whole after every update.

    Updates merge under the caller's lock. The file is re-read only when another process
    wrote it since this one last read or wrote it; otherwise an update renders only its new
    citations, so a fetch of N references in batches costs linear CPU, not N squared.
    """

    def __init__(self, path: Path, lock: Callable[[], AbstractContextManager] | None = None):
        self.path = Path(path)
        self._lock = lock or contextlib.nullcontext
        self._stamp = _stamp(self.path)
        self.entries = read_cache(self.path)
        self._lines: dict[str, str] | None = None  # rendered lines by id, made on first update

    def get(self, reference: str) -> Citation | None:
        return self.entries.get(reference)

    def update(self, citations: Iterable[Citation]) -> None:
        """Merge citations into the file atomically (another process may have written since)."""
        new = list(citations)
        if not new:
            return
        with self._lock():
            stamp = _stamp(self.path)
            if stamp != self._stamp:
                self.entries, self._lines = read_cache(self.path), None
            if self._lines is None:
                self._lines = {key: render_line(c) for key, c in self.entries.items()}
            entries, lines = dict(self.entries), dict(self._lines)
            for citation in new:
                entries[citation.id] = citation
                lines[citation.id] = render_line(citation)
            atomic_write_text(self.path, "".join(map(lines.__getitem__, sorted(lines))))
            self.entries, self._lines, self._stamp = entries, lines, _stamp(self.path)
