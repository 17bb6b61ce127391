"""`crsmap fetch` against hostile servers on 127.0.0.1 (issue 12, items 1-4).

Each test reproduces a defect found by attacking crsmap with a local server: redirects that
carried the NCBI API key to another host, answers that never end or never stop, odd
``Retry-After`` values, and answers whose identifiers were trusted as data.
"""

from __future__ import annotations

import json
import threading

import pytest

import literature.http
from literature.cache import CACHE_FILE, read_cache
from literature.crossref import parse_work
from literature.http import parse_retry_after
from literature.idconv import parse_idconv, parse_idconv_answer
from literature.pubmed import parse_efetch, parse_esummary

from .conftest import add_evidence_rows
from .fakeserver import FakeLiteratureServer
from .processes import crsmap_process

API_KEY = "SECRET-NCBI-KEY-0123456789"


@pytest.fixture
def elsewhere():
    """A second server: "another host" (another origin) to redirect to."""
    with FakeLiteratureServer() as other:
        yield other


def cache_bytes(project) -> bytes:
    path = project.root / CACHE_FILE
    return path.read_bytes() if path.exists() else b""


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("crsmap: error:")]


def host_of(server) -> str:
    return f"127.0.0.1:{server.port}"


# --------------------------------------------------------------------------- the fake's new faults


def test_the_hostile_fault_kinds_of_the_fake_do_what_they_say(literature_server):
    """The fake itself (stdlib only): these tests must fail for the client's sake, not the fake's."""
    import http.client

    fake = literature_server
    fake.add_many_pubmed(3)

    def post(form: str):
        connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=10)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", "/entrez/eutils/esummary.fcgi", form, headers)
        return connection, connection.getresponse()

    form = "db=pubmed&retmode=json&id=30000000,30000001,30000002"
    fake.inject("esummary", "redirect", redirect_status=308, location="http://127.0.0.1:9/x")
    _, answer = post(form)
    assert (answer.status, answer.getheader("Location")) == (308, "http://127.0.0.1:9/x")
    fake.inject("esummary", "partial")
    _, answer = post(form)
    assert json.loads(answer.read())["result"]["uids"] == ["30000000"]
    fake.inject("esummary", "drip-body", delay=0)
    _, answer = post(form)
    assert answer.getheader("Content-Length") and json.loads(answer.read())["result"]
    fake.inject("esummary", "drip", delay=0)
    _, answer = post(form)
    assert answer.status == 200 and json.loads(answer.read())["result"]
    fake.inject("esummary", "huge-unannounced", size=3 << 20)
    connection, answer = post(form)
    assert answer.getheader("Content-Length") is None and len(answer.read()) == 3 << 20
    fake.inject("esummary", "huge", size=3 << 20)
    connection, answer = post(form)
    assert answer.getheader("Content-Length") == str(3 << 20)
    assert answer.read(10) == b'{"header":'
    connection.close()  # the fake stops writing when the client leaves
    with pytest.raises(ValueError):
        fake.inject("esummary", "redirect")  # a redirect needs a location


# --------------------------------------------------------------------------- 1. redirects


@pytest.mark.parametrize("status", [307, 308])
def test_a_cross_host_redirect_of_the_post_never_carries_the_api_key_away(
    crsmap, project, online, elsewhere, monkeypatch, status
):
    monkeypatch.setenv("NCBI_API_KEY", API_KEY)
    pmids = online.add_many_pubmed(2)
    elsewhere.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject(
        "efetch", "redirect", times=10, redirect_status=status,
        location=elsewhere.eutils_url + "efetch.fcgi",
    )  # fmt: skip
    result = crsmap("fetch")
    assert result.exit_code == 3, result.output
    assert elsewhere.count() == 0  # nothing at all went to the other host
    assert API_KEY not in result.output + result.stderr
    (line,) = error_lines(result)
    assert f"redirect to another host ({host_of(elsewhere)})" in line
    assert host_of(online) in line
    assert read_cache(project.root / CACHE_FILE) == {}


def test_a_cross_host_redirect_of_a_get_is_not_followed_either(crsmap, project, online, elsewhere):
    online.add_pubmed("34002066", title="CRS", authors=[("Morris", "EC")], journal="Nat Rev Immunol",
                      year=2022, pmcid="PMC8127450")  # fmt: skip
    add_evidence_rows(project, ["pmc:PMC8127450"])
    online.inject("idconv", "redirect", redirect_status=302, location=elsewhere.idconv_url)
    result = crsmap("fetch")
    assert result.exit_code == 3, result.output
    assert elsewhere.count() == 0
    assert "redirect to another host" in result.stderr


@pytest.mark.parametrize("status", [301, 302, 303])
def test_a_redirect_that_turns_the_post_into_a_get_is_not_taken_as_an_answer(
    crsmap, project, online, status
):
    pmids = online.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    # Same host; following it as a GET without the form would ask about PMID 1 instead.
    location = online.eutils_url + "efetch.fcgi?db=pubmed&retmode=xml&id=1"
    online.inject("efetch", "redirect", times=10, redirect_status=status, location=location)
    result = crsmap("fetch")
    assert result.exit_code == 3, result.output
    assert not [r for r in online.requests if r.method == "GET"]
    (line,) = error_lines(result)
    assert f"HTTP {status}" in line and host_of(online) in line
    assert all(c.found for c in read_cache(project.root / CACHE_FILE).values())


@pytest.mark.parametrize("status", [307, 308])
def test_a_same_host_redirect_that_keeps_the_form_is_followed(
    crsmap, project, online, monkeypatch, status
):
    monkeypatch.setenv("NCBI_API_KEY", API_KEY)
    pmids = online.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    location = online.eutils_url + "efetch.fcgi"
    online.inject("efetch", "redirect", redirect_status=status, location=location)
    result = crsmap("fetch")
    assert result.exit_code == 0, result.stderr
    fetches = [r for r in online.requests if r.endpoint == "efetch"]
    assert [r.status for r in fetches] == [status, 200]
    assert all(r.method == "POST" and r.params["api_key"] == API_KEY for r in fetches)
    assert sorted(read_cache(project.root / CACHE_FILE)) == [f"pubmed:{p}" for p in pmids]


# --------------------------------------------------------------------------- 2. bounded fetches


@pytest.mark.parametrize("kind", ["drip", "drip-body"])
def test_a_server_dripping_one_byte_at_a_time_is_cut_off_at_the_deadline(
    crsmap, project, online, monkeypatch, kind
):
    first = online.add_many_pubmed(1)
    add_evidence_rows(project, [f"pubmed:{p}" for p in first])
    assert crsmap("fetch").exit_code == 0
    before = cache_bytes(project)
    asked_before = online.count("efetch")
    more = online.add_many_pubmed(2, start=31000000)
    add_evidence_rows(project, [f"pubmed:{p}" for p in more])
    # A byte every 0.05 s comes well within the per-read timeout (the same 0.8 s), and the
    # few kB of the answer would take minutes: only the deadline of a whole attempt ends it.
    deadline = 0.8
    monkeypatch.setenv("CRSMAP_HTTP_TIMEOUT", str(deadline))
    online.inject("efetch", kind, times=10, delay=0.05)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(result=crsmap("fetch")), daemon=True)
    worker.start()
    worker.join(timeout=120)  # a hang detector: before the fix, this fetch took about an hour
    assert not worker.is_alive(), "fetch still hanging on a dripping server"
    result = outcome["result"]
    assert result.exit_code == 3, result.output
    (line,) = error_lines(result)
    assert f"no complete answer from {host_of(online)} within {deadline:g} s" in line
    # Cut off, asked once more, cut off again, given up: not retried MAX_ATTEMPTS times.
    assert online.count("efetch") - asked_before == literature.http.DEADLINE_ATTEMPTS
    assert cache_bytes(project) == before


@pytest.mark.parametrize("kind", ["huge", "huge-unannounced"])
def test_an_answer_above_the_size_cap_is_refused(crsmap, project, online, monkeypatch, kind):
    monkeypatch.setattr(literature.http, "MAX_BODY_BYTES", 1 << 20)
    pmids = online.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("efetch", kind, size=5 << 20)
    result = crsmap("fetch")
    assert result.exit_code == 3, result.output
    (line,) = error_lines(result)
    assert f"the answer from {host_of(online)} is larger than 1 MB" in line
    assert online.count("efetch") == 1  # a deliberate answer, not a glitch: not retried
    assert cache_bytes(project) == b""


def test_a_400_MB_answer_keeps_peak_memory_under_200_MB(project, online):
    pmids = online.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("efetch", "huge-unannounced", size=400 << 20)
    run = crsmap_process(["--project", str(project.root), "fetch"], project.root, timeout=120)
    assert run.code == 3, run
    assert f"the answer from {host_of(online)} is larger than 64 MB" in run.stderr
    assert run.peak_bytes < 200 * 2**20, run
    assert cache_bytes(project) == b""


# --------------------------------------------------------------------------- 3. Retry-After


@pytest.mark.parametrize(
    "value", ["-5", "abc", "1e9", "", "3.5s", "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 99 Foo 2025"]
)
def test_odd_retry_after_values_fall_back_to_the_backoff(crsmap, project, online, value):
    pmids = online.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("efetch", "429", retry_after=value)
    result = crsmap("fetch")
    assert result.exit_code == 0, result.output + result.stderr
    assert [r.status for r in online.requests if r.endpoint == "efetch"] == [429, 200]
    assert len(read_cache(project.root / CACHE_FILE)) == 2


@pytest.mark.parametrize("value", ["99999", "1" * 40, "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_a_long_retry_after_is_clamped_and_said_once(crsmap, project, online, monkeypatch, value):
    monkeypatch.setattr(literature.http, "MAX_RETRY_AFTER", 0.2)
    monkeypatch.setattr(literature.http, "ANNOUNCE_WAITS_FROM", 0.1)
    pmids = online.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("efetch", "429", times=2, retry_after=value)
    result = crsmap("fetch")  # unclamped, this would wait 99999 s or more
    assert result.exit_code == 0, result.output + result.stderr
    assert [r.status for r in online.requests if r.endpoint == "efetch"] == [429, 429, 200]
    notes = [line for line in result.stderr.splitlines() if "asked to wait" in line]
    assert len(notes) == 1, result.stderr
    assert notes[0].startswith("crsmap: NCBI E-utilities asked to wait ")
    assert notes[0].endswith("s (HTTP 429); waiting 0.2 s")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("120", 120.0), (" 7 ", 7.0), ("0", 0.0), ("-5", None), ("abc", None), ("1e9", None),
     ("", None), ("1.5", None), ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0), ("Fri, 99 Foo 2025", None),
     ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0)],
)  # fmt: skip
def test_retry_after_is_parsed_like_a_browser(text, expected):
    assert parse_retry_after(text) == expected
    assert parse_retry_after("Wed, 21 Oct 2099 07:28:00 GMT") > 365 * 86400


# --------------------------------------------------------------------------- 4. answers as data

CRAFTED_DOI = "10.1234/ok}\n}\n@misc{pwned,\n  title = {pwned"
CRAFTED_PMCID = "PMC123}\n@misc{pwned2,"


def test_crafted_dois_and_pmc_ids_in_answers_are_dropped(crsmap, project, online):
    online.add_pubmed("29808005", title="CAR T cell-induced CRS", authors=[("Giavridis", "T")],
                      journal="Nat Med", year=2018, doi=CRAFTED_DOI, pmcid=CRAFTED_PMCID)  # fmt: skip
    online.add_crossref("10.5555/retracted", title="A retracted work", authors=[("Doe", "J")],
                        journal="J Test", year=2001,
                        updated_by=[{"type": "retraction", "DOI": "10.1/x}\n@misc{pwned3,"}])  # fmt: skip
    add_evidence_rows(project, ["pubmed:29808005", "doi:10.5555/retracted"])
    assert crsmap("fetch").exit_code == 0
    cache = read_cache(project.root / CACHE_FILE)
    paper = cache["pubmed:29808005"]
    assert paper.found and paper.doi is None and paper.pmcid is None
    work = cache["doi:10.5555/retracted"]
    assert work.retracted and work.notices == () and work.doi == "10.5555/retracted"
    bibtex = crsmap("export", "bibtex")
    assert bibtex.exit_code == 0, bibtex.stderr
    assert "pwned" not in bibtex.output.lower()
    assert bibtex.output.count("@") == 2


def test_identifiers_in_parsed_answers_are_validated():
    summary = {"title": "T", "articleids": [
        {"idtype": "doi", "value": "10.1000/a b"}, {"idtype": "pmc", "value": "PMC12x"}]}  # fmt: skip
    citation = parse_esummary({"result": {"1": summary}}, ["1"])["1"]
    assert citation.found and (citation.doi, citation.pmcid) == (None, None)
    work = {"message": {"DOI": "10.1000/{x}", "title": ["T"]}}
    assert parse_work(work, "10.1000/real").doi == "10.1000/real"
    records = {"records": [{"pmcid": "PMC1", "pmid": "1 OR 1", "doi": "10.1/{"}]}
    assert parse_idconv(records, ["PMC1"]) == {}
    xml = (b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>\xc2\xb2</PMID>"
           b"</MedlineCitation></PubmedArticle></PubmedArticleSet>")  # fmt: skip
    assert parse_efetch(xml) == {}


def test_pmids_missing_from_efetch_are_asked_again_then_left_unknown(crsmap, project, online):
    pmids = online.add_many_pubmed(4)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    # First answer: 2 of 4; asked again for the other 2: 1 of them; the last one goes to
    # esummary (which would say "not found" of a PMID PubMed does not know), silent too: unknown.
    online.inject("efetch", "partial", times=2)
    online.inject("esummary", "partial")
    result = crsmap("fetch")
    assert result.exit_code == 0, result.stderr
    assert online.ids_requested("efetch") == [pmids, pmids[2:]]
    assert online.ids_requested("esummary") == [pmids[3:]]
    assert "fetched 3, not found 0, unknown 1" in result.output
    cache = read_cache(project.root / CACHE_FILE)
    assert sorted(cache) == [f"pubmed:{p}" for p in pmids[:3]]
    assert all(c.found for c in cache.values())
    audit = json.loads(crsmap("audit", "--format", "json").output)
    rules = {f["rule"] for f in audit["findings"] if f["reference"] == f"pubmed:{pmids[3]}"}
    assert "unfetched-reference" in rules and "reference-not-found" not in rules
    again = crsmap("fetch")
    assert "fetched 1, not found 0, retracted 0, from cache 3" in again.output


def test_a_pmid_missing_once_is_fetched_by_asking_again(crsmap, project, online):
    pmids = online.add_many_pubmed(3)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("efetch", "partial")
    result = crsmap("fetch")
    assert result.exit_code == 0, result.stderr
    assert "fetched 3, not found 0, retracted 0" in result.output
    assert online.count("esummary") == 0 and online.count("efetch") == 2


def test_pmc_ids_missing_from_the_id_converter_answer_are_unknown(crsmap, project, online):
    pmids = online.add_many_pubmed(4)  # even ones have PMC IDs: PMC9000000, PMC9000002
    add_evidence_rows(project, ["pmc:PMC9000000", "pmc:PMC9000002"])
    online.inject("idconv", "partial", times=2)
    result = crsmap("fetch")
    assert result.exit_code == 0, result.stderr
    assert "fetched 1, not found 0, unknown 1" in result.output
    cache = read_cache(project.root / CACHE_FILE)
    assert list(cache) == ["pmc:PMC9000000"] and cache["pmc:PMC9000000"].pmid == pmids[0]


def test_id_converter_error_records_and_silence_differ():
    document = {"records": [{"pmcid": "PMC1", "status": "error", "errmsg": "invalid article id"}]}
    records, answered = parse_idconv_answer(document, ["PMC1", "PMC2"])
    assert records == {} and answered == {"PMC1"}


def test_a_doi_and_a_pmc_id_of_the_same_paper_are_both_resolved(crsmap, project, online):
    online.add_pubmed("34002066", title="Cytokine release syndrome and associated neurotoxicity",
                      authors=[("Morris", "EC")], journal="Nat Rev Immunol", year=2022,
                      pmcid="PMC8127450", doi="10.1038/s41577-021-00547-6")  # fmt: skip
    add_evidence_rows(project, ["pmc:PMC8127450", "doi:10.1038/s41577-021-00547-6"])
    result = crsmap("fetch")
    assert result.exit_code == 0, result.stderr
    assert "fetched 2, not found 0" in result.output
    cache = read_cache(project.root / CACHE_FILE)
    for ref in ("pmc:PMC8127450", "doi:10.1038/s41577-021-00547-6"):
        assert cache[ref].found and cache[ref].pmid == "34002066" and cache[ref].source == "pubmed"
    assert online.count("crossref") == 0 and online.count("efetch") == 1
    assert online.count("esummary") == 0
