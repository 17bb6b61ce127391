"""The literature parsers on every real recorded NCBI and Crossref answer in ../shared/data."""

import json

import pytest

from curation.errors import OutsideError
from curation.xmlsafe import parse_xml_bytes
from literature.crossref import parse_work
from literature.idconv import parse_idconv
from literature.model import Notice
from literature.pubmed import parse_efetch, parse_esummary

from .conftest import SHARED_DATA

EUTILS = SHARED_DATA / "eutils"


def recorded(relative: str):
    path = EUTILS / relative
    if not path.exists():
        pytest.skip(f"{path} not found: the recorded answers live in ../shared/data/eutils")
    return path


def test_esummary_json_record():
    document = json.loads(recorded("esummary_json/esummary_27933103.json").read_text())
    citation = parse_esummary(document, ["27933103"])["27933103"]
    assert citation.found and citation.source == "pubmed"
    assert (
        citation.title
        == "Programmatic conversion of crystal structures into 3D printable files using Jmol."
    )
    assert (citation.authors[0].family, citation.authors[0].given) == ("Scalfani", "VF")
    assert len(citation.authors) == 8
    assert (citation.journal, citation.year, citation.volume, citation.pages) == (
        "J Cheminform",
        2016,
        "8",
        "66",
    )
    assert (citation.pmcid, citation.doi) == ("PMC5122160", "10.1186/s13321-016-0181-z")
    assert citation.short() == "Scalfani VF et al. 2016 J Cheminform"


def test_esummary_batch_with_a_retracted_paper_and_an_unknown_pmid():
    document = json.loads(recorded("paper-preflight/esummary_pubmed.json").read_text())
    result = parse_esummary(document, ["9500320", "31452104", "99999999", "23193287"])
    assert result["9500320"].retracted
    assert not result["99999999"].found and result["99999999"].status == "not-found"
    assert result["31452104"].found and not result["31452104"].retracted


def test_esummary_unknown_pmid_is_not_found():
    document = json.loads(recorded("errors/esummary_json_unknown_pmid.json").read_text())
    assert parse_esummary(document, ["40482261"])["40482261"].status == "not-found"


@pytest.mark.parametrize(
    "name", ["esummary_json_invalid_uid_mesh.json", "esummary_json_invalid_uid_nuccore.json"]
)
def test_esummary_top_level_errors(name):
    document = json.loads(recorded(f"errors/{name}").read_text())
    try:
        result = parse_esummary(document, ["1"])
    except OutsideError as exc:
        assert "refused" in str(exc)
    else:
        assert result["1"].status == "not-found"


def test_esummary_empty_id_list_answer_is_an_outside_error():
    document = json.loads(recorded("errors/esummary_json_empty_id_list.json").read_text())
    with pytest.raises(OutsideError, match="without a result"):
        parse_esummary(document, [])


def test_efetch_retraction_and_expression_of_concern():
    found = parse_efetch(recorded("trimmed/efetch_9500320_retracted_trimmed.xml").read_bytes())
    retracted, notices = found["9500320"]
    assert retracted
    assert notices == (
        Notice("expression-of-concern", "pubmed:21971344"),
        Notice("retraction", "pubmed:20137807"),
    )


@pytest.mark.parametrize("name", ["pubmed1.xml", "pubmed2.xml", "pubmed4.xml", "pubmed7.xml"])
def test_efetch_real_pubmed_sets_with_doctype(name):
    found = parse_efetch(recorded(f"biopython/{name}").read_bytes())
    assert found, name
    assert all(pmid.isdigit() for pmid in found)


def test_efetch_empty_set_and_error_answer():
    assert parse_efetch(recorded("errors/efetch_200_unknown_pmid_empty_set.xml").read_bytes()) == {}
    with pytest.raises(OutsideError, match="expected <PubmedArticleSet>"):
        parse_efetch(recorded("errors/efetch_400_malformed_id.xml").read_bytes())


def test_idconv_records_and_errors():
    doi = json.loads(recorded("idconv/idconv_doi_elife_2017.json").read_text())
    assert parse_idconv(doi, ["10.7554/elife.09560"])["10.7554/elife.09560"]["pmid"] == "26354291"
    pmc = json.loads(recorded("idconv/idconv_pmcid_versions_2013.json").read_text())
    assert parse_idconv(pmc, ["PMC2883744"])["PMC2883744"] == {
        "pmid": "20495566",
        "pmcid": "PMC2883744",
        "doi": "10.1038/ng.590",
    }
    error = json.loads(recorded("idconv/idconv_pmcid_error_2023.json").read_text())
    assert parse_idconv(error, ["PMC23840460"]) == {}


def test_crossref_works_and_retraction_notices():
    work = json.loads(recorded("crossref/works_10.1371_journal.pone.0033693.json").read_text())
    citation = parse_work(work, "10.1371/journal.pone.0033693")
    assert citation.found and citation.source == "crossref" and citation.title
    assert citation.year and citation.authors
    for index in range(5):
        many = json.loads(recorded(f"crossref/works_many_ids_{index}.json").read_text())
        assert parse_work(many, many["message"]["DOI"]).doi == many["message"]["DOI"].lower()
    wakefield = json.loads(recorded("paper-preflight/crossref_work_wakefield.json").read_text())
    retracted = parse_work(wakefield, "10.1016/s0140-6736(97)11096-0")
    assert retracted.retracted
    assert any(n.type == "retraction" for n in retracted.notices)
    assert any(n.type == "erratum" for n in retracted.notices)


def test_every_recorded_xml_file_parses_safely():
    """NCBI answers carry DOCTYPEs; the safe parser must read them all without fetching DTDs."""
    files = sorted(recorded(".").rglob("*.xml"))
    assert len(files) >= 15
    for path in files:
        assert parse_xml_bytes(path.read_bytes(), str(path)).getroot() is not None
