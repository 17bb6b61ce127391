"""The map model: participants by display name, signatures, references in every encoding."""

from pathlib import Path

import pytest

from curation.celldesigner import display_name, read_map, references_in_text
from curation.errors import InputError

from .mapfactory import document, rdf_block, reaction, species


def write(tmp_path: Path, text: str, name: str = "m.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_signature_is_canonical_and_independent_of_xml_order(tmp_path):
    sp = (
        species("s1", "IL6")
        + species("s2", "IL6R")
        + species("s3", "IL6:IL6R")
        + species("s4", "tocilizumab")
    )
    inhibit = '<celldesigner:modification type="INHIBITION" modifiers="s4" aliases="a4"/>'
    one = read_map(
        write(
            tmp_path,
            document(sp, reaction("re1", ["s1", "s2"], ["s3"], "HETERODIMER_ASSOCIATION", inhibit)),
            "a.xml",
        )
    )
    two = read_map(
        write(
            tmp_path,
            document(sp, reaction("re1", ["s2", "s1"], ["s3"], "HETERODIMER_ASSOCIATION", inhibit)),
            "b.xml",
        )
    )
    signature = one.interactions["re1"].signature
    assert signature == "IL6 + IL6R -> IL6:IL6R [HETERODIMER_ASSOCIATION; INHIBITION: tocilizumab]"
    assert two.interactions["re1"].signature == signature


def test_complex_without_name_is_shown_by_its_members_and_states_are_shown(tmp_path):
    included = (
        '<celldesigner:species id="s10" name="IL6"><celldesigner:annotation>'
        "<celldesigner:complexSpecies>s3</celldesigner:complexSpecies></celldesigner:annotation></celldesigner:species>"
        '<celldesigner:species id="s11" name="IL6R"><celldesigner:annotation>'
        "<celldesigner:complexSpecies>s3</celldesigner:complexSpecies></celldesigner:annotation></celldesigner:species>"
    )
    proteins = (
        '<celldesigner:protein id="pr1" name="STAT3"><celldesigner:listOfModificationResidues>'
        '<celldesigner:modificationResidue id="rs1" name="Y705"/></celldesigner:listOfModificationResidues>'
        "</celldesigner:protein>"
    )
    phospho = (
        "<celldesigner:proteinReference>pr1</celldesigner:proteinReference><celldesigner:state>"
        "<celldesigner:homodimer>2</celldesigner:homodimer><celldesigner:listOfModifications>"
        '<celldesigner:modification residue="rs1" state="phosphorylated"/>'
        "</celldesigner:listOfModifications></celldesigner:state>"
    )
    sp = species("s3", "") + species("s5", "STAT3") + species("s6", "STAT3", phospho)
    xml = document(
        sp, reaction("re1", ["s3"], ["s3"]) + reaction("re2", ["s5"], ["s6"]), included, proteins
    )
    parsed = read_map(write(tmp_path, xml))
    assert parsed.interactions["re1"].reactants[0].name == "IL6:IL6R"
    assert parsed.interactions["re2"].products[0].name == "STAT3{Y705:P}(x2)"


def test_logic_gate_inputs_are_listed_once_with_their_modification(tmp_path):
    sp = species("s1", "A") + species("s2", "B") + species("s3", "E1") + species("s4", "E2")
    mods = (
        '<celldesigner:modification type="BOOLEAN_LOGIC_GATE_AND" modificationType="CATALYSIS" modifiers="s3,s4"/>'
        '<celldesigner:modification type="CATALYSIS" modifiers="s3"/>'
        '<celldesigner:modification type="CATALYSIS" modifiers="s4"/>'
    )
    parsed = read_map(
        write(tmp_path, document(sp, reaction("re1", ["s1"], ["s2"], modifications=mods)))
    )
    assert parsed.interactions["re1"].signature == "A -> B [STATE_TRANSITION; CATALYSIS: E1, E2]"
    assert len(parsed.interactions["re1"].modifiers) == 2


def test_references_in_every_encoding_are_found_normalised_and_deduplicated(tmp_path):
    sp = species("s1", "A") + species("s2", "B")
    rdf = rdf_block(
        "re1",
        "urn:miriam:pubmed:111",
        "https://identifiers.org/pubmed/222",
        "urn:miriam:doi:10.1101%2F2020.03.22.002386",
        "urn:miriam:hgnc:6018",
        qualifier="bqmodel:isDescribedBy",
    )
    notes = "See PMID: 333, PMID??:444 and PMID:111; https://pubmed.ncbi.nlm.nih.gov/555/ doi:10.1038/S41591-018-0041-7."
    xml = document(sp, reaction("re1", ["s1"], ["s2"], rdf=rdf, notes=notes, name="PMID:666"))
    found = read_map(write(tmp_path, xml)).interactions["re1"]
    assert found.references == (
        "doi:10.1038/s41591-018-0041-7",
        "doi:10.1101/2020.03.22.002386",
        "pubmed:111",
        "pubmed:222",
        "pubmed:333",
        "pubmed:444",
        "pubmed:555",
        "pubmed:666",
    )
    assert found.annotated_references == (
        "doi:10.1101/2020.03.22.002386",
        "pubmed:111",
        "pubmed:222",
    )


def test_broken_miriam_pubmed_resources_are_kept_as_invalid(tmp_path):
    sp = species("s1", "A") + species("s2", "B")
    xml = document(
        sp, reaction("re1", ["s1"], ["s2"], rdf=rdf_block("re1", "urn:miriam:pubmed:abc"))
    )
    found = read_map(write(tmp_path, xml)).interactions["re1"]
    assert found.references == ()
    assert found.invalid_references == ("urn:miriam:pubmed:abc",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PMIDs: 12345, 67890", ["pubmed:12345", "pubmed:67890"]),
        ("PMID 190881", ["pubmed:190881"]),
        ("no reference, year 2020", []),
        ("PMC6376281", ["pmc:PMC6376281"]),
        ("https://doi.org/10.1182/blood-2018-10-881722).", ["doi:10.1182/blood-2018-10-881722"]),
    ],
)
def test_text_references(text, expected):
    assert [r.curie for r in references_in_text(text)] == expected


def test_celldesigner_name_codes_are_decoded():
    assert display_name("IFN_minus__gamma__br_receptor") == "IFN-γ receptor"
    assert display_name("IL_minus_1_beta_") == "IL-1β"
    assert display_name("Ca_super_2_plus__endsuper_") == "Ca2+"


def test_several_maps_get_qualified_ids(tmp_path):
    sp = species("s1", "A") + species("s2", "B")
    path = write(tmp_path, document(sp, reaction("re7", ["s1"], ["s2"])), "il6_signalling.xml")
    assert next(iter(read_map(path, qualify=True).interactions.values())).id == "il6_signalling:re7"


def test_no_model_and_wrong_root_are_clear_errors(tmp_path):
    no_model = write(
        tmp_path, '<sbml xmlns="http://www.sbml.org/sbml/level2/version4" level="2" version="4"/>'
    )
    with pytest.raises(InputError, match=r"m\.xml: no <model> element"):
        read_map(no_model)
    html = write(tmp_path, "<html><body/></html>", "h.xml")
    with pytest.raises(InputError, match=r"root element is <html>, expected an SBML"):
        read_map(html)


def test_duplicate_reaction_ids_are_refused_with_the_line(tmp_path):
    sp = species("s1", "A") + species("s2", "B")
    xml = document(sp, reaction("re1", ["s1"], ["s2"]) + "\n" + reaction("re1", ["s2"], ["s1"]))
    with pytest.raises(InputError, match=r"m\.xml:\d+: duplicate reaction id 're1'"):
        read_map(write(tmp_path, xml))
