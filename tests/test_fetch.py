"""`crsmap fetch` against the local fake NCBI and Crossref: batching, politeness, failures."""

import json
import subprocess
from dataclasses import replace

import pytest

import literature.http
from literature.cache import CACHE_FILE, read_cache
from literature.model import Author, Citation, Notice

from .conftest import add_evidence_rows

API_KEY = "SECRET-NCBI-KEY-0123456789"


def test_1600_pmids_take_4_efetch_requests_within_the_rate_limit(crsmap, project, online):
    pmids = online.add_many_pubmed(1600)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    result = crsmap("fetch")
    assert result.exit_code == 0, result.output
    assert online.count("efetch") == 4 and online.count() == 4  # efetch alone: no esummary
    assert [len(ids) for ids in online.ids_requested("efetch")] == [500, 500, 500, 100]
    assert all(r.method == "POST" for r in online.requests)
    assert online.rate_violations == 0
    times = sorted(r.time for r in online.requests if r.endpoint == "efetch")
    # never 4 in a window (arrival times: see the `online` fixture)
    assert all(b - a >= online.rate_window for a, b in zip(times, times[3:], strict=False))
    params = online.requests[0].params
    assert (params["tool"], params["db"], params["retmode"]) == ("crsmap", "pubmed", "xml")
    assert "fetched 1600, not found 0, retracted 0, from cache 0, HTTP requests 4" in result.output
    cache = read_cache(project.root / CACHE_FILE)
    assert len(cache) == 1600 and all(c.found for c in cache.values())
    again = crsmap("fetch")
    assert "from cache 1600, HTTP requests 0" in again.output and online.count() == 4


def _without_fetched(citation: Citation) -> Citation:
    return replace(citation, fetched="")


def test_1000_pmids_take_at_most_5_requests_and_keep_every_field(crsmap, project, online):
    """Issue 17: efetch alone, and the same citations the esummary + efetch path made.

    The expected citations are what crsmap cached for these fake records before, when it
    asked esummary for the metadata and efetch for the notices.
    """
    synthetic = online.add_many_pubmed(997)
    online.add_pubmed(
        "20808781",
        title="IL-6 and IL-10\tanti-inflammatory activity links exercise to hypothalamic insulin.",
        authors=[("Ropelle", "Eduardo R."), ("van der Stegen", "Sjoukje J C"), ("Madonna", "")],
        journal="PLoS Biol", year=2010, volume="8", issue="8", pages="e1000465",
        doi="10.1371/journal.pbio.1000465", pmcid="PMC2930857", retraction_in=["37015095"],
    )  # fmt: skip
    online.add_pubmed(
        "24876563", title="Current concepts in the diagnosis and management of CRS.",
        authors=[("Lee", "Daniel W")], journal="Blood", year=2014, volume="124", issue="2",
        pages="188-95", pubtypes=("Journal Article", "Review"),
        erratum_in=["25000001"], expression_of_concern_in=["25000002"],
    )  # fmt: skip
    references = [f"pubmed:{p}" for p in [*synthetic, "20808781", "24876563", "99999999"]]
    assert len(references) == 1000
    add_evidence_rows(project, references)
    result = crsmap("fetch")
    assert result.exit_code == 0, result.output
    # 2 efetch of 500; the unknown PMID asked again, then of esummary (which says not found)
    assert [len(ids) for ids in online.ids_requested("efetch")] == [500, 500, 1]
    assert online.ids_requested("esummary") == [["99999999"]]
    assert online.count() <= 5 and online.rate_violations == 0
    assert not [r for r in online.requests if r.status != 200]
    assert "fetched 999, not found 1, retracted 1" in result.output
    cache = {ref: _without_fetched(c) for ref, c in read_cache(project.root / CACHE_FILE).items()}
    assert len(cache) == 1000
    expected = [
        Citation(
            id="pubmed:30000000", pmid="30000000", pmcid="PMC9000000",
            doi="10.5555/synthetic.30000000", title="Synthetic study 0 of cytokine release.",
            authors=(Author("Smith", "A"), Author("Chen", "J")), journal="J Synth Biol",
            year=1990, volume="1", issue="1", pages="100-109", pubtypes=("Journal Article",),
        ),
        Citation(
            id="pubmed:30000001", pmid="30000001", doi="10.5555/synthetic.30000001",
            title="Synthetic study 1 of cytokine release.",
            authors=(Author("Okafor", "B"), Author("Novak", "J")), journal="J Synth Biol",
            year=1991, volume="2", issue="2", pages="101-110", pubtypes=("Journal Article",),
        ),
        Citation(
            id="pubmed:20808781", pmid="20808781", pmcid="PMC2930857",
            doi="10.1371/journal.pbio.1000465",
            title="IL-6 and IL-10 anti-inflammatory activity links exercise to hypothalamic insulin.",
            authors=(Author("Ropelle", "ER"), Author("van der Stegen", "SJC"), Author("Madonna", "")),
            journal="PLoS Biol", year=2010, volume="8", issue="8", pages="e1000465",
            pubtypes=("Journal Article", "Retracted Publication"), retracted=True,
            notices=(Notice("retraction", "pubmed:37015095"),),
        ),
        Citation(
            id="pubmed:24876563", pmid="24876563",
            title="Current concepts in the diagnosis and management of CRS.",
            authors=(Author("Lee", "DW"),), journal="Blood", year=2014, volume="124", issue="2",
            pages="188-95", pubtypes=("Journal Article", "Review"),
            notices=(
                Notice("erratum", "pubmed:25000001"),
                Notice("expression-of-concern", "pubmed:25000002"),
            ),
        ),
        Citation(id="pubmed:99999999", status="not-found", pmid="99999999"),
    ]  # fmt: skip
    for citation in expected:
        assert cache[citation.id] == citation
    assert cache["pubmed:20808781"].short() == "RETRACTED: Ropelle ER et al. 2010 PLoS Biol"


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
    # efetch is silent about an unknown PMID: asked again, then esummary says "not found"
    assert online.ids_requested("efetch") == [
        ["20808781", "24876563", "99999999"],
        ["99999999"],
    ]
    assert online.ids_requested("esummary") == [["99999999"]]
    lines = (project.root / CACHE_FILE).read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == sorted(
        json.loads(line)["id"] for line in lines
    )
    assert all(list(json.loads(line)) == sorted(json.loads(line)) for line in lines)


@pytest.mark.parametrize("kind", ["429", "500", "503", "truncated", "drop"])
def test_transient_failures_are_retried(crsmap, project, online, kind):
    pmids = online.add_many_pubmed(3)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("efetch", kind, times=2)
    result = crsmap("fetch")
    assert result.exit_code == 0, result.output
    assert online.count("efetch") == 3 and online.count("esummary") == 0
    assert len(read_cache(project.root / CACHE_FILE)) == 3


def test_retry_after_is_honoured(crsmap, project, online):
    pmids = online.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("efetch", "429", retry_after=2)
    assert crsmap("fetch").exit_code == 0
    first, second = [r for r in online.requests if r.endpoint == "efetch"][:2]
    assert first.status == 429 and second.status == 200
    assert second.time - first.time >= 2.0


def test_a_slow_answer_times_out_and_is_retried(crsmap, project, online, monkeypatch):
    monkeypatch.setenv("CRSMAP_HTTP_TIMEOUT", "0.3")
    pmids = online.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("efetch", "slow", delay=1.0)
    result = crsmap("fetch")
    assert result.exit_code == 0, result.output
    assert len(read_cache(project.root / CACHE_FILE)) == 2


def test_a_failure_in_the_third_batch_keeps_the_first_two_and_exits_3(crsmap, project, online):
    pmids = online.add_many_pubmed(1100)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("efetch", "malformed", after=2)
    result = crsmap("fetch")
    assert result.exit_code == 3
    assert (
        "malformed XML" in result.stderr and "kept 1000 newly fetched reference(s)" in result.stderr
    )
    cache = read_cache(project.root / CACHE_FILE)
    assert len(cache) == 1000
    log = subprocess.run(
        ["git", "log", "--format=%s", "-1"], cwd=project.root, capture_output=True, text=True
    )
    assert log.stdout.startswith("Fetch citation metadata (1000 references cached)")
    resumed = crsmap("fetch")
    assert (
        resumed.exit_code == 0
        and "fetched 100" in resumed.output
        and "from cache 1000" in resumed.output
    )


def test_retries_run_out_with_exit_3(crsmap, project, online):
    pmids = online.add_many_pubmed(2)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("efetch", "500", times=10)
    result = crsmap("fetch")
    assert result.exit_code == 3
    assert "NCBI E-utilities efetch failed: HTTP 500" in result.stderr
    assert online.count("efetch") == literature.http.MAX_ATTEMPTS


def test_the_api_key_is_sent_but_never_written(crsmap, project, online, monkeypatch):
    monkeypatch.setenv("NCBI_API_KEY", API_KEY)
    pmids = online.add_many_pubmed(20)
    add_evidence_rows(project, [f"pubmed:{p}" for p in pmids])
    online.inject("efetch", "500", times=literature.http.MAX_ATTEMPTS)
    failed = crsmap("fetch")
    assert failed.exit_code == 3 and API_KEY not in failed.output + failed.stderr
    assert online.pending_faults() == 0
    ok = crsmap("fetch")
    assert ok.exit_code == 0, ok.output
    assert all(
        r.params.get("api_key") == API_KEY for r in online.requests if r.endpoint == "efetch"
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
    assert online.ids_requested("efetch") == [["29808005"]]
    again = crsmap("fetch", "--only", "re12", "--refresh")
    assert "fetched 1" in again.output and online.count("efetch") == 2
    bad = crsmap("fetch", "--only", "zz:top")
    assert bad.exit_code == 2 and "neither an interaction of the map nor a reference" in bad.stderr
    listing = crsmap("evidence", "list", "re12", "--format", "json").output
    assert json.loads(listing)[0]["citation"] == "Giavridis T 2018 Nat Med"


def test_the_cache_is_read_once_and_merges_what_another_process_wrote(tmp_path, monkeypatch):
    """Issue 17: batches are written from memory (linear CPU), yet never drop another's write."""
    import literature.cache as cache_module

    reads = []
    real_read = cache_module.read_cache
    monkeypatch.setattr(
        cache_module, "read_cache", lambda *a, **k: reads.append(a) or real_read(*a, **k)
    )
    path = tmp_path / CACHE_FILE
    ours = cache_module.Cache(path)
    for start in range(0, 30, 10):
        ours.update(
            Citation(f"pubmed:{n}", pmid=str(n), title=f"T{n}") for n in range(start, start + 10)
        )
    assert len(reads) == 1  # at the start only: the file is not re-read for every batch
    assert path.read_text() == cache_module.render_cache(real_read(path).values())
    theirs = cache_module.Cache(path)  # another process, between two of our batches
    theirs.update([Citation("doi:10.1/theirs", source="crossref", title="Theirs")])
    ours.update([Citation("pubmed:99", pmid="99", title="T99")])
    merged = real_read(path)
    assert "doi:10.1/theirs" in merged and "pubmed:99" in merged and len(merged) == 32
    assert ours.entries == merged
