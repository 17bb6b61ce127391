"""A local fake of the parts of MINERVA's REST API that crsmap reads.

Tests register a project (``add_project``) whose maps hold reactions built with
:func:`reaction` and :func:`reference`, in the shapes of ``../shared/data/minerva/API.md``
(with the extra fields a real answer carries), and point crsmap at ``url``, the instance
base ``http://127.0.0.1:PORT/minerva``. The API answers under ``/minerva/api/``:
``configuration/``, ``projects/``, ``projects/{id}/``, ``projects/{id}/models/`` and
``projects/{id}/models/{modelId}/bioEntities/reactions/`` (``columns=`` honoured), whole
lists, never pages. An unknown project is a 404 with a JSON error body.

Faults (``inject``) on requests whose path contains a text: ``"500"`` (an HTML error
page), ``"malformed"`` (half a JSON document) and ``"hang"`` (no answer until the test
ends: the client's timeout decides, never a race of sleeps).

Like ``fakeserver``, it binds 127.0.0.1 on a free port, never writes to stderr, keeps its
own errors in ``internal_errors`` (the fixture fails the test on any) and uses only the
standard library and pytest, so that it cannot share bugs with the client's HTTP stack.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from .fakeserver import LocalHTTPServer

HOST = "127.0.0.1"
PREFIX = "/minerva/api/"
HANG_LIMIT = 60.0  # seconds a hanging answer waits at most, should a test forget to end
_JSON = "application/json;charset=UTF-8"


@dataclass(frozen=True)
class Request:
    """One request as the fake saw it: the path under the API, the query, the status sent."""

    path: str
    params: dict[str, str]
    status: int


@dataclass
class FakeModel:
    """A (sub)map: MINERVA's id, its name (None: MINERVA answers ``null``) and reactions."""

    id: int
    name: str | None
    reactions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeProject:
    project_id: str
    name: str
    version: str | None  # None: the project has no version field at all
    models: list[FakeModel]


@dataclass
class _Fault:
    contains: str
    kind: str
    times: int


def reference(kind: str, resource: str | int, article: bool = True, number: int = 0) -> dict:
    """A reference as MINERVA answers it; PUBMED ones carry ``article`` unless told not to."""
    entry: dict[str, Any] = {
        "type": kind,
        "resource": resource,
        "link": f"https://identifiers.org/{str(kind).lower()}/{resource}",
        "id": number,
        "annotatorClassName": "",
    }
    if article and kind == "PUBMED":
        entry["article"] = {
            "title": f"A paper ({resource})",
            "authors": ["Carberry J"],
            "journal": "J Fake Stud",
            "year": 2018,
            "pubmedId": str(resource),
            "link": f"https://pubmed.ncbi.nlm.nih.gov/{resource}",
            "citationCount": 0,
        }
    return entry


def reaction(
    minerva_id: int,
    reaction_id: str,
    name: str = "",
    references: Sequence[dict] | None = (),
    **extra: Any,
) -> dict:
    """A reaction as MINERVA answers it without ``columns``; ``references=None`` leaves the
    field out altogether (as older answers do for reactions without any)."""
    entry: dict[str, Any] = {
        "id": minerva_id,
        "reactionId": reaction_id,
        "name": name,
        "type": "State transition",
        "modelId": 0,
        "reactants": [{"aliasId": minerva_id * 10 + 1, "stoichiometry": None}],
        "products": [{"aliasId": minerva_id * 10 + 2, "stoichiometry": None}],
        "modifiers": [],
        "hierarchyVisibilityLevel": "0",
        "notes": "",
        "kineticLaw": None,
        "centerPoint": {"x": 10.0, "y": 20.0},
    }
    if references is not None:
        entry["references"] = list(references)
    entry.update(extra)
    return entry


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeMinerva/1.0"
    timeout = 10
    disable_nagle_algorithm = True
    server: LocalHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: an access log would go to stderr."""

    def do_GET(self) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        path = unquote(split.path)
        fault = fake._fault_for(path)
        kind = fault.kind if fault else ""
        if kind == "hang":
            fake._record(Request(path, params, 0))
            fake._release.wait(HANG_LIMIT)
            self.close_connection = True
            return
        try:
            status, document = fake._answer(path, params)
            body = json.dumps(document, separators=(",", ":")).encode()
        except Exception as error:  # a bug in the fake: keep it visible, answer 500
            fake.internal_errors.append(error)
            status, body = 500, b'{"error":"fake server error"}'
        content_type = _JSON
        if kind == "500":
            status, content_type = 500, "text/html;charset=UTF-8"
            body = b"<html><body><h1>HTTP Status 500 - Internal Server Error</h1></body></html>"
        elif kind == "malformed":
            body = body[: len(body) // 2]
        fake._record(Request(path, params, status))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeMinerva:
    """Fake MINERVA on ``127.0.0.1``; see the module docstring."""

    def __init__(self, version: str = "16.4.1") -> None:
        self.version = version
        self.internal_errors: list[BaseException] = []
        self.projects: dict[str, FakeProject] = {}
        self._faults: list[_Fault] = []
        self._log: list[Request] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd: LocalHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> FakeMinerva:
        self._httpd = LocalHTTPServer(self, _Handler)
        self._thread = self._httpd.serve_in_thread()
        return self

    def stop(self) -> None:
        self._release.set()  # hanging answers end now
        if self._httpd is not None:
            self._httpd.stop_serving(self._thread)
            self._httpd = None

    @property
    def url(self) -> str:
        """The instance base, as ``[minerva] url`` names it."""
        return f"http://{HOST}:{self._httpd.server_address[1]}/minerva"

    # ----------------------------------------------------------------- content

    def add_project(
        self,
        project_id: str,
        models: Sequence[FakeModel],
        name: str = "CRS Map",
        version: str | None = "1.0.0",
    ) -> FakeProject:
        project = FakeProject(project_id, name, version, list(models))
        self.projects[project_id] = project
        return project

    def inject(self, contains: str, kind: str, times: int = 1) -> None:
        """The next ``times`` requests whose path contains ``contains`` get fault ``kind``."""
        assert kind in ("500", "malformed", "hang"), kind
        with self._lock:
            self._faults.append(_Fault(contains, kind, times))

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._log)

    # ----------------------------------------------------------------- answers

    def _fault_for(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.contains in path:
                    fault.times -= 1
                    return fault
        return None

    def _record(self, request: Request) -> None:
        with self._lock:
            self._log.append(request)

    def _answer(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        if not path.startswith(PREFIX):
            return 404, {"error": "Not Found"}
        parts = [p for p in path[len(PREFIX) :].split("/") if p]
        if parts == ["configuration"]:
            return 200, {
                "version": self.version,
                "buildDate": "01/02/2026 10:00",
                "gitHash": "0123456789abcdef",
                "options": [{"type": "DEFAULT_MAP", "value": "crs"}],
                "modelFormats": [{"name": "CellDesigner SBML"}],
            }
        if parts == ["projects"]:
            return 200, [self._project_document(p) for p in self.projects.values()]
        if len(parts) < 2 or parts[0] != "projects":
            return 404, {"error": "Not Found"}
        project = self.projects.get(parts[1])
        if project is None:
            return 404, {"error": "Object not found", "reason": f"Project {parts[1]} not found"}
        if len(parts) == 2:
            return 200, self._project_document(project)
        if parts[2:] == ["models"]:
            return 200, [
                {"idObject": m.id, "name": m.name, "width": 1600, "height": 1200, "tileSize": 256,
                 "submodelType": "UNKNOWN", "references": [], "authors": [], "description": None}
                for m in project.models
            ]  # fmt: skip
        if len(parts) == 6 and parts[2] == "models" and parts[4:] == ["bioEntities", "reactions"]:
            model = next((m for m in project.models if str(m.id) == parts[3]), None)
            if model is None:
                return 404, {"error": "Object not found", "reason": f"Map {parts[3]} not found"}
            columns = [c for c in params.get("columns", "").split(",") if c]
            reactions = [dict(r, modelId=model.id) for r in model.reactions]
            if columns:
                reactions = [{k: v for k, v in r.items() if k in columns} for r in reactions]
            return 200, reactions
        return 404, {"error": "Not Found"}

    @staticmethod
    def _project_document(project: FakeProject) -> dict[str, Any]:
        document: dict[str, Any] = {
            "projectId": project.project_id,
            "name": project.name,
            "license": None,
            "customLicenseName": "",
            "customLicenseUrl": "",
            "disease": {"type": "MESH_2012", "resource": "D000080424"},
            "organism": {"type": "TAXONOMY", "resource": "9606"},
            "status": "Ok",
            "progress": 100.0,
            "notifyEmail": "",
            "creationDate": "2026-01-02 10:00:00",
        }
        if project.version is not None:
            document["version"] = project.version
        return document


@pytest.fixture
def minerva_server() -> Iterator[FakeMinerva]:
    """A running :class:`FakeMinerva`; fails the test if the fake itself erred."""
    server = FakeMinerva().start()
    try:
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop()
    if server.internal_errors:
        pytest.fail(f"the fake MINERVA failed internally: {server.internal_errors!r}")
