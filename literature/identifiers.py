"""Literature references: PubMed IDs, DOIs and PMC IDs in every spelling, as CURIEs.

Every parser returns the normalised form or raises :class:`InputError` with a message
that names the bad value and what was expected. The spellings (links, URNs, ``PMID``
text) are one table, :data:`SPELLINGS`, read whole by :func:`parse_reference` and inside
free text by :func:`references_in_text`, so the map reader and ``evidence add`` agree.
``curation.identifiers`` re-exports these with the other identifier rules crsmap records
(ORCIDs, ECO terms, SPDX ids).
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from dataclasses import dataclass
from typing import NamedTuple

from .errors import InputError

PUBMED, DOI, PMC = "pubmed", "doi", "pmc"

# Tabs, line breaks, other C0/C1 controls and the Unicode line/paragraph separators:
# none of them may enter a one-line ledger field.
_CONTROLS_BUT_TAB_AND_LF = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029"
# The module's public patterns, ``literature.identifiers.PMID_PATTERN`` and so on: each is
# compiled the first time it is asked for (by the module ``__getattr__`` below), as the link
# patterns further down are. Every command imports this module and most use few of them or
# none; compiling them all (the character classes above most of all) was a good part of
# its import time.
_PATTERNS = {
    "PMID_PATTERN": r"[1-9][0-9]{0,8}",
    "PMCID_PATTERN": r"PMC[0-9]{1,9}",
    # Crossref's recommended pattern: a 10.NNNN prefix, a slash, then a suffix with no spaces.
    "DOI_PATTERN": r"10\.[0-9]{4,9}/\S+",
    "CONTROL_CHARACTERS": f"[\t\n{_CONTROLS_BUT_TAB_AND_LF}]",
    # The same but the tab and the line feed, which separate a TSV file's fields and lines:
    # a ledger's text without any of these holds no field with a control character.
    "CONTROLS_IN_TSV": f"[{_CONTROLS_BUT_TAB_AND_LF}]",
}


@functools.cache
def _compiled(name: str) -> re.Pattern:
    """The public pattern ``name`` of this module (``"PMID_PATTERN"``...), compiled once."""
    return re.compile(_PATTERNS[name])


def __getattr__(name: str) -> re.Pattern:
    if name not in _PATTERNS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    pattern = globals()[name] = _compiled(name)  # later lookups find it without this call
    return pattern


class Spelling(NamedTuple):
    """One way papers and maps write a reference as a link or a URN.

    ``lead`` is the regular expression of the text before the identifier (a host and a
    path, a URN); ``mark`` a lower-case word every text holding it contains (a cheap test
    before the regular expression runs); ``tail`` the expression of what may follow the
    identifier in a link (a slash, a query). A ``web`` spelling may begin with ``http://``
    or ``https://`` and ``www.``.
    """

    prefix: str
    lead: str
    mark: str
    tail: str = ""
    web: bool = True


_WEB = r"(?:https?://)?(?:www\.)?"
_URL_TAIL = r"/?(?:[?#][^\s\"<>]*)?"
# The one table of reference links: parse_reference matches a whole value against each
# spelling, references_in_text finds them inside notes, names_reference tells an RDF
# resource that means a paper, and curation.notes cuts them out of notes.
SPELLINGS = (
    Spelling(PUBMED, r"pubmed\.ncbi\.nlm\.nih\.gov/", "pubmed", _URL_TAIL),
    Spelling(PUBMED, r"ncbi\.nlm\.nih\.gov/pubmed/", "pubmed", _URL_TAIL),
    # The Entrez URLs of older maps: .../entrez/query.fcgi?cmd=Retrieve&db=PubMed&list_uids=N
    Spelling(
        PUBMED,
        r"ncbi\.nlm\.nih\.gov/entrez/query\.fcgi\?(?:[^\s\"<>]{0,300}?[&;])?list_uids=",
        "list_uids=",
        r"(?:[&;#][^\s\"<>]*)?",
    ),
    Spelling(PUBMED, r"identifiers\.org/pubmed[:/]", "pubmed", "/?"),
    Spelling(PUBMED, r"urn:miriam:pubmed:", "pubmed", web=False),
    Spelling(DOI, r"(?:dx\.)?doi\.org/", "doi"),
    Spelling(DOI, r"identifiers\.org/doi[:/]", "doi"),
    Spelling(DOI, r"urn:miriam:doi:", "doi", web=False),
    Spelling(PMC, r"(?:pmc\.)?ncbi\.nlm\.nih\.gov/(?:pmc/)?articles/", "articles/", "/?"),
    Spelling(PMC, r"identifiers\.org/pmc[:/]", "pmc", "/?"),
    Spelling(PMC, r"urn:miriam:pmc:", "pmc", web=False),
)


def link_forms(prefix: str) -> list[tuple[str, str]]:
    """(before, after) the identifier in each link spelling of ``prefix``, as regular expressions.

    ``before`` includes the optional scheme and ``www.`` of a web link.
    """
    return [((_WEB if s.web else "") + s.lead, s.tail) for s in SPELLINGS if s.prefix == prefix]


def _leads(prefix: str) -> str:
    """One alternation of the leads of ``prefix``'s spellings (no scheme: found anywhere)."""
    return "|".join(s.lead for s in SPELLINGS if s.prefix == prefix)


def _marks(prefix: str, *more: str) -> frozenset[str]:
    return frozenset(s.mark for s in SPELLINGS if s.prefix == prefix) | set(more)


# Whole values: the identifier is what lies between lead and tail, checked afterwards, so
# that a bad one is named ("invalid PubMed ID") rather than not recognised. A DOI may hold
# any character; the others stop where a tail may begin, so no value backtracks at length.
_WHOLE_ID = {PUBMED: r"([^/?#&;\s]+)", DOI: r"(.+)", PMC: r"([^/?#&;\s]+)"}


# The link patterns are compiled on first use: most commands read only the ledgers' CURIEs
# (and a map from the map cache), and compiling them is most of this module's import time.
@functools.cache
def _url_forms() -> tuple[tuple[re.Pattern, str], ...]:
    return tuple(
        (re.compile(before + _WHOLE_ID[prefix] + after, re.I), prefix)
        for prefix in (PUBMED, DOI, PMC)
        for before, after in link_forms(prefix)
    )


@functools.cache
def _any_link() -> re.Pattern:
    return re.compile("|".join(s.lead for s in SPELLINGS), re.I)


# PubMed IDs as map notes write them: the word PMID, up to four separator characters,
# the number: PMID:N, PMID N, PMID: N, PMID??:N, PMID-N, PMIDs: N. A list of them
# (PMIDs: N, N) is several references.
_PMID_LABEL = r"PMIDs?\W{0,4}?"


@functools.cache
def _pmid_text() -> re.Pattern:
    return re.compile(_PMID_LABEL + r"([0-9]+)", re.I)


@functools.cache
def _pmid_list() -> re.Pattern:
    return re.compile(r"PMIDs?\W{0,4}[0-9]+(?:\s*[,;]\s*(?:PMIDs?\W{0,4})?[0-9]+)+", re.I)


# Inside running text: the first number, then the list's further numbers of 5 to 9 digits
# (a shorter one after a comma is more likely a page or a figure than a PubMed ID).
PMID_IN_TEXT = r"\b" + _PMID_LABEL + r"(\d{1,9})((?:\s*[,;]\s*\d{5,9}\b)*)"
DOI_LABEL = r"\bdoi\s*:\s*"
_DOI_IN_TEXT = r"(10\.\d{4,9}/[^\s\"<>]+)"
_TRAILING_PUNCTUATION = ".,;:)]}'"


@functools.cache
def _text_patterns() -> tuple[tuple[re.Pattern, str, frozenset[str]], ...]:
    """(pattern, prefix, marks): a text without any of the marks is not searched at all."""
    return (
        (re.compile(PMID_IN_TEXT, re.I), PUBMED, frozenset({"pmid"})),
        (re.compile(f"(?:{_leads(PUBMED)})" + r"(\d{1,9})", re.I), PUBMED, _marks(PUBMED)),
        (
            re.compile(f"(?:{DOI_LABEL}|{_leads(DOI)})" + _DOI_IN_TEXT, re.I),
            DOI,
            _marks(DOI, "doi"),
        ),
        # A bare PMC ID only in capitals: "pmc" alone is too common a word part to trust.
        (
            re.compile(f"(?:(?:{_leads(PMC)})(?:PMC)?|\\b(?-i:PMC))" + r"(\d{3,9})\b", re.I),
            PMC,
            _marks(PMC, "pmc"),
        ),
    )


_PREFIXES = {
    "pubmed": PUBMED,
    "pmid": PUBMED,
    "doi": DOI,
    "pmc": PMC,
    "pmcid": PMC,
}

EXPECTED_REFERENCE = (
    "expected a PubMed ID (pubmed:29808005, PMID 29808005 or 29808005), a DOI "
    "(doi:10.1038/...) or a PMC ID (pmc:PMC8127450), as a CURIE, a URL or as map notes write it"
)


@dataclass(frozen=True, order=True)
class Reference:
    """A literature reference as a normalised CURIE, e.g. ``pubmed:29808005``."""

    prefix: str
    local_id: str

    @property
    def curie(self) -> str:
        """``prefix:local_id``, the form stored in the ledgers."""
        return f"{self.prefix}:{self.local_id}"

    def __str__(self) -> str:
        return self.curie


def parse_reference(text: str) -> Reference:
    """Parse a reference in any accepted spelling into its normalised CURIE.

    Accepted: every form map notes use (``PMID:N``, ``PMID N``, ``PMID??:N``, PubMed,
    doi.org, identifiers.org and PMC URLs with or without ``https://``, ``doi: 10...``,
    ``PMC8127450``), MIRIAM URNs, CURIEs and bare numbers (PubMed). DOIs are URL-decoded
    and lower-cased; PMC IDs are upper-cased and get their ``PMC`` prefix.
    """
    raw = text.strip()
    if not raw:
        raise InputError(f"empty reference: {EXPECTED_REFERENCE}")
    if "/" in raw or raw[:4].lower() == "urn:":  # URLs and URNs; ledgers hold plain CURIEs
        for pattern, prefix in _url_forms():
            match = pattern.fullmatch(raw)
            if match:
                # URLs and URNs percent-encode a DOI's slash; a CURIE holds the DOI itself.
                local = urllib.parse.unquote(match.group(1)) if prefix == DOI else match.group(1)
                return _checked(prefix, local, text)
    if raw.isdigit():
        return _checked(PUBMED, raw, text)
    if raw.startswith("10."):
        return _checked(DOI, raw, text)
    if raw.upper().startswith("PMC") and raw[3:].isdigit():
        return _checked(PMC, raw, text)
    pmid = _pmid_text().fullmatch(raw)
    if pmid:
        return _checked(PUBMED, pmid.group(1), text)
    if _pmid_list().fullmatch(raw):
        listed = ", ".join(f"pubmed:{n}" for n in re.findall(r"[0-9]+", raw))
        raise InputError(
            f"invalid reference {quoted(text)}: it lists several PubMed IDs ({listed}); "
            "expected one reference"
        )
    prefix, sep, local = raw.partition(":")
    if not sep or prefix.strip().lower() not in _PREFIXES:
        raise InputError(f"invalid reference {quoted(text)}: {EXPECTED_REFERENCE}")
    return _checked(_PREFIXES[prefix.strip().lower()], local.strip(), text)


def split_references(text: str) -> list[str]:
    """A list of PubMed IDs as map notes write it (``PMIDs: 29808005, 30442748``), one a string.

    Any other text comes back alone, unchecked, for :func:`parse_reference` to judge: a
    DOI may itself hold commas and semicolons.
    """
    raw = text.strip()
    if _pmid_list().fullmatch(raw):
        return [f"pubmed:{n}" for n in re.findall(r"[0-9]+", raw)]
    return [text]


def references_in_text(text: str) -> list[Reference]:
    """Every PubMed, DOI and PMC reference written in free text (notes, reaction names).

    Each is listed once, in the order of the patterns, then of the text.
    """
    found: dict[Reference, None] = {}
    if not text:
        return []
    lowered = text.lower()
    for pattern, prefix, marks in _text_patterns():
        if not any(mark in lowered for mark in marks):
            continue
        for match in pattern.finditer(text):
            if prefix == PUBMED:
                candidates = [match.group(1)]
                if match.lastindex and match.lastindex >= 2 and match.group(2):
                    candidates += re.findall(r"\d+", match.group(2))
            elif prefix == DOI:
                candidates = [match.group(1).rstrip(_TRAILING_PUNCTUATION)]
            else:
                candidates = [match.group(1)]
            for candidate in candidates:
                try:
                    found.setdefault(_checked(prefix, candidate, candidate))
                except InputError:
                    continue  # a PMID of 0 or a DOI fragment is no reference
    return list(found)


def names_reference(text: str) -> bool:
    """True when ``text`` holds a link or URN spelling of a reference, valid or not."""
    return _any_link().search(text) is not None


def _is_pmid(text: str) -> bool:
    """Whether PMID_PATTERN matches the whole of ``text``: 1 to 9 ASCII digits, the first not 0.

    Without the pattern: this runs for every ledger reference, faster than it would.
    """
    return 0 < len(text) < 10 and text.isascii() and text.isdigit() and text[0] != "0"


def _checked(prefix: str, local: str, original: str) -> Reference:
    if prefix == PUBMED:
        local = local.strip()
        if not _is_pmid(local):
            raise InputError(
                f"invalid PubMed ID {quoted(original)}: expected 1 to 9 digits, not starting with 0"
            )
        return Reference(PUBMED, local)
    if prefix == DOI:
        local = local.strip().lower()
        if not _compiled("DOI_PATTERN").fullmatch(local) or has_control_characters(local):
            raise InputError(
                f"invalid DOI {quoted(original)}: expected '10.' + registrant code + '/' + suffix, "
                "e.g. doi:10.1038/s41591-018-0041-7"
            )
        return Reference(DOI, local)
    local = local.strip().upper()
    if local.isdigit():
        local = "PMC" + local
    if not _compiled("PMCID_PATTERN").fullmatch(local):
        raise InputError(f"invalid PMC ID {quoted(original)}: expected PMC followed by digits")
    return Reference(PMC, local)


def reference_curie(text: str) -> str | None:
    """The CURIE of a reference in any accepted spelling, or None when it is not one."""
    prefix, _, local = text.partition(":")
    if prefix == PUBMED and _is_pmid(local):
        return text  # already a PubMed CURIE, as nearly every ledger line writes it
    try:
        return parse_reference(text).curie
    except InputError:
        return None


def reference_key(text: str) -> str:
    """The CURIE of a ledger reference, or the text itself when it does not parse.

    Hand-edited ledgers may hold ``PMID:29808005``; comparing normalised forms keeps
    ``evidence add`` from duplicating it and lets ``evidence remove`` find it.
    """
    return reference_curie(text) or text


def normalise_reference(text: str) -> str:
    """Return the CURIE of a reference given in any accepted spelling."""
    return parse_reference(text).curie


def quoted(value: str, limit: int = 60) -> str:
    """``repr`` of a value for a message, cut short: a bad field may be megabytes long."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds a tab, a line break or another control character."""
    # Every one of them is unprintable: a printable text (nearly every one) is not searched.
    return not text.isprintable() and _compiled("CONTROL_CHARACTERS").search(text) is not None
