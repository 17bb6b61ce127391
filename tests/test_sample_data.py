"""The shipped sample CRS map is data we curate like code: check its integrity."""

import csv
from importlib import resources

import pytest
from lxml import etree

from curation.celldesigner import CD_NS, read_map

from .conftest import SHARED_DATA

SAMPLE = resources.files("curation") / "data" / "crs_sample.xml"
CD = f"{{{CD_NS}}}"


@pytest.fixture(scope="module")
def sample():
    with resources.as_file(SAMPLE) as path:
        return read_map(path), etree.parse(str(path))


def test_sample_is_a_small_celldesigner_4_map(sample):
    parsed, tree = sample
    assert 20 <= len(parsed.interactions) <= 30
    assert tree.getroot().findtext(f".//{CD}modelVersion") == "4.0"
    assert list(parsed.interactions) == [f"re{n}" for n in range(1, len(parsed.interactions) + 1)]
    assert len({i.signature for i in parsed.interactions.values()}) == len(parsed.interactions)


def test_sample_leaves_four_interactions_without_evidence_on_purpose(sample):
    parsed, _ = sample
    assert [i.id for i in parsed.interactions.values() if not i.references] == [
        "re12",
        "re15",
        "re18",
        "re20",
    ]
    assert "IL1B" in parsed.interactions["re12"].signature  # the quickstart's IL-1 interaction


def test_every_participant_is_drawn(sample):
    _, tree = sample
    root = tree.getroot()
    aliases = {
        a.get("id"): a.get("species")
        for a in root.iter(f"{CD}speciesAlias", f"{CD}complexSpeciesAlias")
        if a.find(f"{CD}bounds") is not None
    }
    for reaction in root.iter("{*}reaction"):
        for ref in reaction.iter(f"{CD}baseReactant", f"{CD}baseProduct"):
            assert aliases.get(ref.get("alias")) == ref.get("species"), (
                reaction.get("id"),
                ref.get("alias"),
            )
        for mod in reaction.iter(f"{CD}modification"):
            for alias, species in zip(
                mod.get("aliases").split(","), mod.get("modifiers").split(","), strict=True
            ):
                assert aliases.get(alias) == species, (reaction.get("id"), alias)


def test_sample_cites_only_verified_crs_papers(sample):
    parsed, _ = sample
    facts = SHARED_DATA / "crs_references.tsv"
    if not facts.exists():
        pytest.skip(f"{facts} not found: the verified reference list lives in ../shared/data")
    with facts.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    known = {f"pubmed:{r['pmid']}" for r in rows} | {
        f"doi:{r['doi'].lower()}" for r in rows if r["doi"]
    }
    cited = {ref for i in parsed.interactions.values() for ref in i.references}
    assert cited <= known, cited - known
    retracted = {f"pubmed:{r['pmid']}" for r in rows if r["status"] == "retracted"}
    carrying = [i.id for i in parsed.interactions.values() if retracted & set(i.references)]
    assert carrying == ["re16"]


def test_literature_snapshot_covers_the_sample_and_matches_the_verified_facts(sample):
    from literature.cache import read_cache

    parsed, _ = sample
    with resources.as_file(resources.files("curation") / "data" / "crs_literature.jsonl") as path:
        snapshot = read_cache(path)
    cited = {ref for i in parsed.interactions.values() for ref in i.references}
    assert cited <= set(snapshot), cited - set(snapshot)
    assert [c.id for c in snapshot.values() if c.retracted] == ["pubmed:20808781"]
    assert snapshot["pubmed:20808781"].notices[0].id == "pubmed:37015095"
    facts = SHARED_DATA / "crs_references.tsv"
    if not facts.exists():
        pytest.skip(f"{facts} not found: the verified reference list lives in ../shared/data")
    with facts.open(encoding="utf-8") as handle:
        rows = {r["pmid"]: r for r in csv.DictReader(handle, delimiter="\t")}
    for citation in snapshot.values():
        row = (
            rows[citation.pmid]
            if citation.pmid
            else next(r for r in rows.values() if r["doi"].lower() == citation.doi)
        )
        assert citation.title == row["title"]
        assert citation.doi == row["doi"].lower()
        assert (citation.year or "") == (int(row["year"]) if row["year"] else "")
        assert citation.journal == row["journal"]
