"""The audit's rules over the ledgers against the map and themselves: an interaction changed
since it was curated, the map's annotations and the ledger disagreeing (map drift), repeated
evidence, and malformed ledger lines.
"""

from __future__ import annotations

import itertools
import operator

from .engine import AuditData, _finding, rule

_INTERACTION = operator.attrgetter("interaction")


@rule("interaction-changed", "warning", "the map's signature differs from the recorded one",
      "crsmap interactions set ID --status reviewed")  # fmt: skip
def _changed(data: AuditData):
    for index, row in enumerate(data.rows):
        interaction = data.interactions.get(row.interaction)
        if interaction is not None and row.signature and row.signature != interaction.signature:
            yield _finding(
                "interaction-changed", row.interaction, None,
                f"curated as {row.signature!r}, the map now says {interaction.signature!r}",
                f"review the evidence, then crsmap interactions set {row.interaction} --status reviewed",
                ("interactions.tsv", data.row_lines.get(index)),
            )  # fmt: skip


@rule("map-drift", "warning", "the map's annotations and the ledger disagree",
      "crsmap import (map to ledger) or crsmap annotate (ledger to map); for a removed "
      "reference still in a reaction's notes, crsmap evidence remove ID REF --from-notes")  # fmt: skip
def _drift(data: AuditData):
    from ..drift import map_drift

    for interaction, reference, message, hint, location in map_drift(data):
        yield _finding("map-drift", interaction, reference, message, hint, location)


@rule(
    "duplicate-evidence", "warning",
    "the same (interaction, reference) recorded twice, or one paper under two identifiers "
    "(a DOI or PMC ID and its PMID)",
    "delete the repeated line of evidence.tsv, or crsmap evidence remove ID REF (the second form)",
)  # fmt: skip
def _duplicates(data: AuditData):
    from ..drift import same_paper

    seen: dict[tuple[str, str], int] = {}
    if None not in data.curies:
        # The index of every (interaction, reference) at C speed: the first one, when no key
        # repeats (first and last are one then), as in nearly every ledger.
        keys = zip(map(_INTERACTION, data.evidence), data.curies, strict=True)
        seen = dict(zip(keys, itertools.count(), strict=False))
    if len(seen) != len(data.evidence):
        seen = {}
        for index, record in enumerate(data.evidence):
            key = (record.interaction, data.curies[index] or record.reference)
            if key in seen:
                first = data.evidence_lines.get(seen[key])
                line = data.evidence_lines.get(index)
                yield _finding(
                    "duplicate-evidence", record.interaction, key[1],
                    f"{key[1]} is recorded for {record.interaction} on lines {first} and {line} of evidence.tsv",
                    f"delete line {line} of evidence.tsv", data.evidence_at(index),
                )  # fmt: skip
            else:
                seen[key] = index
    for interaction, reference, message, hint, location in same_paper(data, seen):
        yield _finding("duplicate-evidence", interaction, reference, message, hint, location)


@rule("invalid-record", "error", "a malformed ledger line (bad ECO, date, column count)",
      "correct the line named in the file named")  # fmt: skip
def _invalid_record(data: AuditData):
    for problem in data.problems:
        yield _finding(
            "invalid-record", None, None, str(problem), f"correct {problem.file} line {problem.line}",
            (problem.file, problem.line),
        )  # fmt: skip
