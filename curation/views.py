"""Read-only views of a project, as plain JSON-ready rows for listings and cards."""

from __future__ import annotations

from dataclasses import dataclass

from .celldesigner import Interaction
from .identifiers import reference_key
from .ledger import EvidenceRecord, InteractionRecord, LedgerContent, LineProblem, natural_key
from .project import Project

INTERACTION_KEYS = (
    "id",
    "map",
    "type",
    "signature",
    "references",
    "map_references",
    "curator",
    "license",
    "status",
)
EVIDENCE_KEYS = ("interaction", "reference", "evidence", "curator", "date", "source", "note")


@dataclass(frozen=True)
class Ledgers:
    """Both ledgers read once for a listing: its rows and its warnings come from one read."""

    evidence: LedgerContent[EvidenceRecord]
    rows: LedgerContent[InteractionRecord]

    @classmethod
    def read(cls, project: Project) -> Ledgers:
        return cls(project.evidence(), project.interaction_records())

    @property
    def problems(self) -> list[LineProblem]:
        """Malformed lines of both ledgers, as ``file:line: message``."""
        return self.evidence.problems + self.rows.problems


def _index(
    ledgers: Ledgers,
) -> tuple[dict[str, list[EvidenceRecord]], dict[str, InteractionRecord]]:
    evidence: dict[str, list[EvidenceRecord]] = {}
    for record in ledgers.evidence.records:
        evidence.setdefault(record.interaction, []).append(record)
    rows = {r.interaction: r for r in ledgers.rows.records}
    return evidence, rows


def _references(records: list[EvidenceRecord], citations: dict) -> list[str]:
    """The distinct references of an interaction's evidence records, one per paper, sorted."""
    if not records:
        return []
    references = sorted({reference_key(r.reference) for r in records}, key=natural_key)
    # One paper, one reference: a DOI recorded next to its PMID counts once (after fetch).
    # Only references that the citation cache ties to one PMID merge, so a single
    # reference, or an empty cache, is kept as it is (the list is sorted and distinct).
    if len(references) > 1 and citations:
        from .papers import one_per_paper

        references = one_per_paper(references, citations)
    return references


def _summary(
    interaction: Interaction,
    references: list[str],
    row: InteractionRecord | None,
    map_license: str,
) -> dict:
    """An interaction's listing row; ``map_license`` stands for a license the row lacks."""
    if row is None:  # not curated yet, as most interactions of a new project
        curator, license, status = None, map_license, None
    else:
        curator, status = row.curator or None, row.status
        license = row.license or map_license
    return {
        "id": interaction.id,
        "map": interaction.map,
        "type": interaction.type,
        "signature": interaction.signature,
        "references": references,
        "map_references": list(interaction.references),
        "curator": curator,
        "license": license,
        "status": status,
    }


def interaction_summaries(
    project: Project, missing_evidence: bool = False, ledgers: Ledgers | None = None
) -> list[dict]:
    """One row per interaction, with the keys ``interactions list --format json`` prints."""
    evidence, rows = _index(ledgers or Ledgers.read(project))
    if evidence:
        from .papers import cached

        citations = cached(project.root)
    else:
        citations = {}
    map_license = project.config.map.license
    result = []
    for interaction in project.interactions.values():
        records = evidence.get(interaction.id)
        if records and missing_evidence:
            continue
        references = _references(records, citations) if records else []
        result.append(_summary(interaction, references, rows.get(interaction.id), map_license))
    return result


def _evidence_row(record: EvidenceRecord, cache: dict) -> dict:
    row = {k: getattr(record, k) for k in EVIDENCE_KEYS}
    citation = cache.get(reference_key(record.reference))
    row["citation"] = citation.short() if citation is not None else None
    return row


def evidence_rows(
    project: Project, interaction_id: str | None = None, ledgers: Ledgers | None = None
) -> list[dict]:
    """Evidence records, optionally of one interaction, in ledger order, with short citations."""
    records = (ledgers or Ledgers.read(project)).evidence.records
    if interaction_id is not None:
        records = project.evidence_of(interaction_id, records)
    cache = project.citations()
    return [_evidence_row(r, cache) for r in records]


def interaction_card(project: Project, interaction_id: str, ledgers: Ledgers | None = None) -> dict:
    """Everything known about one interaction: map facts, evidence and provenance."""
    interaction = project.resolve(interaction_id)
    evidence, rows = _index(ledgers or Ledgers.read(project))
    row = rows.get(interaction.id)
    records = evidence.get(interaction.id, [])
    cache = project.citations() if records else {}
    card = _summary(interaction, _references(records, cache), row, project.config.map.license)
    curator = project.config.curator(row.curator) if row and row.curator else None
    card.update(
        {
            "name": interaction.name,
            "participants": [
                {
                    "role": p.role,
                    "name": p.name,
                    "species": p.species,
                    "modification": p.modification or None,
                }
                for p in interaction.participants
            ],
            "evidence": [_evidence_row(r, cache) for r in records],
            "curator_name": curator.name if curator else None,
            "derived_from": row.derived_from if row and row.derived_from else None,
            "updated": row.updated if row and row.updated else None,
            "recorded_signature": row.signature if row and row.signature else None,
            **release_fields(project, interaction.id),
            "signature_changed": bool(
                row and row.signature and row.signature != interaction.signature
            ),
        }
    )
    return card


def shown(text: str) -> str:
    """``text`` with every unprintable character written as an escape (``\\r``, ``\\u202e``).

    Git history holds names and messages made outside crsmap: a carriage return, a terminal
    escape or a right-to-left override must not make one author display as another.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def interaction_history(project: Project, interaction_id: str) -> list[dict]:
    """Commits that changed the interaction's ledger rows, newest first, with their release."""
    from . import gitrepo
    from .provenance import history

    target = project._ledger_id(interaction_id, project.evidence().records)
    repo = gitrepo.require_repo(project.root)
    return [
        {
            "date": entry.date,
            "commit": entry.commit,
            "release": entry.release,
            "author": shown(entry.author),
            "subject": shown(entry.subject),
            "changes": [shown(change) for change in entry.changes],
        }
        for entry in history(repo, project.root, target)
    ]


def release_fields(project: Project, interaction_id: str) -> dict:
    """first_release and last_changed of an interaction, computed from the release tags."""
    from . import gitrepo
    from .provenance import release_history

    repo = gitrepo.find_repo(project.root)
    if repo is None or not repo.head.is_valid():
        return {"first_release": None, "last_changed": None}
    folded = release_history(repo, project.root).lineage
    return {
        "first_release": folded.first_interaction.get(interaction_id),
        "last_changed": folded.last_changed.get(interaction_id),
    }
