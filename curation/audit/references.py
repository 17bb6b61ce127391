"""The audit's rules over evidence and references: every reaction has evidence, every
record names a reaction of the map and a valid reference, and the cached metadata of each
reference (does it exist, is it retracted, has it a notice, was it fetched at all).
"""

from __future__ import annotations

import operator

from .engine import AuditData, _finding, rule

# Each rule first asks, in one pass at C speed over the records or the cache, whether there
# is anything to find at all; only then does it walk the records to say where. A curated
# map has tens of thousands of records and few problems.
_REFERENCE = operator.attrgetter("reference")
_STATUS = operator.attrgetter("status")
_RETRACTED = operator.attrgetter("retracted")
_NOTICES = operator.attrgetter("notices")


@rule(
    "missing-evidence",
    "error",
    "an interaction with no evidence record",
    "crsmap evidence add ID REF",
)
def _missing_evidence(data: AuditData):
    if not data.interactions.keys() - data.evidence_by_interaction.keys():
        return
    for interaction in data.interactions.values():
        if interaction.id not in data.evidence_by_interaction:
            yield _finding(
                "missing-evidence", interaction.id, None,
                f"{interaction.signature} has no evidence",
                f"crsmap evidence add {interaction.id} REF", data.map_location(interaction.id),
            )  # fmt: skip


@rule(
    "unknown-interaction", "error",
    "an evidence or interactions.tsv row naming an interaction that is not in the map",
    "crsmap evidence remove ID REF (or delete the interactions.tsv line)",
)  # fmt: skip
def _unknown_interaction(data: AuditData):
    unknown = data.evidence_by_interaction.keys() - data.interactions.keys()
    for index, record in enumerate(data.evidence if unknown else ()):
        if record.interaction not in data.interactions:
            yield _finding(
                "unknown-interaction", record.interaction, record.reference,
                f"evidence for {record.interaction}, which is not a reaction of the map",
                f"crsmap evidence remove {record.interaction} {record.reference}", data.evidence_at(index),
            )  # fmt: skip
    unknown = data.curated.keys() - data.interactions.keys()
    for index, row in enumerate(data.rows if unknown else ()):
        if row.interaction not in data.interactions:
            line = data.row_lines.get(index)
            yield _finding(
                "unknown-interaction", row.interaction, None,
                f"interactions.tsv describes {row.interaction}, which is not a reaction of the map",
                f"delete line {line} of interactions.tsv", ("interactions.tsv", line),
            )  # fmt: skip


@rule("invalid-reference", "error", "a reference that is not a valid pubmed/doi/pmc CURIE",
      "crsmap evidence remove ID REF, then crsmap evidence add ID CORRECTED")  # fmt: skip
def _invalid_reference(data: AuditData):
    # A record is invalid or miswritten when its CURIE (None if invalid) is not its text.
    odd = any(map(operator.ne, data.curies, map(_REFERENCE, data.evidence)))
    for index, record in enumerate(data.evidence if odd else ()):
        curie = data.curies[index]
        if curie is None:
            message = f"{record.reference!r} is not a PubMed ID, DOI or PMC ID"
        elif curie != record.reference:
            message = f"{record.reference!r} is written as {curie} in a ledger"
        else:
            continue
        yield _finding(
            "invalid-reference", record.interaction, record.reference, message,
            f"crsmap evidence remove {record.interaction} {record.reference} && "
            f"crsmap evidence add {record.interaction} {curie or 'CORRECTED'}",
            data.evidence_at(index),
        )  # fmt: skip
    for interaction in data.interactions.values():
        for resource in interaction.invalid_references:
            yield _finding(
                "invalid-reference", interaction.id, resource,
                f"the map annotates {interaction.id} with {resource!r}, which is not a valid reference",
                "correct the annotation in CellDesigner", data.map_location(interaction.id),
            )  # fmt: skip


def _cited(data: AuditData):
    """(index, record, curie, citation) for every evidence record with cached metadata."""
    return data.cited


@rule("reference-not-found", "error", "PubMed/Crossref says the reference does not exist",
      "crsmap evidence remove ID REF")  # fmt: skip
def _not_found(data: AuditData):
    if "not-found" not in map(_STATUS, data.citations.values()):
        return
    for index, record, curie, citation in _cited(data):
        if citation.status == "not-found":
            source = "PubMed" if citation.source == "pubmed" else "Crossref"
            yield _finding(
                "reference-not-found", record.interaction, curie, f"{source} does not know {curie}",
                f"crsmap evidence remove {record.interaction} {curie}", data.evidence_at(index),
            )  # fmt: skip


@rule(
    "retracted",
    "error",
    "the reference is retracted",
    "crsmap evidence remove --everywhere REF --reason retracted (add --from-notes when "
    "reactions' notes cite it)",
)
def _retracted(data: AuditData):
    if not any(map(_RETRACTED, data.citations.values())):
        return
    in_notes: set[str] | None = None
    for index, record, curie, citation in _cited(data):
        if citation.is_retracted:  # the report's notion too (a not-found one is not)
            if in_notes is None:  # only a map with a retracted reference pays for this
                in_notes = {
                    c
                    for i in data.interactions.values()
                    for c in set(i.references) - set(i.annotated_references)
                }
            notices = [n.id for n in citation.notices if n.type == "retraction"]
            notice = f" (retraction notice {', '.join(notices)})" if notices else ""
            notes = " --from-notes" if curie in in_notes else ""
            yield _finding(
                "retracted", record.interaction, curie, f"{citation.label()} is retracted{notice}",
                f'crsmap evidence remove --everywhere {curie}{notes} --reason "retracted"',
                data.evidence_at(index),
            )  # fmt: skip


@rule("notice", "warning", "an erratum or expression of concern is linked to the reference",
      "read the notice, then keep the evidence or crsmap evidence remove ID REF")  # fmt: skip
def _notice(data: AuditData):
    if not any(map(_NOTICES, data.citations.values())):
        return
    for index, record, curie, citation in _cited(data):
        for notice in citation.notices:
            if notice.type in ("erratum", "expression-of-concern"):
                yield _finding(
                    "notice", record.interaction, curie,
                    f"{citation.label()} has an {notice.type.replace('-', ' ')}: {notice.id}",
                    f"read {notice.id}; if it undermines the evidence: crsmap evidence remove {record.interaction} {curie}",
                    data.evidence_at(index),
                )  # fmt: skip


@rule("unfetched-reference", "warning", "no cached metadata (run `crsmap fetch`)", "crsmap fetch")
def _unfetched(data: AuditData):
    if all(map(data.citations.__contains__, filter(None, data.curies))):
        return
    for index, record in enumerate(data.evidence):
        curie = data.curies[index]
        if curie is not None and curie not in data.citations:
            yield _finding(
                "unfetched-reference", record.interaction, curie, f"no citation metadata for {curie}",
                f"crsmap fetch --only {record.interaction}", data.evidence_at(index),
            )  # fmt: skip
