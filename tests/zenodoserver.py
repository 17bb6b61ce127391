"""A local fake of Zenodo's legacy REST deposit API (``/api/deposit/depositions``, the bucket
files API and ``/api/records``), for testing crsmap's release upload.

What it serves, under ``url + "/api/"`` (``url`` is ``http://127.0.0.1:PORT``):

* ``GET|POST deposit/depositions`` (list with ``q``/``status``/``size``/``page``/``sort``/
  ``all_versions``; create from ``{}`` or ``{"metadata": ...}``);
* ``GET|PUT|DELETE deposit/depositions/{id}``; ``GET deposit/depositions/{id}/files[/{file_id}]``,
  ``DELETE deposit/depositions/{id}/files/{file_id}``;
* ``POST deposit/depositions/{id}/actions/{publish|newversion|edit|discard}``;
* ``GET files/{bucket}``, ``PUT|GET|DELETE files/{bucket}/{key}`` (raw bytes);
* ``GET records/{id}`` (public; a concept id answers 302 to the latest version).

Behaviour, and where it comes from (/tmp/zenodo_api.md has the sources). DOCUMENTED
(developers.zenodo.org): status codes (201 create, 200 PUT, 202 publish, 201 newversion/edit/
discard, 204 file DELETE, 415 on a non-JSON body), the error body ``{"status", "message",
"errors": [{"field", "message"}]}``, the deposition fields and links, ``state``
``unsubmitted``/``inprogress``/``done``, the bucket answer (``checksum: "md5:<hex>"``) against
the legacy file list (plain md5 hex), a ``prereserve_doi`` shown for every draft, newversion
copying metadata and files into ONE draft per concept (a second call returns the same draft)
and answering with the published deposition whose ``links.latest_draft`` is the draft, the
required metadata and its vocabularies, the ``X-RateLimit-*`` headers. FROM ZENODO'S SOURCE
(legacy zenodo/zenodo, invenio-deposit): ``Validation error.`` messages and dotted
``metadata.x.0.y`` fields, ``Unknown field name.``, publish refused without files ("Minimum
one file must be provided.") or when a new version's files equal a previous version's, 403
``Invalid action`` for publish/newversion/PUT/DELETE in the wrong state, the ``doi`` rules
("The prefix 10.5281 is administrated locally." unless it is the draft's own prereserved DOI,
10.5072 refused, "The DOI cannot be changed." on new-version drafts and published ones),
``conceptrecid`` as a string, the concept id allocated just before the first record id.
OBSERVED on today's Zenodo (issues): a new-version draft has no ``metadata.doi``, today's
``publication_date`` and no ``version``; ``newversion_returns="draft"`` makes newversion answer
with the draft itself, as the InvenioRDM-based Zenodo does. INFERRED (no source says so): partial
metadata accepted at create, an absent ``doi`` accepted on a new-version draft, DELETE of a
draft answering 204 (the docs say 201), the default listing (drafts plus the latest published
version of each concept), the ``q`` forms understood (``conceptrecid:N``, ``recid:N``,
``doi:"…"``, else a substring of the title), 404 bodies, the 302 for a concept id.
STRICTER than Zenodo, on purpose: a missing ``license`` (open/embargoed) or
``publication_date`` is an error here, where Zenodo would fill a default; a ``10.5281`` DOI
other than the deposition's own is refused at creation too (legacy Zenodo checked it at PUT).

Authentication: one valid token (the constructor's); ``Authorization: Bearer <token>`` or the
documented ``?access_token=`` query, the latter also counted as a leak. A wrong or missing token
is a 401, someone else's deposition a 403 (seed one with ``add_deposition(owner=OTHER_OWNER)``).
Every request is recorded (``requests``) and searched for the token outside the Authorization
header (``token_leaks``).

Faults: ``inject(step, status, times=1, retry_after=None)`` for the steps in ``STEPS``; 400,
401, 403 (JSON bodies), 429 (with ``Retry-After``, 1 s unless told), 500 (an HTML page),
``"hang"`` (no answer until the server stops, at most ``HANG_LIMIT`` s) and ``"slow"`` (the
body is read, and the answer sent, only once the test calls ``fault.release()`` or after
``delay`` seconds). ``after=True`` applies the request first and then answers with the fault,
like Zenodo's 500 on a file DELETE that did delete (zenodo-rdm#1434). The returned
:class:`Fault` has ``hit``, an Event set when a request took it.

Like ``fakeserver`` and ``minervaserver``: 127.0.0.1, a free port, never a line on stderr,
its own errors kept in ``internal_errors`` (the ``zenodo_server`` fixture fails the test on
any), standard library and pytest only.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import json
import mimetypes
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest

from .fakeserver import LocalHTTPServer

HOST = "127.0.0.1"
DEFAULT_TOKEN = "test-zenodo-token-XYZ"
OWNER = 1  # the user the valid token belongs to
OTHER_OWNER = 2  # somebody else (for 403 tests)
ZENODO_PREFIX = "10.5281"
TEST_PREFIX = "10.5072"  # the sandbox's prefix, refused on the real service
HANG_LIMIT = 60.0  # seconds a hanging or held answer waits at most, should a test forget
RATE_LIMIT = 133  # X-RateLimit-Limit as Zenodo sends it (requests per minute)
STEPS = ("create", "newversion", "metadata", "upload", "publish", "get", "list", "delete-file")
FAULT_STATUSES = (400, 401, 403, 429, 500, "hang", "slow")

_JSON = "application/json"
_API = "/api/"

# --------------------------------------------------------------------------- vocabularies
# developers.zenodo.org, "Deposit metadata".

UPLOAD_TYPES = frozenset({
    "publication", "poster", "presentation", "dataset", "image", "video", "software", "lesson",
    "physicalobject", "other",
})  # fmt: skip
PUBLICATION_TYPES = frozenset({
    "annotationcollection", "book", "section", "conferencepaper", "datamanagementplan",
    "article", "patent", "preprint", "deliverable", "milestone", "proposal", "report",
    "softwaredocumentation", "taxonomictreatment", "technicalnote", "thesis", "workingpaper",
    "other",
})  # fmt: skip
IMAGE_TYPES = frozenset({"figure", "plot", "drawing", "diagram", "photo", "other"})
ACCESS_RIGHTS = frozenset({"open", "embargoed", "restricted", "closed"})
CONTRIBUTOR_TYPES = frozenset({
    "ContactPerson", "DataCollector", "DataCurator", "DataManager", "Distributor", "Editor",
    "Funder", "HostingInstitution", "Producer", "ProjectLeader", "ProjectManager",
    "ProjectMember", "RegistrationAgency", "RegistrationAuthority", "RelatedPerson",
    "Researcher", "ResearchGroup", "RightsHolder", "Supervisor", "Sponsor", "WorkPackageLeader",
    "Other",
})  # fmt: skip
RELATIONS = frozenset({
    "isCitedBy", "cites", "isSupplementTo", "isSupplementedBy", "isContinuedBy", "continues",
    "isDescribedBy", "describes", "hasMetadata", "isMetadataFor", "isNewVersionOf",
    "isPreviousVersionOf", "isPartOf", "hasPart", "isReferencedBy", "references",
    "isDocumentedBy", "documents", "isCompiledBy", "compiles", "isVariantFormOf",
    "isOriginalFormof", "isOriginalFormOf", "isIdenticalTo", "isAlternateIdentifier",
    "isReviewedBy", "reviews", "isDerivedFrom", "isSourceOf", "requires", "isRequiredBy",
    "isObsoletedBy", "obsoletes",
})  # fmt: skip
# Every key the legacy metadata accepts (the loader refuses others: "Unknown field name.").
METADATA_FIELDS = frozenset({
    "upload_type", "publication_type", "image_type", "publication_date", "title", "creators",
    "description", "access_right", "license", "embargo_date", "access_conditions", "doi",
    "prereserve_doi", "keywords", "notes", "related_identifiers", "contributors", "references",
    "communities", "grants", "journal_title", "journal_volume", "journal_issue",
    "journal_pages", "conference_title", "conference_acronym", "conference_dates",
    "conference_place", "conference_url", "conference_session", "conference_session_part",
    "imprint_publisher", "imprint_isbn", "imprint_place", "partof_title", "partof_pages",
    "thesis_supervisors", "thesis_university", "subjects", "version", "language", "locations",
    "dates", "method", "custom",
})  # fmt: skip
_STRING_FIELDS = (
    "notes", "version", "method", "journal_title", "journal_volume", "journal_issue",
    "journal_pages", "conference_title", "conference_acronym", "conference_dates",
    "conference_place", "conference_session", "conference_session_part", "imprint_publisher",
    "imprint_isbn", "imprint_place", "partof_title", "partof_pages", "thesis_university",
    "access_conditions",
)  # fmt: skip
PERSON_KEYS = frozenset({"name", "affiliation", "orcid", "gnd"})
RELATED_KEYS = frozenset({"identifier", "relation", "resource_type", "scheme"})
# The HTML Zenodo keeps in description/notes; other tags are stripped (not refused).
HTML_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "blockquote", "br", "code", "caption", "div", "em", "i", "li",
    "ol", "p", "pre", "span", "strike", "strong", "sub", "sup", "table", "tbody", "thead", "th",
    "td", "tr", "u", "ul",
})  # fmt: skip

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_URL = re.compile(r"(?:doi:|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_ORCID = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
_ORCID_URL = re.compile(r"(?:https?://)?orcid\.org/", re.IGNORECASE)
_GRANT = re.compile(r"\d+|10\.13039/\d+::\S+")
_LICENSE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9]*)[^>]*>")

# Messages as Zenodo words them.
_MSG_REQUIRED = "Missing data for required field."
_MSG_CHOICE = "Not a valid choice."
_MSG_UNKNOWN = "Unknown field name."
_MSG_STRING = "Not a valid string."
_MSG_LIST = "Not a valid list."
_MSG_DATE = "Not a valid date."
_MSG_DOI_INVALID = "The provided DOI is invalid - it should look similar  to '10.1234/foo.bar'."
_MSG_DOI_MANAGED = "The prefix {prefix} is administrated locally."
_MSG_DOI_TEST = (
    "The prefix 10.5072 is invalid. The prefix is only used for testing purposes, and no DOIs "
    "with this prefix are attached to any meaningful content."
)
_MSG_DOI_FIXED = "The DOI cannot be changed."
_MSG_401 = (
    "The server could not verify that you are authorized to access the URL requested. You "
    "either supplied the wrong credentials (e.g. a bad password), or your browser doesn't "
    "understand how to supply the credentials required."
)
_MSG_403 = (
    "You don't have the permission to access the requested resource. It is either "
    "read-protected or not readable by the server."
)
_MSG_400 = "The browser (or proxy) sent a request that this server could not understand."
_MSG_404 = (
    "The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again."
)
_HTML_500 = (
    b"<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n"
    b"<body><h1>Internal Server Error</h1><p>The server encountered an internal error and was "
    b"unable to complete your request. Either the server is overloaded or there is an error "
    b"in the application.</p></body></html>\n"
)


# --------------------------------------------------------------------------- validation


def _orcid_ok(value: Any) -> bool:
    """A bare ORCID (or an orcid.org URL of one) whose ISO 7064 11,2 check digit is right."""
    if not isinstance(value, str):
        return False
    bare = _ORCID_URL.sub("", value.strip(), count=1)
    if not _ORCID.fullmatch(bare):
        return False
    total = 0
    for digit in bare.replace("-", "")[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    return bare[-1] == ("X" if check == 10 else str(check))


def normalize_doi(value: str) -> str:
    """``doi:10.1/X`` or ``https://doi.org/10.1/X`` -> ``10.1/x`` (DOIs ignore case)."""
    return _DOI_URL.sub("", value.strip(), count=1).lower()


def _detect_schemes(identifier: str) -> list[str]:
    """The identifier schemes Zenodo would detect (a simplified idutils)."""
    text = identifier.strip()
    found = []
    if _DOI.fullmatch(_DOI_URL.sub("", text, count=1)):
        found.append("doi")
    if re.fullmatch(r"(?:https?|ftp)://\S+", text):
        found.append("url")
        if re.match(r"https?://purl\.", text):
            found.append("purl")
    if re.fullmatch(r"(?:arXiv:)?\d{4}\.\d{4,5}(?:v\d+)?|arXiv:[a-z-]+(?:\.[A-Z]{2})?/\d{7}", text):
        found.append("arxiv")
    if re.fullmatch(r"PMC\d+", text):
        found.append("pmcid")
    if re.fullmatch(r"(?:pmid:)?\d{1,9}", text):
        found.append("pmid")
    if re.fullmatch(r"\d{4}-\d{3}[\dX]", text):
        found.append("issn")
    if re.fullmatch(r"(?:97[89]-?)?\d{1,5}-?\d{1,7}-?\d{1,7}-?[\dX]", text):
        found.append("isbn")
    if _orcid_ok(text):
        found.append("orcid")
    if re.fullmatch(r"urn:lsid:\S+", text, re.IGNORECASE):
        found.append("lsid")
    if re.fullmatch(r"urn:\S+", text, re.IGNORECASE):
        found.append("urn")
    if re.fullmatch(r"(?:https?://\S+/)?ark:/?\d+/\S+", text):
        found.append("ark")
    if re.fullmatch(r"\d+(?:\.\d+)*/\S+", text) and "doi" not in found:
        found.append("handle")
    if re.fullmatch(r"swh:1:(?:cnt|dir|rel|rev|snp):[0-9a-f]{40}(?:;\S+)?", text):
        found.append("swh")
    return found


def _sanitized_text(html: str) -> str:
    """What ``html`` looks like after Zenodo drops the tags it does not allow."""
    return _TAG.sub(lambda m: m.group(0) if m.group(2).lower() in HTML_TAGS else "", html)


def _check_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _doi_problem(value: Any, own_doi: str | None, doi_locked: bool) -> str | None:
    """Zenodo's DOI field: None when ``value`` is acceptable for this deposition."""
    if not isinstance(value, str):
        return _MSG_STRING
    if not value.strip():
        return None  # left empty: Zenodo mints the prereserved DOI at publish (INFERRED if locked)
    doi = normalize_doi(value)
    if not _DOI.fullmatch(doi):
        return _MSG_DOI_INVALID
    own = normalize_doi(own_doi) if own_doi else None
    if doi_locked:
        return None if doi == own else _MSG_DOI_FIXED
    if doi == own:
        return None
    prefix = doi.split("/", 1)[0]
    if prefix == ZENODO_PREFIX:
        return _MSG_DOI_MANAGED.format(prefix=prefix)
    if prefix == TEST_PREFIX:
        return _MSG_DOI_TEST
    return None


def validate_metadata(
    metadata: Any,
    *,
    own_doi: str | None = None,
    doi_locked: bool = False,
    partial: bool = False,
) -> list[dict[str, str]]:
    """Every way ``metadata`` breaks Zenodo's legacy deposit rules, as Zenodo reports them:
    ``[{"field": "metadata.creators.0.orcid", "message": "..."}, ...]``, empty when valid.

    ``own_doi`` is the deposition's prereserved DOI, the only ``10.5281`` DOI it may carry;
    without it every ``10.5281`` DOI is refused, as for metadata not yet attached to a
    deposition. ``doi_locked`` (a new-version draft, a published deposition): the DOI, if
    given, must be ``own_doi``. ``partial`` skips the required-field checks (creation).
    """
    errors: list[dict[str, str]] = []

    def error(where: str, message: str) -> None:
        errors.append({"field": f"metadata.{where}" if where else "metadata", "message": message})

    if not isinstance(metadata, dict):
        error("", "Not a valid object.")
        return errors
    for key in metadata:
        if key not in METADATA_FIELDS:
            error(str(key), _MSG_UNKNOWN)

    def present(key: str) -> bool:
        if key in metadata:
            return True
        if not partial:
            error(key, _MSG_REQUIRED)
        return False

    upload_type = metadata.get("upload_type")
    if present("upload_type") and upload_type not in UPLOAD_TYPES:
        error("upload_type", _MSG_CHOICE)
    for kind, choices in (("publication", PUBLICATION_TYPES), ("image", IMAGE_TYPES)):
        subtype = f"{kind}_type"
        if upload_type == kind and present(subtype) and metadata[subtype] not in choices:
            error(subtype, _MSG_CHOICE)
    if present("publication_date") and not _check_date(metadata["publication_date"]):
        error("publication_date", _MSG_DATE)
    if present("title"):
        title = metadata["title"]
        if not isinstance(title, str):
            error("title", _MSG_STRING)
        elif len(title.strip()) < 3:
            error("title", "Shorter than minimum length 3.")
    if present("description"):
        description = metadata["description"]
        if not isinstance(description, str):
            error("description", _MSG_STRING)
        elif len(_sanitized_text(description).strip()) < 3:
            error("description", "Shorter than minimum length 3.")
    if present("creators"):
        creators = metadata["creators"]
        if isinstance(creators, list) and not creators:
            error("creators", "Shorter than minimum length 1.")
        _check_people(creators, "creators", error)
    if "contributors" in metadata:
        _check_people(metadata["contributors"], "contributors", error, contributor=True)
    if "thesis_supervisors" in metadata:
        _check_people(metadata["thesis_supervisors"], "thesis_supervisors", error)

    access = metadata.get("access_right", "open")
    if access not in ACCESS_RIGHTS:
        error("access_right", _MSG_CHOICE)
    if access in ("open", "embargoed"):
        license_ = metadata.get("license")
        if isinstance(license_, dict):
            license_ = license_.get("id")
        if "license" not in metadata:
            if not partial:
                error("license", "Required when access right is open or embargoed.")
        elif not isinstance(license_, str) or not _LICENSE.fullmatch(license_):
            error("license", "Invalid choice.")
    if access == "embargoed":
        embargo = metadata.get("embargo_date")
        if embargo is None:
            error("embargo_date", "Required when access right is embargoed.")
        elif not _check_date(embargo):
            error("embargo_date", _MSG_DATE)
        elif dt.date.fromisoformat(embargo) <= dt.datetime.now(dt.UTC).date():
            error("embargo_date", "Embargo date must be in the future.")
    if access == "restricted" and not metadata.get("access_conditions"):
        error("access_conditions", "Required when access right is restricted.")

    if "doi" in metadata:
        problem = _doi_problem(metadata["doi"], own_doi, doi_locked)
        if problem:
            error("doi", problem)
    for key in _STRING_FIELDS:
        if key in metadata and not isinstance(metadata[key], str):
            error(key, _MSG_STRING)
    if "conference_url" in metadata and not (
        isinstance(metadata["conference_url"], str)
        and re.fullmatch(r"https?://\S+", metadata["conference_url"])
    ):
        error("conference_url", "Not a valid URL.")
    if "language" in metadata and not (
        isinstance(metadata["language"], str) and re.fullmatch(r"[a-z]{3}", metadata["language"])
    ):
        error("language", "Language must be a lower-cased 3-letter ISO 639-3 string.")
    for key in ("keywords", "references"):
        if key in metadata:
            values = metadata[key]
            if not isinstance(values, list):
                error(key, _MSG_LIST)
            else:
                for i, value in enumerate(values):
                    if not isinstance(value, str):
                        error(f"{key}.{i}", _MSG_STRING)
    if "communities" in metadata:
        for i, item in _items(metadata["communities"], "communities", error):
            if not isinstance(item, dict) or not isinstance(item.get("identifier"), str):
                error(f"communities.{i}", "Invalid community identifier.")
    if "grants" in metadata:
        for i, item in _items(metadata["grants"], "grants", error):
            grant = item.get("id") if isinstance(item, dict) else None
            if not isinstance(grant, str) or not _GRANT.fullmatch(grant):
                error(f"grants.{i}", "Invalid grant.")
    if "related_identifiers" in metadata:
        _check_related(metadata["related_identifiers"], error)
    if "subjects" in metadata:
        for i, item in _items(metadata["subjects"], "subjects", error):
            if not isinstance(item, dict) or not item.get("identifier") or not item.get("term"):
                error(f"subjects.{i}", "Identifier and term are required.")
    if "dates" in metadata:
        for i, item in _items(metadata["dates"], "dates", error):
            if not isinstance(item, dict) or not item.get("type"):
                error(f"dates.{i}.type", _MSG_REQUIRED)
            elif not any(_check_date(item.get(k)) for k in ("start", "end")):
                error(f"dates.{i}", "There must be at least one date.")
    if "locations" in metadata:
        for i, item in _items(metadata["locations"], "locations", error):
            if not isinstance(item, dict) or not isinstance(item.get("place"), str):
                error(f"locations.{i}.place", _MSG_REQUIRED)
    if "prereserve_doi" in metadata and not isinstance(metadata["prereserve_doi"], bool | dict):
        error("prereserve_doi", "Not a valid boolean.")
    if "custom" in metadata and not isinstance(metadata["custom"], dict):
        error("custom", "Not an object.")
    return errors


def _items(values: Any, where: str, error) -> list[tuple[int, Any]]:
    if not isinstance(values, list):
        error(where, _MSG_LIST)
        return []
    return list(enumerate(values))


def _check_people(people: Any, where: str, error, contributor: bool = False) -> None:
    keys = (PERSON_KEYS | {"type"}) if contributor else PERSON_KEYS
    for i, person in _items(people, where, error):
        at = f"{where}.{i}"
        if not isinstance(person, dict):
            error(at, "Invalid input type.")
            continue
        for key in person:
            if key not in keys:
                error(f"{at}.{key}", _MSG_UNKNOWN)
        name = person.get("name")
        if not isinstance(name, str) or not name.strip():
            error(f"{at}.name", "Name is required.")
        if "affiliation" in person and not isinstance(person["affiliation"], str | None):
            error(f"{at}.affiliation", _MSG_STRING)
        if "orcid" in person and person["orcid"] and not _orcid_ok(person["orcid"]):
            error(f"{at}.orcid", "Not a valid ORCID identifier.")
        if (
            "gnd" in person
            and person["gnd"]
            and not (
                isinstance(person["gnd"], str)
                and re.fullmatch(r"(?:gnd:)?[0-9X-]{6,12}", person["gnd"])
            )
        ):
            error(f"{at}.gnd", "Not a valid GND identifier.")
        if contributor:
            kind = person.get("type")
            if kind is None:
                error(f"{at}.type", _MSG_REQUIRED)
            elif kind not in CONTRIBUTOR_TYPES:
                error(f"{at}.type", "Invalid contributor type.")


def _check_related(related: Any, error) -> None:
    for i, item in _items(related, "related_identifiers", error):
        at = f"related_identifiers.{i}"
        if not isinstance(item, dict):
            error(at, "Invalid input type.")
            continue
        for key in item:
            if key not in RELATED_KEYS:
                error(f"{at}.{key}", _MSG_UNKNOWN)
        identifier = item.get("identifier")
        if not isinstance(identifier, str) or not identifier.strip():
            error(f"{at}.identifier", "Identifier is required.")
        else:
            schemes = _detect_schemes(identifier)
            scheme = item.get("scheme")
            if not schemes:
                error(f"{at}.identifier", "Not a valid persistent identifier.")
            elif scheme is not None and scheme not in schemes:
                error(f"{at}.identifier", f"Not a valid {scheme} identifier.")
        relation = item.get("relation")
        if relation is None:
            error(f"{at}.relation", _MSG_REQUIRED)
        elif relation not in RELATIONS:
            error(f"{at}.relation", _MSG_CHOICE)
        if "resource_type" in item and not isinstance(item["resource_type"], str):
            error(f"{at}.resource_type", _MSG_STRING)


# --------------------------------------------------------------------------- state


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


@dataclass(frozen=True)
class Request:
    """One request as the fake saw it. ``path`` is the raw path without the query; ``query``
    the decoded query (last value wins); ``headers`` keyed by lower-cased name; ``step`` the
    fault step it belongs to ("" for none); ``status`` the answer, 0 when none was sent."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    step: str
    status: int


@dataclass(eq=False)
class StoredFile:
    """A file in a deposition's bucket."""

    key: str
    data: bytes
    file_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    version_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created: str = field(default_factory=_now)

    @property
    def md5(self) -> str:
        return hashlib.md5(self.data).hexdigest()

    @property
    def mimetype(self) -> str:
        return mimetypes.guess_type(self.key)[0] or "application/octet-stream"

    def copy(self) -> StoredFile:
        """The same bytes under a new file id, as a snapshot bucket holds them."""
        return StoredFile(self.key, self.data)


@dataclass(eq=False)
class Deposition:
    """A deposition. ``state``: ``unsubmitted`` (a draft never published), ``done``
    (published) or ``inprogress`` (published, being edited). ``metadata`` is what was PUT
    (the editable copy); ``published_metadata`` what the record shows."""

    id: int
    conceptrecid: int
    owner: int
    bucket: str
    metadata: dict[str, Any] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    state: str = "unsubmitted"
    doi: str | None = None
    conceptdoi: str | None = None
    created: str = field(default_factory=_now)
    modified: str = field(default_factory=_now)
    published_metadata: dict[str, Any] | None = None
    published_files: dict[str, StoredFile] | None = None
    revision: int = 0

    @property
    def submitted(self) -> bool:
        return self.state != "unsubmitted"

    @property
    def prereserved_doi(self) -> str:
        return f"{ZENODO_PREFIX}/zenodo.{self.id}"

    @property
    def doi_locked(self) -> bool:
        """A DOI that may no longer change: published, or a new version of a concept."""
        return self.submitted or self.conceptdoi is not None

    def file_by_id(self, file_id: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_id == file_id), None)


@dataclass
class Fault:
    """An injected fault (what ``inject`` returns). ``hit`` is set once a request took it;
    ``release()`` lets a held ``"slow"`` answer go."""

    step: str
    status: int | str
    times: int
    retry_after: int | str | None
    delay: float | None
    after: bool
    hit: threading.Event = field(default_factory=threading.Event)
    gate: threading.Event = field(default_factory=threading.Event)
    taken: int = 0

    def release(self) -> None:
        self.gate.set()


@dataclass
class _Answer:
    status: int
    body: bytes = b""
    content_type: str = _JSON
    headers: dict[str, str] = field(default_factory=dict)


def _json_answer(status: int, document: Any, headers: dict[str, str] | None = None) -> _Answer:
    return _Answer(status, json.dumps(document).encode(), _JSON, headers or {})


def _error(status: int, message: str, errors: list[dict[str, Any]] | None = None) -> _Answer:
    document: dict[str, Any] = {"status": status, "message": message}
    if errors is not None:
        document["errors"] = errors
    return _json_answer(status, document)


class _Refusal(Exception):
    """Raised inside an answer to send an error instead."""

    def __init__(self, answer: _Answer) -> None:
        super().__init__(answer.status)
        self.answer = answer


# --------------------------------------------------------------------------- HTTP layer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeZenodo/1.0"
    timeout = 10
    disable_nagle_algorithm = True
    server: LocalHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: an access log would go to stderr."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        fake: FakeZenodo = self.server.fake
        split = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        step = fake._step(method, split.path)
        fault = fake._take_fault(step) if step else None
        if fault is not None and fault.status == "slow":
            # Held before the body is read: a big upload stalls mid-send, as on a slow link.
            if fault.delay is not None:
                time.sleep(fault.delay)
            else:
                fault.gate.wait(HANG_LIMIT)
        body = self._read_body()
        if body is None:
            return
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        fake._check_leak(method, self.path, headers, body)
        record = dict(method=method, path=split.path, query=query, headers=headers, body=body)

        # A "slow" fault has done its part; the others answer before or after the request.
        replace = fault if fault is not None and fault.status != "slow" else None
        if replace is not None and replace.status == "hang" and not replace.after:
            fake._record(Request(**record, step=step, status=0))
            self._hang(fake)
            return
        try:
            if replace is not None and not replace.after:
                answer = fake._fault_answer(replace)
            else:
                answer = fake._answer(method, split.path, query, headers, body)
                if replace is not None and replace.status == "hang":
                    fake._record(Request(**record, step=step, status=0))
                    self._hang(fake)
                    return
                if replace is not None:
                    answer = fake._fault_answer(replace)
        except Exception as error:  # a bug in the fake: keep it visible, answer 500
            fake.internal_errors.append(error)
            answer = _error(500, f"fake server error: {error!r}")
        answer.headers.update(fake._rate_headers())
        fake._record(Request(**record, step=step, status=answer.status))
        self._send(answer)

    def _hang(self, fake: FakeZenodo) -> None:
        fake._stopping.wait(HANG_LIMIT)
        self.close_connection = True

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                try:
                    size = int(size_line.split(b";")[0].strip() or b"x", 16)
                except ValueError:
                    self.close_connection = True
                    self._send(_error(400, _MSG_400))
                    return None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._send(_error(400, _MSG_400))
            return None
        return self.rfile.read(length) if length else b""

    def _send(self, answer: _Answer) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.status == 204:
            self.end_headers()
            return
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


# --------------------------------------------------------------------------- the fake


class FakeZenodo:
    """Fake Zenodo deposit API on ``127.0.0.1``; see the module docstring.

    ``newversion_returns``: ``"published"`` (documented: the body is the published deposition,
    the draft behind ``links.latest_draft``) or ``"draft"`` (today's Zenodo: the draft itself).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        newversion_returns: str = "published",
        first_id: int = 1000,
    ) -> None:
        assert newversion_returns in ("published", "draft"), newversion_returns
        self.token = token
        self.newversion_returns = newversion_returns
        self.internal_errors: list[BaseException] = []
        self._depositions: dict[int, Deposition] = {}
        self._concepts: dict[int, list[int]] = {}
        self._buckets: dict[str, int] = {}
        self._faults: list[Fault] = []
        self._log: list[Request] = []
        self._leaks: list[str] = []
        self._next_id = first_id
        self._window = (0.0, 0)  # rate-limit window start, requests in it
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._httpd: LocalHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> FakeZenodo:
        self._httpd = LocalHTTPServer(self, _Handler)
        self._thread = self._httpd.serve_in_thread()
        return self

    def stop(self) -> None:
        """Stop serving: hanging and held answers end, open connections close. Idempotent."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        self._stopping.set()
        with self._lock:
            for fault in self._faults:
                fault.gate.set()
        httpd.stop_serving(thread)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeZenodo:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the site root (the API is under ``/api``)."""
        assert self._httpd is not None, "start() the server first"
        return f"http://{HOST}:{self._httpd.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    # ----------------------------------------------------------------- test controls

    def inject(
        self,
        step: str,
        status: int | str,
        times: int = 1,
        retry_after: int | str | None = None,
        *,
        delay: float | None = None,
        after: bool = False,
    ) -> Fault:
        """The next ``times`` requests of ``step`` get ``status`` (see the module docstring).

        ``delay`` (``"slow"`` only): answer after that many seconds instead of waiting for
        ``release()``. ``after``: apply the request, then answer with the fault.
        """
        assert step in STEPS, step
        assert status in FAULT_STATUSES, status
        assert times >= 1, times
        fault = Fault(step, status, times, retry_after, delay, after)
        with self._lock:
            self._faults.append(fault)
        return fault

    def add_deposition(
        self,
        metadata: dict[str, Any] | None = None,
        files: dict[str, bytes] | None = None,
        *,
        owner: int = OWNER,
        published: bool = False,
        concept: int | None = None,
    ) -> Deposition:
        """Seed a deposition directly (no validation): a draft, or a published version;
        ``concept`` adds it as the next version of that concept."""
        with self._lock:
            if concept is None:
                concept = self._new_id()
            deposition = self._new_deposition(int(concept), owner)
            deposition.metadata = copy.deepcopy(metadata or {})
            deposition.files = {key: StoredFile(key, data) for key, data in (files or {}).items()}
            if published:
                self._mark_published(deposition)
            else:
                latest = self._latest_published(deposition.conceptrecid)
                deposition.conceptdoi = latest.conceptdoi if latest is not None else None
            return deposition

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._log)

    @property
    def token_leaks(self) -> list[str]:
        """Where the token appeared outside the Authorization header, one line per place."""
        with self._lock:
            return list(self._leaks)

    @property
    def depositions(self) -> dict[int, Deposition]:
        with self._lock:
            return dict(self._depositions)

    @property
    def concepts(self) -> dict[int, list[int]]:
        """conceptrecid -> the ids of its depositions, oldest first."""
        with self._lock:
            return {concept: list(ids) for concept, ids in self._concepts.items()}

    def published(self, concept: int | str) -> list[Deposition]:
        """The published versions of a concept, oldest first."""
        with self._lock:
            ids = self._concepts.get(int(concept), [])
            return [self._depositions[i] for i in ids if self._depositions[i].submitted]

    def drafts(self) -> list[Deposition]:
        """Every deposition never published (state ``unsubmitted``), any owner."""
        with self._lock:
            return [d for d in self._depositions.values() if d.state == "unsubmitted"]

    # ----------------------------------------------------------------- bookkeeping

    def _record(self, request: Request) -> None:
        with self._lock:
            self._log.append(request)

    def _check_leak(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> None:
        token = self.token
        places = []
        if token in raw_path or token in unquote(raw_path):
            places.append("the URL")
        for name, value in headers.items():
            if name != "authorization" and token in value:
                places.append(f"the {name} header")
        if token.encode() in body or quote(token).encode() in body:
            places.append("the body")
        if places:
            where = urlsplit(raw_path).path
            with self._lock:
                self._leaks.extend(f"{method} {where}: token in {place}" for place in places)

    def _rate_headers(self) -> dict[str, str]:
        with self._lock:
            start, count = self._window
            now = time.time()
            if now - start >= 60:
                start, count = now, 0
            count += 1
            self._window = (start, count)
        return {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(max(0, RATE_LIMIT - count)),
            "X-RateLimit-Reset": str(int(start + 60)),
        }

    def _take_fault(self, step: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.step == step and fault.taken < fault.times:
                    fault.taken += 1
                    fault.hit.set()
                    return fault
        return None

    def _fault_answer(self, fault: Fault) -> _Answer:
        status = int(fault.status)
        if status == 500:
            return _Answer(500, _HTML_500, "text/html; charset=utf-8")
        if status == 429:
            retry_after = 1 if fault.retry_after is None else fault.retry_after
            answer = _error(429, f"{RATE_LIMIT} per 1 minute")
            answer.headers["Retry-After"] = str(retry_after)
            return answer
        message = {400: _MSG_400, 401: _MSG_401, 403: _MSG_403}[status]
        return _error(status, message)

    def _new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def _new_deposition(self, concept: int, owner: int) -> Deposition:
        """A fresh draft with its own recid and bucket in ``concept``; the caller holds the lock."""
        deposition = Deposition(
            id=self._new_id(), conceptrecid=concept, owner=owner, bucket=str(uuid.uuid4())
        )
        self._depositions[deposition.id] = deposition
        self._concepts.setdefault(concept, []).append(deposition.id)
        self._buckets[deposition.bucket] = deposition.id
        return deposition

    def _mark_published(self, deposition: Deposition) -> None:
        """Publish bookkeeping (the caller holds the lock and has validated)."""
        given = deposition.metadata.get("doi")
        if isinstance(given, str) and given.strip():
            deposition.doi = normalize_doi(given)
        elif deposition.doi is None:
            deposition.doi = deposition.prereserved_doi
        if deposition.doi.startswith(f"{ZENODO_PREFIX}/"):
            deposition.conceptdoi = f"{ZENODO_PREFIX}/zenodo.{deposition.conceptrecid}"
        deposition.metadata["doi"] = deposition.doi
        deposition.state = "done"
        deposition.published_metadata = copy.deepcopy(deposition.metadata)
        deposition.published_files = {k: f for k, f in deposition.files.items()}
        deposition.modified = _now()
        deposition.revision += 1

    def _draft_of(self, concept: int) -> Deposition | None:
        ids = self._concepts.get(concept, [])
        return next(
            (self._depositions[i] for i in ids if self._depositions[i].state == "unsubmitted"),
            None,
        )

    def _latest_published(self, concept: int) -> Deposition | None:
        versions = [self._depositions[i] for i in self._concepts.get(concept, [])]
        return next((d for d in reversed(versions) if d.submitted), None)

    # ----------------------------------------------------------------- routing

    @staticmethod
    def _parts(path: str) -> list[str]:
        return [unquote(p) for p in path[len(_API) :].split("/") if p]

    def _step(self, method: str, path: str) -> str:
        """The fault step a request belongs to ("" for none)."""
        if not path.startswith(_API):
            return ""
        parts = self._parts(path)
        if parts[:2] == ["deposit", "depositions"]:
            rest = parts[2:]
            if not rest:
                return {"GET": "list", "POST": "create"}.get(method, "")
            if method == "GET":
                return "get"
            if len(rest) == 1:
                return "metadata" if method == "PUT" else ""
            if rest[1] == "files":
                return {"POST": "upload", "DELETE": "delete-file"}.get(method, "")
            if rest[1] == "actions" and len(rest) == 3 and method == "POST":
                return rest[2] if rest[2] in ("publish", "newversion") else ""
            return ""
        if parts[:1] == ["files"]:
            return {"GET": "get", "PUT": "upload", "DELETE": "delete-file"}.get(method, "")
        if parts[:1] == ["records"]:
            return "get" if method == "GET" else ""
        return ""

    def _authorized(self, headers: dict[str, str], query: dict[str, str]) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and value.strip() == self.token:
            return True
        return query.get("access_token") == self.token

    def _answer(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> _Answer:
        if not path.startswith(_API):
            return _error(404, _MSG_404)
        parts = self._parts(path)
        try:
            if parts[:1] == ["records"] and len(parts) == 2:
                if method != "GET":
                    return _error(405, "The method is not allowed for the requested URL.")
                return self._get_record(parts[1])
            if not self._authorized(headers, query):
                return _error(401, _MSG_401)
            with self._lock:
                if parts[:2] == ["deposit", "depositions"]:
                    return self._deposit_route(method, parts[2:], query, headers, body)
                if parts[:1] == ["files"] and len(parts) in (2, 3):
                    return self._files_route(
                        method, parts[1], parts[2] if len(parts) == 3 else None, body
                    )
            return _error(404, _MSG_404)
        except _Refusal as refusal:
            return refusal.answer

    # ----------------------------------------------------------------- depositions

    def _deposit_route(
        self,
        method: str,
        rest: list[str],
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
    ) -> _Answer:
        if not rest:
            if method == "GET":
                return self._list(query)
            if method == "POST":
                return self._create(self._json_body(headers, body))
            return _error(405, "The method is not allowed for the requested URL.")
        deposition = self._owned(rest[0])
        if len(rest) == 1:
            if method == "GET":
                return _json_answer(200, self._deposition_json(deposition))
            if method == "PUT":
                return self._update(deposition, self._json_body(headers, body))
            if method == "DELETE":
                return self._delete(deposition)
        elif rest[1] == "files":
            return self._deposit_files(method, deposition, rest[2:])
        elif rest[1] == "actions" and len(rest) == 3 and method == "POST":
            action = {
                "publish": self._publish,
                "newversion": self._newversion,
                "edit": self._edit,
                "discard": self._discard,
            }.get(rest[2])
            if action is not None:
                return action(deposition)
            return _error(404, _MSG_404)
        else:
            return _error(404, _MSG_404)
        return _error(405, "The method is not allowed for the requested URL.")

    @staticmethod
    def _json_body(headers: dict[str, str], body: bytes) -> Any:
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise _Refusal(
                _error(
                    415, "The server does not support the media type transmitted in the request."
                )
            )
        try:
            return json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, ValueError):
            raise _Refusal(_error(400, _MSG_400)) from None

    def _owned(self, raw_id: str) -> Deposition:
        deposition = self._depositions.get(int(raw_id)) if raw_id.isdigit() else None
        if deposition is None:
            raise _Refusal(_error(404, "PID does not exist."))
        if deposition.owner != OWNER:
            raise _Refusal(_error(403, _MSG_403))
        return deposition

    def _list(self, query: dict[str, str]) -> _Answer:
        try:
            size = int(query.get("size", "10"))
            page = int(query.get("page", "1"))
        except ValueError:
            return _error(400, "Invalid pagination parameters.")
        if size < 1 or page < 1:
            return _error(400, "Invalid pagination parameters.")
        status = query.get("status", "")
        all_versions = query.get("all_versions", "").lower() in ("1", "true")
        found = [d for d in self._depositions.values() if d.owner == OWNER]
        if status == "draft":
            found = [d for d in found if d.state in ("unsubmitted", "inprogress")]
        elif status == "published":
            found = [d for d in found if d.state == "done"]
        if not all_versions:
            latest = {self._latest_published(d.conceptrecid) for d in found}
            found = [d for d in found if d.state == "unsubmitted" or d in latest]
        found = [d for d in found if self._matches(d, query.get("q", ""))]
        found.sort(key=lambda d: d.id, reverse=query.get("sort", "mostrecent") != "-mostrecent")
        chosen = found[(page - 1) * size : page * size]
        return _json_answer(200, [self._deposition_json(d) for d in chosen])

    @staticmethod
    def _matches(deposition: Deposition, q: str) -> bool:
        q = q.strip()
        if not q:
            return True
        match = re.fullmatch(r'(conceptrecid|recid|id)\s*:\s*"?(\d+)"?', q)
        if match:
            wanted = int(match.group(2))
            if match.group(1) == "conceptrecid":
                return deposition.conceptrecid == wanted
            return deposition.id == wanted
        match = re.fullmatch(r'(conceptdoi|doi)\s*:\s*"?(.+?)"?', q)
        if match:
            doi = normalize_doi(match.group(2).replace("\\/", "/"))
            field_value = deposition.doi if match.group(1) == "doi" else deposition.conceptdoi
            return field_value is not None and normalize_doi(field_value) == doi
        title = str(deposition.metadata.get("title", ""))
        return q.strip('"').lower() in title.lower()

    def _create(self, document: Any) -> _Answer:
        if not isinstance(document, dict):
            return _error(400, _MSG_400)
        metadata = document.get("metadata", {})
        if metadata:
            # Checked against the DOI the new deposition will reserve (ids: concept, then record).
            own_doi = f"{ZENODO_PREFIX}/zenodo.{self._next_id + 2}"
            errors = validate_metadata(metadata, own_doi=own_doi, partial=True)
            if errors:
                return _error(400, "Validation error.", errors)
        concept = self._new_id()  # the concept id comes just before the first record id
        deposition = self._new_deposition(concept, OWNER)
        metadata = {k: v for k, v in (metadata or {}).items() if k != "prereserve_doi"}
        deposition.metadata = copy.deepcopy(metadata)
        return _json_answer(201, self._deposition_json(deposition))

    def _update(self, deposition: Deposition, document: Any) -> _Answer:
        if deposition.state == "done":
            return _error(403, "Invalid action")
        if not isinstance(document, dict) or not isinstance(document.get("metadata"), dict):
            return _error(
                400, "Validation error.", [{"field": "metadata", "message": _MSG_REQUIRED}]
            )
        metadata = document["metadata"]
        errors = validate_metadata(
            metadata, own_doi=self._allowed_doi(deposition), doi_locked=deposition.doi_locked
        )
        if errors:
            return _error(400, "Validation error.", errors)
        deposition.metadata = copy.deepcopy(
            {k: v for k, v in metadata.items() if k != "prereserve_doi"}
        )
        deposition.modified = _now()
        deposition.revision += 1
        return _json_answer(200, self._deposition_json(deposition))

    @staticmethod
    def _allowed_doi(deposition: Deposition) -> str:
        return deposition.doi or deposition.prereserved_doi

    def _delete(self, deposition: Deposition) -> _Answer:
        if deposition.submitted:
            return _error(403, "Invalid action")
        del self._depositions[deposition.id]
        del self._buckets[deposition.bucket]
        versions = self._concepts[deposition.conceptrecid]
        versions.remove(deposition.id)
        if not versions:
            del self._concepts[deposition.conceptrecid]
        return _Answer(204)

    # ----------------------------------------------------------------- actions

    def _publish(self, deposition: Deposition) -> _Answer:
        if deposition.state == "done":
            return _error(403, "Invalid action")
        errors = validate_metadata(
            deposition.metadata,
            own_doi=self._allowed_doi(deposition),
            doi_locked=deposition.doi_locked,
        )
        if errors:
            return _error(400, "Validation error.", errors)
        if not deposition.files:
            return _error(
                400,
                "Validation error.",
                [{"field": None, "message": "Minimum one file must be provided.", "code": 10}],
            )
        if deposition.state == "unsubmitted":
            mine = {f.md5 for f in deposition.files.values()}
            for earlier in self.published(deposition.conceptrecid):
                if mine == {f.md5 for f in (earlier.published_files or {}).values()}:
                    message = "New version's files must differ from all previous versions."
                    return _error(
                        400, "Validation error.", [{"field": None, "message": message, "code": 10}]
                    )
        self._mark_published(deposition)
        return _json_answer(202, self._deposition_json(deposition))

    def _newversion(self, deposition: Deposition) -> _Answer:
        if not deposition.submitted:
            return _error(403, "Invalid action")
        concept = deposition.conceptrecid
        draft = self._draft_of(concept)
        latest = self._latest_published(concept)
        assert latest is not None
        if draft is None and latest.doi and latest.doi.startswith(f"{ZENODO_PREFIX}/"):
            draft = self._new_deposition(concept, deposition.owner)
            metadata = copy.deepcopy(latest.published_metadata or {})
            for key in ("doi", "version", "prereserve_doi"):
                metadata.pop(key, None)
            metadata["publication_date"] = dt.datetime.now(dt.UTC).date().isoformat()
            draft.metadata = metadata
            draft.files = {k: f.copy() for k, f in (latest.published_files or {}).items()}
            draft.conceptdoi = latest.conceptdoi
        if self.newversion_returns == "draft" and draft is not None:
            return _json_answer(201, self._deposition_json(draft))
        return _json_answer(201, self._deposition_json(deposition))

    def _edit(self, deposition: Deposition) -> _Answer:
        if deposition.state != "done":
            return _error(400, "Deposition state does not allow for editing.")
        deposition.state = "inprogress"
        deposition.modified = _now()
        return _json_answer(201, self._deposition_json(deposition))

    def _discard(self, deposition: Deposition) -> _Answer:
        if deposition.state != "inprogress":
            return _error(400, "Deposition is not being edited.")
        deposition.metadata = copy.deepcopy(deposition.published_metadata or {})
        deposition.state = "done"
        deposition.modified = _now()
        return _json_answer(201, self._deposition_json(deposition))

    # ----------------------------------------------------------------- files

    def _deposit_files(self, method: str, deposition: Deposition, rest: list[str]) -> _Answer:
        if not rest:
            if method == "GET":
                return _json_answer(200, self._legacy_files(deposition))
            if method == "POST":
                # The multipart upload of the old files API is not served: use the bucket.
                return _error(400, "fake server: use PUT {links.bucket}/{filename}")
            return _error(405, "The method is not allowed for the requested URL.")
        stored = deposition.file_by_id(rest[0]) if len(rest) == 1 else None
        if stored is None:
            return _error(404, "File does not exist.")
        if method == "GET":
            return _json_answer(200, self._legacy_file(deposition, stored))
        if method == "DELETE":
            if deposition.submitted:
                return _error(403, "Invalid action")
            del deposition.files[stored.key]
            deposition.modified = _now()
            return _Answer(204)
        return _error(405, "The method is not allowed for the requested URL.")

    def _files_route(self, method: str, bucket: str, key: str | None, body: bytes) -> _Answer:
        owner_id = self._buckets.get(bucket)
        if owner_id is None:
            return _error(404, "Bucket does not exist.")
        deposition = self._depositions[owner_id]
        if deposition.owner != OWNER:
            return _error(403, _MSG_403)
        if key is None:
            if method != "GET":
                return _error(405, "The method is not allowed for the requested URL.")
            contents = [self._bucket_object(deposition, f) for f in deposition.files.values()]
            return _json_answer(200, {"id": bucket, "contents": contents})
        if method == "GET":
            stored = deposition.files.get(key)
            if stored is None:
                return _error(404, "Object does not exist.")
            return _Answer(200, stored.data, stored.mimetype)
        if method not in ("PUT", "DELETE"):
            return _error(405, "The method is not allowed for the requested URL.")
        if deposition.submitted:
            return _error(403, "Bucket is locked for modifications.")
        if method == "DELETE":
            if key not in deposition.files:
                return _error(404, "Object does not exist.")
            del deposition.files[key]
            deposition.modified = _now()
            return _Answer(204)
        stored = StoredFile(key, body)
        deposition.files.pop(key, None)  # a re-PUT replaces the object
        deposition.files[key] = stored
        deposition.modified = _now()
        return _json_answer(201, self._bucket_object(deposition, stored))

    # ----------------------------------------------------------------- records

    def _get_record(self, raw_id: str) -> _Answer:
        with self._lock:
            if not raw_id.isdigit():
                return _error(404, "PID does not exist.")
            number = int(raw_id)
            deposition = self._depositions.get(number)
            if deposition is None and number in self._concepts:
                latest = self._latest_published(number)
                if latest is not None:
                    location = f"{self.api_url}/records/{latest.id}"
                    return _Answer(302, b"", _JSON, {"Location": location})
            if deposition is None or not deposition.submitted:
                return _error(404, "PID does not exist.")
            return _json_answer(200, self._record_json(deposition))

    # ----------------------------------------------------------------- documents

    def _links(self, deposition: Deposition) -> dict[str, str]:
        site, api, number = self.url, self.api_url, deposition.id
        deposit = f"{api}/deposit/depositions/{number}"
        draft = self._draft_of(deposition.conceptrecid) if deposition.submitted else deposition
        draft_id = draft.id if draft is not None else number
        links = {
            "self": deposit,
            "html": f"{site}/deposit/{number}",
            "files": f"{deposit}/files",
            "bucket": f"{api}/files/{deposition.bucket}",
            "latest_draft": f"{api}/deposit/depositions/{draft_id}",
            "latest_draft_html": f"{site}/deposit/{draft_id}",
            "publish": f"{deposit}/actions/publish",
            "edit": f"{deposit}/actions/edit",
            "discard": f"{deposit}/actions/discard",
            "newversion": f"{deposit}/actions/newversion",
            "registerconceptdoi": f"{deposit}/actions/registerconceptdoi",
        }
        if deposition.submitted:
            latest = self._latest_published(deposition.conceptrecid) or deposition
            links |= {
                "badge": f"{site}/badge/doi/{deposition.doi}.svg",
                "doi": f"https://doi.org/{deposition.doi}",
                "record": f"{api}/records/{number}",
                "record_html": f"{site}/records/{number}",
                "latest": f"{api}/records/{latest.id}",
                "latest_html": f"{site}/records/{latest.id}",
            }
            if deposition.conceptdoi:
                links["conceptdoi"] = f"https://doi.org/{deposition.conceptdoi}"
                links["conceptbadge"] = f"{site}/badge/doi/{deposition.conceptdoi}.svg"
        return links

    def _deposition_json(self, deposition: Deposition) -> dict[str, Any]:
        metadata = copy.deepcopy(deposition.metadata)
        metadata.setdefault("access_right", "open")
        metadata["imprint_publisher"] = metadata.get("imprint_publisher", "Zenodo")
        metadata["prereserve_doi"] = {"doi": deposition.prereserved_doi, "recid": deposition.id}
        document: dict[str, Any] = {
            "created": deposition.created,
            "modified": deposition.modified,
            "id": deposition.id,
            "conceptrecid": str(deposition.conceptrecid),
            "record_id": deposition.id,
            "owner": deposition.owner,
            "title": deposition.metadata.get("title", ""),
            "metadata": metadata,
            "files": self._legacy_files(deposition),
            "links": self._links(deposition),
            "state": deposition.state,
            "submitted": deposition.submitted,
            "revision": deposition.revision,  # not a documented field: clients must ignore it
        }
        if deposition.conceptdoi:
            document["conceptdoi"] = deposition.conceptdoi
        if deposition.submitted:
            document["doi"] = deposition.doi
            document["doi_url"] = f"https://doi.org/{deposition.doi}"
            document["record_url"] = f"{self.url}/records/{deposition.id}"
        return document

    def _legacy_file(self, deposition: Deposition, stored: StoredFile) -> dict[str, Any]:
        return {
            "id": stored.file_id,
            "filename": stored.key,
            "filesize": len(stored.data),
            "checksum": stored.md5,
            "links": {
                "self": f"{self.api_url}/deposit/depositions/{deposition.id}/files/{stored.file_id}",
                "download": f"{self.api_url}/files/{deposition.bucket}/{quote(stored.key)}",
            },
        }

    def _legacy_files(self, deposition: Deposition) -> list[dict[str, Any]]:
        return [self._legacy_file(deposition, f) for f in deposition.files.values()]

    def _bucket_object(self, deposition: Deposition, stored: StoredFile) -> dict[str, Any]:
        url = f"{self.api_url}/files/{deposition.bucket}/{quote(stored.key)}"
        return {
            "key": stored.key,
            "size": len(stored.data),
            "checksum": f"md5:{stored.md5}",
            "mimetype": stored.mimetype,
            "created": stored.created,
            "updated": stored.created,
            "version_id": stored.version_id,
            "is_head": True,
            "delete_marker": False,
            "links": {
                "self": url,
                "version": f"{url}?versionId={stored.version_id}",
                "uploads": f"{url}?uploads",
            },
        }

    def _record_json(self, deposition: Deposition) -> dict[str, Any]:
        versions = self.published(deposition.conceptrecid)
        metadata = copy.deepcopy(deposition.published_metadata or {})
        metadata["doi"] = deposition.doi
        metadata["relations"] = {
            "version": [
                {
                    "index": versions.index(deposition),
                    "is_last": versions[-1] is deposition,
                    "count": len(versions),
                    "parent": {"pid_type": "recid", "pid_value": str(deposition.conceptrecid)},
                    "last_child": {"pid_type": "recid", "pid_value": str(versions[-1].id)},
                }
            ]
        }
        files = [
            {
                "id": f.file_id,
                "key": f.key,
                "size": len(f.data),
                "checksum": f"md5:{f.md5}",
                "links": {"self": f"{self.api_url}/files/{deposition.bucket}/{quote(f.key)}"},
            }
            for f in (deposition.published_files or {}).values()
        ]
        document = {
            "id": deposition.id,
            "recid": str(deposition.id),
            "conceptrecid": str(deposition.conceptrecid),
            "doi": deposition.doi,
            "doi_url": f"https://doi.org/{deposition.doi}",
            "title": metadata.get("title", ""),
            "created": deposition.created,
            "updated": deposition.modified,
            "revision": deposition.revision,
            "owners": [deposition.owner],
            "metadata": metadata,
            "files": files,
            "links": {
                "self": f"{self.api_url}/records/{deposition.id}",
                "html": f"{self.url}/records/{deposition.id}",
                "doi": f"https://doi.org/{deposition.doi}",
                "latest": f"{self.api_url}/records/{versions[-1].id}",
            },
            "state": "done",
            "submitted": True,
            "stats": {"downloads": 0, "unique_downloads": 0, "views": 0, "unique_views": 0},
        }
        if deposition.conceptdoi:
            document["conceptdoi"] = deposition.conceptdoi
            document["links"]["conceptdoi"] = f"https://doi.org/{deposition.conceptdoi}"
        return document


@pytest.fixture
def zenodo_server() -> Iterator[FakeZenodo]:
    """A running :class:`FakeZenodo` (token ``DEFAULT_TOKEN``); fails the test if the fake
    itself erred."""
    server = FakeZenodo().start()
    try:
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop()
    if server.internal_errors:
        pytest.fail(f"the fake Zenodo failed internally: {server.internal_errors!r}")
