"""The HTML evidence report and the layout it draws, on the sample map and real maps."""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from bench.generate_map import generate_map
from curation import audit
from curation.audit import Finding
from curation.celldesigner import CellDesignerMap, Interaction, read_map
from curation.errors import InputError
from curation.ledger import EvidenceRecord, InteractionRecord
from curation.project import Project
from curation.provenance import ReleaseState, ReleaseSummary
from curation.report import (
    STATUSES,
    MapInput,
    ReportInput,
    for_project,
    read_layout,
    render_report,
    status_of,
    write_report,
)
from literature.cache import render_cache
from literature.model import Author, Citation

from .conftest import CARBERRY, SECOND_ORCID, add_evidence_rows, shared_map
from .conftest import MAP_NAMES_FOR_TESTS as MAP_NAMES

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script>"
SAMPLE = resources.files("curation") / "data" / "crs_sample.xml"
SNAPSHOT = resources.files("curation") / "data" / "crs_literature.jsonl"
# What the sample input below makes of each interaction (see sample_input).
EXPECTED_SAMPLE_STATUSES = {
    "re12": "missing",
    "re15": "missing",
    "re18": "missing",
    "re20": "missing",
    "re16": "retracted-or-not-found",  # pubmed:20808781 is retracted in the shipped snapshot
    "re13": "retracted-or-not-found",  # marked not-found below
    "re17": "changed",
    "re14": "reviewed",
    "re1": "reviewed",
}


# --- building inputs (also used by test_report_browser.py) ---------------------------------


def imported_evidence(model: CellDesignerMap, curator: str = CARBERRY) -> list[EvidenceRecord]:
    """The records `crsmap import` would make: one per reference already in the map."""
    return [
        EvidenceRecord(i.id, ref, "ECO:0000269", curator, "2025-01-15", "map")
        for i in model.interactions.values()
        for ref in i.references
    ]


def release_point(
    version: str, date: str, total: int, with_evidence: int, by_curator: dict[str, int]
) -> ReleaseSummary:
    """A release that held ``total`` interactions, ``with_evidence`` of them with evidence."""
    interactions = {
        f"re{n}": (f"A{n} -> B{n}", frozenset({"pubmed:1"} if n < with_evidence else ()), ())
        for n in range(total)
    }
    return ReleaseState(version, set(), interactions, by_curator, date).summary


def sample_input(title: str = "Cytokine Release Syndrome Map", note: str = "") -> ReportInput:
    """The sample map with every status present and a second curator."""
    with resources.as_file(SAMPLE) as path:
        model = read_map(path, layout=True)
    citations = {}
    for line in SNAPSHOT.read_text(encoding="utf-8").splitlines():
        citation = Citation.from_json(json.loads(line))
        citations[citation.id] = citation
    citations["doi:10.1038/s41591-018-0041-7"] = Citation(
        "doi:10.1038/s41591-018-0041-7", status="not-found", source="crossref"
    )
    evidence = imported_evidence(model)
    evidence.append(
        EvidenceRecord(
            "re1", "pubmed:29808005", "ECO:0000269", SECOND_ORCID, "2025-02-01", "manual", note
        )
    )
    citations["pubmed:29808005"] = Citation(
        "pubmed:29808005",
        title="t",
        authors=(Author("Norelli", "M"),),
        year=2018,
        journal="Nat Med",
    )
    rows = (
        InteractionRecord(
            "re1", SECOND_ORCID, "CC-BY-4.0", "", "reviewed", model.interactions["re1"].signature
        ),
        InteractionRecord("re14", CARBERRY, "CC-BY-4.0", "reactome:R-HSA-1", "reviewed", ""),
        InteractionRecord(
            "re17", CARBERRY, "", "", "reviewed", "STAT3 -> STAT3 [STATE_TRANSITION]"
        ),
        InteractionRecord("re2", CARBERRY, "CC-BY-4.0", "", "draft", ""),
    )
    releases = (
        release_point("0.1.0", "2025-01-20", 27, 20, {CARBERRY: 24}),
        release_point("0.2.0", "2025-02-10", 27, 23, {CARBERRY: 24, SECOND_ORCID: 1}),
    )
    findings = (
        Finding(
            "missing-evidence", "error", "re12", None, "no evidence", "crsmap evidence add re12 REF"
        ),
        Finding("retracted", "error", "re16", "pubmed:20808781", f"retracted {HOSTILE}", None),
        Finding(
            "interaction-changed",
            "warning",
            "re17",
            None,
            "signature changed",
            "crsmap interactions set re17",
        ),
    )
    return ReportInput(
        title=title,
        version="0.3.0",
        date="2025-03-01",
        maps=(MapInput("maps/crs_sample.xml", model),),
        evidence=tuple(evidence),
        rows=rows,
        citations=citations,
        findings=findings,
        releases=releases,
        curators={CARBERRY: "Josiah Carberry", SECOND_ORCID: "Ada Lovelace"},
        first_release={"re1": "0.1.0"},
        license="CC-BY-4.0",
    )


def real_input(path: Path, releases: int = 3) -> ReportInput:
    """A report input for a real map: its own references as evidence, a few releases."""
    model = read_map(path, layout=True)
    evidence = imported_evidence(model)
    missing = [i.id for i in model.interactions.values() if not i.references]
    findings = tuple(
        Finding("missing-evidence", "error", i, None, "no evidence", f"crsmap evidence add {i} REF")
        for i in missing
    )
    points = tuple(
        release_point(
            f"1.{n}.0",
            f"2025-0{n + 1}-01",
            len(model.interactions),
            len(evidence) * n // releases,
            {CARBERRY: n},
        )
        for n in range(1, releases + 1)
    )
    return ReportInput(
        title=path.stem, version="2.0.0", date="2025-06-01",
        maps=(MapInput(f"maps/{path.name}", model),),
        evidence=tuple(evidence), rows=(), citations={}, findings=findings,
        releases=points, curators={CARBERRY: "Josiah Carberry"},
    )  # fmt: skip


def interactions_in(html: str) -> dict[str, str]:
    """data-id -> data-status of every g.interaction, read with a strict XML parser."""
    root = etree.fromstring(html.encode())
    groups = root.iter(SVG + "g")
    found = [
        (g.get("data-id"), g.get("data-status")) for g in groups if g.get("class") == "interaction"
    ]
    assert len(found) == len(dict(found)), "one g.interaction per interaction"
    return dict(found)


def page_data(html: str) -> dict:
    root = lxml.html.document_fromstring(html)
    return json.loads(root.get_element_by_id("crsmap-data").text)


@pytest.fixture(scope="module")
def sample_data() -> ReportInput:
    return sample_input()


@pytest.fixture(scope="module")
def sample_html(sample_data) -> str:
    return render_report(sample_data)


# --- the page --------------------------------------------------------------------------


def test_the_page_is_well_formed_for_html_and_xml_parsers(sample_html):
    assert sample_html.startswith("<!DOCTYPE html>")
    root = etree.fromstring(sample_html.encode())  # strict: polyglot XHTML
    assert root.tag == XHTML + "html"
    svg = root.find(f".//{SVG}svg")
    assert svg is not None and svg.get("viewBox") == "0 0 1600 1200"
    assert etree.fromstring(etree.tostring(svg)).tag == SVG + "svg"
    html_root = lxml.html.document_fromstring(sample_html)
    assert html_root.find(".//title").text.startswith("Cytokine Release Syndrome Map")
    assert len(html_root.xpath("//table[contains(@class, 'sortable')]//tbody/tr")) == 3


def test_one_group_per_interaction_with_the_right_status(sample_data, sample_html):
    statuses = interactions_in(sample_html)
    model = sample_data.maps[0].model
    assert list(statuses) == list(model.interactions)  # natural order, every one once
    for interaction, status in EXPECTED_SAMPLE_STATUSES.items():
        assert statuses[interaction] == status, interaction
    assert {s.code for s in STATUSES} == set(statuses.values())
    assert statuses["re2"] == "draft"
    assert [s.code for s in STATUSES] == [
        "retracted-or-not-found",
        "missing",
        "changed",
        "reviewed",
        "draft",
    ]


def test_the_legend_counts_each_status(sample_html):
    statuses = list(interactions_in(sample_html).values())
    root = lxml.html.document_fromstring(sample_html)
    for status in STATUSES:
        label = root.xpath(f"//div[@id='legend']//input[@data-status='{status.code}']/..")[0]
        assert label.find("b").text == str(statuses.count(status.code))
        assert status.label in label.text_content()


def test_status_of_takes_the_worst_status():
    interaction = Interaction("re1", "re1", "m", "", "STATE_TRANSITION", (), (), (), (), ())
    record = EvidenceRecord("re1", "pubmed:1", "ECO:0000269", CARBERRY, "2025-01-01", "manual")
    reviewed = InteractionRecord("re1", status="reviewed", signature=interaction.signature)
    changed = InteractionRecord("re1", status="reviewed", signature="A -> B [STATE_TRANSITION]")
    gone = {"pubmed:1": Citation("pubmed:1", status="not-found")}
    retracted = {"pubmed:1": Citation("pubmed:1", retracted=True)}
    assert status_of(interaction, [], changed, retracted) == "missing"
    assert status_of(interaction, [record], changed, retracted) == "retracted-or-not-found"
    assert status_of(interaction, [record], None, gone) == "retracted-or-not-found"
    assert status_of(interaction, [record], changed, {}) == "changed"
    assert status_of(interaction, [record], reviewed, {}) == "reviewed"
    assert status_of(interaction, [record], None, {}) == "draft"
    assert status_of(interaction, [record], InteractionRecord("re1"), {}) == "draft"
    # A ledger may spell a reference PMID:1; the citation is still found by its CURIE.
    spelled = EvidenceRecord("re1", "PMID:1", "ECO:0000269", CARBERRY, "2025-01-01", "manual")
    assert status_of(interaction, [spelled], None, retracted) == "retracted-or-not-found"


def test_cards_carry_what_the_side_panel_shows(sample_html):
    data = page_data(sample_html)
    re16 = data["cards"]["re16"]
    assert re16["st"] == "retracted-or-not-found" and re16["refs"][0]["flag"] == "retracted"
    assert re16["refs"][0]["cite"] == "Ropelle ER et al. 2010 PLoS Biol"
    assert data["cards"]["re13"]["refs"][0]["flag"] == "not-found"
    re1 = data["cards"]["re1"]
    assert re1["cur"] == SECOND_ORCID and data["curators"][SECOND_ORCID] == "Ada Lovelace"
    assert re1["first"] == "0.1.0" and re1["lic"] == "CC-BY-4.0"
    assert data["maps"][re1["map"]] == "maps/crs_sample.xml"
    assert [r["ref"] for r in re1["refs"]] == ["pubmed:29808005", "pubmed:34002066"]
    assert data["cards"]["re17"]["rec"] == "STAT3 -> STAT3 [STATE_TRANSITION]"
    assert "rec" not in re1 and "refs" in data["cards"]["re12"]
    assert data["cards"]["re14"]["der"] == "reactome:R-HSA-1"


def test_the_page_loads_nothing_from_the_network(sample_html):
    root = etree.fromstring(sample_html.encode())
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        assert name not in ("link", "img", "iframe", "object", "embed", "base")
        for attribute in ("src", "href", "{http://www.w3.org/1999/xlink}href", "action"):
            value = element.get(attribute)
            if value is None:
                continue
            assert (attribute == "href" and name == "a") or not re.match(r"\s*(https?:)?//", value)
        if name == "script":
            assert element.get("src") is None
    lowered = sample_html.lower()
    assert "@import" not in lowered and "url(" not in lowered
    assert not re.search(r"(?:src|srcset|poster|data)\s*=\s*[\"']?\s*(?:https?:)?//", lowered)
    assert not re.search(r"fetch\(|xmlhttprequest|new\s+image|sendbeacon", lowered)


def test_the_page_is_deterministic():
    first = render_report(sample_input())
    again = sample_input()
    # The same content, assembled in another order, gives the same page.
    shuffled = ReportInput(
        **{
            **again.__dict__,
            "citations": dict(reversed(list(again.citations.items()))),
            "curators": dict(reversed(list(again.curators.items()))),
            "evidence": tuple(reversed(again.evidence)),
            "findings": tuple(reversed(again.findings)),
        }
    )
    assert render_report(shuffled) == first == render_report(sample_input())
    assert "2025-03-01" in first and not re.search(r"20\d\d-\d\d-\d\dT\d\d:", first)


def test_hostile_text_is_escaped_everywhere():
    data = sample_input(title=HOSTILE, note=f'{HOSTILE} "quoted" & <b>bold</b>')
    data.curators[SECOND_ORCID] = f"Eve {HOSTILE}"
    html = render_report(data)
    assert HOSTILE not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    root = lxml.html.document_fromstring(html)
    assert root.find(".//title").text.startswith(HOSTILE)  # shown as text, not run
    assert root.find(".//h1").text == HOSTILE
    scripts = root.xpath("//script[not(@type)]")
    assert len(scripts) == 1  # only the page's own script
    cards = page_data(html)["cards"]
    assert any(r.get("note", "").startswith(HOSTILE) for r in cards["re1"]["refs"])
    etree.fromstring(html.encode())


def test_hostile_ids_are_escaped_in_attributes(sample_data):
    odd = '"><script>alert(1)</script><g x="'
    model = CellDesignerMap(
        path=Path("odd.xml"),
        model_id="odd",
        interactions={odd: Interaction(odd, odd, "odd", "", "TRANSPORT", (), (), (), (), ())},
        layout=sample_data.maps[0].model.layout,
    )
    data = ReportInput(
        title="t", version=None, date="2025-01-01",
        maps=(MapInput('odd "map".xml', model),),
        evidence=(), rows=(), citations={}, findings=(
            Finding("unknown-interaction", "error", odd, odd, odd, odd),
        ), releases=(), curators={},
    )  # fmt: skip
    html = render_report(data)
    assert "<script>alert" not in html
    assert interactions_in(html) == {odd: "missing"}  # the id survives intact, as text
    root = lxml.html.document_fromstring(html)
    assert root.xpath("//a[@data-select]")[0].get("data-select") == odd


def test_coverage_by_map_and_by_type(sample_html):
    root = lxml.html.document_fromstring(sample_html)
    by_map, by_type = root.xpath("//section[@id='coverage']//table")
    cells = [c.text_content().strip() for c in by_map.xpath(".//tbody/tr[1]/td")]
    assert cells[:3] == ["maps/crs_sample.xml", "27", "23"]
    assert cells[3].startswith("85.2%")
    types = {
        tr[0].text_content(): [c.text_content().strip() for c in tr[1:3]]
        for tr in by_type.xpath(".//tbody/tr")
    }
    assert types["HETERODIMER_ASSOCIATION"] == ["5", "4"]  # re12 has no evidence
    assert types["TRANSLATION"] == ["1", "0"]
    assert sum(int(v[0]) for v in types.values()) == 27


def test_findings_are_a_sortable_table_worst_first(sample_html):
    root = lxml.html.document_fromstring(sample_html)
    table = root.get_element_by_id("findings")
    assert "sortable" in table.get("class")
    rows = [[c.text_content() for c in tr] for tr in table.xpath(".//tbody/tr")]
    assert [r[0] for r in rows] == ["error", "error", "warning"]
    assert [r[2] for r in rows] == ["re12", "re16", "re17"]
    assert rows[1][4] == f"retracted {HOSTILE}"


def test_curators_and_releases(sample_html):
    root = lxml.html.document_fromstring(sample_html)
    section = root.get_element_by_id("curators")
    first = [c.text_content() for c in section.xpath(".//table[1]/tbody/tr[1]/td")]
    assert first[0] == f"Josiah Carberry {CARBERRY}" and first[1:3] == ["24", "23"]
    assert section.xpath(f".//a[@href='https://orcid.org/{SECOND_ORCID}']")
    per_release = section.xpath(".//table[2]")[0]
    assert [th.text for th in per_release.xpath(".//th")] == ["Curator", "0.1.0", "0.2.0"]
    history = root.get_element_by_id("history")
    chart = history.xpath(".//*[local-name()='svg']")[0]
    assert len(chart.xpath(".//*[local-name()='rect'][@class='bar']")) == 2
    assert "85.2%" in history.text_content()


@pytest.mark.parametrize("count", [0, 1])
def test_zero_or_one_release_render_gracefully(sample_data, count):
    data = ReportInput(**{**sample_data.__dict__, "releases": sample_data.releases[:count]})
    root = lxml.html.document_fromstring(render_report(data))
    history = root.get_element_by_id("history")
    assert len(history.xpath(".//*[local-name()='rect'][@class='bar']")) == count
    assert ("No release yet" in history.text_content()) == (count == 0)
    assert len(root.get_element_by_id("curators").xpath(".//table")) == 1


def test_several_maps_get_one_viewer_each():
    first = sample_input()
    ace2_path = shared_map("c19dm_ACE2")
    with resources.as_file(SAMPLE) as path:
        sample = read_map(path, qualify=True, layout=True)
    ace2 = read_map(ace2_path, qualify=True, layout=True)
    data = ReportInput(
        **{
            **first.__dict__,
            "maps": (
                MapInput("maps/crs_sample.xml", sample),
                MapInput("maps/ace2.xml", ace2),
            ),
        }
    )
    html = render_report(data)
    statuses = interactions_in(html)
    assert len(statuses) == len(sample.interactions) + len(ace2.interactions)
    assert "crs_sample:re1" in statuses and ace2_path.stem + ":re1" in statuses
    assert len(etree.fromstring(html.encode()).findall(f".//{SVG}svg[@class='map']")) == 2


# --- the working tree's report ------------------------------------------------------------


def test_the_audit_and_the_report_agree_on_what_is_retracted(project):
    """One notion of retracted: a found reference flagged retracted; a not-found one never is."""
    cache = [
        Citation("pubmed:1", title="Retracted", year=2001, retracted=True),
        Citation("pubmed:2", status="not-found"),
        # A hand-edited cache may flag a not-found record: still not found, not retracted.
        Citation("pubmed:3", status="not-found", retracted=True),
    ]
    (project.root / "literature.jsonl").write_text(render_cache(cache), encoding="utf-8")
    for interaction, reference in (
        ("re12", "pubmed:1"),
        ("re15", "pubmed:2"),
        ("re18", "pubmed:3"),
    ):
        add_evidence_rows(project, [reference], interaction)
    project = Project.open(project.root)

    findings = audit.run(project, fail_on="never").findings
    html = render_report(for_project(project))
    cards = page_data(html)["cards"]
    flags = {r["ref"]: r["flag"] for card in cards.values() for r in card.get("refs", ())}

    def audited(rule: str) -> set[str]:
        return {f.reference for f in findings if f.rule == rule}

    def flagged(flag: str) -> set[str]:
        return {reference for reference, value in flags.items() if value == flag}

    assert audited("retracted") == flagged("retracted") == {"pubmed:1"}
    assert audited("reference-not-found") == flagged("not-found") == {"pubmed:2", "pubmed:3"}
    assert [c.is_retracted for c in cache] == [True, False, False]
    # The report's worst status covers both, under a name that says so.
    assert {cards[i]["st"] for i in ("re12", "re15", "re18")} == {"retracted-or-not-found"}
    assert interactions_in(html)["re12"] == "retracted-or-not-found"


def test_the_report_parses_each_map_once_for_its_model_and_layout(project, monkeypatch, tmp_path):
    """One parse gives the interactions, the drawing and the audit's model."""
    project = Project.open(project.root)
    parses = []
    parse = etree.fromstring

    def counting(data, *args, **kwargs):
        parses.append(len(data))
        return parse(data, *args, **kwargs)

    monkeypatch.setattr(etree, "fromstring", counting)
    write_report(project, tmp_path / "report.html")
    size = len(SAMPLE.read_bytes())
    assert parses == [size]


# --- the layout ------------------------------------------------------------------------------


def _reactions_with_aliases(data: bytes):
    """Reaction id -> the alias ids its CellDesigner extension connects, found with XPath."""
    tree = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    ends = " | ".join(
        f".//*[local-name()='{tag}']/@alias"
        for tag in ("baseReactant", "baseProduct", "reactantLink", "productLink")
    )
    result = {}
    for reaction in tree.xpath("//*[local-name()='reaction']"):
        aliases = set(reaction.xpath(ends))
        for listed in reaction.xpath(".//*[local-name()='modification']/@aliases"):
            aliases |= {a.strip() for a in listed.split(",")}
        result[reaction.get("id")] = aliases
    return result


@pytest.mark.parametrize("name", MAP_NAMES)
def test_layout_of_real_maps(name):
    path = shared_map(name)
    data = path.read_bytes()
    layout = read_layout(data, path.name)
    assert layout.width > 0 and layout.height > 0
    boxes = {b.id: b for b in layout.compartments + layout.species}
    assert boxes and all(b.w > 0 and b.h > 0 for b in boxes.values())
    assert all(b.parent is None or b.parent in boxes for b in boxes.values())
    assert all(b.label for b in layout.species)
    for reaction, aliases in _reactions_with_aliases(data).items():
        drawn = aliases & boxes.keys()
        if not drawn:
            continue
        geometry = layout.reactions[reaction]
        assert set(geometry.reactants + geometry.products + geometry.modifiers) == aliases
        ends = {boxes[a].centre for a in drawn}
        assert ends <= set(geometry.path), reaction
        if len(ends) > 1:
            assert geometry.drawable, reaction


def test_layout_reads_the_l2v1_acsn_map():
    path = shared_map("acsn_dnarepair")
    layout = read_layout(path.read_bytes(), path.name)
    assert (layout.width, layout.height) == (3072, 4096)
    assert len(layout.reactions) == len(read_map(path).interactions) == 64
    assert any(b.kind == "complex" for b in layout.species)
    members = [b for b in layout.species if b.parent and b.parent.startswith("csa")]
    assert members and all(b.kind == "species" for b in members)


def test_layout_of_the_sample_map():
    with resources.as_file(SAMPLE) as path:
        layout = read_layout(path.read_bytes(), path.name)
    assert (layout.width, layout.height) == (1600, 1200)
    kinds = {b.id: b.kind for b in layout.species}
    assert kinds["csa1"] == "complex" and kinds["sa3"] == "species"
    complex_ = next(b for b in layout.species if b.id == "csa1")
    assert complex_.label == "CAR:CD19" and complex_.parent == "ca2"
    assert next(b for b in layout.species if b.id == "sa3").parent == "csa1"
    assert [b.kind for b in layout.species].index("species") > max(
        i for i, b in enumerate(layout.species) if b.kind == "complex"
    )  # complexes are drawn first
    re1 = layout.reactions["re1"]
    assert re1.reactants == ("sa2", "sa1") and re1.products == ("csa1",)
    assert re1.centre == pytest.approx(((360 + 190 + 375) / 3, (100 + 220 + 250) / 3), abs=0.01)


def test_layout_skips_what_it_cannot_place():
    cd = 'xmlns:celldesigner="http://www.sbml.org/2001/ns/celldesigner"'
    xml = f"""<sbml xmlns="http://www.sbml.org/sbml/level2/version4" {cd} level="2" version="4">
<model id="m"><annotation><celldesigner:extension>
<celldesigner:listOfSpeciesAliases>
<celldesigner:speciesAlias id="a" species="s1"><celldesigner:bounds x="10" y="10" w="20" h="20"/></celldesigner:speciesAlias>
<celldesigner:speciesAlias id="b" species="s2"><celldesigner:bounds x="100" y="50" w="40" h="20"/></celldesigner:speciesAlias>
<celldesigner:speciesAlias id="nobounds" species="s1"/>
<celldesigner:speciesAlias id="flat" species="s1"><celldesigner:bounds x="1" y="1" w="0" h="5"/></celldesigner:speciesAlias>
<celldesigner:speciesAlias id="nan" species="s1"><celldesigner:bounds x="nan" y="1" w="5" h="5"/></celldesigner:speciesAlias>
</celldesigner:listOfSpeciesAliases></celldesigner:extension></annotation>
<listOfSpecies><species id="s1" name="IL_alpha_"/><species id="s2" name="B"/></listOfSpecies>
<listOfReactions>
<reaction id="r1"><annotation><celldesigner:extension>
<celldesigner:baseReactants><celldesigner:baseReactant species="s1" alias="a"/></celldesigner:baseReactants>
<celldesigner:baseProducts><celldesigner:baseProduct species="s2" alias="b"/></celldesigner:baseProducts>
<celldesigner:listOfModification><celldesigner:modification type="CATALYSIS" modifiers="s1" aliases="ghost, a"/></celldesigner:listOfModification>
</celldesigner:extension></annotation></reaction>
<reaction id="r2"><annotation><celldesigner:extension>
<celldesigner:baseReactants><celldesigner:baseReactant species="s1" alias="ghost"/></celldesigner:baseReactants>
</celldesigner:extension></annotation></reaction>
<reaction id="r3"/>
</listOfReactions></model></sbml>"""
    layout = read_layout(xml.encode(), "tiny.xml")
    assert [b.id for b in layout.species] == ["a", "b"]
    assert layout.species[0].label == "ILα"
    assert (layout.width, layout.height) == (160, 90)  # no modelDisplay: the boxes' extent
    r1 = layout.reactions["r1"]
    assert r1.modifiers == ("ghost", "a") and r1.centre == (70, 40)
    assert r1.path == ((20, 20), (70, 40), (120, 60), (70, 40), (20, 20))
    assert not layout.reactions["r2"].path and not layout.reactions["r2"].drawable
    assert "r3" not in layout.reactions


def test_layout_refuses_what_is_not_a_map():
    with pytest.raises(InputError, match=r"tiny\.xml"):
        read_layout(b"<html/>", "tiny.xml")
    with pytest.raises(InputError, match="malformed XML"):
        read_layout(b"<sbml", "broken.xml")


# --- scale -----------------------------------------------------------------------------------


def python_calls_to_render(data: ReportInput) -> int:
    """How many Python function calls rendering ``data`` makes: work, not wall-clock time."""
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        render_report(data)
    finally:
        sys.setprofile(None)
    return calls


def test_rendering_work_grows_linearly_with_the_map(tmp_path):
    # "Fast" as a property of the code, not of the machine (timings live in bench/):
    # four times the reactions take about four times the calls; quadratic work takes 16.
    small = real_input(generate_map(200, tmp_path / "small.xml", seed=0))
    large = real_input(generate_map(800, tmp_path / "large.xml", seed=0))
    ratio = python_calls_to_render(large) / python_calls_to_render(small)
    assert 3.5 < ratio < 4.6, f"{ratio:.2f}x the calls for 4x the reactions"


def test_the_largest_real_map_renders_lean():
    path = shared_map("c19dm_PAMP")
    data = real_input(path)
    html = render_report(data)
    size = len(html.encode())
    print(f"\n{path.name}: {len(data.maps[0].model.interactions)} interactions, "
          f"{size / 1024:.0f} KiB")  # fmt: skip
    assert size < 2_000_000
    statuses = interactions_in(html)
    assert len(statuses) == 1613
    assert ' style="' not in html  # classes only: the SVG stays lean
