"""The TSV ledgers of a curation repository: ``evidence.tsv``, ``interactions.tsv`` and
``rejected.tsv`` (the (interaction, reference) pairs a curator removed, and why).

All are UTF-8, tab-separated, with a header line and one record per line, sorted so
that git diffs and merges stay line-based. Reading is lenient: a malformed line becomes
a :class:`LineProblem` (reported as ``evidence.tsv:17: ...``) and the rest is still read,
so the audit can report every problem at once. Writing is strict and atomic.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Generic, TypeVar

from literature.errors import LineProblem  # one class for every file crsmap reads by line
from literature.tsv import ledger_table

from .errors import InputError
from .identifiers import CONTROLS_IN_TSV, has_control_characters, parse_eco, quoted
from .storage import read_text

EVIDENCE_FILE = "evidence.tsv"
INTERACTIONS_FILE = "interactions.tsv"
REJECTED_FILE = "rejected.tsv"

SOURCES = ("manual", "map")
STATUSES = ("draft", "reviewed")


@dataclass(frozen=True)
class EvidenceRecord:
    """One (interaction, reference) evidence record of ``evidence.tsv``.

    The field docstrings are the column reference of docs/formats.md.
    """

    interaction: str
    """The interaction: its SBML reaction id, qualified by the map file's stem
    (``il6_signalling:re12``) when the project has several maps."""
    reference: str
    """The paper, as a CURIE: ``pubmed:29808005``, ``doi:10.1038/...`` or ``pmc:PMC8127450``."""
    evidence: str
    """An Evidence and Conclusion Ontology term, ``ECO:`` and 7 digits (``crsmap evidence add
    --eco``; by default ``[evidence] default_eco``)."""
    curator: str
    """ORCID of the curator who recorded it."""
    date: str
    """The day it was recorded, ``YYYY-MM-DD``."""
    source: str
    """``manual`` (``crsmap evidence add``) or ``map`` (``crsmap import``: the map cited it)."""
    note: str = ""
    """Free text on one line; may be empty."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.interaction, self.reference)


@dataclass(frozen=True)
class InteractionRecord:
    """Curation provenance of one interaction: one row of ``interactions.tsv``."""

    interaction: str
    """The interaction, as in ``evidence.tsv``; one row per interaction."""
    curator: str = ""
    """ORCID of the curator responsible for the interaction; may be empty."""
    license: str = ""
    """SPDX id of the interaction when it is not the map's ``[map] license`` (empty: the map's)."""
    derived_from: str = ""
    """Where the interaction was adapted from: an ``http(s)://`` URL or a CURIE such as
    ``reactome:R-HSA-6785807``; empty for original work."""
    status: str = "draft"
    """``draft`` or ``reviewed``."""
    signature: str = ""
    """The interaction's signature when it was imported or last reviewed; the audit's
    ``interaction-changed`` compares it with the map's."""
    updated: str = ""
    """The day the row last changed, ``YYYY-MM-DD``; may be empty."""

    @property
    def key(self) -> str:
        return self.interaction


@dataclass(frozen=True)
class RejectionRecord:
    """A removal that sticks: one (interaction, reference) row of ``rejected.tsv``.

    ``crsmap evidence remove`` writes it, so that ``crsmap import`` never brings the
    reference back from the map; ``crsmap evidence add`` of the same pair deletes it.
    """

    interaction: str
    """The interaction, as in ``evidence.tsv``."""
    reference: str
    """The reference removed from it, as a CURIE."""
    curator: str
    """ORCID of the curator who removed it."""
    date: str
    """The day it was removed, ``YYYY-MM-DD``."""
    reason: str = ""
    """Why, as given with ``crsmap evidence remove --reason``; may be empty."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.interaction, self.reference)


R = TypeVar("R")

EVIDENCE_COLUMNS = tuple(f.name for f in fields(EvidenceRecord))
INTERACTION_COLUMNS = tuple(f.name for f in fields(InteractionRecord))
REJECTED_COLUMNS = tuple(f.name for f in fields(RejectionRecord))


@dataclass
class LedgerContent(Generic[R]):
    """What a lenient read returns: the good records, and the problems with line numbers."""

    records: list[R] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    lines: dict[int, int] = field(default_factory=dict)  # record index -> line number


_DIGITS = re.compile(r"(\d+)")


# Bounded, and large enough for every ID and reference of a big project: a release sorts
# the same few thousand IDs over and over (tens of thousands of calls).
@functools.lru_cache(maxsize=1 << 16)
def natural_key(text: str) -> tuple:
    """Sort key that orders ``re2`` before ``re10``; ties broken by the plain text."""
    parts = _DIGITS.split(text)
    return (tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p), text)


def evidence_sort_key(record: EvidenceRecord) -> tuple:
    """The order of ``evidence.tsv``: interaction, then reference, both natural."""
    return (natural_key(record.interaction), natural_key(record.reference))


def interaction_sort_key(record: InteractionRecord) -> tuple:
    """The order of ``interactions.tsv``: interaction, natural."""
    return natural_key(record.interaction)


def _check_date(value: str, today: dt.date | None) -> str | None:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return f"date {quoted(value)} is not an ISO date (YYYY-MM-DD)"
    if len(value) != 10:
        return f"date {quoted(value)} is not an ISO date (YYYY-MM-DD)"
    if today is not None and day > today:
        return f"date {value} is in the future"
    return None


def read_evidence(path: Path, today: dt.date | None = None) -> LedgerContent[EvidenceRecord]:
    """Read ``evidence.tsv`` leniently; a missing file reads as an empty ledger."""
    return read_ledger_file(path, parse_evidence, today)


def parse_evidence(
    text: str, name: str = EVIDENCE_FILE, today: dt.date | None = None
) -> LedgerContent[EvidenceRecord]:
    """Parse the text of ``evidence.tsv`` (from a file or a git revision) leniently."""
    return _parse(text, name, EVIDENCE_COLUMNS, EvidenceRecord, _evidence_checker(today))


def read_ledger_file(path: Path, parse, today: dt.date | None) -> LedgerContent:
    """A ledger file through its parser; a missing file reads as an empty ledger."""
    if not Path(path).exists():
        return LedgerContent()
    return parse(read_text(path, "ledger"), Path(path).name, today)


def _parse(
    text: str, name: str, columns: tuple[str, ...], make, problem_of, unique: bool = False
) -> LedgerContent:
    """Records of the lines that pass ``problem_of``; the others become line problems.

    With ``unique``, a second line with the same ``key`` is a problem too (the first is
    kept as the record): a ledger keyed by interaction must not hold two, or the next
    rewrite would keep one of them and silently drop the other.
    """
    content: LedgerContent = LedgerContent()
    # Only LF (or CRLF) ends a record: str.splitlines would also split on U+2028 and
    # other separators that may legitimately sit inside a field.
    lines = text.split("\n")
    if "\r" in text:
        lines = [line.removesuffix("\r") for line in lines]
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        content.problems.append(LineProblem(name, 1, "missing header line"))
        return content
    header = lines[0].split("\t")
    if tuple(header) != columns:
        content.problems.append(
            LineProblem(
                name, 1, f"header is {quoted('|'.join(header))}, expected {'|'.join(columns)!r}"
            )
        )
        return content
    # Fields are searched for control characters one by one only when the text holds one
    # besides the tabs and line feeds that separate them: a clean ledger is searched once.
    suspect = CONTROLS_IN_TSV.search(text) is not None
    records, record_lines, problems = content.records, content.lines, content.problems
    first_line: dict = {}
    for number, line in enumerate(itertools.islice(lines, 1, None), start=2):
        if not line or line.isspace():
            continue
        cells = line.split("\t")
        if len(cells) != len(columns):
            problem = f"{len(cells)} columns, expected {len(columns)}"
        elif suspect and (bad := _control_column(columns, cells)):
            # A record crsmap could not write back must not be read as good.
            problem = f"{bad} holds a control character or line separator"
        else:
            record = make(*cells)
            problem = problem_of(record)
            if not problem and unique:
                first = first_line.setdefault(record.key, number)
                if first != number:
                    problem = (
                        f"a second row for {quoted(record.key)} (the first is line {first}); "
                        f"keep one of lines {first} and {number}"
                    )
        if problem:
            problems.append(LineProblem(name, number, problem))
            continue
        record_lines[len(records)] = number
        records.append(record)
    return content


def _control_column(columns: tuple[str, ...], cells: list[str]) -> str | None:
    """The first column whose field holds a control character, or None."""
    return next(
        (c for c, cell in zip(columns, cells, strict=True) if has_control_characters(cell)),
        None,
    )


def _evidence_checker(today: dt.date | None):
    """Why an evidence record is malformed, or None; each distinct ECO term and date is
    judged once (a ledger holds a handful of them across thousands of lines)."""
    eco_problem = functools.cache(_eco_problem)
    date_problem = functools.cache(functools.partial(_check_date, today=today))

    def problem(record: EvidenceRecord) -> str | None:
        if not record.interaction:
            return "empty interaction"
        if not record.reference:
            return "empty reference"
        found = eco_problem(record.evidence)
        if found:
            return found
        if record.source not in SOURCES:
            return f"source {quoted(record.source)} is not one of {', '.join(SOURCES)}"
        return date_problem(record.date)

    return problem


def _eco_problem(evidence: str) -> str | None:
    try:
        parse_eco(evidence)
    except InputError:
        return f"evidence {quoted(evidence)} is not an ECO term (ECO: and 7 digits)"
    if evidence != evidence.strip():
        return f"evidence {quoted(evidence)} has surrounding spaces"
    return None


def read_interactions(path: Path, today: dt.date | None = None) -> LedgerContent[InteractionRecord]:
    """Read ``interactions.tsv`` leniently; a missing file reads as an empty ledger."""
    return read_ledger_file(path, parse_interactions, today)


def parse_interactions(
    text: str, name: str = INTERACTIONS_FILE, today: dt.date | None = None, unique: bool = True
) -> LedgerContent[InteractionRecord]:
    """Parse the text of ``interactions.tsv`` (from a file or a git revision) leniently.

    A second row for an interaction is a line problem; ``unique=False`` reads it as a
    record (for revisions committed before crsmap refused them).
    """
    return _parse(
        text,
        name,
        INTERACTION_COLUMNS,
        InteractionRecord,
        _row_checker(today),
        unique=unique,
    )


def _row_checker(today: dt.date | None):
    """Why an interactions.tsv record is malformed, or None; each distinct date judged once."""
    date_problem = functools.cache(functools.partial(_check_date, today=today))

    def problem(record: InteractionRecord) -> str | None:
        if not record.interaction:
            return "empty interaction"
        if record.status not in STATUSES:
            return f"status {quoted(record.status)} is not one of {', '.join(STATUSES)}"
        return date_problem(record.updated) if record.updated else None

    return problem


def read_rejected(path: Path, today: dt.date | None = None) -> LedgerContent[RejectionRecord]:
    """Read ``rejected.tsv`` leniently; a missing file (nothing rejected yet) reads as empty."""
    return read_ledger_file(path, parse_rejected, today)


def parse_rejected(
    text: str, name: str = REJECTED_FILE, today: dt.date | None = None
) -> LedgerContent[RejectionRecord]:
    """Parse the text of ``rejected.tsv`` leniently; a second row for one pair is a problem."""
    return _parse(
        text,
        name,
        REJECTED_COLUMNS,
        RejectionRecord,
        _rejection_checker(today),
        unique=True,
    )


def _rejection_checker(today: dt.date | None):
    """Why a rejected.tsv record is malformed, or None; each distinct date judged once."""
    date_problem = functools.cache(functools.partial(_check_date, today=today))

    def problem(record: RejectionRecord) -> str | None:
        if not record.interaction:
            return "empty interaction"
        if not record.reference:
            return "empty reference"
        return date_problem(record.date)

    return problem


def render_evidence(records: Iterable[EvidenceRecord]) -> str:
    """The bytes of ``evidence.tsv`` for these records, sorted by (interaction, reference)."""
    ordered = sorted(records, key=evidence_sort_key)
    return ledger_table(
        EVIDENCE_COLUMNS, (tuple(getattr(r, c) for c in EVIDENCE_COLUMNS) for r in ordered)
    )


def render_interactions(records: Iterable[InteractionRecord]) -> str:
    """The bytes of ``interactions.tsv`` for these records, sorted by interaction.

    Two records for one interaction are refused: the file holds one row per interaction.
    """
    ordered = sorted(records, key=interaction_sort_key)
    for before, after in itertools.pairwise(ordered):
        if before.interaction == after.interaction:
            raise InputError(
                f"two {INTERACTIONS_FILE} rows for {quoted(after.interaction)}; "
                "expected one row per interaction"
            )
    return ledger_table(
        INTERACTION_COLUMNS, (tuple(getattr(r, c) for c in INTERACTION_COLUMNS) for r in ordered)
    )


def render_rejected(records: Iterable[RejectionRecord]) -> str:
    """The bytes of ``rejected.tsv``, sorted by (interaction, reference), one row per pair."""
    ordered = sorted(records, key=evidence_sort_key)
    for before, after in itertools.pairwise(ordered):
        if before.key == after.key:
            raise InputError(
                f"two {REJECTED_FILE} rows for {quoted(' '.join(after.key))}; "
                "expected one row per (interaction, reference)"
            )
    return ledger_table(
        REJECTED_COLUMNS, (tuple(getattr(r, c) for c in REJECTED_COLUMNS) for r in ordered)
    )
