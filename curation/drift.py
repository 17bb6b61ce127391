"""What the ``map-drift`` and ``duplicate-evidence`` rules of the audit find.

The map and the ledger disagree for real when the ledger records a paper the map does
not cite at all, or the map's MIRIAM annotations cite one the ledger does not record.
A reference the ledger records that the map cites only as text (notes, name) is a
MIRIAM annotation still to write, and a reference in notes that the ledger does not
record is one still to import: a real map has hundreds of each, so they are counted in
one finding per map file. A reference removed with ``crsmap evidence remove`` (rejected)
that the map still cites is reported with how to take it out of the map, never with
``crsmap import``. References are compared by paper (see :mod:`curation.papers`).

Each function yields ``(interaction, reference, message, hint, (file, line))``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .ledger import natural_key
from .papers import paper_key, preference

if TYPE_CHECKING:
    from .audit import AuditData

Found = tuple  # (interaction, reference, message, hint, (file, line))


def map_drift(data: AuditData) -> Iterator[Found]:
    """Real disagreements one by one; references only in notes, one line per map file."""
    only_in_notes: dict[str, list[str]] = {}  # map file -> interactions
    not_imported: dict[str, list[str]] = {}
    curies, citations = data.curies, data.citations
    for interaction in data.interactions.values():
        entries = data.evidence_by_interaction.get(interaction.id, ())
        recorded = {curies[i] for i, _ in entries}
        recorded.discard(None)
        if recorded.issuperset(interaction.references) and recorded.issubset(
            interaction.annotated_references
        ):
            continue  # map and ledger agree, as they do for nearly every interaction
        unrecorded = [c for c in interaction.references if c not in recorded]
        missing = recorded.difference(interaction.annotated_references)
        papers = {data.papers[i] for i, _ in entries if data.papers[i]}
        annotated = set(interaction.annotated_references)
        location = data.map_location(interaction.id)
        file = location[0] or interaction.map
        for curie in unrecorded:
            if paper_key(curie, citations) in papers:
                continue
            rejection = data.rejected.get((interaction.id, curie))
            if rejection is not None:
                yield _still_cited(interaction, curie, rejection, curie in annotated, location)
            elif curie in annotated:
                yield (
                    interaction.id, curie,
                    f"the map's annotations cite {curie} for {interaction.id}, the ledger does not",
                    "crsmap import", location,
                )  # fmt: skip
            else:
                _note(not_imported, file, interaction.id)
        if not missing:
            continue
        annotated_papers = {paper_key(c, data.citations) for c in annotated}
        cited_papers = {paper_key(c, data.citations) for c in interaction.references}
        for curie in sorted(missing, key=natural_key):
            paper = paper_key(curie, data.citations)
            if paper in annotated_papers:
                continue  # annotated under another identifier of the same paper
            if curie in interaction.references or paper in cited_papers:
                _note(only_in_notes, file, interaction.id)
                continue
            yield (
                interaction.id, curie,
                f"the ledger cites {curie} for {interaction.id}, the map does not",
                "crsmap annotate", location,
            )  # fmt: skip
    for file, ids in sorted(only_in_notes.items()):
        yield (
            None, None,
            f"{file}: {_count(ids)} references only in notes ({_first(ids)}); run "
            "crsmap annotate to write them as MIRIAM annotations for MINERVA",
            "crsmap annotate", (file, None),
        )  # fmt: skip
    for file, ids in sorted(not_imported.items()):
        yield (
            None, None,
            f"{file}: {_count(ids)} references in their notes that evidence.tsv does not "
            f"record ({_first(ids)}); run crsmap import to record them",
            "crsmap import", (file, None),
        )  # fmt: skip


def _note(groups: dict[str, list[str]], file: str, interaction: str) -> None:
    ids = groups.setdefault(file, [])
    if not ids or ids[-1] != interaction:
        ids.append(interaction)


def _count(ids: list[str]) -> str:
    return "1 interaction has" if len(ids) == 1 else f"{len(ids)} interactions have"


def _first(ids: list[str], shown: int = 5) -> str:
    more = f", ... {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def _still_cited(interaction, curie: str, rejection, annotated: bool, location) -> Found:
    """A removed (rejected) reference that the map still cites: how to take it out there."""
    why = f": {rejection.reason}" if rejection.reason else ""
    decided = (
        f"{curie} was removed from {interaction.id} ({rejection.curator}, {rejection.date}{why})"
    )
    if annotated:
        return (
            interaction.id, curie, f"{decided}, but the map's annotations still cite it",
            f"crsmap evidence remove {interaction.id} {curie}", location,
        )  # fmt: skip
    from .celldesigner import references_in_text

    if curie in {r.curie for r in references_in_text(interaction.name)}:
        where = "name"
        hint = f"in CellDesigner, select {interaction.reaction_id}, delete {curie} from its name and save"
    else:
        where = "notes"
        hint = (
            f"crsmap evidence remove {interaction.id} {curie} --from-notes (or in CellDesigner, "
            f"select {interaction.reaction_id}, delete it from the Notes pane and save)"
        )
    return (
        interaction.id, curie,
        f"{decided}, but the reaction's {where} still cite it (crsmap import leaves it out)",
        hint, location,
    )  # fmt: skip


def same_paper(data: AuditData, seen: dict[tuple[str, str], int]) -> Iterator[Found]:
    """A DOI or PMC ID recorded for an interaction that already records its paper's PMID.

    ``seen`` is the first ledger index of each (interaction, reference). The preferred
    form (the PMID, see :func:`curation.papers.preference`) is kept; the others are found.
    """
    if data.papers == data.curies:
        return  # every reference is its paper's only form: no two name one paper
    forms: dict[tuple[str, str], set[str]] = {}
    for (interaction, curie), index in seen.items():
        paper = data.papers[index]
        if paper:
            forms.setdefault((interaction, paper), set()).add(curie)
    for (interaction, paper), curies in forms.items():
        if len(curies) < 2:
            continue
        kept, *others = sorted(curies, key=preference)
        for curie in others:
            yield (
                interaction, curie,
                f"{curie} and {kept} are the same paper (PMID {paper.partition(':')[2]}), "
                f"both recorded for {interaction}",
                f'crsmap evidence remove {interaction} {curie} --reason "same paper as {kept}"',
                data.evidence_at(seen[(interaction, curie)]),
            )  # fmt: skip
