"""`crsmap fetch` against the local fake NCBI and Crossref: batching, politeness, failures."""

import json
import subprocess

import pytest

import literature.http
from literature.cache import CACHE_FILE, read_cache

from .conftest import add_evidence_rows

API_KEY = "SECRET-NCBI-KEY-0123456789"


def test_450_pmids_take_3_esummary_requests_within_the_rate_limit(crsmap, project, online):
    pmids = online.add_many_pubmed(450)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    result = crsmap("fetch")
    assert result.exit_code == 0, result.output
    assert online.count("esummary") == 3 and online.count("efetch") == 3
    assert [len(ids) for ids in online.ids_requested("esummary")] == [200, 200, 50]
    assert all(r.method == "POST" for r in online.requests)
    assert online.rate_violations == 0
    times = sorted(r.time for r in online.requests if r.endpoint in ("esummary", "efetch"))
    # never 4 in a window (arrival times: see the `online` fixture)
    assert all(b - a >= online.rate_window for a, b in zip(times, times[3:], strict=False))
    params = online.requests[0].params
    assert (params["tool"], params["db"], params["retmode"], params["version"]) == (
        "crsmap",
        "pubmed",
        "json",
        "2.0",
    )
    assert "fetched 450, not found 0, retracted 0, from cache 0, HTTP requests 6" in result.output
    cache = read_cache(project.root / CACHE_FILE)
    assert len(cache) == 450 and all(c.found for c in cache.values())
    again = crsmap("fetch")
    assert "from cache 450, HTTP requests 0" in again.output and online.count("esummary") == 3


def test_retracted_notices_and_unknown_pmids(crsmap, project, online):
    online.add_pubmed(
        "20808781",
        title="IL-6 and IL-10 ...",
        authors=[("Ropelle", "ER")],
        journal="PLoS Biol",
        year=2010,
        retraction_in=["37015095"],
        doi="10.1371/journal.pbio.1000465",
    )
    online.add_pubmed("24876563", title="Current concepts", authors=[("Lee", "DW")], journal="Blood", year=2014,
                      erratum_in=["25000001"], expression_of_concern_in=["25000002"])  # fmt: skip
    add_evidence_rows(project, ["pubmed:20808781", "pubmed:24876563", "pubmed:99999999"])
    result = crsmap("fetch")
    assert result.exit_code == 0, result.output
    assert "fetched 2, not found 1, retracted 1" in result.output
    cache = read_cache(project.root / CACHE_FILE)
    assert cache["pubmed:20808781"].retracted
    assert [(n.type, n.id) for n in cache["pubmed:20808781"].notices] == [
        ("retraction", "pubmed:37015095")
    ]
    assert [(n.type, n.id) for n in cache["pubmed:24876563"].notices] == [
        ("erratum", "pubmed:25000001"),
        ("expression-of-concern", "pubmed:25000002"),
    ]
    assert not cache["pubmed:24876563"].retracted
    assert cache["pubmed:99999999"].status == "not-found"
    lines = (project.root / CACHE_FILE).read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == sorted(
        json.loads(line)["id"] for line in lines
    )
    assert all(list(json.loads(line)) == sorted(json.loads(line)) for line in lines)


@pytest.mark.parametrize("kind", ["429", "500", "503", "truncated", "drop"])
def test_transient_failures_are_retried(crsmap, project, online, kind):
    pmids = online.add_many_pubmed(3)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("esummary", kind, times=2)
    result = crsmap("fetch")
    assert result.exit_code == 0, result.output
    assert online.count("esummary") == 3
    assert len(read_cache(project.root / CACHE_FILE)) == 3


def test_retry_after_is_honoured(crsmap, project, online):
    pmids = online.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("esummary", "429", retry_after=2)
    assert crsmap("fetch").exit_code == 0
    first, second = [r for r in online.requests if r.endpoint == "esummary"][:2]
    assert first.status == 429 and second.status == 200
    assert second.time - first.time >= 2.0


def test_a_slow_answer_times_out_and_is_retried(crsmap, project, online, monkeypatch):
    monkeypatch.setenv("CRSMAP_HTTP_TIMEOUT", "0.3")
    pmids = online.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("esummary", "slow", delay=1.0)
    result = crsmap("fetch")
    assert result.exit_code == 0, result.output
    assert len(read_cache(project.root / CACHE_FILE)) == 2


def test_a_failure_in_the_third_batch_keeps_the_first_two_and_exits_3(crsmap, project, online):
    pmids = online.add_many_pubmed(450)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("esummary", "malformed", after=2)
    result = crsmap("fetch")
    assert result.exit_code == 3
    assert (
        "malformed JSON" in result.stderr and "kept 400 newly fetched reference(s)" in result.stderr
    )
    cache = read_cache(project.root / CACHE_FILE)
    assert len(cache) == 400
    log = subprocess.run(
        ["git", "log", "--format=%s", "-1"], cwd=project.root, capture_output=True, text=True
    )
    assert log.stdout.startswith("Fetch citation metadata (400 references cached)")
    resumed = crsmap("fetch")
    assert (
        resumed.exit_code == 0
        and "fetched 50" in resumed.output
        and "from cache 400" in resumed.output
    )


def test_retries_run_out_with_exit_3(crsmap, project, online):
    pmids = online.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("esummary", "500", times=10)
    result = crsmap("fetch")
    assert result.exit_code == 3
    assert "NCBI E-utilities esummary failed: HTTP 500" in result.stderr
    assert online.count("esummary") == literature.http.MAX_ATTEMPTS


def test_the_api_key_is_sent_but_never_written(crsmap, project, online, monkeypatch):
    monkeypatch.setenv("NCBI_API_KEY", API_KEY)
    pmids = online.add_many_pubmed(20)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("esummary", "500", times=literature.http.MAX_ATTEMPTS)
    failed = crsmap("fetch")
    assert failed.exit_code == 3 and API_KEY not in failed.output + failed.stderr
    assert online.pending_faults() == 0
    ok = crsmap("fetch")
    assert ok.exit_code == 0, ok.output
    assert all(
        r.params.get("api_key") == API_KEY for r in online.requests if r.endpoint == "esummary"
    )
    for path in project.root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            assert API_KEY.encode() not in path.read_bytes(), path
    history = subprocess.run(
        ["git", "log", "-p", "--all"], cwd=project.root, capture_output=True, text=True
    )
    assert API_KEY not in history.stdout


def test_dois_and_pmc_ids(crsmap, project, online):
    online.add_pubmed("34002066", title="Cytokine release syndrome and associated neurotoxicity",
                      authors=[("Morris", "EC")], journal="Nat Rev Immunol", year=2022, pmcid="PMC8127450",
                      doi="10.1038/s41577-021-00547-6")  # fmt: skip
    online.add_crossref("10.1016/s0140-6736(97)11096-0", title="Ileal-lymphoid-nodular hyperplasia",
                        authors=[("Wakefield", "AJ")], journal="The Lancet", year=1998,
                        updated_by=[{"type": "retraction", "DOI": "10.1016/S0140-6736(10)60175-4"}])  # fmt: skip
    add_evidence_rows(project, ["pmc:PMC8127450", "doi:10.1016/s0140-6736(97)11096-0", "doi:10.9999/nowhere",
                                "pmc:PMC1"])  # fmt: skip
    result = crsmap("fetch")
    assert result.exit_code == 0, result.output
    cache = read_cache(project.root / CACHE_FILE)
    assert cache["pmc:PMC8127450"].pmid == "34002066" and cache["pmc:PMC8127450"].source == "pubmed"
    wakefield = cache["doi:10.1016/s0140-6736(97)11096-0"]
    assert wakefield.source == "crossref" and wakefield.retracted
    assert wakefield.notices[0].id == "doi:10.1016/s0140-6736(10)60175-4"
    assert cache["doi:10.9999/nowhere"].status == "not-found"
    assert cache["pmc:PMC1"].status == "not-found"
    assert all(
        "mailto" not in r.params or r.params["mailto"]
        for r in online.requests
        if r.endpoint == "crossref"
    )


def test_only_and_refresh(crsmap, project, online):
    crsmap("import")
    online.add_pubmed("29808005", title="CAR T cell-induced cytokine release syndrome", authors=[("Giavridis", "T")],
                      journal="Nat Med", year=2018)  # fmt: skip
    crsmap("evidence", "add", "re12", "pubmed:29808005")
    result = crsmap("fetch", "--only", "re12")
    assert result.exit_code == 0, result.output
    assert online.ids_requested("esummary") == [["29808005"]]
    again = crsmap("fetch", "--only", "re12", "--refresh")
    assert "fetched 1" in again.output and online.count("esummary") == 2
    bad = crsmap("fetch", "--only", "zz:top")
    assert bad.exit_code == 2 and "neither an interaction of the map nor a reference" in bad.stderr
    listing = crsmap("evidence", "list", "re12", "--format", "json").output
    assert json.loads(listing)[0]["citation"] == "Giavridis T 2018 Nat Med"
