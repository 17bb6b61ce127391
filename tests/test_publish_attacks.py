"""Attacks on `release --publish zenodo` and `publish zenodo`: a hostile server, a careless
maintainer, an unlucky network. Each test asserts what a release manager relies on."""

# ruff: noqa: F811  (the fixtures imported below are used by name as test arguments)
from __future__ import annotations

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import literature.http

from .test_publish import (  # noqa: F401  (fixtures)
    FOLDER,
    bundle_files,
    git,
    new_evidence,
    project,
    published_versions,
    release,
    released,
    run,
    zenodo,
)
from .zenodoserver import _Answer, _error, _json_answer, zenodo_server  # noqa: F401

pytestmark = pytest.mark.xdist_group("publish-attacks")

TITLE = "Cytokine Release Syndrome Map"


# --- helpers ----------------------------------------------------------------------------------


class Catcher:
    """Another origin on 127.0.0.1 (its own port): records whatever reaches it."""

    def __init__(self):
        self.requests: list[tuple[str, str, dict]] = []
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                catcher.requests.append((self.command, self.path, dict(self.headers)))
                body = b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_DELETE = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def catcher():
    caught = Catcher()
    yield caught
    caught.stop()


def intercept(monkeypatch, zenodo, answer):
    """Route the fake's answers through ``answer(method, path, body, original)``."""
    original = zenodo._answer

    def patched(method, path, query, headers, body):
        def real(sent=body):
            return original(method, path, query, headers, sent)

        result = answer(method, path, body, real)
        return real() if result is None else result

    monkeypatch.setattr(zenodo, "_answer", patched)


def reshape(monkeypatch, zenodo, change):
    """Change every deposition document the fake answers: ``change(document, deposition)``."""
    original = zenodo._deposition_json

    def patched(deposition):
        document = original(deposition)
        change(document, deposition)
        return document

    monkeypatch.setattr(zenodo, "_deposition_json", patched)


def failed_upload_release(run, zenodo, version="1.1.0", n=1):
    """Release ``version`` cut with its DOI, its upload failed: ready for `publish zenodo`."""
    zenodo.inject("upload", 500, times=10)
    new_evidence(run, n)
    result = release(run, zenodo, version)
    assert result.exit_code == 3, result.output
    return result


def one_line_error(output: str) -> None:
    errors = [line for line in output.splitlines() if line.startswith("crsmap: ")]
    errors = [line for line in errors if not line.startswith("crsmap: warning:")]
    assert len(errors) == 1, output
    assert "Traceback" not in output and "internal error" not in output


def nothing_written(project, head: str) -> None:
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""


def first_release(run, zenodo):
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 0, result.output
    return result


# --- the command line -------------------------------------------------------------------------


def test_publish_zenodo_accepts_a_version_written_with_v(zenodo, run, project):
    failed_upload_release(run, zenodo)
    result = run("publish", "zenodo", "v1.1.0", "--url", zenodo.url)
    assert result.exit_code == 0, result.output
    ((_, dois),) = published_versions(zenodo).items()
    assert result.output.strip().endswith(dois[0])


def test_publish_zenodo_dry_run_accepts_a_version_written_with_v(zenodo, run, project):
    failed_upload_release(run, zenodo)
    sent = len(zenodo.requests)
    head = git(project, "rev-parse", "HEAD")
    result = run("publish", "zenodo", "v1.1.0", "--url", zenodo.url, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "POST" in result.output and len(zenodo.requests) == sent
    nothing_written(project, head)


def test_release_dry_run_without_a_token_says_so_and_sends_and_writes_nothing(
    zenodo, run, project, monkeypatch
):
    monkeypatch.delenv("ZENODO_TOKEN")
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    result = release(run, zenodo, "1.1.0", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "ZENODO_TOKEN is NOT set" in result.output
    assert zenodo.requests == []
    nothing_written(project, head)


@pytest.mark.parametrize("command", ["release", "publish"])
def test_sandbox_with_url_is_refused_in_one_line_before_anything(zenodo, run, project, command):
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    if command == "release":
        result = release(run, zenodo, "1.1.0", "--sandbox")
    else:
        result = run("publish", "zenodo", "1.0.0", "--url", zenodo.url, "--sandbox")
    assert result.exit_code == 2, result.output
    assert "--url or --sandbox, not both" in result.output
    one_line_error(result.output)
    assert zenodo.requests == []
    nothing_written(project, head)


def test_a_url_with_a_password_is_refused_without_echoing_it(zenodo, run, project):
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    port = zenodo.url.rsplit(":", 1)[1]
    result = run(
        "release", "1.1.0", "--publish", "zenodo", "--allow-unfetched", "--allow-warnings",
        "--url", f"http://me:hunter2secret@127.0.0.1:{port}",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "hunter2secret" not in result.output
    one_line_error(result.output)
    assert zenodo.requests == []
    nothing_written(project, head)


# --- the token --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "t\u20acken-\u00e9",
        "tok\x1ben",
    ],
)
def test_a_token_with_odd_characters_is_refused_cleanly_and_never_shown(
    zenodo, run, project, monkeypatch, token
):
    monkeypatch.setenv("ZENODO_TOKEN", token)
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code in (2, 3), result.output
    one_line_error(result.output)
    assert token not in result.output
    nothing_written(project, head)
    assert "v1.1.0" not in git(project, "tag")


def test_401_and_403_say_different_things(zenodo, run, project, monkeypatch):
    new_evidence(run, 1)
    zenodo.inject("create", 403)
    forbidden = release(run, zenodo, "1.1.0")
    assert forbidden.exit_code == 3, forbidden.output
    assert "HTTP 403" in forbidden.output and "may not do this" in forbidden.output
    assert "ZENODO_TOKEN was refused" not in forbidden.output
    zenodo.inject("create", 401)
    refused = release(run, zenodo, "1.1.0")
    assert refused.exit_code == 3, refused.output
    assert "HTTP 401" in refused.output and "ZENODO_TOKEN was refused" in refused.output
    assert "may not do this" not in refused.output
    one_line_error(refused.output)
    one_line_error(forbidden.output)


# --- links and redirects to other hosts -------------------------------------------------------


def test_a_redirect_of_the_api_to_another_origin_is_not_followed(
    zenodo, run, project, catcher, monkeypatch
):
    failed_upload_release(run, zenodo)

    def moved(method, path, body, real):
        if method == "GET" and path.startswith("/api/deposit/depositions/"):
            return _Answer(302, b"", headers={"Location": f"{catcher.url}{path}"})
        return None

    intercept(monkeypatch, zenodo, moved)
    result = run("publish", "zenodo", "1.1.0", "--url", zenodo.url)
    assert result.exit_code == 3, result.output
    assert "HTTP 302" in result.output and "step: read of 1.1.0" in result.output
    assert catcher.requests == []
    assert zenodo.token not in result.output


def test_a_bucket_on_another_origin_is_refused_and_the_run_resumes_once_fixed(
    zenodo, run, project, catcher, monkeypatch
):
    def elsewhere(document, deposition):
        document["links"]["bucket"] = f"{catcher.url}/api/files/{deposition.bucket}"

    reshape(monkeypatch, zenodo, elsewhere)
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 3, result.output
    assert "another host" in result.output and "step: upload of 1.1.0" in result.output
    assert catcher.requests == []
    monkeypatch.undo()  # the server mends its ways (the token is gone too: set it again)
    monkeypatch.setenv("ZENODO_TOKEN", zenodo.token)
    monkeypatch.setattr(literature.http, "BACKOFF_FACTOR", 0.01)
    again = run("publish", "zenodo", "1.1.0", "--url", zenodo.url)
    assert again.exit_code == 0, again.output
    ((_, dois),) = published_versions(zenodo).items()
    assert len(dois) == 1 and zenodo.drafts() == []


def test_a_bucket_on_another_scheme_of_the_same_host_is_refused(zenodo, run, project, monkeypatch):
    def https(document, deposition):
        document["links"]["bucket"] = document["links"]["bucket"].replace("http:", "https:")

    reshape(monkeypatch, zenodo, https)
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 3, result.output
    assert "another host" in result.output
    assert not [r for r in zenodo.requests if r.step == "upload"]


def test_a_latest_draft_on_another_origin_is_never_contacted(
    zenodo, run, project, catcher, monkeypatch
):
    first_release(run, zenodo)

    def elsewhere(document, deposition):
        link = document["links"]["latest_draft"]
        document["links"]["latest_draft"] = link.replace(zenodo.url, catcher.url)

    reshape(monkeypatch, zenodo, elsewhere)
    new_evidence(run, 2)
    result = release(run, zenodo, "1.2.0")
    assert catcher.requests == []
    assert result.exit_code in (0, 3), result.output
    (concept,) = zenodo.concepts
    assert len(zenodo.concepts[concept]) == 2  # one new draft at most
    if result.exit_code == 0:
        assert len(published_versions(zenodo)[str(concept)]) == 2


def test_a_draft_whose_self_link_is_on_another_origin_is_not_reserved(
    zenodo, run, project, catcher, monkeypatch
):
    """The reservation must not commit a deposition that the publication will refuse."""

    def elsewhere(document, deposition):
        document["links"]["self"] = document["links"]["self"].replace(zenodo.url, catcher.url)

    reshape(monkeypatch, zenodo, elsewhere)
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    result = release(run, zenodo, "1.1.0")
    assert catcher.requests == []
    assert result.exit_code == 3, result.output
    assert "step: reserve" in result.output
    nothing_written(project, head)
    assert "v1.1.0" not in git(project, "tag")


# --- odd answers ------------------------------------------------------------------------------


def test_an_html_answer_to_create_exits_3_and_the_rerun_finds_the_draft(
    zenodo, run, project, monkeypatch
):
    calls = []

    def html(method, path, body, real):
        if method == "POST" and path == "/api/deposit/depositions" and not calls:
            calls.append(real())  # made, but the answer is a proxy's page
            return _Answer(200, b"<html><body>Welcome</body></html>", "text/html")
        return None

    intercept(monkeypatch, zenodo, html)
    new_evidence(run, 1)
    failed = release(run, zenodo, "1.1.0")
    assert failed.exit_code == 3, failed.output
    assert "step: reserve" in failed.output
    one_line_error(failed.output)
    again = release(run, zenodo, "1.1.0")
    assert again.exit_code == 0, again.output
    ((concept, dois),) = published_versions(zenodo).items()
    assert len(dois) == 1 and len(zenodo.concepts[int(concept)]) == 1


@pytest.mark.parametrize(
    "odd", [b"", b"<html><body>Maintenance</body></html>", b"null", b'{"files": []}', b"[" * 5000]
)
def test_an_odd_file_list_answer_exits_3_naming_the_step(zenodo, run, project, monkeypatch, odd):
    def empty(method, path, body, real):
        if method == "GET" and path.endswith("/files"):
            return _Answer(200, odd, "application/json")
        return None

    intercept(monkeypatch, zenodo, empty)
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 3, result.output
    assert "step: upload of 1.1.0" in result.output
    one_line_error(result.output)


@pytest.mark.parametrize(
    "document",
    [
        {"status": 400, "message": "bad", "errors": 5},
        {"status": 400, "message": "bad", "errors": [{"field": "x", "messages": 7}]},
        {"status": 400, "message": ["a", "b"], "errors": {"field": "x"}},
        [1, 2, 3],
    ],
    ids=["errors-int", "messages-int", "message-list", "list"],
)
def test_a_refusal_of_any_shape_is_one_line_exit_3(zenodo, run, project, monkeypatch, document):
    def refuse(method, path, body, real):
        if method == "PUT" and path.startswith("/api/deposit/depositions/"):  # the metadata
            return _json_answer(400, document)
        return None

    intercept(monkeypatch, zenodo, refuse)
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 3, result.output
    assert "HTTP 400" in result.output and "step: metadata" in result.output
    one_line_error(result.output)


def test_a_server_message_cannot_send_control_characters_to_the_terminal(
    zenodo, run, project, monkeypatch
):
    def refuse(method, path, body, real):
        if method == "POST" and path == "/api/deposit/depositions":
            return _error(400, "Bad\x1b]0;owned\x07 request\x1b[2J\rline")
        return None

    intercept(monkeypatch, zenodo, refuse)
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 3, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    one_line_error(result.output)


def test_a_draft_without_a_reserved_doi_exits_3_naming_the_step(zenodo, run, project, monkeypatch):
    def no_doi(document, deposition):
        document["metadata"].pop("prereserve_doi", None)

    reshape(monkeypatch, zenodo, no_doi)
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 3, result.output
    assert "step: reserve of 1.1.0" in result.output
    nothing_written(project, head)


def test_a_reserved_doi_with_control_characters_is_the_server_s_fault(
    zenodo, run, project, monkeypatch
):
    def odd(document, deposition):
        document["metadata"]["prereserve_doi"]["doi"] = f"10.5281/zenodo.{deposition.id}\x1b[31m"

    reshape(monkeypatch, zenodo, odd)
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 3, result.output  # not 2: crsmap.toml is not to blame
    assert "\x1b" not in result.output
    nothing_written(project, head)


def test_the_token_echoed_by_the_server_in_a_link_is_never_committed(
    zenodo, run, project, monkeypatch
):
    def echo(document, deposition):
        document["links"]["self"] = f"{zenodo.url}/api/deposit/depositions/{deposition.id}"
        document["links"]["self"] += f"/{zenodo.token}/.."

    reshape(monkeypatch, zenodo, echo)
    new_evidence(run, 1)
    release(run, zenodo, "1.1.0")
    assert zenodo.token not in git(project, "log", "-p", "--all")
    for path in (project / "dist").glob("*.zip") if (project / "dist").exists() else ():
        assert zenodo.token.encode() not in path.read_bytes()


def test_a_reserved_doi_carrying_the_token_is_never_bundled_or_committed(
    zenodo, run, project, monkeypatch
):
    def echo(document, deposition):
        document["metadata"]["prereserve_doi"]["doi"] = f"10.5281/{zenodo.token}.{deposition.id}"

    reshape(monkeypatch, zenodo, echo)
    new_evidence(run, 1)
    release(run, zenodo, "1.1.0")
    assert zenodo.token.lower() not in git(project, "log", "-p", "--all").lower()


# --- the concept record, new versions and drafts ----------------------------------------------


def commit_all(project, message: str) -> None:
    git(project, "add", "-A")
    git(project, "-c", "user.name=Maintainer", "-c", "user.email=m@example.org", "commit", "-qm",
        message)  # fmt: skip


def add_publish_table(project, text: str) -> None:
    with (project / "crsmap.toml").open("a", encoding="utf-8") as handle:
        handle.write(f"\n[publish]\n{text}\n")
    commit_all(project, "Hand-edited [publish]")


def test_a_record_made_by_hand_is_continued_through_its_concept_doi(zenodo, run, project):
    """README: an existing Zenodo record made by hand is continued by setting concept_doi
    (Zenodo answers its concept id with a redirect to the latest version)."""
    made = zenodo.add_deposition(
        {"title": TITLE, "upload_type": "dataset"}, {"old.zip": b"by hand"}, published=True
    )
    add_publish_table(project, f'concept_doi = "{made.conceptdoi}"')
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 0, result.output
    assert len(zenodo.published(made.conceptrecid)) == 2


def test_newversion_refused_while_a_draft_is_open_reuses_that_draft(
    zenodo, run, project, monkeypatch
):
    first_release(run, zenodo)
    (concept,) = zenodo.concepts
    latest = zenodo.published(concept)[-1]
    with zenodo._lock:
        zenodo._newversion(latest)  # a draft left open (by hand, or by a lost answer)
    (open_draft,) = zenodo.drafts()
    original = zenodo._newversion

    def refuse_when_open(deposition):
        if zenodo._draft_of(deposition.conceptrecid) is not None:
            return _error(400, "Validation error.")
        return original(deposition)

    monkeypatch.setattr(zenodo, "_newversion", refuse_when_open)
    new_evidence(run, 2)
    result = release(run, zenodo, "1.2.0")
    assert result.exit_code == 0, result.output
    versions = zenodo.published(concept)
    assert [v.id for v in versions][-1] == open_draft.id and len(versions) == 2
    assert zenodo.drafts() == []


def test_newversion_refused_while_the_last_version_is_edited_never_reuses_its_doi(
    zenodo, run, project, monkeypatch
):
    """The previous version is open for editing on Zenodo's site (state inprogress, listed
    with status=draft); newversion answers 400. Release 1.2.0 must not take 1.1.0's DOI."""
    first_release(run, zenodo)
    (concept,) = zenodo.concepts
    previous = zenodo.published(concept)[-1]
    with zenodo._lock:
        zenodo._edit(previous)
    monkeypatch.setattr(zenodo, "_newversion", lambda d: _error(400, "Validation error."))
    new_evidence(run, 2)
    result = release(run, zenodo, "1.2.0")
    config = (project / "crsmap.toml").read_text()
    assert 'version = "1.2.0"' not in config  # 1.1.0's reservation stays 1.1.0's
    assert previous.doi not in result.output
    assert result.exit_code == 3, result.output
    assert "v1.2.0" not in git(project, "tag")


def test_a_server_that_publishes_another_doi_is_never_reported_as_published(
    zenodo, run, project, monkeypatch
):
    original = zenodo._mark_published

    def other_doi(deposition):
        deposition.doi = f"10.5281/zenodo.{deposition.id + 500}"
        original(deposition)

    monkeypatch.setattr(zenodo, "_mark_published", other_doi)
    new_evidence(run, 1)
    first = release(run, zenodo, "1.1.0")
    assert first.exit_code == 3, first.output
    bundled = json.loads(bundle_files(project / "dist" / f"{FOLDER.format('1.1.0')}.zip")[
        ".zenodo.json"])["doi"]  # fmt: skip
    assert "not as the reserved" in first.output
    again = run("publish", "zenodo", "1.1.0", "--url", zenodo.url)
    # Success may only be claimed for the DOI the bundle carries.
    assert again.exit_code != 0 or again.output.strip().endswith(bundled), again.output


def test_an_already_published_release_without_a_doi_in_the_answer_still_prints_its_doi(
    zenodo, run, project, monkeypatch
):
    first_release(run, zenodo)
    ((_, dois),) = published_versions(zenodo).items()

    def forgetful(document, deposition):
        for key in ("doi", "doi_url"):
            document.pop(key, None)
        document["metadata"].pop("doi", None)
        document["metadata"].pop("prereserve_doi", None)

    reshape(monkeypatch, zenodo, forgetful)
    again = run("publish", "zenodo", "1.1.0", "--url", zenodo.url)
    assert again.exit_code == 0, again.output
    assert again.output.strip().endswith(f"https://doi.org/{dois[0]}"), again.output


def test_files_listed_without_ids_do_not_stay_in_the_new_version(zenodo, run, project, monkeypatch):
    """Zenodo's RDM-era file lists name files by key; an entry crsmap cannot delete must not
    be published silently next to the new bundle."""
    original = zenodo._legacy_file

    def keyed(deposition, stored):
        document = original(deposition, stored)
        document.pop("id")
        document["key"] = document.pop("filename")
        return document

    monkeypatch.setattr(zenodo, "_legacy_file", keyed)
    first_release(run, zenodo)
    new_evidence(run, 2)
    result = release(run, zenodo, "1.2.0")
    (concept,) = zenodo.concepts
    versions = zenodo.published(concept)
    if result.exit_code == 0:
        assert set(versions[-1].files) == {f"{FOLDER.format('1.2.0')}.zip"}
    else:
        assert result.exit_code == 3 and len(versions) == 1, result.output


def test_files_left_in_a_new_version_draft_are_removed(zenodo, run, project):
    first_release(run, zenodo)
    (concept,) = zenodo.concepts
    with zenodo._lock:
        zenodo._newversion(zenodo.published(concept)[-1])
        (draft,) = [d for d in zenodo._depositions.values() if d.state == "unsubmitted"]
        from .zenodoserver import StoredFile

        draft.files["notes.txt"] = StoredFile("notes.txt", b"left over")
    new_evidence(run, 2)
    result = release(run, zenodo, "1.2.0")
    assert result.exit_code == 0, result.output
    assert set(zenodo.published(concept)[-1].files) == {f"{FOLDER.format('1.2.0')}.zip"}


@pytest.mark.parametrize("version", ["1.1.0", "1.0.9"])
def test_a_hand_edited_deposition_on_another_host_is_refused_before_anything(
    zenodo, run, project, version
):
    add_publish_table(
        project,
        f'version = "{version}"\ndoi = "10.5281/zenodo.5"\n'
        'deposition = "https://zenodo.example.org/api/deposit/depositions/5"',
    )
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 2, result.output
    assert "is not on" in result.output
    one_line_error(result.output)
    assert zenodo.requests == []
    nothing_written(project, head)


def reserve_by_hand(project, zenodo, version="1.1.0") -> str:
    """A reservation committed by a release that then stopped (as in test_publish)."""
    from curation.project import Project
    from curation.publish import Publisher

    reserving = Project.open(project)
    with reserving.transaction(required=False) as txn:
        return Publisher(reserving, zenodo.url).reserve(txn, version, TITLE)


def released_section(project, version: str) -> str:
    text = (project / "CHANGELOG.md").read_text()
    return text.split(f"## [{version}]", 1)[1].split("\n## ", 1)[0]


def test_a_hand_edited_doi_that_is_not_the_draft_s_never_ships(zenodo, run, project):
    """A typo in [publish] doi after the reservation: either refused before the release is
    cut, or the release carries one DOI, the draft's, and is published with it."""
    new_evidence(run, 1)
    reserved = reserve_by_hand(project, zenodo)
    text = (project / "crsmap.toml").read_text()
    (project / "crsmap.toml").write_text(text.replace(reserved, "10.5281/zenodo.999999"))
    commit_all(project, "Typo in the DOI")
    result = release(run, zenodo, "1.1.0")
    if "v1.1.0" not in git(project, "tag"):
        assert result.exit_code in (2, 3), result.output
        return
    assert released_section(project, "1.1.0").count("DOI: ") == 1
    files = bundle_files(project / "dist" / f"{FOLDER.format('1.1.0')}.zip")
    in_bundle = json.loads(files[".zenodo.json"])["doi"]
    assert result.exit_code == 0, result.output
    assert [d.doi for d in zenodo.depositions.values() if d.submitted] == [in_bundle]


def test_a_draft_discarded_before_the_release_is_reserved_again(zenodo, run, project):
    new_evidence(run, 1)
    discarded = reserve_by_hand(project, zenodo)
    with zenodo._lock:
        (draft,) = zenodo._depositions.values()
        zenodo._delete(draft)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 0, result.output
    ((_, dois),) = published_versions(zenodo).items()
    files = bundle_files(project / "dist" / f"{FOLDER.format('1.1.0')}.zip")
    assert json.loads(files[".zenodo.json"])["doi"] == dois[0] != discarded
    assert released_section(project, "1.1.0").count("DOI: ") == 1
    assert all(discarded.encode() not in data for data in files.values())


def test_a_draft_discarded_after_the_release_exits_3_and_the_next_release_publishes(
    zenodo, run, project
):
    failed_upload_release(run, zenodo)
    with zenodo._lock:
        (draft,) = zenodo._depositions.values()
        zenodo._delete(draft)
    result = run("publish", "zenodo", "1.1.0", "--url", zenodo.url)
    assert result.exit_code == 3, result.output
    assert "no longer exists" in result.output and "step: read" in result.output
    one_line_error(result.output)
    new_evidence(run, 2)
    following = release(run, zenodo, "1.1.1")
    assert following.exit_code == 0, following.output
    ((_, dois),) = published_versions(zenodo).items()
    assert len(dois) == 1 and zenodo.drafts() == []


def test_releasing_a_published_version_again_makes_no_draft(zenodo, run, project):
    first_release(run, zenodo)
    before = len(zenodo.depositions)
    again = release(run, zenodo, "1.1.0")
    assert again.exit_code in (0, 2), again.output
    one_line_error(again.output) if again.exit_code else None
    assert len(zenodo.depositions) == before


# --- the network ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "retry_after", ["9" * 40, "Fri, 31 Dec 9999 23:59:59 GMT"], ids=["digits", "date"]
)
def test_a_429_asking_for_ages_is_capped_and_said(zenodo, run, project, monkeypatch, retry_after):
    monkeypatch.setattr(literature.http, "MAX_RETRY_AFTER", 0.2)
    monkeypatch.setattr(literature.http, "ANNOUNCE_WAITS_FROM", 0.1)
    zenodo.inject("create", 429, retry_after=retry_after)
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 0, result.output
    assert "asked to wait" in result.output and "waiting 0.2 s" in result.output


def test_a_429_that_never_ends_exits_3_naming_the_step(zenodo, run, project, monkeypatch):
    zenodo.inject("upload", 429, times=20, retry_after=0)
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 3, result.output
    assert "HTTP 429" in result.output and "step: upload of 1.1.0" in result.output
    one_line_error(result.output)


def test_a_publish_answer_without_an_id_is_resumed_to_success(zenodo, run, project, monkeypatch):
    def idless(method, path, body, real):
        if path.endswith("/actions/publish"):
            real()
            return _json_answer(202, {"state": "done", "submitted": True})
        return None

    intercept(monkeypatch, zenodo, idless)
    new_evidence(run, 1)
    first = release(run, zenodo, "1.1.0")
    assert first.exit_code in (0, 3), first.output
    again = run("publish", "zenodo", "1.1.0", "--url", zenodo.url)
    assert again.exit_code == 0, again.output
    ((_, dois),) = published_versions(zenodo).items()
    assert len(dois) == 1 and again.output.strip().endswith(dois[0])


def test_a_file_delete_that_deleted_but_answered_500_goes_on(zenodo, run, project):
    first_release(run, zenodo)
    zenodo.inject("delete-file", 500, after=True)
    new_evidence(run, 2)
    result = release(run, zenodo, "1.2.0")
    assert result.exit_code == 0, result.output
    (concept,) = zenodo.concepts
    assert set(zenodo.published(concept)[-1].files) == {f"{FOLDER.format('1.2.0')}.zip"}


def test_an_intermittent_403_on_a_file_delete_exits_3_and_resumes(zenodo, run, project):
    first_release(run, zenodo)
    zenodo.inject("delete-file", 403)
    new_evidence(run, 2)
    result = release(run, zenodo, "1.2.0")
    assert result.exit_code == 3, result.output
    assert "step: upload of 1.2.0" in result.output
    again = run("publish", "zenodo", "1.2.0", "--url", zenodo.url)
    assert again.exit_code == 0, again.output
    (concept,) = zenodo.concepts
    assert len(zenodo.published(concept)) == 2 and zenodo.drafts() == []


def test_two_publications_at_once_end_with_one_version_and_one_doi(zenodo, run, project, tmp_path):
    import time

    from .crash_helpers import CRSMAP, crsmap_env

    failed_upload_release(run, zenodo)
    env = crsmap_env(tmp_path / "home", ZENODO_TOKEN=zenodo.token)
    held = zenodo.inject("get", "slow", times=2)  # both read the draft, then go on together
    command = [str(CRSMAP), "--project", str(project), "publish", "zenodo", "1.1.0", "--url",
               zenodo.url]  # fmt: skip
    processes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    deadline = time.monotonic() + 60
    while held.taken < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    held.release()
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    for code, out, err in outcomes:
        assert code in (0, 3), (code, out, err)
        assert "Traceback" not in err and zenodo.token not in out + err
    assert 0 in [code for code, _, _ in outcomes], outcomes
    ((concept, dois),) = published_versions(zenodo).items()
    assert len(dois) == 1 and len(zenodo.concepts[int(concept)]) == 1
    again = run("publish", "zenodo", "1.1.0", "--url", zenodo.url)
    assert again.exit_code == 0 and again.output.strip().endswith(dois[0]), again.output
    assert git(project, "status", "--porcelain") == ""


# --- more of the command line, the token, crashes ---------------------------------------------


@pytest.mark.parametrize("version", ["1.1", "v", "1.1.0;rm", "../1.1.0", "1.1.0\n", ""])
def test_a_bad_version_exits_2_in_one_line_before_anything(zenodo, run, project, version):
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    for dry in ((), ("--dry-run",)):
        result = run("publish", "zenodo", version, "--url", zenodo.url, *dry)
        assert result.exit_code == 2, result.output
        one_line_error(result.output)
    assert zenodo.requests == []
    nothing_written(project, head)


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/", "javascript:alert(1)", "http://", "http://127.0.0.1/?q=1",
            "http://127.0.0.1:99999", "http://127.0.0.1/a b"],
)  # fmt: skip
def test_a_bad_url_exits_2_in_one_line_before_anything(zenodo, run, project, url):
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    result = run(
        "release", "1.1.0", "--publish", "zenodo", "--allow-unfetched", "--allow-warnings",
        "--url", url,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    one_line_error(result.output)
    assert zenodo.requests == []
    nothing_written(project, head)


def test_a_release_written_with_v_is_published_under_its_plain_version(zenodo, run, project):
    new_evidence(run, 1)
    result = release(run, zenodo, "v1.1.0")
    assert result.exit_code == 0, result.output
    assert git(project, "tag").split() == ["v1.0.0", "v1.1.0"]
    (concept,) = zenodo.concepts
    assert zenodo.published(concept)[0].metadata["version"] == "1.1.0"


def test_a_token_pasted_with_its_bearer_prefix_is_refused_without_showing_it(
    zenodo, run, project, monkeypatch
):
    monkeypatch.setenv("ZENODO_TOKEN", f"Bearer {zenodo.token}")
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 2, result.output
    assert zenodo.token not in result.output
    one_line_error(result.output)
    assert zenodo.requests == []
    nothing_written(project, head)


def test_the_token_is_nowhere_in_the_repository_after_failures_and_resumes(zenodo, run, project):
    zenodo.inject("metadata", 500, times=10)
    new_evidence(run, 1)
    assert release(run, zenodo, "1.1.0").exit_code == 3
    zenodo.inject("publish", 500, after=True)
    assert run("publish", "zenodo", "1.1.0", "--url", zenodo.url).exit_code == 3
    assert run("publish", "zenodo", "1.1.0", "--url", zenodo.url).exit_code == 0
    history = git(project, "log", "-p", "--all") + git(project, "reflog")
    assert zenodo.token not in history
    for path in project.rglob("*"):
        if path.is_file() and "objects" not in path.parts:
            assert zenodo.token.encode() not in path.read_bytes(), path
    assert zenodo.token_leaks == []


def test_a_second_release_killed_after_newversion_resumes_on_the_same_draft(
    zenodo, run, project, tmp_path
):
    from .crash_helpers import crsmap_env, run_with_kill_point

    first_release(run, zenodo)
    new_evidence(run, 2)
    args = ["--project", str(project), "release", "1.2.0", "--publish", "zenodo", "--url",
            zenodo.url, "--allow-unfetched", "--allow-warnings"]  # fmt: skip
    killed = run_with_kill_point(
        args, crsmap_env(tmp_path / "home"), point="write", match="crsmap.toml"
    )
    assert killed.killed, (killed.returncode, killed.stderr)
    (concept,) = zenodo.concepts
    assert len(zenodo.drafts()) == 1
    again = release(run, zenodo, "1.2.0")
    assert again.exit_code == 0, again.output
    assert len(zenodo.concepts[concept]) == 2 and zenodo.drafts() == []
    dois = [d.doi for d in zenodo.published(concept)]
    files = bundle_files(project / "dist" / f"{FOLDER.format('1.2.0')}.zip")
    assert json.loads(files[".zenodo.json"])["doi"] == dois[1]


def test_two_releases_at_once_make_one_draft(zenodo, run, project, tmp_path):
    from .crash_helpers import CRSMAP, crsmap_env

    new_evidence(run, 1)
    zenodo.inject("create", "slow", delay=1.0)
    env = crsmap_env(tmp_path / "home", CRSMAP_LOCK_TIMEOUT="30")
    command = [str(CRSMAP), "--project", str(project), "release", "1.1.0", "--publish", "zenodo",
               "--url", zenodo.url, "--allow-unfetched", "--allow-warnings"]  # fmt: skip
    processes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outcomes = [(p.wait(timeout=180), *p.communicate()) for p in processes]
    codes = sorted(code for code, _, _ in outcomes)
    assert codes[0] == 0 and codes[1] in (0, 2, 3), outcomes
    for _, _out, err in outcomes:
        assert "Traceback" not in err and "internal error" not in err
    ((concept, dois),) = published_versions(zenodo).items()
    assert len(dois) == 1 and len(zenodo.concepts[int(concept)]) == 1
    assert zenodo.drafts() == []


def test_answers_with_extra_fields_and_without_optional_ones_are_read(
    zenodo, run, project, monkeypatch
):
    def odd(document, deposition):
        for key in ("title", "record_id", "created", "modified", "owner", "files", "state"):
            document.pop(key, None)
        document["links"].pop("self")
        document["links"]["future"] = {"nested": [1, None]}
        document["id"] = str(document["id"])
        document["stats"] = {"views": 3}
        document["metadata"]["unknown"] = [{"x": 1}]

    reshape(monkeypatch, zenodo, odd)
    first_release(run, zenodo)
    new_evidence(run, 2)
    second = release(run, zenodo, "1.2.0")
    assert second.exit_code == 0, second.output
    ((_, dois),) = published_versions(zenodo).items()
    assert len(dois) == 2 and zenodo.drafts() == []


def test_a_create_answer_without_links_is_completed_from_the_server(
    zenodo, run, project, monkeypatch
):
    def linkless(method, path, body, real):
        if method == "POST" and path == "/api/deposit/depositions":
            answer = real()
            document = json.loads(answer.body)
            del document["links"]
            return _json_answer(answer.status, document)
        return None

    intercept(monkeypatch, zenodo, linkless)
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 0, result.output
    ((_, dois),) = published_versions(zenodo).items()
    assert len(dois) == 1


def test_an_upload_stored_damaged_exits_3_and_the_rerun_uploads_it_again(
    zenodo, run, project, monkeypatch
):
    damaged = []

    def truncate(method, path, body, real):
        if method == "PUT" and path.startswith("/api/files/") and not damaged:
            damaged.append(path)
            return real(body[:100])
        return None

    intercept(monkeypatch, zenodo, truncate)
    new_evidence(run, 1)
    failed = release(run, zenodo, "1.1.0")
    assert failed.exit_code == 3, failed.output
    assert "damaged" in failed.output and "step: upload of 1.1.0" in failed.output
    again = run("publish", "zenodo", "1.1.0", "--url", zenodo.url)
    assert again.exit_code == 0, again.output
    (concept,) = zenodo.concepts
    (stored,) = zenodo.published(concept)[0].files.values()
    assert stored.data == (project / "dist" / f"{FOLDER.format('1.1.0')}.zip").read_bytes()


def test_a_create_whose_answer_never_comes_is_found_again_not_made_twice(
    zenodo, run, project, monkeypatch
):
    zenodo.inject("create", "hang", after=True)  # made on the server, the answer never sent
    monkeypatch.setenv("CRSMAP_HTTP_TIMEOUT", "0.5")
    new_evidence(run, 1)
    failed = release(run, zenodo, "1.1.0")
    assert failed.exit_code == 3, failed.output
    assert "step: reserve of 1.1.0" in failed.output
    assert "v1.1.0" not in git(project, "tag")
    monkeypatch.delenv("CRSMAP_HTTP_TIMEOUT")
    again = release(run, zenodo, "1.1.0")
    assert again.exit_code == 0, again.output
    ((concept, dois),) = published_versions(zenodo).items()
    assert len(dois) == 1 and len(zenodo.concepts[int(concept)]) == 1


def test_the_next_release_before_the_last_is_published_is_refused_and_writes_nothing(
    zenodo, run, project
):
    failed_upload_release(run, zenodo)
    new_evidence(run, 2)
    head = git(project, "rev-parse", "HEAD")
    drafts = len(zenodo.depositions)
    result = release(run, zenodo, "1.2.0")
    assert result.exit_code == 2, result.output
    assert "crsmap publish zenodo 1.1.0" in result.output
    one_line_error(result.output)
    nothing_written(project, head)
    assert "v1.2.0" not in git(project, "tag") and len(zenodo.depositions) == drafts
