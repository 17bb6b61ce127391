"""services.zenodo on its own: answers read leniently, links and tokens kept on their host."""

# ruff: noqa: F811  (the fixture imported below is used by name as a test argument)
from __future__ import annotations

import pytest

from curation.errors import InputError, OutsideError
from services.zenodo import (
    Deposition,
    ZenodoClient,
    parse_deposition,
    parse_file,
    server_url,
)

from .zenodoserver import zenodo_server  # noqa: F401  (the fixture)

SERVER = "https://zenodo.example.org"


def test_a_deposition_is_read_with_extra_fields_and_without_optional_ones():
    full = parse_deposition(
        {
            "id": 12, "conceptrecid": "11", "state": "unsubmitted", "submitted": False,
            "metadata": {"title": "Map", "version": "1.0.0",
                         "prereserve_doi": {"doi": "10.5281/zenodo.12", "recid": 12}},
            "links": {"self": f"{SERVER}/api/deposit/depositions/12",
                      "bucket": f"{SERVER}/api/files/abc", "html": f"{SERVER}/deposit/12"},
            "owner": 7, "something_new": {"nested": [1, 2]},
        },
        SERVER,
    )  # fmt: skip
    assert (full.id, full.concept_id, full.doi, full.published) == (
        "12", "11", "10.5281/zenodo.12", False
    )  # fmt: skip
    assert full.bucket == f"{SERVER}/api/files/abc" and full.version == "1.0.0"
    bare = parse_deposition({"record_id": 5}, SERVER)
    assert bare.url == f"{SERVER}/api/deposit/depositions/5"
    assert (bare.doi, bare.bucket, bare.concept_id, bare.published) == ("", "", "", False)
    published = parse_deposition(
        {"id": 5, "submitted": True, "doi": "https://doi.org/10.5281/ZENODO.5",
         "conceptdoi": "10.5281/zenodo.4"},
        SERVER,
    )  # fmt: skip
    assert published.published and published.doi == "10.5281/zenodo.5"
    assert published.concept_doi == "10.5281/zenodo.4"


@pytest.mark.parametrize(
    "document", [[], "text", {"id": "12; rm -rf"}, {"id": True}, {"metadata": {}}]
)
def test_an_answer_that_is_not_a_deposition_is_refused(document):
    with pytest.raises(OutsideError):
        parse_deposition(document, SERVER)


def test_file_lists_in_both_spellings_are_read_and_odd_entries_skipped():
    assert (
        parse_file({"id": "f1", "filename": "a.zip", "filesize": 3, "checksum": "ABC"}).md5 == "abc"
    )
    bucket_style = parse_file({"file_id": "f2", "key": "b.zip", "size": 4, "checksum": "md5:de"})
    assert (bucket_style.name, bucket_style.size, bucket_style.md5) == ("b.zip", 4, "de")
    by_name = parse_file({"filename": "no-id.zip"})  # removed from the bucket by its name
    assert (by_name.id, by_name.name) == ("", "no-id.zip")
    assert parse_file({"id": "f3"}) is None and parse_file("x") is None


def test_server_addresses_are_normalised_and_checked():
    assert server_url("https://Zenodo.org/api/") == "https://zenodo.org"
    assert server_url("https://zenodo.org/") == "https://zenodo.org"
    for bad in ("ftp://zenodo.org", "https://user:secret@zenodo.org", "https://zenodo.org/?q=1"):
        with pytest.raises(InputError) as caught:
            server_url(bad)
        assert "secret" not in str(caught.value)


def test_a_token_with_spaces_is_refused_before_anything_is_sent():
    with pytest.raises(InputError, match="ZENODO_TOKEN"):
        ZenodoClient(SERVER, "two words")


def test_a_link_to_another_host_is_not_followed_and_the_token_stays_home(zenodo_server):
    client = ZenodoClient(zenodo_server.url, zenodo_server.token)
    elsewhere = Deposition(
        id="1",
        url=f"{zenodo_server.url}/api/deposit/depositions/1",
        bucket="http://127.0.0.2:9/api/files/stolen",
    )
    with pytest.raises(OutsideError, match="link to another host"):
        client.upload(elsewhere, "bundle.zip", b"data")
    moved = Deposition(id="1", url="http://localhost:1/api/deposit/depositions/1")
    with pytest.raises(OutsideError, match="another host"):
        client.get(moved.url)
    assert zenodo_server.requests == []


def test_a_refusal_names_the_step_the_status_and_the_fields(zenodo_server):
    client = ZenodoClient(zenodo_server.url, zenodo_server.token)
    draft = client.create({"upload_type": "dataset", "title": "Map", "version": "1.0.0"})
    assert draft.doi == f"10.5281/zenodo.{draft.id}" and not draft.published
    with pytest.raises(OutsideError) as caught:
        client.set_metadata(draft, {"upload_type": "map", "title": "Map"})
    message = str(caught.value)
    assert "refused setting the metadata (HTTP 400)" in message
    assert "metadata.upload_type" in message
    assert zenodo_server.token not in message
