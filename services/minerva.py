"""MINERVA's REST API, read-only: a project, its (sub)maps and each map's reactions.

MINERVA serves every disease map it hosts under ``{instance}/api/``. A pull asks for
``configuration/`` (the MINERVA version), ``projects/{id}/``, ``projects/{id}/models/``
and then, one request per model, ``projects/{id}/models/{modelId}/bioEntities/reactions/``
restricted with ``?columns=`` to what the comparison needs. Requests go through
literature's HTTP layer: timeouts and a deadline on every attempt, retries with
backoff for 429/5xx and broken connections, ``Retry-After``, a size cap, same-host
redirects only, and a client-side rate limit (MINERVA publishes none; academic servers
deserve a gentle client).

What MINERVA's API manual (minerva.pages.uni.lu/doc/api/, versions 11 to 16) confirms:

- the API lives under ``/api/`` of the instance (manual 11 and 15.0, "Rest API");
- ``GET /projects/`` lists projects and ``GET /projects/{projectId}/`` returns one
  project's metadata (manual 12 and 13.2, "Projects");
- ``GET /projects/{projectId}/models/`` is a plain JSON array of maps, each with
  ``idObject`` and ``name``, and ``name`` may be ``null`` (manual 16.0, "project_maps");
- list endpoints take ``columns=`` to restrict the fields (manual 16.1, comments and
  chemicals), and a reference is ``{link, type, resource, id, annotatorClassName}``;
- from 15.0 on, public projects are read without logging in (its quick start); 11 to 14
  logged in as ``anonymous`` first, which this client does not do.

Not found in the manual, so taken from ``API.md`` (public client code run against live
instances) and read leniently: the ``version`` of ``configuration/`` and of a project;
the reaction list's ``reactionId``, ``name`` and ``references`` and its ``columns``;
``article`` inside a reference; how an unknown project is answered (404 assumed, 401 and
403 read as "not visible"); whether newer versions paginate (a ``pageContent`` page is
accepted when it says it is the last one, refused otherwise).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from literature.errors import InputError, OutsideError
from literature.identifiers import has_control_characters, quoted
from literature.model import clean_text, tolerant

SERVICE = "MINERVA"
RATE = 5  # requests a second, for every MINERVA instance together
REACTION_COLUMNS = "id,reactionId,name,references"
MAX_NAME = 1000  # characters: a name longer than this is cut, a resource is dropped
EXPECTED_URL = (
    "expected the http(s) address of a MINERVA instance, without query or fragment, "
    "e.g. https://pdmap.uni.lu/minerva"
)


@dataclass(frozen=True)
class MinervaReaction:
    """A reaction as MINERVA publishes it: the id in the uploaded file and its references.

    ``references`` are ``(TYPE, resource)`` pairs as MINERVA gives them (``("PUBMED",
    "29808005")``), type upper-cased, resource as text, sorted and unique; ``minerva_id``
    is MINERVA's own integer id (the one its links use), when it answered one.
    """

    reaction_id: str
    name: str = ""
    references: tuple[tuple[str, str], ...] = ()
    minerva_id: int | None = None


@dataclass(frozen=True)
class MinervaModel:
    """One (sub)map of a project: MINERVA's id, its name ("" when MINERVA has none), reactions."""

    id: int
    name: str = ""
    reactions: tuple[MinervaReaction, ...] = ()


@dataclass(frozen=True)
class MinervaProject:
    """A MINERVA project as pulled: where, which, which versions, and its models."""

    instance: str  # the instance base URL, e.g. https://pdmap.uni.lu/minerva
    project_id: str
    minerva_version: str = ""
    project_version: str = ""
    name: str = ""
    models: tuple[MinervaModel, ...] = ()


def instance_url(text: str) -> str:
    """The base URL of a MINERVA instance, normalised (no trailing slash, no ``/api``).

    Refused (InputError) as :func:`services.urls.base_url` refuses: anything but http(s),
    a missing host, a user or password, a query or fragment.
    """
    from .urls import base_url

    url = base_url(text, "MINERVA", EXPECTED_URL)
    return url[: -len("/api")] if url.endswith("/api") else url  # the API's address given


def check_project_id(text: str) -> str:
    """A MINERVA project id: one line, no slash (it becomes a path segment), not empty."""
    value = text.strip() if isinstance(text, str) else ""
    if not value or "/" in value or has_control_characters(value) or len(value) > 200:
        raise InputError(
            f"invalid MINERVA project id {quoted(str(text))}: expected the project's id as "
            "MINERVA shows it (e.g. pd_map_spring_18), one word without '/'"
        )
    return value


Progress = Callable[[int, int], None]  # (models done, models in all)


class MinervaClient:
    """Reads one MINERVA instance; every answer is checked, none is trusted."""

    def __init__(self, instance: str):
        self.instance = instance_url(instance)
        self.api = self.instance + "/api/"
        from literature.http import HttpClient, limiter_for  # requests: only when pulling

        self.http = HttpClient(
            SERVICE,
            limiter_for("minerva", RATE),
            offline_hint="`crsmap minerva pull --offline` shows the snapshot already pulled",
        )

    def project(self, project_id: str, progress: Progress | None = None) -> MinervaProject:
        """The whole project: MINERVA's version, the project, its models and their reactions."""
        project_id = check_project_id(project_id)
        version = self.minerva_version()
        name, project_version = self.project_info(project_id)
        models = self.models(project_id)
        pulled = []
        for done, (model_id, model_name) in enumerate(models, 1):
            reactions = self.reactions(project_id, model_id, model_name)
            pulled.append(MinervaModel(model_id, model_name, reactions))
            if progress is not None:
                progress(done, len(models))
        return MinervaProject(
            self.instance, project_id, version, project_version, name, tuple(pulled)
        )

    def minerva_version(self) -> str:
        """The instance's MINERVA version ("" when its configuration does not say)."""
        document = self._get("configuration/", "configuration", missing=self._no_api)
        return _text(document.get("version")) if isinstance(document, dict) else ""

    def project_info(self, project_id: str) -> tuple[str, str]:
        """(name, version) of the project; InputError when the instance does not show it."""

        def missing(status: int, url: str) -> InputError:
            if status == 404:
                problem = f"has no project {project_id!r} (HTTP 404)"
            else:
                problem = (
                    f"does not show project {project_id!r} to anonymous users (HTTP {status}); "
                    "crsmap reads public projects only"
                )
            return InputError(
                f"MINERVA at {self.instance} {problem}: check [minerva] project in crsmap.toml"
            )

        document = self._get(f"projects/{_segment(project_id)}/", "project", missing=missing)
        return parse_project(document, project_id)

    def models(self, project_id: str) -> list[tuple[int, str]]:
        """(id, name) of every (sub)map of the project, in MINERVA's order."""
        document = self._get(f"projects/{_segment(project_id)}/models/", "list of maps")
        return parse_models(document)

    def reactions(
        self, project_id: str, model_id: int, model_name: str = ""
    ) -> tuple[MinervaReaction, ...]:
        """Every reaction of one model with its references: one request, no pagination."""
        path = (
            f"projects/{_segment(project_id)}/models/{model_id}/bioEntities/reactions/"
            f"?columns={REACTION_COLUMNS}"
        )
        label = f"reactions of map {model_name!r}" if model_name else f"reactions of map {model_id}"
        return parse_reactions(self._get(path, label))

    # --- the wire -------------------------------------------------------------------------

    def _get(self, path: str, step: str, missing=None):
        """One GET under the API, its JSON document; ``missing`` makes the error of a 4xx."""
        url = self.api + path
        ok = (200, 401, 403, 404) if missing is not None else (200,)
        answer = self.http.request("GET", url, ok=ok, what=f"request for the {step} ({url})")
        if answer.status_code != 200:
            raise missing(answer.status_code, url)
        try:
            return json.loads(answer.content)
        except (ValueError, RecursionError):
            raise OutsideError(
                f"MINERVA answered the request for the {step} with malformed JSON ({url})"
            ) from None

    def _no_api(self, status: int, url: str) -> InputError:
        if status != 404:  # MINERVA before 15 asks even anonymous readers to log in
            return InputError(
                f"MINERVA at {self.instance} asks to log in (HTTP {status} for {url}); crsmap "
                "reads public projects of MINERVA 15 or later, which need no login"
            )
        return InputError(
            f"no MINERVA API at {self.api} (HTTP 404 for {url}); check [minerva] url in "
            f"crsmap.toml: {EXPECTED_URL}"
        )


def _segment(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def _text(value) -> str:
    """A string or number from an answer as one clean line ("" for anything else)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return clean_text(value)[:MAX_NAME]


def _items(document, what: str) -> list:
    """The list of an answer: a plain array, or one ``pageContent`` page that is the last."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("pageContent"), list):
        if document.get("isLastPage") is False:
            raise OutsideError(
                f"MINERVA answered the {what} in pages; crsmap reads whole answers "
                "(the API of MINERVA 12 to 18)"
            )
        return document["pageContent"]
    raise OutsideError(f"MINERVA answered the {what} with a {type(document).__name__}, not a list")


@tolerant(SERVICE)
def parse_project(document, project_id: str) -> tuple[str, str]:
    """(name, version) of ``GET projects/{id}/``; both optional."""
    if not isinstance(document, dict):
        raise OutsideError(f"MINERVA answered project {project_id!r} without a project object")
    return _text(document.get("name")), _text(document.get("version"))


@tolerant(SERVICE)
def parse_models(document) -> list[tuple[int, str]]:
    """(id, name) of each map: ``idObject`` (``id`` in some clients' answers) and ``name``."""
    models = []
    for entry in _items(document, "list of maps"):
        if not isinstance(entry, dict):
            continue
        raw = entry.get("idObject", entry.get("id"))
        model_id = _integer(raw)
        if model_id is None:
            raise OutsideError(f"MINERVA answered a map without a usable id ({quoted(str(raw))})")
        models.append((model_id, _text(entry.get("name"))))
    return models


@tolerant(SERVICE)
def parse_reactions(document) -> tuple[MinervaReaction, ...]:
    """The reactions of one model; a reaction without ``reactionId`` cannot be matched and is
    left out, one answered twice is merged, unknown fields are ignored."""
    by_id: dict[str, MinervaReaction] = {}
    for entry in _items(document, "list of reactions"):
        if not isinstance(entry, dict):
            continue
        reaction_id = _text(entry.get("reactionId"))
        if not reaction_id:
            continue
        references = set(_references(entry.get("references")))
        earlier = by_id.get(reaction_id)
        if earlier is not None:
            references |= set(earlier.references)
        by_id[reaction_id] = MinervaReaction(
            reaction_id=reaction_id,
            name=_text(entry.get("name")) or (earlier.name if earlier else ""),
            references=tuple(sorted(references)),
            minerva_id=_integer(entry.get("id")) if earlier is None else earlier.minerva_id,
        )
    return tuple(by_id.values())


def _references(value) -> list[tuple[str, str]]:
    """``(TYPE, resource)`` of each reference; ``resource`` may be text or a number."""
    found = []
    for reference in value if isinstance(value, list) else ():
        if not isinstance(reference, dict):
            continue
        kind = _text(reference.get("type")).upper()
        resource = _text(reference.get("resource"))
        if kind and resource:
            found.append((kind, resource))
    return found


def _integer(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value.strip()):
        return int(value.strip())
    return None
