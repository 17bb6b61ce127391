"""Reading the drawing of a map: compartment and species boxes, and reaction lines.

CellDesigner keeps the layout in its extension elements: ``compartmentAlias``,
``complexSpeciesAlias`` and ``speciesAlias`` carry ``bounds`` (x, y, w, h), and each
reaction names the aliases it connects (``baseReactant``/``baseProduct``, reactant and
product links, and the ``aliases`` of each modification). Other SBML maps may carry an
SBML Layout, read by :mod:`curation.report.sbml_layout`. Either way this module gives
just enough to draw the map (:mod:`curation.report.svg` draws it): boxes, and for every
reaction straight spokes from each participant's box centre to a reaction centre. It
never guesses: a box without bounds or a reaction without resolvable participants is
left out rather than placed somewhere, and an SBML file without a layout has none
(:attr:`Layout.source` is empty).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..celldesigner import _cd_ext, _child, display_name
from ..sbml import is_celldesigner, sbml_model
from ..xmlsafe import parse_xml_bytes

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


def coordinate(value: str | None) -> float | None:
    """A coordinate or size read from an attribute; None when absent, not a number or infinite."""
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
    element = _child(alias, _CD + "bounds")
    if element is None:
        return None
    values = [coordinate(element.get(k)) for k in ("x", "y", "w", "h")]
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


def unique(items) -> tuple[str, ...]:
    """The non-empty ids in their first order, each once."""
    return tuple(dict.fromkeys(i for i in items if i))


def _reference_aliases(reaction, sbml: str, list_name: str, tag: str) -> list[str]:
    """Aliases named on the SBML species references (CellDesigner writes them there too)."""
    aliases = []
    container = _child(reaction, sbml + list_name)
    if container is None:
        return aliases
    for reference in container.iterchildren(sbml + tag):
        ext = _cd_ext(_child(reference, sbml + "annotation"))
        if ext is not None:
            alias = (ext.findtext(_CD + "alias") or "").strip()
            if alias:
                aliases.append(alias)
    return aliases


# The lists of a reaction's extension that name its participants' aliases: each list's
# tag -> (the side, its place among that side's lists, its items' tag).
_PARTICIPANT_LISTS = {
    _CD + "baseReactants": ("reactants", 0, _CD + "baseReactant"),
    _CD + "listOfReactantLinks": ("reactants", 1, _CD + "reactantLink"),
    _CD + "baseProducts": ("products", 0, _CD + "baseProduct"),
    _CD + "listOfProductLinks": ("products", 1, _CD + "productLink"),
    _CD + "listOfModification": ("modifiers", 0, _CD + "modification"),
}


def _extension_aliases(ext) -> dict[str, list[str]]:
    """The aliases a reaction's extension names, by side: base participants before links.

    One pass over the extension's children (an ElementPath search per list cost more than
    the rest of the drawing); lists of one kind count in document order, as the search's.
    """
    found: dict[tuple[str, int], list[str]] = {}
    for child in ext.iterchildren():
        known = _PARTICIPANT_LISTS.get(child.tag)
        if known is None:
            continue
        side, place, item_tag = known
        aliases = found.setdefault((side, place), [])
        for item in child.iterchildren(item_tag):
            if side == "modifiers":
                aliases += [a.strip() for a in item.get("aliases", "").split(",")]
            else:
                aliases.append(item.get("alias", ""))
    return {
        side: found.get((side, 0), []) + found.get((side, 1), [])
        for side in ("reactants", "products", "modifiers")
    }


def _reaction(reaction, sbml: str, boxes: dict[str, Box]) -> ReactionGeometry | None:
    reaction_id = reaction.get("id", "")
    ext = _cd_ext(_child(reaction, sbml + "annotation"))
    reactants: list[str] = []
    products: list[str] = []
    modifiers: list[str] = []
    if ext is not None:
        named = _extension_aliases(ext)
        reactants, products, modifiers = named["reactants"], named["products"], named["modifiers"]
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
    reactants_t, products_t = unique(reactants), unique(products)
    modifiers_t = unique(modifiers)
    if not (reactants_t or products_t or modifiers_t):
        return None
    sides = [boxes[a].centre for a in reactants_t + products_t if a in boxes]
    regulators = [boxes[a].centre for a in modifiers_t if a in boxes]
    path = spokes(sides, regulators)
    return ReactionGeometry(reaction_id, reactants_t, products_t, modifiers_t, path)


def spokes(
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

    ``label`` names the file in error messages. A caller that also needs the map's
    interactions reads both from one parse: ``read_map(path, layout=True)``.
    """
    return layout_of(parse_xml_bytes(data, label).getroot(), label)


def layout_of(root, label: str) -> Layout:
    """The drawing of an already parsed map (its root element).

    Boxes without bounds and reactions whose participants are all missing are skipped,
    never guessed.
    """
    sbml, model = sbml_model(root, label)
    if not is_celldesigner(root):
        # Imported here: sbml_layout builds on this module's boxes and geometry.
        from .sbml_layout import sbml_layout

        return sbml_layout(model, sbml)
    ext = _cd_ext(model.find(sbml + "annotation"))
    compartment_names, species_names = _names(model, sbml, ext)

    compartments: list[Box] = []
    species: tuple[Box, ...] = ()
    width = height = None
    if ext is not None:
        display = ext.find(_CD + "modelDisplay")
        if display is not None:
            width, height = coordinate(display.get("sizeX")), coordinate(display.get("sizeY"))
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
        width, height = extent(boxes.values(), reactions.values())
    return Layout(width, height, tuple(compartments), species, reactions)


def extent(boxes, reactions) -> tuple[float, float]:
    """Width and height that hold every box and line, for files without a model size."""
    right = [b.x + b.w for b in boxes] + [p[0] for r in reactions for p in r.path]
    bottom = [b.y + b.h for b in boxes] + [p[1] for r in reactions for p in r.path]
    # A margin keeps the outermost boxes off the edge; an empty map still gets a canvas.
    return (max(right, default=0) + 20 or 100.0, max(bottom, default=0) + 20 or 100.0)
