"""`crsmap release VERSION --publish zenodo` and `crsmap publish zenodo`, against a fake Zenodo.

The fake (tests/zenodoserver.py) implements the documented deposit flow on 127.0.0.1.
These tests check what a release manager relies on: one concept record with one version
per release, the DOI inside the very bundle that is deposited (and rebuilt byte for byte
from the tag), the token only in the Authorization header, and a rerun that resumes
after a failure at any step without a second draft or a second DOI.
"""

# ruff: noqa: F811  (the fixture imported below is used by name as a test argument)
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

import literature.http
from cli.main import cli

# The fixtures: the demo released as 1.0.0 without a DOI (built once), a private copy of it
# per test, and crsmap run on that copy.
from .test_release import project, released, run  # noqa: F401
from .zenodoserver import validate_metadata, zenodo_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.xdist_group("publish")

FOLDER = "cytokine-release-syndrome-map-{}"
CURATOR = "0000-0002-1825-0097"


@pytest.fixture
def zenodo(zenodo_server, monkeypatch):
    """The fake Zenodo with its token in the environment and quick retries."""
    monkeypatch.setenv("ZENODO_TOKEN", zenodo_server.token)
    monkeypatch.setattr(literature.http, "BACKOFF_FACTOR", 0.01)
    monkeypatch.setattr(literature.http, "BACKOFF_JITTER", 0.0)
    return zenodo_server


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def bundle_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        return {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist()}


def new_evidence(run, n: int) -> None:
    """A curator's work between releases: one more evidence record, committed."""
    added = run("evidence", "add", "re1", f"pubmed:{28600000 + n}", "--curator", CURATOR)
    assert added.exit_code == 0, added.output


def release(run, zenodo, version: str, *more: str):
    return run(
        "release", version, "--publish", "zenodo", "--url", zenodo.url, "--allow-unfetched",
        "--allow-warnings",
        *more,
    )  # fmt: skip


def published_versions(zenodo) -> dict[str, list[str]]:
    """concept id -> DOIs of its published versions, as the server holds them."""
    return {
        str(concept): [d.doi for d in zenodo.published(concept)]
        for concept in zenodo.concepts
        if zenodo.published(concept)
    }


# --- the whole flow ---------------------------------------------------------------------------


@pytest.mark.parametrize("newversion_answer", ["published", "draft"])
def test_two_releases_make_one_concept_with_two_versions_each_bundle_carrying_its_doi(
    zenodo, run, runner, project, tmp_path, newversion_answer
):
    zenodo.newversion_returns = newversion_answer
    new_evidence(run, 1)
    first = release(run, zenodo, "1.1.0")
    assert first.exit_code == 0, first.output
    new_evidence(run, 2)
    second = release(run, zenodo, "1.2.0")
    assert second.exit_code == 0, second.output

    (concept, dois), = published_versions(zenodo).items()  # fmt: skip
    assert len(dois) == 2 and len(set(dois)) == 2
    assert zenodo.drafts() == []
    doi = dois[1]
    assert second.output.strip().endswith(f"https://doi.org/{doi}")
    assert f"DOI: [{doi}](https://doi.org/{doi})" in (project / "CHANGELOG.md").read_text()

    files = bundle_files(project / "dist" / f"{FOLDER.format('1.2.0')}.zip")
    cff = yaml.safe_load(files["CITATION.cff"])
    assert cff["doi"] == doi
    assert {"type": "doi", "value": doi, "description": "This version, 1.2.0"} in cff["identifiers"]
    concept_doi = f"10.5281/zenodo.{concept}"
    assert {"type": "doi", "value": concept_doi, "description": "All versions"} in cff[
        "identifiers"
    ]
    deposit = json.loads(files[".zenodo.json"])
    assert deposit["doi"] == doi and deposit["version"] == "1.2.0"
    assert {"identifier": dois[0], "relation": "isNewVersionOf", "scheme": "doi"} in deposit[
        "related_identifiers"
    ]
    assert validate_metadata(deposit, own_doi=doi) == []
    crate = json.loads(files["ro-crate-metadata.json"])
    root = next(e for e in crate["@graph"] if e["@id"] == "./")
    assert root["identifier"] == f"https://doi.org/{doi}"
    assert f"[doi:{doi}](https://doi.org/{doi})" in files["ATTRIBUTION.md"].decode()

    # What was deposited is that very bundle, described by its own .zenodo.json.
    (deposited,) = zenodo.published(concept)[1].files.values()
    assert deposited.data == (project / "dist" / f"{FOLDER.format('1.2.0')}.zip").read_bytes()
    assert zenodo.published(concept)[1].metadata["title"] == deposit["title"]

    # The token went only in the Authorization header.
    assert zenodo.token_leaks == []
    assert all(r.headers.get("authorization") == f"Bearer {zenodo.token}" for r in zenodo.requests)
    assert zenodo.token not in first.output + second.output

    # A fresh clone rebuilds the bundle byte for byte from the tag.
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(project), str(clone)], check=True)
    rebuilt = runner.invoke(cli, ["--project", str(clone), "bundle", "1.2.0"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert (clone / "dist" / f"{FOLDER.format('1.2.0')}.zip").read_bytes() == (
        project / "dist" / f"{FOLDER.format('1.2.0')}.zip"
    ).read_bytes()


def test_the_citation_file_with_its_doi_passes_cffconvert(zenodo, run, project, tmp_path):
    new_evidence(run, 1)
    assert release(run, zenodo, "1.1.0").exit_code == 0
    cff = tmp_path / "CITATION.cff"
    cff.write_bytes(
        bundle_files(project / "dist" / f"{FOLDER.format('1.1.0')}.zip")["CITATION.cff"]
    )
    validator = shutil.which("cffconvert", path=str(Path(sys.executable).parent))
    assert validator, "cffconvert is a test dependency"
    checked = subprocess.run(
        [validator, "--validate", "-i", str(cff)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "doi: " in cff.read_text()


def test_the_first_publication_records_the_concept_doi_in_crsmap_toml(zenodo, run, project):
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 0, result.output
    (concept,) = zenodo.concepts
    config = (project / "crsmap.toml").read_text()
    assert f'concept_doi = "10.5281/zenodo.{concept}"' in config
    assert 'version = "1.1.0"' in config
    subjects = git(project, "log", "--format=%s", "-3").splitlines()
    assert subjects[0].startswith(f"Record concept DOI 10.5281/zenodo.{concept}")
    assert subjects[1] == "Release 1.1.0"
    assert subjects[2].startswith("Reserve DOI 10.5281/zenodo.") and subjects[2].endswith("1.1.0")
    assert git(project, "status", "--porcelain") == ""

    # The exact requests of a first publication, in order.
    (draft,) = zenodo.concepts[concept]
    deposition = f"/api/deposit/depositions/{draft}"
    bucket = zenodo.depositions[draft].bucket
    name = f"{FOLDER.format('1.1.0')}.zip"
    assert [(r.method, r.path) for r in zenodo.requests] == [
        ("GET", "/api/deposit/depositions"),  # a draft an interrupted run left?
        ("POST", "/api/deposit/depositions"),
        ("GET", deposition),
        ("GET", f"{deposition}/files"),
        ("PUT", f"/api/files/{bucket}/{name}"),
        ("PUT", deposition),
        ("POST", f"{deposition}/actions/publish"),
    ]
    create, upload, metadata = (zenodo.requests[i] for i in (1, 4, 5))
    assert json.loads(create.body) == {
        "metadata": {
            "prereserve_doi": True, "title": "Cytokine Release Syndrome Map",
            "upload_type": "dataset", "version": "1.1.0",
        }
    }  # fmt: skip
    assert upload.body == (project / "dist" / name).read_bytes()
    assert upload.headers["content-type"] == "application/octet-stream"
    sent = json.loads(metadata.body)["metadata"]
    bundled = json.loads(bundle_files(project / "dist" / name)[".zenodo.json"])
    assert "doi" not in sent and sent == {k: v for k, v in bundled.items() if k != "doi"}


def test_publishing_a_published_release_again_says_so_and_exits_0(zenodo, run):
    new_evidence(run, 1)
    assert release(run, zenodo, "1.1.0").exit_code == 0
    before = len(zenodo.requests)
    again = run("publish", "zenodo", "1.1.0", "--url", zenodo.url)
    assert again.exit_code == 0, again.output
    assert "already published" in again.output
    (concept,) = zenodo.concepts
    assert again.output.strip().endswith(zenodo.published(concept)[0].doi)
    assert [r.method for r in zenodo.requests[before:]] == ["GET"]


# --- resuming ---------------------------------------------------------------------------------

# (fault step, status, times): a POST that may have been carried out is never sent twice,
# so one refusal stops it; PUTs and GETs are retried, so their fault must outlast the retries.
FAILURES = {
    "create": ("create", 500, 1),
    "upload": ("upload", 500, 10),
    "metadata": ("metadata", 500, 10),
    "publish": ("publish", 500, 1),
    "publish carried out, answer lost": ("publish", 500, 1),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_failure_at_each_step_exits_3_and_a_rerun_ends_with_one_version_and_one_doi(
    zenodo, run, project, failure
):
    step, status, times = FAILURES[failure]
    zenodo.inject(step, status, times=times, after=failure.endswith("answer lost"))
    new_evidence(run, 1)
    failed = release(run, zenodo, "1.1.0")
    assert failed.exit_code == 3, failed.output
    named = {"create": "reserve"}.get(step, step)
    assert f"step: {named} of 1.1.0" in failed.output
    assert "run `crsmap" in failed.output and zenodo.token not in failed.output

    if step == "create":
        # Nothing reserved, nothing released: the release is simply run again.
        assert "v1.1.0" not in git(project, "tag")
        again = release(run, zenodo, "1.1.0")
    else:
        # Released and tagged with its DOI; publishing resumes on the same draft.
        assert "v1.1.0" in git(project, "tag")
        again = run("publish", "zenodo", "1.1.0", "--url", zenodo.url)
    assert again.exit_code == 0, again.output
    ((concept, dois),) = published_versions(zenodo).items()
    assert len(dois) == 1 and zenodo.drafts() == []
    assert len(zenodo.concepts[int(concept)]) == 1  # no second draft was ever made
    doi = dois[0]
    files = bundle_files(project / "dist" / f"{FOLDER.format('1.1.0')}.zip")
    assert json.loads(files[".zenodo.json"])["doi"] == doi


# Where a `release --publish zenodo` process is killed: (checkpoint, its subject's end).
KILLS = {
    "after the draft was made, before its DOI is committed": ("write", "crsmap.toml"),
    "after the upload, before the metadata": ("deposit", "metadata"),
    "after the metadata, before publishing": ("deposit", "publish"),
}


@pytest.mark.parametrize("moment", sorted(KILLS))
def test_a_release_killed_at_each_step_resumes_with_one_version_and_one_doi(
    zenodo, run, project, tmp_path, moment
):
    from .crash_helpers import crsmap_env, run_with_kill_point

    point, match = KILLS[moment]
    new_evidence(run, 1)
    env = crsmap_env(tmp_path / "home")
    args = ["--project", str(project), "release", "1.1.0", "--publish", "zenodo", "--url",
            zenodo.url, "--allow-unfetched", "--allow-warnings"]  # fmt: skip
    killed = run_with_kill_point(args, env, point=point, match=match)
    assert killed.killed, (killed.returncode, killed.stderr)
    assert zenodo.published(next(iter(zenodo.concepts))) == []
    if point == "write":  # the draft exists on the server; the repository does not know it
        assert "v1.1.0" not in git(project, "tag")
        assert len(zenodo.drafts()) == 1
        again = release(run, zenodo, "1.1.0")
    else:
        again = run("publish", "zenodo", "1.1.0", "--url", zenodo.url)
    assert again.exit_code == 0, again.output
    ((concept, dois),) = published_versions(zenodo).items()
    assert len(dois) == 1 and zenodo.drafts() == []
    assert len(zenodo.concepts[int(concept)]) == 1
    files = bundle_files(project / "dist" / f"{FOLDER.format('1.1.0')}.zip")
    assert json.loads(files[".zenodo.json"])["doi"] == dois[0]
    assert git(project, "status", "--porcelain") == ""


def test_a_draft_made_but_not_recorded_is_found_again_not_made_twice(zenodo, run, project):
    """A crash between the server's answer and the reservation's commit leaves a draft the
    repository does not know; the rerun finds it among the owner's drafts."""
    new_evidence(run, 1)
    from curation.project import Project
    from curation.publish import Publisher

    lost = Publisher(Project.open(project), zenodo.url)._draft(
        Project.open(project).config.publish, "1.1.0", "Cytokine Release Syndrome Map"
    )
    assert git(project, "status", "--porcelain") == ""
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 0, result.output
    ((concept, dois),) = published_versions(zenodo).items()
    assert dois == [lost.doi] and len(zenodo.concepts[int(concept)]) == 1


def test_a_slow_upload_is_waited_for(zenodo, run):
    zenodo.inject("upload", "slow", delay=0.5)
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 0, result.output
    assert [r.status for r in zenodo.requests if r.step == "upload"] == [201]


def test_an_upload_that_never_ends_stops_at_the_deadline_and_resumes(zenodo, run, monkeypatch):
    import services.zenodo

    stuck = zenodo.inject("upload", "slow", times=2)  # held until released: both attempts
    monkeypatch.setenv("CRSMAP_HTTP_TIMEOUT", "0.5")
    monkeypatch.setattr(services.zenodo, "MIN_UPLOAD_RATE", 1 << 40)  # no time for the size
    new_evidence(run, 1)
    failed = release(run, zenodo, "1.1.0")
    assert failed.exit_code == 3, failed.output
    assert "step: upload of 1.1.0" in failed.output and "within 0.5 s" in failed.output
    stuck.release()
    monkeypatch.delenv("CRSMAP_HTTP_TIMEOUT")
    again = run("publish", "zenodo", "1.1.0", "--url", zenodo.url)
    assert again.exit_code == 0, again.output
    ((_, dois),) = published_versions(zenodo).items()
    assert len(dois) == 1 and zenodo.drafts() == []


def test_a_doi_reserved_for_a_release_never_cut_goes_to_the_next_version(zenodo, run, project):
    """The audit refused 1.1.0 after its DOI was reserved; the maintainer releases 1.2.0."""
    new_evidence(run, 1)
    zenodo.inject("upload", 500, times=10)
    from curation.project import Project
    from curation.publish import Publisher

    reserving = Project.open(project)
    with reserving.transaction(required=False) as txn:  # reserved, then the release stopped
        doi = Publisher(reserving, zenodo.url).reserve(
            txn, "1.1.0", "Cytokine Release Syndrome Map"
        )
    result = release(run, zenodo, "1.2.0")
    assert result.exit_code == 3 and "step: upload of 1.2.0" in result.output  # the fault
    config = (project / "crsmap.toml").read_text()
    assert 'version = "1.2.0"' in config and f'doi = "{doi}"' in config
    assert len(zenodo.depositions) == 1  # the same draft, not a second one
    assert run("publish", "zenodo", "1.2.0", "--url", zenodo.url).exit_code == 0
    ((_, dois),) = published_versions(zenodo).items()
    assert dois == [doi]


def test_a_rate_limit_is_waited_out(zenodo, run):
    zenodo.inject("create", 429, times=1, retry_after=1)
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 0, result.output
    assert [r.status for r in zenodo.requests if r.step == "create"] == [429, 201]


# --- refusals ---------------------------------------------------------------------------------


def test_without_a_token_nothing_is_checked_sent_or_written(zenodo, run, project, monkeypatch):
    monkeypatch.delenv("ZENODO_TOKEN")
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 2
    assert "ZENODO_TOKEN is not set" in result.output
    assert zenodo.requests == [] and git(project, "rev-parse", "HEAD") == head


def test_a_refused_token_exits_3_without_showing_it(zenodo, run, project, monkeypatch):
    monkeypatch.setenv("ZENODO_TOKEN", "not-the-token-123")
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 3, result.output
    assert "HTTP 401" in result.output and "ZENODO_TOKEN was refused" in result.output
    assert "not-the-token-123" not in result.output
    assert git(project, "rev-parse", "HEAD") == head and "v1.1.0" not in git(project, "tag")


def test_invalid_metadata_names_the_fields_zenodo_refused(zenodo, run, project):
    zenodo.inject("metadata", 400)
    new_evidence(run, 1)
    result = release(run, zenodo, "1.1.0")
    assert result.exit_code == 3, result.output
    assert "refused setting the metadata (HTTP 400)" in result.output


def test_a_release_cut_without_a_doi_is_not_published(zenodo, run):
    result = run("publish", "zenodo", "1.0.0", "--url", zenodo.url)
    assert result.exit_code == 2
    assert "release 1.0.0 was cut without a reserved DOI" in result.output
    assert zenodo.requests == []


def test_publishing_on_another_server_than_the_reservation_is_refused(
    zenodo, run, project, monkeypatch
):
    zenodo.inject("upload", 500, times=10)
    new_evidence(run, 1)
    assert release(run, zenodo, "1.1.0").exit_code == 3
    result = run("publish", "zenodo", "1.1.0", "--sandbox")
    assert result.exit_code == 2
    assert "is not on http://127.0.0.1" in result.output and "--sandbox or --url" in result.output


def test_dry_runs_print_the_metadata_and_requests_and_send_nothing(zenodo, run, project):
    new_evidence(run, 1)
    head = git(project, "rev-parse", "HEAD")
    planned = release(run, zenodo, "1.1.0", "--dry-run")
    assert planned.exit_code == 0, planned.output
    assert f"POST {zenodo.url}/api/deposit/depositions  (a new record" in planned.output
    shown = planned.output[planned.output.index("\n{") + 1 : planned.output.index("\nserver: ")]
    assert json.loads(shown)["version"] == "1.1.0" and "doi" not in json.loads(shown)
    assert "ZENODO_TOKEN is set" in planned.output and zenodo.token not in planned.output
    assert zenodo.requests == [] and git(project, "rev-parse", "HEAD") == head

    zenodo.inject("upload", 500, times=10)
    assert release(run, zenodo, "1.1.0").exit_code == 3
    sent = len(zenodo.requests)
    shown = run("publish", "zenodo", "1.1.0", "--url", zenodo.url, "--dry-run")
    assert shown.exit_code == 0, shown.output
    metadata = json.loads(shown.output[: shown.output.index("\nserver: ")])
    assert metadata["version"] == "1.1.0" and metadata["upload_type"] == "dataset"
    assert f"PUT <bucket of {zenodo.url}/api/deposit/depositions/" in shown.output
    assert f"{FOLDER.format('1.1.0')}.zip" in shown.output
    assert len(zenodo.requests) == sent


def test_publish_settings_in_crsmap_toml_are_checked(run, project):
    with (project / "crsmap.toml").open("a") as handle:
        handle.write('\n[publish]\nconcept_doi = "pubmed:1"\n')
    result = run("audit")
    assert result.exit_code == 2
    assert "[publish] concept_doi: 'pubmed:1' is not a DOI" in result.output
