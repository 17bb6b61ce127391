"""Plain SBML maps (Level 2 or 3, no CellDesigner extension): read, annotated, drawn, released."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from cli.main import cli
from curation.annotate import annotate_bytes, verify_annotated
from curation.celldesigner import CD_NS, read_map
from curation.errors import InputError
from curation.report import MapInput, ReportInput, read_layout, render_report
from curation.sbml import (
    MODIFIER_TYPES,
    REACTION_TYPES,
    modifier_type,
    reaction_type,
    sbo_number,
)
from curation.xmlsafe import parse_xml_bytes

from . import mapfactory
from .conftest import CARBERRY, MAP_NAMES_FOR_TESTS, shared_map
from .sbmlfactory import (
    BIOPAX,
    GPML,
    L2V4,
    L3V1,
    SBGN_ML,
    SBML_L1,
    document,
    layout_l2,
    layout_l3,
    rdf,
    reaction,
    species,
)

SVG = "{http://www.w3.org/2000/svg}"
IL6 = (
    species("s1", "IL6")
    + species("s2", "IL6R")
    + species("s3", "IL6:IL6R")
    + species("s4", "tocilizumab")
    + species("s5", "JAK1")
)


def write(tmp_path: Path, text: str, name: str = "plain.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def changed_lines(before: bytes, after: bytes) -> tuple[list[str], list[tuple[str, str]]]:
    """Lines added by ``after``, and (old, new) pairs of lines it changed in place.

    A greedy walk: each old line must reappear in order, or be the next new line with
    attributes added (the metaid annotate must add to a reaction that has none).
    """
    old, new = before.decode().splitlines(), after.decode().splitlines()
    added, changed, i = [], [], 0
    for line in new:
        if i < len(old) and line == old[i]:
            i += 1
        elif i < len(old) and re.sub(r' metaid="[^"]*"', "", line) == old[i]:
            changed.append((old[i], line))
            i += 1
        else:
            added.append(line)
    assert i == len(old), f"line {i + 1} of the original was lost: {old[i]!r}"
    return added, changed


# --- reading -----------------------------------------------------------------------------------


def test_plain_sbml_is_read_by_species_name_with_sbo_types(tmp_path):
    xml = document(
        IL6,
        reaction("r1", ["s2", "s1"], ["s3"], [("s4", 20), ("s5", 13)], sbo=177, name="binding")
        + reaction("r2", ["s3"], [], sbo=179),
    )
    parsed = read_map(write(tmp_path, xml))
    assert parsed.format == "sbml"
    r1, r2 = parsed.interactions["r1"], parsed.interactions["r2"]
    assert r1.signature == (
        "IL6 + IL6R -> IL6:IL6R [HETERODIMER_ASSOCIATION; CATALYSIS: JAK1; INHIBITION: tocilizumab]"
    )
    assert r1.type == "HETERODIMER_ASSOCIATION" and r1.name == "binding"
    assert [(p.role, p.species, p.name) for p in r1.participants[:3]] == [
        ("reactant", "s2", "IL6R"),
        ("reactant", "s1", "IL6"),
        ("product", "s3", "IL6:IL6R"),
    ]
    assert r2.signature == "IL6:IL6R -> ∅ [DEGRADATION]"


def test_unknown_or_absent_sbo_terms_give_neutral_types_never_unknown(tmp_path):
    xml = document(
        IL6,
        reaction("r1", ["s1"], ["s3"], [("s4", None)])
        + reaction("r2", ["s1"], ["s3"], [("s4", 999)], sbo=999)
        + reaction("r3", ["s1"], ["s3"], [("s4", 19)], sbo=167),
    )
    parsed = read_map(write(tmp_path, xml)).interactions
    for rid in ("r1", "r2", "r3"):
        assert parsed[rid].signature == "IL6 -> IL6:IL6R [REACTION; MODIFIER: tocilizumab]"
        assert "UNKNOWN" not in parsed[rid].signature


@pytest.mark.parametrize(
    ("sbo", "expected"),
    [
        (176, "STATE_TRANSITION"),  # biochemical reaction
        (216, "STATE_TRANSITION"),  # phosphorylation
        (177, "HETERODIMER_ASSOCIATION"),  # non-covalent binding
        (180, "DISSOCIATION"),
        (178, "TRUNCATION"),  # cleavage
        (179, "DEGRADATION"),
        (183, "TRANSCRIPTION"),
        (184, "TRANSLATION"),
        (185, "TRANSPORT"),  # translocation reaction
        (655, "TRANSPORT"),  # transport reaction
        (397, "KNOWN_TRANSITION_OMITTED"),  # omitted process
        (396, "UNKNOWN_TRANSITION"),  # uncertain process
        (170, "POSITIVE_INFLUENCE"),  # stimulation
        (169, "NEGATIVE_INFLUENCE"),  # inhibition
    ],
)
def test_reaction_sbo_terms(sbo, expected, tmp_path):
    xml = document(IL6, reaction("r1", ["s1"], ["s3"], sbo=sbo))
    assert read_map(write(tmp_path, xml)).interactions["r1"].type == expected
    assert reaction_type(f"SBO:{sbo:07d}") == expected


@pytest.mark.parametrize(
    ("sbo", "expected"),
    [
        (13, "CATALYSIS"),  # catalyst
        (460, "CATALYSIS"),  # enzymatic catalyst
        (20, "INHIBITION"),  # inhibitor
        (206, "INHIBITION"),  # competitive inhibitor
        (459, "PHYSICAL_STIMULATION"),  # stimulator
        (461, "TRIGGER"),  # essential activator
        (168, "MODULATION"),  # control
        (19, "MODIFIER"),  # modifier: no more than SBML says already
    ],
)
def test_modifier_sbo_terms(sbo, expected, tmp_path):
    xml = document(IL6, reaction("r1", ["s1"], ["s3"], [("s4", sbo)], sbo=176))
    modifier = read_map(write(tmp_path, xml)).interactions["r1"].modifiers[0]
    assert (modifier.name, modifier.modification) == ("tocilizumab", expected)
    assert modifier_type(f"SBO:{sbo:07d}") == expected


def test_the_sbo_tables_use_only_signature_words():
    words = re.compile(r"[A-Z][A-Z_]+")
    assert all(words.fullmatch(v) for v in (*REACTION_TYPES.values(), *MODIFIER_TYPES.values()))
    assert "UNKNOWN" not in set(REACTION_TYPES.values()) | set(MODIFIER_TYPES.values())
    assert reaction_type(None) == "REACTION" and modifier_type("garbage") == "MODIFIER"


def test_references_from_annotation_notes_and_name(tmp_path):
    annotation = rdf(
        "meta_r1",
        "http://identifiers.org/pubmed/29808005",
        "urn:miriam:doi:10.1038%2Fs41591-018-0041-7",
        qualifier="bqmodel:isDescribedBy",
    )
    xml = document(
        IL6,
        reaction(
            "r1",
            ["s1"],
            ["s3"],
            sbo=176,
            metaid="meta_r1",
            annotation=annotation,
            notes="PMID: 30275568, see also PMC6376281",
            name="PMID:31034780",
        ),
    )
    r1 = read_map(write(tmp_path, xml)).interactions["r1"]
    assert r1.references == (
        "doi:10.1038/s41591-018-0041-7",
        "pmc:PMC6376281",
        "pubmed:29808005",
        "pubmed:30275568",
        "pubmed:31034780",
    )
    assert r1.annotated_references == ("doi:10.1038/s41591-018-0041-7", "pubmed:29808005")
    assert r1.metaid == "meta_r1" and r1.type == "STATE_TRANSITION"


def test_level2_sbml_without_celldesigner_and_empty_sets(tmp_path):
    sp = species("s1", "MAVS") + species("s0", "degraded", sbo=291) + species("s9")
    xml = document(
        sp,
        reaction("r1", ["s1"], ["s0"], sbo=179) + reaction("r2", ["s0"], ["s9"]),
        namespace=L2V4,
    )
    parsed = read_map(write(tmp_path, xml), qualify=True)
    assert parsed.format == "sbml"
    assert parsed.interactions["r1"].signature == "MAVS -> ∅ [DEGRADATION]"
    # A species without a name is shown by its id, as in CellDesigner maps.
    assert parsed.interactions["r2"].signature == "∅ -> s9 [REACTION]"
    assert parsed.interactions["r2"].id == "plain:r2"


def test_celldesigner_maps_keep_their_reader_and_signatures(tmp_path):
    sp = mapfactory.species("s1", "A") + mapfactory.species("s2", "B")
    untyped = mapfactory.reaction("re2", ["s1"], ["s2"], type_="")
    xml = mapfactory.document(sp, mapfactory.reaction("re1", ["s1"], ["s2"]) + untyped)
    parsed = read_map(write(tmp_path, xml))
    assert parsed.format == "celldesigner"
    assert parsed.interactions["re1"].signature == "A -> B [STATE_TRANSITION]"
    # Curated CellDesigner signatures must not drift: no SBO fallback there.
    assert parsed.interactions["re2"].signature == "A -> B [UNKNOWN]"


# --- other formats -----------------------------------------------------------------------------

READS = "crsmap reads CellDesigner maps and SBML Level 2 or 3 files"


@pytest.mark.parametrize(
    ("text", "name"),
    [(SBGN_ML, "SBGN-ML"), (GPML, "GPML"), (BIOPAX, "BioPAX"), (SBML_L1, "SBML Level 1")],
)
def test_other_xml_formats_are_refused_by_name(tmp_path, text, name):
    path = write(tmp_path, text, "other.xml")
    with pytest.raises(InputError) as err:
        read_map(path)
    message = str(err.value)
    assert message.startswith(f"{path}: this is {name}")
    assert READS in message and "\n" not in message
    with pytest.raises(InputError, match=f"this is {re.escape(name)}"):
        read_layout(text.encode(), "other.xml")


@pytest.mark.parametrize(("text", "name"), [(SBGN_ML, "SBGN-ML"), (GPML, "GPML")])
def test_init_refuses_sbgn_and_gpml_with_exit_2(runner, tmp_path, text, name):
    path = write(tmp_path, text, "pathway.xml")
    target = tmp_path / "crs"
    result = runner.invoke(cli, ["init", str(target), "--title", "T", "--map", str(path)])
    assert result.exit_code == 2
    assert f"this is {name}" in result.stderr and READS in result.stderr
    assert "Traceback" not in result.output
    assert not target.exists()


def test_sbml_element_outside_the_sbml_namespace_is_named(tmp_path):
    path = write(tmp_path, '<sbml level="3" version="2"><model/></sbml>', "bare.xml")
    with pytest.raises(InputError, match=r"bare\.xml: the <sbml> element is not in an SBML"):
        read_map(path)


# --- annotate ----------------------------------------------------------------------------------


def _annotated(tmp_path, before: bytes, additions: dict[str, list[str]]):
    after = annotate_bytes(before, additions, "plain.xml")
    verify_annotated(
        after, additions, len(read_map(write(tmp_path, before.decode())).interactions), "plain.xml"
    )
    return after, read_map(write(tmp_path, after.decode(), "after.xml")).interactions


def test_annotate_writes_new_lines_into_an_l3_reaction_without_metaid(tmp_path):
    xml = document(
        IL6,
        reaction("r1", ["s1"], ["s3"], sbo=176, notes="PMID: 30275568")
        + reaction("r2", ["s3"], ["s1"], sbo=180),
        namespace=L3V1,
    )
    before = xml.encode()
    after, reread = _annotated(tmp_path, before, {"r1": ["pubmed:30275568"], "r2": ["pubmed:1"]})
    added, changed = changed_lines(before, after)
    assert [new for _, new in changed] == [
        '      <reaction metaid="r1" sboTerm="SBO:0000176" id="r1" reversible="false">',
        '      <reaction metaid="r2" sboTerm="SBO:0000180" id="r2" reversible="false">',
    ]
    # Each new annotation stands on lines of its own, indented like its siblings.
    assert added.count("        <annotation>") == 2 and added.count("        </annotation>") == 2
    assert '                  <rdf:li rdf:resource="urn:miriam:pubmed:30275568"/>' in added
    assert reread["r1"].annotated_references == ("pubmed:30275568",)
    assert reread["r2"].annotated_references == ("pubmed:1",)
    assert reread["r2"].signature == "IL6:IL6R -> IL6 [DISSOCIATION]"
    root = parse_xml_bytes(after, "after.xml").getroot()
    for reaction_el in root.iter("{*}reaction"):
        children = [etree.QName(c).localname for c in reaction_el]
        # SBML's order: notes, annotation, then the lists.
        assert children.index("annotation") < children.index("listOfReactants")
        assert children[: children.index("annotation")] in ([], ["notes"])


def test_annotate_extends_the_rdf_libsbml_wrote_and_keeps_metaids_unique(tmp_path):
    existing = rdf("meta_r1", "http://identifiers.org/pubmed/29808005")
    sp = IL6.replace('<species id="s5"', '<species metaid="r2" id="s5"')
    xml = document(
        sp,
        reaction("r1", ["s1"], ["s3"], metaid="meta_r1", annotation=existing)
        + reaction("r2", ["s3"], ["s1"]),
    )
    before = xml.encode()
    after, reread = _annotated(tmp_path, before, {"r1": ["pubmed:1"], "r2": ["pubmed:2"]})
    added, changed = changed_lines(before, after)
    assert added[0] == '                  <rdf:li rdf:resource="urn:miriam:pubmed:1"/>'
    assert after.count(b"<rdf:Bag>") == 2  # r1's Bag extended, r2's new
    # The species already holds metaid "r2", so r2 gets another one.
    assert [new for _, new in changed] == [
        '      <reaction metaid="crsmap_r2" id="r2" reversible="false">'
    ]
    assert reread["r1"].annotated_references == ("pubmed:1", "pubmed:29808005")
    assert reread["r2"].annotated_references == ("pubmed:2",) and reread["r2"].metaid == "crsmap_r2"


def test_annotate_ignores_reactions_of_package_model_definitions(tmp_path):
    comp = "http://www.sbml.org/sbml/level3/version1/comp/version1"
    submodel = (
        "  </model>\n"
        f'  <comp:listOfModelDefinitions xmlns:comp="{comp}">\n'
        '    <comp:modelDefinition comp:id="sub">\n'
        '      <listOfReactions><reaction metaid="sub_r1" id="r1" reversible="false"/>'
        "</listOfReactions>\n"
        "    </comp:modelDefinition>\n"
        "  </comp:listOfModelDefinitions>\n"
    )
    xml = document(IL6, reaction("r1", ["s1"], ["s3"], metaid="r1")).replace(
        "  </model>\n", submodel
    )
    after, reread = _annotated(tmp_path, xml.encode(), {"r1": ["pubmed:1"]})
    assert reread["r1"].annotated_references == ("pubmed:1",)
    assert b'<reaction metaid="sub_r1" id="r1" reversible="false"/>' in after


# --- layout and report -------------------------------------------------------------------------

LAID_OUT = dict(
    size=(400, 200),
    compartments=[("cg1", "cell", (0, 0, 400, 200))],
    species_glyphs=[
        ("g1", "s1", (10, 20, 60, 30)),
        ("g2", "s2", (10, 120, 60, 30)),
        ("g3", "s3", (300, 70, 80, 30)),
        ("g4", "s4", (160, 150, 80, 30)),
        ("g5", "s5", None),  # no bounding box: not drawn, never placed somewhere
    ],
    reactions=[
        (
            "rg1",
            "r1",
            [("g1", "substrate", "r1_s1"), ("g2", "", "r1_s2"), ("g3", "product", ""),
             ("g4", "inhibitor", ""), ("g5", "activator", "")],
            [(180, 85), (200, 85)],
        ),
        ("rg2", "r2", [], [(10, 190), (50, 190)]),  # no species glyphs: its own line
        ("rg3", "ghost", [("g1", "substrate", "")], None),
    ],
)  # fmt: skip
LAID_OUT_REACTIONS = reaction(
    "r1", ["s1", "s2"], ["s3"], [("s4", 20), ("s5", 461)], sbo=177
) + reaction("r2", ["s3"], [], sbo=179)


@pytest.mark.parametrize("level", [3, 2])
def test_sbml_layout_is_drawn(level):
    if level == 3:
        xml = document(IL6, LAID_OUT_REACTIONS, layout=layout_l3(**LAID_OUT))
    else:
        xml = document(IL6, LAID_OUT_REACTIONS, namespace=L2V4, layout=layout_l2(**LAID_OUT))
    layout = read_layout(xml.encode(), "laid_out.xml")
    assert layout.source == "sbml-layout"
    assert (layout.width, layout.height) == (400, 200)
    assert [(c.id, c.label) for c in layout.compartments] == [("cg1", "cell")]
    assert [(b.id, b.label, b.parent) for b in layout.species] == [
        ("g1", "IL6", "cg1"),
        ("g2", "IL6R", "cg1"),
        ("g3", "IL6:IL6R", "cg1"),
        ("g4", "tocilizumab", "cg1"),
    ]
    r1 = layout.reactions["r1"]
    # g2 has no role: its species reference names it a reactant of r1.
    assert (r1.reactants, r1.products, r1.modifiers) == (("g1", "g2"), ("g3",), ("g4", "g5"))
    assert r1.centre == (190, 85)  # the middle of the reaction glyph's own line
    assert r1.path == ((40, 35), (190, 85), (40, 135), (190, 85), (340, 85), (190, 85), (200, 165))
    assert layout.reactions["r2"].path == ((10, 190), (50, 190))
    assert "ghost" in layout.reactions  # drawn as laid out, even for a reaction not in the model


def test_sbml_without_layout_has_none_and_celldesigner_maps_keep_theirs():
    layout = read_layout(document(IL6, LAID_OUT_REACTIONS).encode(), "plain.xml")
    assert layout.source == "" and not layout.reactions and not layout.species
    sp = mapfactory.species("s1", "A")
    assert read_layout(mapfactory.document(sp, "").encode(), "cd.xml").source == "celldesigner"


def _report(tmp_path, xml: str) -> str:
    path = write(tmp_path, xml, "plain.xml")
    model = read_map(path, layout=True)
    return render_report(
        ReportInput(
            title="Plain", version=None, date="2025-06-01",
            maps=(MapInput("maps/plain.xml", model),),
            evidence=(), rows=(), citations={}, findings=(), releases=(),
            curators={CARBERRY: "Josiah Carberry"},
        )
    )  # fmt: skip


def test_the_report_draws_an_sbml_layout(tmp_path):
    html = _report(tmp_path, document(IL6, LAID_OUT_REACTIONS, layout=layout_l3(**LAID_OUT)))
    root = etree.fromstring(html.encode())
    assert len(root.findall(f".//{SVG}svg[@class='map']")) == 1
    drawn = {
        g.get("data-id"): g.find(f"{SVG}path") is not None
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "interaction"
    }
    assert drawn == {"r1": True, "r2": True}
    assert "no layout in this file" not in html


def test_the_report_says_when_a_file_has_no_layout(tmp_path):
    html = _report(tmp_path, document(IL6, LAID_OUT_REACTIONS))
    root = etree.fromstring(html.encode())
    assert root.findall(f".//{SVG}svg[@class='map']") == []
    note = next(e for e in root.iter("{*}div") if e.get("class") == "nolayout")
    text = "".join(note.itertext())
    assert text.startswith("maps/plain.xml: no layout in this file.") and "2 interactions" in text
    assert '"r1":' in html  # the cards are still there, for the search box


# --- real maps, stripped of CellDesigner --------------------------------------------------------


def strip_celldesigner(data: bytes) -> bytes:
    """A real CellDesigner map with every CellDesigner element and attribute taken out."""
    tree = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    for element in list(tree.iter(f"{{{CD_NS}}}*")):
        parent = element.getparent()
        if parent is not None and not parent.tag.startswith(f"{{{CD_NS}}}"):
            parent.remove(element)
    for element in tree.iter():
        for key in [k for k in element.attrib if k.startswith(f"{{{CD_NS}}}")]:
            del element.attrib[key]
    etree.cleanup_namespaces(tree)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("name", MAP_NAMES_FOR_TESTS)
def test_real_maps_without_celldesigner_read_as_plain_sbml(tmp_path, name):
    path = shared_map(name)
    original = read_map(path)
    plain_path = tmp_path / path.name
    plain_path.write_bytes(strip_celldesigner(path.read_bytes()))
    plain = read_map(plain_path)
    assert plain.format == "sbml" and original.format == "celldesigner"
    assert list(plain.interactions) == list(original.interactions)
    sbo_terms = {
        r.get("id"): sbo_number(r.get("sboTerm"))
        for r in etree.parse(str(plain_path)).iter("{*}reaction")
    }
    for reaction_id, interaction in plain.interactions.items():
        before = original.interactions[reaction_id]
        assert interaction.references == before.references, reaction_id
        assert interaction.annotated_references == before.annotated_references
        assert interaction.type and interaction.type != "UNKNOWN"
        assert " -> " in interaction.signature and "[UNKNOWN]" not in interaction.signature
        # Where the map states an SBO term, it means what CellDesigner's type says; SBO's
        # "omitted process" stands in for influences, which SBO has no process term for.
        if sbo_terms[reaction_id] in REACTION_TYPES and sbo_terms[reaction_id] != 397:
            assert interaction.type == before.type, reaction_id
        kinds = {m.species: m.modification for m in before.modifiers}
        for modifier in interaction.modifiers:
            if modifier.modification != "MODIFIER" and modifier.species in kinds:
                assert kinds[modifier.species].removeprefix("UNKNOWN_") == modifier.modification
    assert read_layout(plain_path.read_bytes(), path.name).source == ""


@pytest.mark.parametrize("name", MAP_NAMES_FOR_TESTS)
def test_real_maps_without_celldesigner_are_annotated_line_by_line(tmp_path, name):
    path = shared_map(name)
    before = strip_celldesigner(path.read_bytes())
    # Re-indent as libSBML does, so the insertion is checked line by line.
    tree = etree.fromstring(before)
    etree.indent(tree, space="  ")
    before = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    plain = read_map(write(tmp_path, before.decode(), "plain.xml"))
    assert plain.format == "sbml"
    chosen = list(plain.interactions.values())[:12]
    additions = {i.reaction_id: ["pubmed:99999999"] for i in chosen}
    after = annotate_bytes(before, additions, "plain.xml")
    verify_annotated(after, additions, len(plain.interactions), "plain.xml")
    added, changed = changed_lines(before, after)
    assert changed == []  # CellDesigner gave every reaction a metaid
    assert added and all(line.strip().startswith("<") for line in added)
    reread = read_map(write(tmp_path, after.decode(), "after.xml")).interactions
    for interaction in chosen:
        again = reread[interaction.reaction_id]
        assert set(again.annotated_references) == {
            *interaction.annotated_references,
            "pubmed:99999999",
        }
        assert again.signature == interaction.signature


# --- the whole loop, on a file libSBML wrote ----------------------------------------------------


def _libsbml_map(path: Path, with_layout: bool) -> None:
    """An SBML L3 map written by libSBML: no CellDesigner, SBO terms, PMIDs in notes."""
    libsbml = pytest.importorskip("libsbml", reason="python-libsbml is not installed")
    document_ = libsbml.SBMLDocument(
        libsbml.SBMLNamespaces(3, 1, "layout", 1) if with_layout else libsbml.SBMLNamespaces(3, 2)
    )
    if with_layout:
        document_.setPackageRequired("layout", False)
    model = document_.createModel()
    model.setId("il6")
    compartment = model.createCompartment()
    compartment.setId("cell")
    compartment.setConstant(True)
    for sid, name in (("s1", "IL6"), ("s2", "IL6R"), ("s3", "IL6:IL6R"), ("s4", "tocilizumab")):
        species_ = model.createSpecies()
        species_.setId(sid)
        species_.setName(name)
        species_.setCompartment("cell")
        species_.setHasOnlySubstanceUnits(False)
        species_.setBoundaryCondition(False)
        species_.setConstant(False)
    binding = model.createReaction()
    binding.setId("r1")
    binding.setReversible(False)
    if with_layout:
        binding.setFast(False)
    binding.setSBOTerm(177)
    for sid in ("s1", "s2"):
        reference = binding.createReactant()
        reference.setSpecies(sid)
        reference.setConstant(True)
    product = binding.createProduct()
    product.setSpecies("s3")
    product.setConstant(True)
    drug = binding.createModifier()
    drug.setSpecies("s4")
    drug.setSBOTerm(20)
    binding.setNotes('<body xmlns="http://www.w3.org/1999/xhtml"><p>PMID: 29808005</p></body>')
    if with_layout:
        ns = libsbml.LayoutPkgNamespaces(3, 1, 1)
        layout = model.getPlugin("layout").createLayout()
        layout.setId("L1")
        layout.setDimensions(libsbml.Dimensions(ns, 300, 200))
        for gid, sid, x, y in (("g1", "s1", 10, 10), ("g2", "s2", 10, 120), ("g3", "s3", 220, 70)):
            glyph = layout.createSpeciesGlyph()
            glyph.setId(gid)
            glyph.setSpeciesId(sid)
            glyph.setBoundingBox(libsbml.BoundingBox(ns, f"b{gid}", x, y, 60, 30))
        reaction_glyph = layout.createReactionGlyph()
        reaction_glyph.setId("rg1")
        reaction_glyph.setReactionId("r1")
        for gid, role in (("g1", "substrate"), ("g2", "substrate"), ("g3", "product")):
            reference_glyph = reaction_glyph.createSpeciesReferenceGlyph()
            reference_glyph.setId(f"{gid}_ref")
            reference_glyph.setSpeciesGlyphId(gid)
            reference_glyph.setRole(role)
    assert libsbml.writeSBMLToFile(document_, str(path)) == 1


@pytest.mark.parametrize("with_layout", [False, True], ids=["no-layout", "layout"])
def test_a_libsbml_l3_map_goes_through_the_whole_loop(runner, tmp_path, with_layout):
    libsbml = pytest.importorskip("libsbml", reason="python-libsbml is not installed")
    source = tmp_path / "il6.xml"
    _libsbml_map(source, with_layout)
    root = tmp_path / "crs"

    def crsmap(*args):
        result = runner.invoke(cli, ["--project", str(root), *args])
        assert result.exit_code == 0, result.output + result.stderr
        return result.output

    created = runner.invoke(
        cli,
        ["init", str(root), "--title", "IL-6", "--map", str(source), "--curator-name",
         "Josiah Carberry", "--orcid", CARBERRY, "--email", "j.carberry@example.org"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output + created.stderr
    crsmap("import")
    listing = crsmap("interactions", "list")
    assert "IL6 + IL6R -> IL6:IL6R [HETERODIMER_ASSOCIATION; INHIBITION: tocilizumab]" in listing
    crsmap("evidence", "add", "r1", "pubmed:30275568")
    before = (root / "maps" / "il6.xml").read_bytes()
    crsmap("annotate")
    after = (root / "maps" / "il6.xml").read_bytes()
    added, changed = changed_lines(before, after)
    assert len(changed) == 1 and added[0].strip() == "<annotation>"
    crsmap("release", "1.0.0", "--allow-warnings", "--allow-unfetched")

    (bundle,) = (root / "dist").glob("*-1.0.0.zip")
    with zipfile.ZipFile(bundle) as archive:
        (map_name,) = [n for n in archive.namelist() if n.endswith("/map/il6.xml")]
        released = archive.read(map_name)
        report = archive.read(next(n for n in archive.namelist() if n.endswith("report.html")))
    read = libsbml.readSBMLFromString(released.decode())
    assert read.getNumErrors() == 0, read.getErrorLog().toString()
    read.checkConsistency()
    errors = [
        read.getError(n).getMessage()
        for n in range(read.getNumErrors())
        if read.getError(n).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    assert errors == []
    terms = read.getModel().getReaction("r1").getCVTerms()
    resources = {t.getResourceURI(n) for t in terms for n in range(t.getNumResources())}
    assert resources == {"urn:miriam:pubmed:29808005", "urn:miriam:pubmed:30275568"}
    assert (b"no layout in this file" in report) is not with_layout
    assert (b'class="map"' in report) is with_layout
