"""One paper, one reference: a DOI that resolves to a recorded PMID counts and is written once."""

import json
import zipfile

import pytest

import literature.http

from .mapfactory import rdf_block, reaction
from .test_rejections import as_command, audit, make_project

PMID = "29808005"
DOI = "10.1038/s41591-018-0041-7"
OTHER = "32826331"


@pytest.fixture
def same_paper(tmp_path, runner, monkeypatch, literature_server):
    """re1 cites Giavridis 2018 as pubmed: (map) and doi: (ledger); re2 as doi: only."""
    monkeypatch.setenv("CRSMAP_EUTILS_URL", literature_server.eutils_url)
    monkeypatch.setenv("CRSMAP_IDCONV_URL", literature_server.idconv_url)
    monkeypatch.setenv("CRSMAP_CROSSREF_URL", literature_server.crossref_url)
    monkeypatch.setattr(literature.http, "BACKOFF_FACTOR", 0.05)
    literature_server.add_pubmed(PMID, title="Monocyte-derived IL-1 and IL-6", doi=DOI, pmcid="PMC6000000",
                                 authors=[("Giavridis", "T")], journal="Nat Med", year=2018)  # fmt: skip
    literature_server.add_pubmed(OTHER, title="IL-6 trans-signalling", authors=[("Kang", "S")],
                                 journal="Nat Commun", year=2020)  # fmt: skip
    xml = "\n".join([
        reaction("re1", ["s1"], ["s2"], rdf=rdf_block("re1", f"urn:miriam:pubmed:{PMID}")),
        reaction("re2", ["s2"], ["s3"], rdf=rdf_block("re2", f"urn:miriam:pubmed:{OTHER}")),
    ])  # fmt: skip
    project, run = make_project(tmp_path, runner, xml)
    assert run("import").exit_code == 0
    assert run("evidence", "add", "re1", f"doi:{DOI}").exit_code == 0
    assert run("evidence", "add", "re2", f"https://doi.org/{DOI}").exit_code == 0
    fetched = run("fetch")
    assert fetched.exit_code == 0 and "fetched 3" in fetched.output, fetched.output
    return project, run


def test_the_audit_names_both_forms_and_the_exact_removal(same_paper):
    _, run = same_paper
    duplicates = [f for f in audit(run) if f["rule"] == "duplicate-evidence"]
    assert duplicates == [{
        "rule": "duplicate-evidence", "severity": "warning", "interaction": "re1", "reference": f"doi:{DOI}",
        "message": f"doi:{DOI} and pubmed:{PMID} are the same paper (PMID {PMID}), both recorded for re1",
        "hint": f'crsmap evidence remove re1 doi:{DOI} --reason "same paper as pubmed:{PMID}"',
    }]  # fmt: skip
    # re1's map annotation names the paper already: no drift asks to annotate the DOI too.
    assert not [f for f in audit(run) if f["rule"] == "map-drift" and f["interaction"] == "re1"]
    fixed = run(*as_command(duplicates[0]["hint"]))
    assert fixed.exit_code == 0, fixed.output
    after = audit(run)
    assert not [f for f in after if f["rule"] == "duplicate-evidence"]
    assert not [f for f in after if f["interaction"] == "re1"], after


def test_listings_count_the_paper_once(same_paper):
    _, run = same_paper
    listed = {
        r["id"]: r for r in json.loads(run("interactions", "list", "--format", "json").output)
    }
    assert listed["re1"]["references"] == [f"pubmed:{PMID}"]
    assert listed["re2"]["references"] == [f"doi:{DOI}", f"pubmed:{OTHER}"]
    table = run("interactions", "list", "--format", "tsv").output.splitlines()
    header = table[0].split("\t")
    counts = {line.split("\t")[0]: line.split("\t")[header.index("evidence")] for line in table[1:]}
    assert counts == {"re1": "1", "re2": "2"}


def test_bibtex_and_csl_write_the_paper_once_with_all_its_identifiers(same_paper):
    _, run = same_paper
    bibtex = run("export", "bibtex").output
    assert bibtex.count("@article") == 2 and "@misc" not in bibtex
    entry = bibtex[bibtex.index("@article{Giavridis2018") :].split("\n}\n")[0]
    assert f"doi = {{{DOI}}}" in entry and f"pmid = {{{PMID}}}" in entry and "PMC6000000" in entry
    items = json.loads(run("export", "csl").output)
    assert sorted(i["id"] for i in items) == ["Giavridis2018", "Kang2020"]


def test_the_report_counts_the_paper_once(same_paper, tmp_path):
    _, run = same_paper
    target = tmp_path / "report.html"
    assert run("report", "--output", str(target)).exit_code == 0
    html = target.read_text()
    # re1: pubmed + doi (one paper); re2: doi (Giavridis) + pubmed (Kang).
    assert "3 evidence records, 2 references." in html


def test_the_bundle_counts_and_cites_the_paper_once_and_verifies(same_paper):
    project, run = same_paper
    released = run("release", "1.0.0", "--allow-warnings")
    assert released.exit_code == 0, released.output
    with zipfile.ZipFile(project.root / "dist" / "mini-map-1.0.0.zip") as bundle:
        bib = bundle.read("mini-map-1.0.0/references.bib").decode()
        table = bundle.read("mini-map-1.0.0/interactions.tsv").decode().splitlines()
    assert bib.count("@article") == 2 and "@misc" not in bib
    header = table[0].split("\t")
    rows = {
        line.split("\t")[0]: dict(zip(header, line.split("\t"), strict=True)) for line in table[1:]
    }
    assert (rows["re1"]["evidence"], rows["re1"]["references"]) == ("1", f"pubmed:{PMID}")
    assert (rows["re2"]["evidence"], rows["re2"]["references"]) == (
        "2",
        f"doi:{DOI},pubmed:{OTHER}",
    )
    verified = run("verify", str(project.root / "dist" / "mini-map-1.0.0.zip"))
    assert verified.exit_code == 0, verified.output
