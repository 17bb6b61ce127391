"""The one citation record crsmap keeps per reference (SPEC 2.5), and how it is cited.

A :class:`Citation` is what ``literature.jsonl`` holds, one JSON object per line with
sorted keys. It is built by the PubMed and Crossref clients and read by the exporters.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from .errors import OutsideError

NOTICE_TYPES = ("retraction", "erratum", "expression-of-concern")
STATUSES = ("ok", "not-found")
SOURCES = ("pubmed", "crossref")


class Author(NamedTuple):
    """A person in a citation: family name and given names or initials."""

    family: str
    given: str = ""


class Notice(NamedTuple):
    """A retraction, erratum or expression of concern linked to a reference."""

    type: str
    id: str  # CURIE of the notice, e.g. pubmed:37015095


@dataclass(frozen=True)
class Citation:
    """Citation metadata of one reference, as cached in ``literature.jsonl``."""

    id: str  # the reference CURIE the ledger uses
    status: str = "ok"
    source: str = "pubmed"
    fetched: str = ""  # UTC timestamp, e.g. 2026-11-26T10:00:00Z
    pmid: str | None = None
    pmcid: str | None = None
    doi: str | None = None
    title: str = ""
    authors: tuple[Author, ...] = ()
    journal: str = ""
    year: int | None = None
    volume: str = ""
    issue: str = ""
    pages: str = ""
    pubtypes: tuple[str, ...] = ()
    retracted: bool = False
    notices: tuple[Notice, ...] = field(default=())

    def to_json(self) -> dict:
        """The JSON object of SPEC 2.5 (lists for tuples; key order is sorted on writing)."""
        data = asdict(self)
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

    @property
    def found(self) -> bool:
        return self.status == "ok"

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


_SCALARS = tuple(
    name for name in Citation.__dataclass_fields__ if name not in ("authors", "notices", "pubtypes")
)


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
# references.bib and CSL-JSON verbatim. These are the CURIE rules of the ledger, without
# what could break out of a BibTeX field (braces, backslashes, quotes, whitespace).
_PMID = re.compile(r"[1-9][0-9]{0,8}")
_PMCID = re.compile(r"PMC[0-9]{1,9}")
_DOI = re.compile(r'10\.[0-9]{4,9}/[^\s{}\\"\x00-\x1f\x7f-\x9f]{1,500}')
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def valid_pmid(value) -> str | None:
    """The PMID in ``value`` (text or number), or None when it is not one."""
    text = str(value).strip() if isinstance(value, str | int) else ""
    return text if _PMID.fullmatch(text) else None


def valid_pmcid(value) -> str | None:
    """The PMC ID in ``value``, upper-cased, or None when it is not one."""
    text = value.strip().upper() if isinstance(value, str) else ""
    return text if _PMCID.fullmatch(text) else None


def valid_doi(value) -> str | None:
    """The DOI in ``value``, lower-cased, or None when it is not one."""
    text = value.strip().lower() if isinstance(value, str) else ""
    return text if _DOI.fullmatch(text) else None


def clean_text(value) -> str:
    """Text from an answer on one line: control characters (terminal escapes) become spaces."""
    return " ".join(_CONTROL.sub(" ", str(value)).split()) if value else ""


def utc_now() -> str:
    """The current UTC time as stored in ``fetched``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
