"""Drawing a map's layout as SVG: boxes, their labels, and one line group per interaction.

The SVG is styled by class only; the report's stylesheet colours each interaction by its
``data-status``. Coordinates are written with at most one decimal, so the same layout
always gives the same text.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .layout import Box, Layout


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
