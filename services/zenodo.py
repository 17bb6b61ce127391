"""Zenodo's REST deposit API (and any InvenioRDM instance that serves it): the client.

A release is deposited in four steps on one *deposition* (a draft record): create it (or
a new version of the map's concept record), upload the bundle into its file bucket, set
its metadata, publish it. Every draft shows the DOI it will get when published
(``metadata.prereserve_doi.doi``), so the DOI is known before the bundle is built.

What developers.zenodo.org documents and this client relies on:

- ``POST /api/deposit/depositions`` creates a draft (201); ``GET``/``PUT`` on
  ``/api/deposit/depositions/{id}`` read it and replace its metadata; ``GET`` on the
  collection with ``status=draft`` lists the owner's drafts;
- ``PUT {links.bucket}/{name}`` uploads a file's bytes (201, ``checksum`` ``md5:HEX``);
  ``GET .../{id}/files`` lists files (``checksum`` as plain hex) and ``DELETE
  .../{id}/files/{file_id}`` removes one;
- ``POST .../{id}/actions/publish`` (202) mints the reserved DOI; ``POST
  .../{id}/actions/newversion`` (201) on a published deposition makes one draft of a
  new version, reachable at ``links.latest_draft``, with the previous version's files;
- errors are JSON ``{"status", "message", "errors": [{"field", "message"}]}``; 401 for a
  missing or refused token, 403 for an action the deposition's state does not allow,
  429 with ``Retry-After`` when the rate limit (100 requests a minute) is reached.

Taken from Zenodo's code and users' reports, so read leniently: newversion answers either
the published deposition or the draft itself (the client follows ``latest_draft``
either way); a second newversion while a draft exists may give the same draft or a 400
(the caller then looks for the draft); ``doi`` in metadata with Zenodo's own prefix is
refused, so the client never sends ``doi``.

The token is read by the caller from ``ZENODO_TOKEN`` and given here; it goes only in
the ``Authorization`` header of requests to the instance's own host (links from answers
that point elsewhere are refused, redirects to another host are not followed) and is
removed from every message.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from literature.errors import InputError, OutsideError
from literature.identifiers import DOI_PATTERN, has_control_characters, quoted

SERVICE = "Zenodo"
ZENODO_URL = "https://zenodo.org"
SANDBOX_URL = "https://sandbox.zenodo.org"
TOKEN_VARIABLE = "ZENODO_TOKEN"
RATE = (90, 60.0)  # requests per seconds: under Zenodo's documented 100 a minute
MIN_UPLOAD_RATE = 64 << 10  # bytes a second an upload is given at least, beyond the deadline
EXPECTED_URL = (
    "expected the http(s) address of a Zenodo or InvenioRDM instance, e.g. https://zenodo.org"
)
_ID = re.compile(r"[0-9]{1,20}")
# Every status is an answer to read, except redirects: the HTTP layer follows those on the
# same host (a concept record redirects to its latest version) and refuses the others.
_ANSWERS = tuple(s for s in range(200, 600) if s not in (301, 302, 303, 307, 308))


class ZenodoRefused(OutsideError):
    """The instance answered, and said no (4xx): ``status`` and its own words."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class ZenodoFault(OutsideError):
    """The instance answered something crsmap will not act on (a link to another host, its
    secret echoed back, a DOI other than the reserved one): running again will not help."""


@dataclass(frozen=True)
class DepositFile:
    """A file of a deposition: its id (for deleting), name, size and md5 (hex)."""

    id: str
    name: str
    size: int
    md5: str


@dataclass(frozen=True)
class Deposition:
    """A deposition as the instance describes it; fields it did not give are empty.

    ``doi`` is the published DOI or, for a draft, the reserved one; ``url`` its API
    address (``links.self``); ``latest_draft`` the address of the concept's open draft.
    """

    id: str
    url: str
    concept_id: str = ""
    doi: str = ""
    concept_doi: str = ""
    submitted: bool = False
    state: str = ""
    bucket: str = ""
    latest_draft: str = ""
    title: str = ""
    version: str = ""
    html: str = ""

    @property
    def published(self) -> bool:
        return self.submitted or self.state == "done"


def server_url(text: str) -> str:
    """The base URL of a deposit server, normalised (no trailing slash, no ``/api``)."""
    from .urls import base_url

    url = base_url(text, SERVICE, EXPECTED_URL)
    return url[: -len("/api")] if url.endswith("/api") else url


def md5_hex(data: bytes) -> str:
    """The checksum Zenodo gives its files."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class ZenodoClient:
    """One deposit server and one token; every answer is checked, none is trusted."""

    def __init__(self, server: str, token: str):
        from literature.http import HttpClient, limiter_for  # requests: only when depositing

        self.server = server_url(server)
        self.api = self.server + "/api/"
        if not re.fullmatch(r"[\x21-\x7e]{1,1000}", token or ""):
            raise InputError(
                f"{TOKEN_VARIABLE} is empty or holds spaces or characters other than printable "
                "ASCII; expected the token exactly as the server showed it"
            )
        self._token = token
        self.http = HttpClient(
            SERVICE,
            limiter_for("zenodo", *RATE),
            secrets=(token,),
            offline_hint="check the network, or the address given with --url",
            # A POST (create, newversion, publish) that may have been carried out is never
            # sent twice: the caller looks at the server's state instead.
            retry_methods=frozenset({"GET", "PUT", "DELETE"}),
        )

    # --- depositions ----------------------------------------------------------------------

    def deposition_url(self, deposition_id: str) -> str:
        return f"{self.api}deposit/depositions/{_checked_id(deposition_id, 'deposition id')}"

    def get(self, url: str, step: str = "reading the deposition") -> Deposition | None:
        """The deposition at ``url``; None when the server no longer has it (404, 410)."""
        answer = self._call("GET", self._own(url), step, ok=(200, 404, 410))
        if answer is None:
            return None
        return self._deposition(answer)

    def drafts(self) -> list[Deposition]:
        """The token owner's unpublished drafts (the newest first, as the server sorts)."""
        document = self._call(
            "GET", self.api + "deposit/depositions", "listing the drafts",
            params={"status": "draft", "sort": "mostrecent", "size": "100"},
        )  # fmt: skip
        if not isinstance(document, list):
            raise OutsideError(f"{SERVICE} answered the list of drafts with something else")
        return [self._deposition(item) for item in document if isinstance(item, dict)]

    def create(self, metadata: dict) -> Deposition:
        """A new draft (the first version of a concept), with its DOI reserved."""
        body = {"metadata": {**metadata, "prereserve_doi": True}}
        answer = self._call(
            "POST", self.api + "deposit/depositions", "creating the deposition", body=body,
            ok=(200, 201),
        )  # fmt: skip
        return self._deposition(answer)

    def new_version(self, published: Deposition) -> Deposition:
        """The draft of a new version of ``published``'s concept (the same one when open)."""
        answer = self._call(
            "POST", f"{self._own(published.url)}/actions/newversion", "creating a new version",
            body={}, ok=(200, 201),
        )  # fmt: skip
        answered = self._deposition(answer)
        if not answered.published and answered.id != published.id:
            return answered  # today's Zenodo answers the draft itself
        if not answered.latest_draft:
            raise OutsideError(
                f"{SERVICE} made a new version of deposition {published.id} but did not say "
                "where its draft is (no links.latest_draft)"
            )
        draft = self.get(answered.latest_draft, "reading the new version's draft")
        if draft is None or draft.published:
            raise OutsideError(f"{SERVICE} did not open a draft for the new version")
        return draft

    def latest_of_concept(self, concept_id: str) -> Deposition | None:
        """The concept's latest published version, as a deposition; None if unknown."""
        record = self._call(
            "GET", f"{self.api}records/{_checked_id(concept_id, 'concept record id')}",
            "reading the concept record", ok=(200, 404, 410),
        )  # fmt: skip
        if record is None:
            return None
        latest = self._deposition(record)
        return self.get(self.deposition_url(latest.id), "reading the latest version")

    def set_metadata(self, deposition: Deposition, metadata: dict) -> None:
        """Replace the draft's metadata (``doi`` is left to the server: its reserved one)."""
        sent = {k: v for k, v in metadata.items() if k not in ("doi", "prereserve_doi")}
        self._call(
            "PUT", self._own(deposition.url), "setting the metadata", body={"metadata": sent}
        )

    def publish(self, deposition: Deposition) -> Deposition:
        """Publish the draft: its reserved DOI is registered."""
        answer = self._call(
            "POST", f"{self._own(deposition.url)}/actions/publish", "publishing",
            body={}, ok=(200, 202),
        )  # fmt: skip
        return self._deposition(answer)

    # --- files ----------------------------------------------------------------------------

    def files(self, deposition: Deposition) -> list[DepositFile]:
        document = self._call("GET", f"{self._own(deposition.url)}/files", "listing the files")
        if not isinstance(document, list):
            raise OutsideError(f"{SERVICE} answered the list of files with something else")
        return [f for f in map(parse_file, document) if f is not None]

    def delete_file(self, deposition: Deposition, file: DepositFile) -> None:
        """Remove a file: by its id, or (a file listed by name only) from the bucket."""
        step = f"removing the earlier file {file.name}"
        if file.id:
            url = f"{self._own(deposition.url)}/files/{_checked_id(file.id, 'file id', True)}"
        elif deposition.bucket:
            url = f"{self._own(deposition.bucket)}/{_segment(file.name)}"
        else:
            raise ZenodoFault(
                f"{SERVICE} lists a file {file.name} in deposition {deposition.id} without an id "
                "or a bucket to remove it from"
            )
        self._call("DELETE", url, step, ok=(200, 201, 204, 404))

    def upload(self, deposition: Deposition, name: str, data: bytes) -> None:
        """Put ``data`` into the draft's bucket as ``name``; the checksum it answers is checked."""
        if not deposition.bucket:
            raise OutsideError(f"{SERVICE} gave deposition {deposition.id} no file bucket")
        bucket = self._own(deposition.bucket)
        step = f"uploading {name}"
        answer = self._call(
            "PUT", f"{bucket}/{_segment(name)}", step, data=data, ok=(200, 201),
            headers={"Content-Type": "application/octet-stream"},
            deadline=self.http.timeouts.deadline + len(data) / MIN_UPLOAD_RATE,
        )  # fmt: skip
        answered = str(answer.get("checksum", "")) if isinstance(answer, dict) else ""
        if answered and answered.removeprefix("md5:").lower() != md5_hex(data):
            raise OutsideError(
                f"{SERVICE} stored {name} with checksum {answered}, not the bundle's md5:"
                f"{md5_hex(data)}: the upload was damaged; run the command again"
            )

    # --- the wire -------------------------------------------------------------------------

    def _deposition(self, document) -> Deposition:
        """A deposition from an answer, refused when it points elsewhere or holds the token."""
        deposition = parse_deposition(document, self.server)
        self._own(deposition.url)
        for value in (deposition.url, deposition.bucket, deposition.latest_draft, deposition.doi,
                      deposition.concept_doi, deposition.html, deposition.title):  # fmt: skip
            if self._token.lower() in value.lower():
                raise ZenodoFault(
                    f"{SERVICE} echoed the token back in deposition {deposition.id}; refused, "
                    "so that it is never written anywhere"
                )
        return deposition

    def _own(self, url: str) -> str:
        """``url`` if it is on this server (a link from an answer); refused otherwise."""
        from literature.http import same_host

        if not isinstance(url, str) or not same_host(self.server + "/", url):
            host = urlsplit(url).hostname if isinstance(url, str) else None
            raise ZenodoFault(
                f"{SERVICE} at {self.server} gave a link to another host ({host or '?'}); "
                "not followed, so that the token goes nowhere else"
            )
        return url.rstrip("/")

    def _call(
        self, method: str, url: str, step: str, *, body=None, data: bytes | None = None,
        params=None, ok=(200,), headers=None, deadline: float | None = None,
    ):  # fmt: skip
        """One request; its JSON document (None for an empty body or a status in ``ok`` ≥ 400)."""
        sent = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        if body is not None:
            data = json.dumps(body, sort_keys=True).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        answer = self.http.request(
            method, url, params=params, data=data, headers=sent, deadline=deadline,
            ok=_ANSWERS, what=step,
        )  # fmt: skip
        status = answer.status_code
        if status not in ok:
            raise ZenodoRefused(self.http.redact(refusal(step, answer, self.server)), status)
        if status >= 400 or not answer.content.strip():
            return None
        try:
            return json.loads(answer.content)
        except (ValueError, RecursionError):
            raise OutsideError(f"{SERVICE} answered {step} with malformed JSON") from None


def refusal(step: str, answer, server: str) -> str:
    """A refusal in one line: the step, the status, the server's message and field errors."""
    status = answer.status_code
    words = ""
    try:
        document = json.loads(answer.content)
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, dict):
        words = _short(document.get("message"))
        details = []
        errors = document.get("errors")
        for error in errors if isinstance(errors, list) else ():
            if isinstance(error, dict):
                messages = error.get("messages")
                if not isinstance(messages, list):
                    messages = [error.get("message")]
                text = "; ".join(_short(m) for m in messages if _short(m))
                details.append(f"{_short(error.get('field'))}: {text}".strip(": "))
        if details:
            words = f"{words} ({'; '.join(details[:5])})".strip()
    hint = {
        401: f"{TOKEN_VARIABLE} was refused: check that it is a token of {server} "
        "with the deposit:write and deposit:actions scopes",
        403: "the token may not do this, or the deposition's state does not allow it",
        429: "too many requests; wait a minute",
    }.get(status, "")
    message = f"{SERVICE} refused {step} (HTTP {status})"
    if words:
        message += f": {words}"
    return f"{message}; {hint}" if hint else message


def parse_deposition(document, server: str) -> Deposition:
    """A deposition (or a published record) from its JSON; absent fields stay empty."""
    if not isinstance(document, dict):
        raise OutsideError(f"{SERVICE} answered with something that is not a deposition")
    links = document.get("links") if isinstance(document.get("links"), dict) else {}
    metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
    reserved = metadata.get("prereserve_doi")
    reserved_doi = reserved.get("doi") if isinstance(reserved, dict) else ""
    identifier = _text(document.get("id") or document.get("record_id"))
    if not _ID.fullmatch(identifier):
        raise OutsideError(
            f"{SERVICE} answered a deposition without a valid id ({quoted(identifier[:40])})"
        )
    doi = _doi(document.get("doi")) or _doi(metadata.get("doi")) or _doi(reserved_doi)
    return Deposition(
        id=identifier,
        url=_text(links.get("self")) or f"{server}/api/deposit/depositions/{identifier}",
        concept_id=_text(document.get("conceptrecid")),
        doi=doi,
        concept_doi=_doi(document.get("conceptdoi")),
        submitted=document.get("submitted") is True,
        state=_text(document.get("state")),
        bucket=_text(links.get("bucket")),
        latest_draft=_text(links.get("latest_draft")),
        title=_text(metadata.get("title") or document.get("title")),
        version=_text(metadata.get("version")),
        html=_text(links.get("html") or links.get("record_html")),
    )


def parse_file(item) -> DepositFile | None:
    """A file of a deposition's file list; None for an entry that is not one."""
    if not isinstance(item, dict):
        return None
    name = _text(item.get("filename") or item.get("key"))
    identifier = _text(item.get("id") or item.get("file_id"))  # "" : removed by name
    if not name:
        return None
    size = item.get("filesize", item.get("size", 0))
    md5 = _text(item.get("checksum")).removeprefix("md5:").lower()
    return DepositFile(identifier, name, size if isinstance(size, int) else 0, md5)


def _doi(value) -> str:
    text = _text(value).strip()
    for lead in ("https://doi.org/", "http://doi.org/", "doi:"):
        text = text.removeprefix(lead)
    if not DOI_PATTERN.fullmatch(text) or has_control_characters(text) or len(text) > 300:
        return ""
    return text.lower()


def _text(value) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    return str(value) if isinstance(value, (str, int)) else ""


def _short(value) -> str:
    """A server's words for one line of a terminal: no control characters, at most 300."""
    text = "".join(
        " " if c.isspace() else "?" if unicodedata.category(c) in ("Cc", "Cf") else c
        for c in _text(value)
    )
    return " ".join(text.split())[:300]


def _checked_id(value: str, what: str, any_token: bool = False) -> str:
    text = _text(value)
    pattern = r"[A-Za-z0-9._-]{1,100}" if any_token else _ID.pattern
    if not re.fullmatch(pattern, text):
        raise OutsideError(f"{SERVICE} gave an invalid {what} {quoted(text[:40])}")
    return text


def _segment(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
