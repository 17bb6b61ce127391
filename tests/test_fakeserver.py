"""Tests of the fake literature server itself (tests/fakeserver.py), over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from . import fakeserver
from .conftest import SHARED_DATA
from .fakeserver import FakeLiteratureServer, Request, literature_server  # noqa: F401 (fixture)

EUTILS_DATA = SHARED_DATA / "eutils"

WAKEFIELD = "9500320"
RETRACTION_NOTICE = "20137807"
CONCERN_NOTICE = "21971344"
PMC_PAPER = "27933103"
WAKEFIELD_DOI = "10.1016/S0140-6736(97)11096-0"
NOTICE_DOI = "10.1016/S0140-6736(10)60175-4"


def recorded(relative: str) -> Path:
    """A file under ../shared/data/eutils, or skip when the shared data is absent."""
    path = EUTILS_DATA / relative
    if not path.is_file():
        pytest.skip(f"recorded response {relative} not found under {EUTILS_DATA}")
    return path


@pytest.fixture
def http() -> requests.Session:
    """A session that ignores proxy settings from the environment: 127.0.0.1 only."""
    with requests.Session() as session:
        session.trust_env = False
        yield session


@pytest.fixture
def server(literature_server: FakeLiteratureServer) -> FakeLiteratureServer:  # noqa: F811
    """The fake with a retracted paper, its notices, a PMC paper and two Crossref works."""
    literature_server.add_pubmed(
        WAKEFIELD,
        title="Ileal-lymphoid-nodular hyperplasia, non-specific colitis, and pervasive "
        "developmental disorder in children.",
        authors=[("Wakefield", "AJ"), ("Murch", "Simon H."), ("Walker-Smith", "John A")],
        journal="Lancet",
        year=1998,
        volume="351",
        issue="9103",
        pages="637-41",
        doi=WAKEFIELD_DOI,
        retraction_in=[RETRACTION_NOTICE],
        expression_of_concern_in=[CONCERN_NOTICE],
        erratum_in=["15016483"],
    )
    literature_server.add_pubmed(
        RETRACTION_NOTICE,
        title="Retraction--Ileal-lymphoid-nodular hyperplasia.",
        authors=[("The Editors of The Lancet", "")],
        journal="Lancet",
        year=2010,
        volume="375",
        issue="9713",
        pages="445",
        doi=NOTICE_DOI,
        pubtypes=("Journal Article",),
        retraction_of=[WAKEFIELD],
    )
    literature_server.add_pubmed(
        PMC_PAPER,
        title="Programmatic conversion of crystal structures into 3D printable files using Jmol.",
        authors=[("Scalfani", "Vincent F"), ("Williams", "Antony J")],
        journal="J Cheminform",
        year=2016,
        volume="8",
        pages="66",
        doi="10.1186/s13321-016-0181-z",
        pmcid="PMC5122160",
    )
    literature_server.add_crossref(
        WAKEFIELD_DOI,
        title="RETRACTED: Ileal-lymphoid-nodular hyperplasia",
        authors=[("Wakefield", "AJ"), ("Murch", "SH")],
        journal="The Lancet",
        year=1998,
        volume="351",
        issue="9103",
        page="637-641",
        updated_by=[
            {"type": "correction", "DOI": "10.1016/s0140-6736(04)15715-2"},
            {"type": "retraction", "DOI": NOTICE_DOI.lower(), "source": "retraction-watch"},
        ],
    )
    literature_server.add_crossref(
        NOTICE_DOI,
        title="Retraction",
        authors=[],
        journal="The Lancet",
        year=2010,
        update_to=[{"type": "retraction", "DOI": WAKEFIELD_DOI.lower()}],
    )
    return literature_server


def esummary(http, server, ids, method="GET", **extra):
    params = {"db": "pubmed", "id": ",".join(ids), "retmode": "json", "version": "2.0", **extra}
    url = server.eutils_url + "esummary.fcgi"
    if method == "POST":
        return http.post(url, data=params, timeout=5)
    return http.get(url, params=params, timeout=5)


def efetch(http, server, ids, **extra):
    params = {"db": "pubmed", "id": ",".join(ids), "retmode": "xml", **extra}
    return http.get(server.eutils_url + "efetch.fcgi", params=params, timeout=5)


# --------------------------------------------------------------------------- lifecycle


def test_binds_loopback_on_a_free_port_and_stops_cleanly(http, capfd):
    with FakeLiteratureServer() as server:
        assert server.port > 0
        assert server.eutils_url == f"http://127.0.0.1:{server.port}/entrez/eutils/"
        assert server.idconv_url == f"http://127.0.0.1:{server.port}/idconv/"
        assert server.crossref_url == f"http://127.0.0.1:{server.port}/crossref/"
        assert server._httpd.socket.getsockname()[0] == "127.0.0.1"
        # A kept-alive connection is still open when the server stops: stop must not hang.
        assert http.get(server.crossref_url + "works/10.1/none", timeout=5).status_code == 404
        serving = server._thread
    assert not serving.is_alive()
    # Stopped means the port refuses at once; a socket left listening would time out instead.
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", server.port), timeout=5),
    ):
        pass
    server.stop()  # idempotent
    assert capfd.readouterr().err == ""


def test_fixture_yields_a_running_server(literature_server, http):  # noqa: F811
    assert isinstance(literature_server, FakeLiteratureServer)
    response = http.get(literature_server.base_url + "nowhere", timeout=5)
    assert response.status_code == 404
    assert literature_server.requests[-1].endpoint == "unknown"


# --------------------------------------------------------------------------- esummary


def test_esummary_keys_match_the_recorded_document(server, http):
    real = json.loads(recorded("esummary_json/esummary_27933103.json").read_text())
    ours = esummary(http, server, [PMC_PAPER]).json()
    assert ours.keys() == real.keys()
    assert ours["header"] == real["header"]
    assert set(ours["result"][PMC_PAPER]) == set(real["result"][PMC_PAPER])
    for key, value in real["result"][PMC_PAPER].items():
        if key != "pmcrefcount":  # NCBI itself gives a number or ""
            assert type(ours["result"][PMC_PAPER][key]) is type(value), key


def test_esummary_record_content(server, http):
    response = esummary(http, server, [WAKEFIELD, PMC_PAPER])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    result = response.json()["result"]
    assert result["uids"] == [WAKEFIELD, PMC_PAPER]
    paper = result[WAKEFIELD]
    assert [a["name"] for a in paper["authors"]] == ["Wakefield AJ", "Murch SH", "Walker-Smith JA"]
    assert paper["authors"][0] == {"name": "Wakefield AJ", "authtype": "Author", "clusterid": ""}
    assert paper["lastauthor"] == "Walker-Smith JA"
    assert paper["pubdate"] == "1998"
    assert (paper["source"], paper["volume"], paper["issue"], paper["pages"]) == (
        "Lancet",
        "351",
        "9103",
        "637-41",
    )
    assert paper["pubtype"] == ["Journal Article", "Retracted Publication"]
    assert paper["elocationid"] == f"doi: {WAKEFIELD_DOI}"
    assert {"idtype": "doi", "idtypen": 3, "value": WAKEFIELD_DOI} in paper["articleids"]
    pmc = {item["idtype"]: item["value"] for item in result[PMC_PAPER]["articleids"]}
    assert pmc == {
        "pubmed": PMC_PAPER,
        "pmc": "PMC5122160",
        "pmcid": "pmc-id: PMC5122160;",
        "doi": "10.1186/s13321-016-0181-z",
    }
    assert result[PMC_PAPER]["pubtype"] == ["Journal Article"]
    assert result[PMC_PAPER]["sorttitle"].startswith("programmatic conversion of crystal")


def test_esummary_unknown_and_non_numeric_ids_in_a_200(server, http):
    response = esummary(http, server, ["40482261", WAKEFIELD, "abc"])
    assert response.status_code == 200
    document = response.json()
    assert document["result"]["uids"] == ["40482261", WAKEFIELD, "abc"]
    assert document["result"]["40482261"] == {
        "uid": "40482261",
        "error": "cannot get document summary",
    }
    assert document["result"]["abc"] == {"uid": "abc", "error": "cannot get document summary"}
    path = EUTILS_DATA / "errors" / "esummary_json_unknown_pmid.json"
    if path.is_file():
        real = json.loads(path.read_text())
        unknown = esummary(http, server, ["40482261"]).json()
        assert unknown == real


def test_esummary_post_form_and_empty_list(server, http):
    pmids = server.add_many_pubmed(150)
    server.enforce_rate_limit = False
    response = esummary(http, server, pmids, method="POST", tool="crsmap", email="a@b.org")
    assert response.status_code == 200
    assert response.json()["result"]["uids"] == pmids
    logged = server.requests[-1]
    assert (logged.method, logged.params["tool"], logged.params["email"]) == (
        "POST",
        "crsmap",
        "a@b.org",
    )
    assert logged.ids == tuple(pmids)
    empty = esummary(http, server, [])
    assert empty.json() == {"esummaryresult": ["Empty id list - nothing todo"]}


def test_wrong_db_or_retmode_is_a_400(server, http):
    server.enforce_rate_limit = False
    assert esummary(http, server, [WAKEFIELD], db="pmc").status_code == 400
    assert esummary(http, server, [WAKEFIELD], retmode="xml").status_code == 400
    # esummary answers XML by default: a client must ask for JSON.
    url = server.eutils_url + "esummary.fcgi"
    assert http.get(url, params={"db": "pubmed", "id": WAKEFIELD}).status_code == 400
    assert efetch(http, server, [WAKEFIELD], retmode="text").status_code == 400
    assert efetch(http, server, [WAKEFIELD], retmode=None).status_code == 200  # XML by default


# --------------------------------------------------------------------------- efetch


def notice_links(root: ET.Element) -> dict[str, list[tuple[str, str]]]:
    """(RefType, PMID) links per article, the way a client reads efetch XML."""
    return {
        article.findtext("MedlineCitation/PMID"): [
            (link.get("RefType"), link.findtext("PMID"))
            for link in article.iterfind(
                "MedlineCitation/CommentsCorrectionsList/CommentsCorrections"
            )
        ]
        for article in root.iterfind("PubmedArticle")
    }


def test_efetch_xml_has_the_retraction_links(server, http):
    response = efetch(http, server, [WAKEFIELD, RETRACTION_NOTICE])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    # NCBI's DOCTYPE line, as efetch sends it (Bio.Entrez needs it; crsmap ignores DTDs)
    assert response.content.splitlines()[1].decode() == fakeserver.PUBMED_DOCTYPE
    root = ET.fromstring(response.content)
    assert root.tag == "PubmedArticleSet"
    assert notice_links(root) == {
        WAKEFIELD: [
            ("RetractionIn", RETRACTION_NOTICE),
            ("ErratumIn", "15016483"),
            ("ExpressionOfConcernIn", CONCERN_NOTICE),
        ],
        RETRACTION_NOTICE: [("RetractionOf", WAKEFIELD)],
    }
    article = root.find("PubmedArticle/MedlineCitation/Article")
    assert article.findtext("Journal/Title") == "Lancet"
    assert article.findtext("Journal/JournalIssue/Volume") == "351"
    assert article.findtext("Journal/JournalIssue/Issue") == "9103"
    assert article.findtext("Journal/JournalIssue/PubDate/Year") == "1998"
    assert article.findtext("ArticleTitle").startswith("Ileal-lymphoid-nodular")
    assert article.findtext("Pagination/MedlinePgn") == "637-41"
    authors = [(a.findtext("LastName"), a.findtext("Initials")) for a in article.iter("Author")]
    assert authors == [("Wakefield", "AJ"), ("Murch", "SH"), ("Walker-Smith", "JA")]
    types = [t.text for t in article.iterfind("PublicationTypeList/PublicationType")]
    assert types == ["Journal Article", "Retracted Publication"]
    source = root.findtext(
        "PubmedArticle/MedlineCitation/CommentsCorrectionsList/CommentsCorrections/RefSource"
    )
    assert source == f"Lancet. 2010;375(9713):445. doi: {NOTICE_DOI}."
    notice = root.findall("PubmedArticle")[1]
    notice_types = [t.text for t in notice.iter("PublicationType")]
    assert "Retraction of Publication" in notice_types
    assert "Retracted Publication" not in notice_types


def test_efetch_doctype_is_the_recorded_one():
    real = recorded("biopython/pubmed1.xml").read_text().splitlines()[1]
    assert real == fakeserver.PUBMED_DOCTYPE


def test_efetch_reads_like_the_recorded_retracted_record(server, http):
    real = ET.parse(recorded("trimmed/efetch_9500320_retracted_trimmed.xml")).getroot()
    ours = ET.fromstring(efetch(http, server, [WAKEFIELD]).content)
    real_links = {link for link in notice_links(real)[WAKEFIELD] if link[0] != "CommentIn"}
    assert real_links <= set(notice_links(ours)[WAKEFIELD])


def test_efetch_article_ids(server, http):
    root = ET.fromstring(efetch(http, server, [PMC_PAPER]).content)
    ids = {
        item.get("IdType"): item.text
        for item in root.iterfind("PubmedArticle/PubmedData/ArticleIdList/ArticleId")
    }
    assert ids == {"pubmed": PMC_PAPER, "doi": "10.1186/s13321-016-0181-z", "pmc": "PMC5122160"}


def test_efetch_unknown_pmids_are_absent(server, http):
    response = efetch(http, server, ["40482261", "40482262"])
    assert response.status_code == 200
    assert response.text.strip().endswith("\n<PubmedArticleSet></PubmedArticleSet>")
    assert ET.fromstring(response.content).findall("PubmedArticle") == []
    mixed = ET.fromstring(efetch(http, server, ["40482261", PMC_PAPER]).content)
    assert [a.findtext("MedlineCitation/PMID") for a in mixed] == [PMC_PAPER]


def test_efetch_without_valid_ids_is_a_400(server, http):
    response = efetch(http, server, ["0"])
    assert response.status_code == 400
    assert ET.fromstring(response.content).findtext("ERROR").startswith("ID list is empty")


# --------------------------------------------------------------------------- epost + history


def epost(http, server, ids, **extra):
    form = {"db": "pubmed", "id": ",".join(ids), **extra}
    return http.post(server.eutils_url + "epost.fcgi", data=form, timeout=5)


def test_epost_answers_like_the_recorded_result(server, http):
    real = ET.parse(recorded("biopython/epost1.xml")).getroot()
    response = epost(http, server, [WAKEFIELD, PMC_PAPER, RETRACTION_NOTICE])
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/xml")
    assert response.content.splitlines()[1].startswith(b"<!DOCTYPE ePostResult PUBLIC")
    ours = ET.fromstring(response.content)
    assert [child.tag for child in ours] == [child.tag for child in real] == ["QueryKey", "WebEnv"]
    assert ours.findtext("QueryKey") == "1" and ours.findtext("WebEnv").startswith("MCID_")
    assert server.ids_requested("epost") == [[WAKEFIELD, PMC_PAPER, RETRACTION_NOTICE]]


def test_efetch_and_esummary_read_the_history_server(server, http):
    server.enforce_rate_limit = False
    posted = ET.fromstring(epost(http, server, [WAKEFIELD, PMC_PAPER, RETRACTION_NOTICE]).content)
    web_env = posted.findtext("WebEnv")
    history = {"WebEnv": web_env, "query_key": "1", "retmode": "xml"}
    page = efetch(http, server, [], **history, retstart="1", retmax="2")
    assert page.status_code == 200
    root = ET.fromstring(page.content)
    assert [a.findtext("MedlineCitation/PMID") for a in root] == [PMC_PAPER, RETRACTION_NOTICE]
    assert server.ids_requested("efetch") == [[PMC_PAPER, RETRACTION_NOTICE]]
    summaries = esummary(http, server, [], WebEnv=web_env, query_key="1").json()["result"]
    assert summaries["uids"] == [WAKEFIELD, PMC_PAPER, RETRACTION_NOTICE]
    # A second epost to the same WebEnv gets the next query key.
    again = ET.fromstring(epost(http, server, [PMC_PAPER], WebEnv=web_env).content)
    assert (again.findtext("WebEnv"), again.findtext("QueryKey")) == (web_env, "2")
    second = efetch(http, server, [], WebEnv=web_env, query_key="2")
    assert [a.findtext("MedlineCitation/PMID") for a in ET.fromstring(second.content)] == [
        PMC_PAPER
    ]
    # Bio.Entrez sends "webenv"; NCBI takes that spelling too
    lower = efetch(http, server, [], webenv=web_env, query_key="2")
    assert [a.findtext("MedlineCitation/PMID") for a in ET.fromstring(lower.content)] == [PMC_PAPER]
    assert efetch(http, server, [], WebEnv=web_env, query_key="3").status_code == 400
    assert efetch(http, server, [], WebEnv="MCID_nowhere", query_key="1").status_code == 400


def test_epost_errors_read_like_the_recorded_ones(server, http):
    real = ET.parse(recorded("biopython/epost2.xml")).getroot()
    wrong_db = ET.fromstring(epost(http, server, [WAKEFIELD], db="nothing").content)
    assert wrong_db.findtext("ERROR") == real.findtext("ERROR")
    real_empty = ET.parse(recorded("biopython/epost3.xml")).getroot()
    empty = ET.fromstring(epost(http, server, ["abc"]).content)
    assert empty.findtext("ERROR") == real_empty.findtext("ERROR")


def test_epost_shares_the_ncbi_rate_limit(server, http):
    assert [epost(http, server, [WAKEFIELD]).status_code for _ in range(3)] == [200] * 3
    assert efetch(http, server, [WAKEFIELD]).status_code == 429
    assert server.rate_violations == 1


# --------------------------------------------------------------------------- idconv


def test_idconv_records_and_errors(server, http):
    params = {"ids": "PMC5122160,PMC999", "format": "json", "tool": "crsmap", "email": "a@b.org"}
    response = http.get(server.idconv_url, params=params, timeout=5)
    assert response.status_code == 200
    document = response.json()
    assert document["status"] == "ok"
    assert time.strptime(document["responseDate"], "%Y-%m-%d %H:%M:%S")
    assert document["request"] == "ids=PMC5122160,PMC999;format=json;tool=crsmap;email=a%40b.org"
    assert "warning" not in document
    found, missing = document["records"]
    assert {k: found[k] for k in ("pmcid", "pmid", "doi")} == {
        "pmcid": "PMC5122160",
        "pmid": PMC_PAPER,
        "doi": "10.1186/s13321-016-0181-z",
    }
    assert missing == {
        "pmcid": "PMC999",
        "live": "false",
        "status": "error",
        "errmsg": "invalid article id",
    }


def test_idconv_error_record_has_the_recorded_form(server, http):
    real = json.loads(recorded("idconv/idconv_pmcid_error_2023.json").read_text())
    params = {"ids": "23840460", "format": "json", "idtype": "pmcid"}
    ours = http.get(server.idconv_url, params=params, timeout=5).json()
    assert ours.keys() == real.keys()
    assert ours["warning"] == real["warning"] == "no e-mail provided; no tool provided"
    assert ours["records"] == real["records"]
    assert ours["request"] == real["request"]


def test_idconv_knows_pmids_and_dois_too(server, http):
    params = {"ids": f"{PMC_PAPER},10.1186/S13321-016-0181-Z,{WAKEFIELD}", "format": "json"}
    records = http.get(server.idconv_url, params=params, timeout=5).json()["records"]
    assert [r.get("pmcid") for r in records[:2]] == ["PMC5122160", "PMC5122160"]
    assert records[2] == {
        "pmid": WAKEFIELD,
        "live": "false",
        "status": "error",
        "errmsg": "invalid article id",
    }


def test_idconv_is_get_only(server, http):
    response = http.post(server.idconv_url, data={"ids": "PMC1", "format": "json"}, timeout=5)
    assert response.status_code == 405


# --------------------------------------------------------------------------- Crossref


def test_crossref_work_with_updates(server, http):
    url = server.crossref_url + "works/" + "10.1016%2Fs0140-6736%2897%2911096-0"
    response = http.get(url, params={"mailto": "a@b.org"}, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Rate-Limit-Limit"] == "10"
    assert response.headers["X-Rate-Limit-Interval"] == "1s"
    document = response.json()
    assert (document["status"], document["message-type"], document["message-version"]) == (
        "ok",
        "work",
        "1.0.0",
    )
    work = document["message"]
    assert work["DOI"] == WAKEFIELD_DOI
    assert work["title"] == ["RETRACTED: Ileal-lymphoid-nodular hyperplasia"]
    assert work["author"][0] == {
        "given": "AJ",
        "family": "Wakefield",
        "sequence": "first",
        "affiliation": [],
    }
    assert work["author"][1]["sequence"] == "additional"
    assert work["container-title"] == work["short-container-title"] == ["The Lancet"]
    assert work["issued"] == {"date-parts": [[1998]]}
    assert (work["volume"], work["issue"], work["page"], work["type"]) == (
        "351",
        "9103",
        "637-641",
        "journal-article",
    )
    retraction = work["updated-by"][1]
    assert (retraction["type"], retraction["label"], retraction["source"]) == (
        "retraction",
        "Retraction",
        "retraction-watch",
    )
    assert retraction["DOI"] == NOTICE_DOI.lower()
    assert work["updated-by"][0]["source"] == "publisher"
    assert set(retraction) == {"DOI", "type", "label", "source", "updated"}


def test_crossref_keys_are_real_crossref_keys(server, http):
    real = json.loads(recorded("paper-preflight/crossref_work_wakefield.json").read_text())
    ours = http.get(server.crossref_url + "works/" + WAKEFIELD_DOI, timeout=5).json()
    assert ours.keys() == real.keys()
    assert set(ours["message"]) <= set(real["message"])
    assert set(ours["message"]["updated-by"][1]) <= set(real["message"]["updated-by"][1])


def test_crossref_notice_and_doi_matching(server, http):
    upper = http.get(server.crossref_url + "works/" + NOTICE_DOI.upper(), timeout=5)
    assert upper.status_code == 200
    assert upper.headers["X-Rate-Limit-Limit"] == "5"  # no mailto: the public pool
    assert upper.json()["message"]["update-to"][0]["type"] == "retraction"
    assert "volume" not in upper.json()["message"]
    assert server.ids_requested("crossref") == [[NOTICE_DOI.upper()]]


def test_crossref_unknown_doi_is_the_recorded_404(server, http):
    response = http.get(server.crossref_url + "works/10.1371%2Fnotarealdoi", timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/plain"
    path = EUTILS_DATA / "crossref" / "works_notarealdoi_404.txt"
    expected = path.read_bytes() if path.is_file() else b"Resource not found."
    assert response.content == expected == b"Resource not found."


# --------------------------------------------------------------------------- rate limit


@pytest.fixture
def still(server: FakeLiteratureServer) -> FakeLiteratureServer:
    """The fake with a rate window of an hour: however slow the machine, it does not slide."""
    server.rate_window = 3600.0
    return server


def test_fourth_quick_request_gets_ncbi_429(still, http):
    server = still
    statuses = [esummary(http, server, [WAKEFIELD]).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = efetch(http, server, [WAKEFIELD])  # esummary and efetch share the budget
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/json"
    assert "Retry-After" not in refused.headers
    assert refused.content == (
        b'{"error":"API rate limit exceeded","api-key":"127.0.0.1","count":"4","limit":"3"}'
    )
    assert server.rate_violations == 1
    assert [r.status for r in server.requests] == [200, 200, 200, 429]


def test_429_carries_retry_after_when_set(still, http):
    server = still
    server.retry_after = 2
    for _ in range(3):
        esummary(http, server, [WAKEFIELD])
    refused = esummary(http, server, [WAKEFIELD])
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"


def test_api_key_allows_ten_a_second(still, http):
    server = still
    statuses = [esummary(http, server, [WAKEFIELD], api_key="K3Y").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    body = esummary(http, server, [WAKEFIELD], api_key="K3Y").json()
    assert body == {
        "error": "API rate limit exceeded",
        "api-key": "K3Y",
        "count": "12",
        "limit": "10",
    }
    assert server.rate_violations == 2


def test_window_slides(server, http, monkeypatch):
    # The fake's clock is ours: the window slides when we say, however slow the machine.
    now = [1000.0]
    clock = type("Clock", (), {"monotonic": staticmethod(lambda: now[0]), "sleep": time.sleep})
    monkeypatch.setattr(fakeserver, "time", clock)
    assert [esummary(http, server, [WAKEFIELD]).status_code for _ in range(4)] == [200] * 3 + [429]
    now[0] = 1000.0 + server.rate_window / 2  # not yet: all four are still in the window
    assert esummary(http, server, [WAKEFIELD]).status_code == 429
    now[0] = 1000.0 + server.rate_window  # the first four leave it, the fifth stays
    assert esummary(http, server, [WAKEFIELD]).status_code == 200


def test_rate_limit_holds_under_concurrent_requests(still):
    server = still
    query = urllib.parse.urlencode({"db": "pubmed", "id": WAKEFIELD, "retmode": "json"})
    url = f"{server.eutils_url}esummary.fcgi?{query}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def status(_: int) -> int:
        try:
            with opener.open(url, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(status, range(8)))
    assert sorted(statuses) == [200] * 3 + [429] * 5
    assert server.rate_violations == 5
    assert server.count("esummary") == 8


def test_rate_limit_switch_and_unlimited_services(server, http):
    server.enforce_rate_limit = False
    assert {esummary(http, server, [WAKEFIELD]).status_code for _ in range(5)} == {200}
    server.enforce_rate_limit = True
    params = {"ids": "PMC5122160", "format": "json"}
    assert {http.get(server.idconv_url, params=params).status_code for _ in range(5)} == {200}
    assert {
        http.get(server.crossref_url + "works/" + NOTICE_DOI).status_code for _ in range(5)
    } == {200}
    assert server.rate_violations == 0


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_injected_server_errors(server, http, kind):
    server.inject("esummary", kind)
    assert esummary(http, server, [WAKEFIELD]).status_code == int(kind)
    assert esummary(http, server, [WAKEFIELD]).status_code == 200
    assert server.pending_faults() == 0


def test_injected_429_is_not_a_violation(server, http):
    server.inject("efetch", "429", retry_after=1)
    refused = efetch(http, server, [WAKEFIELD])
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["error"] == "API rate limit exceeded"
    assert refused.json()["limit"] == "3"
    assert server.rate_violations == 0
    server.inject("idconv", "429")
    idconv = http.get(server.idconv_url, params={"ids": "PMC1", "format": "json"}, timeout=5)
    assert idconv.status_code == 429
    assert "Retry-After" not in idconv.headers
    server.inject("crossref", "429")
    crossref = http.get(server.crossref_url + "works/" + NOTICE_DOI, timeout=5)
    assert crossref.status_code == 429
    assert b"Too Many Requests" in crossref.content


def test_fault_after_and_times(server, http):
    server.inject("crossref", "503", times=2, after=1)
    url = server.crossref_url + "works/" + NOTICE_DOI
    statuses = [http.get(url, timeout=5).status_code for _ in range(4)]
    assert statuses == [200, 503, 503, 200]
    assert esummary(http, server, [WAKEFIELD]).status_code == 200  # other endpoints untouched


def test_slow_answers_late_but_normally(server, http):
    params = {"ids": "PMC5122160", "format": "json"}
    # Late: held until the test lets go, so a client that stops waiting gets nothing.
    never = threading.Event()
    server.inject("idconv", "slow", hold=never)
    with pytest.raises(requests.exceptions.Timeout):
        http.get(server.idconv_url, params=params, timeout=0.05)
    # Normal: one that is still waiting when the answer is let go gets the ordinary answer.
    later = threading.Event()
    server.inject("idconv", "slow", hold=later)
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(http.get, server.idconv_url, params=params, timeout=30)
        assert not waiting.done()
        later.set()
        response = waiting.result()
    assert response.json()["records"][0]["pmid"] == PMC_PAPER
    assert server.pending_faults() == 0
    # A delay instead of a hold answers after it, normally.
    server.inject("idconv", "slow", delay=0.01)
    assert http.get(server.idconv_url, params=params, timeout=30).status_code == 200


def test_an_answer_held_until_the_end_does_not_keep_the_server_from_stopping(http):
    held = threading.Event()
    with FakeLiteratureServer() as server:
        server.inject("crossref", "slow", hold=held)
        with pytest.raises(requests.exceptions.Timeout):
            http.get(server.crossref_url + "works/10.1/x", timeout=0.05)
        assert not held.is_set()
    assert held.is_set()  # stop() let the held handler go rather than wait for it


def test_malformed_answers_do_not_parse(server, http):
    server.enforce_rate_limit = False
    server.inject("esummary", "malformed")
    broken = esummary(http, server, [WAKEFIELD])
    assert broken.status_code == 200
    with pytest.raises(ValueError):
        json.loads(broken.content)
    server.inject("efetch", "malformed")
    with pytest.raises(ET.ParseError):
        ET.fromstring(efetch(http, server, ["40482261"]).content)
    server.inject("crossref", "malformed")
    with pytest.raises(ValueError):
        json.loads(http.get(server.crossref_url + "works/" + NOTICE_DOI, timeout=5).content)


def test_truncated_body_breaks_mid_read(server, http):
    server.inject("efetch", "truncated")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        efetch(http, server, [WAKEFIELD])
    assert server.requests[-1].status == 200
    assert efetch(http, server, [WAKEFIELD]).status_code == 200


def test_truncated_with_urllib(server):
    server.inject("crossref", "truncated")
    url = server.crossref_url + "works/" + NOTICE_DOI
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        announced = int(response.headers["Content-Length"])
        with pytest.raises(Exception, match="IncompleteRead"):
            response.read()
    assert announced > 0


def test_drop_closes_without_answer(server, http, capfd):
    server.inject("esummary", "drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        esummary(http, server, [WAKEFIELD], method="POST")
    assert server.requests[-1].status == 0
    assert esummary(http, server, [WAKEFIELD]).status_code == 200
    assert capfd.readouterr().err == ""


def test_urllib_sees_injected_status(server):
    server.inject("crossref", "502")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as raised:
        opener.open(server.crossref_url + "works/" + NOTICE_DOI, timeout=5)
    assert raised.value.code == 502
    raised.value.close()


def test_a_bug_in_the_fake_is_kept_and_answered_500(monkeypatch, http, capfd):
    def broken(record):
        raise KeyError("boom")

    monkeypatch.setattr(fakeserver, "esummary_document", broken)
    with FakeLiteratureServer() as server:
        server.add_pubmed(WAKEFIELD, title="t", authors=[], journal="j", year=1998)
        response = esummary(http, server, [WAKEFIELD])
        assert response.status_code == 500
        assert "KeyError" in response.text
    assert [type(e) for e in server.internal_errors] == [KeyError]
    assert capfd.readouterr().err == ""


def test_inject_checks_its_arguments(server):
    with pytest.raises(ValueError):
        server.inject("esearch", "500")
    with pytest.raises(ValueError):
        server.inject("efetch", "418")
    with pytest.raises(ValueError):
        server.inject("efetch", "500", times=0)
    with pytest.raises(ValueError):
        server.inject("efetch", "500", hold=threading.Event())
    with pytest.raises(ValueError):
        server.add_crossref("10.1/x", title="t", authors=[], journal="j", year=1, updated_by=[{}])
    with pytest.raises(ValueError):
        server.add_pubmed("PMID1", title="t", authors=[], journal="j", year=1)


# --------------------------------------------------------------------------- request log


def test_request_log_and_counts(server, http):
    esummary(http, server, [WAKEFIELD, PMC_PAPER])
    http.post(
        server.eutils_url + "efetch.fcgi?db=pubmed&retmode=xml",
        data=[("id", WAKEFIELD), ("id", RETRACTION_NOTICE)],
        timeout=5,
    )
    http.get(server.idconv_url, params={"ids": "PMC5122160", "format": "json"}, timeout=5)
    log = server.requests
    assert all(isinstance(r, Request) for r in log)
    assert [r.endpoint for r in log] == ["esummary", "efetch", "idconv"]
    assert log[1].method == "POST"
    assert log[1].params == {
        "db": "pubmed",
        "retmode": "xml",
        "id": f"{WAKEFIELD},{RETRACTION_NOTICE}",
    }
    assert [r.time for r in log] == sorted(r.time for r in log)
    assert log[0].time <= time.monotonic()
    assert server.count() == 3
    assert server.count("efetch") == 1
    assert server.count("crossref") == 0
    assert server.ids_requested("esummary") == [[WAKEFIELD, PMC_PAPER]]
    assert server.ids_requested("efetch") == [[WAKEFIELD, RETRACTION_NOTICE]]
    assert server.ids_requested("idconv") == [["PMC5122160"]]
    with pytest.raises(AttributeError):
        log[0].status = 500  # frozen


def test_add_many_pubmed_is_deterministic(server, http):
    pmids = server.add_many_pubmed(3, start=31000000)
    assert pmids == ["31000000", "31000001", "31000002"]
    result = esummary(http, server, pmids).json()["result"]
    again = FakeLiteratureServer()
    assert again.add_many_pubmed(3, start=31000000) == pmids
    first = result["31000000"]
    assert first["articleids"][1] == {"idtype": "pmc", "idtypen": 8, "value": "PMC9000000"}
    assert "pmc" not in {item["idtype"] for item in result["31000001"]["articleids"]}
    assert first["title"] and first["authors"] and first["pubdate"] == "1990"
