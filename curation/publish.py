"""Publishing a release on Zenodo (or an InvenioRDM instance): a DOI inside every bundle.

The order of the steps makes the bundle carry its own DOI and stay reproducible:

1. **reserve** (``crsmap release VERSION --publish zenodo``, before the release commit):
   a draft deposition is made on the server (a new version of the map's concept record
   when one exists) and its reserved DOI is committed into crsmap.toml ``[publish]``
   (``version``, ``doi``, ``deposition``);
2. **release**: the CHANGELOG section, the tag and the bundle are made from that commit,
   so CITATION.cff, ``.zenodo.json``, the RO-Crate and ATTRIBUTION.md carry the DOI and
   ``crsmap bundle VERSION`` rebuilds the same bytes from the tag;
3. **upload**: the bundle goes into the draft (files carried over from the previous
   version are removed first; a file already there with the same md5 is kept);
4. **metadata**: the draft's metadata become the bundle's ``.zenodo.json``;
5. **publish**: the server registers the DOI; the concept DOI is committed into
   ``[publish] concept_doi``.

Every step looks at the server's state first, so the same command resumes after a
crash or a network failure: the same deposition, no second draft, no second DOI. A draft
made but not yet recorded (a crash between the two) is found again among the owner's
drafts. ``crsmap publish zenodo VERSION`` runs steps 3 to 5 for a release already cut.
The token is read from ``ZENODO_TOKEN`` only, and is never written anywhere.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import zipfile
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from services.zenodo import (
    SANDBOX_URL,
    TOKEN_VARIABLE,
    ZENODO_URL,
    Deposition,
    ZenodoClient,
    ZenodoFault,
    md5_hex,
    server_url,
)

from .config import CONFIG_FILE, PublishSettings, parse_config, with_publish
from .errors import InputError, OutsideError
from .transaction import checkpoint
from .zenodo import ZENODO_FILE

if TYPE_CHECKING:
    from .project import Project
    from .transaction import Transaction

SERVICES = ("zenodo",)
STEPS = ("reserve", "upload", "metadata", "publish")


@dataclass(frozen=True)
class Published:
    """The outcome of publishing one release."""

    version: str
    doi: str
    concept_doi: str = ""
    url: str = ""  # the record's page, when the server gave it
    already: bool = False  # it was published before this command

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}"


def choose_server(settings: PublishSettings, sandbox: bool = False, url: str | None = None) -> str:
    """The deposit server: ``--url``, else ``--sandbox``, else ``[publish] url``, else Zenodo.

    ``CRSMAP_ZENODO_URL`` and ``CRSMAP_ZENODO_SANDBOX_URL`` replace Zenodo's addresses
    (as ``CRSMAP_EUTILS_URL`` replaces NCBI's), e.g. for a mirror or a test server.
    """
    if url and sandbox:
        raise InputError("give --url or --sandbox, not both")
    if url:
        return server_url(url)
    if sandbox:
        return server_url(os.environ.get("CRSMAP_ZENODO_SANDBOX_URL", "").strip() or SANDBOX_URL)
    if settings.url:
        return settings.url
    return server_url(os.environ.get("CRSMAP_ZENODO_URL", "").strip() or ZENODO_URL)


def token_from_environment() -> str:
    """The deposit token, from ``ZENODO_TOKEN`` only (never from a file or an option)."""
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise InputError(
            f"{TOKEN_VARIABLE} is not set; expected a personal access token of the deposit "
            "server with the deposit:write and deposit:actions scopes, in the environment "
            "(crsmap never stores it)"
        )
    return token


def release_version(text: str) -> str:
    """A release version as tags name it without their ``v``: ``v1.1.0`` is ``1.1.0``."""
    from .versions import parse_version

    parse_version(text)
    return text.removeprefix("v")


def bundle_metadata(data: bytes) -> tuple[str, dict]:
    """(zip name, ``.zenodo.json``) of a bundle: what is uploaded is what is described."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        folder = names[0].split("/", 1)[0] if names else ""
        try:
            metadata = json.loads(archive.read(f"{folder}/{ZENODO_FILE}"))
        except (KeyError, ValueError):
            raise InputError(f"the bundle has no readable {ZENODO_FILE}") from None
    return f"{folder}.zip", metadata


class Publisher:
    """Deposits the releases of one project on one server, resuming whatever was begun."""

    def __init__(self, project: Project, server: str, token: str | None = None):
        self.project = project
        self.server = server_url(server)
        self._token = token
        self._client: ZenodoClient | None = None
        self.step = ""  # the step under way, named when it fails

    def _at(self, step: str) -> None:
        self.step = step
        checkpoint("deposit", step)

    @contextlib.contextmanager
    def _resumable(self, version: str, resume: str):
        """Name the failed step, and how to resume, in a network failure's message."""
        try:
            yield
        except ZenodoFault as exc:  # running again would meet the same answer
            raise OutsideError(
                f"{exc} (step: {self.step or 'start'} of {version} on {self.server}); nothing "
                "more was done: correct it on the server, then run the command again"
            ) from None
        except OutsideError as exc:
            raise OutsideError(
                f"{exc} (step: {self.step or 'start'} of {version} on {self.server}); what was "
                f"done is kept: run `{resume}` again to resume"
            ) from None

    @property
    def client(self) -> ZenodoClient:
        if self._client is None:
            self._client = ZenodoClient(self.server, self._token or token_from_environment())
        return self._client

    # --- step 1: reserve ------------------------------------------------------------------

    def reserve(self, txn: Transaction, version: str, title: str) -> str:
        """Reserve the DOI of release ``version`` and commit it into crsmap.toml; the DOI.

        Called inside the release's transaction, after its checks passed and before its
        commit. A reservation already recorded for ``version`` is reused.
        """
        settings = self.project.config.publish
        with self._resumable(version, f"crsmap release {version} --publish zenodo"):
            self._at("reserve")
            recorded = self._recorded(settings, version)
            if recorded is not None:
                return recorded.doi
            draft = self._abandoned(settings) or self._draft(settings, version, title)
            if not draft.doi:
                raise ZenodoFault(
                    f"the deposit server gave deposition {draft.id} no reserved DOI "
                    "(metadata.prereserve_doi); crsmap cannot put the DOI into the bundle"
                )
        text = with_publish(
            self.project.root / CONFIG_FILE, version=version, doi=draft.doi, deposition=draft.url
        )
        txn.write({CONFIG_FILE: text})
        self.project.config = parse_config(text)
        txn.commit([CONFIG_FILE], f"Reserve DOI {draft.doi} for release {version}")
        return draft.doi

    def _recorded(self, settings: PublishSettings, version: str) -> Deposition | None:
        """The draft recorded for ``version``, when it is still a draft on the server."""
        if settings.version != version or not settings.deposition:
            return None
        self._same_server(settings.deposition)
        deposition = self.client.get(settings.deposition)
        if deposition is None:
            return None  # discarded on the server's site: reserve again
        if deposition.published:
            raise InputError(
                f"the deposition of {version} ({settings.deposition}) is already published "
                f"as {deposition.doi}, but no tag v{version} exists; tag it by hand or "
                "release another version"
            )
        if settings.doi and deposition.doi and deposition.doi != settings.doi:
            raise InputError(
                f"[publish] doi {settings.doi} in {CONFIG_FILE} is not the DOI the server "
                f"reserved for {settings.deposition} ({deposition.doi}); correct it in "
                f"{CONFIG_FILE} before releasing {version}"
            )
        return replace(deposition, doi=deposition.doi or settings.doi)

    def _abandoned(self, settings: PublishSettings) -> Deposition | None:
        """The draft reserved for a release that was never cut (refused after its DOI was
        reserved, then given another version): its DOI was never bundled, so it is reused."""
        from . import gitrepo

        if not settings.deposition or not settings.version:
            return None
        repo = gitrepo.require_repo(self.project.root)
        if any(t.name == f"v{settings.version}" for t in repo.tags):
            return None
        self._same_server(settings.deposition)
        deposition = self.client.get(settings.deposition)
        return deposition if deposition is not None and not deposition.published else None

    def _draft(self, settings: PublishSettings, version: str, title: str) -> Deposition:
        """A draft for ``version``: a new version of the concept when there is one."""
        client = self.client
        previous = self._previous_version(settings)
        if previous is None:
            for draft in client.drafts():  # made by a run that stopped before recording it
                if draft.published or draft.concept_doi:
                    continue  # a published record open for editing is listed too
                if (draft.title, draft.version) == (title, version):
                    return draft
            return client.create({"upload_type": "dataset", "title": title, "version": version})
        try:
            return client.new_version(previous)
        except OutsideError as refused:  # e.g. a draft of the concept is already open
            for draft in client.drafts():
                if draft.published:  # a published version open for editing: not a new one
                    continue
                if previous.concept_id and draft.concept_id == previous.concept_id:
                    return draft
            raise refused from None

    def _previous_version(self, settings: PublishSettings) -> Deposition | None:
        """The concept's published version to make a new version of; None for a first one."""
        client = self.client
        if settings.deposition:
            self._same_server(settings.deposition)
            deposition = client.get(settings.deposition)
            if deposition is not None and deposition.published:
                return deposition
            if deposition is not None:
                raise InputError(
                    f"release {settings.version} was reserved as {settings.doi} but is not "
                    f"published yet; run `crsmap publish zenodo {settings.version}` first"
                )
        if settings.concept_doi:
            concept_id = settings.concept_doi.rsplit(".", 1)[-1]
            latest = client.latest_of_concept(concept_id) if concept_id.isdigit() else None
            if latest is None:
                raise InputError(
                    f"[publish] concept_doi {settings.concept_doi} is not a record of "
                    f"{self.server}; correct it in crsmap.toml, or remove it to start a new record"
                )
            return latest
        return None

    # --- steps 3 to 5: upload, metadata, publish --------------------------------------------

    def publish(self, version: str, data: bytes | None = None) -> Published:
        """Deposit release ``version``'s bundle in its reserved draft and publish it.

        ``data`` is the bundle when the caller has just built it; otherwise it is rebuilt
        from the tag (byte for byte the released one).
        """
        version = release_version(version)
        with self._resumable(version, f"crsmap publish zenodo {version}"):
            return self._publish(version, data)

    def reservation(self, version: str):
        """(repository, tag commit, ``[publish]`` at the tag) of a release cut with a DOI."""
        from . import gitrepo
        from .snapshot import prefix_in_repo, read_blob

        version = release_version(version)
        repo = gitrepo.require_repo(self.project.root)
        tag = next((t for t in repo.tags if t.name == f"v{version}"), None)
        if tag is None:
            raise InputError(
                f"no release {version} (no tag v{version}); cut it and publish it in one "
                f"command with `crsmap release {version} --publish zenodo`"
            )
        # Only the tagged crsmap.toml says what was reserved: no need to read maps or ledgers.
        path = prefix_in_repo(repo, self.project.root) / CONFIG_FILE
        text = (read_blob(repo, tag.commit.hexsha, path) or b"").decode("utf-8", "replace")
        reserved = parse_config(text.removeprefix("\ufeff"), committed=True).publish
        if not reserved.doi_of(version) or not reserved.deposition:
            raise InputError(
                f"release {version} was cut without a reserved DOI, so its bundle cannot carry "
                f"one; publish the next release with `crsmap release VERSION --publish zenodo`"
            )
        self._same_server(reserved.deposition)
        return repo, tag.commit, reserved

    def _publish(self, version: str, data: bytes | None) -> Published:
        from .release import bundle_bytes

        repo, commit, reserved = self.reservation(version)
        client = self.client
        self._at("read")
        deposition = client.get(reserved.deposition)
        if deposition is None:
            raise OutsideError(
                f"the deposition reserved for {version} ({reserved.deposition}) no longer "
                f"exists on {self.server}, so its DOI {reserved.doi} cannot be published; "
                "cut a new release with --publish zenodo"
            )
        if deposition.published:
            if deposition.doi and deposition.doi != reserved.doi:
                raise ZenodoFault(
                    f"{self.server} published {version} as {deposition.doi}, not as the "
                    f"reserved {reserved.doi} its bundle carries"
                )
            return self._record(Published(version, reserved.doi, deposition.concept_doi,
                                          deposition.html, already=True))  # fmt: skip
        if deposition.doi and deposition.doi != reserved.doi:
            raise ZenodoFault(
                f"the draft of {version} on {self.server} carries DOI {deposition.doi}, not "
                f"the {reserved.doi} its bundle names; nothing was published"
            )
        if data is None:
            data, _ = bundle_bytes(self.project, repo, commit.hexsha, version)  # as released
        name, metadata = bundle_metadata(data)
        self._at("upload")
        self._upload(deposition, name, data)
        self._at("metadata")
        client.set_metadata(deposition, metadata)
        self._at("publish")
        published = client.publish(deposition)
        if published.doi and published.doi != reserved.doi:
            raise ZenodoFault(
                f"{self.server} published {version} as {published.doi}, not as the reserved "
                f"{reserved.doi} its bundle carries"
            )
        return self._record(Published(version, reserved.doi, published.concept_doi, published.html))

    def _upload(self, deposition: Deposition, name: str, data: bytes) -> None:
        """The bundle in the draft, alone: earlier versions' files out, ours in once."""
        client = self.client
        present = False
        for file in client.files(deposition):
            if file.name == name and file.md5 == md5_hex(data):
                present = True
            else:
                client.delete_file(deposition, file)
        if not present:
            client.upload(deposition, name, data)

    def _record(self, result: Published) -> Published:
        """Commit the concept DOI when it is new (the first publication of the map)."""
        if not result.concept_doi or result.concept_doi == self.project.config.publish.concept_doi:
            return result
        project = self.project
        with project.transaction(required=False) as txn:
            text = with_publish(project.root / CONFIG_FILE, concept_doi=result.concept_doi)
            txn.write({CONFIG_FILE: text})
            project.config = parse_config(text)
            txn.commit(
                [CONFIG_FILE],
                f"Record concept DOI {result.concept_doi} (release {result.version} is "
                f"{result.doi})",
            )
        return result

    # --- dry run ----------------------------------------------------------------------------

    def plan(self, version: str, reserve: bool) -> list[str]:
        """The requests a publication would make, in words; nothing is sent."""
        settings = self.project.config.publish
        api = f"{self.server}/api/deposit/depositions"
        lines = [f"server: {self.server}"]
        token = "set" if os.environ.get(TOKEN_VARIABLE, "").strip() else "NOT set"
        lines.append(f"token: {TOKEN_VARIABLE} is {token} (sent only as the Authorization header)")
        if reserve and settings.version != version:
            if settings.deposition:
                lines.append(f"GET {settings.deposition}  (the previous version)")
                lines.append(f"POST {settings.deposition}/actions/newversion  (reserves the DOI)")
            elif settings.concept_doi:
                lines.append(f"GET {self.server}/api/records/<concept of {settings.concept_doi}>")
                lines.append("POST <latest version>/actions/newversion  (reserves the DOI)")
            else:
                lines.append(f"GET {api}?status=draft  (a draft left by an interrupted run)")
                lines.append(f"POST {api}  (a new record; reserves the DOI)")
            lines.append(f"commit {CONFIG_FILE} [publish] version, doi, deposition")
        draft = settings.deposition if settings.version == version else "<the reserved draft>"
        lines += [
            f"GET {draft}",
            f"GET {draft}/files  (files of the previous version are removed: DELETE)",
            f"PUT <bucket of {draft}>/<bundle>.zip  (the bundle, unless already there)",
            f"PUT {draft}  (metadata: the bundle's {ZENODO_FILE})",
            f"POST {draft}/actions/publish",
            f"commit {CONFIG_FILE} [publish] concept_doi  (after the first publication)",
        ]
        return lines

    def _same_server(self, deposition_url: str) -> None:
        from literature.http import same_host

        if not same_host(self.server + "/", deposition_url):
            raise InputError(
                f"[publish] deposition {deposition_url} is not on {self.server}: publish with "
                "the server it was reserved on (--sandbox or --url), or remove version, doi, "
                f"deposition and concept_doi from [publish] in {CONFIG_FILE} to start a new "
                f"record on {self.server}"
            )
