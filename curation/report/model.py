"""What the report shows, and the one evidence status it gives each interaction.

The caller builds a :class:`ReportInput` (see :mod:`curation.report.data`); rendering
derives its :class:`Facts` from it once. :func:`status_of` decides an interaction's
status, so the page (:mod:`curation.report.html`) and the MINERVA overlay
(:mod:`curation.overlay`) colour every interaction alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from ..identifiers import reference_key
from ..ledger import EvidenceRecord, InteractionRecord, evidence_sort_key, natural_key

if TYPE_CHECKING:
    from literature.model import Citation

    from ..audit import Finding
    from ..celldesigner import CellDesignerMap, Interaction
    from ..provenance import ReleaseSummary


class Status(NamedTuple):
    """An evidence status of an interaction: code, legend label and colour."""

    code: str
    label: str
    colour: str


# Worst first: status_of() returns the first that applies. Colours stay apart for the
# common colour-vision deficiencies (red/orange/purple/green/blue differ in lightness).
STATUSES: tuple[Status, ...] = (
    Status("retracted-or-not-found", "Retracted or not-found reference", "#b2182b"),
    Status("missing", "No evidence", "#f4a21e"),
    Status("changed", "Changed since curated", "#8e44ad"),
    Status("reviewed", "Evidence, reviewed", "#1a9850"),
    Status("draft", "Evidence, draft", "#3b7dd8"),
)


@dataclass(frozen=True)
class MapInput:
    """One map file of the project: its path in the project and its model.

    The model carries the map's drawing when it was read with ``layout=True``; a map
    without one is listed in the report but not drawn.
    """

    relative: str
    model: CellDesignerMap


@dataclass(frozen=True)
class ReportInput:
    """Everything the report shows; built by the caller, so rendering has no side effects.

    ``first_release`` (interaction id -> version) and ``license`` (the map's default
    license, shown on cards of interactions without their own) are optional.
    """

    title: str
    version: str | None
    date: str
    maps: tuple[MapInput, ...]
    evidence: tuple[EvidenceRecord, ...]
    rows: tuple[InteractionRecord, ...]
    citations: dict[str, Citation]
    findings: tuple[Finding, ...]
    releases: tuple[ReleaseSummary, ...]  # oldest first; the working tree's last, as "now"
    curators: dict[str, str]  # ORCID -> name
    first_release: dict[str, str] = field(default_factory=dict)
    license: str = ""


def citation_of(citations: Mapping[str, Citation], reference: str) -> Citation | None:
    """The cached citation of a ledger reference, also when the ledger spells it ``PMID:1``."""
    return citations.get(reference) or citations.get(reference_key(reference))


def reference_flag(citation: Citation | None) -> str:
    """'retracted', 'not-found' or '' for a reference's cached citation.

    'retracted' is :attr:`literature.model.Citation.is_retracted`, the audit's notion too.
    """
    if citation is None:
        return ""
    if citation.is_retracted:
        return "retracted"
    return "" if citation.found else "not-found"


def status_of(
    interaction: Interaction,
    records: Sequence[EvidenceRecord],
    row: InteractionRecord | None,
    citations: Mapping[str, Citation],
) -> str:
    """The one status of an interaction, the worst that applies (the order of STATUSES)."""
    if any(reference_flag(citation_of(citations, r.reference)) for r in records):
        return "retracted-or-not-found"
    if not records:
        return "missing"
    if row is not None and row.signature and row.signature != interaction.signature:
        return "changed"
    if row is not None and row.status == "reviewed":
        return "reviewed"
    return "draft"


@dataclass
class Facts:
    """The report's facts, derived once from the input."""

    items: list[tuple[MapInput, list[tuple[Interaction, str]]]]  # per map: (interaction, status)
    records: dict[str, list[EvidenceRecord]]
    rows: dict[str, InteractionRecord]
    counts: Counter


def facts(data: ReportInput) -> Facts:
    """Group the evidence and rows by interaction and give every interaction its status."""
    records: dict[str, list[EvidenceRecord]] = {}
    for record in sorted(data.evidence, key=evidence_sort_key):
        records.setdefault(record.interaction, []).append(record)
    rows = {row.interaction: row for row in data.rows}
    items, counts = [], Counter()
    for map_input in data.maps:
        pairs = []
        for i in sorted(map_input.model.interactions.values(), key=lambda i: natural_key(i.id)):
            status = status_of(i, records.get(i.id, ()), rows.get(i.id), data.citations)
            counts[status] += 1
            pairs.append((i, status))
        items.append((map_input, pairs))
    return Facts(items, records, rows, counts)


def statuses(data: ReportInput) -> list[tuple[MapInput, list[tuple[Interaction, str]]]]:
    """Per map file, its interactions (in the report's order) with the status the report
    colours them by (a code of :data:`STATUSES`)."""
    return [(map_input, list(pairs)) for map_input, pairs in facts(data).items]
