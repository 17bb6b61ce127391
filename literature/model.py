"""The one citation record crsmap keeps per reference (docs/formats.md), and how it is cited.

A :class:`Citation` is what ``literature.jsonl`` holds, one JSON object per line with
sorted keys. It is built by the PubMed and Crossref clients and read by the exporters.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from .errors import OutsideError
from .identifiers import CONTROL_CHARACTERS, PMCID_PATTERN, PMID_PATTERN

NOTICE_TYPES = ("retraction", "erratum", "expression-of-concern")
STATUSES = ("ok", "not-found")
SOURCES = ("pubmed", "crossref")


class Author(NamedTuple):
    """A person in a citation: family name and given names or initials."""

    family: str
    """The family name."""
    given: str = ""
    """Given names or initials; may be empty."""


class Notice(NamedTuple):
    """A retraction, erratum or expression of concern linked to a reference."""

    type: str
    """One of ``retraction``, ``erratum``, ``expression-of-concern``."""
    id: str
    """The notice's own CURIE, e.g. ``pubmed:37015095``."""


@dataclass(frozen=True)
class Citation:
    """Citation metadata of one reference, as cached in ``literature.jsonl``.

    The field docstrings are the field reference of docs/formats.md.
    """

    id: str
    """The reference's CURIE, as the ledgers write it (``pubmed:29808005``)."""
    status: str = "ok"
    """``ok`` when found, ``not-found`` when the service does not know the reference."""
    source: str = "pubmed"
    """The service that answered: ``pubmed`` or ``crossref``."""
    fetched: str = ""
    """When it was fetched, in UTC: ``2026-11-26T10:00:00Z``."""
    pmid: str | None = None
    """The paper's PubMed ID, or null."""
    pmcid: str | None = None
    """The paper's PMC ID, or null."""
    doi: str | None = None
    """The paper's DOI, lower-cased, or null."""
    title: str = ""
    """The title."""
    authors: tuple[Author, ...] = ()
    """The authors in order, each ``{"family": ..., "given": ...}``."""
    journal: str = ""
    """The journal, abbreviated as PubMed (or Crossref's short title) gives it."""
    year: int | None = None
    """The year of publication (a number), or null."""
    volume: str = ""
    """The volume."""
    issue: str = ""
    """The issue."""
    pages: str = ""
    """The pages."""
    pubtypes: tuple[str, ...] = ()
    """PubMed's publication types, e.g. ``Journal Article``, ``Retracted Publication``."""
    retracted: bool = False
    """True when the paper is retracted."""
    notices: tuple[Notice, ...] = field(default=())
    """Retractions, errata and expressions of concern linked to it, each
    ``{"type": ..., "id": ...}``."""

    def to_json(self) -> dict:
        """The JSON object of a ``literature.jsonl`` line (lists for tuples; keys sorted on writing)."""
        # Not dataclasses.asdict: its deep copy of every field was most of the cost of
        # writing the cache, and the scalar fields are immutable anyway.
        data = {name: getattr(self, name) for name in _FIELDS}
        data["authors"] = [{"family": a.family, "given": a.given} for a in self.authors]
        data["notices"] = [{"type": n.type, "id": n.id} for n in self.notices]
        data["pubtypes"] = list(self.pubtypes)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Citation:
        """Build a citation from a parsed ``literature.jsonl`` object (validated by the cache)."""
        values = {k: data[k] for k in _SCALARS if k in data}
        values["authors"] = tuple(
            Author(a.get("family", ""), a.get("given", "")) for a in data.get("authors") or ()
        )
        values["notices"] = tuple(Notice(n["type"], n["id"]) for n in data.get("notices") or ())
        values["pubtypes"] = tuple(data.get("pubtypes") or ())
        return cls(**values)

    @classmethod
    def from_fields(cls, values: dict) -> Citation:
        """A citation of ``values``, a dict of every field (tuples for the tuple fields).

        The dict becomes the citation's own: the caller hands it over and keeps no use of it.
        """
        # Not cls(**values): the frozen __init__ sets its 17 fields one object.__setattr__
        # at a time, which was most of the cost of reading a cache of 30,000 citations.
        citation = object.__new__(cls)
        object.__setattr__(citation, "__dict__", values)
        return citation

    @property
    def found(self) -> bool:
        return self.status == "ok"

    @property
    def is_retracted(self) -> bool:
        """Retracted, as the audit and the report both mean it: found, and flagged retracted.

        A not-found record is never retracted (nothing was found to be retracted, whatever
        its ``retracted`` field says): the audit and the report call it not found.
        """
        return self.found and self.retracted

    def short(self) -> str:
        """A short citation such as ``Giavridis T et al. 2018 Nat Med``; flagged when retracted."""
        return f"RETRACTED: {self.label()}" if self.retracted and self.found else self.label()

    def label(self) -> str:
        """The short citation without the retraction flag."""
        if not self.found:
            return "not found"
        if not self.authors:
            lead = ""
        elif len(self.authors) == 1:
            lead = _author_short(self.authors[0])
        elif len(self.authors) == 2:
            lead = f"{_author_short(self.authors[0])} and {_author_short(self.authors[1])}"
        else:
            lead = f"{_author_short(self.authors[0])} et al."
        parts = [p for p in (lead, str(self.year) if self.year else "", self.journal) if p]
        return " ".join(parts) or self.title or self.id


_FIELDS = tuple(Citation.__dataclass_fields__)
_SCALARS = tuple(name for name in _FIELDS if name not in ("authors", "notices", "pubtypes"))


def initials(given: str) -> str:
    """``Theodoros`` -> ``T``, ``Jae H.`` -> ``JH``; PubMed's ``SJC`` stays as it is."""
    compact = given.replace(".", "").replace(" ", "").replace("-", "")
    if compact.isupper():
        return compact
    return "".join(part[0].upper() for part in given.replace("-", " ").replace(".", " ").split())


def _author_short(author: Author) -> str:
    return f"{author.family} {initials(author.given)}".strip()


def tolerant(service: str):
    """Turn a parser's surprise at an answer's shape into an OutsideError (exit 3).

    Mirrors and services change; a wrong type deep in a JSON answer must read as "the
    service answered oddly", never as a crash.
    """

    def wrap(parse):
        @functools.wraps(parse)
        def parse_tolerantly(*args, **kwargs):
            try:
                return parse(*args, **kwargs)
            except (
                TypeError,
                AttributeError,
                KeyError,
                IndexError,
                ValueError,
                RecursionError,
            ) as exc:
                raise OutsideError(
                    f"{service} answered with an unexpected document ({type(exc).__name__})"
                ) from None

        return parse_tolerantly

    return wrap


# Identifiers in answers are data to check, not to trust: an answer's DOI ends up in
# references.bib and CSL-JSON verbatim. PubMed and PMC IDs follow the ledger's rules
# (literature.identifiers); a DOI, stricter than the ledger's, holds nothing that could
# break out of a BibTeX field (braces, backslashes, quotes, whitespace).
_DOI = re.compile(r'10\.[0-9]{4,9}/[^\s{}\\"\x00-\x1f\x7f-\x9f]{1,500}')


def valid_pmid(value) -> str | None:
    """The PMID in ``value`` (text or number), or None when it is not one."""
    text = str(value).strip() if isinstance(value, str | int) else ""
    return text if PMID_PATTERN.fullmatch(text) else None


def valid_pmcid(value) -> str | None:
    """The PMC ID in ``value``, upper-cased, or None when it is not one."""
    text = value.strip().upper() if isinstance(value, str) else ""
    return text if PMCID_PATTERN.fullmatch(text) else None


def valid_doi(value) -> str | None:
    """The DOI in ``value``, lower-cased, or None when it is not one."""
    text = value.strip().lower() if isinstance(value, str) else ""
    return text if _DOI.fullmatch(text) else None


def clean_text(value) -> str:
    """Text from an answer on one line: control characters (terminal escapes) become spaces."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", str(value)).split()) if value else ""


def utc_now() -> str:
    """The current UTC time as stored in ``fetched``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
