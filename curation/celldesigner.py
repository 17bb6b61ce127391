"""Reading CellDesigner 4.x maps (SBML Level 2) into interactions with their references.

An interaction is an SBML ``<reaction>``. For each one this module derives its type,
its participants by the names CellDesigner shows, a canonical one-line signature and
every literature reference the map already carries, in any of the encodings real maps
use: MIRIAM URNs and identifiers.org URLs under any ``bqbiol:``/``bqmodel:`` qualifier,
``PMID:N`` text and PubMed URLs in notes, DOIs, and PMIDs typed into the reaction name.

SBML files without CellDesigner's extension are read by :mod:`curation.sbml` into the
same model; :func:`map_from_tree` decides which reader a document needs.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .collector import collector_paused
from .errors import InputError
from .identifiers import Reference, names_reference, parse_reference, references_in_text
from .ledger import natural_key

if TYPE_CHECKING:
    from .report.layout import Layout

CD_NS = "http://www.sbml.org/2001/ns/celldesigner"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
BQBIOL_NS = "http://biomodels.net/biology-qualifiers/"
BQMODEL_NS = "http://biomodels.net/model-qualifiers/"
XHTML_NS = "http://www.w3.org/1999/xhtml"
SBML_NS_PREFIX = "http://www.sbml.org/sbml/level"

_CD = f"{{{CD_NS}}}"
EMPTY_SET = "∅"  # how CellDesigner draws degradation and an empty side
_RDF_RESOURCE = f"{{{RDF_NS}}}resource"


class Participant(NamedTuple):
    """A species taking part in a reaction, by the name CellDesigner shows for it.

    A named tuple rather than a dataclass: large maps create tens of thousands of them.
    """

    role: str  # reactant | product | modifier
    species: str  # SBML species id
    name: str
    modification: str = ""  # CATALYSIS, INHIBITION, ... for modifiers


@dataclass(frozen=True)
class Interaction:
    """One SBML reaction of a map, with what crsmap derives from it."""

    id: str  # qualified when the project has several map files
    reaction_id: str
    map: str  # the map file's stem
    name: str
    type: str
    reactants: tuple[Participant, ...]
    products: tuple[Participant, ...]
    modifiers: tuple[Participant, ...]
    references: tuple[str, ...]  # CURIEs found anywhere in the reaction, sorted, unique
    annotated_references: tuple[str, ...]  # the subset present as RDF resources
    invalid_references: tuple[str, ...] = ()  # pubmed/doi resources that do not parse
    metaid: str = ""
    line: int = 0  # where the reaction starts in its file
    signature: str = ""  # filled from the participants when left empty

    def __post_init__(self):
        if not self.signature:
            text = make_signature(self.type, self.reactants, self.products, self.modifiers)
            object.__setattr__(self, "signature", text)

    @property
    def participants(self) -> tuple[Participant, ...]:
        """Reactants, products and modifiers, in that order."""
        return self.reactants + self.products + self.modifiers


@dataclass
class CellDesignerMap:
    """A parsed map file: its interactions in document order, keyed by reaction id.

    ``format`` is ``celldesigner`` for CellDesigner files and ``sbml`` for SBML
    Level 2 or 3 files without CellDesigner's extension (see :mod:`curation.sbml`).
    ``layout`` is the map's drawing (:class:`curation.report.layout.Layout`), read from
    the same parsed document only when the reader is asked for it (the report is).
    """

    path: Path
    model_id: str
    interactions: dict[str, Interaction] = field(default_factory=dict)
    format: str = "celldesigner"
    layout: Layout | None = field(default=None, compare=False, repr=False)

    @property
    def stem(self) -> str:
        """The file name without extension, which qualifies IDs in multi-map projects."""
        return self.path.stem


def make_signature(type_, reactants, products, modifiers) -> str:
    """Canonical one-line text of a reaction, independent of the order in the XML.

    ``IL6 + IL6R -> IL6:IL6R [HETERODIMER_ASSOCIATION]``; modifiers follow the type,
    grouped by modification: ``[STATE_TRANSITION; CATALYSIS: JAK1]``.
    """
    # Built once per reaction read: no function defined per call, and most reactions
    # have no modifier.
    text = f"{_side(reactants)} -> {_side(products)} [{type_ or 'UNKNOWN'}"
    if not modifiers:
        return text + "]"
    groups: dict[str, list[str]] = {}
    for mod in modifiers:
        groups.setdefault(mod.modification or "MODIFIER", []).append(mod.name)
    for kind in sorted(groups):
        text += f"; {kind}: {', '.join(sorted(set(groups[kind])))}"
    return text + "]"


def _side(parts) -> str:
    """One side of a signature: the names sorted, joined by `` + ``; ∅ when empty."""
    names = sorted([p.name for p in parts])
    return " + ".join(names) if names else EMPTY_SET


# --- names as CellDesigner shows them -------------------------------------------------

_GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
]
_NAME_CODES = {
    "_br_": " ",
    "_space_": " ",
    "_plus_": "+",
    "_minus_": "-",
    "_slash_": "/",
    "_underscore_": "_",
    "_sub_": "",
    "_endsub_": "",
    "_super_": "",
    "_endsuper_": "",
}
for _index, _letter in enumerate(_GREEK):
    _NAME_CODES[f"_{_letter}_"] = chr(0x3B1 + _index + (1 if _index >= 17 else 0))
    _NAME_CODES[f"_{_letter.capitalize()}_"] = chr(0x391 + _index + (1 if _index >= 17 else 0))


# Compiled on first use: names are decoded only when a map file is read, and a command that
# takes its map from the map cache (nearly every one) never reads it.
@functools.cache
def _name_code_re() -> re.Pattern:
    return re.compile(
        "|".join(re.escape(code) for code in sorted(_NAME_CODES, key=len, reverse=True))
    )


_STATE_ABBREVIATIONS = {
    "phosphorylated": "P",
    "acetylated": "Ac",
    "ubiquitinated": "Ub",
    "methylated": "Me",
    "hydroxylated": "OH",
    "glycosylated": "G",
    "myristoylated": "My",
    "palmytoylated": "Pa",
    "palmitoylated": "Pa",
    "prenylated": "Pr",
    "protonated": "H",
    "sulfated": "S",
    "don't care": "*",
    "unknown": "?",
}


def display_name(raw: str) -> str:
    """Decode CellDesigner's name escapes (``_alpha_``, ``_br_``, ...) and fold spaces."""
    decoded = _name_code_re().sub(lambda m: _NAME_CODES[m.group(0)], raw or "")
    return " ".join(decoded.split())


# --- references in RDF (every spelling is literature.identifiers.SPELLINGS') -------------


def _resource_reference(resource: str) -> tuple[Reference | None, bool]:
    """Map an RDF resource to a reference; the flag says it named pubmed/doi/pmc but was bad."""
    if not names_reference(resource):
        return None, False
    try:
        return parse_reference(resource.strip()), False
    except InputError:
        return None, True


# --- the reader ------------------------------------------------------------------------


_EXTENSION = _CD + "extension"
_SPECIES_IDENTITY = _CD + "speciesIdentity"
_CLASS = _CD + "class"
_STATE = _CD + "state"
_PROTEIN_REFERENCE = _CD + "proteinReference"


# The reader finds an element's children by a loop over their tags rather than by find():
# find() goes through lxml's ElementPath, which costs several times more than reading the
# tags of the few children these elements have, and a map has thousands of them.
def _child(element, tag: str):
    """The first child of ``element`` with ``tag``, or None: ``element.find(tag)``."""
    for child in element:
        if child.tag == tag:
            return child
    return None


def _cd_ext(annotation):
    """The CellDesigner extension element: wrapped (L2V4) or directly under annotation (L2V1)."""
    if annotation is None:
        return None
    ext = _child(annotation, _EXTENSION)
    return ext if ext is not None else annotation


class _Species:
    """Species names, complexes and states of one model, resolved lazily and cached."""

    def __init__(self, model, sbml):
        self._names: dict[str, str] = {}
        self._raw: dict[str, tuple[str, object]] = {}
        self._members: dict[str, list[str]] = {}
        self._residues: dict[tuple[str, str], str] = {}
        ext = _cd_ext(model.find(sbml + "annotation"))
        if ext is not None:
            for protein in ext.iterfind(f"{_CD}listOfProteins/{_CD}protein"):
                pid = protein.get("id", "")
                # iterfind("listOfModificationResidues/modificationResidue"), without
                # ElementPath: once per protein, and most have no residues.
                for residues in protein.iterchildren(_CD + "listOfModificationResidues"):
                    for residue in residues.iterchildren(_CD + "modificationResidue"):
                        if residue.get("name"):
                            self._residues[(pid, residue.get("id", ""))] = residue.get("name")
            for inc in ext.iterfind(f"{_CD}listOfIncludedSpecies/{_CD}species"):
                annotation = inc.find(_CD + "annotation")
                identity = (
                    annotation.find(_CD + "speciesIdentity") if annotation is not None else None
                )
                self._raw[inc.get("id", "")] = (inc.get("name", ""), identity)
                parent = (
                    annotation.findtext(_CD + "complexSpecies") if annotation is not None else None
                )
                if parent:
                    self._members.setdefault(parent.strip(), []).append(inc.get("id", ""))
        for species in model.iterfind(f"{sbml}listOfSpecies/{sbml}species"):
            ext = _cd_ext(_child(species, sbml + "annotation"))
            identity = _child(ext, _SPECIES_IDENTITY) if ext is not None else None
            name = species.get("name")
            if not name and identity is not None:
                name = identity.findtext(_CD + "name")
            self._raw[species.get("id", "")] = (name or "", identity)

    def name(self, species_id: str, _depth: int = 0) -> str:
        cached = self._names.get(species_id)
        if cached is not None:
            return cached
        raw, identity = self._raw.get(species_id, (species_id, None))
        # The first class, state and proteinReference, as find() would give them.
        parts: dict[str, object] = {}
        if identity is not None:
            for child in identity:
                tag = child.tag
                if tag in (_CLASS, _STATE, _PROTEIN_REFERENCE) and tag not in parts:
                    parts[tag] = child
        kind = parts.get(_CLASS)
        if kind is not None and (kind.text or "").strip() == "DEGRADED":
            self._names[species_id] = EMPTY_SET
            return EMPTY_SET
        name = display_name(raw)
        if not name and species_id in self._members and _depth < 20:
            name = ":".join(
                sorted(
                    (self.name(m, _depth + 1) for m in self._members[species_id]), key=natural_key
                )
            )
        state = parts.get(_STATE)
        if state is not None:
            protein = parts.get(_PROTEIN_REFERENCE)
            name = (name or species_id) + self._state(
                state, (protein.text or "").strip() if protein is not None else ""
            )
        else:
            name = name or species_id
        self._names[species_id] = name
        return name

    def _state(self, state, protein: str) -> str:
        """The marks a species' ``<state>`` adds to its name: ``{P,S12:Ub}(x2)``."""
        marks = []
        for mod in state.iterfind(f"{_CD}listOfModifications/{_CD}modification"):
            value = mod.get("state", "")
            abbreviation = _STATE_ABBREVIATIONS.get(value, value)
            residue = self._residues.get((protein, mod.get("residue", "")))
            marks.append(f"{residue}:{abbreviation}" if residue else abbreviation)
        for structural in state.iterfind(f"{_CD}listOfStructuralStates/{_CD}structuralState"):
            if structural.get("structuralState"):
                marks.append(structural.get("structuralState"))
        text = "{" + ",".join(sorted(marks, key=natural_key)) + "}" if marks else ""
        homodimer = (state.findtext(_CD + "homodimer") or "").strip()
        if re.fullmatch(r"[0-9]{1,4}", homodimer) and int(homodimer) > 1:
            text += f"(x{int(homodimer)})"
        return text


def read_map(
    path: Path, qualify: bool = False, label: str | None = None, layout: bool = False
) -> CellDesignerMap:
    """Parse a CellDesigner file safely and return its interactions.

    With ``qualify`` the interaction IDs carry the file stem (``il6_signalling:re12``);
    with ``layout`` the map also carries its drawing, read from the same parse.
    """
    from .xmlsafe import parse_xml_file  # the XML reader only when a file is read

    path = Path(path)
    label = label or str(path)
    with collector_paused():  # thousands of small immutable objects, and no cycles
        tree, _ = parse_xml_file(path, label)
        return map_from_tree(tree, path, qualify, label, layout)


def map_from_tree(
    tree, path: Path, qualify: bool = False, label: str | None = None, layout: bool = False
) -> CellDesignerMap:
    """Build the map model (and with ``layout`` its drawing) from an already parsed document.

    CellDesigner files are read here; other SBML Level 2 or 3 files by
    :func:`curation.sbml.read_sbml_model`; any other XML is refused, naming its format.
    """
    # Imported here: curation.sbml builds on this module's model.
    from .sbml import is_celldesigner, read_sbml_model, sbml_model

    label = label or str(path)
    root = tree.getroot()
    sbml, model = sbml_model(root, label)
    if not is_celldesigner(root):
        result = read_sbml_model(model, sbml, path, qualify, label)
    else:
        species = _Species(model, sbml)
        result = CellDesignerMap(path=path, model_id=model.get("id", ""))
        stem = path.stem
        for reaction in model.iterfind(f"{sbml}listOfReactions/{sbml}reaction"):
            add_interaction(result, _read_reaction(reaction, sbml, species, stem, qualify), label)
    if layout:
        # Imported here: the drawing is read only for the report, and builds on this model.
        from .report.layout import layout_of

        result.layout = layout_of(root, label)
    return result


def add_interaction(result: CellDesignerMap, interaction: Interaction, label: str) -> None:
    """Add an interaction to a map being read; a repeated reaction id is refused."""
    if interaction.reaction_id in result.interactions:
        raise InputError(
            f"{label}:{interaction.line}: duplicate reaction id {interaction.reaction_id!r}"
        )
    result.interactions[interaction.reaction_id] = interaction


_RDF_TAG = f"{{{RDF_NS}}}RDF"


def _rdf_resources(annotation) -> list[str]:
    """Every rdf:resource inside the RDF of an annotation, whatever the qualifier or nesting."""
    return [
        resource
        for rdf in annotation.iter(_RDF_TAG)  # most reactions have none: a C-level scan
        for element in rdf.iter()
        if (resource := element.get(_RDF_RESOURCE))
    ]


class _ReactionTags(NamedTuple):
    """The SBML tags a reaction is read by, in one namespace (lxml writes ``{ns}name``)."""

    annotation: str
    notes: str
    reactants: str
    products: str
    modifiers: str
    species_reference: str
    modifier_reference: str


@functools.cache
def _reaction_tags(sbml: str) -> _ReactionTags:
    return _ReactionTags(
        *(
            sbml + name
            for name in (
                "annotation",
                "notes",
                "listOfReactants",
                "listOfProducts",
                "listOfModifiers",
                "speciesReference",
                "modifierSpeciesReference",
            )
        )
    )


_REACTION_TYPE = _CD + "reactionType"
_BASE_REACTANTS = _CD + "baseReactants"
_BASE_PRODUCTS = _CD + "baseProducts"
_LIST_OF_MODIFICATION = _CD + "listOfModification"


def _read_reaction(reaction, sbml: str, species: _Species, stem: str, qualify: bool) -> Interaction:
    # The reaction's children and its extension's are each read in one loop over their
    # tags, not by a find() per element: find() goes through lxml's ElementPath and costs
    # several times more, and a map has thousands of reactions. As find() does, the first
    # element of a kind counts (annotation, notes, lists of reactants and products,
    # reactionType); as iterfind("a/b") does, every list of modifiers and modifications.
    tags = _reaction_tags(sbml)
    annotation = notes = reactant_list = product_list = None
    modifier_lists = []
    for child in reaction:
        tag = child.tag
        if tag == tags.annotation and annotation is None:
            annotation = child
        elif tag == tags.reactants and reactant_list is None:
            reactant_list = child
        elif tag == tags.products and product_list is None:
            product_list = child
        elif tag == tags.modifiers:
            modifier_lists.append(child)
        elif tag == tags.notes and notes is None:
            notes = child
    ext = _cd_ext(annotation)
    type_text = None
    base_reactants, base_products, modifications = [], [], []
    if ext is not None:
        for child in ext:
            tag = child.tag
            if tag == _REACTION_TYPE and type_text is None:
                type_text = child.text or ""
            elif tag == _LIST_OF_MODIFICATION:
                modifications.append(child)
            elif tag == _BASE_REACTANTS:
                base_reactants.append(child)
            elif tag == _BASE_PRODUCTS:
                base_products.append(child)
    name_of = species.name
    reactants = _listed(reactant_list, tags.species_reference, "reactant", name_of)
    if not reactants:
        for container in base_reactants:
            reactants += _listed(container, _CD + "baseReactant", "reactant", name_of)
    products = _listed(product_list, tags.species_reference, "product", name_of)
    if not products:
        for container in base_products:
            products += _listed(container, _CD + "baseProduct", "product", name_of)
    modifiers = _modifiers(modifications, modifier_lists, tags.modifier_reference, name_of)
    raw_name = reaction.get("name", "")
    references, annotated, invalid = _references(raw_name, annotation, notes)
    reaction_id = reaction.get("id", "")
    return Interaction(
        id=f"{stem}:{reaction_id}" if qualify else reaction_id,
        reaction_id=reaction_id,
        map=stem,
        name=display_name(raw_name),
        type=" ".join((type_text or "").split()),
        reactants=tuple(reactants),
        products=tuple(products),
        modifiers=tuple(modifiers),
        references=references,
        annotated_references=annotated,
        invalid_references=invalid,
        metaid=reaction.get("metaid", ""),
        line=reaction.sourceline or 0,
    )


def _listed(container, tag: str, role: str, name_of) -> list[Participant]:
    """The participants a list element holds, one per child ``tag`` naming a species."""
    if container is None:
        return []
    listed = []
    for ref in container.iterchildren(tag):
        species_id = ref.get("species", "")
        listed.append(Participant(role, species_id, name_of(species_id)))
    return listed


def reaction_references(
    reaction, sbml: str, annotation
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A reaction's references: all of them, those in its RDF, and unparseable RDF ones.

    RDF resources under any qualifier of ``annotation``, and references written in the
    reaction's name and notes; each list sorted, without repeats.
    """
    return _references(reaction.get("name", ""), annotation, reaction.find(sbml + "notes"))


def _references(name: str, annotation, notes) -> tuple[tuple[str, ...], ...]:
    """:func:`reaction_references` of a reaction's name, annotation and notes elements."""
    rdf_refs: list[Reference] = []
    invalid: list[str] = []
    if annotation is not None:
        for resource in _rdf_resources(annotation):
            ref, bad = _resource_reference(resource)
            if ref:
                rdf_refs.append(ref)
            elif bad:
                invalid.append(resource)
    text_refs = references_in_text(name)
    if notes is not None:
        text_refs += references_in_text(" ".join(notes.itertext()))
    return (
        tuple(sorted({r.curie for r in rdf_refs + text_refs}, key=natural_key)),
        tuple(sorted({r.curie for r in rdf_refs}, key=natural_key)),
        tuple(sorted(set(invalid))),
    )


_MODIFICATION = _CD + "modification"


def _modifiers(modifications, modifier_lists, modifier_tag: str, name_of) -> list[Participant]:
    """A reaction's modifiers: from its extension's ``listOfModification`` elements, else
    from its SBML ``listOfModifiers`` elements."""
    seen: dict[tuple[str, str], Participant] = {}
    gates = []
    for container in modifications:
        for mod in container.iterchildren(_MODIFICATION):
            kind = " ".join(mod.get("type", "").split())
            members = [m.strip() for m in mod.get("modifiers", "").split(",") if m.strip()]
            if kind.startswith("BOOLEAN_LOGIC_GATE"):
                gates.append((" ".join(mod.get("modificationType", "").split()) or kind, members))
                continue
            for member in members:
                if (kind, member) not in seen:
                    seen[kind, member] = Participant("modifier", member, name_of(member), kind)
    covered = {member for (_, member) in seen}
    # A logic gate lists its inputs again as plain modifications; use the gate only for
    # inputs that are not listed on their own.
    for kind, members in gates:
        for member in members:
            if member not in covered and (kind, member) not in seen:
                seen[kind, member] = Participant("modifier", member, name_of(member), kind)
    if not seen:
        for container in modifier_lists:
            for ref in container.iterchildren(modifier_tag):
                member = ref.get("species", "")
                if ("MODIFIER", member) not in seen:
                    seen["MODIFIER", member] = Participant(
                        "modifier", member, name_of(member), "MODIFIER"
                    )
    return list(seen.values())
