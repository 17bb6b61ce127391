"""Literature references: PubMed IDs, DOIs and PMC IDs in every spelling, as CURIEs.

Every parser returns the normalised form or raises :class:`InputError` with a message
that names the bad value and what was expected. ``curation.identifiers`` re-exports
these with the other identifier rules crsmap records (ORCIDs, ECO terms, SPDX ids).
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from .errors import InputError

PUBMED, DOI, PMC = "pubmed", "doi", "pmc"

_PMID = re.compile(r"[1-9][0-9]{0,8}")
_PMCID = re.compile(r"PMC[0-9]{1,9}")
# Crossref's recommended pattern: a 10.NNNN prefix, a slash, then a suffix with no spaces.
DOI_PATTERN = re.compile(r"10\.[0-9]{4,9}/\S+")
# Tabs, line breaks, other C0/C1 controls and the Unicode line/paragraph separators:
# none of them may enter a one-line ledger field.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# URLs as papers and maps write them, with or without the scheme and "www." (map notes
# often hold a bare "pubmed.ncbi.nlm.nih.gov/N"); fully matched, so no text may trail them.
_WEB = r"(?:https?://)?(?:www\.)?"
_URL_TAIL = r"/?(?:[?#].*)?"
_URL_FORMS = (
    (re.compile(_WEB + r"(?:dx\.)?doi\.org/(.+)", re.I), DOI),
    (re.compile(_WEB + r"pubmed\.ncbi\.nlm\.nih\.gov/([0-9]+)" + _URL_TAIL, re.I), PUBMED),
    (re.compile(_WEB + r"ncbi\.nlm\.nih\.gov/pubmed/([0-9]+)" + _URL_TAIL, re.I), PUBMED),
    # The Entrez URLs of older maps: .../entrez/query.fcgi?cmd=Retrieve&db=PubMed&list_uids=N
    (
        re.compile(
            _WEB + r"ncbi\.nlm\.nih\.gov/entrez/query\.fcgi\?(?:\S*?[&;])?list_uids=([0-9]+)"
            r"(?:[&;#]\S*)?",
            re.I,
        ),
        PUBMED,
    ),
    (re.compile(_WEB + r"identifiers\.org/pubmed[:/]([0-9]+)/?", re.I), PUBMED),
    (re.compile(_WEB + r"identifiers\.org/doi[:/](.+)", re.I), DOI),
    (re.compile(_WEB + r"identifiers\.org/pmc[:/](.+)", re.I), PMC),
    (
        re.compile(
            r"(?:https?://)?(?:www\.)?(?:pmc\.)?ncbi\.nlm\.nih\.gov/(?:pmc/)?articles/(PMC[0-9]+)/?",
            re.I,
        ),
        PMC,
    ),
    (re.compile(r"urn:miriam:pubmed:(.+)", re.I), PUBMED),
    (re.compile(r"urn:miriam:doi:(.+)", re.I), DOI),
    (re.compile(r"urn:miriam:pmc:(.+)", re.I), PMC),
)

# PubMed IDs as map notes write them (celldesigner.references_in_text reads the same):
# the word PMID, up to four separator characters, the number: PMID:N, PMID N, PMID: N,
# PMID??:N, PMID-N, PMIDs: N. A list of them (PMIDs: N, N) is several references.
_PMID_TEXT = re.compile(r"PMIDs?\W{0,4}([0-9]+)", re.I)
_PMID_LIST = re.compile(r"PMIDs?\W{0,4}[0-9]+(?:\s*[,;]\s*(?:PMIDs?\W{0,4})?[0-9]+)+", re.I)

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
        for pattern, prefix in _URL_FORMS:
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
    pmid = _PMID_TEXT.fullmatch(raw)
    if pmid:
        return _checked(PUBMED, pmid.group(1), text)
    if _PMID_LIST.fullmatch(raw):
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
    if _PMID_LIST.fullmatch(raw):
        return [f"pubmed:{n}" for n in re.findall(r"[0-9]+", raw)]
    return [text]


def _checked(prefix: str, local: str, original: str) -> Reference:
    if prefix == PUBMED:
        local = local.strip()
        if not _PMID.fullmatch(local):
            raise InputError(
                f"invalid PubMed ID {quoted(original)}: expected 1 to 9 digits, not starting with 0"
            )
        return Reference(PUBMED, local)
    if prefix == DOI:
        local = local.strip().lower()
        if not DOI_PATTERN.fullmatch(local) or has_control_characters(local):
            raise InputError(
                f"invalid DOI {quoted(original)}: expected '10.' + registrant code + '/' + suffix, "
                "e.g. doi:10.1038/s41591-018-0041-7"
            )
        return Reference(DOI, local)
    local = local.strip().upper()
    if local.isdigit():
        local = "PMC" + local
    if not _PMCID.fullmatch(local):
        raise InputError(f"invalid PMC ID {quoted(original)}: expected PMC followed by digits")
    return Reference(PMC, local)


def reference_key(text: str) -> str:
    """The CURIE of a ledger reference, or the text itself when it does not parse.

    Hand-edited ledgers may hold ``PMID:29808005``; comparing normalised forms keeps
    ``evidence add`` from duplicating it and lets ``evidence remove`` find it.
    """
    try:
        return parse_reference(text).curie
    except InputError:
        return text


def normalise_reference(text: str) -> str:
    """Return the CURIE of a reference given in any accepted spelling."""
    return parse_reference(text).curie


def quoted(value: str, limit: int = 60) -> str:
    """``repr`` of a value for a message, cut short: a bad field may be megabytes long."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds a tab, a line break or another control character."""
    return _CONTROL.search(text) is not None
