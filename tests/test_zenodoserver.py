"""The fake Zenodo deposit API (tests/zenodoserver.py) behaves as Zenodo documents it.

Plain ``requests`` against the fake: the documented release flow end to end, authentication,
token-leak detection, injected faults and the metadata validator.
"""

from __future__ import annotations

import hashlib
import threading

import pytest
import requests

from . import zenodoserver
from .zenodoserver import DEFAULT_TOKEN, OTHER_OWNER, validate_metadata

zenodo_server = zenodoserver.zenodo_server  # the fixture, for this module's tests

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
VALID = {
    "upload_type": "dataset",
    "publication_date": "2024-05-01",
    "title": "Cytokine release syndrome map",
    "description": "<p>A disease map.</p>",
    "creators": [{"name": "Carberry, Josiah", "orcid": "0000-0002-1825-0097"}],
    "contributors": [{"name": "Doe, Jane", "type": "DataCurator"}],
    "license": "cc-by-4.0",
    "version": "1.0.0",
    "keywords": ["disease map"],
    "related_identifiers": [
        {"identifier": "10.1038/s41597-020-0477-8", "relation": "isDerivedFrom", "scheme": "doi"}
    ],
    "grants": [{"id": "10.13039/501100000780::853988"}],
}


def _put_file(session: requests.Session, bucket: str, name: str, data: bytes) -> dict:
    response = session.put(
        f"{bucket}/{name}", data=data, headers={"Content-Type": "application/octet-stream"}
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_two_releases_make_one_concept_with_two_dois(zenodo_server):
    api = zenodo_server.api_url
    session = requests.Session()
    session.headers.update(AUTH)

    # First release: create with a prereserved DOI, upload, describe, publish.
    created = session.post(
        f"{api}/deposit/depositions", json={"metadata": {"prereserve_doi": True}}
    )
    assert created.status_code == 201
    draft = created.json()
    reserved = draft["metadata"]["prereserve_doi"]
    assert reserved == {"doi": f"10.5281/zenodo.{draft['id']}", "recid": draft["id"]}
    assert (draft["state"], draft["submitted"], draft["files"]) == ("unsubmitted", False, [])
    assert draft["conceptrecid"] == str(draft["id"] - 1)  # a string, allocated just before
    assert draft["links"]["latest_draft"] == draft["links"]["self"]
    stored = _put_file(session, draft["links"]["bucket"], "map.zip", b"version one")
    assert stored["checksum"] == "md5:" + hashlib.md5(b"version one").hexdigest()
    assert stored["key"] == "map.zip" and stored["size"] == len(b"version one")
    metadata = {**VALID, "doi": reserved["doi"]}  # its own prereserved DOI is allowed
    assert session.put(draft["links"]["self"], json={"metadata": metadata}).status_code == 200
    published = session.post(draft["links"]["publish"])
    assert published.status_code == 202, published.text
    first = published.json()
    assert (first["state"], first["submitted"]) == ("done", True)
    assert first["doi"] == reserved["doi"]
    assert first["conceptdoi"] == f"10.5281/zenodo.{draft['conceptrecid']}"
    assert first["doi_url"] == f"https://doi.org/{first['doi']}"
    assert session.post(first["links"]["publish"]).status_code == 403  # already published

    # Second release: a new version, documented to answer with the published deposition.
    answered = session.post(first["links"]["newversion"])
    assert answered.status_code == 201
    assert answered.json()["id"] == first["id"]
    latest_draft = answered.json()["links"]["latest_draft"]
    again = session.post(first["links"]["newversion"])  # no second draft while one exists
    assert again.json()["links"]["latest_draft"] == latest_draft
    second = session.get(latest_draft).json()
    assert second["id"] != first["id"] and second["conceptrecid"] == first["conceptrecid"]
    assert second["state"] == "unsubmitted"
    assert second["metadata"]["prereserve_doi"]["doi"] == f"10.5281/zenodo.{second['id']}"
    assert "doi" not in second["metadata"] and "version" not in second["metadata"]
    files = session.get(second["links"]["files"]).json()
    assert [(f["filename"], f["checksum"]) for f in files] == [
        ("map.zip", hashlib.md5(b"version one").hexdigest())  # copied, md5 without prefix
    ]
    # Publishing the unchanged files is refused, as Zenodo does.
    new_metadata = {**VALID, "version": "1.1.0"}
    assert session.put(second["links"]["self"], json={"metadata": new_metadata}).status_code == 200
    refused = session.post(second["links"]["publish"])
    assert refused.status_code == 400 and "must differ" in refused.text
    deleted = session.delete(f"{second['links']['files']}/{files[0]['id']}")
    assert deleted.status_code == 204
    _put_file(session, second["links"]["bucket"], "map.zip", b"version two")
    # The first version's DOI is not this draft's to take.
    taken = session.put(second["links"]["self"], json={"metadata": {**VALID, "doi": first["doi"]}})
    assert taken.status_code == 400
    assert taken.json()["errors"] == [
        {"field": "metadata.doi", "message": "The DOI cannot be changed."}
    ]
    done = session.post(second["links"]["publish"])
    assert done.status_code == 202, done.text
    assert done.json()["doi"] == f"10.5281/zenodo.{second['id']}"
    assert done.json()["conceptdoi"] == first["conceptdoi"]

    concept = int(first["conceptrecid"])
    assert zenodo_server.concepts == {concept: [first["id"], second["id"]]}
    assert [d.doi for d in zenodo_server.published(concept)] == [first["doi"], done.json()["doi"]]
    assert zenodo_server.drafts() == []
    record = requests.get(f"{api}/records/{second['id']}").json()  # public: no token
    assert (record["doi"], record["conceptdoi"]) == (done.json()["doi"], first["conceptdoi"])
    assert record["metadata"]["version"] == "1.1.0"
    latest = requests.get(f"{api}/records/{concept}")  # the concept id leads to the latest
    assert latest.json()["id"] == second["id"]
    assert zenodo_server.token_leaks == []
    assert [r.step for r in zenodo_server.requests[:4]] == [
        "create",
        "upload",
        "metadata",
        "publish",
    ]


def test_newversion_can_answer_with_the_draft_as_zenodo_does_today():
    with zenodoserver.FakeZenodo(newversion_returns="draft") as server:
        published = server.add_deposition(VALID, {"a.txt": b"a"}, published=True)
        url = f"{server.api_url}/deposit/depositions/{published.id}/actions/newversion"
        draft = requests.post(url, headers=AUTH).json()
        assert draft["id"] != published.id and draft["state"] == "unsubmitted"
        assert draft["links"]["latest_draft"] == draft["links"]["self"]
        assert [d.id for d in server.drafts()] == [draft["id"]]
    assert server.internal_errors == []


def test_a_wrong_or_missing_token_is_a_401_and_a_stranger_s_deposition_a_403(zenodo_server):
    url = f"{zenodo_server.api_url}/deposit/depositions"
    missing = requests.get(url)
    assert missing.status_code == 401 and missing.json()["status"] == 401
    assert requests.post(url, json={}, headers={"Authorization": "Bearer nope"}).status_code == 401
    foreign = zenodo_server.add_deposition(owner=OTHER_OWNER)
    assert requests.get(f"{url}/{foreign.id}", headers=AUTH).status_code == 403
    assert requests.get(f"{url}/999999", headers=AUTH).status_code == 404
    assert requests.get(url, headers=AUTH).json() == []  # someone else's are not listed
    assert (
        requests.post(url, data="{}", headers={**AUTH, "Content-Type": "text/plain"}).status_code
        == 415
    )


def test_the_token_anywhere_but_the_authorization_header_is_a_leak(zenodo_server):
    url = f"{zenodo_server.api_url}/deposit/depositions"
    assert requests.get(url, params={"access_token": DEFAULT_TOKEN}).status_code == 200
    assert zenodo_server.token_leaks == ["GET /api/deposit/depositions: token in the URL"]
    requests.post(url, json={"metadata": {"notes": DEFAULT_TOKEN}}, headers=AUTH)
    requests.get(url, headers={**AUTH, "User-Agent": f"crsmap {DEFAULT_TOKEN}"})
    assert zenodo_server.token_leaks[1:] == [
        "POST /api/deposit/depositions: token in the body",
        "GET /api/deposit/depositions: token in the user-agent header",
    ]


def test_injected_faults_are_used_up_after_times(zenodo_server):
    url = f"{zenodo_server.api_url}/deposit/depositions"
    zenodo_server.inject("create", 429, times=2, retry_after=7)
    zenodo_server.inject("list", 500)
    for _ in range(2):
        limited = requests.post(url, json={}, headers=AUTH)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
        assert limited.json()["status"] == 429
    assert requests.post(url, json={}, headers=AUTH).status_code == 201
    broken = requests.get(url, headers=AUTH)
    assert broken.status_code == 500 and broken.headers["Content-Type"].startswith("text/html")
    assert requests.get(url, headers=AUTH).status_code == 200
    assert "X-RateLimit-Limit" in broken.headers
    assert [r.status for r in zenodo_server.requests] == [429, 429, 201, 500, 200]


def test_a_fault_after_the_effect_a_hang_and_a_held_upload(zenodo_server):
    draft = zenodo_server.add_deposition(files={"old.txt": b"x"})
    bucket = f"{zenodo_server.api_url}/files/{draft.bucket}"
    # Zenodo once deleted the file and still answered 500 (zenodo-rdm#1434).
    zenodo_server.inject("delete-file", 500, after=True)
    assert requests.delete(f"{bucket}/old.txt", headers=AUTH).status_code == 500
    assert draft.files == {}
    zenodo_server.inject("get", "hang")
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(
            f"{zenodo_server.api_url}/deposit/depositions/{draft.id}", headers=AUTH, timeout=0.3
        )
    held = zenodo_server.inject("upload", "slow")
    answers = []
    upload = threading.Thread(
        target=lambda: answers.append(requests.put(f"{bucket}/new.txt", data=b"y", headers=AUTH))
    )
    upload.start()
    assert held.hit.wait(5)
    upload.join(0.2)
    assert answers == []  # still held
    held.release()
    upload.join(5)
    assert answers[0].status_code == 201 and list(draft.files) == ["new.txt"]


def test_publish_needs_files_and_valid_metadata(zenodo_server):
    draft = zenodo_server.add_deposition(VALID)
    publish = f"{zenodo_server.api_url}/deposit/depositions/{draft.id}/actions/publish"
    no_files = requests.post(publish, headers=AUTH)
    assert no_files.status_code == 400
    assert no_files.json()["errors"][0]["message"] == "Minimum one file must be provided."
    draft.metadata.pop("title")
    draft.files["a.txt"] = zenodoserver.StoredFile("a.txt", b"a")
    incomplete = requests.post(publish, headers=AUTH).json()
    assert incomplete["message"] == "Validation error."
    assert incomplete["errors"] == [
        {"field": "metadata.title", "message": "Missing data for required field."}
    ]


def test_the_validator_refuses_what_zenodo_refuses():
    assert validate_metadata(VALID) == []

    def fields(change: dict, **context) -> list[str]:
        return [e["field"] for e in validate_metadata({**VALID, **change}, **context)]

    assert fields({"creators": []}) == ["metadata.creators"]
    assert fields({"creators": [{"affiliation": "Brown"}]}) == ["metadata.creators.0.name"]
    assert fields({"upload_type": "map"}) == ["metadata.upload_type"]
    assert fields({"contributors": [{"name": "Doe, J", "type": "Curator"}]}) == [
        "metadata.contributors.0.type"
    ]
    assert fields({"creators": [{"name": "Doe, J", "orcid": "0000-0002-1825-0098"}]}) == [
        "metadata.creators.0.orcid"
    ]
    assert fields({"publisher": "Zenodo"}) == ["metadata.publisher"]
    assert fields({"publication_date": "01/05/2024"}) == ["metadata.publication_date"]
    assert fields({"grants": [{"id": "IMI2 imSAVAR"}]}) == ["metadata.grants.0"]
    assert fields({"keywords": "map"}) == ["metadata.keywords"]
    related = [{"identifier": "10.1/x", "relation": "isBasedOn"}]
    assert fields({"related_identifiers": related}) == ["metadata.related_identifiers.0.relation"]
    without_license = {k: v for k, v in VALID.items() if k != "license"}
    assert [e["field"] for e in validate_metadata(without_license)] == ["metadata.license"]
    # Zenodo's own prefix: only the deposition's prereserved DOI, and no test DOIs.
    managed = validate_metadata({**VALID, "doi": "10.5281/zenodo.5"})
    assert managed[0]["message"] == "The prefix 10.5281 is administrated locally."
    assert fields({"doi": "10.5281/zenodo.5"}, own_doi="10.5281/zenodo.5") == []
    assert fields({"doi": "10.5072/zenodo.5"}) == ["metadata.doi"]
    assert fields({"doi": "10.1234/external"}) == []
    assert fields({"doi": "10.1234/external"}, own_doi="10.5281/zenodo.5", doi_locked=True) == [
        "metadata.doi"
    ]
