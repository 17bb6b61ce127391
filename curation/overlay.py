"""A MINERVA data overlay that colours every reaction by its evidence status.

MINERVA reads a user-provided overlay as tab-separated text: header lines ``#NAME=``,
``#DESCRIPTION=`` and ``#TYPE=GENERIC``, then a row of column names and one row per
coloured object. A row with ``reactionIdentifier`` (the reaction's id in the uploaded
file, e.g. ``re12``) and ``color`` (``#RRGGBB``) colours that reaction's line;
``map_name`` says which (sub)map it is on when a project has several. The statuses and
colours are the report's (:data:`curation.report.STATUSES`, worst first), so the map in
MINERVA and ``report.html`` agree; the worst, ``retracted-or-not-found``, is a reference
the audit calls retracted or one PubMed/Crossref do not know. The legend goes in the
description, since a generic overlay has no legend of its own. The same input gives the
same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from .report import STATUSES, statuses

if TYPE_CHECKING:
    from .project import Project
    from .report import ReportInput
    from .snapshot import Snapshot

OVERLAY_FILE = "minerva-overlay.txt"
REACTION_COLUMN = "reactionIdentifier"
COLOR_COLUMN = "color"
MAP_COLUMN = "map_name"


def _one_line(text: str) -> str:
    """A header value or cell on one line: no tab or line break can split the table."""
    return " ".join(str(text).split())


def legend(counts: Mapping[str, int]) -> str:
    """The colour legend, worst status first, with how many reactions have each."""
    return "; ".join(f"{s.colour} {s.label}: {counts.get(s.code, 0)}" for s in STATUSES)


def render_overlay(data: ReportInput, model_names: Mapping[str, str] | None = None) -> str:
    """The overlay text for the report input ``data``: one row per reaction of every map.

    ``model_names`` maps a map file (its path in the project) to its model's name in
    MINERVA; by default the file name without extension, as MINERVA names the maps of
    a zip upload. The ``map_name`` column is written only when there are several maps.
    """
    colours = {s.code: s.colour for s in STATUSES}
    per_map = statuses(data)
    several = len(per_map) > 1
    counts = Counter(status for _, pairs in per_map for _, status in pairs)
    title = _one_line(data.title) or "Map"
    version = f" {_one_line(data.version)}" if data.version else ""
    description = (
        f"Evidence status of each reaction of {title}{version}, as in crsmap's evidence "
        f"report (the worst that applies). Colours: {legend(counts)}."
    )
    header = [MAP_COLUMN] if several else []
    header += [REACTION_COLUMN, COLOR_COLUMN]
    lines = [
        f"#NAME={title}{version} evidence status",
        f"#DESCRIPTION={description}",
        "#TYPE=GENERIC",
        "\t".join(header),
    ]
    for map_input, pairs in per_map:
        name = (model_names or {}).get(map_input.relative) or PurePosixPath(map_input.relative).stem
        first = [_one_line(name)] if several else []
        for interaction, status in pairs:
            lines.append("\t".join([*first, _one_line(interaction.reaction_id), colours[status]]))
    return "\n".join(lines) + "\n"


def snapshot_overlay(snapshot: Snapshot, version: str | None = None) -> str:
    """The overlay of a snapshot (a release commit's, for the bundle)."""
    from .report import for_statuses

    return render_overlay(for_statuses(snapshot, version))


def project_overlay(project: Project) -> str:
    """The overlay of the working tree: the statuses ``crsmap report`` shows now."""
    from .report import working_snapshot

    return snapshot_overlay(working_snapshot(project))
