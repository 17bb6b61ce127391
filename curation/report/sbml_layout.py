"""Reading an SBML Layout: the drawing a plain SBML map may carry.

The layout is a ``layout:listOfLayouts`` on the model (the Level 3 package) or in its
annotation (the Level 2 annotation it grew from). Its compartment and species glyphs
have bounding boxes, and its reaction glyphs name the species glyphs they connect; this
module turns the first layout into the boxes and spokes of :mod:`curation.report.layout`.
"""

from __future__ import annotations

from ..sbml import species_names
from .layout import Box, Layout, Point, ReactionGeometry, coordinate, extent, spokes, unique

LAYOUT_NAMESPACES = (
    "http://www.sbml.org/sbml/level3/version1/layout/version1",  # the Level 3 package
    "http://projects.eml.org/bcb/sbml/level2",  # the Level 2 annotation it grew from
)
# speciesReferenceGlyph roles, by the side of the reaction they belong to.
_ROLES = {
    "substrate": "reactant",
    "sidesubstrate": "reactant",
    "product": "product",
    "sideproduct": "product",
    "activator": "modifier",
    "inhibitor": "modifier",
    "modifier": "modifier",
}


def _find_sbml_layout(model, sbml: str):
    """The first ``layout`` of the model and its namespace, or (None, "")."""
    annotation = model.find(sbml + "annotation")
    for namespace in LAYOUT_NAMESPACES:
        for parent in (model, annotation):
            layouts = parent.find(f"{{{namespace}}}listOfLayouts") if parent is not None else None
            layout = layouts.find(f"{{{namespace}}}layout") if layouts is not None else None
            if layout is not None:
                return layout, namespace
    return None, ""


class _Glyphs:
    """Reading one SBML layout: its attributes may be namespaced (Level 3) or not (Level 2)."""

    def __init__(self, namespace: str):
        self.ns = f"{{{namespace}}}"

    def get(self, element, name: str) -> str:
        value = element.get(self.ns + name)
        return (value if value is not None else element.get(name, "")).strip()

    def point(self, element) -> Point | None:
        if element is None:
            return None
        x, y = coordinate(self.get(element, "x")), coordinate(self.get(element, "y"))
        return None if x is None or y is None else (x, y)

    def size(self, element) -> tuple[float, float] | None:
        if element is None:
            return None
        w, h = coordinate(self.get(element, "width")), coordinate(self.get(element, "height"))
        return None if w is None or h is None else (w, h)

    def bounds(self, glyph) -> tuple[float, float, float, float] | None:
        """x, y, w, h of a glyph's bounding box with positive size, else None."""
        box = glyph.find(self.ns + "boundingBox")
        if box is None:
            return None
        corner = self.point(box.find(self.ns + "position"))
        size = self.size(box.find(self.ns + "dimensions"))
        if corner is None or size is None or size[0] <= 0 or size[1] <= 0:
            return None
        return (*corner, *size)

    def curve(self, glyph) -> list[Point]:
        """The start and end points of a glyph's curve segments, in order."""
        points: list[Point] = []
        segments = f"{self.ns}curve/{self.ns}listOfCurveSegments/{self.ns}curveSegment"
        for segment in glyph.iterfind(segments):
            for end in ("start", "end"):
                point = self.point(segment.find(self.ns + end))
                if point is not None and (not points or points[-1] != point):
                    points.append(point)
        return points

    def centre(self, glyph) -> Point | None:
        """Where a reaction glyph puts the reaction: its curve's middle, else its box's."""
        curve = self.curve(glyph)
        if curve:
            (x1, y1), (x2, y2) = curve[0], curve[-1]
            return (round((x1 + x2) / 2, 2), round((y1 + y2) / 2, 2))
        box = glyph.find(self.ns + "boundingBox")
        corner = self.point(box.find(self.ns + "position")) if box is not None else None
        size = self.size(box.find(self.ns + "dimensions")) if box is not None else None
        if corner is None or size is None or size[0] < 0 or size[1] < 0:
            return None
        if corner == (0, 0) and size == (0, 0):
            return None  # what libSBML writes for a box nobody set
        return (round(corner[0] + size[0] / 2, 2), round(corner[1] + size[1] / 2, 2))


def sbml_layout(model, sbml: str) -> Layout:
    """The drawing an SBML Layout gives, or an empty layout (``source=""``) when none."""
    element, namespace = _find_sbml_layout(model, sbml)
    if element is None:
        return Layout(100.0, 100.0, (), (), {}, source="")
    g = _Glyphs(namespace)
    ns = g.ns
    compartment_names = {
        c.get("id", ""): " ".join((c.get("name") or "").split()) or c.get("id", "")
        for c in model.iterfind(f"{sbml}listOfCompartments/{sbml}compartment")
    }
    names = species_names(model, sbml)
    compartments: list[Box] = []
    drawn: dict[str, list[str]] = {}  # compartment id -> the boxes drawing it
    for glyph in element.iterfind(f"{ns}listOfCompartmentGlyphs/{ns}compartmentGlyph"):
        bounds, glyph_id = g.bounds(glyph), g.get(glyph, "id")
        if bounds is not None and glyph_id:
            compartment = g.get(glyph, "compartment")
            label = compartment_names.get(compartment) or compartment or glyph_id
            compartments.append(Box(glyph_id, "compartment", label, *bounds, None))
            drawn.setdefault(compartment, []).append(glyph_id)
    # A species box sits in its compartment's box when exactly one box draws that compartment.
    home = {}
    for entry in model.iterfind(f"{sbml}listOfSpecies/{sbml}species"):
        holders = drawn.get(entry.get("compartment", ""), [])
        if len(holders) == 1:
            home[entry.get("id", "")] = holders[0]
    species: list[Box] = []
    glyph_species: dict[str, str] = {}
    for glyph in element.iterfind(f"{ns}listOfSpeciesGlyphs/{ns}speciesGlyph"):
        bounds, glyph_id = g.bounds(glyph), g.get(glyph, "id")
        if bounds is not None and glyph_id:
            species_id = g.get(glyph, "species")
            glyph_species[glyph_id] = species_id
            label = names.get(species_id) or species_id or glyph_id
            species.append(Box(glyph_id, "species", label, *bounds, home.get(species_id)))
    boxes = {b.id: b for b in (*compartments, *species)}

    sides = _reaction_sides(model, sbml)
    reactions: dict[str, ReactionGeometry] = {}
    for glyph in element.iterfind(f"{ns}listOfReactionGlyphs/{ns}reactionGlyph"):
        reaction_id = g.get(glyph, "reaction")
        if not reaction_id or reaction_id in reactions:
            continue  # a glyph of no reaction, or a second drawing of one: the first wins
        ends: dict[str, list[str]] = {"reactant": [], "product": [], "modifier": []}
        for ref in glyph.iterfind(f"{ns}listOfSpeciesReferenceGlyphs/{ns}speciesReferenceGlyph"):
            target = g.get(ref, "speciesGlyph")
            role = _ROLES.get(g.get(ref, "role")) or _side(
                sides.get(reaction_id), g.get(ref, "speciesReference"), glyph_species.get(target)
            )
            ends[role].append(target)
        reactants, products = unique(ends["reactant"]), unique(ends["product"])
        modifiers = unique(ends["modifier"])
        centre = g.centre(glyph)
        if reactants or products or modifiers:
            path = spokes(
                [boxes[a].centre for a in reactants + products if a in boxes],
                [boxes[a].centre for a in modifiers if a in boxes],
                centre,
            )
        else:
            path = tuple(g.curve(glyph))  # only the reaction's own line is drawn
        reactions[reaction_id] = ReactionGeometry(reaction_id, reactants, products, modifiers, path)

    dimensions = g.size(element.find(ns + "dimensions"))
    if dimensions is not None and dimensions[0] > 0 and dimensions[1] > 0:
        width, height = dimensions
    else:
        width, height = extent(boxes.values(), reactions.values())
    return Layout(width, height, tuple(compartments), tuple(species), reactions, "sbml-layout")


def _reaction_sides(model, sbml: str) -> dict[str, tuple[set[str], set[str]]]:
    """Reaction id -> (ids and species of its reactant references, same of its products)."""
    sides = {}
    for reaction in model.iterfind(f"{sbml}listOfReactions/{sbml}reaction"):
        pair = []
        for list_name in ("listOfReactants", "listOfProducts"):
            found: set[str] = set()
            for ref in reaction.iterfind(f"{sbml}{list_name}/{sbml}speciesReference"):
                found |= {ref.get("id", ""), ref.get("species", "")} - {""}
            pair.append(found)
        sides[reaction.get("id", "")] = (pair[0], pair[1])
    return sides


def _side(sides, reference: str, species: str | None) -> str:
    """The side of a glyph without a role: by its species reference, else by its species."""
    if sides is not None:
        for key in (reference, species):
            if key and key in sides[0] and key not in sides[1]:
                return "reactant"
            if key and key in sides[1] and key not in sides[0]:
                return "product"
    return "modifier"
