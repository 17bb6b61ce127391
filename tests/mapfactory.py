"""Small hand-written CellDesigner documents for tests (the real maps are in ../shared/data)."""

from __future__ import annotations

L2V4 = "http://www.sbml.org/sbml/level2/version4"
CD = "http://www.sbml.org/2001/ns/celldesigner"
RDF_DECL = (
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:bqbiol="http://biomodels.net/biology-qualifiers/" '
    'xmlns:bqmodel="http://biomodels.net/model-qualifiers/"'
)


def species(sid: str, name: str, state: str = "") -> str:
    return (
        f'<species metaid="{sid}" id="{sid}" name="{name}" compartment="c1" initialAmount="0">'
        "<annotation><celldesigner:extension><celldesigner:speciesIdentity>"
        f"<celldesigner:class>PROTEIN</celldesigner:class>{state}"
        "</celldesigner:speciesIdentity></celldesigner:extension></annotation></species>"
    )


def reaction(
    rid: str,
    reactants,
    products,
    type_="STATE_TRANSITION",
    modifications="",
    rdf="",
    notes="",
    name="",
    metaid=True,
) -> str:
    meta = f' metaid="{rid}"' if metaid else ""
    name_attr = f' name="{name}"' if name else ""
    notes_el = (
        f'<notes><html xmlns="http://www.w3.org/1999/xhtml"><body>{notes}</body></html></notes>'
        if notes
        else ""
    )
    refs = "".join(f'<speciesReference species="{s}"/>' for s in reactants)
    prods = "".join(f'<speciesReference species="{s}"/>' for s in products)
    mods = (
        f"<celldesigner:listOfModification>{modifications}</celldesigner:listOfModification>"
        if modifications
        else ""
    )
    return (
        f'<reaction{meta} id="{rid}"{name_attr} reversible="false">{notes_el}'
        f"<annotation><celldesigner:extension><celldesigner:reactionType>{type_}</celldesigner:reactionType>"
        f"{mods}</celldesigner:extension>{rdf}</annotation>"
        f"<listOfReactants>{refs}</listOfReactants><listOfProducts>{prods}</listOfProducts></reaction>"
    )


def rdf_block(about: str, *resources: str, qualifier: str = "bqbiol:isDescribedBy") -> str:
    items = "".join(f'<rdf:li rdf:resource="{r}"/>' for r in resources)
    return (
        f'<rdf:RDF {RDF_DECL}><rdf:Description rdf:about="#{about}">'
        f"<{qualifier}><rdf:Bag>{items}</rdf:Bag></{qualifier}></rdf:Description></rdf:RDF>"
    )


def document(species_xml: str, reactions_xml: str, included: str = "", proteins: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sbml xmlns="{L2V4}" xmlns:celldesigner="{CD}" level="2" version="4">\n'
        '<model metaid="m" id="m"><annotation><celldesigner:extension>'
        "<celldesigner:modelVersion>4.0</celldesigner:modelVersion>"
        f"<celldesigner:listOfIncludedSpecies>{included}</celldesigner:listOfIncludedSpecies>"
        f"<celldesigner:listOfProteins>{proteins}</celldesigner:listOfProteins>"
        "</celldesigner:extension></annotation>\n"
        '<listOfCompartments><compartment metaid="c1" id="c1" name="cell" size="1"/></listOfCompartments>\n'
        f"<listOfSpecies>{species_xml}</listOfSpecies>\n"
        f"<listOfReactions>\n{reactions_xml}\n</listOfReactions>\n"
        "</model>\n</sbml>\n"
    )
