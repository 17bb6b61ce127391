"""Crossref ``/works/{doi}`` for references that are DOIs without a PMID.

Crossref reports retractions and corrections in ``updated-by`` (this work was updated by
a notice) and ``update-to`` (this work *is* a notice). The polite pool is reached with a
``mailto``; the limits Crossref announces in ``X-Rate-Limit-*`` headers are obeyed.
"""

from __future__ import annotations

import json
import re
import urllib.parse

from .errors import OutsideError
from .http import HttpClient, limiter_for
from .model import Author, Citation, Notice, clean_text, tolerant, utc_now, valid_doi

DEFAULT_URL = "https://api.crossref.org/"
POLITE_RATE = 10  # requests a second in the polite pool; 5 without mailto
MIN_RATE = 1.0  # requests a second: slower limits announced in headers are raised to this
_NOTICE_TYPES = {
    "retraction": "retraction",
    "withdrawal": "retraction",
    "removal": "retraction",
    "correction": "erratum",
    "erratum": "erratum",
    "corrigendum": "erratum",
    "expression_of_concern": "expression-of-concern",
    "expression-of-concern": "expression-of-concern",
}
# A work that is itself a notice gets PubMed's publication type for it.
_NOTICE_PUBTYPES = {
    "retraction": "Retraction of Publication",
    "erratum": "Published Erratum",
    "expression-of-concern": "Expression of Concern",
}
_INTERVAL = re.compile(r"^\s*([0-9]{1,6}(?:\.[0-9]{1,6})?)\s*s\s*$")
_LIMIT = re.compile(r"^\s*([0-9]{1,6})\s*$")


class CrossrefClient:
    """One Crossref work per request, in the polite pool when an email is configured."""

    def __init__(self, base_url: str = DEFAULT_URL, email: str = ""):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.email = email
        self.limiter = limiter_for("crossref", POLITE_RATE if email else 5)
        self.http = HttpClient("Crossref", self.limiter)
        if email:  # Crossref's etiquette: name a contact in the User-Agent as well
            self.http.session.headers["User-Agent"] += f" (mailto:{email})"

    def work(self, doi: str) -> Citation:
        """The citation of a DOI; ``not-found`` when Crossref answers 404."""
        url = self.base_url + "works/" + urllib.parse.quote(doi, safe="")
        params = {"mailto": self.email} if self.email else None
        response = self.http.request(
            "GET", url, params=params, ok=(200, 404), what=f"lookup of {doi}"
        )
        self._obey(response.headers)
        if response.status_code == 404:
            return Citation(
                id=f"doi:{doi}", status="not-found", source="crossref", fetched=utc_now(), doi=doi
            )
        try:
            document = json.loads(response.content)
        except ValueError:
            raise OutsideError(f"Crossref answered {doi} with malformed JSON") from None
        return parse_work(document, doi)

    def _obey(self, headers) -> None:
        # Header values are data too: only plain numbers, no zero division.
        limit = _LIMIT.match(headers.get("X-Rate-Limit-Limit", "") or "")
        interval = _INTERVAL.match(headers.get("X-Rate-Limit-Interval", "") or "")
        if limit and interval and int(limit.group(1)) > 0 and float(interval.group(1)) > 0:
            calls, period = int(limit.group(1)), float(interval.group(1))
            if calls / period < MIN_RATE:  # a mirror asking for one a day is not obeyed
                calls, period = 1, 1.0 / MIN_RATE
            if calls / period < self.limiter.calls / self.limiter.period:
                self.limiter.set_rate(calls, period)


@tolerant("Crossref")
def parse_work(document: dict, doi: str) -> Citation:
    """A citation from a Crossref ``work`` message.

    DOIs in the answer are checked: an invalid one is dropped (the work keeps the DOI it
    was asked for; a notice without a valid DOI still marks a retraction).
    """
    message = document.get("message") if isinstance(document, dict) else None
    if not isinstance(message, dict):
        raise OutsideError(f"Crossref answered {doi} without a work message")
    notices = []
    retracted = False
    for update in message.get("updated-by") or ():
        kind = (
            _NOTICE_TYPES.get(str(update.get("type", "")).lower())
            if isinstance(update, dict)
            else None
        )
        retracted = retracted or kind == "retraction"
        notice_doi = valid_doi(update.get("DOI")) if kind else None
        if notice_doi:
            notices.append(Notice(kind, f"doi:{notice_doi}"))
    pubtypes = [str(message["type"])] if message.get("type") else []
    for update in message.get("update-to") or ():
        kind = (
            _NOTICE_TYPES.get(str(update.get("type", "")).lower())
            if isinstance(update, dict)
            else None
        )
        if kind and _NOTICE_PUBTYPES[kind] not in pubtypes:
            pubtypes.append(_NOTICE_PUBTYPES[kind])
    unique = tuple(sorted(set(notices), key=lambda n: (n.type, n.id)))
    return Citation(
        id=f"doi:{doi}",
        status="ok",
        source="crossref",
        fetched=utc_now(),
        doi=valid_doi(message.get("DOI")) or doi,
        title=_first(message.get("title")),
        authors=tuple(_author(a) for a in message.get("author") or () if isinstance(a, dict)),
        journal=_first(message.get("short-container-title"))
        or _first(message.get("container-title")),
        year=_year(message),
        volume=_plain(message.get("volume")),
        issue=_plain(message.get("issue")),
        pages=_plain(message.get("page")),
        pubtypes=tuple(pubtypes),
        retracted=retracted,
        notices=unique,
    )


def _first(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return _plain(value)


def _plain(value) -> str:
    return clean_text(value)


def _author(entry: dict) -> Author:
    if entry.get("family"):
        return Author(_plain(entry["family"]), _plain(entry.get("given")))
    return Author(_plain(entry.get("name")), "")  # an organisation


def _year(message: dict) -> int | None:
    for key in ("issued", "published-print", "published-online", "published", "created"):
        parts = (
            (message.get(key) or {}).get("date-parts")
            if isinstance(message.get(key), dict)
            else None
        )
        if parts and parts[0] and isinstance(parts[0][0], int):
            return parts[0][0]
    return None
