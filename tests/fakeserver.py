"""A local fake of NCBI E-utilities, NCBI's PMC ID converter and the Crossref REST API.

Tests register fixture records (``add_pubmed``, ``add_crossref``) and point the client at
``eutils_url``, ``idconv_url`` and ``crossref_url``. Answers follow the shapes of the real
responses recorded in ``../shared/data/eutils`` (esummary retmode=json, efetch XML, epost
XML, idconv JSON, Crossref ``/works/{doi}``), including their error forms: an unknown PMID
inside a 200 from esummary, an empty ``PubmedArticleSet`` from efetch, an error record from
idconv, a plain-text 404 from Crossref, and NCBI's JSON 429 body. epost stores ID lists on a
small history server that efetch and esummary read with ``WebEnv`` + ``query_key`` (and
``retstart`` / ``retmax``), as a client such as Bio.Entrez uses them.

The server binds 127.0.0.1 only, on a free port, and serves each connection in its own
thread. It never writes to stderr; errors inside the fake itself are kept in
``internal_errors`` (the ``literature_server`` fixture fails the test when there are any).

Only the standard library and pytest are used here, so the fake cannot share bugs with the
client's HTTP stack.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import datetime as dt
import json
import re
import socket
import socketserver
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest

HOST = "127.0.0.1"
ENDPOINTS = ("esummary", "efetch", "epost", "idconv", "crossref")
FAULT_KINDS = (
    "500", "502", "503", "429", "slow", "malformed", "truncated", "drop",
    # Hostile servers (tests/test_network_hardening.py):
    "redirect", "drip", "drip-body", "huge", "huge-unannounced", "partial",
)  # fmt: skip
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# The E-utilities share NCBI's per-caller budget; idconv and Crossref are not counted.
RATE_LIMITED = frozenset({"esummary", "efetch", "epost"})
# NBK25499: EFetch and ESummary give at most 10,000 records of a history-server set.
HISTORY_RETMAX = 10_000

_EUTILS_PREFIX = "/entrez/eutils/"
_CROSSREF_WORKS = "/crossref/works/"
_JSON = "application/json; charset=UTF-8"
_XML = "text/xml; charset=UTF-8"
_TEXT = "text/plain; charset=UTF-8"

# MeSH publication-type UIs, as efetch prints them in PublicationType/@UI.
_PUBTYPE_UI = {
    "Journal Article": "D016428",
    "Review": "D016454",
    "Research Support, Non-U.S. Gov't": "D013485",
    "Retracted Publication": "D016441",
    "Retraction of Publication": "D016440",
    "Published Erratum": "D016425",
}
_CROSSREF_LABELS = {
    "retraction": "Retraction",
    "correction": "Correction",
    "erratum": "Erratum",
    "expression_of_concern": "Expression of concern",
    "withdrawal": "Withdrawal",
}
# Recorded bodies (../shared/data/eutils/errors and crossref/).
_CROSSREF_404_BODY = b"Resource not found."
_CROSSREF_429_BODY = (
    b"<html><body><h1>429 Too Many Requests</h1>\n"
    b"You have sent too many requests in a given amount of time.\n</body></html>\n"
)
# NCBI's DOCTYPE lines (recorded: biopython/pubmed1.xml, biopython/epost1.xml); a client such
# as Bio.Entrez needs them to parse, crsmap parses with DTDs off.
PUBMED_DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)
_EPOST_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE ePostResult PUBLIC '
    '"-//NLM//DTD epost 20090526//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20090526/epost.dtd">'
)
_EFETCH_NO_IDS_BODY = (
    b"<?xml version='1.0' encoding='UTF-8'?><eFetchResult><ERROR>"
    b"ID list is empty! Possibly it has no correct IDs.</ERROR></eFetchResult>"
)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Request:
    """One request as the fake saw it.

    ``time`` is ``time.monotonic()`` at arrival; ``params`` merges the GET query and a POST
    form (repeated names joined by commas); ``status`` is the HTTP status sent, 0 when the
    connection was dropped without an answer. ``ids`` are the identifiers asked for (PMIDs,
    PMC IDs or the one percent-decoded DOI; repeats dropped, order kept) and ``path`` is the
    raw request path without the query.
    """

    time: float
    endpoint: str
    method: str
    params: dict[str, str]
    status: int
    ids: tuple[str, ...] = ()
    path: str = ""


@dataclass(frozen=True)
class PubmedRecord:
    """A PubMed fixture record (what ``add_pubmed`` stores)."""

    pmid: str
    title: str
    authors: tuple[tuple[str, str], ...]
    journal: str
    year: int
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str | None = None
    pmcid: str | None = None
    pubtypes: tuple[str, ...] = ("Journal Article",)
    retraction_in: tuple[str, ...] = ()
    erratum_in: tuple[str, ...] = ()
    expression_of_concern_in: tuple[str, ...] = ()
    retraction_of: tuple[str, ...] = ()

    @property
    def publication_types(self) -> list[str]:
        """``pubtypes`` plus what PubMed adds for linked notices."""
        types = list(self.pubtypes)
        if self.retraction_in and "Retracted Publication" not in types:
            types.append("Retracted Publication")
        if self.retraction_of and "Retraction of Publication" not in types:
            types.append("Retraction of Publication")
        return types


@dataclass(frozen=True)
class CrossrefRecord:
    """A Crossref fixture record (what ``add_crossref`` stores)."""

    doi: str
    title: str
    authors: tuple[tuple[str, str], ...]
    journal: str
    year: int
    volume: str = ""
    issue: str = ""
    page: str = ""
    updated_by: tuple[dict[str, Any], ...] = ()
    update_to: tuple[dict[str, Any], ...] = ()


@dataclass
class _Fault:
    endpoint: str
    kind: str
    skip: int
    times: int
    delay: float
    retry_after: int | str | None
    location: str = ""
    redirect_status: int = 307
    size: int = 0
    hold: threading.Event | None = None


@dataclass
class _Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Admission:
    """What to do with an arriving request, decided under the server lock."""

    arrival: float
    fault: _Fault | None
    limited: bool
    count: int  # requests of this caller in the window, this one included
    limit: int
    caller: str  # the api_key, or the client's address when no key was sent


# --------------------------------------------------------------------------- rendering


def _initials(given: str) -> str:
    """``Josiah S.`` -> ``JS``, ``Jean-Paul`` -> ``JP``; already-compact ``AJ`` stays."""
    compact = re.sub(r"[\s.\-]", "", given)
    if compact.isupper():
        return compact
    return "".join(word[0].upper() for word in re.findall(r"[^\W\d_]+", given))


def _short_name(family: str, given: str) -> str:
    return f"{family} {_initials(given)}".strip()


def _sort_title(title: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", title.lower()).split())


def _is_pmid(text: str) -> bool:
    return re.fullmatch(r"[0-9]+", text) is not None and int(text) > 0


def _split_ids(value: str) -> list[str]:
    """Comma-separated identifiers, stripped, duplicates dropped, request order kept."""
    seen: dict[str, None] = {}
    for part in value.split(","):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


def _web_env(params: dict[str, str]) -> str:
    """The ``WebEnv`` parameter; NCBI also takes it as ``webenv``, which Bio.Entrez sends."""
    return params.get("WebEnv") or params.get("webenv") or ""


def _stamp(year: int, month: int = 1, day: int = 1) -> dict[str, Any]:
    """A Crossref timestamp object (date-parts, date-time, timestamp in ms)."""
    moment = dt.datetime(year, month, day, tzinfo=dt.UTC)
    return {
        "date-parts": [[year, month, day]],
        "date-time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timestamp": int(moment.timestamp() * 1000),
    }


def _compact_json(data: Any) -> bytes:
    # NCBI and Crossref both answer with single-line JSON.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _ncbi_429_body(caller: str, count: int, limit: int) -> bytes:
    return _compact_json(
        {
            "error": "API rate limit exceeded",
            "api-key": caller,
            "count": str(count),
            "limit": str(limit),
        }
    )


def _error_page(status: int) -> bytes:
    phrase = HTTPStatus(status).phrase
    return f"<html><body><h1>{status} {phrase}</h1></body></html>\n".encode()


def esummary_document(record: PubmedRecord) -> dict[str, Any]:
    """The esummary (retmode=json) document summary of a record, keys in NCBI's order."""
    names = [_short_name(family, given) for family, given in record.authors]
    article_ids: list[dict[str, Any]] = [{"idtype": "pubmed", "idtypen": 1, "value": record.pmid}]
    if record.pmcid:
        article_ids.append({"idtype": "pmc", "idtypen": 8, "value": record.pmcid})
        article_ids.append({"idtype": "pmcid", "idtypen": 5, "value": f"pmc-id: {record.pmcid};"})
    if record.doi:
        article_ids.append({"idtype": "doi", "idtypen": 3, "value": record.doi})
    history_date = f"{record.year}/01/01 00:00"
    return {
        "uid": record.pmid,
        "pubdate": str(record.year),
        "epubdate": "",
        "source": record.journal,
        "authors": [{"name": name, "authtype": "Author", "clusterid": ""} for name in names],
        "lastauthor": names[-1] if names else "",
        "title": record.title,
        "sorttitle": _sort_title(record.title),
        "volume": record.volume,
        "issue": record.issue,
        "pages": record.pages,
        "lang": ["eng"],
        "nlmuniqueid": "",
        "issn": "",
        "essn": "",
        "pubtype": record.publication_types,
        "recordstatus": "PubMed - indexed for MEDLINE",
        "pubstatus": "4",
        "articleids": article_ids,
        "history": [
            {"pubstatus": "pubmed", "date": history_date},
            {"pubstatus": "entrez", "date": history_date},
        ],
        "references": [],
        "attributes": [],
        "pmcrefcount": "",
        "fulljournalname": record.journal,
        "elocationid": f"doi: {record.doi}" if record.doi else "",
        "doctype": "citation",
        "srccontriblist": [],
        "booktitle": "",
        "medium": "",
        "edition": "",
        "publisherlocation": "",
        "publishername": "",
        "srcdate": "",
        "reportnumber": "",
        "availablefromurl": "",
        "locationlabel": "",
        "doccontriblist": [],
        "docdate": "",
        "bookname": "",
        "chapter": "",
        "sortpubdate": history_date,
        "sortfirstauthor": names[0] if names else "",
        "vernaculartitle": "",
    }


def _ref_source(pmid: str, records: dict[str, PubmedRecord]) -> str:
    """A citation line for CommentsCorrections/RefSource, like ``Lancet. 2010;375(9713):445.``"""
    linked = records.get(pmid)
    if linked is None:
        return f"Notice PMID {pmid}."
    text = f"{linked.journal}. {linked.year}"
    if linked.volume:
        text += f";{linked.volume}"
        if linked.issue:
            text += f"({linked.issue})"
    if linked.pages:
        text += f":{linked.pages}"
    text += "."
    if linked.doi:
        text += f" doi: {linked.doi}."
    return text


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def efetch_article(record: PubmedRecord, records: dict[str, PubmedRecord]) -> ET.Element:
    """One ``PubmedArticle`` element; ``records`` supplies RefSource text for linked notices."""
    article_el = ET.Element("PubmedArticle")
    citation = _sub(article_el, "MedlineCitation", Status="MEDLINE", Owner="NLM")
    _sub(citation, "PMID", record.pmid, Version="1")
    article = _sub(citation, "Article", PubModel="Print")
    journal = _sub(article, "Journal")
    issue = _sub(journal, "JournalIssue", CitedMedium="Print")
    if record.volume:
        _sub(issue, "Volume", record.volume)
    if record.issue:
        _sub(issue, "Issue", record.issue)
    _sub(_sub(issue, "PubDate"), "Year", str(record.year))
    _sub(journal, "Title", record.journal)
    _sub(journal, "ISOAbbreviation", record.journal)
    _sub(article, "ArticleTitle", record.title)
    if record.pages:
        _sub(_sub(article, "Pagination"), "MedlinePgn", record.pages)
    if record.doi:
        _sub(article, "ELocationID", record.doi, EIdType="doi", ValidYN="Y")
    if record.authors:
        author_list = _sub(article, "AuthorList", CompleteYN="Y")
        for family, given in record.authors:
            author = _sub(author_list, "Author", ValidYN="Y")
            _sub(author, "LastName", family)
            if given:
                _sub(author, "ForeName", given)
                _sub(author, "Initials", _initials(given))
    _sub(article, "Language", "eng")
    types = _sub(article, "PublicationTypeList")
    for pubtype in record.publication_types:
        ui = _PUBTYPE_UI.get(pubtype)
        _sub(types, "PublicationType", pubtype, **({"UI": ui} if ui else {}))
    info = _sub(citation, "MedlineJournalInfo")
    _sub(info, "MedlineTA", record.journal)
    links = [
        ("RetractionOf", record.retraction_of),
        ("RetractionIn", record.retraction_in),
        ("ErratumIn", record.erratum_in),
        ("ExpressionOfConcernIn", record.expression_of_concern_in),
    ]
    if any(pmids for _, pmids in links):
        corrections = _sub(citation, "CommentsCorrectionsList")
        for ref_type, pmids in links:
            for pmid in pmids:
                link = _sub(corrections, "CommentsCorrections", RefType=ref_type)
                _sub(link, "RefSource", _ref_source(pmid, records))
                _sub(link, "PMID", pmid, Version="1")
    pubmed_data = _sub(article_el, "PubmedData")
    _sub(pubmed_data, "PublicationStatus", "ppublish")
    ids = _sub(pubmed_data, "ArticleIdList")
    _sub(ids, "ArticleId", record.pmid, IdType="pubmed")
    if record.doi:
        _sub(ids, "ArticleId", record.doi, IdType="doi")
    if record.pmcid:
        _sub(ids, "ArticleId", record.pmcid, IdType="pmc")
    return article_el


def efetch_document(records: Iterable[PubmedRecord], all_records: dict[str, PubmedRecord]) -> bytes:
    """A ``PubmedArticleSet`` document with NCBI's DOCTYPE line, as efetch sends it."""
    root = ET.Element("PubmedArticleSet")
    for record in records:
        root.append(efetch_article(record, all_records))
    # short_empty_elements=False: no match gives <PubmedArticleSet></PubmedArticleSet>, as NCBI.
    text = ET.tostring(root, encoding="unicode", short_empty_elements=False)
    return f'<?xml version="1.0" ?>\n{PUBMED_DOCTYPE}\n{text}\n'.encode()


def _crossref_update(entry: dict[str, Any], year: int) -> dict[str, Any]:
    """An ``updated-by`` / ``update-to`` item; keys the caller gives override the defaults."""
    if "DOI" not in entry or "type" not in entry:
        raise ValueError(f"a Crossref update needs 'DOI' and 'type': {entry!r}")
    item = {
        "DOI": entry["DOI"],
        "type": entry["type"],
        "label": _CROSSREF_LABELS.get(entry["type"], entry["type"].replace("_", " ").capitalize()),
        "source": "publisher",
        "updated": _stamp(year),
    }
    item.update(entry)
    return item


def crossref_work(record: CrossrefRecord) -> dict[str, Any]:
    """The body of ``GET /works/{doi}``, keys in Crossref's order; absent fields left out."""
    published = {"date-parts": [[record.year]]}
    message: dict[str, Any] = {
        "indexed": _stamp(2026, 1, 1) | {"version": "3.54.1"},
        "reference-count": 0,
        "publisher": "Fake Publisher",
    }
    if record.issue:
        message["issue"] = record.issue
    message |= {
        "short-container-title": [record.journal],
        "published-print": published,
        "DOI": record.doi,
        "type": "journal-article",
        "created": _stamp(record.year),
    }
    if record.page:
        message["page"] = record.page
    message |= {
        "source": "Crossref",
        "is-referenced-by-count": 0,
        "title": [record.title],
        "prefix": record.doi.split("/", 1)[0],
    }
    if record.volume:
        message["volume"] = record.volume
    message["author"] = [
        {
            **({"given": given} if given else {}),
            "family": family,
            "sequence": "first" if position == 0 else "additional",
            "affiliation": [],
        }
        for position, (family, given) in enumerate(record.authors)
    ]
    message["member"] = "0"
    if record.updated_by:
        message["updated-by"] = [_crossref_update(u, record.year) for u in record.updated_by]
    if record.update_to:
        message["update-to"] = [_crossref_update(u, record.year) for u in record.update_to]
    message |= {
        "container-title": [record.journal],
        "original-title": [],
        "language": "en",
        "deposited": _stamp(record.year),
        "score": 1,
        "resource": {"primary": {"URL": f"https://publisher.example/doi/{record.doi}"}},
        "subtitle": [],
        "short-title": [],
        "issued": published,
        "references-count": 0,
        "journal-issue": {
            **({"issue": record.issue} if record.issue else {}),
            "published-print": published,
        },
        "URL": f"https://doi.org/{record.doi}",
        "relation": {},
        "ISSN": [],
        "subject": [],
        "published": published,
    }
    return {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": message}


# --------------------------------------------------------------------------- HTTP layer


class LocalHTTPServer(ThreadingHTTPServer):
    """Threaded server on 127.0.0.1 that remembers open connections so ``stop`` can close
    them, and keeps what went wrong in its handlers in ``fake.internal_errors``. Every fake
    service of the tests serves through it (``tests/minervaserver.py`` too)."""

    def __init__(self, fake, handler: type[BaseHTTPRequestHandler]) -> None:
        self.fake = fake
        self.connections: dict[threading.Thread, socket.socket] = {}
        self.connections_lock = threading.Lock()
        super().__init__((HOST, 0), handler)

    def serve_in_thread(self) -> threading.Thread:
        """Serve in a daemon thread (stop_serving waits one poll interval: kept short)."""
        thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        thread.start()
        return thread

    def stop_serving(self, thread: threading.Thread) -> None:
        """Stop the loop, close every open connection and wait for the handler threads."""
        self.shutdown()
        with self.connections_lock:
            connections = dict(self.connections)
        for sock in connections.values():
            # Wakes handler threads blocked reading an idle kept-alive connection.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.server_close()
        thread.join()
        for handler_thread in connections:
            handler_thread.join(timeout=5)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can stall.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request, client_address) -> None:
        # Registered here, in the serving thread, so that once shutdown() has returned every
        # accepted connection is known to stop().
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), daemon=True
        )
        with self.connections_lock:
            self.connections[thread] = request
        thread.start()

    def _serve_connection(self, request, client_address) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.connections.pop(threading.current_thread(), None)

    def handle_error(self, request, client_address) -> None:
        # A client that goes away mid-answer (timeouts, drop tests) is normal; anything else
        # is a bug in the fake. Never print: the default handler writes to stderr.
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, OSError):
            self.fake.internal_errors.append(error)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, as the real services do, so pooled clients are tested
    # the way they run; every answer therefore carries a Content-Length.
    protocol_version = "HTTP/1.1"
    server_version = "FakeLiterature/1.0"
    timeout = 10  # an idle kept-alive connection closes by itself
    # Headers and body leave in one segment: with Nagle and delayed ACKs, two small writes
    # cost ~40 ms per answer on loopback.
    disable_nagle_algorithm = True
    wbufsize = -1  # buffered; BaseHTTPRequestHandler flushes after each request
    server: LocalHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the real server's access log would go to stderr."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        body = self._read_body()
        if body is None:
            return
        split = urlsplit(self.path)
        endpoint, ids, params, problem = self._parse(method, split.path, split.query, body)
        if problem is not None:
            # Bad path, method or body: answered before rate limiting, like a front-end proxy.
            fake._record(
                Request(time.monotonic(), endpoint, method, params, problem.status, ids, split.path)
            )
            self._send(problem)
            return
        admission = fake._admit(endpoint, params, self.client_address[0])
        fault = admission.fault
        try:
            if fault is not None and fault.kind == "slow":
                if fault.hold is not None:
                    fault.hold.wait()  # the test (or stop()) says when
                else:
                    time.sleep(fault.delay)
            response = self._respond(endpoint, params, ids, admission)
        except Exception as error:  # a bug in the fake: keep it visible, answer 500
            fake.internal_errors.append(error)
            response = _Response(500, f"fake server error: {error!r}".encode(), _TEXT)
            fault = None
        kind = fault.kind if fault is not None else ""
        status = 0 if kind == "drop" else response.status
        # Logged before answering, so the log is complete when the client has its answer.
        fake._record(Request(admission.arrival, endpoint, method, params, status, ids, split.path))
        if kind == "drop":
            self.close_connection = True
        elif kind == "truncated":
            self._send(response, truncate=True)
        elif kind in ("drip", "drip-body"):
            self._send_dripping(response, fault.delay, headers_too=kind == "drip")
        elif kind in ("huge", "huge-unannounced"):
            self._send_huge(response, fault.size, announced=kind == "huge")
        else:
            self._send(response)

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            self._send(_Response(411, b"fake server: send a Content-Length", _TEXT))
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._send(_Response(400, b"fake server: bad Content-Length", _TEXT))
            return None
        return self.rfile.read(length) if length else b""

    def _parse(
        self, method: str, path: str, query: str, body: bytes
    ) -> tuple[str, tuple[str, ...], dict[str, str], _Response | None]:
        pairs = parse_qsl(query, keep_blank_values=True)
        problem = None
        if body:
            content_type = self.headers.get("Content-Type", "")
            if content_type.startswith("application/x-www-form-urlencoded"):
                pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            else:
                problem = _Response(400, b"fake server: POST a form-encoded body", _TEXT)
        merged: dict[str, list[str]] = {}
        for name, value in pairs:
            merged.setdefault(name, []).append(value)
        params = {name: ",".join(values) for name, values in merged.items()}

        ids: tuple[str, ...] = ()
        if path in (f"{_EUTILS_PREFIX}{name}.fcgi" for name in ("esummary", "efetch", "epost")):
            endpoint = path[len(_EUTILS_PREFIX) :].removesuffix(".fcgi")
            ids = tuple(_split_ids(params.get("id", "")))
            if not ids and endpoint != "epost" and _web_env(params):
                stored = self.server.fake._history_ids(params)
                if stored is None:
                    message = b"fake server: unknown WebEnv or query_key"
                    return endpoint, ids, params, _Response(400, message, _TEXT)
                ids = stored
        elif path in ("/idconv", "/idconv/"):
            endpoint = "idconv"
            ids = tuple(_split_ids(params.get("ids", "")))
        elif path.startswith(_CROSSREF_WORKS) and len(path) > len(_CROSSREF_WORKS):
            endpoint = "crossref"
            # unquote, not unquote_plus: "+" is a legal DOI character.
            ids = (unquote(path[len(_CROSSREF_WORKS) :]),)
        else:
            return "unknown", ids, params, _Response(404, b"fake server: no such path", _TEXT)
        if method == "POST" and endpoint not in RATE_LIMITED:
            problem = _Response(405, b"fake server: GET only", _TEXT, {"Allow": "GET"})
        return endpoint, ids, params, problem

    def _respond(
        self, endpoint: str, params: dict[str, str], ids: tuple[str, ...], admission: _Admission
    ) -> _Response:
        fake = self.server.fake
        fault = admission.fault
        kind = fault.kind if fault is not None else ""
        if kind in ("500", "502", "503"):
            return _Response(int(kind), _error_page(int(kind)), "text/html; charset=UTF-8")
        if kind == "redirect":
            status = fault.redirect_status
            body = _error_page(status)
            return _Response(status, body, "text/html; charset=UTF-8", {"Location": fault.location})
        if kind == "partial" and endpoint != "crossref":
            # An answer about only the first half of the IDs asked for (none of one ID).
            ids = ids[: len(ids) // 2]
            if endpoint == "efetch" and not ids:
                return _Response(200, efetch_document([], {}), _XML)
            if endpoint == "esummary" and not ids:  # a result about none of them
                body = {"header": {"type": "esummary", "version": "0.3"}, "result": {"uids": []}}
                return _Response(200, _compact_json(body), _JSON)
        if kind == "429" or admission.limited:
            retry_after = fault.retry_after if fault is not None else fake.retry_after
            headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
            if endpoint == "crossref":
                return _Response(429, _CROSSREF_429_BODY, "text/html", headers)
            count = admission.count
            if fault is not None:
                # An injected 429 should read like a real one even when the window is quiet.
                count = max(count, admission.limit + 1)
            if endpoint in RATE_LIMITED:
                headers["X-RateLimit-Limit"] = str(admission.limit)
            body = _ncbi_429_body(admission.caller, count, admission.limit)
            return _Response(429, body, "application/json", headers)

        if endpoint == "esummary":
            response = fake._answer_esummary(params, list(ids))
        elif endpoint == "efetch":
            response = fake._answer_efetch(params, list(ids))
        elif endpoint == "epost":
            response = fake._answer_epost(params, list(ids))
        elif endpoint == "idconv":
            response = fake._answer_idconv(params, list(ids))
        else:
            response = fake._answer_crossref(ids[0], params, self.headers.get("User-Agent", ""))
        if endpoint in RATE_LIMITED:
            response.headers["X-RateLimit-Limit"] = str(admission.limit)
            remaining = max(0, admission.limit - admission.count)
            response.headers["X-RateLimit-Remaining"] = str(remaining)
        if kind == "malformed":
            # A strict prefix of a JSON object or an XML document never parses.
            core = response.body.rstrip()
            return _Response(200, core[: len(core) // 2], response.content_type, response.headers)
        return response

    def _send_dripping(self, response: _Response, delay: float, headers_too: bool) -> None:
        """One byte every ``delay`` seconds: the whole answer, or only its body."""
        self.close_connection = True
        head = b""
        if headers_too:
            phrase = HTTPStatus(response.status).phrase
            lines = [
                f"HTTP/1.1 {response.status} {phrase}",
                f"Content-Type: {response.content_type}",
            ]
            lines += [f"{name}: {value}" for name, value in response.headers.items()]
            lines += [f"Content-Length: {len(response.body)}", "Connection: close", "", ""]
            head = "\r\n".join(lines).encode()
        else:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.flush()
        stream = head + response.body
        for index in range(len(stream)):  # bounded: the client leaving ends it at once
            self.wfile.write(stream[index : index + 1])
            self.wfile.flush()
            time.sleep(delay)

    def _send_huge(self, response: _Response, size: int, announced: bool) -> None:
        """A 200 of ``size`` bytes made on the fly: the answer's start, then padding.

        ``announced`` sends a Content-Length; otherwise the body ends when the connection
        closes. It is never a complete document.
        """
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", response.content_type)
        if announced:
            self.send_header("Content-Length", str(size))
        self.send_header("Connection", "close")
        self.end_headers()
        start = response.body[: min(len(response.body) // 2, size)]
        self.wfile.write(start)
        block = b"x" * (1 << 20)
        left = size - len(start)
        while left > 0:  # bounded by size; a client that stops reading ends it with an error
            self.wfile.write(block[:left])
            left -= len(block)
        self.wfile.flush()

    def _send(self, response: _Response, *, truncate: bool = False) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if truncate:
            # Announce the whole body, send half, then hang up.
            self.wfile.write(response.body[: len(response.body) // 2])
            self.close_connection = True
        else:
            self.wfile.write(response.body)


# --------------------------------------------------------------------------- the fake


class FakeLiteratureServer:
    """Fake NCBI E-utilities, PMC ID converter and Crossref on ``127.0.0.1``.

    Rate limit: esummary, efetch and epost together share NCBI's budget, counted per caller
    (the ``api_key`` when one is sent, else the client address) over a sliding window of
    ``rate_window`` seconds (1.0). A request that arrives when ``limit`` requests of that
    caller already arrived within the window is answered 429 with NCBI's JSON body; ``limit``
    is 3, or 10 with an ``api_key`` (``limit_without_key``, ``limit_with_key``). Every
    arrival counts, refused ones included: recorded NCBI 429 bodies report counts far above
    the limit, so a client that retries at once stays refused. The ID converter and Crossref
    are not rate limited at all (inject a "429" to test a client against that).
    ``Retry-After`` is sent only when ``retry_after`` is set, because NCBI sometimes omits it.

    Fault injection (``inject``) takes precedence over the rate limit: a request that gets
    an injected fault is never a rate violation, although it still counts in the window.
    """

    def __init__(self) -> None:
        self.enforce_rate_limit = True
        self.retry_after: int | str | None = None
        self.rate_violations = 0
        self.rate_window = 1.0
        self.limit_without_key = 3
        self.limit_with_key = 10
        self.internal_errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._pubmed: dict[str, PubmedRecord] = {}
        self._by_pmcid: dict[str, str] = {}  # upper-case PMCID -> PMID
        self._by_doi: dict[str, str] = {}  # lower-case DOI -> PMID
        self._crossref: dict[str, CrossrefRecord] = {}  # lower-case DOI -> record
        self._faults: list[_Fault] = []
        self._holds: list[threading.Event] = []  # set by stop(): no handler outlives it
        self._request_log: list[Request] = []
        self._history: dict[str, list[tuple[str, ...]]] = {}  # WebEnv -> ID lists by query_key
        self._windows: dict[str, collections.deque[float]] = {}
        self._httpd: LocalHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> FakeLiteratureServer:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError("the fake literature server is already running")
        self._httpd = LocalHTTPServer(self, _Handler)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            # stop() waits up to one poll interval for the loop to notice; keep it short.
            kwargs={"poll_interval": 0.01},
            name=f"fake-literature-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and wait for the threads. Idempotent."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        with self._lock:
            for hold in self._holds:  # a held answer the test never released
                hold.set()
        httpd.stop_serving(thread)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeLiteratureServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (kept after ``stop`` so tests can check nothing answers there)."""
        if self._port is None:
            raise RuntimeError("the fake literature server has not been started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def eutils_url(self) -> str:
        return f"{self.base_url}entrez/eutils/"

    @property
    def idconv_url(self) -> str:
        return f"{self.base_url}idconv/"

    @property
    def crossref_url(self) -> str:
        return f"{self.base_url}crossref/"

    # ----------------------------------------------------------------- records

    def add_pubmed(
        self,
        pmid: str,
        *,
        title: str,
        authors: Sequence[tuple[str, str]],
        journal: str,
        year: int,
        volume: str = "",
        issue: str = "",
        pages: str = "",
        doi: str | None = None,
        pmcid: str | None = None,
        pubtypes: Sequence[str] = ("Journal Article",),
        retraction_in: Sequence[str] = (),
        erratum_in: Sequence[str] = (),
        expression_of_concern_in: Sequence[str] = (),
        retraction_of: Sequence[str] = (),
    ) -> PubmedRecord:
        """Register (or replace) a PubMed record; the ``*_in`` lists hold notice PMIDs.

        A record with ``retraction_in`` gets "Retracted Publication" in its publication
        types, one with ``retraction_of`` gets "Retraction of Publication".
        """
        pmid = str(pmid)
        if not _is_pmid(pmid):
            raise ValueError(f"not a PMID: {pmid!r}")
        if pmcid is not None:
            pmcid = pmcid.strip().upper()
            if not pmcid.startswith("PMC"):
                pmcid = f"PMC{pmcid}"
        record = PubmedRecord(
            pmid=pmid,
            title=title,
            authors=tuple((family, given) for family, given in authors),
            journal=journal,
            year=int(year),
            volume=volume,
            issue=issue,
            pages=pages,
            doi=doi,
            pmcid=pmcid,
            pubtypes=tuple(pubtypes),
            retraction_in=tuple(str(p) for p in retraction_in),
            erratum_in=tuple(str(p) for p in erratum_in),
            expression_of_concern_in=tuple(str(p) for p in expression_of_concern_in),
            retraction_of=tuple(str(p) for p in retraction_of),
        )
        with self._lock:
            self._pubmed[pmid] = record
            if pmcid:
                self._by_pmcid[pmcid] = pmid
            if doi:
                self._by_doi[doi.lower()] = pmid
        return record

    def add_crossref(
        self,
        doi: str,
        *,
        title: str,
        authors: Sequence[tuple[str, str]],
        journal: str,
        year: int,
        volume: str = "",
        issue: str = "",
        page: str = "",
        updated_by: Sequence[dict[str, Any]] = (),
        update_to: Sequence[dict[str, Any]] = (),
    ) -> CrossrefRecord:
        """Register (or replace) a Crossref work; DOIs match case-insensitively.

        ``updated_by`` / ``update_to`` items need "type" and "DOI"; "label", "source"
        ("publisher") and "updated" are filled in unless given.
        """
        record = CrossrefRecord(
            doi=doi,
            title=title,
            authors=tuple((family, given) for family, given in authors),
            journal=journal,
            year=int(year),
            volume=volume,
            issue=issue,
            page=page,
            updated_by=tuple(dict(u) for u in updated_by),
            update_to=tuple(dict(u) for u in update_to),
        )
        crossref_work(record)  # fail here, not in the server thread, on a bad update entry
        with self._lock:
            self._crossref[doi.lower()] = record
        return record

    def add_many_pubmed(self, n: int, start: int = 30000000) -> list[str]:
        """Register ``n`` synthetic records with PMIDs ``start``, ``start + 1``, ...

        Content is deterministic: record ``i`` has two authors, year ``1990 + i % 35``, DOI
        ``10.5555/synthetic.<pmid>``, and a PMC ID ``PMC<9000000 + i>`` when ``i`` is even.
        """
        families = ("Smith", "Okafor", "Garcia", "Chen", "Novak", "Ito", "Haddad")
        givens = ("Anna", "Ben", "Carla", "Deniz", "Emil", "Farah", "Goran")
        pmids = []
        for i in range(n):
            pmid = str(start + i)
            self.add_pubmed(
                pmid,
                title=f"Synthetic study {i} of cytokine release.",
                authors=[(families[i % 7], givens[i % 7]), (families[(i + 3) % 7], "J")],
                journal="J Synth Biol",
                year=1990 + i % 35,
                volume=str(1 + i % 40),
                issue=str(1 + i % 12),
                pages=f"{100 + i}-{109 + i}",
                doi=f"10.5555/synthetic.{pmid}",
                pmcid=f"PMC{9000000 + i}" if i % 2 == 0 else None,
            )
            pmids.append(pmid)
        return pmids

    # ----------------------------------------------------------------- faults

    def inject(
        self,
        endpoint: str,
        kind: str,
        times: int = 1,
        after: int = 0,
        delay: float | None = None,
        retry_after: int | str | None = None,
        *,
        location: str = "",
        redirect_status: int = 307,
        size: int = 0,
        hold: threading.Event | None = None,
    ) -> None:
        """Answer the next ``times`` requests to ``endpoint``, after ``after`` others, with a fault.

        Kinds: "500", "502", "503" (error page); "429" (NCBI's JSON body, Crossref's HTML
        one on "crossref"; ``Retry-After: retry_after`` when given); "slow" (sleep ``delay``
        then answer normally; with ``hold``, wait until the test sets that event instead,
        or until the server stops); "malformed" (200 with the first half of the body, broken
        JSON/XML); "truncated" (Content-Length of the whole body, half sent, connection
        closed); "drop" (connection closed without an answer, logged with status 0).

        Hostile kinds: "redirect" (``redirect_status``, 307 by default, with ``Location:
        location``, sent as given); "drip" (the whole answer, status line first, one byte
        every ``delay`` seconds, 1 by default) and "drip-body" (headers at once, then the body that way);
        "huge" (a 200 of ``size`` bytes made on the fly, announced in Content-Length) and
        "huge-unannounced" (the same without Content-Length, ended by closing); "partial"
        (esummary, efetch and idconv answer about only the first half of the IDs asked
        for). ``retry_after`` may be any text, e.g. "-5", "1e9" or an HTTP date.

        Every injection sees every request to its endpoint: each one counts down its own
        ``after``; when several are ready, the earliest injected applies first.
        """
        if endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {ENDPOINTS}, not {endpoint!r}")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}, not {kind!r}")
        if delay is None:  # one byte a second for a drip, no delay for the others
            delay = 1.0 if kind in ("drip", "drip-body") else 0.0
        if times < 1 or after < 0 or delay < 0 or size < 0:
            raise ValueError("times must be >= 1, after, delay and size >= 0")
        if kind == "redirect" and (not location or redirect_status not in REDIRECT_STATUSES):
            raise ValueError(f"a redirect needs a location and a status in {REDIRECT_STATUSES}")
        if hold is not None and kind != "slow":
            raise ValueError("only a slow answer can be held")
        fault = _Fault(
            endpoint, kind, after, times, delay, retry_after, location, redirect_status, size, hold
        )
        with self._lock:
            self._faults.append(fault)
            if hold is not None:
                self._holds.append(hold)

    def pending_faults(self) -> int:
        """How many injected faults have not been served yet."""
        with self._lock:
            return sum(fault.times for fault in self._faults)

    # ----------------------------------------------------------------- request log

    @property
    def requests(self) -> list[Request]:
        """A copy of the request log, in order of arrival."""
        with self._lock:
            return list(self._request_log)

    def count(self, endpoint: str | None = None) -> int:
        """Requests seen, all or to one endpoint (esummary, efetch, epost, idconv, crossref...)."""
        with self._lock:
            return sum(1 for r in self._request_log if endpoint is None or r.endpoint == endpoint)

    def ids_requested(self, endpoint: str) -> list[list[str]]:
        """The identifiers of each request to ``endpoint``, one list per request."""
        with self._lock:
            return [list(r.ids) for r in self._request_log if r.endpoint == endpoint]

    # ----------------------------------------------------------------- internals

    def _record(self, request: Request) -> None:
        with self._lock:
            # Slow answers finish late; keep the log in arrival order all the same.
            bisect.insort(self._request_log, request, key=lambda r: r.time)

    def _admit(self, endpoint: str, params: dict[str, str], client: str) -> _Admission:
        """Pick the fault for this request, if any, and apply the sliding-window rate limit."""
        with self._lock:
            # The clock is read under the lock so window entries are always in order.
            now = time.monotonic()
            fault = None
            for candidate in self._faults:
                if candidate.endpoint != endpoint:
                    continue
                if candidate.skip > 0:
                    candidate.skip -= 1
                elif fault is None:
                    fault = candidate
                    candidate.times -= 1
            self._faults = [f for f in self._faults if f.times > 0]

            key = params.get("api_key", "")
            caller = key or client
            limit = self.limit_with_key if key else self.limit_without_key
            if endpoint not in RATE_LIMITED:
                return _Admission(now, fault, False, 0, limit, caller)
            window = self._windows.setdefault(caller, collections.deque())
            while window and window[0] <= now - self.rate_window:
                window.popleft()
            earlier = len(window)
            window.append(now)
            limited = fault is None and self.enforce_rate_limit and earlier >= limit
            if limited:
                self.rate_violations += 1
            return _Admission(now, fault, limited, earlier + 1, limit, caller)

    def _check_ncbi(
        self, params: dict[str, str], retmode: str, default: str | None
    ) -> _Response | None:
        """None when the request is one this fake serves, else a 400 naming the problem."""
        if params.get("db", "") != "pubmed":
            return _Response(400, b"fake server: only db=pubmed is served", _TEXT)
        if params.get("retmode", default) != retmode:
            message = f"fake server: only retmode={retmode} is served"
            return _Response(400, message.encode(), _TEXT)
        return None

    def _answer_esummary(self, params: dict[str, str], ids: list[str]) -> _Response:
        # esummary's default is XML: a client that forgets retmode=json must notice.
        problem = self._check_ncbi(params, "json", default=None)
        if problem is not None:
            return problem
        if not ids:
            return _Response(
                200, _compact_json({"esummaryresult": ["Empty id list - nothing todo"]}), _JSON
            )
        result: dict[str, Any] = {"uids": ids}
        with self._lock:
            for uid in ids:
                record = self._pubmed.get(uid)
                if record is None:
                    result[uid] = {"uid": uid, "error": "cannot get document summary"}
                else:
                    result[uid] = esummary_document(record)
        body = {"header": {"type": "esummary", "version": "0.3"}, "result": result}
        return _Response(200, _compact_json(body), _JSON)

    def _answer_efetch(self, params: dict[str, str], ids: list[str]) -> _Response:
        problem = self._check_ncbi(params, "xml", default="xml")
        if problem is not None:
            return problem
        wanted = [uid for uid in ids if _is_pmid(uid)]
        if not wanted:
            return _Response(400, _EFETCH_NO_IDS_BODY, _XML)
        with self._lock:
            found = [self._pubmed[uid] for uid in wanted if uid in self._pubmed]
            body = efetch_document(found, self._pubmed)
        return _Response(200, body, _XML)

    def _answer_epost(self, params: dict[str, str], ids: list[str]) -> _Response:
        """Store the PMIDs under a query key of a new (or the given) WebEnv, as epost does."""
        if params.get("db", "") != "pubmed":
            errors = [f"Invalid db name specified: {params.get('db', '')}"]
        elif not [uid for uid in ids if _is_pmid(uid)]:
            errors = ["Empty ID list; Nothing to store"]
        else:
            errors = []
        if errors:
            body = "".join(f"\n\t<ERROR>{error}</ERROR>" for error in errors)
            return _Response(
                200, f"{_EPOST_HEAD}\n<ePostResult>{body}\n</ePostResult>\n".encode(), _XML
            )
        with self._lock:
            web_env = _web_env(params)
            if web_env not in self._history:
                web_env = f"MCID_fake{len(self._history):08d}"
                self._history[web_env] = []
            self._history[web_env].append(tuple(uid for uid in ids if _is_pmid(uid)))
            query_key = len(self._history[web_env])
        body = (
            f"{_EPOST_HEAD}<ePostResult>\n\t<QueryKey>{query_key}</QueryKey>\n"
            f"\t<WebEnv>{web_env}</WebEnv>\n</ePostResult>\n"
        )
        return _Response(200, body.encode(), _XML)

    def _history_ids(self, params: dict[str, str]) -> tuple[str, ...] | None:
        """The IDs ``WebEnv`` + ``query_key`` name, ``retstart`` / ``retmax`` applied; None: unknown."""
        try:
            key = int(params.get("query_key", ""))
            start = int(params.get("retstart") or 0)
            count = min(int(params.get("retmax") or HISTORY_RETMAX), HISTORY_RETMAX)
        except ValueError:
            return None
        with self._lock:
            lists = self._history.get(_web_env(params), [])
            if not 1 <= key <= len(lists) or start < 0 or count < 0:
                return None
            return lists[key - 1][start : start + count]

    def _answer_idconv(self, params: dict[str, str], ids: list[str]) -> _Response:
        if params.get("format") != "json":
            return _Response(400, b"fake server: only format=json is served", _TEXT)
        idtype = params.get("idtype", "").lower()
        records = []
        with self._lock:
            for raw in ids:
                records.append(self._idconv_record(raw, idtype))
        document: dict[str, Any] = {
            "status": "ok",
            "responseDate": dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "request": ";".join(f"{k}={quote(v, safe=',')}" for k, v in params.items()),
        }
        missing = [
            f"no {label} provided"
            for name, label in (("email", "e-mail"), ("tool", "tool"))
            if not params.get(name)
        ]
        if missing:
            document["warning"] = "; ".join(missing)
        document["records"] = records
        return _Response(200, json.dumps(document, indent=1).encode(), _JSON)

    def _idconv_record(self, raw: str, idtype: str) -> dict[str, Any]:
        """One idconv record; the caller holds the lock."""
        if idtype == "pmcid" or raw.upper().startswith("PMC"):
            key, value = "pmcid", raw.upper() if raw.upper().startswith("PMC") else f"PMC{raw}"
            pmid = self._by_pmcid.get(value)
        elif idtype == "doi" or raw.startswith("10."):
            key, value = "doi", raw
            pmid = self._by_doi.get(raw.lower())
        else:
            key, value = "pmid", raw
            pmid = raw if raw in self._pubmed else None
        record = self._pubmed.get(pmid) if pmid else None
        if record is None or not record.pmcid:
            # Recorded form (idconv_pmcid_error_2023.json), booleans as strings.
            return {key: value, "live": "false", "status": "error", "errmsg": "invalid article id"}
        found: dict[str, Any] = {"pmcid": record.pmcid, "pmid": record.pmid}
        if record.doi:
            found["doi"] = record.doi
        found["versions"] = [{"pmcid": f"{record.pmcid}.1", "current": "true"}]
        return found

    def _answer_crossref(self, doi: str, params: dict[str, str], user_agent: str) -> _Response:
        # Recorded headers: the "polite" pool (mailto given) allows 10/s and 3 concurrent
        # requests, the public pool 5/s and 1.
        polite = bool(params.get("mailto")) or "mailto:" in user_agent
        headers = {
            "Access-Control-Allow-Origin": "*",
            "X-Api-Pool": "polite" if polite else "public",
            "X-Concurrency-Limit": "3" if polite else "1",
            "X-Rate-Limit-Interval": "1s",
            "X-Rate-Limit-Limit": "10" if polite else "5",
        }
        with self._lock:
            record = self._crossref.get(doi.lower())
        if record is None:
            return _Response(404, _CROSSREF_404_BODY, "text/plain", headers)
        return _Response(200, _compact_json(crossref_work(record)), "application/json", headers)


@pytest.fixture
def literature_server() -> Iterator[FakeLiteratureServer]:
    """A running :class:`FakeLiteratureServer`; fails the test if the fake itself erred."""
    with FakeLiteratureServer() as server:
        yield server
    if server.internal_errors:
        pytest.fail(f"the fake literature server failed internally: {server.internal_errors!r}")
