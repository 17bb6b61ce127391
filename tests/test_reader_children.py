"""The map reader finds a reaction's and a species' parts as find() and iterfind() did.

The reader reads children by a loop over their tags (lxml's find() costs more); these
documents hold what a loop could get wrong: repeated elements, comments between them,
CellDesigner elements without their extension wrapper, a second state or class.
"""

from pathlib import Path

from curation.celldesigner import EMPTY_SET, Participant, read_map

from .mapfactory import CD, L2V4, RDF_DECL, document, species

PMID_RDF = (
    f'<rdf:RDF {RDF_DECL}><rdf:Description rdf:about="#x"><bqbiol:isDescribedBy><rdf:Bag>'
    '<rdf:li rdf:resource="urn:miriam:pubmed:{}"/></rdf:Bag></bqbiol:isDescribedBy>'
    "</rdf:Description></rdf:RDF>"
)
SPECIES = (
    species("s1", "A")
    + species("s2", "B")
    + species("s3", "C")
    + species("s4", "D")
    + species("s5", "E")
    + species("s6", "F")
)


def read(tmp_path: Path, text: str):
    path = tmp_path / "m.xml"
    path.write_text(text, encoding="utf-8")
    return read_map(path).interactions


def names(parts) -> list[tuple[str, str, str]]:
    return [(p.species, p.name, p.modification) for p in parts]


def test_the_first_of_each_child_counts_and_every_list_of_modifiers(tmp_path):
    reaction = (
        '<reaction id="re1" name="R PMID:11111111"><!-- a comment first -->'
        "<notes><html xmlns='http://www.w3.org/1999/xhtml'><body>PMID:22222222</body></html></notes>"
        "<notes><html xmlns='http://www.w3.org/1999/xhtml'><body>PMID:99999991</body></html></notes>"
        "<annotation><celldesigner:extension>"
        "<celldesigner:reactionType> STATE_TRANSITION </celldesigner:reactionType>"
        "<celldesigner:reactionType>TRANSPORT</celldesigner:reactionType>"
        "<celldesigner:baseReactants><celldesigner:baseReactant species='s6'/></celldesigner:baseReactants>"
        + PMID_RDF.format(33333333)  # RDF inside the extension counts too
        + "</celldesigner:extension>"
        + PMID_RDF.format(44444444)
        + "</annotation>"
        # A second annotation is not the reaction's annotation: its RDF is not read.
        + "<annotation>"
        + PMID_RDF.format(99999992)
        + "</annotation>"
        "<listOfReactants><speciesReference species='s1'/><!-- c -->"
        "<speciesReference species='s2'/></listOfReactants>"
        "<listOfReactants><speciesReference species='s5'/></listOfReactants>"
        # A species reference's annotation is not the reaction's: its RDF is not read.
        "<listOfProducts><speciesReference species='s3'><annotation>"
        + PMID_RDF.format(99999993)
        + "</annotation></speciesReference></listOfProducts>"
        # No CellDesigner modification: every SBML list of modifiers counts, once per species.
        "<listOfModifiers><modifierSpeciesReference species='s4'/></listOfModifiers>"
        "<listOfModifiers><modifierSpeciesReference species='s5'/>"
        "<modifierSpeciesReference species='s4'/></listOfModifiers>"
        "</reaction>"
    )
    interaction = read(tmp_path, document(SPECIES, reaction))["re1"]
    assert interaction.type == "STATE_TRANSITION"
    assert interaction.reactants == (
        Participant("reactant", "s1", "A"),
        Participant("reactant", "s2", "B"),
    )
    assert names(interaction.products) == [("s3", "C", "")]
    assert names(interaction.modifiers) == [("s4", "D", "MODIFIER"), ("s5", "E", "MODIFIER")]
    assert interaction.references == (
        "pubmed:11111111",
        "pubmed:22222222",
        "pubmed:33333333",
        "pubmed:44444444",
    )
    assert interaction.annotated_references == ("pubmed:33333333", "pubmed:44444444")
    assert interaction.signature == "A + B -> C [STATE_TRANSITION; MODIFIER: D, E]"


def test_base_reactants_and_modifications_from_every_list_of_the_extension(tmp_path):
    reaction = (
        '<reaction id="re1"><annotation><celldesigner:extension>'
        "<celldesigner:reactionType>TRANSPORT</celldesigner:reactionType>"
        "<celldesigner:baseReactants><celldesigner:baseReactant species='s1'/></celldesigner:baseReactants>"
        "<celldesigner:baseReactants><celldesigner:baseReactant species='s2'/></celldesigner:baseReactants>"
        "<celldesigner:baseProducts><celldesigner:baseProduct species='s3'/></celldesigner:baseProducts>"
        "<celldesigner:listOfModification>"
        "<celldesigner:modification type='CATALYSIS' modifiers='s4'/></celldesigner:listOfModification>"
        "<celldesigner:listOfModification>"
        "<celldesigner:modification type='INHIBITION' modifiers='s5'/></celldesigner:listOfModification>"
        "</celldesigner:extension></annotation>"
        # CellDesigner modifications are listed: the SBML modifiers are not read.
        "<listOfModifiers><modifierSpeciesReference species='s6'/></listOfModifiers>"
        "</reaction>"
    )
    interaction = read(tmp_path, document(SPECIES, reaction))["re1"]
    assert names(interaction.reactants) == [("s1", "A", ""), ("s2", "B", "")]
    assert names(interaction.products) == [("s3", "C", "")]
    assert names(interaction.modifiers) == [("s4", "D", "CATALYSIS"), ("s5", "E", "INHIBITION")]
    assert interaction.signature == "A + B -> C [TRANSPORT; CATALYSIS: D; INHIBITION: E]"


def test_level_2_version_1_extension_elements_directly_under_annotation(tmp_path):
    l2v1 = "http://www.sbml.org/sbml/level2"
    species_xml = (
        '<species id="s1" name="A"><annotation><celldesigner:speciesIdentity>'
        "<celldesigner:class>PROTEIN</celldesigner:class></celldesigner:speciesIdentity>"
        "</annotation></species>"
        '<species id="s2" name="junk"><annotation><celldesigner:speciesIdentity>'
        "<celldesigner:class>DEGRADED</celldesigner:class></celldesigner:speciesIdentity>"
        "</annotation></species>"
    )
    reaction = (
        '<reaction id="re1"><annotation>'
        "<celldesigner:reactionType>DEGRADATION</celldesigner:reactionType>"
        "</annotation><listOfReactants><speciesReference species='s1'/></listOfReactants>"
        "<listOfProducts><speciesReference species='s2'/></listOfProducts></reaction>"
    )
    text = document(species_xml, reaction).replace(L2V4, l2v1).replace('version="4"', 'version="1"')
    interaction = read(tmp_path, text)["re1"]
    assert interaction.type == "DEGRADATION"
    assert interaction.signature == f"A -> {EMPTY_SET} [DEGRADATION]"


def test_a_species_name_takes_the_first_class_state_and_protein_reference(tmp_path):
    proteins = (
        '<celldesigner:protein id="pr1" name="STAT3"><celldesigner:listOfModificationResidues>'
        '<celldesigner:modificationResidue id="rs1" name="Y705"/>'
        "</celldesigner:listOfModificationResidues><celldesigner:listOfModificationResidues>"
        '<celldesigner:modificationResidue id="rs2" name="S727"/>'
        "</celldesigner:listOfModificationResidues></celldesigner:protein>"
    )

    def state(*residues: str) -> str:
        marks = "".join(
            f'<celldesigner:modification residue="{r}" state="phosphorylated"/>' for r in residues
        )
        return (
            "<celldesigner:state><celldesigner:listOfModifications>"
            f"{marks}</celldesigner:listOfModifications></celldesigner:state>"
        )

    identity_parts = (
        "<celldesigner:proteinReference>pr1</celldesigner:proteinReference>"
        "<celldesigner:proteinReference>pr2</celldesigner:proteinReference>"
        f"<!-- c -->{state('rs1', 'rs2')}{state('rs9')}"
        "<celldesigner:class>DEGRADED</celldesigner:class>"  # the second class: not read
    )
    reaction = (
        f'<reaction id="re1"><annotation xmlns:celldesigner="{CD}"><celldesigner:extension>'
        "<celldesigner:reactionType>STATE_TRANSITION</celldesigner:reactionType>"
        "</celldesigner:extension></annotation>"
        "<listOfReactants><speciesReference species='s1'/></listOfReactants>"
        "<listOfProducts><speciesReference species='s2'/></listOfProducts></reaction>"
    )
    interactions = read(
        tmp_path,
        document(
            species("s1", "STAT3") + species("s2", "STAT3", identity_parts),
            reaction,
            proteins=proteins,
        ),
    )
    assert interactions["re1"].signature == "STAT3 -> STAT3{S727:P,Y705:P} [STATE_TRANSITION]"
