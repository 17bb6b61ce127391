"""PubMed through NCBI E-utilities: esummary (JSON) for metadata, efetch (XML) for notices.

Both are asked for up to :data:`BATCH` IDs at a time by POST. PubMed answers an unknown
PMID inside a good response (``"error": "cannot get document summary"``); that makes a
``not-found`` record, not a failure. A PMID the answer says nothing about is left out of
the result: the caller asks again, and never records it as not found.
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
    tolerant,
    utc_now,
    valid_doi,
    valid_pmcid,
    valid_pmid,
)

BATCH = 200
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
    """esummary and efetch for batches of PMIDs, politely."""

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

    def notices(self, pmids: list[str]) -> dict[str, tuple[bool, tuple[Notice, ...]]]:
        """One efetch request: (retracted, notices) from CommentsCorrections, per PMID found."""
        response = self.http.request(
            "POST",
            self.base_url + "efetch.fcgi",
            data=self._form(pmids, retmode="xml"),
            what="efetch",
        )
        return parse_efetch(response.content)


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


@tolerant("NCBI efetch")
def parse_efetch(xml: bytes) -> dict[str, tuple[bool, tuple[Notice, ...]]]:
    """(retracted, notices) per PMID from efetch PubmedArticleSet XML, parsed safely."""
    root = _parse_xml(xml)
    if root.tag != "PubmedArticleSet":
        raise OutsideError(f"NCBI efetch answered with <{root.tag}>, expected <PubmedArticleSet>")
    found: dict[str, tuple[bool, tuple[Notice, ...]]] = {}
    # Book records (NBK...) come as PubmedBookArticle/BookDocument, with the same parts.
    articles = [(a, "MedlineCitation") for a in root.iterfind("PubmedArticle")]
    articles += [(a, "BookDocument") for a in root.iterfind("PubmedBookArticle")]
    for article, part in articles:
        pmid = valid_pmid(article.findtext(f"{part}/PMID") or "")
        if not pmid:
            continue
        pubtypes = {
            (t.text or "").strip()
            for path in ("Article/PublicationTypeList/PublicationType", "PublicationType")
            for t in article.iterfind(f"{part}/{path}")
        }
        notices = []
        for link in article.iterfind(f"{part}/CommentsCorrectionsList/CommentsCorrections"):
            kind = _NOTICE_REFTYPES.get(link.get("RefType", ""))
            target = valid_pmid(link.findtext("PMID") or "")
            if kind and target:
                notices.append(Notice(kind, f"pubmed:{target}"))
        unique = tuple(sorted(set(notices), key=lambda n: (n.type, n.id)))
        retracted = RETRACTED in pubtypes or any(n.type == "retraction" for n in unique)
        found[pmid] = (retracted, unique)
    return found


def _parse_xml(xml: bytes):
    """The root of an efetch answer, parsed as untrusted XML; any failure is the service's (exit 3)."""
    from .xmlsafe import parse_xml_bytes

    try:
        return parse_xml_bytes(xml, "efetch answer").getroot()
    except InputError as exc:
        raise OutsideError(f"NCBI efetch answered with malformed XML: {exc}") from None
