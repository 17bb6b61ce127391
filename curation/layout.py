"""The drawing of a map: compartment and species boxes, and reaction lines.

CellDesigner keeps the layout in its extension elements: ``compartmentAlias``,
``complexSpeciesAlias`` and ``speciesAlias`` carry ``bounds`` (x, y, w, h), and each
reaction names the aliases it connects (``baseReactant``/``baseProduct``, reactant and
product links, and the ``aliases`` of each modification). Other SBML maps may carry an
SBML Layout (``layout:listOfLayouts``: the Level 3 package, or the Level 2 annotation it
grew from), whose compartment and species glyphs have bounding boxes and whose reaction
glyphs name the species glyphs they connect. This module reads just enough of either
to draw the map: boxes, and for every reaction straight spokes from each participant's
box centre to a reaction centre. It never guesses: a box without bounds or a reaction
without resolvable participants is left out rather than placed somewhere, and an SBML
file without a layout has none (:attr:`Layout.source` is empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from .celldesigner import _cd_ext, display_name
from .sbml import is_celldesigner, sbml_model, species_names
from .xmlsafe import parse_xml_bytes

_CD = "{http://www.sbml.org/2001/ns/celldesigner}"

Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    """A drawn rectangle: a compartment, a species alias or a complex alias."""

    id: str  # the alias id (ca1, sa12, csa3)
    kind: str  # compartment | species | complex
    label: str  # the name CellDesigner shows
    x: float
    y: float
    w: float
    h: float
    parent: str | None  # the enclosing complex alias, else compartment alias, if drawn

    @property
    def centre(self) -> Point:
        """The middle of the box, where reaction spokes end."""
        return (self.x + self.w / 2, self.y + self.h / 2)


@dataclass(frozen=True)
class ReactionGeometry:
    """Where a reaction is drawn.

    ``path`` is one polyline that draws every spoke of the reaction: it alternates
    between participant box centres and the reaction centre, in the order reactants,
    products, modifiers (``r1, c, r2, c, p1, c, m1``). Drawn as a single SVG path, the
    retraced centre legs are invisible, so each participant is joined to the centre. The
    centre is the mean of the reactant and product centres (of the modifiers when the
    reaction has neither).
    """

    reaction_id: str
    reactants: tuple[str, ...]  # alias ids, in the order of the file, without repeats
    products: tuple[str, ...]
    modifiers: tuple[str, ...]
    path: tuple[Point, ...]

    @property
    def centre(self) -> Point | None:
        """The reaction's centre point, or None when nothing could be placed."""
        if not self.path:
            return None
        return self.path[1] if len(self.path) > 1 else self.path[0]

    @property
    def drawable(self) -> bool:
        """True when the path covers some length (at least two distinct points)."""
        return len(set(self.path)) >= 2


@dataclass(frozen=True)
class Layout:
    """The drawing of one map file.

    ``source`` says where it came from: ``celldesigner``, ``sbml-layout``, or empty for
    an SBML file that carries no layout at all (then there is nothing to draw).
    """

    width: float
    height: float
    compartments: tuple[Box, ...]
    species: tuple[Box, ...]  # complexes first (outer before inner), then species
    reactions: dict[str, ReactionGeometry]  # by SBML reaction id
    source: str = "celldesigner"


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    # NaN and infinities would poison the SVG and the bounding box.
    if number is None or number != number or number in (float("inf"), float("-inf")):
        return None
    return number


def _bounds(alias) -> tuple[float, float, float, float] | None:
    """x, y, w, h of an alias with positive size, or None when it cannot be drawn."""
    element = alias.find(_CD + "bounds")
    if element is None:
        return None
    values = [_number(element.get(k)) for k in ("x", "y", "w", "h")]
    if any(v is None for v in values):
        return None
    x, y, w, h = values
    if w <= 0 or h <= 0:
        return None
    return (x, y, w, h)


def _names(model, sbml: str, ext) -> tuple[dict[str, str], dict[str, str]]:
    """Display names of compartments and of species (top-level and inside complexes)."""
    compartments = {
        c.get("id", ""): display_name(c.get("name") or "") or c.get("id", "")
        for c in model.iterfind(f"{sbml}listOfCompartments/{sbml}compartment")
    }
    species: dict[str, str] = {}
    if ext is not None:
        for included in ext.iterfind(f"{_CD}listOfIncludedSpecies/{_CD}species"):
            species[included.get("id", "")] = display_name(included.get("name") or "")
    for element in model.iterfind(f"{sbml}listOfSpecies/{sbml}species"):
        name = element.get("name")
        if not name:
            # L2V1 files keep the name in the CellDesigner identity only.
            identity = _cd_ext(element.find(sbml + "annotation"))
            if identity is not None:
                name = identity.findtext(f"{_CD}speciesIdentity/{_CD}name")
        species[element.get("id", "")] = display_name(name or "")
    return compartments, species


def _species_boxes(ext, names: dict[str, str], compartment_ids: set[str]) -> tuple[Box, ...]:
    """Complex and species aliases with bounds: complexes first, outer before inner."""
    found: list[tuple[str, str, str, tuple, object]] = []  # kind, id, label, bounds, alias
    for tag, kind in (("complexSpeciesAlias", "complex"), ("speciesAlias", "species")):
        for alias in ext.iterfind(f"{_CD}listOf{tag[0].upper()}{tag[1:]}es/{_CD}{tag}"):
            bounds = _bounds(alias)
            if bounds is not None and alias.get("id"):
                species = alias.get("species", "")
                found.append((kind, alias.get("id"), names.get(species) or species, bounds, alias))
    complexes = {alias_id for kind, alias_id, *_ in found if kind == "complex"}
    boxes = []
    for kind, alias_id, label, bounds, alias in found:
        inside = alias.get("complexSpeciesAlias")
        # A parent is named only when it is drawn too, so a renderer can rely on it.
        if inside not in complexes:
            inside = alias.get("compartmentAlias")
            inside = inside if inside in compartment_ids else None
        boxes.append(Box(alias_id, kind, label, *bounds, inside))
    parents = {b.id: b.parent for b in boxes if b.kind == "complex" and b.parent in complexes}

    def depth(alias_id: str) -> int:
        level, seen = 0, {alias_id}
        while (alias_id := parents.get(alias_id)) and alias_id not in seen:  # cycles end
            seen.add(alias_id)
            level += 1
        return level

    # Stable sort: document order within a level; a nested complex after its holder.
    return tuple(sorted(boxes, key=lambda b: (b.kind != "complex", depth(b.id))))


def _unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def _reference_aliases(reaction, sbml: str, list_name: str, tag: str) -> list[str]:
    """Aliases named on the SBML species references (CellDesigner writes them there too)."""
    aliases = []
    container = reaction.find(sbml + list_name)
    if container is None:
        return aliases
    for reference in container.iterchildren(sbml + tag):
        ext = _cd_ext(reference.find(sbml + "annotation"))
        if ext is not None:
            alias = (ext.findtext(_CD + "alias") or "").strip()
            if alias:
                aliases.append(alias)
    return aliases


def _reaction(reaction, sbml: str, boxes: dict[str, Box]) -> ReactionGeometry | None:
    reaction_id = reaction.get("id", "")
    ext = _cd_ext(reaction.find(sbml + "annotation"))
    reactants: list[str] = []
    products: list[str] = []
    modifiers: list[str] = []
    if ext is not None:
        reactants += [
            b.get("alias", "") for b in ext.iterfind(f"{_CD}baseReactants/{_CD}baseReactant")
        ]
        reactants += [
            b.get("alias", "") for b in ext.iterfind(f"{_CD}listOfReactantLinks/{_CD}reactantLink")
        ]
        products += [
            b.get("alias", "") for b in ext.iterfind(f"{_CD}baseProducts/{_CD}baseProduct")
        ]
        products += [
            b.get("alias", "") for b in ext.iterfind(f"{_CD}listOfProductLinks/{_CD}productLink")
        ]
        for mod in ext.iterfind(f"{_CD}listOfModification/{_CD}modification"):
            modifiers += [a.strip() for a in mod.get("aliases", "").split(",")]
    # Files edited outside CellDesigner may lack the base lists but keep the aliases on
    # the SBML references; use those only where the extension says nothing.
    if not reactants:
        reactants = _reference_aliases(reaction, sbml, "listOfReactants", "speciesReference")
    if not products:
        products = _reference_aliases(reaction, sbml, "listOfProducts", "speciesReference")
    if not modifiers:
        modifiers = _reference_aliases(
            reaction, sbml, "listOfModifiers", "modifierSpeciesReference"
        )
    reactants_t, products_t = _unique(reactants), _unique(products)
    modifiers_t = _unique(modifiers)
    if not (reactants_t or products_t or modifiers_t):
        return None
    sides = [boxes[a].centre for a in reactants_t + products_t if a in boxes]
    regulators = [boxes[a].centre for a in modifiers_t if a in boxes]
    path = _spokes(sides, regulators)
    return ReactionGeometry(reaction_id, reactants_t, products_t, modifiers_t, path)


def _spokes(
    sides: list[Point], regulators: list[Point], centre: Point | None = None
) -> tuple[Point, ...]:
    """The path joining each participant to the centre (by default the mean of the sides)."""
    anchors = sides or regulators
    if centre is None:
        if not anchors:
            return ()
        centre = (
            round(sum(p[0] for p in anchors) / len(anchors), 2),
            round(sum(p[1] for p in anchors) / len(anchors), 2),
        )
    # r1, c, r2, c, p1, ...: the centre sits at index 1 (see ReactionGeometry.centre).
    points: list[Point] = []
    for end in sides + regulators:
        if points:
            points.append(centre)
        points.append(end)
    if len(points) <= 1:
        points.append(centre)  # a lone participant: nothing to join, a point at its centre
    return tuple(points)


def read_layout(data: bytes, label: str) -> Layout:
    """Parse a map safely and return its drawing (see the module's docstring).

    ``label`` names the file in error messages. Boxes without bounds and reactions
    whose participants are all missing are skipped, never guessed.
    """
    root = parse_xml_bytes(data, label).getroot()
    sbml, model = sbml_model(root, label)
    if not is_celldesigner(root):
        return _sbml_layout(model, sbml)
    ext = _cd_ext(model.find(sbml + "annotation"))
    compartment_names, species_names = _names(model, sbml, ext)

    compartments: list[Box] = []
    species: tuple[Box, ...] = ()
    width = height = None
    if ext is not None:
        display = ext.find(_CD + "modelDisplay")
        if display is not None:
            width, height = _number(display.get("sizeX")), _number(display.get("sizeY"))
        for alias in ext.iterfind(f"{_CD}listOfCompartmentAliases/{_CD}compartmentAlias"):
            bounds = _bounds(alias)
            if bounds is None or not alias.get("id"):
                continue  # e.g. a half-plane compartment, drawn from a single point
            compartment = alias.get("compartment", "")
            label_text = compartment_names.get(compartment) or compartment
            compartments.append(Box(alias.get("id"), "compartment", label_text, *bounds, None))
        species = _species_boxes(ext, species_names, {c.id for c in compartments})

    boxes = {b.id: b for b in (*compartments, *species)}
    reactions: dict[str, ReactionGeometry] = {}
    for reaction in model.iterfind(f"{sbml}listOfReactions/{sbml}reaction"):
        geometry = _reaction(reaction, sbml, boxes)
        if geometry is not None and geometry.reaction_id:
            reactions[geometry.reaction_id] = geometry

    if not width or not height or width <= 0 or height <= 0:
        width, height = _extent(boxes.values(), reactions.values())
    return Layout(width, height, tuple(compartments), species, reactions)


# --- SBML Layout ------------------------------------------------------------------------------

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
        x, y = _number(self.get(element, "x")), _number(self.get(element, "y"))
        return None if x is None or y is None else (x, y)

    def size(self, element) -> tuple[float, float] | None:
        if element is None:
            return None
        w, h = _number(self.get(element, "width")), _number(self.get(element, "height"))
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


def _sbml_layout(model, sbml: str) -> Layout:
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
        reactants, products = _unique(ends["reactant"]), _unique(ends["product"])
        modifiers = _unique(ends["modifier"])
        centre = g.centre(glyph)
        if reactants or products or modifiers:
            path = _spokes(
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
        width, height = _extent(boxes.values(), reactions.values())
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


def _extent(boxes, reactions) -> tuple[float, float]:
    """Width and height that hold every box and line, for files without a model size."""
    right = [b.x + b.w for b in boxes] + [p[0] for r in reactions for p in r.path]
    bottom = [b.y + b.h for b in boxes] + [p[1] for r in reactions for p in r.path]
    # A margin keeps the outermost boxes off the edge; an empty map still gets a canvas.
    return (max(right, default=0) + 20 or 100.0, max(bottom, default=0) + 20 or 100.0)


# --- drawing ---------------------------------------------------------------------------------


def number(value: float) -> str:
    """A coordinate with at most one decimal: compact, stable text for SVG attributes."""
    text = f"{value:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def _short(text: str, width: float) -> str:
    """Shorten a label to what roughly fits its box at the stylesheet's 11px font."""
    room = max(4, int(width / 6.2))
    return text if len(text) <= room else text[: room - 1] + "…"


_LABEL_CLASSES = {"compartment": "clabel", "complex": "xlabel", "species": "slabel"}


def _box(box: Box, radius: int, label_x: float, label_y: float, label: str) -> str:
    """A box and its label, both classed by the box's kind for the page's stylesheet."""
    return (
        f'<rect class="{box.kind}" x="{number(box.x)}" y="{number(box.y)}" '
        f'width="{number(box.w)}" height="{number(box.h)}" rx="{radius}"/>'
        f'<text class="{_LABEL_CLASSES[box.kind]}" x="{number(label_x)}" y="{number(label_y)}">'
        f"{escape(label)}</text>"
    )


def to_svg(layout: Layout, interactions: Iterable[tuple[str, str, str]], label: str) -> str:
    """The map as an SVG element, styled by class only (the page's stylesheet colours it).

    ``interactions`` are (id, SBML reaction id, status) triples; each becomes one
    ``<g class="interaction" data-id data-status>``, empty when the reaction is not drawn.
    """
    w, h = number(layout.width), number(layout.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {w} {h}" '
        f'data-w="{w}" data-h="{h}" role="img" aria-label="{escape(label)}">',
        f'<rect class="canvas" x="0" y="0" width="{w}" height="{h}"/><g class="compartments">',
    ]
    for box in layout.compartments:
        out.append(_box(box, 14, box.x + 12, box.y + 22, box.label))
    # Complexes sit below the lines and species above them, so spokes stay visible
    # inside a complex but end at the border of a species box.
    out.append('</g><g class="complexes">')
    for box in layout.species:
        if box.kind == "complex":
            text = _short(box.label, box.w)
            out.append(_box(box, 8, box.x + box.w / 2, box.y + box.h - 5, text))
    out.append('</g><g class="interactions">')
    for interaction_id, reaction_id, status in interactions:
        geometry = layout.reactions.get(reaction_id)
        drawing = ""
        if geometry is not None and geometry.drawable:
            points = "L".join(f"{number(x)} {number(y)}" for x, y in geometry.path)
            drawing = f'<path d="M{points}"/>'
        out.append(
            f'<g class="interaction" data-id="{escape(interaction_id)}" '
            f'data-status="{escape(status)}">{drawing}</g>'
        )
    out.append('</g><g class="species">')
    for box in layout.species:
        if box.kind == "species":
            text = _short(box.label, box.w)
            out.append(_box(box, 4, box.x + box.w / 2, box.y + box.h / 2 + 4, text))
    out.append("</g></svg>")
    return "".join(out)
