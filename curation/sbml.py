"""Reading SBML maps without CellDesigner's extension, and telling map formats apart.

MINERVA exports, BioModels files and maps drawn with other editors are SBML Level 2 or 3
without ``<celldesigner:extension>``. Their reactions become interactions in the same
model and signature grammar as CellDesigner maps (:mod:`curation.celldesigner`):
reactants, products and modifiers by species name, references from the reaction's RDF
annotation, notes and name.

What CellDesigner states as a reaction or modification type, plain SBML states (when at
all) as an SBO term, ``sboTerm="SBO:0000177"``. The tables below turn the common terms
into CellDesigner's words, so a signature reads the same whichever editor drew the map.
A reaction without an SBO term, or with one not listed, is a ``REACTION`` and such a
modifier a ``MODIFIER``: neutral words, never a guess and never ``UNKNOWN``.

Other XML that people take for maps (SBGN-ML, GPML, BioPAX, ...) is refused by name.
"""

from __future__ import annotations

import re
from pathlib import Path

from .celldesigner import (
    CD_NS,
    EMPTY_SET,
    CellDesignerMap,
    Interaction,
    Participant,
    add_interaction,
    reaction_references,
)
from .errors import InputError

NEUTRAL_REACTION = "REACTION"
NEUTRAL_MODIFIER = "MODIFIER"

# Reaction SBO terms (names as in the Systems Biology Ontology) and the CellDesigner
# reaction type of the same meaning. A term's children that a map might use are listed
# too: the table is read literally, not walked up the ontology.
REACTION_TYPES: dict[int, str] = {
    176: "STATE_TRANSITION",  # biochemical reaction
    181: "STATE_TRANSITION",  # conformational transition
    182: "STATE_TRANSITION",  # conversion
    210: "STATE_TRANSITION",  # addition of a chemical group
    211: "STATE_TRANSITION",  # removal of a chemical group
    214: "STATE_TRANSITION",  # methylation
    215: "STATE_TRANSITION",  # acetylation
    216: "STATE_TRANSITION",  # phosphorylation
    217: "STATE_TRANSITION",  # glycosylation
    224: "STATE_TRANSITION",  # ubiquitination
    233: "STATE_TRANSITION",  # hydroxylation
    330: "STATE_TRANSITION",  # dephosphorylation
    377: "STATE_TRANSITION",  # isomerisation
    177: "HETERODIMER_ASSOCIATION",  # non-covalent binding
    526: "HETERODIMER_ASSOCIATION",  # protein complex formation
    180: "DISSOCIATION",  # dissociation
    178: "TRUNCATION",  # cleavage
    179: "DEGRADATION",  # degradation (CellDesigner draws it as a transition to ∅)
    183: "TRANSCRIPTION",  # transcription
    184: "TRANSLATION",  # translation
    589: "GENETIC_PRODUCTION",  # genetic production (transcription and/or translation)
    185: "TRANSPORT",  # translocation reaction
    655: "TRANSPORT",  # transport reaction
    654: "TRANSPORT",  # co-transport reaction
    657: "TRANSPORT",  # active transport
    658: "TRANSPORT",  # passive transport
    659: "TRANSPORT",  # symporter-mediated transport
    660: "TRANSPORT",  # antiporter-mediated transport
    205: "KNOWN_TRANSITION_OMITTED",  # composite biochemical process
    397: "KNOWN_TRANSITION_OMITTED",  # omitted process
    396: "UNKNOWN_TRANSITION",  # uncertain process
    # Influences drawn as reactions of their own (CellDesigner's reduced notation).
    168: "REDUCED_MODULATION",  # control
    169: "NEGATIVE_INFLUENCE",  # inhibition
    170: "POSITIVE_INFLUENCE",  # stimulation
    171: "REDUCED_TRIGGER",  # necessary stimulation
    656: "POSITIVE_INFLUENCE",  # activation
}

# Modifier SBO terms (on <modifierSpeciesReference>) and CellDesigner's modification type.
MODIFIER_TYPES: dict[int, str] = {
    13: "CATALYSIS",  # catalyst
    172: "CATALYSIS",  # catalysis
    460: "CATALYSIS",  # enzymatic catalyst
    671: "CATALYSIS",  # non-enzymatic catalyst
    20: "INHIBITION",  # inhibitor
    169: "INHIBITION",  # inhibition
    206: "INHIBITION",  # competitive inhibitor
    207: "INHIBITION",  # non-competitive inhibitor
    407: "INHIBITION",  # absolute inhibition
    536: "INHIBITION",  # partial inhibitor
    537: "INHIBITION",  # complete inhibitor
    638: "INHIBITION",  # irreversible inhibitor
    639: "INHIBITION",  # allosteric inhibitor
    640: "INHIBITION",  # uncompetitive inhibitor
    459: "PHYSICAL_STIMULATION",  # stimulator
    170: "PHYSICAL_STIMULATION",  # stimulation
    21: "PHYSICAL_STIMULATION",  # potentiator
    411: "PHYSICAL_STIMULATION",  # absolute stimulation
    462: "PHYSICAL_STIMULATION",  # non-essential activator
    533: "PHYSICAL_STIMULATION",  # specific activator
    534: "PHYSICAL_STIMULATION",  # catalytic activator
    535: "PHYSICAL_STIMULATION",  # binding activator
    636: "PHYSICAL_STIMULATION",  # allosteric activator
    637: "PHYSICAL_STIMULATION",  # non-allosteric activator
    461: "TRIGGER",  # essential activator
    171: "TRIGGER",  # necessary stimulation
    168: "MODULATION",  # control
    595: "MODULATION",  # dual-activity modifier
    # SBO:0000019 (modifier), 594 (neutral participant) and 596 (modifier of unknown
    # activity) say no more than SBML's <modifierSpeciesReference>: MODIFIER.
}

EMPTY_SET_SBO = 291  # a species standing for "nothing": a source or a degradation product

_SBO = re.compile(r"\s*(?:SBO:)?0*(\d{1,7})\s*")
_SBML_NS = re.compile(r"http://www\.sbml\.org/sbml/level([1-3])(?:/version(\d+))?(?:/core)?")
READS = (
    "crsmap reads CellDesigner maps and SBML Level 2 or 3 files (such as MINERVA or "
    "BioModels exports)"
)


def sbo_number(value: str | None) -> int | None:
    """The number of an ``sboTerm`` attribute (``SBO:0000176`` -> 176), None when absent or bad."""
    match = _SBO.fullmatch(value) if value else None
    return int(match.group(1)) if match else None


def reaction_type(sbo: str | None) -> str:
    """The readable type of a reaction with this ``sboTerm``; ``REACTION`` when not known."""
    return REACTION_TYPES.get(sbo_number(sbo), NEUTRAL_REACTION)


def modifier_type(sbo: str | None) -> str:
    """The modification type of a modifier with this ``sboTerm``; ``MODIFIER`` when not known."""
    return MODIFIER_TYPES.get(sbo_number(sbo), NEUTRAL_MODIFIER)


# --- which format is this? ---------------------------------------------------------------


_CONVERT = "; convert it to SBML first"


def _foreign_format(root) -> tuple[str, str] | None:
    """The name of a known non-SBML format a document is in, with a hint; else None."""
    tag = root.tag
    namespace = tag[1:].split("}")[0] if tag.startswith("{") else ""
    local = tag.split("}")[-1]
    if namespace.startswith("http://sbgn.org/libsbgn/") or local == "sbgn":
        # MINERVA's API converts SBGN-ML to SBML (api/convert/SBGN-ML:SBML).
        return "SBGN-ML", _CONVERT + " (MINERVA's converter can)"
    if "/GPML/" in namespace or local == "Pathway":
        return "GPML (WikiPathways, PathVisio)", _CONVERT
    if any("biopax.org" in (uri or "") for uri in root.nsmap.values()):
        return "BioPAX", ""
    if namespace.startswith("http://www.cellml.org/"):
        return "CellML", ""
    if namespace.startswith("http://www.cs.rpi.edu/XGMML"):
        return "XGMML (Cytoscape)", ""
    if namespace.startswith("http://graphml.graphdrawing.org/"):
        return "GraphML", ""
    if local == "pathway" and not namespace:
        return "KGML (KEGG)", ""
    return None


def sbml_model(root, label: str) -> tuple[str, object]:
    """The ``{namespace}`` and the ``<model>`` of an SBML Level 2 or 3 document.

    Anything else is refused with an :class:`InputError` that names what the file is
    (SBGN-ML, GPML, SBML Level 1, ...) and what crsmap reads.
    """
    tag = root.tag
    namespace = tag[1:].split("}")[0] if tag.startswith("{") else ""
    local = tag.split("}")[-1]
    level = _SBML_NS.fullmatch(namespace)
    if local == "sbml" and level is None:
        raise InputError(
            f"{label}: the <sbml> element is not in an SBML namespace "
            f"(xmlns={namespace or 'none'!r}); {READS}"
        )
    if local != "sbml":
        known = _foreign_format(root)
        if known:
            raise InputError(
                f"{label}: this is {known[0]}, not SBML (root element <{local}>); {READS}{known[1]}"
            )
        raise InputError(
            f"{label}: root element is <{local}>, expected an SBML <sbml> document; {READS}"
        )
    if level.group(1) == "1":
        raise InputError(
            f"{label}: this is SBML Level 1; {READS}. Convert it to Level 2 or 3 first "
            "(libSBML's SBMLDocument.setLevelAndVersion can)"
        )
    sbml = f"{{{namespace}}}"
    model = root.find(sbml + "model")
    if model is None:
        raise InputError(
            f"{label}: no <model> element; expected a CellDesigner or SBML map with a model"
        )
    return sbml, model


def is_celldesigner(root) -> bool:
    """True when the document carries CellDesigner elements (its extension) anywhere."""
    # CellDesigner writes its model extension first thing, so on its maps this stops
    # at once; on other SBML it is one scan in C.
    return next(root.iter(f"{{{CD_NS}}}*"), None) is not None


# --- the reader ------------------------------------------------------------------------------


def species_names(model, sbml: str) -> dict[str, str]:
    """Species id -> the name shown in signatures: its name, else its id; ∅ for empty sets."""
    names = {}
    for species in model.iterfind(f"{sbml}listOfSpecies/{sbml}species"):
        species_id = species.get("id", "")
        if sbo_number(species.get("sboTerm")) == EMPTY_SET_SBO:
            names[species_id] = EMPTY_SET
        else:
            names[species_id] = " ".join((species.get("name") or "").split()) or species_id
    return names


def read_sbml_model(
    model, sbml: str, path: Path, qualify: bool = False, label: str | None = None
) -> CellDesignerMap:
    """The interactions of an SBML model without CellDesigner's extension."""
    label = label or str(path)
    names = species_names(model, sbml)
    result = CellDesignerMap(path=path, model_id=model.get("id", ""), format="sbml")
    for reaction in model.iterfind(f"{sbml}listOfReactions/{sbml}reaction"):
        add_interaction(result, _read_reaction(reaction, sbml, names, path.stem, qualify), label)
    return result


def _read_reaction(reaction, sbml: str, names: dict[str, str], stem: str, qualify: bool):
    reaction_id = reaction.get("id", "")

    def listed(list_name: str, role: str) -> list[Participant]:
        container = reaction.find(sbml + list_name)
        if container is None:
            return []
        return [
            Participant(role, ref.get("species", ""), _name(names, ref.get("species", "")))
            for ref in container.iterchildren(sbml + "speciesReference")
        ]

    modifiers: dict[tuple[str, str], Participant] = {}
    for ref in reaction.iterfind(f"{sbml}listOfModifiers/{sbml}modifierSpeciesReference"):
        member, kind = ref.get("species", ""), modifier_type(ref.get("sboTerm"))
        modifiers.setdefault(
            (kind, member), Participant("modifier", member, _name(names, member), kind)
        )
    references, annotated, invalid = reaction_references(
        reaction, sbml, reaction.find(sbml + "annotation")
    )
    return Interaction(
        id=f"{stem}:{reaction_id}" if qualify else reaction_id,
        reaction_id=reaction_id,
        map=stem,
        name=" ".join(reaction.get("name", "").split()),
        type=reaction_type(reaction.get("sboTerm")),
        reactants=tuple(listed("listOfReactants", "reactant")),
        products=tuple(listed("listOfProducts", "product")),
        modifiers=tuple(modifiers.values()),
        references=references,
        annotated_references=annotated,
        invalid_references=invalid,
        metaid=reaction.get("metaid", ""),
        line=reaction.sourceline or 0,
    )


def _name(names: dict[str, str], species_id: str) -> str:
    return names.get(species_id) or species_id
