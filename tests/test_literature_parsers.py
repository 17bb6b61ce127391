"""The literature parsers on every real recorded NCBI and Crossref answer in ../shared/data."""

import json

import pytest

from curation.errors import OutsideError
from curation.xmlsafe import parse_xml_bytes
from literature.crossref import parse_work
from literature.idconv import parse_idconv
from literature.model import Author, Notice
from literature.pubmed import parse_articles, parse_efetch, parse_esummary

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


def test_efetch_articles_carry_what_esummary_gave():
    """Issue 17: efetch alone gives every field crsmap took from esummary."""
    gut = parse_articles(recorded("biopython/pubmed4.xml").read_bytes())["27797938"]
    assert gut.found and gut.source == "pubmed" and gut.pmid == "27797938"
    assert gut.title == (
        "Leucocyte telomere length, genetic variants at the TERT gene region and risk of "
        "pancreatic cancer."
    )
    assert len(gut.authors) == 22 and gut.authors[0] == Author("Bao", "Y")
    assert gut.authors[-3] == Author("De Vivo", "I")
    assert (gut.journal, gut.year, gut.volume, gut.issue, gut.pages) == (
        "Gut", 2017, "66", "6", "1116-1122"
    )  # fmt: skip
    assert (gut.doi, gut.pmcid) == ("10.1136/gutjnl-2016-312510", "PMC5442267")
    assert gut.pubtypes[:2] == ("Journal Article", "Observational Study")
    assert not gut.retracted and gut.notices == ()
    assert gut.short() == "Bao Y et al. 2017 Gut"
    imaging = parse_articles(recorded("biopython/pubmed7.xml").read_bytes())["29963580"]
    # its own DOI, lower-cased, not one of its 49 references'
    assert (imaging.doi, imaging.pmcid) == ("10.1117/1.jmi.5.2.026002", "PMC6022861")
    assert (imaging.journal, imaging.pages) == ("J Med Imaging (Bellingham)", "026002")
    old = parse_articles(recorded("biopython/pubmed1.xml").read_bytes())
    assert (old["12091962"].year, old["12091962"].issue) == (1990, "1")  # Year + Season
    assert old["12091962"].pubtypes == ("Journal Article", "Review")
    retracted = parse_articles(
        recorded("trimmed/efetch_9500320_retracted_trimmed.xml").read_bytes()
    )["9500320"]
    assert retracted.retracted and "Retracted Publication" in retracted.pubtypes
    assert (
        retracted.notices
        == parse_efetch(recorded("trimmed/efetch_9500320_retracted_trimmed.xml").read_bytes())[
            "9500320"
        ][1]
    )


HANDMADE = b"""<?xml version="1.0"?>
<PubmedArticleSet>
<PubmedArticle><MedlineCitation><PMID Version="1">111</PMID>
<Article><Journal><JournalIssue><Volume>12</Volume>
<PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate></JournalIssue>
<Title>Journal of Things</Title><ISOAbbreviation>J. Things</ISOAbbreviation></Journal>
<ArticleTitle>IL-6 in <i>Mus musculus</i>: CD4<sup>+</sup>&#9;cells<!-- note --></ArticleTitle>
<Pagination><StartPage>e5</StartPage><EndPage>e9</EndPage></Pagination>
<ELocationID EIdType="pii" ValidYN="Y">e5</ELocationID>
<ELocationID EIdType="doi" ValidYN="Y">10.1000/THINGS.5</ELocationID>
<AuthorList><Author ValidYN="Y"><LastName>Ng</LastName><ForeName>Kim Lee</ForeName></Author>
<Author ValidYN="N"><LastName>Wrong</LastName><Initials>W</Initials></Author>
<Author><CollectiveName>CRS Consortium</CollectiveName></Author></AuthorList>
<PublicationTypeList><PublicationType>Journal Article</PublicationType></PublicationTypeList>
</Article>
<CommentsCorrectionsList>
<CommentsCorrections RefType="CommentIn"><PMID>5</PMID></CommentsCorrections>
<CommentsCorrections RefType="RetractionIn"><PMID>222</PMID></CommentsCorrections>
<CommentsCorrections RefType="ErratumIn"><PMID>333</PMID></CommentsCorrections>
<CommentsCorrections RefType="ErratumIn"><PMID>333</PMID></CommentsCorrections>
</CommentsCorrectionsList></MedlineCitation>
<PubmedData><ArticleIdList><ArticleId IdType="pubmed">111</ArticleId></ArticleIdList>
<ReferenceList><Reference><ArticleIdList><ArticleId IdType="doi">10.9/ref</ArticleId>
<ArticleId IdType="pmc">PMC99</ArticleId></ArticleIdList></Reference></ReferenceList>
</PubmedData></PubmedArticle>
<PubmedBookArticle><BookDocument><PMID Version="1">20301295</PMID>
<ArticleIdList><ArticleId IdType="bookaccession">NBK1250</ArticleId></ArticleIdList>
<Book><Publisher><PublisherName>University of Washington</PublisherName></Publisher>
<BookTitle book="gene">GeneReviews&#174;</BookTitle><PubDate><Year>1993</Year></PubDate>
<AuthorList Type="editors"><Author><LastName>Adam</LastName><Initials>MP</Initials></Author>
</AuthorList></Book>
<ArticleTitle>Cystic Fibrosis</ArticleTitle>
<AuthorList Type="authors"><Author><LastName>Ong</LastName><ForeName>Thida</ForeName>
<Initials>T</Initials></Author></AuthorList>
<PublicationType UI="D016454">Review</PublicationType>
</BookDocument><PubmedBookData><ArticleIdList><ArticleId IdType="pubmed">20301295</ArticleId>
</ArticleIdList></PubmedBookData></PubmedBookArticle>
</PubmedArticleSet>"""


def test_efetch_articles_markup_authors_dates_and_books():
    found = parse_articles(HANDMADE)
    paper = found["111"]
    assert paper.title == "IL-6 in Mus musculus: CD4+ cells"
    assert paper.authors == (Author("Ng", "KL"),)  # not the invalid one nor the collective
    assert (paper.journal, paper.year, paper.volume, paper.pages) == (
        "J. Things",
        1998,
        "12",
        "e5-e9",
    )
    assert (paper.doi, paper.pmcid) == ("10.1000/things.5", None)  # not a reference's IDs
    assert paper.retracted and paper.notices == (
        Notice("erratum", "pubmed:333"),
        Notice("retraction", "pubmed:222"),
    )
    chapter = found["20301295"]
    assert (chapter.title, chapter.journal, chapter.year) == (
        "Cystic Fibrosis",
        "GeneReviews\u00ae",
        1993,
    )
    assert chapter.authors == (Author("Ong", "T"),)  # the chapter's authors, not the editors
    assert chapter.pubtypes == ("Review",) and not chapter.retracted
    assert parse_efetch(HANDMADE) == {"111": (True, paper.notices), "20301295": (False, ())}


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
