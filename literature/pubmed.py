"""PubMed through NCBI E-utilities: efetch (PubMed XML) for metadata and notices alike.

One efetch answer carries everything crsmap keeps of a paper: title, authors, journal,
dates, pages, identifiers, publication types, and the RetractionIn / ErratumIn /
ExpressionOfConcernIn links of CommentsCorrections. PMIDs go up to :data:`BATCH` at a
time in a POSTed ``id`` list.

efetch says nothing at all about a PMID PubMed does not know: the record is simply
absent, as it is when an answer is cut short. So a PMID efetch leaves out twice is asked
of esummary (JSON), which names an unknown PMID inside a good response (``"error":
"cannot get document summary"``); that makes a ``not-found`` record, not a failure. A PMID
neither answer says anything about is left out of the result: unknown, never recorded
as not found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from .errors import InputError, OutsideError
from .http import HttpClient, limiter_for
from .model import (
    Author,
    Citation,
    Notice,
    clean_text,
    initials,
    tolerant,
    utc_now,
    valid_doi,
    valid_pmcid,
    valid_pmid,
)

# IDs per efetch (and fallback esummary) request, POSTed. NCBI's E-utilities help
# (NBK25499) asks for POST above about 200 IDs and caps a retrieval at 10,000 records;
# its own recipe for large sets (NBK25498, "Retrieving large datasets") fetches 500
# records a request. Full PubMed XML runs to 5-50 kB a record (abstract, MeSH, grants,
# reference lists: 44 kB for the recorded biopython/pubmed4.xml), so 500 keeps an answer
# at 2-25 MB, below literature.http.MAX_BODY_BYTES (64 MB), where 10,000 would not be. The
# history server (epost, then efetch by WebEnv) would only add a request: a POSTed id list
# needs none. 1,000 PMIDs take 2 requests.
BATCH = 500
DEFAULT_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
TOOL = "crsmap"
RETRACTED = "Retracted Publication"
_NOTICE_REFTYPES = {
    "RetractionIn": "retraction",
    "ErratumIn": "erratum",
    "ExpressionOfConcernIn": "expression-of-concern",
}
_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")


class PubMedClient:
    """efetch (and esummary for what efetch is silent about) for batches of PMIDs, politely."""

    def __init__(self, base_url: str = DEFAULT_URL, email: str = "", api_key: str = ""):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.email = email
        self.api_key = api_key
        limiter = limiter_for("ncbi", 10 if api_key else 3)
        self.http = HttpClient("NCBI E-utilities", limiter, secrets=(api_key,))

    def _form(self, pmids: Iterable[str], **extra: str) -> dict[str, str]:
        form = {"db": "pubmed", "id": ",".join(pmids), "tool": TOOL, **extra}
        if self.email:
            form["email"] = self.email
        if self.api_key:
            form["api_key"] = self.api_key
        return form

    def articles(self, pmids: list[str]) -> dict[str, Citation]:
        """One efetch request: a citation, notices included, per PMID the answer carries."""
        response = self.http.request(
            "POST",
            self.base_url + "efetch.fcgi",
            data=self._form(pmids, retmode="xml"),
            what="efetch",
        )
        return parse_articles(response.content)

    def summaries(self, pmids: list[str]) -> dict[str, Citation]:
        """One esummary request: a citation or a not-found record per PMID it answered about."""
        response = self.http.request(
            "POST", self.base_url + "esummary.fcgi",
            data=self._form(pmids, retmode="json", version="2.0"), what="esummary",
        )  # fmt: skip
        try:
            document = json.loads(response.content)
        except ValueError:
            raise OutsideError("NCBI esummary answered with malformed JSON") from None
        return parse_esummary(document, pmids)


# --------------------------------------------------------------------------- efetch


@tolerant("NCBI efetch")
def parse_articles(xml: bytes) -> dict[str, Citation]:
    """A citation per PMID of an efetch PubmedArticleSet answer, parsed safely.

    The fields are those esummary gave before (issue 17): PubMed's journal abbreviation
    (MedlineTA), the year of the issue's PubDate (or MedlineDate, or the electronic
    ArticleDate), MedlinePgn, the DOI and PMC ID of the PubmedData ArticleIdList, authors
    as family name and initials (collective names left out, as esummary's authtype did).
    """
    root = _parse_xml(xml)
    if root.tag != "PubmedArticleSet":
        raise OutsideError(f"NCBI efetch answered with <{root.tag}>, expected <PubmedArticleSet>")
    now = utc_now()
    found: dict[str, Citation] = {}
    for article in root.iterfind("PubmedArticle"):
        citation = _journal_citation(article, now)
        if citation is not None:
            found[citation.pmid] = citation
    # Book records (NBK...) come as PubmedBookArticle/BookDocument.
    for article in root.iterfind("PubmedBookArticle"):
        citation = _book_citation(article, now)
        if citation is not None:
            found[citation.pmid] = citation
    return found


def parse_efetch(xml: bytes) -> dict[str, tuple[bool, tuple[Notice, ...]]]:
    """(retracted, notices) per PMID from efetch PubmedArticleSet XML, parsed safely."""
    return {pmid: (c.retracted, c.notices) for pmid, c in parse_articles(xml).items()}


def _journal_citation(article, now: str) -> Citation | None:
    top = _children(article)
    medline = _children(_first(top, "MedlineCitation"))
    pmid = valid_pmid(_raw(medline, "PMID"))
    if not pmid:
        return None
    paper = _children(_first(medline, "Article"))
    journal = _children(_first(paper, "Journal"))
    issue = _children(_first(journal, "JournalIssue"))
    pagination = _children(_first(paper, "Pagination"))
    ids = _article_ids(_first(_children(_first(top, "PubmedData")), "ArticleIdList"))
    elocation = {
        e.get("EIdType", ""): e.text or ""
        for e in paper.get("ELocationID", ())
        if e.get("ValidYN", "Y") != "N"
    }
    first, last = _plain(pagination, "StartPage"), _plain(pagination, "EndPage")
    types = _children(_first(paper, "PublicationTypeList")).get("PublicationType", ())
    return _citation(
        pmid,
        now,
        title=_all_text(_first(paper, "ArticleTitle"))
        or _all_text(_first(paper, "VernacularTitle")),
        authors=_authors(paper.get("AuthorList", ())),
        journal=_plain(_children(_first(medline, "MedlineJournalInfo")), "MedlineTA")
        or _plain(journal, "ISOAbbreviation")
        or _plain(journal, "Title"),
        year=_year(_first(issue, "PubDate")) or _year(_first(paper, "ArticleDate")),
        volume=_plain(issue, "Volume"),
        issue=_plain(issue, "Issue"),
        pages=_plain(pagination, "MedlinePgn") or (f"{first}-{last}" if first and last else first),
        doi=valid_doi(ids.get("doi")) or valid_doi(elocation.get("doi")),
        pmcid=valid_pmcid(ids.get("pmc")),
        pubtypes=_pubtypes(types),
        notices=_notices(_first(medline, "CommentsCorrectionsList")),
    )


def _book_citation(article, now: str) -> Citation | None:
    top = _children(article)
    document = _children(_first(top, "BookDocument"))
    pmid = valid_pmid(_raw(document, "PMID"))
    if not pmid:
        return None
    book = _children(_first(document, "Book"))
    chapter = _all_text(_first(document, "ArticleTitle"))
    book_title = _all_text(_first(book, "BookTitle"))
    book_data = _children(_first(top, "PubmedBookData"))
    ids = _article_ids(_first(book_data, "ArticleIdList")) | _article_ids(
        _first(document, "ArticleIdList")
    )
    authors = _authors(document.get("AuthorList", ())) or _authors(book.get("AuthorList", ()))
    return _citation(
        pmid,
        now,
        title=chapter or book_title,
        authors=authors,
        journal=book_title if chapter else "",
        year=_year(_first(book, "PubDate")),
        volume=_plain(book, "Volume"),
        issue="",
        pages="",
        doi=valid_doi(ids.get("doi")),
        pmcid=valid_pmcid(ids.get("pmc")),
        pubtypes=_pubtypes(document.get("PublicationType", ())),
        notices=_notices(_first(document, "CommentsCorrectionsList")),
    )


def _citation(pmid: str, now: str, *, pubtypes: tuple[str, ...], notices, **fields) -> Citation:
    retracted = RETRACTED in pubtypes or any(n.type == "retraction" for n in notices)
    return Citation(
        id=f"pubmed:{pmid}",
        status="ok",
        source="pubmed",
        fetched=now,
        pmid=pmid,
        pubtypes=pubtypes,
        retracted=retracted,
        notices=notices,
        **fields,
    )


# Every record is read by one pass over the children of the elements on the way to each
# field: lxml's find() with a path runs Python per call, ten times slower for ~20 fields.


def _children(element) -> dict[str, list]:
    """The child elements of ``element`` (None: none) by tag; comments and PIs left out."""
    children: dict[str, list] = {}
    if element is not None:
        for child in element:
            if isinstance(child.tag, str):
                children.setdefault(child.tag, []).append(child)
    return children


def _first(children: dict[str, list], tag: str):
    found = children.get(tag)
    return found[0] if found else None


def _raw(children: dict[str, list], tag: str) -> str:
    """The text of the first ``tag`` child as it is (``findtext``), "" when there is none."""
    element = _first(children, tag)
    return "" if element is None else element.text or ""


def _plain(children: dict[str, list], tag: str) -> str:
    return clean_text(_raw(children, tag))


def _all_text(element) -> str:
    """The text of an element and of the markup inside it (``<i>``, ``<sup>``) on one line."""
    return "" if element is None else clean_text("".join(element.itertext()))


def _article_ids(id_list) -> dict[str, str]:
    ids: dict[str, str] = {}
    for item in _children(id_list).get("ArticleId", ()):
        if item.text:
            ids.setdefault(item.get("IdType", ""), item.text)
    return ids


def _authors(author_lists) -> tuple[Author, ...]:
    """Persons of the author lists (not editors), as esummary named them: family + initials."""
    authors = []
    for author_list in author_lists:
        if author_list.get("Type", "authors") != "authors":
            continue
        for person in _children(author_list).get("Author", ()):
            parts = _children(person)
            family = _plain(parts, "LastName")
            if not family or person.get("ValidYN", "Y") == "N":
                continue  # a CollectiveName, or a name PubMed itself marks invalid
            given = _plain(parts, "Initials") or initials(_plain(parts, "ForeName"))
            authors.append(Author(family, given))
    return tuple(authors)


def _year(date) -> int | None:
    if date is None:
        return None
    parts = _children(date)
    found = _YEAR.search(f"{_raw(parts, 'Year')} {_raw(parts, 'MedlineDate')}")
    return int(found.group(1)) if found else None


def _pubtypes(elements) -> tuple[str, ...]:
    return tuple(t for t in (_all_text(e) for e in elements) if t)


def _notices(corrections) -> tuple[Notice, ...]:
    notices = set()
    for link in _children(corrections).get("CommentsCorrections", ()):
        kind = _NOTICE_REFTYPES.get(link.get("RefType", ""))
        target = valid_pmid(_raw(_children(link), "PMID"))
        if kind and target:
            notices.add(Notice(kind, f"pubmed:{target}"))
    return tuple(sorted(notices, key=lambda n: (n.type, n.id)))


def _parse_xml(xml: bytes):
    """The root of an efetch answer, parsed as untrusted XML; any failure is the service's (exit 3)."""
    from .xmlsafe import parse_xml_bytes

    try:
        return parse_xml_bytes(xml, "efetch answer").getroot()
    except InputError as exc:
        raise OutsideError(f"NCBI efetch answered with malformed XML: {exc}") from None


# --------------------------------------------------------------------------- esummary


@tolerant("NCBI esummary")
def parse_esummary(document: dict, requested: Iterable[str]) -> dict[str, Citation]:
    """Citations from an esummary retmode=json document, for the PMIDs it answers about.

    A PMID with an ``error`` entry is ``not-found`` (so is one missing from a result that
    carries a top-level ``error``, which explains its absence). A PMID the answer is
    silent or garbled about is left out: unknown, not not-found.
    """
    if not isinstance(document, dict):
        raise OutsideError("NCBI esummary answered with an unexpected document")
    if "error" in document and "result" not in document:
        raise OutsideError(
            f"NCBI esummary refused the request: {clean_text(document['error'])[:200]}"
        )
    result = document.get("result")
    if not isinstance(result, dict):
        raise OutsideError("NCBI esummary answered without a result")
    explained = "error" in document
    now = utc_now()
    citations = {}
    for pmid in requested:
        summary = result.get(pmid)
        if (isinstance(summary, dict) and "error" in summary) or (summary is None and explained):
            citations[pmid] = Citation(
                id=f"pubmed:{pmid}", status="not-found", source="pubmed", fetched=now, pmid=pmid
            )
        elif isinstance(summary, dict) and str(summary.get("uid", pmid)) == pmid:
            citations[pmid] = _summary_citation(pmid, summary, now)
    return citations


def _summary_citation(pmid: str, summary: dict, now: str) -> Citation:
    ids = {}
    for item in summary.get("articleids") or ():
        if isinstance(item, dict) and item.get("idtype") and item.get("value"):
            ids.setdefault(item["idtype"], item["value"])
    authors = tuple(
        _split_name(_author_name(a["name"]))
        for a in summary.get("authors") or ()
        if isinstance(a, dict) and a.get("authtype", "Author") == "Author" and a.get("name")
    )
    pubtypes = tuple(clean_text(p) for p in summary.get("pubtype") or ())
    year = _YEAR.search(str(summary.get("pubdate") or summary.get("epubdate") or ""))
    return Citation(
        id=f"pubmed:{pmid}",
        status="ok",
        source="pubmed",
        fetched=now,
        pmid=pmid,
        pmcid=valid_pmcid(ids.get("pmc")),
        doi=valid_doi(ids.get("doi")),
        title=_text(summary.get("title") or summary.get("vernaculartitle")),
        authors=authors,
        journal=_text(summary.get("source")),
        year=int(year.group(1)) if year else None,
        volume=_text(summary.get("volume")),
        issue=_text(summary.get("issue")),
        pages=_text(summary.get("pages")),
        pubtypes=pubtypes,
        retracted=RETRACTED in pubtypes,
    )


def _text(value) -> str:
    return clean_text(value)


def _author_name(value) -> str:
    """An author's name is text: a number or a list there is an answer of the wrong shape.

    (clean_text would quietly turn ``5`` into the author "5"; issue 7 made such answers an
    OutsideError, and validating identifiers in issue 12 must not undo that.)
    """
    if not isinstance(value, str):
        raise OutsideError("NCBI esummary answered with an author name that is not text")
    return clean_text(value)


def _split_name(name: str) -> Author:
    """PubMed writes ``Giavridis T`` and ``van der Stegen SJC``: initials come last."""
    parts = name.split()
    if len(parts) > 1 and parts[-1].isupper() and len(parts[-1]) <= 4:
        return Author(" ".join(parts[:-1]), parts[-1])
    return Author(name.strip(), "")
