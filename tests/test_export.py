"""BibTeX, CSL-JSON and TSV exports, and offline use of the citation cache."""

import json

import bibtexparser

from curation.demo import install_literature_snapshot
from literature.export import citation_keys, to_bibtex
from literature.model import Author, Citation


def test_keys_are_stable_and_clashes_get_suffixes_by_reference_id():
    a = Citation("pubmed:2", authors=(Author("Gödel", "K"),), year=2018)
    b = Citation("pubmed:1", authors=(Author("Godel", "P"),), year=2018)
    c = Citation("doi:10.1/x", authors=(), year=None)
    assert citation_keys([a, b, c]) == {
        "pubmed:1": "Godel2018a",
        "pubmed:2": "Godel2018b",
        "doi:10.1/x": "Anonymousnd",
    }


def test_bibtex_escapes_latex_but_not_identifiers():
    citation = Citation(
        "pubmed:1", title="IL-6 & 50% of β_cells", authors=(Author("Gödel", "K"),), year=2020,
        journal="J Immunol", doi="10.1000/a_b", pmid="1", pmcid="PMC2", pages="731-738", retracted=True,
    )  # fmt: skip
    text = to_bibtex([citation])
    entry = bibtexparser.parse_string(text).entries[0]
    assert entry.key == "Godel2020"
    assert entry["title"] == r"IL-6 \& 50\% of \ensuremath{\beta}\_cells"
    assert entry["author"] == r"G\"odel, K"
    assert (entry["doi"], entry["pmid"], entry["pmcid"]) == ("10.1000/a_b", "1", "PMC2")
    assert entry["pages"] == "731--738"
    assert entry["note"] == "Retracted publication"


def test_export_commands_on_the_demo_snapshot(crsmap, project, tmp_path):
    crsmap("import")
    install_literature_snapshot(project.root)
    bib = crsmap("export", "bibtex")
    assert bib.exit_code == 0, bib.output
    library = bibtexparser.parse_string(bib.output)
    keys = [e.key for e in library.entries]
    assert "Giavridis2018" in keys and "Ropelle2010" in keys
    assert keys == sorted(keys) and library.failed_blocks == []
    target = tmp_path / "refs.json"
    assert crsmap("export", "csl", "-o", str(target)).exit_code == 0
    items = json.loads(target.read_text())
    ropelle = next(i for i in items if i["id"] == "Ropelle2010")
    assert ropelle["PMID"] == "20808781" and ropelle["note"] == "Retracted publication"
    tsv = crsmap("export", "tsv").output.splitlines()
    assert tsv[0].startswith("id\tkey\tstatus\tpmid")
    assert any(
        line.startswith("pubmed:20808781\tRopelle2010\tok") and "\tyes\t" in line for line in tsv
    )
    assert crsmap("export", "bibtex").output == bib.output  # deterministic


def test_fetch_offline_reports_what_is_missing(crsmap, project):
    crsmap("import")
    result = crsmap("fetch", "--offline")
    assert result.exit_code == 0
    assert (
        "fetched 0, not found 0, retracted 0, from cache 0, HTTP requests 0; 12 not in the cache"
        in result.output
    )
    install_literature_snapshot(project.root)
    result = crsmap("fetch", "--offline")
    assert "retracted 1, from cache 12, HTTP requests 0" in result.output
    card = json.loads(crsmap("show", "re16", "--format", "json").output)
    assert card["evidence"][0]["citation"] == "RETRACTED: Ropelle ER et al. 2010 PLoS Biol"


def test_a_corrupt_cache_line_is_reported_with_its_line(crsmap, project):
    (project.root / "literature.jsonl").write_text(
        '{"id": "pubmed:1", "status": "ok", "source": "pubmed"}\n{oops\n'
    )
    result = crsmap("export", "bibtex")
    assert result.exit_code == 2
    assert "literature.jsonl:2: invalid JSON" in result.stderr
