"""Small hand-written SBML documents without CellDesigner's extension, for tests.

Laid out the way libSBML writes them (one element per line, two-space indents), so
tests can check that ``annotate`` only adds lines. The layout builders write the SBML
Layout either as the Level 3 package (``layout:`` elements and attributes under the
model) or as the Level 2 annotation it grew from (default namespace, plain attributes).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

L3V2 = "http://www.sbml.org/sbml/level3/version2/core"
L3V1 = "http://www.sbml.org/sbml/level3/version1/core"
L2V4 = "http://www.sbml.org/sbml/level2/version4"
LAYOUT_L3 = "http://www.sbml.org/sbml/level3/version1/layout/version1"
LAYOUT_L2 = "http://projects.eml.org/bcb/sbml/level2"
RDF_DECL = (
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:bqbiol="http://biomodels.net/biology-qualifiers/" '
    'xmlns:bqmodel="http://biomodels.net/model-qualifiers/"'
)


def _sbo(sbo: int | None) -> str:
    return f' sboTerm="SBO:{sbo:07d}"' if sbo is not None else ""


def species(sid: str, name: str | None = None, sbo: int | None = None, compartment="cell") -> str:
    name_attr = f' name="{name}"' if name is not None else ""
    return (
        f'      <species id="{sid}"{name_attr}{_sbo(sbo)} compartment="{compartment}" '
        'hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>\n'
    )


def rdf(about: str, *resources: str, qualifier: str = "bqbiol:isDescribedBy") -> str:
    """An annotation with one RDF Description, as libSBML writes it."""
    items = "".join(f'                  <rdf:li rdf:resource="{r}"/>\n' for r in resources)
    return (
        "        <annotation>\n"
        f"          <rdf:RDF {RDF_DECL}>\n"
        f'            <rdf:Description rdf:about="#{about}">\n'
        f"              <{qualifier}>\n"
        "                <rdf:Bag>\n"
        f"{items}"
        "                </rdf:Bag>\n"
        f"              </{qualifier}>\n"
        "            </rdf:Description>\n"
        "          </rdf:RDF>\n"
        "        </annotation>\n"
    )


def reaction(
    rid: str,
    reactants: Sequence[str],
    products: Sequence[str],
    modifiers: Sequence[tuple[str, int | None]] = (),
    sbo: int | None = None,
    notes: str = "",
    annotation: str = "",
    metaid: str | None = None,
    name: str = "",
) -> str:
    """A reaction; ``modifiers`` are (species, SBO number or None) pairs."""
    meta = f' metaid="{metaid}"' if metaid else ""
    name_attr = f' name="{name}"' if name else ""
    out = [f'      <reaction{meta}{_sbo(sbo)} id="{rid}"{name_attr} reversible="false">\n']
    if notes:
        out.append(
            "        <notes>\n"
            '          <body xmlns="http://www.w3.org/1999/xhtml">\n'
            f"            <p>{notes}</p>\n"
            "          </body>\n"
            "        </notes>\n"
        )
    out.append(annotation)
    for list_name, members in (("listOfReactants", reactants), ("listOfProducts", products)):
        if members:
            out.append(f"        <{list_name}>\n")
            out += [
                f'          <speciesReference id="{rid}_{s}" species="{s}" constant="true"/>\n'
                for s in members
            ]
            out.append(f"        </{list_name}>\n")
    if modifiers:
        out.append("        <listOfModifiers>\n")
        out += [
            f'          <modifierSpeciesReference{_sbo(sbo_)} species="{s}"/>\n'
            for s, sbo_ in modifiers
        ]
        out.append("        </listOfModifiers>\n")
    out.append("      </reaction>\n")
    return "".join(out)


def document(
    species_xml: str,
    reactions_xml: str,
    namespace: str = L3V2,
    layout: str = "",
    model_annotation: str = "",
    compartments: Sequence[tuple[str, str]] = (("cell", "cell"),),
) -> str:
    """An SBML document; ``layout`` comes from :func:`layout_l3` or :func:`layout_l2`."""
    level = "3" if "level3" in namespace else "2"
    version = namespace.split("version")[1][0]
    package = ""
    if layout and level == "3":
        package = f' xmlns:layout="{LAYOUT_L3}" layout:required="false"'
    listed = "".join(
        f'      <compartment id="{cid}" name="{name}" constant="true"/>\n'
        for cid, name in compartments
    )
    annotation = model_annotation
    if layout and level == "2":
        annotation = f"    <annotation>\n{layout}    </annotation>\n"
        layout = ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sbml xmlns="{namespace}"{package} level="{level}" version="{version}">\n'
        '  <model id="m" name="plain map">\n'
        f"{annotation}"
        f"    <listOfCompartments>\n{listed}    </listOfCompartments>\n"
        f"    <listOfSpecies>\n{species_xml}    </listOfSpecies>\n"
        f"    <listOfReactions>\n{reactions_xml}    </listOfReactions>\n"
        f"{layout}"
        "  </model>\n"
        "</sbml>\n"
    )


# --- SBML Layout -------------------------------------------------------------------------------


class _Layout:
    """Element and attribute prefixes of the Level 3 package or the Level 2 annotation."""

    def __init__(self, level: int):
        self.e = "layout:" if level == 3 else ""
        self.a = "layout:" if level == 3 else ""

    def box(self, x, y, w, h) -> str:
        e, a = self.e, self.a
        return (
            f'<{e}boundingBox><{e}position {a}x="{x}" {a}y="{y}"/>'
            f'<{e}dimensions {a}width="{w}" {a}height="{h}"/></{e}boundingBox>'
        )

    def curve(self, points) -> str:
        e, a = self.e, self.a
        segments = "".join(
            f'<{e}curveSegment xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:type="LineSegment"><{e}start {a}x="{x1}" {a}y="{y1}"/>'
            f'<{e}end {a}x="{x2}" {a}y="{y2}"/></{e}curveSegment>'
            for (x1, y1), (x2, y2) in pairwise(points)
        )
        return f"<{e}curve><{e}listOfCurveSegments>{segments}</{e}listOfCurveSegments></{e}curve>"


def _layout(
    level: int,
    size: tuple[float, float] | None,
    compartments: Sequence[tuple[str, str, tuple]],
    species_glyphs: Sequence[tuple[str, str, tuple | None]],
    reactions: Sequence[tuple[str, str, Sequence[tuple[str, str, str]], Sequence | None]],
) -> str:
    k = _Layout(level)
    e, a = k.e, k.a
    out = []
    if size:
        out.append(f'<{e}dimensions {a}width="{size[0]}" {a}height="{size[1]}"/>')
    out.append(f"<{e}listOfCompartmentGlyphs>")
    for gid, compartment, box in compartments:
        out.append(
            f'<{e}compartmentGlyph {a}id="{gid}" {a}compartment="{compartment}">'
            f"{k.box(*box)}</{e}compartmentGlyph>"
        )
    out.append(f"</{e}listOfCompartmentGlyphs><{e}listOfSpeciesGlyphs>")
    for gid, sid, box in species_glyphs:
        inner = k.box(*box) if box else ""
        out.append(f'<{e}speciesGlyph {a}id="{gid}" {a}species="{sid}">{inner}</{e}speciesGlyph>')
    out.append(f"</{e}listOfSpeciesGlyphs><{e}listOfReactionGlyphs>")
    for gid, rid, refs, curve in reactions:
        refs_xml = "".join(
            f'<{e}speciesReferenceGlyph {a}id="{gid}_{n}" {a}speciesGlyph="{glyph}"'
            + (f' {a}speciesReference="{ref}"' if ref else "")
            + (f' {a}role="{role}"' if role else "")
            + "/>"
            for n, (glyph, role, ref) in enumerate(refs)
        )
        out.append(
            f'<{e}reactionGlyph {a}id="{gid}" {a}reaction="{rid}">'
            f"{k.curve(curve) if curve else ''}"
            f"<{e}listOfSpeciesReferenceGlyphs>{refs_xml}</{e}listOfSpeciesReferenceGlyphs>"
            f"</{e}reactionGlyph>"
        )
    out.append(f"</{e}listOfReactionGlyphs>")
    body = "".join(out)
    if level == 3:
        return (
            f'    <layout:listOfLayouts xmlns:layout="{LAYOUT_L3}">'
            f'<layout:layout layout:id="L1">{body}</layout:layout></layout:listOfLayouts>\n'
        )
    return f'      <listOfLayouts xmlns="{LAYOUT_L2}"><layout id="L1">{body}</layout></listOfLayouts>\n'


def layout_l3(size, compartments, species_glyphs, reactions) -> str:
    """An SBML Level 3 Layout package block, to pass as ``document(layout=...)``.

    ``compartments``: (glyph, compartment, (x, y, w, h)); ``species_glyphs``: (glyph,
    species, box or None); ``reactions``: (glyph, reaction, [(species glyph, role,
    species reference)], curve points or None).
    """
    return _layout(3, size, compartments, species_glyphs, reactions)


def layout_l2(size, compartments, species_glyphs, reactions) -> str:
    """The same layout as the Level 2 annotation (use with ``namespace=L2V4``)."""
    return _layout(2, size, compartments, species_glyphs, reactions)


# --- other formats -----------------------------------------------------------------------------

SBGN_ML = """<?xml version="1.0" encoding="UTF-8"?>
<sbgn xmlns="http://sbgn.org/libsbgn/0.2">
  <map language="process description">
    <glyph class="macromolecule" id="g1"><label text="IL6"/><bbox x="0" y="0" w="60" h="30"/></glyph>
  </map>
</sbgn>
"""

GPML = """<?xml version="1.0" encoding="UTF-8"?>
<Pathway xmlns="http://pathvisio.org/GPML/2013a" Name="IL-6 signalling" Organism="Homo sapiens">
  <DataNode TextLabel="IL6" GraphId="a1" Type="GeneProduct"/>
</Pathway>
"""

BIOPAX = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:bp="http://www.biopax.org/release/biopax-level3.owl#">
  <bp:Pathway rdf:ID="p1"/>
</rdf:RDF>
"""

SBML_L1 = """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level1" level="1" version="2">
  <model name="m"><listOfReactions><reaction name="r1"/></listOfReactions></model>
</sbml>
"""
