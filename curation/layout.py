"""The drawing of a CellDesigner map: compartment and species boxes, and reaction lines.

CellDesigner keeps the layout in its extension elements: ``compartmentAlias``,
``complexSpeciesAlias`` and ``speciesAlias`` carry ``bounds`` (x, y, w, h), and each
reaction names the aliases it connects (``baseReactant``/``baseProduct``, reactant and
product links, and the ``aliases`` of each modification). This module reads just enough
of that to draw the map: boxes, and for every reaction straight spokes from each
participant's box centre to a reaction centre. It never guesses: an alias without bounds
or a reaction without resolvable aliases is left out rather than placed somewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from .celldesigner import SBML_NS_PREFIX, _cd_ext, display_name
from .errors import InputError
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
    """The drawing of one map file."""

    width: float
    height: float
    compartments: tuple[Box, ...]
    species: tuple[Box, ...]  # complexes first (outer before inner), then species
    reactions: dict[str, ReactionGeometry]  # by SBML reaction id


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
    anchors = sides or regulators
    path: tuple[Point, ...] = ()
    if anchors:
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
        if len(points) == 1:
            points.append(centre)  # a lone participant: nothing to join, a point at its centre
        path = tuple(points)
    return ReactionGeometry(reaction_id, reactants_t, products_t, modifiers_t, path)


def read_layout(data: bytes, label: str) -> Layout:
    """Parse a CellDesigner map safely and return its drawing.

    ``label`` names the file in error messages. Aliases without bounds and reactions
    whose aliases are all missing are skipped, never guessed.
    """
    root = parse_xml_bytes(data, label).getroot()
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if not root.tag.endswith("}sbml") or not namespace.startswith(SBML_NS_PREFIX):
        raise InputError(f"{label}: not an SBML document, expected a CellDesigner map")
    sbml = f"{{{namespace}}}"
    model = root.find(sbml + "model")
    if model is None:
        raise InputError(f"{label}: no <model> element; expected a CellDesigner map with a model")
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
